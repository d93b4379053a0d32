/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * ranges.h - the address table of policy_abi.h (struct pol_range_layout),
 * built from a policy's LPM4 and LPM6 entries: what the BPF templates
 * search in the kernel and lib/tables.c in user space.
 */
#ifndef JAILPOL_RANGES_H
#define JAILPOL_RANGES_H

#include <stdint.h>

#include "../bpf/templates/policy_abi.h"

/*
 * Cut the address space of each family into the disjoint ranges the
 * entries' longest matches make (lpm4 and lpm6 sorted as policy.bin has
 * them, each with a /0 root entry), and lay them out with their directory
 * (policy_abi.h).  On success *words (malloc'd, layout->n_words of them) and
 * *layout are set and 0 is returned; else -ENOMEM, or -EINVAL for entries
 * without a root or out of order, and nothing is set.  O(n log n) for n
 * entries.
 */
int pol_ranges_build(const struct pol_lpm4_entry *lpm4, uint32_t n4,
		     const struct pol_lpm6_entry *lpm6, uint32_t n6, __u64 **words,
		     struct pol_range_layout *layout);

#endif /* JAILPOL_RANGES_H */
