/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * watch.c - keep every jail's host entries equal to the host's addresses
 * (watch.h has the contract).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "host.h"
#include "hostset.h"
#include "loader.h"
#include "pins.h"
#include "watch.h"

#define SAY "jail-ai-block: watch: "

/* After a round that could not dump the addresses (they kept changing,
 * JP_HOST_DUMP_TRIES times), the next try comes this much later. */
#define RETRY_MS 100

/* The socket buffer for address events: a burst of this many bytes of
 * them is queued whole; a longer one overruns, which forces a round. */
#define EVENT_BUF (4 << 20)

/* What one round did. */
struct round {
	const struct jp_hosts *hosts;
	uint64_t netns_cookie; /* of this namespace; 0 if unknown */
	bool first;            /* the first round: say what is left alone */
	unsigned int jails, kept, changes, failed;
};

/* One jail of a round, for its log lines. */
struct jail_ctx {
	struct round *r;
	const struct jp_info *info;
};

static void say_change(const struct jp_addr *a, bool added, void *arg)
{
	struct jail_ctx *c = arg;
	char text[JP_ADDR_STRLEN];

	jp_addr_format(a, text, sizeof(text));
	c->r->changes++;
	fprintf(stderr, SAY "cgroup '%s' (id %llu): host address %s %s\n", c->info->cgroup,
		(unsigned long long)c->info->cgroup_id, text,
		added ? "added: denied now" : "removed: judged by the policy again");
}

/* Bring one pinned jail's host entries to r->hosts. */
static int sync_jail(const char *path, const char *name, void *arg)
{
	struct round *r = arg;
	struct jp_live l;
	struct jail_ctx c = { r, &l.info };
	struct jp_hostset hs;
	uint64_t owner;
	char err[1024];
	uint32_t n;
	int ret;

	(void)name;
	r->jails++;
	ret = jp_live_open(path, &l, err, sizeof(err));
	if (ret == -EINPROGRESS)
		return 0; /* nothing in force: the attach that finishes it dumps */
	if (ret) {
		r->failed++;
		fprintf(stderr, SAY "%s\n", err);
		return 0;
	}
	if (!(l.info.policy_flags & POL_CF_USES_HOST)) {
		jp_live_close(&l);
		return 0;
	}
	hs = (struct jp_hostset){ l.rec_fd };
	/* A jail attached in another network namespace has that one's
	 * addresses for its host set, not these. */
	if (r->netns_cookie && !jp_hostset_owner(&hs, &owner) && owner &&
	    owner != r->netns_cookie) {
		if (r->first)
			fprintf(stderr,
				SAY "cgroup '%s' (id %llu): attached in another network namespace; "
				    "left to the watch of that one\n",
				l.info.cgroup, (unsigned long long)l.info.cgroup_id);
		jp_live_close(&l);
		return 0;
	}
	ret = jp_hostset_sync(&hs, r->hosts, say_change, &c, &n, err, sizeof(err));
	if (!ret && jp_live_set_n_hosts(&l, n) < 0)
		fprintf(stderr, SAY "cgroup '%s': cannot update its info: %s\n", l.info.cgroup,
			strerror(errno));
	if (ret) {
		r->failed++;
		fprintf(stderr, SAY "cgroup '%s' (id %llu): %s\n", l.info.cgroup,
			(unsigned long long)l.info.cgroup_id, err);
	} else {
		r->kept++;
	}
	jp_live_close(&l);
	return 0;
}

/*
 * One round: under the pin root's lock, the addresses now, and every
 * jail brought to them.  -EAGAIN when the addresses kept changing during
 * the dump (try again soon); a jail that fails is said and counted, and
 * the others go on.
 */
static int round_all(struct round *r, uint64_t netns_cookie, bool first)
{
	struct jp_hosts hosts = { 0 };
	char err[1024];
	int lock, ret;

	memset(r, 0, sizeof(*r));
	r->netns_cookie = netns_cookie;
	r->first = first;
	lock = jp_pins_lock(err, sizeof(err));
	if (lock == -ENOENT)
		return 0; /* no pin root: no jail yet, and the first one dumps */
	if (lock < 0) {
		fprintf(stderr, SAY "%s\n", err);
		return lock;
	}
	ret = jp_host_addrs(&hosts, err, sizeof(err));
	if (ret) {
		fprintf(stderr, SAY "%s\n", err);
		goto out;
	}
	r->hosts = &hosts;
	ret = jp_pin_dir_foreach(JP_PIN_ROOT, JP_PIN_DIR_PREFIX, sync_jail, r);
	if (ret < 0)
		fprintf(stderr, SAY "cannot read '%s': %s\n", JP_PIN_ROOT, strerror(-ret));
	r->hosts = NULL;
out:
	jp_hosts_free(&hosts);
	close(lock);
	return ret;
}

/* sd_notify(3)'s protocol, without libsystemd: one datagram to
 * $NOTIFY_SOCKET (a path, or an abstract name written "@name"). */
static void notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	if (!path || !path[0] || (len = strlen(path)) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
	       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
}

/* The address events of this network namespace, non-blocking. */
static int open_events(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
	};
	int fd, size = EVENT_BUF, ret;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (fd < 0) {
		ret = -errno;
		fprintf(stderr, SAY "cannot open a netlink socket: %s\n", strerror(-ret));
		return ret;
	}
	/* As root the buffer may exceed net.core.rmem_max; else what it allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		fprintf(stderr, SAY "cannot subscribe to address events: %s\n", strerror(-ret));
		close(fd);
		return ret;
	}
	return fd;
}

/* Read every queued event: 1 if one of them changed an address (or
 * some were lost to an overrun), 0 if none did, or -errno. */
static int drain_events(int fd)
{
	union {
		char b[16384];
		struct nlmsghdr align; /* as the netlink macros want it */
	} buf;
	int changed = 0;

	for (;;) {
		ssize_t n = recv(fd, buf.b, sizeof(buf.b), 0);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return changed;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				fprintf(stderr, SAY "address events overran the socket buffer; "
						    "reconciling every jail\n");
				changed = 1;
				continue;
			}
			fprintf(stderr, SAY "reading address events: %s\n", strerror(errno));
			return -errno;
		}
		if (jp_host_addr_event(buf.b, (size_t)n))
			changed = 1;
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* SIGTERM, SIGINT and SIGHUP as a file descriptor (blocked otherwise). */
static int open_signals(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

/* 1 for a signal that ends the watch, 0 for SIGHUP (a round), -errno. */
static int read_signal(int fd, bool *round)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo != SIGHUP)
			return 1;
		*round = true;
	}
	return errno == EAGAIN ? 0 : -errno;
}

int jp_watch(const struct jp_watch_opts *o)
{
	int ev = -1, sig = -1, ret, stop = 0;
	int64_t next_resync = 0, retry_at = 0;
	uint64_t cookie;
	bool first = true, pending = true;
	char err[512], status[128];
	struct round r;

	if (jp_pins_check(err, sizeof(err))) {
		fprintf(stderr, SAY "%s\n", err);
		return -ENOTDIR;
	}
	if (jp_host_netns_cookie(&cookie, err, sizeof(err)))
		cookie = 0; /* before Linux 5.14: every jail is taken for this one's */
	/* Subscribed before the first dump: a change after it is an event. */
	ev = open_events();
	if (ev < 0)
		return ev;
	sig = open_signals();
	if (sig < 0) {
		ret = sig;
		fprintf(stderr, SAY "cannot take signals: %s\n", strerror(-ret));
		goto out;
	}
	while (!stop) {
		struct pollfd pf[2] = { { .fd = ev, .events = POLLIN },
					{ .fd = sig, .events = POLLIN } };
		int64_t t = now_ms(), wait = -1;

		if (pending && (!retry_at || t >= retry_at)) {
			pending = false;
			retry_at = 0;
			ret = round_all(&r, cookie, first);
			if (ret == -EAGAIN) {
				pending = true;
				retry_at = now_ms() + RETRY_MS;
			} else if (ret) {
				goto out;
			}
			if (pending)
				continue;
			if (first || o->once)
				fprintf(stderr,
					SAY "%s %u jails, %u kept current, %u failed; %u changes\n",
					o->once ? "reconciled" : "watching:", r.jails, r.kept,
					r.failed, r.changes);
			if (o->once) {
				ret = r.failed ? -EIO : 0;
				goto out;
			}
			snprintf(status, sizeof(status),
				 "STATUS=%u jails, %u kept current, %u failed", r.jails, r.kept,
				 r.failed);
			notify(status);
			if (first) {
				first = false;
				notify("READY=1");
			}
			if (o->resync_s)
				next_resync = now_ms() + (int64_t)o->resync_s * 1000;
			continue;
		}
		if (pending)
			wait = retry_at - t;
		else if (o->resync_s)
			wait = next_resync > t ? next_resync - t : 0;
		if (poll(pf, 2, wait > INT32_MAX ? INT32_MAX : (int)wait) < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			fprintf(stderr, SAY "poll: %s\n", strerror(-ret));
			goto out;
		}
		if (pf[1].revents) {
			stop = read_signal(sig, &pending);
			if (stop < 0) {
				ret = stop;
				goto out;
			}
		}
		if (pf[0].revents) {
			ret = drain_events(ev);
			if (ret < 0)
				goto out;
			pending |= ret;
		}
		if (!pending && o->resync_s && now_ms() >= next_resync)
			pending = true;
	}
	notify("STOPPING=1");
	fprintf(stderr, SAY "stopped\n");
	ret = 0;
out:
	if (sig >= 0)
		close(sig);
	close(ev);
	return ret;
}
