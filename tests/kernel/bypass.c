// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bypass.c - the bypass matrix: every way we know for a process in a jailed
 * cgroup to send something to the host, tried for real.
 *
 *   bypass [--markdown FILE] [--seed N] BUILD_DIR
 *
 * One row per vector, in the spirit of the kernel selftests'
 * prog_tests/sock_addr.c: the vector (connect, sendmsg, io_uring, a raw
 * socket, a child cgroup, a new user namespace, ...), the socket, the
 * destination and the outcome expected.  Every row runs twice, from a fresh
 * child process each time: once in a cgroup with no jail (the baseline: the
 * vector does reach its listener, so the row can fail) and once in a cgroup
 * jailed with policies/default.jp by BUILD_DIR/jail-ai-block.  A listener
 * outside the jail, created for that run alone, tells whether anything
 * arrived; the errno of the deciding call is checked too.
 *
 * Expected outcomes:
 *   refused   the call fails with EPERM and nothing arrives
 *   dropped   nothing arrives (the packet backstop drops it on egress)
 *   allowed   it arrives, as without the jail (a control row)
 *   open      it arrives, as without the jail: a vector no cgroup hook can
 *             stop.  Documented in docs/security.md with its mitigation.
 *
 * Topology (names carry this process's pid; all removed at exit):
 *   host netns   listeners on loopback; veth H 203.0.113.1/24,
 *                2001:db8:feed::1/64 to netns C
 *   netns C      a container on a bridge-like link to the host:
 *                203.0.113.2/24, 2001:db8:feed::2/64, default route via
 *                the host (which does not forward)
 *   netns A <-> B  a container and "the network": B holds the metadata and
 *                gateway addresses, 198.51.100.7 and 2001:db8:1::7 (the
 *                internet); A routes them to B
 *   netns P      only loopback (a container's own loopback)
 * Packets go only to loopback and to addresses on these veths.
 *
 * Prints "ok NAME" or "FAIL NAME: ..." per row and "N passed, N failed"
 * last; exit 0, 1 on any failure, 77 when it cannot run at all (the reason
 * is printed).  --markdown writes the results as the table in
 * docs/security.md.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <linux/vm_sockets.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ktest.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef IPPROTO_UDPLITE
#define IPPROTO_UDPLITE 136
#endif

#define WAIT_MS 150 /* for a packet on loopback or a veth: far more than enough */

enum ns { NS_HOST, NS_A, NS_B, NS_C, NS_P, NS_MAX };
static const char *const ns_suffix[NS_MAX] = { "", "a", "b", "c", "p" };

enum lkind { L_NONE, L_TCP, L_UDP, L_UDPLITE, L_UNIX_STREAM, L_UNIX_DGRAM, L_UNIX_SEQPACKET };
enum expect { X_REFUSED, X_DROPPED, X_ALLOWED, X_OPEN };
static const char *const expect_name[] = { "refused", "dropped", "allowed", "open" };

struct row;
struct outcome {
	int err;     /* errno of the deciding call, 0 if it succeeded */
	int reached; /* 1 arrived, 0 not; -1: ask the listener */
	int bpf_fds; /* for the exec row: BPF objects the jailed process holds */
	int opened;  /* reached means "the socket could be made" (AF_VSOCK) */
	char note[120];
};
typedef void (*vector_fn)(const struct row *r, const struct sockaddr_storage *dst, socklen_t len,
			  struct outcome *o);

struct row {
	const char *name;
	const char *vector; /* for the table */
	const char *sock;   /* for the table */
	const char *dest;   /* as written; "%s" rows take a run-time address */
	enum ns from;       /* where the jailed process runs */
	vector_fn run;
	int type, proto;
	enum lkind lk; /* the listener: kind, netns, address */
	enum ns lns;
	const char *laddr;
	enum expect expect;
	bool no_baseline_reach; /* nothing can arrive even without the jail */
	const char *why;        /* for the table, instead of the vector */
	bool strict;            /* jailed by policies/strict.jp, not default.jp */
};

/* Run-time addresses and names. */
static char tag[16], veth_hc[IFNAMSIZ], veth_ch[IFNAMSIZ], veth_ab[IFNAMSIZ], veth_ba[IFNAMSIZ];
static char hc_ll[64], host_addr[64], rnd_lo[4][20];
static uint8_t mac_ba[6];
static char cg2[512], cg_jail[600], cg_free[600], build[512], self_exe[512], policy_bin[600],
	workdir[64], cg_strict[600], strict_bin[600];
static int ns_fd[NS_MAX] = { -1, -1, -1, -1, -1 };
static bool ns_made[NS_MAX], link_made, jail_made, free_made, had_exec_parent, had_pin_root,
	strict_made;
static unsigned int pass, fail;
static FILE *md;
/* The cases of a whole run (set by main) and the process that counts them. */
static unsigned int n_cases;
static pid_t main_pid;

/* ---- small helpers ------------------------------------------------ */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bypass: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	/* Stopped early: every case that did not run counts as failed, so
	 * the summary never understates what was not tested. */
	if (getpid() == main_pid && pass + fail < n_cases) {
		printf("bypass: stopped: %u of %u cases did not run, counted as failed\n",
		       n_cases - pass - fail, n_cases);
		printf("%u passed, %u failed\n", pass, n_cases - pass);
	}
	exit(1);
}

/* Run a shell command (fixed strings and our own names only); 0 or -1 with
 * its output in err. */
static int sh(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int sh(char *err, size_t errlen, const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	FILE *p;
	size_t n = 0;
	int st;

	/* A pipeline takes the redirections as a whole: ( ... ). */
	cmd[0] = '(';
	va_start(ap, fmt);
	vsnprintf(cmd + 1, sizeof(cmd) - 1, fmt, ap);
	va_end(ap);
	strncat(cmd, ") 2>&1 </dev/null", sizeof(cmd) - strlen(cmd) - 1);
	p = popen(cmd, "r");
	if (!p) {
		snprintf(err, errlen, "cannot run '%s'", cmd);
		return -1;
	}
	if (err && errlen)
		err[0] = '\0';
	while (err && n + 1 < errlen && fgets(err + n, (int)(errlen - n), p))
		n = strlen(err);
	while (fgetc(p) != EOF)
		;
	st = pclose(p);
	if (st != 0 && err && !err[0])
		snprintf(err, errlen, "'%s' exited with %d", cmd, st);
	return st == 0 ? 0 : -1;
}

static void setup(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void setup(const char *fmt, ...)
{
	char cmd[1024], err[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (sh(err, sizeof(err), "%s", cmd))
		die("setup: '%s' failed: %s", cmd, err);
}

static void enter_ns(enum ns n)
{
	if (setns(ns_fd[n], CLONE_NEWNET) < 0)
		die("setns(%s): %s", n ? ns_suffix[n] : "host", strerror(errno));
}

/* ---- vectors (run in the child, in its netns and cgroup) ----------- */

static char payload[] = "x";

/* connect(), then one byte; TCP-like sockets connect non-blocking. */
static void v_connect(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
		      struct outcome *o)
{
	int fd = socket(d->ss_family, r->type | SOCK_CLOEXEC, r->proto);

	if (fd < 0) {
		o->err = errno;
		return;
	}
	if (r->type == SOCK_STREAM) {
		int e = 0;
		socklen_t el = sizeof(e);

		fcntl(fd, F_SETFL, O_NONBLOCK);
		if (connect(fd, (const struct sockaddr *)d, len) < 0) {
			if (errno != EINPROGRESS) {
				o->err = errno;
				goto out;
			}
			e = ktest_wait_fd(fd, POLLOUT, 2000);
			if (e) {
				o->err = -e;
				goto out;
			}
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
			if (e) {
				o->err = e;
				goto out;
			}
		}
	} else {
		int on = 1;

		setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on));
		if (connect(fd, (const struct sockaddr *)d, len) < 0) {
			o->err = errno;
			goto out;
		}
	}
	o->err = send(fd, "x", 1, 0) < 0 ? errno : 0;
out:
	close(fd);
}

/* connect() only, no data: for a destination that must not get a packet
 * even if the jail failed (the machine's real address). */
static void v_connect_only(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
			   struct outcome *o)
{
	int fd = socket(d->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	(void)r;
	o->err = fd < 0 || connect(fd, (const struct sockaddr *)d, len) < 0 ? errno : 0;
	o->reached = 0;
	snprintf(o->note, sizeof(o->note), "UDP connect() only: sends nothing");
	if (fd >= 0)
		close(fd);
}

static int dgram_socket(const struct row *r, int family, struct outcome *o)
{
	int on = 1, fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, r->proto);

	if (fd < 0) {
		o->err = errno;
		return -1;
	}
	/* Broadcast destinations need it; it changes nothing for the others. */
	setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on));
	return fd;
}

static void v_sendto(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
		     struct outcome *o)
{
	int fd = dgram_socket(r, d->ss_family, o);

	if (fd < 0)
		return;
	o->err = sendto(fd, "x", 1, 0, (const struct sockaddr *)d, len) < 0 ? errno : 0;
	close(fd);
}

static void v_sendmsg(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
		      struct outcome *o)
{
	struct iovec iov = { .iov_base = payload, .iov_len = 1 };
	struct msghdr m = {
		.msg_name = (void *)d, .msg_namelen = len, .msg_iov = &iov, .msg_iovlen = 1
	};
	int fd = dgram_socket(r, d->ss_family, o);

	if (fd < 0)
		return;
	o->err = sendmsg(fd, &m, 0) < 0 ? errno : 0;
	close(fd);
}

static void v_sendmmsg(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
		       struct outcome *o)
{
	struct iovec iov = { .iov_base = payload, .iov_len = 1 };
	struct mmsghdr mm[2];
	int fd = dgram_socket(r, d->ss_family, o), n;

	if (fd < 0)
		return;
	memset(mm, 0, sizeof(mm));
	for (n = 0; n < 2; n++) {
		mm[n].msg_hdr.msg_name = (void *)d;
		mm[n].msg_hdr.msg_namelen = len;
		mm[n].msg_hdr.msg_iov = &iov;
		mm[n].msg_hdr.msg_iovlen = 1;
	}
	n = sendmmsg(fd, mm, 2, 0);
	o->err = n < 0 ? errno : 0;
	if (n >= 0 && n < 2)
		snprintf(o->note, sizeof(o->note), "sendmmsg sent %d of 2", n);
	close(fd);
}

/* A UDP socket connected to an allowed address, then sendto() elsewhere:
 * the explicit address must be judged again. */
static void v_redirect(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
		       struct outcome *o)
{
	struct sockaddr_storage ok;
	socklen_t oklen;
	int fd = dgram_socket(r, d->ss_family, o);

	if (fd < 0)
		return;
	ktest_parse_addr(d->ss_family == AF_INET ? "198.51.100.7" : "2001:db8:1::7", 9, &ok,
			 &oklen);
	if (connect(fd, (const struct sockaddr *)&ok, oklen) < 0) {
		o->err = errno;
		snprintf(o->note, sizeof(o->note), "connect to the allowed address failed");
	} else {
		o->err = sendto(fd, "x", 1, 0, (const struct sockaddr *)d, len) < 0 ? errno : 0;
	}
	close(fd);
}

static void v_fastopen(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
		       struct outcome *o)
{
	struct timeval tv = { .tv_sec = 2 };
	int fd = socket(d->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	(void)r;
	if (fd < 0) {
		o->err = errno;
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	o->err = sendto(fd, "x", 1, MSG_FASTOPEN, (const struct sockaddr *)d, len) < 0 ? errno : 0;
	close(fd);
}

static void uring_op(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
		     struct outcome *o, bool is_connect)
{
	struct iovec iov = { .iov_base = payload, .iov_len = 1 };
	struct msghdr m = {
		.msg_name = (void *)d, .msg_namelen = len, .msg_iov = &iov, .msg_iovlen = 1
	};
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int fd, e;

	e = io_uring_queue_init(4, &ring, 0);
	if (e < 0) {
		o->err = -e;
		snprintf(o->note, sizeof(o->note), "io_uring_setup failed");
		return;
	}
	fd = socket(d->ss_family, r->type | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		o->err = errno;
		goto out;
	}
	sqe = io_uring_get_sqe(&ring);
	if (is_connect)
		io_uring_prep_connect(sqe, fd, (const struct sockaddr *)d, len);
	else
		io_uring_prep_sendmsg(sqe, fd, &m, 0);
	io_uring_submit(&ring);
	e = io_uring_wait_cqe(&ring, &cqe);
	if (e < 0) {
		o->err = -e;
	} else {
		o->err = cqe->res < 0 ? -cqe->res : 0;
		io_uring_cqe_seen(&ring, cqe);
	}
	if (is_connect && !o->err)
		o->err = send(fd, "x", 1, 0) < 0 ? errno : 0;
	close(fd);
out:
	io_uring_queue_exit(&ring);
}

static void v_uring_connect(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
			    struct outcome *o)
{
	uring_op(r, d, len, o, true);
}

static void v_uring_sendmsg(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
			    struct outcome *o)
{
	uring_op(r, d, len, o, false);
}

/* One ICMP echo over an ICMP datagram socket (r->type SOCK_DGRAM) or a raw
 * socket (SOCK_RAW); reached when the reply comes back. */
static void v_ping(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
		   struct outcome *o)
{
	bool v6 = d->ss_family == AF_INET6;
	struct icmphdr h = { .type = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO };
	uint8_t buf[256];
	int fd = socket(d->ss_family, r->type | SOCK_CLOEXEC, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	struct timespec t0, t;

	o->reached = 0;
	if (fd < 0) {
		o->err = errno;
		return;
	}
	h.un.echo.id = htons((uint16_t)getpid());
	h.un.echo.sequence = htons(1);
	if (!v6)
		h.checksum = ktest_inet_csum(&h, sizeof(h));
	if (sendto(fd, &h, sizeof(h), 0, (const struct sockaddr *)d, len) < 0) {
		o->err = errno;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		long ms;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms >= 500 || ktest_wait_fd(fd, POLLIN, (int)(500 - ms)))
			break;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			continue;
		/* A raw IPv4 socket gets the IP header too, and its own request
		 * when pinging itself: look for an echo reply. */
		if (!v6 && r->type == SOCK_RAW) {
			size_t hl = (size_t)(buf[0] & 0xf) * 4;

			if ((size_t)n > hl && buf[hl] == ICMP_ECHOREPLY)
				o->reached = 1;
		} else if (buf[0] == (v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY)) {
			o->reached = 1;
		}
		if (o->reached)
			break;
	}
	snprintf(o->note, sizeof(o->note), "%s", o->reached ? "echo reply" : "no echo reply");
out:
	close(fd);
}

/* A raw socket of protocol UDP: the kernel adds the IP header, we write the
 * UDP header.  No socket-address hook sees it. */
static void v_raw_udp(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
		      struct outcome *o)
{
	struct udphdr u = { .uh_sport = htons(40000), .uh_ulen = htons(9) };
	struct sockaddr_storage to = *d;
	uint8_t pkt[9];
	int fd = socket(d->ss_family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP);

	(void)r;
	if (fd < 0) {
		o->err = errno;
		return;
	}
	if (d->ss_family == AF_INET6) {
		int off = 6; /* the kernel fills in the mandatory checksum */

		setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof(off));
		u.uh_dport = ((const struct sockaddr_in6 *)d)->sin6_port;
		/* A raw IPv6 socket reads sin6_port as the protocol. */
		((struct sockaddr_in6 *)&to)->sin6_port = 0;
	} else {
		u.uh_dport = ((const struct sockaddr_in *)d)->sin_port;
	}
	memcpy(pkt, &u, sizeof(u));
	pkt[8] = 'x';
	o->err = sendto(fd, pkt, sizeof(pkt), 0, (const struct sockaddr *)&to, len) < 0 ? errno : 0;
	close(fd);
}

/* An IPv4 header and a UDP datagram, all hand-made (IP_HDRINCL). */
static size_t build_ip_udp(uint8_t *pkt, uint32_t saddr, uint32_t daddr, uint16_t dport)
{
	struct iphdr ip = { .ihl = 5,
			    .version = 4,
			    .ttl = 64,
			    .protocol = IPPROTO_UDP,
			    .tot_len = htons(29),
			    .saddr = saddr,
			    .daddr = daddr };
	struct udphdr u = { .uh_sport = htons(40000), .uh_dport = dport, .uh_ulen = htons(9) };

	ip.check = ktest_inet_csum(&ip, sizeof(ip));
	memcpy(pkt, &ip, sizeof(ip));
	memcpy(pkt + sizeof(ip), &u, sizeof(u));
	pkt[28] = 'x';
	return 29;
}

static void v_hdrincl(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
		      struct outcome *o)
{
	const struct sockaddr_in *a = (const struct sockaddr_in *)d;
	/* From the sender's own address: a martian source is dropped. */
	uint32_t src = r->from == NS_A ? inet_addr("198.18.0.1") : a->sin_addr.s_addr;
	uint8_t pkt[64];
	size_t n = build_ip_udp(pkt, src, a->sin_addr.s_addr, a->sin_port);
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);

	if (fd < 0) {
		o->err = errno;
		return;
	}
	o->err = sendto(fd, pkt, n, 0, (const struct sockaddr *)d, len) < 0 ? errno : 0;
	close(fd);
}

/* AF_PACKET: a whole frame onto A's veth, addressed to B's MAC, carrying a
 * UDP datagram for the metadata address.  Below every IP hook. */
static void v_packet(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
		     struct outcome *o)
{
	const struct sockaddr_in *a = (const struct sockaddr_in *)d;
	struct sockaddr_ll ll = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_P_IP),
				  .sll_halen = 6 };
	uint8_t pkt[64];
	size_t n;
	int fd;

	(void)r;
	(void)len;
	ll.sll_ifindex = (int)if_nametoindex(veth_ab);
	memcpy(ll.sll_addr, mac_ba, 6);
	n = build_ip_udp(pkt, inet_addr("198.18.0.1"), a->sin_addr.s_addr, a->sin_port);
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP));
	if (fd < 0) {
		o->err = errno;
		return;
	}
	o->err = sendto(fd, pkt, n, 0, (struct sockaddr *)&ll, sizeof(ll)) < 0 ? errno : 0;
	close(fd);
}

/* AF_VSOCK: the socket is created and bound; no connect, since CID 2 is
 * this VM's hypervisor and CID 1 falls back to it without a loopback
 * transport. */
static void v_vsock(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
		    struct outcome *o)
{
	struct sockaddr_vm vm = { .svm_family = AF_VSOCK,
				  .svm_cid = VMADDR_CID_ANY,
				  .svm_port = VMADDR_PORT_ANY };
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);

	(void)r, (void)d, (void)len;
	o->reached = fd >= 0;
	o->opened = 1;
	o->err = fd < 0 ? errno : 0;
	if (fd >= 0 && bind(fd, (struct sockaddr *)&vm, sizeof(vm)) < 0)
		snprintf(o->note, sizeof(o->note), "socket() ok, bind: %s",
			 ktest_errno_name(errno, "ok"));
	else
		snprintf(o->note, sizeof(o->note),
			 fd >= 0 ? "socket() and bind() ok; no hook sees AF_VSOCK"
				 : "socket(AF_VSOCK) failed");
	if (fd >= 0)
		close(fd);
}

/* ---- vectors that change the process's own situation --------------- */

/* The cgroup the child was placed in for this run (the jail or the free
 * one); set in the child before the vector runs. */
/* A Unix row's name: "%T" becomes this run's tag, "%W" its work
 * directory; a leading '@' is the abstract name's NUL. */
static socklen_t unix_addr(const char *name, struct sockaddr_un *sun)
{
	char buf[sizeof(sun->sun_path) + 1];
	const char *t = strstr(name, "%T"), *w = strstr(name, "%W");
	size_t n;

	if (t)
		snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(t - name), name, tag, t + 2);
	else if (w)
		snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(w - name), name, workdir, w + 2);
	else
		snprintf(buf, sizeof(buf), "%s", name);
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	n = strlen(buf);
	memcpy(sun->sun_path, buf, n);
	if (buf[0] == '@')
		sun->sun_path[0] = '\0';
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
}

/* connect() on a Unix socket of the row's type, then one byte. */
static void v_unix_connect(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
			   struct outcome *o)
{
	struct sockaddr_un sun;
	socklen_t sl = unix_addr(r->dest, &sun);
	int fd = socket(AF_UNIX, r->type | SOCK_CLOEXEC, 0);

	(void)d, (void)len;
	if (fd < 0) {
		o->err = errno;
		return;
	}
	if (connect(fd, (struct sockaddr *)&sun, sl) < 0)
		o->err = errno;
	else
		o->err = send(fd, payload, 1, 0) < 0 ? errno : 0;
	close(fd);
}

/* sendto() on an unconnected Unix datagram socket. */
static void v_unix_sendto(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
			  struct outcome *o)
{
	struct sockaddr_un sun;
	socklen_t sl = unix_addr(r->dest, &sun);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	(void)d, (void)len;
	if (fd < 0) {
		o->err = errno;
		return;
	}
	o->err = sendto(fd, payload, 1, 0, (struct sockaddr *)&sun, sl) < 0 ? errno : 0;
	close(fd);
}

static const char *run_cg;

/* The jailed process makes a child cgroup and moves into it. */
static void v_child_cgroup(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
			   struct outcome *o)
{
	char sub[700];

	snprintf(sub, sizeof(sub), "%s/sub-%d", run_cg, (int)getpid());
	if (mkdir(sub, 0755) < 0 || ktest_join_cgroup(sub) < 0) {
		o->err = errno;
		snprintf(o->note, sizeof(o->note), "cannot make or enter '%.90s'", sub);
		return;
	}
	v_connect(r, d, len, o);
}

/* A child cgroup with an allow-everything program of its own, attached in
 * the three modes cgroup-bpf has: it must not relax the parent's verdict. */
static void child_cgroup_allow_all(const struct row *r, const struct sockaddr_storage *d,
				   socklen_t len, struct outcome *o, __u32 flags)
{
	static const enum bpf_attach_type types[] = { BPF_CGROUP_INET4_CONNECT,
						      BPF_CGROUP_INET6_CONNECT,
						      BPF_CGROUP_UDP4_SENDMSG,
						      BPF_CGROUP_UDP6_SENDMSG };
	struct bpf_insn allow[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	char sub[700];
	size_t i;
	int cg;

	snprintf(sub, sizeof(sub), "%s/sub-%d", run_cg, (int)getpid());
	if (mkdir(sub, 0755) < 0 || (cg = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		o->err = errno;
		return;
	}
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		LIBBPF_OPTS(bpf_prog_load_opts, lo, .expected_attach_type = types[i]);
		int pfd = bpf_prog_load(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, "allow_all", "GPL", allow,
					ARRAY_SIZE(allow), &lo);

		if (pfd < 0 || bpf_prog_attach(pfd, cg, types[i], flags) < 0) {
			o->err = errno;
			snprintf(o->note, sizeof(o->note), "cannot %s the allow-all program: %s",
				 pfd < 0 ? "load" : "attach", strerror(errno));
			return;
		}
	}
	close(cg);
	if (ktest_join_cgroup(sub) < 0) {
		o->err = errno;
		return;
	}
	v_connect(r, d, len, o);
}

static void v_allow_all_none(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
			     struct outcome *o)
{
	child_cgroup_allow_all(r, d, len, o, 0);
}

static void v_allow_all_override(const struct row *r, const struct sockaddr_storage *d,
				 socklen_t len, struct outcome *o)
{
	child_cgroup_allow_all(r, d, len, o, BPF_F_ALLOW_OVERRIDE);
}

static void v_allow_all_multi(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
			      struct outcome *o)
{
	child_cgroup_allow_all(r, d, len, o, BPF_F_ALLOW_MULTI);
}

/* unshare -Urn: a new user and network namespace.  Its only interface is
 * a loopback that is down, so nothing can arrive anywhere: the errno tells
 * whether the jail still judged the connect (EPERM) or routing did. */
static void v_userns(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
		     struct outcome *o)
{
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0) {
		o->err = errno;
		snprintf(o->note, sizeof(o->note), "unshare(CLONE_NEWUSER|CLONE_NEWNET) failed");
		return;
	}
	v_connect(r, d, len, o);
	o->reached = 0;
}

/* The process leaves the jail (writes its pid to another cgroup.procs, as
 * root may), then opens a new socket. */
static void v_moved_out(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
			struct outcome *o)
{
	if (ktest_join_cgroup(cg_free) < 0) {
		o->err = errno;
		return;
	}
	v_connect(r, d, len, o);
}

/* connect() the datagram socket fd to d, send one byte, close it. */
static void connect_send(int fd, const struct sockaddr_storage *d, socklen_t len, struct outcome *o)
{
	if (connect(fd, (const struct sockaddr *)d, len) < 0)
		o->err = errno;
	else
		o->err = send(fd, "x", 1, 0) < 0 ? errno : 0;
	close(fd);
}

/* A datagram socket made here, then the process moves to cgroup cg, then
 * the socket is used. */
static void socket_then_join(const char *cg, const struct sockaddr_storage *d, socklen_t len,
			     struct outcome *o)
{
	int fd = socket(d->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || ktest_join_cgroup(cg) < 0) {
		o->err = errno;
		return;
	}
	connect_send(fd, d, len, o);
}

/* A socket made in the jail, used after the process left it: the socket
 * keeps the cgroup it was created in. */
static void v_socket_then_out(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
			      struct outcome *o)
{
	(void)r;
	socket_then_join(cg_free, d, len, o);
}

/* Set by main for the rows below: they enter their cgroup themselves. */
static bool join_late;

/* A socket created before the process joined the jail. */
static void v_socket_before(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
			    struct outcome *o)
{
	(void)r;
	socket_then_join(run_cg, d, len, o);
}

/* A socket passed in over SCM_RIGHTS by a process outside the jail, made
 * after the jailed process joined. */
static void v_scm_rights(const struct row *r, const struct sockaddr_storage *d, socklen_t len,
			 struct outcome *o)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (char[1]){ 0 }, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	int sp[2], fd = -1, st;
	pid_t helper;

	(void)r;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
		o->err = errno;
		return;
	}
	helper = fork();
	if (helper == 0) {
		char go;

		/* Outside the jail: wait until the other one is in, then make
		 * the socket and hand it over. */
		close(sp[0]);
		if (read(sp[1], &go, 1) != 1)
			_exit(1);
		fd = socket(d->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		memset(u.buf, 0, sizeof(u.buf));
		c = CMSG_FIRSTHDR(&m);
		if (!c)
			_exit(1);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
		_exit(sendmsg(sp[1], &m, 0) == 1 ? 0 : 1);
	}
	close(sp[1]);
	if (helper < 0 || ktest_join_cgroup(run_cg) < 0 || write(sp[0], "g", 1) != 1 ||
	    recvmsg(sp[0], &m, 0) != 1 || !(c = CMSG_FIRSTHDR(&m)) || c->cmsg_type != SCM_RIGHTS) {
		o->err = errno ? errno : EPROTO;
		snprintf(o->note, sizeof(o->note), "no descriptor came over SCM_RIGHTS");
	} else {
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
		connect_send(fd, d, len, o);
	}
	close(sp[0]);
	if (helper > 0)
		waitpid(helper, &st, 0);
}

/* BPF objects among pid's open descriptors: an anon inode named bpf-*,
 * or fdinfo with a map_type, prog_type or link_type line. */
static int count_bpf_fds(pid_t pid)
{
	char path[128], link[128], line[256];
	int n = 0, i;

	for (i = 0; i < 1024; i++) {
		bool bpf = false;
		ssize_t k;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, i);
		k = readlink(path, link, sizeof(link) - 1);
		if (k < 0)
			continue;
		link[k] = '\0';
		bpf = strstr(link, "bpf") != NULL;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, i);
		f = fopen(path, "re");
		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "map_type:", 9) || !strncmp(line, "prog_type:", 10) ||
			    !strncmp(line, "link_type:", 10))
				bpf = true;
		if (f)
			fclose(f);
		n += bpf;
	}
	return n;
}

/* ---- the matrix --------------------------------------------------- */

#define ROW(n, vec, sk, dst, from, fn, ty, pr, lk, lns, la, x)                        \
	{                                                                             \
		n, vec, sk, dst, from, fn, ty, pr, lk, lns, la, x, false, NULL, false \
	}

/* A Unix row: the listener is bound to the destination's name. */
#define UROW(n, vec, sk, dst, from, fn, ty, lk, lns, x, why, strict)                  \
	{                                                                             \
		n, vec, sk, dst, from, fn, ty, 0, lk, lns, dst, x, false, why, strict \
	}

static struct row rows[] = {
	/* Socket-address hooks, host netns: the host's loopback. */
	ROW("connect-tcp4-lo", "connect", "TCP/IPv4", "127.0.0.1", NS_HOST, v_connect, SOCK_STREAM,
	    0, L_TCP, NS_HOST, "127.0.0.1", X_REFUSED),
	ROW("connect-udp4-lo", "connect", "UDP/IPv4", "127.0.0.1", NS_HOST, v_connect, SOCK_DGRAM,
	    0, L_UDP, NS_HOST, "127.0.0.1", X_REFUSED),
	ROW("connect-tcp4-lo-r0", "connect", "TCP/IPv4", rnd_lo[0], NS_HOST, v_connect, SOCK_STREAM,
	    0, L_TCP, NS_HOST, rnd_lo[0], X_REFUSED),
	ROW("connect-tcp4-lo-r1", "connect", "TCP/IPv4", rnd_lo[1], NS_HOST, v_connect, SOCK_STREAM,
	    0, L_TCP, NS_HOST, rnd_lo[1], X_REFUSED),
	ROW("connect-udp4-lo-r2", "connect", "UDP/IPv4", rnd_lo[2], NS_HOST, v_connect, SOCK_DGRAM,
	    0, L_UDP, NS_HOST, rnd_lo[2], X_REFUSED),
	ROW("connect-udp4-lo-r3", "connect", "UDP/IPv4", rnd_lo[3], NS_HOST, v_connect, SOCK_DGRAM,
	    0, L_UDP, NS_HOST, rnd_lo[3], X_REFUSED),
	ROW("connect-tcp6-lo", "connect", "TCP/IPv6", "::1", NS_HOST, v_connect, SOCK_STREAM, 0,
	    L_TCP, NS_HOST, "::1", X_REFUSED),
	ROW("connect-udp6-lo", "connect", "UDP/IPv6", "::1", NS_HOST, v_connect, SOCK_DGRAM, 0,
	    L_UDP, NS_HOST, "::1", X_REFUSED),
	ROW("connect-tcp6-mapped-lo", "connect", "TCP/IPv6", "::ffff:127.0.0.1", NS_HOST, v_connect,
	    SOCK_STREAM, 0, L_TCP, NS_HOST, "127.0.0.1", X_REFUSED),
	ROW("connect-udp6-mapped-lo", "connect", "UDP/IPv6", "::ffff:127.0.0.1", NS_HOST, v_connect,
	    SOCK_DGRAM, 0, L_UDP, NS_HOST, "127.0.0.1", X_REFUSED),
	ROW("connect-tcp4-unspec", "connect", "TCP/IPv4", "0.0.0.0", NS_HOST, v_connect,
	    SOCK_STREAM, 0, L_TCP, NS_HOST, "127.0.0.1", X_REFUSED),
	ROW("connect-udp4-unspec", "connect", "UDP/IPv4", "0.0.0.0", NS_HOST, v_connect, SOCK_DGRAM,
	    0, L_UDP, NS_HOST, "127.0.0.1", X_REFUSED),
	ROW("connect-tcp6-unspec", "connect", "TCP/IPv6", "::", NS_HOST, v_connect, SOCK_STREAM, 0,
	    L_TCP, NS_HOST, "::1", X_REFUSED),
	ROW("connect-udp6-unspec", "connect", "UDP/IPv6", "::", NS_HOST, v_connect, SOCK_DGRAM, 0,
	    L_UDP, NS_HOST, "::1", X_REFUSED),
	ROW("connect-tcp6-mapped-unspec", "connect", "TCP/IPv6", "::ffff:0.0.0.0", NS_HOST,
	    v_connect, SOCK_STREAM, 0, L_TCP, NS_HOST, "127.0.0.1", X_REFUSED),
	ROW("connect-udp6-mapped-unspec", "connect", "UDP/IPv6", "::ffff:0.0.0.0", NS_HOST,
	    v_connect, SOCK_DGRAM, 0, L_UDP, NS_HOST, "127.0.0.1", X_REFUSED),
	/* IPv4-compatible addresses, from netns without a route for them: in
	 * the host netns a default route would carry them off the machine. */
	{ "p-connect-tcp6-compat-lo", "connect", "TCP/IPv6", "::127.0.0.1", NS_P, v_connect,
	  SOCK_STREAM, 0, L_TCP, NS_P, "127.0.0.1", X_REFUSED, true,
	  "connect (IPv4-compatible: no route here; a SIT tunnel would carry it to 127.0.0.1)",
	  false },
	{ "p-connect-udp6-compat-lo", "connect", "UDP/IPv6", "::127.0.0.1", NS_P, v_connect,
	  SOCK_DGRAM, 0, L_UDP, NS_P, "127.0.0.1", X_REFUSED, true,
	  "connect (IPv4-compatible: no route here without a SIT tunnel)", false },
	{ "a-connect-udp6-compat-imds", "connect", "UDP/IPv6", "::169.254.169.254", NS_A, v_connect,
	  SOCK_DGRAM, 0, L_UDP, NS_B, "169.254.169.254", X_REFUSED, true,
	  "connect (IPv4-compatible: no route here without a SIT tunnel)", false },
	/* The host's own interface addresses. */
	ROW("connect-tcp4-hostaddr", "connect", "TCP/IPv4", "203.0.113.1", NS_HOST, v_connect,
	    SOCK_STREAM, 0, L_TCP, NS_HOST, "203.0.113.1", X_REFUSED),
	ROW("connect-udp6-hostaddr", "connect", "UDP/IPv6", "2001:db8:feed::1", NS_HOST, v_connect,
	    SOCK_DGRAM, 0, L_UDP, NS_HOST, "2001:db8:feed::1", X_REFUSED),
	ROW("c-connect-tcp4-hostaddr", "connect", "TCP/IPv4", "203.0.113.1", NS_C, v_connect,
	    SOCK_STREAM, 0, L_TCP, NS_HOST, "203.0.113.1", X_REFUSED),
	ROW("c-connect-udp4-hostaddr", "connect", "UDP/IPv4", "203.0.113.1", NS_C, v_connect,
	    SOCK_DGRAM, 0, L_UDP, NS_HOST, "203.0.113.1", X_REFUSED),
	ROW("c-connect-tcp6-hostaddr", "connect", "TCP/IPv6", "2001:db8:feed::1", NS_C, v_connect,
	    SOCK_STREAM, 0, L_TCP, NS_HOST, "2001:db8:feed::1", X_REFUSED),
	ROW("c-connect-udp6-hostaddr", "connect", "UDP/IPv6", "2001:db8:feed::1", NS_C, v_connect,
	    SOCK_DGRAM, 0, L_UDP, NS_HOST, "2001:db8:feed::1", X_REFUSED),
	ROW("c-connect-tcp6-hostlinklocal", "connect", "TCP/IPv6", hc_ll, NS_C, v_connect,
	    SOCK_STREAM, 0, L_TCP, NS_HOST, "::", X_REFUSED),
	{ "c-connect-udp4-hostmain", "connect", "UDP/IPv4", host_addr, NS_C, v_connect_only,
	  SOCK_DGRAM, 0, L_NONE, NS_HOST, NULL, X_REFUSED, true,
	  "connect() only, to the machine's own address (sends nothing, so nothing can arrive)",
	  false },
	/* Broadcast and multicast reach the host's sockets on 0.0.0.0 / ::. */
	ROW("c-sendto-udp4-bcast", "sendto", "UDP/IPv4", "255.255.255.255", NS_C, v_sendto,
	    SOCK_DGRAM, 0, L_UDP, NS_HOST, "0.0.0.0", X_REFUSED),
	ROW("c-sendto-udp4-subnetbcast", "sendto", "UDP/IPv4", "203.0.113.255", NS_C, v_sendto,
	    SOCK_DGRAM, 0, L_UDP, NS_HOST, "0.0.0.0", X_REFUSED),
	ROW("c-sendto-udp4-allhosts", "sendto", "UDP/IPv4", "224.0.0.1", NS_C, v_sendto, SOCK_DGRAM,
	    0, L_UDP, NS_HOST, "0.0.0.0", X_REFUSED),
	ROW("c-connect-udp4-allhosts", "connect", "UDP/IPv4", "224.0.0.1", NS_C, v_connect,
	    SOCK_DGRAM, 0, L_UDP, NS_HOST, "0.0.0.0", X_REFUSED),
	ROW("c-sendto-udp6-allnodes", "sendto", "UDP/IPv6", "ff02::1%%C", NS_C, v_sendto,
	    SOCK_DGRAM, 0, L_UDP, NS_HOST, "::", X_REFUSED),
	/* Metadata and rootless gateways, from a container routed to them. */
	ROW("a-connect-tcp4-imds", "connect", "TCP/IPv4", "169.254.169.254", NS_A, v_connect,
	    SOCK_STREAM, 0, L_TCP, NS_B, "169.254.169.254", X_REFUSED),
	ROW("a-connect-udp4-imds", "connect", "UDP/IPv4", "169.254.169.254", NS_A, v_connect,
	    SOCK_DGRAM, 0, L_UDP, NS_B, "169.254.169.254", X_REFUSED),
	ROW("a-connect-tcp6-mapped-imds", "connect", "TCP/IPv6", "::ffff:169.254.169.254", NS_A,
	    v_connect, SOCK_STREAM, 0, L_TCP, NS_B, "169.254.169.254", X_REFUSED),
	ROW("a-connect-udp6-mapped-imds", "connect", "UDP/IPv6", "::ffff:169.254.169.254", NS_A,
	    v_connect, SOCK_DGRAM, 0, L_UDP, NS_B, "169.254.169.254", X_REFUSED),
	ROW("a-connect-tcp4-ecs", "connect", "TCP/IPv4", "169.254.170.2", NS_A, v_connect,
	    SOCK_STREAM, 0, L_TCP, NS_B, "169.254.170.2", X_REFUSED),
	ROW("a-connect-tcp4-alibaba", "connect", "TCP/IPv4", "100.100.100.200", NS_A, v_connect,
	    SOCK_STREAM, 0, L_TCP, NS_B, "100.100.100.200", X_REFUSED),
	ROW("a-connect-tcp4-azure-wire", "connect", "TCP/IPv4", "168.63.129.16", NS_A, v_connect,
	    SOCK_STREAM, 0, L_TCP, NS_B, "168.63.129.16", X_REFUSED),
	ROW("a-connect-tcp6-imds", "connect", "TCP/IPv6", "fd00:ec2::254", NS_A, v_connect,
	    SOCK_STREAM, 0, L_TCP, NS_B, "fd00:ec2::254", X_REFUSED),
	ROW("a-connect-udp6-imds", "connect", "UDP/IPv6", "fd00:ec2::254", NS_A, v_connect,
	    SOCK_DGRAM, 0, L_UDP, NS_B, "fd00:ec2::254", X_REFUSED),
	ROW("a-connect-tcp4-slirp", "connect", "TCP/IPv4", "10.0.2.2", NS_A, v_connect, SOCK_STREAM,
	    0, L_TCP, NS_B, "10.0.2.2", X_REFUSED),
	ROW("a-connect-udp4-slirp", "connect", "UDP/IPv4", "10.0.2.2", NS_A, v_connect, SOCK_DGRAM,
	    0, L_UDP, NS_B, "10.0.2.2", X_REFUSED),
	ROW("a-connect-tcp6-slirp", "connect", "TCP/IPv6", "fd00::2", NS_A, v_connect, SOCK_STREAM,
	    0, L_TCP, NS_B, "fd00::2", X_REFUSED),
	ROW("a-connect-udp6-slirp", "connect", "UDP/IPv6", "fd00::2", NS_A, v_connect, SOCK_DGRAM,
	    0, L_UDP, NS_B, "fd00::2", X_REFUSED),
	ROW("a-connect-tcp4-pasta", "connect", "TCP/IPv4", "169.254.1.2", NS_A, v_connect,
	    SOCK_STREAM, 0, L_TCP, NS_B, "169.254.1.2", X_REFUSED),
	/* Unconnected datagrams: sendto, sendmsg, sendmmsg. */
	ROW("sendto-udp4-lo", "sendto", "UDP/IPv4", "127.0.0.1", NS_HOST, v_sendto, SOCK_DGRAM, 0,
	    L_UDP, NS_HOST, "127.0.0.1", X_REFUSED),
	ROW("sendto-udp6-lo", "sendto", "UDP/IPv6", "::1", NS_HOST, v_sendto, SOCK_DGRAM, 0, L_UDP,
	    NS_HOST, "::1", X_REFUSED),
	ROW("sendto-udp6-mapped-lo", "sendto", "UDP/IPv6", "::ffff:127.0.0.1", NS_HOST, v_sendto,
	    SOCK_DGRAM, 0, L_UDP, NS_HOST, "127.0.0.1", X_REFUSED),
	ROW("sendmsg-udp4-lo", "sendmsg", "UDP/IPv4", "127.0.0.1", NS_HOST, v_sendmsg, SOCK_DGRAM,
	    0, L_UDP, NS_HOST, "127.0.0.1", X_REFUSED),
	ROW("sendmsg-udp6-lo", "sendmsg", "UDP/IPv6", "::1", NS_HOST, v_sendmsg, SOCK_DGRAM, 0,
	    L_UDP, NS_HOST, "::1", X_REFUSED),
	ROW("sendmmsg-udp4-lo", "sendmmsg", "UDP/IPv4", "127.0.0.1", NS_HOST, v_sendmmsg,
	    SOCK_DGRAM, 0, L_UDP, NS_HOST, "127.0.0.1", X_REFUSED),
	ROW("sendmmsg-udp6-mapped-lo", "sendmmsg", "UDP/IPv6", "::ffff:127.0.0.1", NS_HOST,
	    v_sendmmsg, SOCK_DGRAM, 0, L_UDP, NS_HOST, "127.0.0.1", X_REFUSED),
	ROW("a-sendto-udp6-mapped-imds", "sendto", "UDP/IPv6", "::ffff:169.254.169.254", NS_A,
	    v_sendto, SOCK_DGRAM, 0, L_UDP, NS_B, "169.254.169.254", X_REFUSED),
	ROW("a-sendmsg-udp6-imds", "sendmsg", "UDP/IPv6", "fd00:ec2::254", NS_A, v_sendmsg,
	    SOCK_DGRAM, 0, L_UDP, NS_B, "fd00:ec2::254", X_REFUSED),
	ROW("a-sendmmsg-udp4-imds", "sendmmsg", "UDP/IPv4", "169.254.169.254", NS_A, v_sendmmsg,
	    SOCK_DGRAM, 0, L_UDP, NS_B, "169.254.169.254", X_REFUSED),
	ROW("a-redirect-udp4-imds", "connect to an allowed address, then sendto", "UDP/IPv4",
	    "169.254.169.254", NS_A, v_redirect, SOCK_DGRAM, 0, L_UDP, NS_B, "169.254.169.254",
	    X_REFUSED),
	ROW("a-redirect-udp6-imds", "connect to an allowed address, then sendto", "UDP/IPv6",
	    "fd00:ec2::254", NS_A, v_redirect, SOCK_DGRAM, 0, L_UDP, NS_B, "fd00:ec2::254",
	    X_REFUSED),
	/* Other ways into the connect hooks. */
	ROW("fastopen-tcp4-lo", "sendto(MSG_FASTOPEN)", "TCP/IPv4", "127.0.0.1", NS_HOST,
	    v_fastopen, SOCK_STREAM, 0, L_TCP, NS_HOST, "127.0.0.1", X_REFUSED),
	ROW("fastopen-tcp6-lo", "sendto(MSG_FASTOPEN)", "TCP/IPv6", "::1", NS_HOST, v_fastopen,
	    SOCK_STREAM, 0, L_TCP, NS_HOST, "::1", X_REFUSED),
	ROW("a-fastopen-tcp4-imds", "sendto(MSG_FASTOPEN)", "TCP/IPv4", "169.254.169.254", NS_A,
	    v_fastopen, SOCK_STREAM, 0, L_TCP, NS_B, "169.254.169.254", X_REFUSED),
	ROW("mptcp4-lo", "connect", "MPTCP/IPv4", "127.0.0.1", NS_HOST, v_connect, SOCK_STREAM,
	    IPPROTO_MPTCP, L_TCP, NS_HOST, "127.0.0.1", X_REFUSED),
	ROW("mptcp6-lo", "connect", "MPTCP/IPv6", "::1", NS_HOST, v_connect, SOCK_STREAM,
	    IPPROTO_MPTCP, L_TCP, NS_HOST, "::1", X_REFUSED),
	ROW("a-mptcp4-imds", "connect", "MPTCP/IPv4", "169.254.169.254", NS_A, v_connect,
	    SOCK_STREAM, IPPROTO_MPTCP, L_TCP, NS_B, "169.254.169.254", X_REFUSED),
	ROW("udplite4-lo", "connect", "UDP-Lite/IPv4", "127.0.0.1", NS_HOST, v_connect, SOCK_DGRAM,
	    IPPROTO_UDPLITE, L_UDPLITE, NS_HOST, "127.0.0.1", X_REFUSED),
	ROW("uring-connect-tcp4-lo", "io_uring connect", "TCP/IPv4", "127.0.0.1", NS_HOST,
	    v_uring_connect, SOCK_STREAM, 0, L_TCP, NS_HOST, "127.0.0.1", X_REFUSED),
	ROW("uring-connect-tcp6-lo", "io_uring connect", "TCP/IPv6", "::1", NS_HOST,
	    v_uring_connect, SOCK_STREAM, 0, L_TCP, NS_HOST, "::1", X_REFUSED),
	ROW("uring-sendmsg-udp4-lo", "io_uring sendmsg", "UDP/IPv4", "127.0.0.1", NS_HOST,
	    v_uring_sendmsg, SOCK_DGRAM, 0, L_UDP, NS_HOST, "127.0.0.1", X_REFUSED),
	ROW("uring-sendmsg-udp6-mapped-lo", "io_uring sendmsg", "UDP/IPv6", "::ffff:127.0.0.1",
	    NS_HOST, v_uring_sendmsg, SOCK_DGRAM, 0, L_UDP, NS_HOST, "127.0.0.1", X_REFUSED),
	ROW("a-uring-connect-tcp4-imds", "io_uring connect", "TCP/IPv4", "169.254.169.254", NS_A,
	    v_uring_connect, SOCK_STREAM, 0, L_TCP, NS_B, "169.254.169.254", X_REFUSED),
	/* Sockets no address hook sees: raw ones are refused at socket()
	 * (default.jp: deny socket raw), ping ones judged per packet by the
	 * backstop. */
	ROW("rawping4-lo", "raw socket, ICMP echo", "raw/IPv4", "127.0.0.1", NS_HOST, v_ping,
	    SOCK_RAW, 0, L_NONE, NS_HOST, NULL, X_REFUSED),
	ROW("rawping6-lo", "raw socket, ICMPv6 echo", "raw/IPv6", "::1", NS_HOST, v_ping, SOCK_RAW,
	    0, L_NONE, NS_HOST, NULL, X_REFUSED),
	ROW("raw-udp4-lo", "raw socket, protocol UDP", "raw/IPv4", "127.0.0.1", NS_HOST, v_raw_udp,
	    SOCK_RAW, 0, L_UDP, NS_HOST, "127.0.0.1", X_REFUSED),
	ROW("raw-udp6-lo", "raw socket, protocol UDP", "raw/IPv6", "::1", NS_HOST, v_raw_udp,
	    SOCK_RAW, 0, L_UDP, NS_HOST, "::1", X_REFUSED),
	ROW("hdrincl-udp4-lo", "raw socket, IP_HDRINCL", "raw/IPv4", "127.0.0.1", NS_HOST,
	    v_hdrincl, SOCK_RAW, 0, L_UDP, NS_HOST, "127.0.0.1", X_REFUSED),
	ROW("a-ping4-imds", "ICMP ping socket", "ICMP/IPv4", "169.254.169.254", NS_A, v_ping,
	    SOCK_DGRAM, 0, L_NONE, NS_B, NULL, X_DROPPED),
	ROW("a-ping6-imds", "ICMP ping socket", "ICMPv6/IPv6", "fd00:ec2::254", NS_A, v_ping,
	    SOCK_DGRAM, 0, L_NONE, NS_B, NULL, X_DROPPED),
	ROW("a-rawping4-slirp", "raw socket, ICMP echo", "raw/IPv4", "10.0.2.2", NS_A, v_ping,
	    SOCK_RAW, 0, L_NONE, NS_B, NULL, X_REFUSED),
	ROW("a-hdrincl-udp4-imds", "raw socket, IP_HDRINCL", "raw/IPv4", "169.254.169.254", NS_A,
	    v_hdrincl, SOCK_RAW, 0, L_UDP, NS_B, "169.254.169.254", X_REFUSED),
	ROW("c-rawping4-hostaddr", "raw socket, ICMP echo", "raw/IPv4", "203.0.113.1", NS_C, v_ping,
	    SOCK_RAW, 0, L_NONE, NS_HOST, NULL, X_REFUSED),
	/* Unix sockets (Linux 6.7+: cgroup/connect_unix, sendmsg_unix).
	 * Abstract names belong to a netns: the host's are refused, a
	 * container's own are its own.  default.jp leaves paths to the
	 * filesystem; strict.jp refuses those it does not list. */
	UROW("unix-abstract-stream-host", "connect", "Unix stream", "@%T-s", NS_HOST,
	     v_unix_connect, SOCK_STREAM, L_UNIX_STREAM, NS_HOST, X_REFUSED, NULL, false),
	UROW("unix-abstract-seqpacket-host", "connect", "Unix seqpacket", "@%T-q", NS_HOST,
	     v_unix_connect, SOCK_SEQPACKET, L_UNIX_SEQPACKET, NS_HOST, X_REFUSED, NULL, false),
	UROW("unix-abstract-dgram-host", "connect", "Unix datagram", "@%T-d", NS_HOST,
	     v_unix_connect, SOCK_DGRAM, L_UNIX_DGRAM, NS_HOST, X_REFUSED, NULL, false),
	UROW("unix-abstract-sendto-host", "sendto", "Unix datagram", "@%T-d", NS_HOST,
	     v_unix_sendto, SOCK_DGRAM, L_UNIX_DGRAM, NS_HOST, X_REFUSED, NULL, false),
	UROW("unix-abstract-x11-host", "connect", "Unix stream", "@/tmp/.X11-unix/X%T", NS_HOST,
	     v_unix_connect, SOCK_STREAM, L_UNIX_STREAM, NS_HOST, X_REFUSED,
	     "connect, an X server's abstract name", false),
	UROW("c-unix-abstract-stream-own", "connect", "Unix stream", "@%T-s", NS_C, v_unix_connect,
	     SOCK_STREAM, L_UNIX_STREAM, NS_C, X_ALLOWED,
	     "connect, to the container's own abstract name", false),
	UROW("c-unix-abstract-sendto-own", "sendto", "Unix datagram", "@%T-d", NS_C, v_unix_sendto,
	     SOCK_DGRAM, L_UNIX_DGRAM, NS_C, X_ALLOWED,
	     "sendto, to the container's own abstract name", false),
	UROW("unix-path-stream-host", "connect", "Unix stream", "%W/s.sock", NS_HOST,
	     v_unix_connect, SOCK_STREAM, L_UNIX_STREAM, NS_HOST, X_ALLOWED,
	     "connect, to a path (default.jp leaves paths to the filesystem)", false),
	UROW("c-unix-path-sendto-host", "sendto", "Unix datagram", "%W/d.sock", NS_C, v_unix_sendto,
	     SOCK_DGRAM, L_UNIX_DGRAM, NS_HOST, X_ALLOWED,
	     "sendto, to a host path (default.jp leaves paths to the filesystem)", false),
	UROW("strict-unix-path-stream-host", "connect", "Unix stream", "%W/s.sock", NS_HOST,
	     v_unix_connect, SOCK_STREAM, L_UNIX_STREAM, NS_HOST, X_REFUSED,
	     "connect, to a path strict.jp does not list (strict.jp)", true),
	UROW("strict-unix-path-dgram-host", "connect", "Unix datagram", "%W/d.sock", NS_HOST,
	     v_unix_connect, SOCK_DGRAM, L_UNIX_DGRAM, NS_HOST, X_REFUSED,
	     "connect, to a path strict.jp does not list (strict.jp)", true),
	UROW("strict-c-unix-path-sendto-host", "sendto", "Unix datagram", "%W/d.sock", NS_C,
	     v_unix_sendto, SOCK_DGRAM, L_UNIX_DGRAM, NS_HOST, X_REFUSED,
	     "sendto, to a host path strict.jp does not list (strict.jp)", true),
	UROW("strict-c-unix-path-stream-host", "connect", "Unix stream", "%W/s.sock", NS_C,
	     v_unix_connect, SOCK_STREAM, L_UNIX_STREAM, NS_HOST, X_REFUSED,
	     "connect, to a host path strict.jp does not list (strict.jp)", true),
	UROW("strict-c-unix-abstract-own", "connect", "Unix stream", "@%T-s", NS_C, v_unix_connect,
	     SOCK_STREAM, L_UNIX_STREAM, NS_C, X_REFUSED,
	     "connect, to the container's own abstract name (strict.jp)", true),
	{ "strict-a-ping4-internet", "ICMP ping socket", "ICMP/IPv4", "198.51.100.7", NS_A, v_ping,
	  SOCK_DGRAM, 0, L_NONE, NS_B, NULL, X_REFUSED, false,
	  "ICMP ping socket (strict.jp: deny socket ping)", true },
	/* Escapes through the cgroup and namespace hierarchy. */
	ROW("child-cgroup", "a child cgroup made by the jailed process", "TCP/IPv4", "127.0.0.1",
	    NS_HOST, v_child_cgroup, SOCK_STREAM, 0, L_TCP, NS_HOST, "127.0.0.1", X_REFUSED),
	ROW("child-cgroup-allow-all", "child cgroup + allow-all program (no flag)", "TCP/IPv4",
	    "127.0.0.1", NS_HOST, v_allow_all_none, SOCK_STREAM, 0, L_TCP, NS_HOST, "127.0.0.1",
	    X_REFUSED),
	ROW("child-cgroup-allow-all-override",
	    "child cgroup + allow-all program (BPF_F_ALLOW_OVERRIDE)", "UDP/IPv6", "::1", NS_HOST,
	    v_allow_all_override, SOCK_DGRAM, 0, L_UDP, NS_HOST, "::1", X_REFUSED),
	ROW("child-cgroup-allow-all-multi", "child cgroup + allow-all program (BPF_F_ALLOW_MULTI)",
	    "TCP/IPv4", "127.0.0.1", NS_HOST, v_allow_all_multi, SOCK_STREAM, 0, L_TCP, NS_HOST,
	    "127.0.0.1", X_REFUSED),
	{ "a-userns-netns", "unshare -Urn, then connect", "UDP/IPv4", "169.254.169.254", NS_A,
	  v_userns, SOCK_DGRAM, 0, L_NONE, NS_B, NULL, X_REFUSED, true,
	  "unshare -Urn, then connect (a new netns has no route: EPERM, not ENETUNREACH, shows the jail judged it)",
	  false },
	ROW("socket-then-moved-out", "socket made in the jail, used after leaving it", "UDP/IPv4",
	    "127.0.0.1", NS_HOST, v_socket_then_out, SOCK_DGRAM, 0, L_UDP, NS_HOST, "127.0.0.1",
	    X_REFUSED),
	/* Controls: what the jail must let through. */
	ROW("p-connect-tcp4-own-lo", "connect", "TCP/IPv4", "127.0.0.1", NS_P, v_connect,
	    SOCK_STREAM, 0, L_TCP, NS_P, "127.0.0.1", X_ALLOWED),
	ROW("p-connect-udp6-own-lo", "connect", "UDP/IPv6", "::1", NS_P, v_connect, SOCK_DGRAM, 0,
	    L_UDP, NS_P, "::1", X_ALLOWED),
	ROW("a-connect-tcp4-internet", "connect", "TCP/IPv4", "198.51.100.7", NS_A, v_connect,
	    SOCK_STREAM, 0, L_TCP, NS_B, "198.51.100.7", X_ALLOWED),
	ROW("a-connect-tcp6-internet", "connect", "TCP/IPv6", "2001:db8:1::7", NS_A, v_connect,
	    SOCK_STREAM, 0, L_TCP, NS_B, "2001:db8:1::7", X_ALLOWED),
	ROW("a-sendto-udp6-mapped-internet", "sendto", "UDP/IPv6", "::ffff:198.51.100.7", NS_A,
	    v_sendto, SOCK_DGRAM, 0, L_UDP, NS_B, "198.51.100.7", X_ALLOWED),
	ROW("a-ping4-internet", "ICMP ping socket", "ICMP/IPv4", "198.51.100.7", NS_A, v_ping,
	    SOCK_DGRAM, 0, L_NONE, NS_B, NULL, X_ALLOWED),
	ROW("moved-out", "moved out of the jail by root, new socket", "TCP/IPv4", "127.0.0.1",
	    NS_HOST, v_moved_out, SOCK_STREAM, 0, L_TCP, NS_HOST, "127.0.0.1", X_ALLOWED),
	/* What no cgroup hook can stop. */
	ROW("socket-before-join", "socket created before joining the jail", "UDP/IPv4", "127.0.0.1",
	    NS_HOST, v_socket_before, SOCK_DGRAM, 0, L_UDP, NS_HOST, "127.0.0.1", X_OPEN),
	ROW("scm-rights", "socket passed in over SCM_RIGHTS", "UDP/IPv4", "127.0.0.1", NS_HOST,
	    v_scm_rights, SOCK_DGRAM, 0, L_UDP, NS_HOST, "127.0.0.1", X_OPEN),
	ROW("a-packet-imds", "AF_PACKET frame (CAP_NET_RAW)", "packet/UDP/IPv4", "169.254.169.254",
	    NS_A, v_packet, 0, 0, L_UDP, NS_B, "169.254.169.254", X_OPEN),
	ROW("vsock", "AF_VSOCK socket", "vsock", "(none)", NS_HOST, v_vsock, 0, 0, L_NONE, NS_HOST,
	    NULL, X_OPEN),
};

/* ---- running a row ------------------------------------------------ */

struct listener {
	int fd;
	uint16_t port;
	enum lkind kind;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1]; /* a Unix path bound */
};

static bool is_unix(enum lkind k)
{
	return k == L_UNIX_STREAM || k == L_UNIX_DGRAM || k == L_UNIX_SEQPACKET;
}

/* A Unix listener in r->lns, bound to r->laddr (a path is made anew). */
static int unix_listener_open(const struct row *r, struct listener *l, char *err, size_t errlen)
{
	int type = r->lk == L_UNIX_STREAM  ? SOCK_STREAM
		   : r->lk == L_UNIX_DGRAM ? SOCK_DGRAM
					   : SOCK_SEQPACKET;
	struct sockaddr_un sun;
	socklen_t len = unix_addr(r->laddr, &sun);

	if (sun.sun_path[0])
		unlink(sun.sun_path);
	enter_ns(r->lns);
	l->fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (l->fd < 0 || bind(l->fd, (struct sockaddr *)&sun, len) < 0 ||
	    (type != SOCK_DGRAM && listen(l->fd, 8) < 0)) {
		snprintf(err, errlen, "listener on '%s': %s", r->laddr, strerror(errno));
		enter_ns(NS_HOST);
		if (l->fd >= 0)
			close(l->fd);
		l->fd = -1;
		return -1;
	}
	enter_ns(NS_HOST);
	if (sun.sun_path[0])
		snprintf(l->path, sizeof(l->path), "%s", sun.sun_path);
	return 0;
}

static int listener_open(const struct row *r, struct listener *l, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int type = r->lk == L_TCP ? SOCK_STREAM : SOCK_DGRAM;
	int proto = r->lk == L_UDPLITE ? IPPROTO_UDPLITE : 0, on = 1;

	l->fd = -1;
	l->kind = r->lk;
	l->port = 0;
	l->path[0] = '\0';
	if (r->lk == L_NONE)
		return 0;
	if (is_unix(r->lk))
		return unix_listener_open(r, l, err, errlen);
	if (ktest_parse_addr(r->laddr, 0, &ss, &len)) {
		snprintf(err, errlen, "bad listener address '%s'", r->laddr);
		return -1;
	}
	enter_ns(r->lns);
	l->fd = socket(ss.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);
	if (l->fd >= 0 && ss.ss_family == AF_INET6)
		setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (l->fd < 0 || bind(l->fd, (struct sockaddr *)&ss, len) < 0 ||
	    (type == SOCK_STREAM && listen(l->fd, 8) < 0) ||
	    getsockname(l->fd, (struct sockaddr *)&ss, &len) < 0) {
		snprintf(err, errlen, "listener on '%s': %s", r->laddr, strerror(errno));
		enter_ns(NS_HOST);
		if (l->fd >= 0)
			close(l->fd);
		l->fd = -1;
		return -1;
	}
	enter_ns(NS_HOST);
	l->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
						: ((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

/* 1 if anything arrived: a connection or a datagram. */
static int listener_arrived(struct listener *l)
{
	int c, got = 0;

	if (l->fd < 0)
		return 0;
	if (!ktest_wait_fd(l->fd, POLLIN, WAIT_MS)) {
		if (l->kind == L_TCP || l->kind == L_UNIX_STREAM || l->kind == L_UNIX_SEQPACKET) {
			c = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
			got = c >= 0;
			if (c >= 0)
				close(c);
		} else {
			char b[64];

			got = recv(l->fd, b, sizeof(b), MSG_DONTWAIT) >= 0;
		}
	}
	close(l->fd);
	l->fd = -1;
	if (l->path[0])
		unlink(l->path);
	return got;
}

/* The destination string with run-time names substituted. */
static void row_dest(const struct row *r, char *buf, size_t n)
{
	const char *pct = strstr(r->dest, "%%C");

	if (is_unix(r->lk)) {
		struct sockaddr_un sun;
		socklen_t len = unix_addr(r->dest, &sun);

		snprintf(buf, n, "%s%.*s", sun.sun_path[0] ? "" : "@",
			 (int)(len - offsetof(struct sockaddr_un, sun_path) - !sun.sun_path[0]),
			 sun.sun_path + !sun.sun_path[0]);
	} else if (pct)
		snprintf(buf, n, "%.*s%%%s", (int)(pct - r->dest), r->dest, veth_ch);
	else
		snprintf(buf, n, "%s", r->dest);
}

/* One run of a row from a fresh child: in cgroup cg (the jail or the free
 * one), netns r->from. */
static int run_once(const struct row *r, const char *cg, struct outcome *o, char *err,
		    size_t errlen)
{
	struct listener l;
	struct sockaddr_storage d;
	socklen_t dlen = 0;
	char dest[96];
	int pfd[2], st;
	pid_t pid;
	ssize_t n;

	memset(o, 0, sizeof(*o));
	o->reached = -1;
	if (listener_open(r, &l, err, errlen))
		return -1;
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	row_dest(r, dest, sizeof(dest));
	pid = fork();
	if (pid == 0) {
		struct outcome c = { .reached = -1 };

		close(pfd[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		run_cg = cg;
		if (r->from != NS_HOST && setns(ns_fd[r->from], CLONE_NEWNET) < 0) {
			c.err = errno;
			snprintf(c.note, sizeof(c.note), "setns: %s", strerror(errno));
		} else if (!is_unix(r->lk) && ktest_parse_addr(dest, l.port, &d, &dlen) &&
			   strcmp(dest, "(none)")) {
			c.err = EINVAL;
			snprintf(c.note, sizeof(c.note), "bad destination '%s'", dest);
		} else if (!join_late && ktest_join_cgroup(cg) < 0) {
			c.err = errno;
			snprintf(c.note, sizeof(c.note), "cannot join '%s'", cg);
		} else {
			r->run(r, &d, dlen, &c);
		}
		_exit(write(pfd[1], &c, sizeof(c)) == sizeof(c) ? 0 : 1);
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (ktest_wait_fd(pfd[0], POLLIN, 10000)) {
		kill(pid, SIGKILL);
		snprintf(err, errlen, "no answer from the probe within 10 s");
		n = -1;
	} else {
		n = read(pfd[0], o, sizeof(*o));
		if (n != sizeof(*o))
			snprintf(err, errlen, "the probe died without an answer");
	}
	close(pfd[0]);
	waitpid(pid, &st, 0);
	if (o->reached < 0)
		o->reached = listener_arrived(&l);
	else if (l.fd >= 0)
		o->reached |= listener_arrived(&l);
	return n == sizeof(*o) ? 0 : -1;
}

static void describe(const struct outcome *o, char *buf, size_t n)
{
	if (o->opened)
		snprintf(buf, n, "%s: %s", ktest_errno_name(o->err, "ok"), o->note);
	else
		snprintf(buf, n, "%s, %s%s%s", ktest_errno_name(o->err, "ok"),
			 o->reached ? "arrived" : "nothing arrived", o->note[0] ? "; " : "",
			 o->note);
}

static void record(const struct row *r, bool ok, const char *base, const char *jail,
		   const char *why)
{
	if (ok) {
		pass++;
		printf("ok %s\n", r->name);
	} else {
		fail++;
		printf("FAIL %s: %s (without the jail: %s; in the jail: %s)\n", r->name, why, base,
		       jail);
	}
	if (md) {
		char dest[96];

		row_dest(r, dest, sizeof(dest));
		fprintf(md, "| %s | %s | `%s` | %s | %s | %s | **%s** | %s |\n",
			r->why ? r->why : r->vector, r->sock, dest,
			r->from == NS_HOST ? "host"
			: r->from == NS_P  ? "own, lo only"
					   : "container",
			base, jail, expect_name[r->expect], ok ? "pass" : "FAIL");
	}
}

static void run_row(struct row *r)
{
	struct outcome b, j;
	char eb[256] = "", ej[256] = "", db[200], dj[200];
	const char *why = NULL;

	join_late = r->run == v_socket_before || r->run == v_scm_rights;
	if (run_once(r, cg_free, &b, eb, sizeof(eb))) {
		record(r, false, eb, "not run", "the run without the jail failed");
		return;
	}
	if (run_once(r, r->strict ? cg_strict : cg_jail, &j, ej, sizeof(ej))) {
		describe(&b, db, sizeof(db));
		record(r, false, db, ej, "the run in the jail failed");
		return;
	}
	describe(&b, db, sizeof(db));
	describe(&j, dj, sizeof(dj));
	/* Without the jail the vector must work: else the row proves nothing. */
	if (r->no_baseline_reach) {
		if (b.err == EPERM)
			why = "EPERM even without the jail";
	} else if (!b.reached) {
		why = "nothing arrived even without the jail";
	}
	if (!why) {
		switch (r->expect) {
		case X_REFUSED:
			if (j.err != EPERM || j.reached)
				why = "expected EPERM and nothing arriving";
			break;
		case X_DROPPED:
			if (j.reached)
				why = "expected the backstop to drop it";
			break;
		case X_ALLOWED:
		case X_OPEN:
			if (!j.reached)
				why = "expected it to arrive, as without the jail";
			break;
		}
	}
	record(r, !why, db, dj, why);
}

/* jail-ai-block exec, the runtime killed with SIGKILL once the command
 * runs: the command stays jailed and holds no BPF object. */
static void run_exec_killed(void)
{
	struct row r = ROW("exec-runtime-killed", "jail-ai-block exec, runtime SIGKILLed",
			   "TCP/IPv4", "127.0.0.1", NS_HOST, v_connect, SOCK_STREAM, 0, L_TCP,
			   NS_HOST, "127.0.0.1", X_REFUSED);
	char jab[600], ready[64] = "", cgline[700] = "", cgdir[1300], why[300] = "", dj[200] = "",
		       path[128], err[256];
	struct outcome o = { 0 };
	struct listener l;
	int in[2], out[2], st;
	pid_t rt, cmd = 0;
	FILE *f;

	snprintf(jab, sizeof(jab), "%s/jail-ai-block", build);
	if (listener_open(&r, &l, err, sizeof(err)) || pipe2(in, O_CLOEXEC) ||
	    pipe2(out, O_CLOEXEC)) {
		record(&r, false, "not run", "not run", "setup failed");
		return;
	}
	rt = fork();
	if (rt == 0) {
		char port[8], errlog[128];
		int e;

		snprintf(port, sizeof(port), "%u", l.port);
		dup2(in[0], 0);
		dup2(out[1], 1);
		/* Its report goes to a file, shown if the row fails. */
		snprintf(errlog, sizeof(errlog), "%s/exec.err", workdir);
		e = open(errlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (e >= 0)
			dup2(e, 2);
		execl(jab, jab, "exec", "--policy", policy_bin, "--", self_exe, "--serve", port,
		      (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	f = fdopen(out[0], "r");
	if (rt < 0 || !f || !fgets(ready, sizeof(ready), f) ||
	    sscanf(ready, "ready %d", &cmd) != 1) {
		snprintf(why, sizeof(why), "the jailed command did not start ('%s')", ready);
		goto out;
	}
	/* The runtime is the command's parent and waits for it: kill it now. */
	kill(rt, SIGKILL);
	waitpid(rt, &st, 0);
	rt = 0;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)cmd);
	{
		FILE *c = fopen(path, "re");

		/* With v1 hierarchies mounted too, the v2 line is one of many. */
		while (c && fgets(cgline, sizeof(cgline), c) && strncmp(cgline, "0::", 3))
			;
		cgline[strcspn(cgline, "\n")] = '\0';
		if (c)
			fclose(c);
	}
	o.bpf_fds = count_bpf_fds(cmd);
	if (write(in[1], "go\n", 3) != 3 || !fgets(ready, sizeof(ready), f) ||
	    sscanf(ready, "result %d", &o.err) != 1) {
		snprintf(why, sizeof(why), "no result from the jailed command ('%s')", ready);
		goto out;
	}
	o.reached = listener_arrived(&l);
	snprintf(o.note, sizeof(o.note), "%d BPF fds in the command", o.bpf_fds);
	describe(&o, dj, sizeof(dj));
	if (o.err != EPERM || o.reached)
		snprintf(why, sizeof(why), "expected EPERM and nothing arriving");
	else if (o.bpf_fds)
		snprintf(why, sizeof(why), "the jailed command holds BPF objects");
out:
	if (cmd > 0)
		kill(cmd, SIGKILL);
	if (rt > 0) {
		kill(rt, SIGKILL);
		waitpid(rt, &st, 0);
	}
	if (f)
		fclose(f);
	close(in[1]);
	if (l.fd >= 0)
		close(l.fd);
	/* The runtime could not clean up after itself: detach, remove. */
	if (strncmp(cgline, "0::", 3) == 0) {
		snprintf(cgdir, sizeof(cgdir), "%s%s", cg2, cgline + 3);
		for (st = 0; st < 100 && cmd > 0 && kill(cmd, 0) == 0; st++)
			usleep(10000);
		sh(err, sizeof(err), "%s detach --cgroup '%s'", jab, cgdir);
		rmdir(cgdir);
	}
	if (why[0]) {
		snprintf(path, sizeof(path), "%s/exec.err", workdir);
		f = fopen(path, "re");
		while (f && fgets(err, sizeof(err), f))
			printf("  jail-ai-block: %s", err);
		if (f)
			fclose(f);
	}
	snprintf(path, sizeof(path), "%s/exec.err", workdir);
	unlink(path);
	record(&r, !why[0], "arrived (as in connect-tcp4-lo)", dj[0] ? dj : "not run", why);
}

/* --serve PORT: the command jail-ai-block exec runs for the row above. */
static int serve(const char *port)
{
	struct row r = ROW("serve", "", "", "127.0.0.1", NS_HOST, v_connect, SOCK_STREAM, 0, L_NONE,
			   NS_HOST, NULL, X_REFUSED);
	struct sockaddr_storage d;
	struct outcome o = { 0 };
	socklen_t len;
	char line[16];

	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	ktest_parse_addr("127.0.0.1", (uint16_t)atoi(port), &d, &len);
	v_connect(&r, &d, len, &o);
	printf("result %d\n", o.err);
	fflush(stdout);
	/* Wait to be killed, so the cgroup is still there for the check. */
	pause();
	return 0;
}

/* ---- setup and cleanup -------------------------------------------- */

static void cleanup(void)
{
	char err[256], jab[600];
	int i;

	snprintf(jab, sizeof(jab), "%s/jail-ai-block", build);
	if (jail_made) {
		sh(err, sizeof(err), "%s detach --cgroup '%s'", jab, cg_jail);
		/* Sub-cgroups the rows made, then the jail itself. */
		sh(err, sizeof(err), "find '%s' -mindepth 1 -depth -type d -exec rmdir {} +",
		   cg_jail);
		if (rmdir(cg_jail) < 0)
			fprintf(stderr, "bypass: cleanup: cannot remove '%s': %s\n", cg_jail,
				strerror(errno));
	}
	if (strict_made) {
		sh(err, sizeof(err), "%s detach --cgroup '%s'", jab, cg_strict);
		if (rmdir(cg_strict) < 0)
			fprintf(stderr, "bypass: cleanup: cannot remove '%s': %s\n", cg_strict,
				strerror(errno));
	}
	if (free_made) {
		sh(err, sizeof(err), "find '%s' -mindepth 1 -depth -type d -exec rmdir {} +",
		   cg_free);
		rmdir(cg_free);
	}
	if (link_made)
		sh(err, sizeof(err), "ip link del %s", veth_hc);
	for (i = 1; i < NS_MAX; i++)
		if (ns_made[i])
			sh(err, sizeof(err), "ip netns del %s-%s", tag, ns_suffix[i]);
	/* What jail-ai-block made for the exec row, if it was not there. */
	if (cg2[0] && !had_exec_parent) {
		snprintf(jab, sizeof(jab), "%s/jailpol", cg2);
		rmdir(jab);
	}
	if (!had_pin_root)
		rmdir("/sys/fs/bpf/jailpol");
	if (policy_bin[0])
		unlink(policy_bin);
	if (strict_bin[0])
		unlink(strict_bin);
	if (workdir[0])
		rmdir(workdir);
}

static void on_signal(int sig)
{
	(void)sig;
	exit(130); /* runs cleanup through atexit */
}

static void cannot_run(const char *why)
{
	printf("bypass: cannot run: %s\n", why);
	printf("0 passed, 0 failed, %u skipped\n", n_cases);
	exit(77);
}

static void make_network(void)
{
	static const char *const b_addrs[] = { "169.254.169.254", "169.254.170.2",
					       "100.100.100.200", "168.63.129.16",
					       "10.0.2.2",        "169.254.1.2",
					       "198.51.100.7" };
	static const char *const b_addrs6[] = { "fd00:ec2::254", "fd00::2", "2001:db8:1::7" };
	char path[128], err[256];
	struct ifreq ifr;
	size_t i;
	int s;

	for (i = 1; i < NS_MAX; i++) {
		setup("ip netns add %s-%s", tag, ns_suffix[i]);
		ns_made[i] = true;
		setup("ip -n %s-%s link set lo up", tag, ns_suffix[i]);
		snprintf(path, sizeof(path), "/run/netns/%s-%s", tag, ns_suffix[i]);
		ns_fd[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (ns_fd[i] < 0)
			die("open '%s': %s", path, strerror(errno));
	}
	ns_fd[NS_HOST] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	/* A <-> B */
	setup("ip link add %s netns %s-a type veth peer name %s netns %s-b", veth_ab, tag, veth_ba,
	      tag);
	setup("ip -n %s-a addr add 198.18.0.1/30 dev %s", tag, veth_ab);
	setup("ip -n %s-a addr add 2001:db8:a::1/64 dev %s nodad", tag, veth_ab);
	setup("ip -n %s-b addr add 198.18.0.2/30 dev %s", tag, veth_ba);
	setup("ip -n %s-b addr add 2001:db8:a::2/64 dev %s nodad", tag, veth_ba);
	setup("ip -n %s-a link set %s up", tag, veth_ab);
	setup("ip -n %s-b link set %s up", tag, veth_ba);
	for (i = 0; i < ARRAY_SIZE(b_addrs); i++) {
		setup("ip -n %s-b addr add %s/32 dev %s", tag, b_addrs[i], veth_ba);
		setup("ip -n %s-a route add %s via 198.18.0.2", tag, b_addrs[i]);
	}
	for (i = 0; i < ARRAY_SIZE(b_addrs6); i++) {
		setup("ip -n %s-b addr add %s/128 dev %s nodad", tag, b_addrs6[i], veth_ba);
		setup("ip -n %s-a route add %s via 2001:db8:a::2", tag, b_addrs6[i]);
	}
	/* ICMP datagram sockets for everyone in A (the host netns keeps its
	 * own setting). */
	setup("ip netns exec %s-a sh -c 'echo 0 2147483647 >/proc/sys/net/ipv4/ping_group_range'",
	      tag);
	/* B's MAC, for the AF_PACKET row. */
	enter_ns(NS_B);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", veth_ba);
	if (s < 0 || ioctl(s, SIOCGIFHWADDR, &ifr) < 0)
		die("SIOCGIFHWADDR %s: %s", veth_ba, strerror(errno));
	memcpy(mac_ba, ifr.ifr_hwaddr.sa_data, 6);
	close(s);
	enter_ns(NS_HOST);
	/* host <-> C; the host end's addresses exist before the attach, which
	 * is when the runtime reads them. */
	setup("ip link add %s type veth peer name %s netns %s-c", veth_hc, veth_ch, tag);
	link_made = true;
	/* /proc/sys directly: sysctl(8) (procps) is not on a minimal system. */
	setup("echo 0 >/proc/sys/net/ipv6/conf/%s/accept_dad", veth_hc);
	setup("ip addr add 203.0.113.1/24 brd + dev %s", veth_hc);
	setup("ip addr add 2001:db8:feed::1/64 dev %s nodad", veth_hc);
	setup("ip -n %s-c addr add 203.0.113.2/24 brd + dev %s", tag, veth_ch);
	setup("ip -n %s-c addr add 2001:db8:feed::2/64 dev %s nodad", tag, veth_ch);
	setup("ip netns exec %s-c sh -c 'echo 0 >/proc/sys/net/ipv6/conf/%s/accept_dad'", tag,
	      veth_ch);
	setup("ip link set %s up", veth_hc);
	setup("ip -n %s-c link set %s up", tag, veth_ch);
	setup("ip -n %s-c route add default via 203.0.113.1", tag);
	/* The host end's link-local address, as C reaches it; the kernel adds
	 * it once the link has carrier, a moment after "up". */
	for (i = 0; i < 200; i++) {
		if (!sh(err, sizeof(err),
			"ip -6 -o addr show dev %s scope link | awk '{ sub(\"/.*\", \"\", $4); print $4 }'",
			veth_hc) &&
		    strchr(err, ':'))
			break;
		usleep(10000);
	}
	if (!strchr(err, ':'))
		die("no link-local address on %s: %s", veth_hc, err);
	err[strcspn(err, "\n")] = '\0';
	snprintf(hc_ll, sizeof(hc_ll), "%.45s%%%s", err, veth_ch);
	/* One of the machine's own addresses, not ours and not loopback: C
	 * connects to it with UDP, which sends nothing. */
	if (sh(err, sizeof(err),
	       "ip -4 -o addr show scope global | awk '$2 != \"%s\" { sub(\"/.*\", \"\", $4); print $4; exit }'",
	       veth_hc) ||
	    !strchr(err, '.'))
		die("the host has no global IPv4 address besides the test's own: %s", err);
	err[strcspn(err, "\n")] = '\0';
	snprintf(host_addr, sizeof(host_addr), "%.60s", err);
}

int main(int argc, char **argv)
{
	const char *md_path = NULL;
	unsigned long seed = (unsigned long)time(NULL);
	size_t i;

	if (argc == 3 && !strcmp(argv[1], "--serve"))
		return serve(argv[2]);
	main_pid = getpid();
	n_cases = (unsigned int)ARRAY_SIZE(rows) + 1; /* the table, exec-runtime-killed */
	for (i = 1; i + 1 < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--markdown"))
			md_path = argv[++i];
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoul(argv[++i], NULL, 10);
		else
			break;
	}
	if (i + 1 != (size_t)argc) {
		fprintf(stderr, "usage: bypass [--markdown FILE] [--seed N] BUILD_DIR\n");
		return 2;
	}
	if (!realpath(argv[i], build))
		die("no build directory '%s'", argv[i]);
	if (!realpath("/proc/self/exe", self_exe))
		die("cannot find myself: %s", strerror(errno));
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0)
		cannot_run("needs root (cgroups, BPF, network namespaces)");
	ktest_find_cgroup2(cg2, sizeof(cg2));
	if (!cg2[0])
		cannot_run("no cgroup2 file system in /proc/self/mountinfo");
	/* The kernel test suite uses the same host-side addresses: take turns. */
	if (ktest_lock() < 0)
		cannot_run("cannot take the kernel tests' lock");

	snprintf(tag, sizeof(tag), "jpb%d", (int)getpid());
	snprintf(veth_hc, sizeof(veth_hc), "%.11shc", tag);
	snprintf(veth_ch, sizeof(veth_ch), "%.11sch", tag);
	snprintf(veth_ab, sizeof(veth_ab), "%.11sab", tag);
	snprintf(veth_ba, sizeof(veth_ba), "%.11sba", tag);
	/* Random addresses across 127.0.0.0/8 (never .0 or .255 as the last
	 * byte, so no network or broadcast address). */
	srandom((unsigned int)seed);
	printf("bypass: seed %lu\n", seed);
	for (i = 0; i < ARRAY_SIZE(rnd_lo); i++)
		snprintf(rnd_lo[i], sizeof(rnd_lo[i]), "127.%ld.%ld.%ld", random() % 256,
			 random() % 256, 1 + random() % 254);

	snprintf(policy_bin, sizeof(policy_bin), "%s/jailpol", cg2);
	had_exec_parent = access(policy_bin, F_OK) == 0;
	policy_bin[0] = '\0';
	had_pin_root = access("/sys/fs/bpf/jailpol", F_OK) == 0;
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	snprintf(workdir, sizeof(workdir), "/tmp/jailpol-bypass.XXXXXX");
	if (!mkdtemp(workdir))
		die("mkdtemp: %s", strerror(errno));
	snprintf(policy_bin, sizeof(policy_bin), "%s/default.bin", workdir);
	make_network();

	snprintf(cg_jail, sizeof(cg_jail), "%s/jailpol-bypass-%d", cg2, (int)getpid());
	snprintf(cg_free, sizeof(cg_free), "%s/jailpol-bypass-%d-free", cg2, (int)getpid());
	if (mkdir(cg_free, 0755) < 0)
		die("mkdir '%s': %s", cg_free, strerror(errno));
	free_made = true;
	if (mkdir(cg_jail, 0755) < 0)
		die("mkdir '%s': %s", cg_jail, strerror(errno));
	jail_made = true;
	setup("%s/jailpolc policies/default.jp -o %s", build, policy_bin);
	setup("%s/jail-ai-block attach --policy %s --cgroup %s", build, policy_bin, cg_jail);
	snprintf(cg_strict, sizeof(cg_strict), "%s/jailpol-bypass-%d-strict", cg2, (int)getpid());
	snprintf(strict_bin, sizeof(strict_bin), "%s/strict.bin", workdir);
	if (mkdir(cg_strict, 0755) < 0)
		die("mkdir '%s': %s", cg_strict, strerror(errno));
	strict_made = true;
	setup("%s/jailpolc policies/strict.jp -o %s", build, strict_bin);
	setup("%s/jail-ai-block attach --policy %s --cgroup %s", build, strict_bin, cg_strict);

	if (md_path) {
		md = fopen(md_path, "we");
		if (!md)
			die("cannot write '%s': %s", md_path, strerror(errno));
		fprintf(md,
			"| Vector | Socket | Destination | Netns | Without the jail | In the jail | Expected | Result |\n");
		fprintf(md, "|---|---|---|---|---|---|---|---|\n");
	}
	for (i = 0; i < ARRAY_SIZE(rows); i++)
		run_row(&rows[i]);
	run_exec_killed();
	if (md && fclose(md))
		die("cannot write '%s'", md_path);
	printf("%u passed, %u failed\n", pass, fail);
	return fail ? 1 : 0;
}
