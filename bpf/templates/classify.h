/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * classify.h - the verdict for one destination, from the compiled tables.
 *
 * The same code runs in the BPF templates and in user space (jailpolc
 * --explain, the differential tests).  The includer defines the lookups of
 * the classifiers it uses before including this file; each returns a
 * pointer to the value or NULL.  For IP destinations (pol_classify()):
 *
 *   POL_ADDR_WORD(ctx, __u32 index)                  -> const __u64 *
 *   POL_ADDR_LAYOUT(ctx)                             -> const volatile struct pol_range_layout *
 *   POL_IS_HOST(ctx, const struct pol_host_key *)    -> nonzero for a host address
 *   POL_LOOKUP_DEC(ctx, const struct pol_dec_key *)  -> const struct pol_dec_val *
 *
 * the first over the address table (struct pol_range_layout, built from
 * the LPM4 and LPM6 sections by lib/ranges.c, policy_abi.h), the last with
 * longest-prefix-match semantics.  For Unix socket addresses
 * (pol_classify_unix()), over the UNIX_DFA and UNIX_ACC tables:
 *
 *   POL_LOOKUP_UNIX_DFA(ctx, __u32 index) -> const __u32 *
 *   POL_LOOKUP_UNIX_ACC(ctx, __u32 index) -> const struct pol_dec_val *
 *   POL_UNIX_CLASSES(ctx)                 -> __u32, pol_unix_consts.n_classes
 *
 * and for socket creation (pol_classify_sock()), over SOCK:
 *
 *   POL_LOOKUP_SOCK(ctx, __u32 index)     -> const struct pol_dec_val *
 *
 * In BPF these are bpf_map_lookup_elem() on LPM_TRIE and ARRAY maps; in
 * user space, lib/tables.c.  Code that needs only the query types,
 * pol_unmap(), pol_canonicalise() and the other helpers (lib/addr.c, the
 * reference evaluator, explain) defines POL_CLASSIFY_TYPES_ONLY instead.
 */
#ifndef JAILPOL_CLASSIFY_H
#define JAILPOL_CLASSIFY_H

#include "policy_abi.h"

#ifdef __bpf__
#include <bpf/bpf_endian.h>
#define pol_htons(x) bpf_htons(x)
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#else
#include <arpa/inet.h>
#define pol_htons(x) htons(x)
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#endif

#if !defined(POL_CLASSIFY_TYPES_ONLY) && !defined(POL_ADDR_WORD) && \
	!defined(POL_LOOKUP_UNIX_DFA) && !defined(POL_LOOKUP_SOCK)
#error "define the lookups of a classifier (or POL_CLASSIFY_TYPES_ONLY) before including classify.h"
#endif
#if defined(POL_ADDR_WORD) && \
	(!defined(POL_ADDR_LAYOUT) || !defined(POL_IS_HOST) || !defined(POL_LOOKUP_DEC))
#error "define POL_ADDR_WORD, POL_ADDR_LAYOUT, POL_IS_HOST and POL_LOOKUP_DEC together"
#endif
#if defined(POL_LOOKUP_UNIX_DFA) && (!defined(POL_LOOKUP_UNIX_ACC) || !defined(POL_UNIX_CLASSES))
#error "define POL_LOOKUP_UNIX_DFA, POL_LOOKUP_UNIX_ACC and POL_UNIX_CLASSES together"
#endif

/* Rule number reported when the tables are broken (a lookup missed): the
 * classifier then fails closed with POL_DENY. */
#define POL_RULE_NONE 0xffffffffu

/* One connection attempt. */
struct pol_query {
	__u8 family; /* 4 or 6 */
	__u8 proto;  /* enum pol_proto */
	__u8 scope;  /* enum pol_scope */
	__u8 reserved;
	__u16 port;    /* host byte order; ignored for POL_PROTO_OTHER */
	__u8 addr[16]; /* network order; IPv4 in addr[0..3] */
};

struct pol_result {
	__u32 rule;   /* deciding rule, 0 = default, POL_RULE_NONE = broken */
	__u8 verdict; /* enum pol_verdict */
	__u8 flags;   /* POL_RF_* */
	__u8 reached; /* 1: judged as the loopback an unspecified address reaches */
};

/*
 * The one canonicaliser: rewrite the IPv4-mapped ::ffff:a.b.c.d (family 6)
 * as the IPv4 a.b.c.d (family 4, addr[4..15] zero), in place.  User space
 * calls it through lib/addr.h's pol_addr_canonicalise().
 */
static __always_inline void pol_unmap(__u8 *family, __u8 *addr)
{
	int i;

	if (*family != 6)
		return;
	for (i = 0; i < 10; i++)
		if (addr[i])
			return;
	if (addr[10] != 0xff || addr[11] != 0xff)
		return;
	*family = 4;
	addr[0] = addr[12];
	addr[1] = addr[13];
	addr[2] = addr[14];
	addr[3] = addr[15];
	for (i = 4; i < 16; i++)
		addr[i] = 0;
}

/* Canonicalise a query in place (pol_unmap). */
static __always_inline void pol_canonicalise(struct pol_query *q)
{
	pol_unmap(&q->family, q->addr);
}

/* 1 if the canonical destination is 0.0.0.0 or ::. */
static __always_inline int pol_is_unspecified(const struct pol_query *q)
{
	int i, n = q->family == 4 ? 4 : 16;

	for (i = 0; i < 16; i++)
		if (i < n && q->addr[i])
			return 0;
	return 1;
}

/*
 * The unspecified-address rule, for the classifier and the reference
 * evaluator alike: if r allows q and q is 0.0.0.0 or ::, rewrite q as the
 * loopback address it reaches (127.0.0.1, ::1) and return 1, and the
 * caller judges q again; else 0.
 */
static __always_inline int pol_reaches_loopback(struct pol_query *q, const struct pol_result *r)
{
	if (r->verdict != POL_ALLOW || !pol_is_unspecified(q))
		return 0;
	if (q->family == 4)
		q->addr[0] = 127, q->addr[3] = 1;
	else
		q->addr[15] = 1;
	return 1;
}

/*
 * One Unix socket address, as connect() or sendmsg() passed it: name holds
 * sun_path (the bytes after sun_family), len how many of them the address
 * length covers.  pol_unix_canonicalise() makes it what the kernel judges.
 */
struct pol_unix_query {
	__u8 scope; /* enum pol_scope of the socket's netns */
	__u8 reserved;
	__u16 len; /* bytes of name: 1..POL_UNIX_NAME_MAX */
	__u8 name[POL_UNIX_NAME_MAX];
};

/*
 * The name the kernel looks up: an abstract name (name[0] == 0) is all len
 * bytes, NULs included; a path ends at its first NUL, as the kernel ends
 * it.  A len past sun_path is cut to it.
 */
static __always_inline void pol_unix_canonicalise(struct pol_unix_query *q)
{
	__u32 i;

	if (q->len > POL_UNIX_NAME_MAX)
		q->len = POL_UNIX_NAME_MAX;
	if (!q->len || !q->name[0])
		return;
	for (i = 1; i < POL_UNIX_NAME_MAX; i++) {
		if (i >= q->len)
			break;
		if (!q->name[i]) {
			q->len = (__u16)i;
			break;
		}
	}
}

/* The kind of an AF_INET or AF_INET6 socket of this type and protocol,
 * or -1 when no `socket` rule judges it. */
static __always_inline int pol_sock_kind_of(__u32 type, __u32 protocol)
{
	if (type == 3 /* SOCK_RAW */)
		return POL_SOCK_RAW;
	if (type == 2 /* SOCK_DGRAM */ &&
	    (protocol == 1 /* IPPROTO_ICMP */ || protocol == 58 /* IPPROTO_ICMPV6 */))
		return POL_SOCK_PING;
	return -1;
}

_Static_assert(POL_SCOPE_MAX == 2, "the Unix and socket tables index a scope as one bit");

/* A Unix or socket verdict from a table value; a missing one fails
 * closed. */
static __always_inline void pol_result_of(const struct pol_dec_val *dv, struct pol_result *r)
{
	r->rule = POL_RULE_NONE;
	r->verdict = POL_DENY;
	r->flags = 0;
	r->reached = 0;
	if (!dv)
		return;
	r->rule = dv->rule;
	r->verdict = dv->verdict;
	r->flags = dv->flags;
}

#if !defined(POL_CLASSIFY_TYPES_ONLY) && defined(POL_LOOKUP_UNIX_DFA)
/*
 * One walk of the Unix DFA: POL_UNIX_LOOP(n, fn, w) calls fn(i, w) for i
 * in 0..n-1 until fn returns 1.  In BPF it is bpf_loop() (Linux 5.17+;
 * the Unix hooks need 6.7), so the verifier checks one step, not every
 * length of name; in user space a plain loop.
 */
struct pol_unix_walk {
	void *ctx;
	struct pol_unix_query *q;
	__u32 n_classes;
	__u32 state;
	__u32 end;   /* bytes judged: the name's length, or its first NUL */
	__u8 path;   /* a path, ended by a NUL; not an abstract name */
	__u8 broken; /* a lookup missed: fail closed */
	__u8 reserved[2];
};

#ifndef POL_UNIX_LOOP
#define POL_UNIX_LOOP(n, fn, w)              \
	do {                                 \
		__u32 _i;                    \
		for (_i = 0; _i < (n); _i++) \
			if ((fn)(_i, (w)))   \
				break;       \
	} while (0)
#endif

static long pol_unix_step(__u32 i, void *data)
{
	struct pol_unix_walk *w = data;
	const __u32 *v;
	__u8 c;

	if (i >= POL_UNIX_NAME_MAX)
		return 1;
	c = w->q->name[i];
	if (!c && w->path) {
		w->end = i;
		return 1;
	}
	if (w->broken)
		return 0;
	v = POL_LOOKUP_UNIX_DFA(w->ctx, c);
	if (v)
		v = POL_LOOKUP_UNIX_DFA(w->ctx, POL_UNIX_BYTES + w->state * w->n_classes + *v);
	if (v)
		w->state = *v;
	else
		w->broken = 1;
	return 0;
}

/*
 * The verdict for the Unix address q (canonicalised in place, as
 * pol_unix_canonicalise() does): the DFA reads the name's bytes, one
 * class lookup and one transition per byte, and finds a path's end, its
 * first NUL, in the same walk.  Tables without a state 0 (a policy
 * without Unix rules) have nothing to decide: unmatched, allowed.
 */
static __always_inline void pol_classify_unix(void *ctx, struct pol_unix_query *q,
					      struct pol_result *r)
{
	struct pol_unix_walk w = { .ctx = ctx, .q = q, .n_classes = POL_UNIX_CLASSES(ctx) };

	if (!w.n_classes) {
		pol_unix_canonicalise(q);
		r->rule = POL_RULE_UNMATCHED;
		r->verdict = POL_ALLOW;
		r->flags = 0;
		r->reached = 0;
		return;
	}
	w.end = q->len;
	if (w.end > POL_UNIX_NAME_MAX)
		w.end = POL_UNIX_NAME_MAX;
	w.path = w.end && q->name[0];
	POL_UNIX_LOOP(w.end, pol_unix_step, &w);
	q->len = (__u16)w.end;
	if (w.broken)
		pol_result_of(NULL, r);
	else
		pol_result_of(POL_LOOKUP_UNIX_ACC(ctx, w.state * POL_SCOPE_MAX + (q->scope & 1)),
			      r);
}
#endif

#if !defined(POL_CLASSIFY_TYPES_ONLY) && defined(POL_LOOKUP_SOCK)
/* The verdict for creating a socket of kind (enum pol_sock_kind) in
 * netns scope. */
static __always_inline void pol_classify_sock(void *ctx, __u32 kind, __u32 scope,
					      struct pol_result *r)
{
	pol_result_of(POL_LOOKUP_SOCK(ctx, kind * POL_SCOPE_MAX + (scope & 1)), r);
}
#endif

#if !defined(POL_CLASSIFY_TYPES_ONLY) && defined(POL_ADDR_WORD)
/* 1 if a < b, as unsigned 64-bit numbers, by arithmetic alone: a
 * comparison the compiler makes a branch would split the verifier's path
 * at every step of the search. */
static __always_inline __u32 pol_lt(__u64 a, __u64 b)
{
	return (__u32)(((~a & b) | (~(a ^ b) & (a - b))) >> 63);
}

/*
 * Bits [c, c + w) of the 128-bit number hi:lo, 0 <= c < 128, 1 <= w <= 16,
 * c + w <= 128; by arithmetic alone, as pol_lt(): the 64 bits from bit c
 * (from the word c falls in and the next), then their top w.
 */
static __always_inline __u32 pol_bits(__u64 hi, __u64 lo, __u32 c, __u32 w)
{
	__u64 in_lo = 0 - (__u64)((c >> 6) & 1);
	__u64 a = (lo & in_lo) | (hi & ~in_lo), b = lo & ~in_lo;
	__u32 cc = c & 63;

	return (__u32)((a << cc | (b >> 1) >> (63 - cc)) >> (64 - w));
}

/*
 * Sets *val to the value of the range of family f (v6: IPv6) holding the
 * address hi:lo (IPv4 in the top 32 bits of hi): 0, or -1 when the table
 * is broken.  v6 is a constant where the caller knows the family
 * (connect4 verifies the IPv4 walk only).
 *
 * Inlined, so the verifier walks it once per path of its caller that
 * reaches it: a caller keeps those few (jail.bpf.c computes the protocol
 * class and scope without branches; connect6 had 36 paths and 125,000
 * instructions, now 42,800).  Not a global BPF function, which would be
 * verified once: the hooks tail-call (jail_gen.h), and the kernel loads a
 * program that mixes tail calls with BPF-to-BPF calls only where its JIT
 * can (x86-64, arm64 from Linux 6.0, never with the JIT off), and Linux
 * 5.14 on arm64 is a kernel jailpol supports.
 */
static __always_inline int pol_range_val(void *ctx, const struct pol_range_fam *f, const int v6,
					 __u32 vals, __u64 hi, __u64 lo, __u64 *val)
{
	__u32 bits = v6 ? 128 : 32, c = 0, w = f->root_bits, node = f->dir, k;
	__u32 lo_r = 0, hi_r = 0, over = 0, ref;
	const __u64 *e, *e1;
	int leaf = 0;

	if (w < 1 || w > POL_RANGE_ROOT_MAX)
		return -1;
	/* Bounded per family: an IPv4 walk is verified for 5 levels, not
	 * the 21 of IPv6.  A sub-directory reading past the address's last
	 * bit (a broken table) is found after the walk: a test in the loop
	 * would split the verifier's path at every level. */
	for (k = 0; k < (v6 ? POL_RANGE_LEVELS(128) : POL_RANGE_LEVELS(32)); k++) {
		__u32 j;

		over |= (bits - c - w) >> 31;
		j = pol_bits(hi, lo, c & 127, w);
		e = POL_ADDR_WORD(ctx, node + j);
		e1 = POL_ADDR_WORD(ctx, node + j + 1);
		if (!e || !e1)
			return -1;
		if (!(*e >> 32)) {
			lo_r = (__u32)*e;
			hi_r = (__u32)*e1;
			leaf = 1;
			break;
		}
		node = (__u32)(*e >> 32) & ((1u << POL_RANGE_SUB_SHIFT) - 1);
		c += w;
		w = ((__u32)(*e >> (32 + POL_RANGE_SUB_SHIFT)) & 15) + 1;
	}
	if (!leaf || over || hi_r < lo_r || hi_r - lo_r > POL_RANGE_LEAF_MAX)
		return -1;
	/*
	 * The last range in [lo_r, hi_r] that starts by the address (lo_r
	 * holds the bucket's first address, so it does): a fixed number of
	 * halvings, each choosing its half by mask, not by branch, so that
	 * the verifier sees one path through the search, not one per
	 * outcome.  It stops once one range is left.
	 */
	for (k = 0; k < POL_RANGE_STEPS; k++) {
		__u32 mid = lo_r + (hi_r - lo_r + 1) / 2, by, mask;

		if (lo_r == hi_r)
			break;

		if (!v6) {
			const __u64 *w4 = POL_ADDR_WORD(ctx, f->start + mid);

			if (!w4)
				return -1;
			by = 1 - pol_lt(hi, *w4 & 0xffffffff00000000ull);
		} else {
			const __u64 *sh = POL_ADDR_WORD(ctx, f->start + 2 * mid);
			const __u64 *sl = POL_ADDR_WORD(ctx, f->start + 2 * mid + 1);

			if (!sh || !sl)
				return -1;
			/* start <= hi:lo: start.hi < hi, or equal and start.lo <= lo */
			by = pol_lt(*sh, hi) |
			     ((1 - pol_lt(*sh, hi) - pol_lt(hi, *sh)) & (1 - pol_lt(lo, *sl)));
		}
		mask = 0u - by;
		lo_r = (mid & mask) | (lo_r & ~mask);
		hi_r = ((mid - 1) & ~mask) | (hi_r & mask);
	}
	if (lo_r != hi_r)
		return -1;
	/* The value reference: an IPv4 range's low 32 bits, an IPv6 one's
	 * half of a word; a direct decision id is the value itself. */
	e = POL_ADDR_WORD(ctx, v6 ? f->vidx + lo_r / 2 : f->start + lo_r);
	if (!e)
		return -1;
	ref = (__u32)(*e >> (v6 ? 32 * (lo_r & 1) : 0));
	if (ref & POL_DID_DIRECT) {
		*val = (__u64)ref << 32 | ref;
		return 0;
	}
	e = POL_ADDR_WORD(ctx, vals + ref);
	if (!e)
		return -1;
	*val = *e;
	return 0;
}

/* A big-endian 64-bit number from 8 bytes. */
static __always_inline __u64 pol_be64(const __u8 *b)
{
	__u64 v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/* The verdict of decision id did for q's protocol, scope and port: a
 * direct one holds it, another takes one DEC lookup. */
static __always_inline void pol_decide(void *ctx, const struct pol_query *q, __u32 did,
				       struct pol_result *r)
{
	const struct pol_dec_val *dv;
	struct pol_dec_key dk;

	if (did & POL_DID_DIRECT) {
		r->rule = did & POL_DID_RULE;
		r->verdict = did & POL_DID_ALLOW ? POL_ALLOW : POL_DENY;
		r->flags = did & POL_DID_LOG ? POL_RF_LOG : 0;
		return;
	}

	dk.prefixlen = POL_DEC_PREFIX_MAX;
	dk.did = did;
	dk.sel = POL_SEL(q->proto, q->scope);
	dk.zero = 0;
	dk.port = q->proto == POL_PROTO_OTHER ? 0 : pol_htons(q->port);
	dv = POL_LOOKUP_DEC(ctx, &dk);
	if (!dv)
		return;
	r->rule = dv->rule;
	r->verdict = dv->verdict;
	r->flags = dv->flags;
}

/* Two lookups: address -> decision id (a direct one is the verdict) ->
 * verdict. */
static __always_inline void pol_lookup(void *ctx, const struct pol_query *q, struct pol_result *r)
{
	/* Volatile: in BPF the layout is rodata the loader sets, which the
	 * compiler must read, not fold. */
	const volatile struct pol_range_layout *layout = POL_ADDR_LAYOUT(ctx);
	struct pol_range_fam f = { 0 };
	__u64 hi, lo = 0, val;
	__u32 did, host_did;
	int v6 = q->family != 4;

	r->rule = POL_RULE_NONE;
	r->verdict = POL_DENY;
	r->flags = 0;
	f.dir = layout->fam[v6].dir;
	f.root_bits = layout->fam[v6].root_bits;
	f.start = layout->fam[v6].start;
	f.vidx = layout->fam[v6].vidx;
	hi = pol_be64(q->addr);
	if (v6)
		lo = pol_be64(q->addr + 8);
	else
		hi &= 0xffffffff00000000ull;
	if (pol_range_val(ctx, &f, v6, layout->vals, hi, lo, &val))
		return;
	did = (__u32)val;
	host_did = (__u32)(val >> 32);
	if (did != host_did) {
		struct pol_host_key hk = { .family = v6 ? 6 : 4 };

		__builtin_memcpy(hk.addr, q->addr, 16);
		if (POL_IS_HOST(ctx, &hk))
			did = host_did;
	}
	pol_decide(ctx, q, did, r);
}

/*
 * The verdict for q (canonicalised in place).  An unspecified destination
 * reaches the local host through loopback, so it is allowed only if
 * 127.0.0.1 (or ::1) is allowed too: judged by the decision id of the
 * range holding that address, which the table keeps at hand (a loopback
 * address is never a host address), so a connect() walks the table once.
 */
static __always_inline void pol_classify(void *ctx, struct pol_query *q, struct pol_result *r)
{
	const volatile struct pol_range_layout *layout = POL_ADDR_LAYOUT(ctx);

	pol_canonicalise(q);
	pol_lookup(ctx, q, r);
	r->reached = 0;
	if (!pol_reaches_loopback(q, r))
		return;
	r->rule = POL_RULE_NONE;
	r->verdict = POL_DENY;
	r->flags = 0;
	pol_decide(ctx, q, layout->fam[q->family != 4].loopback_did, r);
	r->reached = 1;
}
#endif /* POL_ADDR_WORD */

#endif /* JAILPOL_CLASSIFY_H */
