/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench_peer.h - the keys and verdicts of the bench's naive peer, shared by
 * tools/bench_peer.bpf.c and its loader tools/bench-peer.c.
 */
#ifndef JAILPOL_BENCH_PEER_H
#define JAILPOL_BENCH_PEER_H

#include <linux/types.h>

/* An LPM_TRIE key: the prefix length in bits, then the address in network
 * byte order. */
struct bench_peer_key4 {
	__u32 prefixlen;
	__u32 addr;
};

struct bench_peer_key6 {
	__u32 prefixlen;
	__u32 addr[4];
};

_Static_assert(sizeof(struct bench_peer_key4) == 8, "bench_peer_key4 is 8 bytes");
_Static_assert(sizeof(struct bench_peer_key6) == 20, "bench_peer_key6 is 20 bytes");

/* The value of an entry: its verdict. */
enum bench_peer_verdict {
	BENCH_PEER_ALLOW,
	BENCH_PEER_DENY,
	BENCH_PEER_VERDICT_MAX,
};

#endif /* JAILPOL_BENCH_PEER_H */
