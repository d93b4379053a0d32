/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-runtime - time one socket operation, for the runtime half of
 * `make bench`.
 *
 *   bench-runtime connect|sendto|send|icmp N
 *
 *   connect  connect() a UDP socket to a local sink, again and again:
 *            cgroup/connect4 on every call, nothing is sent
 *   sendto   unconnected UDP sendto() of one byte to the sink:
 *            cgroup/sendmsg4, then the egress backstop's fast path
 *   send     send() of one byte on a connected UDP socket: only the
 *            egress backstop runs, and returns at its socket-type check
 *   icmp     ICMP echo request on a ping socket to 127.0.0.1: the egress
 *            backstop classifies the packet (two LPM lookups).  A ping
 *            socket, not a raw one, which policies/default.jp refuses at
 *            socket(); net.ipv4.ping_group_range must let the caller in
 *
 * The sink is a UDP socket of this process on 127.0.0.1; run it inside a
 * network namespace of its own.  After a warm-up, N operations (rounded up
 * to whole batches) are timed with CLOCK_MONOTONIC in batches of
 * BENCH_BATCH, and the sink is drained, untimed, between batches so that no
 * datagram is dropped for want of buffer space.  Prints "MODE NS_PER_OP":
 * the 10th-percentile batch time over its BENCH_BATCH operations.  The
 * jail's cost is CPU work added to every operation, which a low percentile
 * keeps; what it drops are the host's preemptions and slow phases, which on
 * a virtual machine swing the mean by half from run to run and the median
 * by a quarter, the 10th percentile by a few percent.
 *
 * Any failed operation ends the run with its errno and exit status 1: a
 * jail that refuses must never be measured as a fast one.  So does a
 * datagram or echo reply that does not arrive.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
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
	BENCH_SEND,
	BENCH_ICMP,
	BENCH_MODE_MAX,
};

static const char *const bench_mode_names[] = {
	[BENCH_CONNECT] = "connect",
	[BENCH_SENDTO] = "sendto",
	[BENCH_SEND] = "send",
	[BENCH_ICMP] = "icmp",
};
_Static_assert(ARRAY_SIZE(bench_mode_names) == BENCH_MODE_MAX,
	       "bench_mode_names out of sync with enum bench_mode");

/* Operations between two clock reads; the drain in between is not timed.
 * Small enough that a batch never fills the sink's receive buffer. */
#define BENCH_BATCH 64
/* Receive buffer of the sink (and of the raw socket), in bytes. */
#define BENCH_RCVBUF (4 << 20)
/* How long the final drain waits for stragglers, in milliseconds. */
#define BENCH_SETTLE_MS 1000

struct bench {
	enum bench_mode mode;
	int sink;               /* UDP socket bound to 127.0.0.1:0 */
	int fd;                 /* the socket under test */
	int rx;                 /* where the traffic arrives: sink, or fd for icmp */
	struct sockaddr_in dst; /* the sink, or 127.0.0.1 for icmp */
	unsigned char pkt[64];
	size_t pkt_len;
	uint16_t echo_id;
	unsigned long long sent;     /* datagrams or echo requests sent */
	unsigned long long received; /* datagrams or echo replies seen */
	const char *what;            /* the failing call, for the message */
};

static void set_rcvbuf(int fd)
{
	int sz = BENCH_RCVBUF;

	/* FORCE needs CAP_NET_ADMIN; without it the sysctl cap applies. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
}

/* Open the sockets of mode; 0 or a negative errno, b->what naming the call. */
static int bench_setup(struct bench *b)
{
	struct sockaddr_in lo = { .sin_family = AF_INET };
	socklen_t len = sizeof(lo);
	struct icmphdr icmp;

	lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	b->what = "socket(AF_INET, SOCK_DGRAM)";
	b->sink = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (b->sink < 0)
		return -errno;
	b->what = "bind(127.0.0.1:0)";
	if (bind(b->sink, (struct sockaddr *)&lo, sizeof(lo)) < 0)
		return -errno;
	b->what = "getsockname";
	if (getsockname(b->sink, (struct sockaddr *)&b->dst, &len) < 0)
		return -errno;
	set_rcvbuf(b->sink);
	b->rx = b->sink;
	b->pkt_len = 1;

	switch (b->mode) {
	case BENCH_CONNECT:
	case BENCH_SENDTO:
		b->what = "socket(AF_INET, SOCK_DGRAM)";
		b->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		break;
	case BENCH_SEND:
		b->what = "socket(AF_INET, SOCK_DGRAM)";
		b->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (b->fd < 0)
			return -errno;
		b->what = "connect";
		if (connect(b->fd, (struct sockaddr *)&b->dst, sizeof(b->dst)) < 0)
			return -errno;
		break;
	case BENCH_ICMP:
		b->what = "socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)";
		b->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
		if (b->fd < 0)
			return -errno;
		set_rcvbuf(b->fd);
		b->rx = b->fd;
		b->dst = lo;
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

/* One operation; 0 or a negative errno. */
static int bench_op(struct bench *b)
{
	const struct sockaddr *dst = (const struct sockaddr *)&b->dst;
	ssize_t n;

	switch (b->mode) {
	case BENCH_CONNECT:
		if (connect(b->fd, dst, sizeof(b->dst)) < 0) {
			b->what = "connect";
			return -errno;
		}
		return 0;
	case BENCH_SENDTO:
	case BENCH_ICMP:
		n = sendto(b->fd, b->pkt, b->pkt_len, 0, dst, sizeof(b->dst));
		b->what = "sendto";
		break;
	case BENCH_SEND:
		n = send(b->fd, b->pkt, b->pkt_len, 0);
		b->what = "send";
		break;
	default:
		return -EINVAL;
	}
	if (n < 0)
		return -errno;
	if ((size_t)n != b->pkt_len)
		return -EMSGSIZE;
	b->sent++;
	return 0;
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

/* Read whatever has arrived, without waiting; 0 or a negative errno. */
static int bench_drain(struct bench *b)
{
	unsigned char buf[256];
	ssize_t n;

	if (b->mode == BENCH_CONNECT)
		return 0;
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

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Wait until everything sent has arrived, or BENCH_SETTLE_MS without
 * progress; 0, -ENODATA when some never came, or a negative errno. */
static int bench_settle(struct bench *b)
{
	int err;

	if (b->mode == BENCH_CONNECT)
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

static void usage(FILE *f)
{
	fprintf(f, "usage: bench-runtime connect|sendto|send|icmp N\n");
}

int main(int argc, char **argv)
{
	struct bench b = { .mode = BENCH_MODE_MAX, .sink = -1, .fd = -1 };
	unsigned long long n;
	uint64_t *ns = NULL;
	size_t nbatch;
	char *end;
	int i, err;

	if (argc != 3) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < BENCH_MODE_MAX; i++)
		if (!strcmp(argv[1], bench_mode_names[i]))
			b.mode = (enum bench_mode)i;
	errno = 0;
	n = strtoull(argv[2], &end, 10);
	if (b.mode == BENCH_MODE_MAX || errno || *end || !n || argv[2][0] == '-' ||
	    n > 1000000000ull) {
		usage(stderr);
		return 2;
	}
	nbatch = (size_t)((n + BENCH_BATCH - 1) / BENCH_BATCH);
	ns = calloc(nbatch, sizeof(*ns));
	if (!ns) {
		fprintf(stderr, "bench-runtime: out of memory\n");
		return 1;
	}

	err = bench_setup(&b);
	/* A tenth of the run, at least 16 batches: caches, the route and the
	 * LPM trie's nodes are hot before the clock starts. */
	if (!err)
		err = bench_run(&b, nbatch / 10 > 16 ? nbatch / 10 : 16, NULL);
	if (!err)
		err = bench_run(&b, nbatch, ns);
	if (!err)
		err = bench_settle(&b);
	if (err == -ENODATA) {
		fprintf(stderr, "bench-runtime: %s: %s: %llu sent, %llu arrived\n",
			bench_mode_names[b.mode], b.what, b.sent, b.received);
		goto cleanup;
	}
	if (err) {
		char where[32] = "";

		if (b.dst.sin_family == AF_INET)
			snprintf(where, sizeof(where), " %s", inet_ntoa(b.dst.sin_addr));
		if (b.dst.sin_port)
			snprintf(where + strlen(where), sizeof(where) - strlen(where), ":%u",
				 ntohs(b.dst.sin_port));
		fprintf(stderr, "bench-runtime: %s: %s%s: %s (%s)\n", bench_mode_names[b.mode],
			b.what, where, strerror(-err), ktest_errno_name(-err, "success"));
		goto cleanup;
	}
	qsort(ns, nbatch, sizeof(*ns), cmp_u64);
	printf("%s %.1f\n", bench_mode_names[b.mode], (double)ns[nbatch / 10] / BENCH_BATCH);
	if (fflush(stdout) || ferror(stdout))
		err = -EIO;

cleanup:
	if (b.fd >= 0)
		close(b.fd);
	if (b.sink >= 0)
		close(b.sink);
	free(ns);
	return err ? 1 : 0;
}
