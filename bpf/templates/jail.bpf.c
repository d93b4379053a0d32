// SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause)
/*
 * jail.bpf.c - the jail: cgroup sock_addr programs that judge every
 * connect() and unconnected sendmsg() of the cgroup's sockets, plus an
 * optional cgroup_skb egress backstop for ping and raw sockets, and a
 * cgroup_sock program that refuses raw and ping sockets at socket().
 *
 * The verdict comes from classify.h over the three LPM tables the runtime
 * fills from policy.bin (pol_maps.h; policy_abi.h describes them), and is
 * counted and reported by jail_events.h.  Return 1 lets the call through;
 * 0 makes connect()/sendmsg() fail with EPERM, and makes the egress
 * program drop the packet.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "jail_gen.h"
#include "policy_abi.h"

/* Socket creation (`socket` rules): the SOCK section's verdicts, at
 * kind * POL_SCOPE_MAX + scope.  Before pol_maps.h, whose classify.h
 * builds pol_classify_sock() from the lookup. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, POL_SOCK_ENTRIES);
	__type(key, __u32);
	__type(value, struct pol_dec_val);
} pol_sock SEC(".maps");

static __always_inline const struct pol_dec_val *jp_sock_val(__u32 i)
{
	return bpf_map_lookup_elem(&pol_sock, &i);
}

#define POL_LOOKUP_SOCK(ctx, i) jp_sock_val(i)
#include "pol_maps.h"
#include "jail_events.h"

/* <linux/net.h> keeps enum sock_type to the kernel. */
#define JP_SOCK_STREAM 1
#define JP_SOCK_DGRAM 2

/* <linux/socket.h> is not uapi. */
#define JP_AF_INET 2
#define JP_AF_INET6 10

/* IPv4 fragment offset and more-fragments bits of iphdr.frag_off. */
#define JP_IP_OFFSET 0x1fff

GEN_PROGS(gen_connect4);
GEN_PROGS(gen_connect6);
GEN_PROGS(gen_sendmsg4);
GEN_PROGS(gen_sendmsg6);
GEN_PROGS(gen_egress);
GEN_PROGS(gen_sock_create);

/* Set by the loader before load; the verifier prunes what is unused. */
const volatile __u64 host_netns_cookie;   /* SO_NETNS_COOKIE of the host netns */
const volatile __u32 uses_scope;          /* POL_CF_USES_SCOPE */
const volatile __u32 egress_netns_cookie; /* kernel has the helper for cgroup_skb */

/*
 * 1 if x == c, else 0, by arithmetic alone.  A branch that sets a
 * constant (the protocol class, the scope) gives the verifier one path per
 * value, each with the constant made precise by the branches after it,
 * and each path walks the inlined address table on its own: connect6
 * took 125,000 instructions, 42,800 with the classes computed.  The empty
 * asm keeps the compiler from making a comparison of it again, which BPF
 * would make a branch.
 */
_Static_assert(POL_SCOPE_HOST == 0 && POL_SCOPE_CONTAINER == 1, "scopes are computed");

static __always_inline __u64 jp_eq(__u64 x, __u64 c)
{
	__u64 d = x ^ c, m;

	asm volatile("" : "+r"(d));
	/* d or -d has its top bit set unless d is 0. */
	m = d | (0 - d);
	asm volatile("" : "+r"(m));
	return 1 - (m >> 63);
}

/* POL_PROTO_TCP (0), POL_PROTO_UDP (1) or POL_PROTO_OTHER (2). */
static __always_inline __u8 jp_proto_class(__u32 protocol)
{
	__u64 tcp = jp_eq(protocol, IPPROTO_TCP), udp = jp_eq(protocol, IPPROTO_UDP);

	_Static_assert(POL_PROTO_TCP == 0 && POL_PROTO_UDP == 1 && POL_PROTO_OTHER == 2,
		       "jp_proto_class() computes the classes");
	return (__u8)(2 - 2 * tcp - udp);
}

/* The destination of q into event e, and submit it. */
static __always_inline void jp_event_dest(struct jail_event *e, const struct pol_query *q)
{
	e->family = q->family;
	e->proto = q->proto;
	e->port = q->port;
	__builtin_memcpy(e->addr, q->addr, sizeof(e->addr));
	bpf_ringbuf_submit(e, 0);
}

static __always_inline int jp_sock_addr(struct bpf_sock_addr *ctx, void *progs, __u8 family,
					__u8 hook)
{
	struct pol_query q = {};
	struct jail_event *e;
	struct pol_result r;
	int verdict;
	__u32 w;

	if (!jp_in_force(ctx, progs, &verdict))
		return verdict;

	q.family = family;
	q.proto = jp_proto_class(ctx->protocol);
	/* user_port holds the port in network order in its low 16 bits. */
	q.port = bpf_ntohs((__u16)ctx->user_port);
	/* Narrow loads of the address fields are restricted: read u32s. */
	if (family == 4) {
		w = ctx->user_ip4;
		__builtin_memcpy(&q.addr[0], &w, 4);
	} else {
		w = ctx->user_ip6[0];
		__builtin_memcpy(&q.addr[0], &w, 4);
		w = ctx->user_ip6[1];
		__builtin_memcpy(&q.addr[4], &w, 4);
		w = ctx->user_ip6[2];
		__builtin_memcpy(&q.addr[8], &w, 4);
		w = ctx->user_ip6[3];
		__builtin_memcpy(&q.addr[12], &w, 4);
	}
	/* Without scoped rules both selectors hold the same verdicts, so the
	 * helper call is pruned away.  POL_SCOPE_HOST 0, CONTAINER 1. */
	q.scope = POL_SCOPE_HOST;
	if (uses_scope)
		q.scope = (__u8)(1 - jp_eq(bpf_get_netns_cookie(ctx), host_netns_cookie));

	pol_classify(NULL, &q, &r);
	e = jp_judged(&r, hook, q.scope);
	if (e) {
		jp_event_task(e);
		e->netns = bpf_get_netns_cookie(ctx);
		jp_event_dest(e, &q);
	}
	return jp_verdict(&r);
}

SEC("cgroup/connect4")
int jail_connect4(struct bpf_sock_addr *ctx)
{
	return jp_sock_addr(ctx, &gen_connect4, 4, JAIL_EV_CONNECT4);
}

SEC("cgroup/connect6")
int jail_connect6(struct bpf_sock_addr *ctx)
{
	return jp_sock_addr(ctx, &gen_connect6, 6, JAIL_EV_CONNECT6);
}

/* Also what an AF_INET6 UDP socket sending to ::ffff:a.b.c.d runs. */
SEC("cgroup/sendmsg4")
int jail_sendmsg4(struct bpf_sock_addr *ctx)
{
	return jp_sock_addr(ctx, &gen_sendmsg4, 4, JAIL_EV_SENDMSG4);
}

SEC("cgroup/sendmsg6")
int jail_sendmsg6(struct bpf_sock_addr *ctx)
{
	return jp_sock_addr(ctx, &gen_sendmsg6, 6, JAIL_EV_SENDMSG6);
}

/* Protocol class and destination port of a packet whose L4 header starts
 * at off; OTHER when it is not TCP or UDP or the header is missing. */
static __always_inline void jp_l4(struct __sk_buff *skb, __u32 off, __u8 l4proto,
				  struct pol_query *q)
{
	__be16 ports[2] = { 0, 0 };
	__u64 ok, proto = jp_proto_class(l4proto);

	/* By arithmetic, as jp_proto_class(): one path into the walk, not
	 * one per protocol and outcome.  The ports of another protocol are
	 * read and dropped. */
	ok = jp_eq((__u64)bpf_skb_load_bytes(skb, off, ports, sizeof(ports)), 0);
	proto += (POL_PROTO_OTHER - proto) * (1 - ok);
	q->proto = (__u8)proto;
	q->port = (__u16)(bpf_ntohs(ports[1]) * (1 - jp_eq(proto, POL_PROTO_OTHER)));
}

/*
 * Backstop for sockets the sock_addr hooks do not see on every path: ICMP
 * ping sockets (sendto() does not run sendmsg4/6) and raw sockets.  Packets
 * of ordinary TCP and UDP sockets were judged at connect()/sendmsg() and
 * pass after two field loads.
 */
SEC("cgroup_skb/egress")
int jail_egress(struct __sk_buff *skb)
{
	struct pol_query q = {};
	struct jail_event *e;
	struct pol_result r;
	struct bpf_sock *sk;
	__u64 frag;
	int verdict;
	__u8 l4proto;

	sk = skb->sk;
	if (sk)
		sk = bpf_sk_fullsock(sk);
	if (sk) {
		__u32 type = sk->type, protocol = sk->protocol;

		if ((type == JP_SOCK_STREAM && protocol == IPPROTO_TCP) ||
		    (type == JP_SOCK_DGRAM && protocol == IPPROTO_UDP))
			return 1;
	}
	/* After the fast path: every generation passes those packets, so
	 * ordinary traffic does not pay for the lookup. */
	if (!jp_in_force(skb, &gen_egress, &verdict))
		return verdict;

	/* cgroup_skb sees the packet from its network header on. */
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)))
			return 1;
		q.family = 4;
		__builtin_memcpy(q.addr, &ip.daddr, 4);
		l4proto = ip.protocol;
		/* A later fragment has no L4 header: OTHER. */
		jp_l4(skb, (__u32)ip.ihl * 4, l4proto, &q);
		frag = 1 - jp_eq(ip.frag_off & bpf_htons(JP_IP_OFFSET), 0);
		q.proto = (__u8)(q.proto + (POL_PROTO_OTHER - q.proto) * frag);
		q.port = (__u16)(q.port * (1 - frag));
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)))
			return 1;
		q.family = 6;
		__builtin_memcpy(q.addr, &ip6.daddr, 16);
		/* Extension headers are not walked: such packets are OTHER. */
		l4proto = ip6.nexthdr;
		jp_l4(skb, sizeof(ip6), l4proto, &q);
	} else {
		return 1;
	}

	/* A TCP or UDP packet without a full socket (a SYN-ACK of a request
	 * socket, a time-wait ACK) belongs to a connection that was judged. */
	if (!sk && q.proto != POL_PROTO_OTHER)
		return 1;

	q.scope = POL_SCOPE_HOST;
	if (uses_scope && egress_netns_cookie)
		q.scope = (__u8)(1 - jp_eq(bpf_get_netns_cookie(skb), host_netns_cookie));

	pol_classify(NULL, &q, &r);
	e = jp_judged(&r, JAIL_EV_EGRESS, q.scope);
	if (e) {
		/* Egress may run in softirq context, for another task. */
		e->flags |= JAIL_EVF_NO_TASK;
		e->cgroup_id = bpf_skb_cgroup_id(skb);
		if (egress_netns_cookie)
			e->netns = bpf_get_netns_cookie(skb);
		jp_event_dest(e, &q);
	}
	return jp_verdict(&r);
}

/*
 * socket() of a raw or ping socket, as `socket` rules judge it (SOCK).
 * Every other socket is created before the generation is even looked at,
 * so ordinary sockets pay three field loads.  0 makes socket() fail with
 * EPERM.
 */
SEC("cgroup/sock_create")
int jail_sock_create(struct bpf_sock *ctx)
{
	__u32 family = ctx->family, scope = POL_SCOPE_HOST;
	struct jail_event *e;
	struct pol_result r;
	int kind, verdict;

	if (family != JP_AF_INET && family != JP_AF_INET6)
		return 1;
	kind = pol_sock_kind_of(ctx->type, ctx->protocol);
	if (kind < 0)
		return 1;
	if (!jp_in_force(ctx, &gen_sock_create, &verdict))
		return verdict;
	/* The socket's netns is the creating task's.  cgroup_sock programs
	 * have the helper since Linux 5.7, as sock_addr ones (probe.c). */
	if (uses_scope && bpf_get_netns_cookie(ctx) != host_netns_cookie)
		scope = POL_SCOPE_CONTAINER;
	pol_classify_sock(NULL, (__u32)kind, scope, &r);
	e = jp_judged(&r, JAIL_EV_SOCK_CREATE, scope);
	if (e) {
		jp_event_task(e);
		e->netns = bpf_get_netns_cookie(ctx);
		e->family = family == JP_AF_INET ? 4 : 6;
		e->proto = jp_proto_class(ctx->protocol);
		e->sock_kind = (__u8)kind;
		bpf_ringbuf_submit(e, 0);
	}
	return jp_verdict(&r);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
