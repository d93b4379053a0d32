// SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause)
/*
 * revoke.bpf.c - socket iterators that destroy the jailed cgroup's
 * connected TCP and UDP sockets whose destination the policy in force
 * denies: what was connected before the attach, or before a replace that
 * tightened the policy, and so never met the hooks of this generation.
 *
 * runtime/revoke.c loads this object right after a generation's switch,
 * with that generation's three tables (pol_maps.h) passed in by fd, so a
 * socket is judged by the classifier and tables the hooks now use, and
 * runs both iterators once in every network namespace it sweeps: an
 * iterator walks the sockets of the netns it was created in only.
 *
 * It is an object of its own, not part of jail.bpf.c: it needs kernel BTF
 * (CO-RE field offsets, the iterator contexts) and the bpf_sock_destroy()
 * kfunc (Linux 6.5+), and libbpf would refuse the whole object on a kernel
 * without them.  The jail itself needs neither.
 *
 * Which sockets: those whose cgroup (the cgroup they were created in, as
 * the hooks see it) is the jailed cgroup or one below it; full sockets
 * only (no time-wait or request socks), neither listening nor closed, with
 * a remote address; UDP only when connected.  A TCP socket whose local
 * address and port are those of a listening socket of the jail in the
 * same netns is taken for one accept() returned, which no connect hook
 * ever judged, and kept (docs/security.md has the limits of that test).
 */
#include <linux/bpf.h>
#include <linux/in6.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "jail_abi.h"
#include "pol_maps.h"

/* <linux/socket.h> and <net/tcp_states.h> are not uapi. */
#define JP_AF_INET 2
#define JP_AF_INET6 10
#define JP_TCP_ESTABLISHED 1
#define JP_TCP_CLOSE 7
#define JP_TCP_LISTEN 10

/* Listening sockets of the jail remembered per sweep. */
#define JP_LISTENERS_MAX 4096

/*
 * The few kernel types read here, by name: libbpf relocates each field
 * to its offset in this kernel's BTF (CO-RE), so nothing depends on the
 * kernel headers this was built with.  Anonymous unions in the kernel's
 * definitions are found by libbpf; they are left out here.
 */
struct net {
	__u64 net_cookie;
} __attribute__((preserve_access_index));

struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	volatile unsigned char skc_state;
	struct {
		struct net *net;
	} skc_net;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
} __attribute__((preserve_access_index));

struct kernfs_node {
	__u64 id;
} __attribute__((preserve_access_index));

struct cgroup_subsys_state {
	struct cgroup_subsys_state *parent;
} __attribute__((preserve_access_index));

/* self comes first: a cgroup's css pointer is the cgroup's. */
struct cgroup {
	struct cgroup_subsys_state self;
	struct kernfs_node *kn;
} __attribute__((preserve_access_index));

struct sock_cgroup_data {
	struct cgroup *cgroup;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
	struct sock_cgroup_data sk_cgrp_data;
} __attribute__((preserve_access_index));

struct udp_sock;

struct bpf_iter_meta {
	void *seq;
} __attribute__((preserve_access_index));

struct bpf_iter__tcp {
	struct bpf_iter_meta *meta;
	struct sock_common *sk_common;
} __attribute__((preserve_access_index));

struct bpf_iter__udp {
	struct bpf_iter_meta *meta;
	struct udp_sock *udp_sk;
} __attribute__((preserve_access_index));

/* Destroys the socket with ECONNABORTED; the iterator holds its lock. */
extern int bpf_sock_destroy(struct sock_common *sk) __ksym;

/* Set by the runtime before load. */
const volatile __u64 host_netns_cookie; /* SO_NETNS_COOKIE of the host netns */
const volatile __u32 uses_scope;        /* POL_CF_USES_SCOPE */
const volatile __u64 jail_cgroup_id;    /* the jailed cgroup (its kernfs id) */

/* Read by the runtime after the sweeps. */
__u32 revoked;        /* sockets destroyed */
__u32 destroy_failed; /* bpf_sock_destroy() refused one */
__u32 listeners_lost; /* no room left in `listeners` */
__u32 too_deep;       /* cgroup more than JAIL_REVOKE_DEPTH_MAX levels deep */

/* A listening socket: its netns, family, local address and port. */
struct jp_listen_key {
	__u64 netns;
	__u16 port; /* host order */
	__u8 family;
	__u8 zero;
	__u8 addr[16]; /* 0.0.0.0 or :: for a wildcard bind */
	__u32 pad;
};

/* Listening sockets of the jail met so far: iter/tcp walks the listening
 * hash of a netns before its established hash. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, JP_LISTENERS_MAX);
	__type(key, struct jp_listen_key);
	__type(value, __u8);
} listeners SEC(".maps");

struct jp_walk {
	struct cgroup *cg;
	int found;
};

/* One step up the cgroup tree: bpf_loop() verifies it once, however many
 * steps it takes. */
static long jp_walk_up(__u32 i, void *data)
{
	struct jp_walk *w = data;
	struct cgroup *cg = w->cg;

	(void)i;
	if (!cg)
		return 1;
	if (BPF_CORE_READ(cg, kn, id) == jail_cgroup_id) {
		w->found = 1;
		return 1;
	}
	w->cg = (struct cgroup *)BPF_CORE_READ(cg, self.parent);
	return 0;
}

/* 1 if the socket was created in the jailed cgroup or below it. */
static __always_inline int jp_in_jail(const struct sock *sk)
{
	struct jp_walk w = { BPF_CORE_READ(sk, sk_cgrp_data.cgroup), 0 };

	bpf_loop(JAIL_REVOKE_DEPTH_MAX, jp_walk_up, &w, 0);
	/* Not judged: the runtime says so. */
	if (!w.found && w.cg)
		__sync_fetch_and_add(&too_deep, 1);
	return w.found;
}

static __always_inline __u64 jp_netns(const struct sock_common *skc)
{
	return BPF_CORE_READ(skc, skc_net.net, net_cookie);
}

/* The local end of a socket as a listener key; 0, or -1 for a family
 * other than IPv4 and IPv6. */
static __always_inline int jp_local(const struct sock_common *skc, struct jp_listen_key *k)
{
	__u16 family = BPF_CORE_READ(skc, skc_family);

	__builtin_memset(k, 0, sizeof(*k));
	k->netns = jp_netns(skc);
	k->port = BPF_CORE_READ(skc, skc_num);
	if (family == JP_AF_INET) {
		k->family = 4;
		bpf_core_read(k->addr, 4, &skc->skc_rcv_saddr);
	} else if (family == JP_AF_INET6) {
		k->family = 6;
		bpf_core_read(k->addr, 16, &skc->skc_v6_rcv_saddr);
	} else {
		return -1;
	}
	return 0;
}

/* 1 if a listener of the jail holds the socket's local address and port,
 * or the wildcard address of its family and that port. */
static __always_inline int jp_accepted(const struct sock_common *skc)
{
	struct jp_listen_key k;

	if (jp_local(skc, &k))
		return 0;
	if (bpf_map_lookup_elem(&listeners, &k))
		return 1;
	__builtin_memset(k.addr, 0, sizeof(k.addr));
	return bpf_map_lookup_elem(&listeners, &k) != NULL;
}

/* 1 if the policy denies the socket's destination, judged as the
 * connect hook judges it: proto, remote address and port, netns scope. */
static __always_inline int jp_denied(const struct sock_common *skc, __u8 proto)
{
	__u16 family = BPF_CORE_READ(skc, skc_family);
	__be16 dport = BPF_CORE_READ(skc, skc_dport);
	struct pol_query q = {};
	struct pol_result r;

	q.proto = proto;
	q.port = bpf_ntohs(dport);
	if (family == JP_AF_INET) {
		q.family = 4;
		bpf_core_read(q.addr, 4, &skc->skc_daddr);
	} else if (family == JP_AF_INET6) {
		q.family = 6;
		bpf_core_read(q.addr, 16, &skc->skc_v6_daddr);
	} else {
		return 0;
	}
	/* No remote end: not connected. */
	if (!dport || pol_is_unspecified(&q))
		return 0;
	q.scope = POL_SCOPE_HOST;
	if (uses_scope && jp_netns(skc) != host_netns_cookie)
		q.scope = POL_SCOPE_CONTAINER;
	pol_classify(NULL, &q, &r);
	return r.verdict != POL_ALLOW;
}

static __always_inline void jp_destroy(struct sock_common *skc)
{
	if (bpf_sock_destroy(skc))
		__sync_fetch_and_add(&destroy_failed, 1);
	else
		__sync_fetch_and_add(&revoked, 1);
}

SEC("iter/tcp")
int jail_revoke_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct jp_listen_key k;
	struct sock *sk;
	__u8 one = 1;
	int state;

	if (!skc)
		return 0;
	/* NULL for time-wait and request sockets. */
	sk = (struct sock *)bpf_skc_to_tcp_sock(skc);
	if (!sk || !jp_in_jail(sk))
		return 0;
	state = BPF_CORE_READ(skc, skc_state);
	if (state == JP_TCP_LISTEN) {
		if (!jp_local(skc, &k) && bpf_map_update_elem(&listeners, &k, &one, BPF_ANY))
			__sync_fetch_and_add(&listeners_lost, 1);
		return 0;
	}
	if (state == JP_TCP_CLOSE || jp_accepted(skc) || !jp_denied(skc, POL_PROTO_TCP))
		return 0;
	jp_destroy(skc);
	return 0;
}

SEC("iter/udp")
int jail_revoke_udp(struct bpf_iter__udp *ctx)
{
	struct sock_common *skc = (struct sock_common *)ctx->udp_sk;

	if (!skc || !jp_in_jail((struct sock *)skc))
		return 0;
	/* A connected UDP socket is in TCP_ESTABLISHED. */
	if (BPF_CORE_READ(skc, skc_state) != JP_TCP_ESTABLISHED || !jp_denied(skc, POL_PROTO_UDP))
		return 0;
	jp_destroy(skc);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
