// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_peer.bpf.c - the peers jailpol is measured against in `make bench`
 * (loaded by tools/bench-peer.c, never by the runtime):
 *
 *   floor_*  the cheapest cgroup sock_addr program there is: allow, no
 *            lookup.  What any BPF design pays to be called at all.
 *   lpm_*    the naive design: one LPM_TRIE per family from prefix to
 *            verdict, looked up at connect() and sendmsg(); a hit whose
 *            verdict is BENCH_PEER_DENY refuses the call (EPERM).
 *
 * Both hook connect4/6 and sendmsg4/6, as the jail does.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bench_peer.h"

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1); /* sized by the loader */
	__type(key, struct bench_peer_key4);
	__type(value, __u8);
} peer_lpm4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1); /* sized by the loader */
	__type(key, struct bench_peer_key6);
	__type(value, __u8);
} peer_lpm6 SEC(".maps");

static __always_inline int lpm4(struct bpf_sock_addr *ctx)
{
	struct bench_peer_key4 k = { .prefixlen = 32, .addr = ctx->user_ip4 };
	__u8 *v = bpf_map_lookup_elem(&peer_lpm4, &k);

	return v && *v == BENCH_PEER_DENY ? 0 : 1;
}

static __always_inline int lpm6(struct bpf_sock_addr *ctx)
{
	struct bench_peer_key6 k = { .prefixlen = 128 };
	__u8 *v;

	/* One 4-byte load per word: the verifier allows no other access to
	 * user_ip6. */
	k.addr[0] = ctx->user_ip6[0];
	k.addr[1] = ctx->user_ip6[1];
	k.addr[2] = ctx->user_ip6[2];
	k.addr[3] = ctx->user_ip6[3];
	v = bpf_map_lookup_elem(&peer_lpm6, &k);
	return v && *v == BENCH_PEER_DENY ? 0 : 1;
}

SEC("cgroup/connect4")
int floor_connect4(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/connect6")
int floor_connect6(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/sendmsg4")
int floor_sendmsg4(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/sendmsg6")
int floor_sendmsg6(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/connect4")
int lpm_connect4(struct bpf_sock_addr *ctx)
{
	return lpm4(ctx);
}

SEC("cgroup/connect6")
int lpm_connect6(struct bpf_sock_addr *ctx)
{
	return lpm6(ctx);
}

SEC("cgroup/sendmsg4")
int lpm_sendmsg4(struct bpf_sock_addr *ctx)
{
	return lpm4(ctx);
}

SEC("cgroup/sendmsg6")
int lpm_sendmsg6(struct bpf_sock_addr *ctx)
{
	return lpm6(ctx);
}

char LICENSE[] SEC("license") = "GPL";
