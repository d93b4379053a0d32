/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * pol_maps.h - the policy's three tables as BPF maps, and the classifier
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

/* Address -> decision ids; the runtime adds the host addresses as /32. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1); /* sized by the loader */
	__type(key, struct pol_lpm4_key);
	__type(value, struct pol_addr_val);
} pol_lpm4 SEC(".maps");

/* Same for IPv6, host addresses as /128. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__type(key, struct pol_lpm6_key);
	__type(value, struct pol_addr_val);
} pol_lpm6 SEC(".maps");

/* (decision id, selector, port block) -> verdict. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__type(key, struct pol_dec_key);
	__type(value, struct pol_dec_val);
} pol_dec SEC(".maps");

#define POL_LOOKUP_LPM4(ctx, k) ((const struct pol_addr_val *)bpf_map_lookup_elem(&pol_lpm4, (k)))
#define POL_LOOKUP_LPM6(ctx, k) ((const struct pol_addr_val *)bpf_map_lookup_elem(&pol_lpm6, (k)))
#define POL_LOOKUP_DEC(ctx, k) ((const struct pol_dec_val *)bpf_map_lookup_elem(&pol_dec, (k)))
#include "classify.h"

#endif /* JAILPOL_POL_MAPS_H */
