/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * jail_gen.h - the generation switch (jail_abi.h) as BPF code, for every
 * object whose programs are a jail's hooks: jail.bpf.c, and unix.bpf.c,
 * which needs kernel BTF and so is an object of its own.  The runtime
 * hands every object of a jail the same jail_ctl map (bpf_map__reuse_fd),
 * so one write of it switches every hook of all of them.
 *
 * The includer includes <linux/bpf.h> and <bpf/bpf_helpers.h> first.
 */
#ifndef JAILPOL_JAIL_GEN_H
#define JAILPOL_JAIL_GEN_H

#include "jail_abi.h"

/* The generation in force (jail_abi.h); shared by every generation and
 * every object of the jail. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct jail_ctl);
} jail_ctl SEC(".maps");

/* A hook's programs by generation slot (jail_abi.h).  One array per
 * hook: the kernel lets a program tail-call only programs of its own
 * type and attach type. */
#define GEN_PROGS(name)                                \
	struct {                                       \
		__uint(type, BPF_MAP_TYPE_PROG_ARRAY); \
		__uint(max_entries, JAIL_GEN_SLOTS);   \
		__type(key, __u32);                    \
		__type(value, __u32);                  \
	} name SEC(".maps")

/* This load's generation, >= 1; set by the loader before load. */
const volatile __u32 jail_gen;

/*
 * 1 when this generation is in force and judges.  Otherwise the tail call
 * runs the program in force, whose verdict is final; it returns only when
 * there is none for this hook, and then the call is allowed (0 and
 * *verdict set), as it was before this generation.  jail_ctl cannot be
 * missing (an ARRAY); if it were, the call is refused.
 */
static __always_inline int jp_in_force(void *ctx, void *progs, int *verdict)
{
	struct jail_ctl *c;
	__u32 key = 0, gen;

	c = bpf_map_lookup_elem(&jail_ctl, &key);
	if (!c) {
		*verdict = 0;
		return 0;
	}
	gen = c->gen;
	if (gen == jail_gen)
		return 1;
	if (gen != JAIL_GEN_NONE)
		bpf_tail_call(ctx, progs, gen % JAIL_GEN_SLOTS);
	*verdict = 1;
	return 0;
}

#endif /* JAILPOL_JAIL_GEN_H */
