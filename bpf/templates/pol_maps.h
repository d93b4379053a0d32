/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * pol_maps.h - the policy's tables as BPF maps, and the classifier
 * (classify.h) over them, for every BPF object that judges a destination:
 * the jail's hooks (jail.bpf.c) and the socket iterators that revoke what
 * the hooks never judged (revoke.bpf.c).  The runtime fills the maps from
 * policy.bin (policy_abi.h has the layout) for one generation, and hands
 * the same maps to that generation's iterators by fd, so both objects run
 * the same lookups over the same tables.
 *
 * The includer includes <linux/bpf.h> and <bpf/bpf_helpers.h> first.
 */
#ifndef JAILPOL_POL_MAPS_H
#define JAILPOL_POL_MAPS_H

#include "policy_abi.h"

/* The address table (policy_abi.h, struct pol_range_layout) in 64-bit
 * words.  Mmapable, so the runtime fills it with one copy. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1); /* sized by the loader */
	__type(key, __u32);
	__type(value, __u64);
} pol_addr SEC(".maps");

/* Its layout, set by the loader before load. */
const volatile struct pol_range_layout pol_layout;

/* The host set: the runtime's record map (runtime/hostset.h), reused by
 * fd; an address is a host address while it has a record. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct pol_host_key);
	__uint(value_size, 12);
} pol_hosts SEC(".maps");

/* (decision id, selector, port block) -> verdict. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__type(key, struct pol_dec_key);
	__type(value, struct pol_dec_val);
} pol_dec SEC(".maps");

static __always_inline const __u64 *pol_addr_word(__u32 i)
{
	return bpf_map_lookup_elem(&pol_addr, &i);
}

#define POL_ADDR_WORD(ctx, i) pol_addr_word(i)
#define POL_ADDR_LAYOUT(ctx) (&pol_layout)
#define POL_IS_HOST(ctx, k) (bpf_map_lookup_elem(&pol_hosts, (k)) != NULL)
#define POL_LOOKUP_DEC(ctx, k) ((const struct pol_dec_val *)bpf_map_lookup_elem(&pol_dec, (k)))
#include "classify.h"

#endif /* JAILPOL_POL_MAPS_H */
