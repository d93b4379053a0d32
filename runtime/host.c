/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "addr.h"
#include "host.h"
#include "vec.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

static int add_addr(struct jp_hosts *h, size_t *cap, int family, const void *data)
{
	struct jp_addr a = { .family = family == AF_INET ? 4 : 6 };
	size_t i;

	memcpy(a.addr, data, a.family == 4 ? 4 : 16);
	pol_addr_canonicalise(&a.family, a.addr);
	if (pol_never_host(a.family, a.addr))
		return 0;
	/* An interface has a handful of addresses: a linear check is fine. */
	for (i = 0; i < h->n; i++)
		if (h->v[i].family == a.family && !memcmp(h->v[i].addr, a.addr, 16))
			return 0;
	if (POL_GROW(h->v, *cap, h->n + 1))
		return -ENOMEM;
	h->v[h->n++] = a;
	return 0;
}

/* The uapi netlink macros (NLMSG_NEXT, RTA_NEXT, IFA_RTA) step through a
 * char *, which clang's -Wcast-align flags; the kernel keeps every message
 * and attribute NLMSG_ALIGNTO-aligned, and the buffers here are too. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-align"

/* One RTM_NEWADDR.  The interface's own address is IFA_LOCAL where there is
 * one (IFA_ADDRESS is then the peer of a point-to-point link), else
 * IFA_ADDRESS.  An IPv4 address's subnet broadcast (IFA_BROADCAST) reaches
 * the host as well: a datagram to 203.0.113.255 from a container on
 * 203.0.113.0/24 is delivered to the host's sockets bound to 0.0.0.0. */
static int parse_addr(struct nlmsghdr *nh, struct jp_hosts *h, size_t *cap)
{
	struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	int len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifa)));
	const void *local = NULL, *address = NULL, *broadcast = NULL;
	struct rtattr *rta;

	if (len < 0 || (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return 0;
	for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		size_t need = ifa->ifa_family == AF_INET ? 4 : 16;

		if (RTA_PAYLOAD(rta) < need)
			continue;
		if (rta->rta_type == IFA_LOCAL)
			local = RTA_DATA(rta);
		else if (rta->rta_type == IFA_ADDRESS)
			address = RTA_DATA(rta);
		else if (rta->rta_type == IFA_BROADCAST && ifa->ifa_family == AF_INET)
			broadcast = RTA_DATA(rta);
	}
	if (!local)
		local = address;
	if (local && add_addr(h, cap, ifa->ifa_family, local))
		return -ENOMEM;
	if (broadcast && add_addr(h, cap, ifa->ifa_family, broadcast))
		return -ENOMEM;
	return 0;
}

int jp_host_dump_batch(const void *buf, size_t len, uint32_t seq, struct jp_hosts *h, size_t *cap,
		       bool *interrupted, char *err, size_t errlen)
{
	const struct nlmsghdr *nh;
	size_t n = len;

	for (nh = buf; NLMSG_OK(nh, n); nh = NLMSG_NEXT(nh, n)) {
		if (nh->nlmsg_seq != seq)
			continue;
		/* The kernel sets NLM_F_DUMP_INTR on the messages of a dump
		 * during which the address list changed: the dump may then
		 * have skipped an address (its position shifted between two
		 * batches).  Read it to its end, then the caller dumps again. */
		if (nh->nlmsg_flags & NLM_F_DUMP_INTR)
			*interrupted = true;
		if (nh->nlmsg_type == NLMSG_DONE)
			return 1;
		if (nh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);
			int ret = nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) || !e->error ? -EPROTO
											: e->error;

			snprintf(err, errlen, "netlink address dump: %s", strerror(-ret));
			return ret;
		}
		if (nh->nlmsg_type == RTM_NEWADDR && parse_addr((struct nlmsghdr *)nh, h, cap)) {
			snprintf(err, errlen, "netlink address dump: out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}

bool jp_host_addr_event(const void *buf, size_t len)
{
	const struct nlmsghdr *nh;

	for (nh = buf; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len))
		if (nh->nlmsg_type == RTM_NEWADDR || nh->nlmsg_type == RTM_DELADDR)
			return true;
	return false;
}

/* One RTM_GETADDR dump into *h (emptied first). */
static int dump_once(int fd, uint32_t seq, char *buf, size_t buflen, struct jp_hosts *h,
		     size_t *cap, bool *interrupted, char *err, size_t errlen)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
	} req = {
		.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)),
		.nh.nlmsg_type = RTM_GETADDR,
		.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		.nh.nlmsg_seq = seq,
		.ifa.ifa_family = AF_UNSPEC,
	};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int ret = 0;

	h->n = 0;
	*interrupted = false;
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		snprintf(err, errlen, "netlink address dump: %s", strerror(errno));
		return ret;
	}
	while (!ret) {
		ssize_t n = recv(fd, buf, buflen, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			snprintf(err, errlen, "netlink address dump: %s", strerror(errno));
			return ret;
		}
		ret = jp_host_dump_batch(buf, (size_t)n, seq, h, cap, interrupted, err, errlen);
	}
	return ret < 0 ? ret : 0;
}

int jp_host_addrs(struct jp_hosts *out, char *err, size_t errlen)
{
	struct jp_hosts h = { 0 };
	size_t cap = 0, buflen = 65536;
	bool interrupted = true;
	char *buf = NULL;
	uint32_t seq;
	int fd, ret = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open a netlink socket: %s", strerror(errno));
		return ret;
	}
	buf = malloc(buflen);
	if (!buf) {
		ret = -ENOMEM;
		snprintf(err, errlen, "netlink address dump: out of memory");
		goto cleanup;
	}
	for (seq = 1; interrupted && seq <= JP_HOST_DUMP_TRIES; seq++) {
		/* A pause that doubles before each new try, 1 ms to 64 ms
		 * (127 ms in all): addresses that change in a burst (an
		 * interface coming up, a container's veths) settle between two
		 * tries, where dumps made back to back would all fall inside
		 * it. */
		if (seq > 1) {
			struct timespec ts = { 0, (1L << (seq - 2)) * 1000000L };

			while (nanosleep(&ts, &ts) && errno == EINTR)
				;
		}
		ret = dump_once(fd, seq, buf, buflen, &h, &cap, &interrupted, err, errlen);
		if (ret)
			goto cleanup;
	}
	if (interrupted) {
		ret = -EAGAIN;
		snprintf(err, errlen,
			 "netlink address dump: the host's addresses changed during each of %d "
			 "dumps; try again when they settle",
			 JP_HOST_DUMP_TRIES);
		goto cleanup;
	}
	*out = h;
	h.v = NULL;
cleanup:
	free(h.v);
	free(buf);
	close(fd);
	return ret;
}

#pragma GCC diagnostic pop

void jp_hosts_free(struct jp_hosts *h)
{
	if (!h)
		return;
	free(h->v);
	h->v = NULL;
	h->n = 0;
}

int jp_host_netns_cookie(uint64_t *out, char *err, size_t errlen)
{
	socklen_t len = sizeof(*out);
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open a socket to read the netns cookie: %s",
			 strerror(errno));
		return ret;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, out, &len) < 0) {
		ret = -errno;
		snprintf(err, errlen,
			 "cannot read the host's netns cookie (SO_NETNS_COOKIE, Linux 5.14+): %s",
			 strerror(errno));
	}
	close(fd);
	return ret;
}
