/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * probe.h - what the kernel must offer before the runtime loads anything.
 */
#ifndef JAILPOL_PROBE_H
#define JAILPOL_PROBE_H

#include <stddef.h>

/*
 * Check that the kernel can run jailpol: BPF, cgroup sock_addr and
 * cgroup_skb programs, LPM trie maps, bpf_link for cgroups.  0, or
 * -EOPNOTSUPP (-EPERM without the privilege to ask) with err naming
 * exactly what is missing.
 */
int jp_probe_kernel(char *err, size_t errlen);

#endif /* JAILPOL_PROBE_H */
