// SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause)
/*
 * unix.bpf.c - the jail's Unix socket hooks: cgroup sock_addr programs
 * that judge every connect() and every sendmsg() with an address of the
 * cgroup's AF_UNIX sockets (Linux 6.7+), by the policy's `unix` rules.
 *
 * The name is sun_path as connect() or sendmsg() passed it, read from
 * the kernel's copy of the address (bpf_sock_addr_kern), and run through
 * the policy's DFA (classify.h, pol_classify_unix(); policy_abi.h has the
 * tables).  Return 1 lets the call through; 0 makes it fail with EPERM.
 *
 * An object of its own, not part of jail.bpf.c: reading the address
 * needs kernel BTF (bpf_cast_to_kern_ctx(), bpf_rdonly_cast() of a kernel
 * type, CO-RE field offsets), and libbpf would refuse the whole object
 * on a kernel without it; the jail's other hooks need none.  The runtime
 * loads it only for a policy with Unix rules, with the jail's jail_ctl
 * map (jail_gen.h), so its hooks switch generation with the others.
 */
#include <linux/bpf.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "jail_gen.h"
#include "policy_abi.h"

/* The kernel types read here, by name (CO-RE, as in revoke.bpf.c). */
struct sockaddr;

struct sockaddr_un {
	unsigned short sun_family;
	char sun_path[POL_UNIX_NAME_MAX];
} __attribute__((preserve_access_index));

struct bpf_sock_addr_kern {
	struct sockaddr *uaddr;
	__u32 uaddrlen; /* the whole address, sun_family included */
} __attribute__((preserve_access_index));

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

GEN_PROGS(gen_connect_unix);
GEN_PROGS(gen_sendmsg_unix);

/* Set by the loader before load. */
const volatile __u64 host_netns_cookie; /* SO_NETNS_COOKIE of the host netns */
const volatile __u32 uses_scope;        /* POL_CF_USES_SCOPE */
const volatile __u32 unix_classes;      /* pol_unix_consts.n_classes, >= 1 */

/* UNIX_DFA: byte classes, then transitions (policy_abi.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* sized by the loader */
	__type(key, __u32);
	__type(value, __u32);
} pol_unix_dfa SEC(".maps");

/* UNIX_ACC: the verdict of a final state, by netns scope. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pol_dec_val);
} pol_unix_acc SEC(".maps");

static __always_inline const __u32 *jp_unix_dfa(__u32 i)
{
	return bpf_map_lookup_elem(&pol_unix_dfa, &i);
}

static __always_inline const struct pol_dec_val *jp_unix_acc(__u32 i)
{
	return bpf_map_lookup_elem(&pol_unix_acc, &i);
}

#define POL_LOOKUP_UNIX_DFA(ctx, i) jp_unix_dfa(i)
#define POL_LOOKUP_UNIX_ACC(ctx, i) jp_unix_acc(i)
#define POL_UNIX_CLASSES(ctx) unix_classes
#define POL_UNIX_LOOP(n, fn, w) bpf_loop((n), (fn), (w), 0)
#include "classify.h"
#include "jail_events.h"

/* Bytes of sun_path read as whole words: 13 of 8 bytes, then 4. */
#define JP_PATH_WORDS 13
_Static_assert(JP_PATH_WORDS * 8 + 4 == POL_UNIX_NAME_MAX, "sun_path is read as 13 u64 + 1 u32");

static __always_inline int jp_unix(struct bpf_sock_addr *ctx, void *progs, __u8 hook)
{
	struct bpf_sock_addr_kern *sa = bpf_cast_to_kern_ctx(ctx);
	struct pol_unix_query q = {};
	const struct sockaddr_un *sun;
	struct jail_event *e;
	struct pol_result r;
	const char *path;
	__u32 len, k;
	int verdict;

	if (!jp_in_force(ctx, progs, &verdict))
		return verdict;

	/* The kernel checked the length (unix_validate_addr()) before the
	 * hook: 2 < uaddrlen <= sizeof(struct sockaddr_un). */
	len = sa->uaddrlen;
	if (len <= 2)
		return 0;
	len -= 2;
	if (len > POL_UNIX_NAME_MAX)
		len = POL_UNIX_NAME_MAX;
	q.len = (__u16)len;

	/* A read-only, untrusted view of the kernel's copy of the address
	 * (a sockaddr_storage: the 110 bytes are always there).  The
	 * verifier takes constant offsets only, so the name is copied in
	 * whole words, unrolled; bytes past len are never judged. */
	sun = bpf_rdonly_cast(sa->uaddr, bpf_core_type_id_kernel(struct sockaddr_un));
	path = sun->sun_path;
#pragma unroll
	for (k = 0; k < JP_PATH_WORDS; k++) {
		__u64 w = *(const __u64 *)(path + 8 * k);

		__builtin_memcpy(&q.name[8 * k], &w, 8);
	}
	{
		__u32 w = *(const __u32 *)(path + 8 * JP_PATH_WORDS);

		__builtin_memcpy(&q.name[8 * JP_PATH_WORDS], &w, 4);
	}

	/* Without scoped rules both scopes hold the same verdicts. */
	q.scope = POL_SCOPE_HOST;
	if (uses_scope && bpf_get_netns_cookie(ctx) != host_netns_cookie)
		q.scope = POL_SCOPE_CONTAINER;

	pol_classify_unix(NULL, &q, &r);
	e = jp_judged(&r, hook, q.scope);
	if (e) {
		jp_event_task(e);
		e->netns = bpf_get_netns_cookie(ctx);
		e->name_len = q.len;
		__builtin_memcpy(e->name, q.name, sizeof(e->name));
		bpf_ringbuf_submit(e, 0);
	}
	return jp_verdict(&r);
}

/* Attach type BPF_CGROUP_UNIX_CONNECT: libbpf before 1.3 does not know
 * the section name, so the runtime sets the program type and attach
 * type itself. */
SEC("cgroup/connect_unix")
int jail_connect_unix(struct bpf_sock_addr *ctx)
{
	return jp_unix(ctx, &gen_connect_unix, JAIL_EV_CONNECT_UNIX);
}

/* BPF_CGROUP_UNIX_SENDMSG: sendmsg() with an address, on a socket
 * connected or not; without one it is not run. */
SEC("cgroup/sendmsg_unix")
int jail_sendmsg_unix(struct bpf_sock_addr *ctx)
{
	return jp_unix(ctx, &gen_sendmsg_unix, JAIL_EV_SENDMSG_UNIX);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
