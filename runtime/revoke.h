/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * revoke.h - destroy the jailed cgroup's sockets that were connected,
 * before a policy came into force, to a destination that policy denies.
 *
 * The hooks judge connect() and sendmsg(); a TCP connection or a connected
 * UDP socket made before the attach, or before a replace that tightened
 * the policy, never meets them again.  Right after a generation's switch
 * the loader calls jp_revoke_sockets() with that generation's tables: BPF
 * socket iterators (bpf/templates/revoke.bpf.c) judge every connected TCP
 * and UDP socket of the cgroup and its descendants with the same
 * classifier and destroy the denied ones with bpf_sock_destroy() (Linux
 * 6.5+); the application's next read or write fails with ECONNABORTED.
 *
 * An iterator walks the sockets of the network namespace it is created in,
 * so every distinct netns a thread of the cgroup's subtree is in is swept,
 * and the runtime's own.  The runtime's thread never leaves its netns: a
 * helper thread enters each other one (setns() changes the calling thread
 * only), creates and runs the iterators there, and exits.
 *
 * Not revoked (docs/security.md): listening sockets; connections accepted
 * from a listener of the jail (no connect hook judged them either); sockets
 * created outside the cgroup and passed in or carried in; sockets of a
 * netns no thread of the subtree is in.
 */
#ifndef JAILPOL_REVOKE_H
#define JAILPOL_REVOKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pol_range_layout;

struct jp_revoke_opts {
	int addr_fd; /* the tables of the generation now in force */
	int hosts_fd;
	int dec_fd;
	const struct pol_range_layout *layout; /* of the address table */
	uint64_t host_netns_cookie;            /* as the hooks were given it */
	bool uses_scope;                       /* POL_CF_USES_SCOPE */
	int cgroup_fd;                         /* the jailed cgroup, O_RDONLY|O_DIRECTORY */
	uint64_t cgroup_id;
};

struct jp_revoke_result {
	uint32_t revoked; /* sockets destroyed */
	uint32_t netns;   /* network namespaces swept */
};

/*
 * Sweep and destroy.  0 when every netns found was swept.  -EOPNOTSUPP
 * when the kernel cannot destroy sockets (no kernel BTF, or no
 * bpf_sock_destroy()): nothing was swept, err names the missing feature.
 * Another -errno: err names the first failure; the other namespaces were
 * swept all the same and *r counts what was done.  A thread or process
 * that exits meanwhile is not a failure.
 */
int jp_revoke_sockets(const struct jp_revoke_opts *o, struct jp_revoke_result *r, char *err,
		      size_t errlen);

#endif /* JAILPOL_REVOKE_H */
