/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * probe.c - check, before loading anything, that the kernel can run the
 * jail, and say plainly what it lacks.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "probe.h"

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/*
 * Privilege first: libbpf's feature probes report "unsupported" for a
 * permission error, which would blame the kernel for a missing capability.
 * A tiny array map needs CAP_BPF, as everything else the runtime does.
 */
static int probe_privilege(char *err, size_t errlen)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "jailpol_probe", 4, 4, 1, NULL);
	int ret;

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	ret = -errno;
	if (ret == -EPERM || ret == -EACCES) {
		snprintf(err, errlen, "need root (CAP_BPF and CAP_NET_ADMIN) to load BPF programs");
		return -EPERM;
	}
	if (ret == -ENOSYS) {
		snprintf(err, errlen, "this kernel has no bpf() system call (CONFIG_BPF_SYSCALL?)");
		return -EOPNOTSUPP;
	}
	snprintf(err, errlen, "cannot create a BPF map: %s", strerror(-ret));
	return ret;
}

static int probe_features(char *err, size_t errlen)
{
	int ret;

	ret = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, NULL);
	if (ret != 1) {
		snprintf(
			err, errlen,
			"this kernel cannot run cgroup sock_addr BPF programs (CONFIG_CGROUP_BPF?)");
		return -EOPNOTSUPP;
	}
	ret = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_CGROUP_SKB, NULL);
	if (ret != 1) {
		snprintf(err, errlen,
			 "this kernel cannot run cgroup_skb BPF programs (CONFIG_CGROUP_BPF?)");
		return -EOPNOTSUPP;
	}
	ret = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_LPM_TRIE, NULL);
	if (ret != 1) {
		snprintf(err, errlen, "this kernel has no BPF LPM trie maps (Linux 4.11+)");
		return -EOPNOTSUPP;
	}
	ret = libbpf_probe_bpf_helper(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_FUNC_get_netns_cookie,
				      NULL);
	if (ret != 1) {
		snprintf(err, errlen,
			 "this kernel lacks bpf_get_netns_cookie() in cgroup sock_addr programs "
			 "(Linux 5.7+)");
		return -EOPNOTSUPP;
	}
	/*
	 * bpf_link for cgroups (Linux 5.7+): a LINK_CREATE with no program is
	 * refused with EBADF by a kernel that knows the command, EINVAL by one
	 * that does not.
	 */
	ret = bpf_link_create(-1, -1, BPF_CGROUP_INET4_CONNECT, NULL);
	if (ret >= 0) {
		close(ret);
		return 0;
	}
	if (errno == EINVAL) {
		snprintf(err, errlen,
			 "this kernel cannot attach cgroup BPF programs through "
			 "bpf_link (Linux 5.7+)");
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * 1 if the kernel loads a cgroup sock_addr program of this attach type,
 * 0 if it refuses it as unknown (EINVAL, as kernels before the type do),
 * -errno else.  The program is "return 1".
 */
static int probe_sock_addr_attach(int attach_type)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, lo, .expected_attach_type = attach_type);
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, "jailpol_probe", "GPL", insns,
			   sizeof(insns) / sizeof(insns[0]), &lo);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return errno == EINVAL ? 0 : -errno;
}

#define JP_KERNEL_BTF "/sys/kernel/btf/vmlinux"

int jp_probe_policy(const struct pol_tables *t, const char *name, char *err, size_t errlen)
{
	static const struct {
		int type;
		const char *hook;
	} unix_hooks[] = {
		{ JP_ATTACH_UNIX_CONNECT, "cgroup/connect_unix" },
		{ JP_ATTACH_UNIX_SENDMSG, "cgroup/sendmsg_unix" },
	};
	libbpf_print_fn_t old_print;
	struct btf *btf;
	size_t k;
	int ret;

	if (!(t->consts.flags & POL_CF_USES_UNIX))
		return 0;
	for (k = 0; k < sizeof(unix_hooks) / sizeof(unix_hooks[0]); k++) {
		ret = probe_sock_addr_attach(unix_hooks[k].type);
		if (ret == 1)
			continue;
		if (ret == 0)
			snprintf(err, errlen,
				 "policy '%s' has Unix socket rules, but this kernel has no %s "
				 "hook (Linux 6.7 or later): not attached",
				 name, unix_hooks[k].hook);
		else
			snprintf(err, errlen,
				 "policy '%s' has Unix socket rules, but probing the kernel's %s "
				 "hook failed: %s: not attached",
				 name, unix_hooks[k].hook, strerror(-ret));
		return ret == 0 ? -EOPNOTSUPP : ret;
	}
	/* Parsed, not just looked for (a few milliseconds, for Unix
	 * policies only): libbpf needs it whole for unix.bpf.o. */
	old_print = libbpf_set_print(silent);
	btf = btf__load_vmlinux_btf();
	libbpf_set_print(old_print);
	if (!btf) {
		snprintf(err, errlen,
			 "policy '%s' has Unix socket rules, but this kernel has no BTF ('%s', "
			 "CONFIG_DEBUG_INFO_BTF), which its Unix socket hooks need: not attached",
			 name, JP_KERNEL_BTF);
		return -EOPNOTSUPP;
	}
	btf__free(btf);
	return 0;
}

int jp_probe_kernel(char *err, size_t errlen)
{
	libbpf_print_fn_t old_print = libbpf_set_print(silent);
	int ret;

	ret = probe_privilege(err, errlen);
	if (!ret)
		ret = probe_features(err, errlen);
	libbpf_set_print(old_print);
	return ret;
}
