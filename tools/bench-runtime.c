/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-runtime - time one socket operation, for the runtime half of
 * `make bench` (tests/bench.sh).
 *
 *   bench-runtime [--cgroup DIR] [--addrs FILE [--hot]] [--expect ok|deny]
 *                 [--pair DIR2 [--pair-expect ok|deny]] MODE N
 *
 *   connect  connect() a UDP socket to a local sink, again and again:
 *            cgroup/connect4 (connect6) on every call, nothing is sent
 *   sendto   unconnected UDP sendto() of one byte to the sink:
 *            cgroup/sendmsg4 (sendmsg6), then the egress backstop's fast path
 *   tcp      one TCP connection to a local listener: socket(), connect(),
 *            close() with SO_LINGER 0 (an RST, so neither end keeps a
 *            TIME_WAIT socket); cgroup/connect4 (connect6) once, the
 *            backstop (if any) on each of its packets
 *   send     send() of one byte on a connected UDP socket: only the
 *            egress backstop runs, and returns at its socket-type check
 *   icmp     ICMP echo request on a ping socket to 127.0.0.1: the egress
 *            backstop classifies the packet (two LPM lookups).  A ping
 *            socket, not a raw one, which policies/default.jp refuses at
 *            socket(); net.ipv4.ping_group_range must let the caller in
 *
 * The sink (a UDP socket, or a TCP listener for tcp) belongs to this
 * process; run it inside a network namespace of its own.  Without --addrs
 * it is bound to 127.0.0.1 and is the destination.  With --addrs FILE (one
 * IPv4 or IPv6 address a line, all of one family; not for send and icmp)
 * it is bound to the family's wildcard address and every operation goes to
 * the next address of FILE at the sink's port ("cold": from the second
 * pass on, as many routes, trie paths and cache lines as addresses), or
 * with --hot always to FILE's first one.  The addresses must be local to
 * the namespace: the bench routes every address to its loopback
 * (`ip route add local default dev lo`), so nothing leaves it.
 * --cgroup DIR first moves the process into the cgroup v2 directory DIR
 * (absolute), where the jail or its peer is attached.  --expect deny: each
 * operation must fail with EPERM (a destination the jail refuses), and
 * that refusal is what is timed.
 *
 * --pair DIR2 (connect and sendto): a second socket under test, made in
 * the cgroup DIR2, whose hooks (they judge a socket by the cgroup it was
 * made in) are timed beside the first's: batches alternate between the
 * two, A B then B A, each side walking the same destinations in the same
 * order, so the two figures are microseconds apart in time and a drift of
 * the host's speed moves both alike.  --pair-expect is the second
 * socket's outcome (default: --expect's).  Prints "MODE NS_A NS_B".
 *
 * After a warm-up, N operations (rounded up to whole batches) are timed
 * with CLOCK_MONOTONIC in batches of BENCH_BATCH, and the sink is drained,
 * untimed, between batches so that no datagram is dropped for want of
 * buffer space.  Prints "MODE NS_PER_OP":
 * the 10th-percentile batch time over its BENCH_BATCH operations.  The
 * jail's cost is CPU work added to every operation, which a low percentile
 * keeps; what it drops are the host's preemptions and slow phases, which on
 * a virtual machine swing the mean by half from run to run and the median
 * by a quarter, the 10th percentile by a few percent.
 *
 * Any operation with another outcome than expected ends the run with its
 * errno and exit status 1: a jail that refuses must never be measured as a
 * fast one, nor one that lets a denied destination through.  So does a
 * datagram or echo reply that does not arrive.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ktest.h"

enum bench_mode {
	BENCH_CONNECT,
	BENCH_SENDTO,
	BENCH_TCP,
	BENCH_SEND,
	BENCH_ICMP,
	BENCH_MODE_MAX,
};

static const char *const bench_mode_names[] = {
	[BENCH_CONNECT] = "connect", [BENCH_SENDTO] = "sendto", [BENCH_TCP] = "tcp",
	[BENCH_SEND] = "send",       [BENCH_ICMP] = "icmp",
};
_Static_assert(ARRAY_SIZE(bench_mode_names) == BENCH_MODE_MAX,
	       "bench_mode_names out of sync with enum bench_mode");

/* Operations between two clock reads; the drain in between is not timed.
 * Small enough that a batch never fills the sink's receive buffer, nor the
 * listener's backlog. */
#define BENCH_BATCH 64
/* Receive buffer of the sink (and of the raw socket), in bytes. */
#define BENCH_RCVBUF (4 << 20)
/* How long the final drain waits for stragglers, in milliseconds. */
#define BENCH_SETTLE_MS 1000
/* The listener's backlog: many batches' worth. */
#define BENCH_BACKLOG 4096

/* One destination: either family's socket address, without the padding of
 * a sockaddr_storage (10^5 of them stay in few cache lines less). */
union bench_addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

/* The socket under test of one side of a --pair run. */
struct bench_side {
	int fd;
	bool deny;
	size_t next;
};

struct bench {
	enum bench_mode mode;
	int family;            /* AF_INET or AF_INET6 */
	bool deny;             /* --expect deny: every operation gets EPERM */
	int sink;              /* UDP socket or TCP listener on the sink address */
	int fd;                /* the socket under test (not for tcp) */
	int rx;                /* where the traffic arrives: sink, or fd for icmp */
	union bench_addr *dst; /* the destinations, sink's port set */
	size_t ndst, next;     /* how many, and the next one to use */
	socklen_t dst_len;
	unsigned char pkt[64];
	size_t pkt_len;
	uint16_t echo_id;
	unsigned long long sent;     /* datagrams, echo requests or connections */
	unsigned long long received; /* datagrams, echo replies or accepts seen */
	const char *what;            /* the failing call, for the message */
	struct bench_side pair;      /* --pair: the other side, fd -1 without */
	bool pair_failed;            /* the failing operation was the other side's */
};

static void set_rcvbuf(int fd)
{
	int sz = BENCH_RCVBUF;

	/* FORCE needs CAP_NET_ADMIN; without it the sysctl cap applies. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
}

/* Read the addresses of path into b->dst (only the first with hot); 0 or a
 * negative errno, b->what naming the cause. */
static int bench_read_addrs(struct bench *b, const char *path, bool hot)
{
	char line[128];
	size_t cap = 0, lineno = 0;
	int err = 0;
	FILE *f;

	b->what = path;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		union bench_addr a;
		int family;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		memset(&a, 0, sizeof(a));
		if (inet_pton(AF_INET, line, &a.in.sin_addr) == 1)
			family = AF_INET;
		else if (inet_pton(AF_INET6, line, &a.in6.sin6_addr) == 1)
			family = AF_INET6;
		else
			family = AF_UNSPEC;
		if (family == AF_UNSPEC || (b->ndst && family != b->family)) {
			fprintf(stderr, "bench-runtime: '%s':%zu: '%s' is %s\n", path, lineno, line,
				family == AF_UNSPEC ? "not an address" : "of another family");
			err = -EINVAL;
			goto cleanup;
		}
		b->family = family;
		a.sa.sa_family = (sa_family_t)family;
		if (b->ndst == cap) {
			union bench_addr *n;

			cap = cap ? 2 * cap : 1024;
			n = realloc(b->dst, cap * sizeof(*n));
			if (!n) {
				err = -ENOMEM;
				goto cleanup;
			}
			b->dst = n;
		}
		b->dst[b->ndst++] = a;
		if (hot)
			break;
	}
	if (ferror(f))
		err = -EIO;
	else if (!b->ndst)
		err = -ENODATA;
cleanup:
	fclose(f);
	return err;
}

/* Open the sockets of mode; 0 or a negative errno, b->what naming the call. */
static int bench_setup(struct bench *b)
{
	union bench_addr lo;
	socklen_t len = sizeof(lo);
	int type = b->mode == BENCH_TCP ? SOCK_STREAM : SOCK_DGRAM, one = 1;
	uint16_t port;
	struct icmphdr icmp;
	size_t i;

	if (!b->dst) {
		b->dst = calloc(1, sizeof(*b->dst));
		if (!b->dst)
			return -ENOMEM;
		b->ndst = 1;
		b->family = AF_INET;
		b->dst[0].in.sin_family = AF_INET;
		b->dst[0].in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		lo = b->dst[0];
	} else {
		/* The wildcard: every address routed to lo reaches it. */
		memset(&lo, 0, sizeof(lo));
		lo.sa.sa_family = (sa_family_t)b->family;
	}
	b->dst_len = b->family == AF_INET6 ? sizeof(struct sockaddr_in6)
					   : sizeof(struct sockaddr_in);

	b->what = "socket (sink)";
	/* A listener that never blocks: its accepts drain between batches. */
	b->sink = socket(b->family,
			 type | SOCK_CLOEXEC | (b->mode == BENCH_TCP ? SOCK_NONBLOCK : 0), 0);
	if (b->sink < 0)
		return -errno;
	if (b->family == AF_INET6)
		setsockopt(b->sink, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	b->what = "bind (sink)";
	if (bind(b->sink, &lo.sa, b->dst_len) < 0)
		return -errno;
	b->what = "getsockname";
	if (getsockname(b->sink, &lo.sa, &len) < 0)
		return -errno;
	port = b->family == AF_INET6 ? lo.in6.sin6_port : lo.in.sin_port;
	for (i = 0; i < b->ndst; i++) {
		if (b->family == AF_INET6)
			b->dst[i].in6.sin6_port = port;
		else
			b->dst[i].in.sin_port = port;
	}
	b->rx = b->sink;
	b->pkt_len = 1;

	switch (b->mode) {
	case BENCH_CONNECT:
	case BENCH_SENDTO:
		set_rcvbuf(b->sink);
		b->what = "socket(SOCK_DGRAM)";
		b->fd = socket(b->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		break;
	case BENCH_TCP:
		b->what = "listen";
		return listen(b->sink, BENCH_BACKLOG) < 0 ? -errno : 0;
	case BENCH_SEND:
		set_rcvbuf(b->sink);
		b->what = "socket(SOCK_DGRAM)";
		b->fd = socket(b->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (b->fd < 0)
			return -errno;
		b->what = "connect";
		if (connect(b->fd, &b->dst[0].sa, b->dst_len) < 0)
			return -errno;
		break;
	case BENCH_ICMP:
		b->what = "socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)";
		b->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
		if (b->fd < 0)
			return -errno;
		set_rcvbuf(b->fd);
		b->rx = b->fd;
		b->dst[0].in.sin_port = 0;
		b->echo_id = (uint16_t)getpid();
		/* Built aside and copied: pkt has no alignment of its own. */
		memset(&icmp, 0, sizeof(icmp));
		icmp.type = ICMP_ECHO;
		icmp.un.echo.id = htons(b->echo_id);
		icmp.un.echo.sequence = htons(1);
		b->pkt_len = sizeof(icmp) + 8;
		memcpy(b->pkt, &icmp, sizeof(icmp));
		icmp.checksum = ktest_inet_csum(b->pkt, b->pkt_len);
		memcpy(b->pkt, &icmp, sizeof(icmp));
		break;
	case BENCH_MODE_MAX:
		return -EINVAL;
	}
	return b->fd < 0 ? -errno : 0;
}

/* One TCP connection to dst, reset at close; 0 or a negative errno. */
static int bench_tcp(struct bench *b, const struct sockaddr *dst)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int fd, err = 0;

	b->what = "socket(SOCK_STREAM)";
	fd = socket(b->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	b->what = "setsockopt(SO_LINGER)";
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
		err = -errno;
	b->what = "connect";
	if (!err && connect(fd, dst, b->dst_len) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* One operation; 0 or a negative errno (-EPERM expected with deny). */
static int bench_op(struct bench *b)
{
	const struct sockaddr *dst = &b->dst[b->next].sa;
	ssize_t n;
	int err;

	if (++b->next == b->ndst)
		b->next = 0;
	switch (b->mode) {
	case BENCH_CONNECT:
		b->what = "connect";
		err = connect(b->fd, dst, b->dst_len) < 0 ? -errno : 0;
		break;
	case BENCH_TCP:
		err = bench_tcp(b, dst);
		if (!err)
			b->sent++;
		break;
	case BENCH_SENDTO:
	case BENCH_ICMP:
		n = sendto(b->fd, b->pkt, b->pkt_len, 0, dst, b->dst_len);
		b->what = "sendto";
		goto sent;
	case BENCH_SEND:
		n = send(b->fd, b->pkt, b->pkt_len, 0);
		b->what = "send";
		goto sent;
	default:
		return -EINVAL;
	}
	goto check;
sent:
	err = n < 0 ? -errno : (size_t)n != b->pkt_len ? -EMSGSIZE : 0;
	if (!err)
		b->sent++;
check:
	if (b->deny)
		return err == -EPERM ? 0 : err ? err : -ENOTRECOVERABLE;
	return err;
}

/* An echo reply?  A ping socket receives the ICMP message without its IP
 * header, and only the replies to its own id (which the kernel sets). */
static int is_our_reply(const unsigned char *buf, size_t len)
{
	struct icmphdr icmp;

	/* Copied out: buf is a byte buffer with no alignment of its own. */
	if (len < sizeof(icmp))
		return 0;
	memcpy(&icmp, buf, sizeof(icmp));
	return icmp.type == ICMP_ECHOREPLY;
}

/* Accept whatever the listener holds, without waiting; 0 or a negative
 * errno.  The connections were reset already: closing them is all. */
static int bench_accept(struct bench *b)
{
	int fd;

	for (;;) {
		fd = accept4(b->sink, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			b->what = "accept";
			return -errno;
		}
		close(fd);
		b->received++;
	}
}

/* Read whatever has arrived, without waiting; 0 or a negative errno. */
static int bench_drain(struct bench *b)
{
	unsigned char buf[256];
	ssize_t n;

	if (b->mode == BENCH_CONNECT)
		return 0;
	if (b->mode == BENCH_TCP)
		return bench_accept(b);
	for (;;) {
		n = recv(b->rx, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			b->what = "recv";
			return -errno;
		}
		if (b->mode != BENCH_ICMP || is_our_reply(buf, (size_t)n))
			b->received++;
	}
}

/* Run nbatch batches of BENCH_BATCH operations; 0 or a negative errno.
 * With ns, ns[i] gets the time batch i spent in its operations. */
static int bench_run(struct bench *b, size_t nbatch, uint64_t *ns)
{
	struct timespec t0, t1;
	size_t batch, i;
	int err;

	for (batch = 0; batch < nbatch; batch++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; i < BENCH_BATCH; i++) {
			err = bench_op(b);
			if (err)
				return err;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (ns)
			ns[batch] = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u +
				    (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec;
		err = bench_drain(b);
		if (err)
			return err;
	}
	return 0;
}

/* Run nbatch batches on each side of a --pair run, alternating A B, B A;
 * ns[0][i] and ns[1][i] get side A's and B's times of batch pair i. */
static int bench_run_pair(struct bench *b, size_t nbatch, uint64_t *ns[2])
{
	struct bench_side side[2] = { { b->fd, b->deny, b->next }, b->pair };
	size_t batch;
	int k, s = 0, err = 0;

	for (batch = 0; batch < nbatch && !err; batch++) {
		for (k = 0; k < 2 && !err; k++) {
			s = (int)(batch & 1) ^ k;
			b->fd = side[s].fd;
			b->deny = side[s].deny;
			b->next = side[s].next;
			err = bench_run(b, 1, ns ? ns[s] + batch : NULL);
			side[s].next = b->next;
		}
	}
	/* b->next stays the failing side's, for the message. */
	b->pair_failed = err && s == 1;
	b->fd = side[0].fd;
	b->deny = side[0].deny;
	if (!err)
		b->next = side[0].next;
	b->pair = side[1];
	return err;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Wait until everything sent has arrived, or BENCH_SETTLE_MS without
 * progress; 0, -ENODATA when some never came, or a negative errno.  A
 * connection reset before its accept may leave the queue unaccepted, so a
 * TCP run asks nothing: its connect() succeeding was the proof. */
static int bench_settle(struct bench *b)
{
	int err;

	if (b->mode == BENCH_CONNECT || b->mode == BENCH_TCP)
		return 0;
	while (b->received < b->sent) {
		err = ktest_wait_fd(b->rx, POLLIN, BENCH_SETTLE_MS);
		if (err == -ETIMEDOUT) {
			b->what = b->mode == BENCH_ICMP ? "echo replies" : "datagrams";
			return -ENODATA;
		}
		if (err) {
			b->what = "poll";
			return err;
		}
		err = bench_drain(b);
		if (err)
			return err;
	}
	return 0;
}

/* --expect's and --pair-expect's word: 1 deny, 0 ok, -1 neither. */
static int expect_of(const char *s)
{
	if (!strcmp(s, "deny"))
		return 1;
	return strcmp(s, "ok") ? -1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench-runtime [--cgroup DIR] [--addrs FILE [--hot]] [--expect ok|deny]\n"
		   "                     [--pair DIR2 [--pair-expect ok|deny]] "
		   "connect|sendto|tcp|send|icmp N\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cgroup", required_argument, NULL, 'c' },
		{ "addrs", required_argument, NULL, 'a' },
		{ "hot", no_argument, NULL, 'H' },
		{ "expect", required_argument, NULL, 'e' },
		{ "pair", required_argument, NULL, 'p' },
		{ "pair-expect", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench b = { .mode = BENCH_MODE_MAX, .sink = -1, .fd = -1, .pair = { .fd = -1 } };
	const char *cgroup = NULL, *addrs = NULL, *pair = NULL;
	int pair_expect = -1; /* -1: as --expect */
	bool hot = false;
	unsigned long long n;
	uint64_t *ns = NULL, *pns[2] = { NULL, NULL };
	size_t nbatch;
	char *end;
	int i, c, err;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cgroup = optarg;
			break;
		case 'a':
			addrs = optarg;
			break;
		case 'H':
			hot = true;
			break;
		case 'e':
		case 'P': {
			int deny = expect_of(optarg);

			if (deny < 0) {
				usage(stderr);
				return 2;
			}
			if (c == 'e')
				b.deny = deny;
			else
				pair_expect = deny;
			break;
		}
		case 'p':
			pair = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < BENCH_MODE_MAX; i++)
		if (!strcmp(argv[optind], bench_mode_names[i]))
			b.mode = (enum bench_mode)i;
	errno = 0;
	n = strtoull(argv[optind + 1], &end, 10);
	if (b.mode == BENCH_MODE_MAX || errno || *end || !n || argv[optind + 1][0] == '-' ||
	    n > 1000000000ull || (hot && !addrs) ||
	    (addrs && (b.mode == BENCH_SEND || b.mode == BENCH_ICMP)) ||
	    (pair && b.mode != BENCH_CONNECT && b.mode != BENCH_SENDTO) ||
	    (pair_expect >= 0 && !pair)) {
		usage(stderr);
		return 2;
	}
	nbatch = (size_t)((n + BENCH_BATCH - 1) / BENCH_BATCH);
	ns = calloc(nbatch, sizeof(*ns));
	if (pair) {
		pns[0] = ns;
		pns[1] = calloc(nbatch, sizeof(*ns));
	}
	if (!ns || (pair && !pns[1])) {
		fprintf(stderr, "bench-runtime: out of memory\n");
		return 1;
	}

	err = 0;
	if (cgroup) {
		b.what = "joining the cgroup";
		err = ktest_join_cgroup(cgroup);
	}
	if (!err && addrs)
		err = bench_read_addrs(&b, addrs, hot);
	if (!err)
		err = bench_setup(&b);
	/* The other side's socket, made in its cgroup: its hooks judge it. */
	if (!err && pair) {
		b.what = "joining the --pair cgroup";
		err = ktest_join_cgroup(pair);
		b.pair.deny = pair_expect < 0 ? b.deny : pair_expect;
		if (!err) {
			b.what = "socket(SOCK_DGRAM) (--pair)";
			b.pair.fd = socket(b.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
			if (b.pair.fd < 0)
				err = -errno;
		}
	}
	/* A tenth of the run, at least 16 batches: caches, the route and the
	 * LPM trie's nodes are hot before the clock starts. */
	if (!err && !pair)
		err = bench_run(&b, nbatch / 10 > 16 ? nbatch / 10 : 16, NULL);
	if (!err && !pair)
		err = bench_run(&b, nbatch, ns);
	if (!err && pair)
		err = bench_run_pair(&b, nbatch / 10 > 16 ? nbatch / 10 : 16, NULL);
	if (!err && pair)
		err = bench_run_pair(&b, nbatch, pns);
	if (!err)
		err = bench_settle(&b);
	if (err == -ENODATA) {
		fprintf(stderr, "bench-runtime: %s: %s: %llu sent, %llu arrived\n",
			bench_mode_names[b.mode], b.what, b.sent, b.received);
		goto cleanup;
	}
	if (err) {
		char where[INET6_ADDRSTRLEN + 16] = "";
		const union bench_addr *d = NULL;

		if (b.ndst && b.dst)
			d = &b.dst[b.next ? b.next - 1 : b.ndst - 1];
		if (d && d->sa.sa_family == AF_INET6) {
			where[0] = ' ';
			inet_ntop(AF_INET6, &d->in6.sin6_addr, where + 1, sizeof(where) - 1);
			snprintf(where + strlen(where), sizeof(where) - strlen(where), " port %u",
				 ntohs(d->in6.sin6_port));
		} else if (d && d->sa.sa_family == AF_INET) {
			snprintf(where, sizeof(where), " %s:%u", inet_ntoa(d->in.sin_addr),
				 ntohs(d->in.sin_port));
		}
		if (err == -ENOTRECOVERABLE)
			fprintf(stderr, "bench-runtime: %s: %s%s%s: allowed, expected EPERM\n",
				bench_mode_names[b.mode], b.what, where,
				b.pair_failed ? " (the --pair socket)" : "");
		else
			fprintf(stderr, "bench-runtime: %s: %s%s%s: %s (%s)\n",
				bench_mode_names[b.mode], b.what, where,
				b.pair_failed ? " (the --pair socket)" : "", strerror(-err),
				ktest_errno_name(-err, "success"));
		goto cleanup;
	}
	qsort(ns, nbatch, sizeof(*ns), cmp_u64);
	printf("%s %.1f", bench_mode_names[b.mode], (double)ns[nbatch / 10] / BENCH_BATCH);
	if (pair) {
		qsort(pns[1], nbatch, sizeof(*ns), cmp_u64);
		printf(" %.1f", (double)pns[1][nbatch / 10] / BENCH_BATCH);
	}
	printf("\n");
	if (fflush(stdout) || ferror(stdout))
		err = -EIO;

cleanup:
	if (b.fd >= 0)
		close(b.fd);
	if (b.pair.fd >= 0)
		close(b.pair.fd);
	free(pns[1]);
	if (b.sink >= 0)
		close(b.sink);
	free(b.dst);
	free(ns);
	return err ? 1 : 0;
}
