// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * netprobe - socket probes for the kernel test suite.
 *
 *   netprobe [-n NETNS] [-c CGROUP_DIR] [-t MS] connect tcp|udp ADDR PORT
 *   netprobe [-n NETNS] [-c CGROUP_DIR] [-t MS] sendto udp ADDR PORT
 *   netprobe [-n NETNS] [-c CGROUP_DIR] connect-only udp ADDR PORT
 *   netprobe [-n NETNS] [-c CGROUP_DIR] flood udp ADDR PORT COUNT
 *   netprobe [-n NETNS] [-c CGROUP_DIR] [-t MS] fastopen tcp ADDR PORT
 *   netprobe [-n NETNS] [-c CGROUP_DIR] [-t MS] ping|rawping ADDR
 *   netprobe [-n NETNS] [-c CGROUP_DIR] listen tcp|udp ADDR PORT
 *   netprobe [-n NETNS] [-c CGROUP_DIR] echo|echo-once tcp ADDR PORT
 *   netprobe [-n NETNS] [-c CGROUP_DIR] [-t MS] hold tcp|udp ADDR PORT
 *   netprobe notify-recv PATH
 *   netprobe [-n NETNS] [-c CGROUP_DIR] unix-listen stream|dgram NAME
 *   netprobe [-n NETNS] [-c CGROUP_DIR] unix-connect|unix-sendto stream|dgram NAME
 *   netprobe [-n NETNS] [-c CGROUP_DIR] socket raw4|raw6|ping4|ping6
 *
 * -n enters /run/netns/NETNS, -c moves the process into the cgroup v2
 * directory CGROUP_DIR; both happen before any socket exists, so every socket
 * is created in that netns and charged to that cgroup.  -t is the timeout of
 * one probe (default 2000 ms).
 *
 * connect: TCP connects (non-blocking, polled); UDP connects, sends one
 * datagram and waits for the echo, so "ok" means a round trip.  sendto: an
 * unconnected UDP socket sends one datagram with sendto() and waits for the
 * echo.  connect-only: a UDP connect() and nothing else, which sends no
 * packet: the probe for addresses no test namespace holds.  flood: COUNT
 * connect-only probes on one socket each, as fast as they go; prints
 * "refused N ok M" (N failed with EPERM) and exits 0, or the errno name
 * of another failure.  fastopen: a TCP connect made by sendto(MSG_FASTOPEN), which reaches
 * the connect hook by another path than connect().  ping: one ICMP echo request over an ICMP datagram ("ping") socket,
 * which net.ipv4.ping_group_range must permit; rawping: the same over a raw
 * socket (CAP_NET_RAW).  Prints
 * "ok" and exits 0, or prints the errno name (ETIMEDOUT when nothing came
 * back) and exits 1.  Usage errors exit 2.
 *
 * listen: binds (PORT 0 picks one), prints "ready PORT", then accepts TCP
 * connections (writes "hi", closes) or echoes UDP datagrams until killed,
 * or until its parent (the test script) dies, however that happens.
 *
 * echo: a TCP listener like listen, but it keeps every connection open and
 * echoes what arrives on it; echo-once closes its listening socket after
 * the first accept() and echoes on that connection alone.
 *
 * hold: connect as connect does and make one round trip (a datagram or
 * "probe" echoed back), print its result, then make one more on the same
 * socket for each line read from stdin, printing "ok", the errno name of
 * the send() or recv() that failed, or "eof" (the peer closed), until
 * stdin ends.  The connection made before a jail and probed after it.
 *
 * notify-recv: the receiving end of systemd's notification socket
 * (sd_notify(3)): binds an AF_UNIX datagram socket at PATH, prints
 * "ready", then each datagram on a line of its own (newlines shown as
 * spaces) until killed or until its parent dies.
 *
 * unix-listen: binds an AF_UNIX socket at NAME ("@name" is the abstract
 * name "\0name", anything else a path, unlinked first), prints "ready",
 * then accepts and closes stream connections, or reads datagrams, until
 * killed or until its parent dies.  unix-connect: connect() to NAME;
 * unix-sendto: sendto() NAME on an unconnected socket (a datagram, or on
 * a stream socket the address the kernel ignores or refuses).  socket: a
 * raw ICMP (ICMPv6) socket, or a ping socket; creating it is the probe.
 * These print "ok" or the errno name, as connect does.
 *
 * A v6 address (anything with ':', ::ffff:a.b.c.d included) uses an AF_INET6
 * socket, a dotted quad an AF_INET socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <netinet/icmp6.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ktest.h"

static int timeout_ms = 2000;
static pid_t parent;

static int fail(int e)
{
	printf("%s\n", ktest_errno_name(e, "0"));
	return 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: netprobe [-n NETNS] [-c CGROUP] [-t MS] "
			"connect|connect-only|sendto|fastopen|listen|hold tcp|udp ADDR PORT | "
			"flood udp ADDR PORT COUNT | "
			"echo|echo-once tcp ADDR PORT | "
			"ping|rawping ADDR | notify-recv PATH | "
			"unix-listen|unix-connect|unix-sendto stream|dgram NAME | "
			"socket raw4|raw6|ping4|ping6\n");
	return 2;
}

static int do_notify_recv(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	ssize_t n, i;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return usage();
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return fail(errno);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		return 1;
	printf("ready\n");
	while ((n = recv(fd, buf, sizeof(buf), 0)) >= 0 || errno == EINTR) {
		for (i = 0; i < n; i++)
			if (buf[i] == '\n')
				buf[i] = ' ';
		if (n > 0)
			printf("%.*s\n", (int)n, buf);
	}
	return fail(errno);
}

/* NAME as an AF_UNIX address: "@x" is abstract, the rest a path. */
static int unix_addr(const char *name, struct sockaddr_un *sa, socklen_t *len)
{
	size_t n = strlen(name);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (!n || n >= sizeof(sa->sun_path))
		return -1;
	memcpy(sa->sun_path, name, n);
	if (name[0] == '@')
		sa->sun_path[0] = '\0';
	else
		n++; /* a path: its NUL too, as most programs pass it */
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	return 0;
}

static int do_unix(const char *verb, int type, const char *name)
{
	struct sockaddr_un sa;
	socklen_t len;
	char buf[256];
	int fd;

	if (unix_addr(name, &sa, &len) < 0)
		return usage();
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(errno);
	if (!strcmp(verb, "unix-connect")) {
		if (connect(fd, (struct sockaddr *)&sa, len) < 0)
			return fail(errno);
		printf("ok\n");
		return 0;
	}
	if (!strcmp(verb, "unix-sendto")) {
		if (sendto(fd, "probe", 5, MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
			return fail(errno);
		printf("ok\n");
		return 0;
	}
	if (strcmp(verb, "unix-listen"))
		return usage();
	if (name[0] != '@')
		unlink(name);
	if (bind(fd, (struct sockaddr *)&sa, len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0))
		return fail(errno);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		return 1;
	printf("ready\n");
	for (;;) {
		int c;

		if (type == SOCK_DGRAM) {
			if (recv(fd, buf, sizeof(buf), 0) < 0 && errno != EINTR)
				return fail(errno);
			continue;
		}
		c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0)
			close(c);
		else if (errno != EINTR)
			return fail(errno);
	}
}

/* socket() of a raw or ping socket: the probe of `socket` rules. */
static int do_socket(const char *kind)
{
	int family = strchr(kind, '6') ? AF_INET6 : AF_INET;
	int proto = family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP, fd;

	if (strcmp(kind, "raw4") && strcmp(kind, "raw6") && strcmp(kind, "ping4") &&
	    strcmp(kind, "ping6"))
		return usage();
	fd = socket(family, (kind[0] == 'r' ? SOCK_RAW : SOCK_DGRAM) | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return fail(errno);
	close(fd);
	printf("ok\n");
	return 0;
}

static int parse_addr(const char *s, const char *port, struct sockaddr_storage *ss, socklen_t *len)
{
	char *end;
	long p = port ? strtol(port, &end, 10) : 0;

	if (port && (*end || p < 0 || p > 65535))
		return -1;
	memset(ss, 0, sizeof(*ss));
	if (strchr(s, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((unsigned short)p);
		if (inet_pton(AF_INET6, s, &a->sin6_addr) != 1)
			return -1;
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((unsigned short)p);
		if (inet_pton(AF_INET, s, &a->sin_addr) != 1)
			return -1;
		*len = sizeof(*a);
	}
	return 0;
}

static int enter_netns(const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "netprobe: netns '%s': %s\n", name, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static int enter_cgroup(const char *dir)
{
	int err = ktest_join_cgroup(dir);

	if (err)
		fprintf(stderr, "netprobe: cgroup '%s': %s\n", dir, strerror(-err));
	return err;
}

/* Wait for fd to become readable (or writable); 0, or -ETIMEDOUT. */
static int wait_fd(int fd, short events)
{
	return ktest_wait_fd(fd, events, timeout_ms);
}

/* Receive the UDP echo; 0 or -errno (ICMP errors surface here, e.g. ECONNREFUSED). */
static int recv_echo(int fd)
{
	char buf[64];
	int err = wait_fd(fd, POLLIN);

	if (err)
		return err;
	if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0)
		return -errno;
	return 0;
}

static int do_connect(int udp, int tfo, const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(ss->ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	int err;

	if (fd < 0)
		return fail(errno);
	if (udp) {
		if (connect(fd, (const struct sockaddr *)ss, len) < 0)
			return fail(errno);
		if (send(fd, "probe", 5, 0) < 0)
			return fail(errno);
		err = recv_echo(fd);
		if (err)
			return fail(-err);
	} else {
		socklen_t elen = sizeof(err);

		if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
			return fail(errno);
		if ((tfo ? sendto(fd, "probe", 5, MSG_FASTOPEN, (const struct sockaddr *)ss, len)
			 : connect(fd, (const struct sockaddr *)ss, len)) < 0) {
			if (errno != EINPROGRESS)
				return fail(errno);
			err = wait_fd(fd, POLLOUT);
			if (err)
				return fail(-err);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
				return fail(errno);
			if (err)
				return fail(err);
		}
	}
	close(fd);
	printf("ok\n");
	return 0;
}

static int do_connect_only(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (const struct sockaddr *)ss, len) < 0)
		return fail(errno);
	close(fd);
	printf("ok\n");
	return 0;
}

static int do_flood(const struct sockaddr_storage *ss, socklen_t len, long count)
{
	long i, refused = 0, ok = 0;

	for (i = 0; i < count; i++) {
		int fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return fail(errno);
		if (connect(fd, (const struct sockaddr *)ss, len) == 0)
			ok++;
		else if (errno == EPERM)
			refused++;
		else
			return fail(errno);
		close(fd);
	}
	printf("refused %ld ok %ld\n", refused, ok);
	return 0;
}

static int do_sendto(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int err;

	if (fd < 0)
		return fail(errno);
	if (sendto(fd, "probe", 5, 0, (const struct sockaddr *)ss, len) < 0)
		return fail(errno);
	err = recv_echo(fd);
	if (err)
		return fail(-err);
	close(fd);
	printf("ok\n");
	return 0;
}

static unsigned short csum(const void *data, size_t n)
{
	const unsigned char *p = data;
	unsigned long sum = 0;

	for (; n > 1; p += 2, n -= 2)
		sum += (unsigned)(p[0] << 8 | p[1]);
	if (n)
		sum += (unsigned)(p[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((unsigned short)~sum);
}

/* One echo request and its reply over a ping socket or a raw socket. */
static int do_ping(int raw, const struct sockaddr_storage *ss, socklen_t len)
{
	int v6 = ss->ss_family == AF_INET6;
	int proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	unsigned char pkt[64], buf[256];
	int fd, err;
	unsigned short id = (unsigned short)getpid();

	fd = socket(ss->ss_family, (raw ? SOCK_RAW : SOCK_DGRAM) | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return fail(errno);

	memset(pkt, 0, sizeof(pkt));
	pkt[0] = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	pkt[4] = (unsigned char)(id >> 8);
	pkt[5] = (unsigned char)id;
	pkt[7] = 1; /* sequence */
	memcpy(pkt + 8, "jailpol-netprobe", 16);
	if (!v6) {
		unsigned short c = csum(pkt, 24);

		memcpy(pkt + 2, &c, 2);
	} /* the kernel computes ICMPv6 checksums (and those of ping sockets) */
	if (sendto(fd, pkt, 24, 0, (const struct sockaddr *)ss, len) < 0)
		return fail(errno);

	for (;;) {
		ssize_t n;
		unsigned char *icmp = buf;

		err = wait_fd(fd, POLLIN);
		if (err)
			return fail(-err);
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			return fail(errno);
		if (raw && !v6) { /* raw IPv4 sockets see the IP header */
			size_t hl = (size_t)(buf[0] & 0xf) * 4;

			if ((size_t)n < hl + 8)
				continue;
			icmp += hl;
			n -= (ssize_t)hl;
		}
		if (n < 8)
			continue;
		if (icmp[0] != (v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY))
			continue;
		if (raw && (icmp[4] != pkt[4] || icmp[5] != pkt[5]))
			continue;
		break;
	}
	close(fd);
	printf("ok\n");
	return 0;
}

static int do_listen(int udp, const struct sockaddr_storage *ss, socklen_t len)
{
	struct sockaddr_storage got;
	socklen_t glen = sizeof(got);
	int one = 1, fd;

	/* A listener must not outlive a test script killed with SIGKILL. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return fail(errno);
	if (getppid() != parent) /* it died before prctl() */
		return fail(ESRCH);
	fd = socket(ss->ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(errno);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* Listeners on addresses the test adds a moment earlier. */
	setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) < 0)
		return fail(errno);
	if (!udp && listen(fd, 64) < 0)
		return fail(errno);
	if (getsockname(fd, (struct sockaddr *)&got, &glen) < 0)
		return fail(errno);
	printf("ready %u\n",
	       ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
					       : ((struct sockaddr_in *)&got)->sin_port));
	fflush(stdout);

	for (;;) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		char buf[512];

		if (udp) {
			ssize_t n =
				recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &plen);

			if (n >= 0)
				sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, plen);
		} else {
			int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0) {
				if (write(c, "hi\n", 3) < 0) {
					/* the prober may be gone already */
				}
				close(c);
			}
		}
	}
}

/* One round trip on a connected socket: 0, 1 for end of file, or -errno. */
static int round_trip(int fd)
{
	char buf[64];
	ssize_t n;
	int err;

	if (send(fd, "probe", 5, MSG_NOSIGNAL) < 0)
		return -errno;
	err = wait_fd(fd, POLLIN);
	if (err)
		return err;
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	return n == 0;
}

static void say_trip(int r)
{
	if (r == 1)
		printf("eof\n");
	else if (r)
		printf("%s\n", ktest_errno_name(-r, "0"));
	else
		printf("ok\n");
}

static int do_hold(int udp, const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(ss->ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	socklen_t elen = sizeof(int);
	char line[64];
	int err;

	if (fd < 0)
		return fail(errno);
	if (!udp && fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		return fail(errno);
	if (connect(fd, (const struct sockaddr *)ss, len) < 0) {
		if (udp || errno != EINPROGRESS)
			return fail(errno);
		err = wait_fd(fd, POLLOUT);
		if (err)
			return fail(-err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			return fail(errno);
		if (err)
			return fail(err);
	}
	err = round_trip(fd);
	say_trip(err);
	if (err)
		return 1;
	while (fgets(line, sizeof(line), stdin))
		say_trip(round_trip(fd));
	close(fd);
	return 0;
}

/* A TCP echo server that keeps its connections (echo), or only the first
 * one, closing its listening socket after it (echo-once). */
static int do_echo(int once, const struct sockaddr_storage *ss, socklen_t len)
{
	struct pollfd p[64];
	struct sockaddr_storage got;
	socklen_t glen = sizeof(got);
	int one = 1, fd, n = 1, i;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return fail(errno);
	if (getppid() != parent)
		return fail(ESRCH);
	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(errno);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&got, &glen) < 0)
		return fail(errno);
	printf("ready %u\n",
	       ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
					       : ((struct sockaddr_in *)&got)->sin_port));
	fflush(stdout);
	p[0].fd = fd;
	p[0].events = POLLIN;
	for (;;) {
		if (poll(p, (nfds_t)n, -1) < 0)
			continue;
		if (p[0].fd >= 0 && (p[0].revents & POLLIN)) {
			int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0 && n < (int)ARRAY_SIZE(p)) {
				p[n].fd = c;
				p[n++].events = POLLIN;
			} else if (c >= 0) {
				close(c);
			}
			if (c >= 0 && once) {
				close(fd);
				p[0].fd = -1;
			}
		}
		for (i = 1; i < n; i++) {
			char buf[512];
			ssize_t r;

			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = recv(p[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (r > 0 && send(p[i].fd, buf, (size_t)r, MSG_NOSIGNAL) == r)
				continue;
			if (r < 0 && errno == EAGAIN)
				continue;
			close(p[i].fd);
			p[i].fd = -1;
		}
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	const char *netns = NULL, *cgroup = NULL;
	int opt, udp;

	parent = getppid();
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "+n:c:t:")) != -1) {
		switch (opt) {
		case 'n':
			netns = optarg;
			break;
		case 'c':
			cgroup = optarg;
			break;
		case 't':
			timeout_ms = atoi(optarg);
			break;
		default:
			return usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return usage();
	if (netns && enter_netns(netns) < 0)
		return 2;
	if (cgroup && enter_cgroup(cgroup) < 0)
		return 2;

	if (!strcmp(argv[0], "notify-recv")) {
		if (argc != 2)
			return usage();
		return do_notify_recv(argv[1]);
	}
	if (!strncmp(argv[0], "unix-", 5)) {
		if (argc != 3 || (strcmp(argv[1], "stream") && strcmp(argv[1], "dgram")))
			return usage();
		return do_unix(argv[0], argv[1][0] == 's' ? SOCK_STREAM : SOCK_DGRAM, argv[2]);
	}
	if (!strcmp(argv[0], "socket")) {
		if (argc != 2)
			return usage();
		return do_socket(argv[1]);
	}
	if (!strcmp(argv[0], "ping") || !strcmp(argv[0], "rawping")) {
		if (argc != 2 || parse_addr(argv[1], NULL, &ss, &len) < 0)
			return usage();
		return do_ping(argv[0][0] == 'r', &ss, len);
	}
	if (!strcmp(argv[0], "flood")) {
		if (argc != 5 || strcmp(argv[1], "udp") ||
		    parse_addr(argv[2], argv[3], &ss, &len) < 0 || atol(argv[4]) <= 0)
			return usage();
		return do_flood(&ss, len, atol(argv[4]));
	}
	if (argc != 4 || parse_addr(argv[2], argv[3], &ss, &len) < 0)
		return usage();
	if (!strcmp(argv[1], "udp"))
		udp = 1;
	else if (!strcmp(argv[1], "tcp"))
		udp = 0;
	else
		return usage();

	if (!strcmp(argv[0], "connect"))
		return do_connect(udp, 0, &ss, len);
	if (!strcmp(argv[0], "connect-only") && udp)
		return do_connect_only(&ss, len);
	if (!strcmp(argv[0], "fastopen") && !udp)
		return do_connect(0, 1, &ss, len);
	if (!strcmp(argv[0], "sendto") && udp)
		return do_sendto(&ss, len);
	if (!strcmp(argv[0], "listen"))
		return do_listen(udp, &ss, len);
	if (!strcmp(argv[0], "hold"))
		return do_hold(udp, &ss, len);
	if ((!strcmp(argv[0], "echo") || !strcmp(argv[0], "echo-once")) && !udp)
		return do_echo(argv[0][4] == '-', &ss, len);
	return usage();
}
