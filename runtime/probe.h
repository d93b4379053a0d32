/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * probe.h - what the kernel must offer before the runtime loads anything.
 */
#ifndef JAILPOL_PROBE_H
#define JAILPOL_PROBE_H

#include <stddef.h>

#include "tables.h"

/* Attach types of the cgroup Unix socket hooks (Linux 6.7), which
 * older uapi headers do not name. */
#define JP_ATTACH_UNIX_CONNECT 49 /* BPF_CGROUP_UNIX_CONNECT */
#define JP_ATTACH_UNIX_SENDMSG 50 /* BPF_CGROUP_UNIX_SENDMSG */

/*
 * Check that the kernel can run jailpol: BPF, cgroup sock_addr and
 * cgroup_skb programs, LPM trie maps, bpf_link for cgroups.  0, or
 * -EOPNOTSUPP (-EPERM without the privilege to ask) with err naming
 * exactly what is missing.
 */
int jp_probe_kernel(char *err, size_t errlen);

/*
 * Check that the kernel has what policy t needs beyond jp_probe_kernel():
 * for `unix` rules the cgroup Unix socket hooks (Linux 6.7+) and kernel
 * BTF (unix.bpf.c needs it).  0, or -EOPNOTSUPP with err naming the
 * policy (name) and what is missing.  Run it before loading anything, so
 * a policy the kernel cannot enforce attaches nothing.
 */
int jp_probe_policy(const struct pol_tables *t, const char *name, char *err, size_t errlen);

#endif /* JAILPOL_PROBE_H */
