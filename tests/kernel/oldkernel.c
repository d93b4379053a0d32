// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oldkernel.so - an LD_PRELOAD shim that makes this kernel look like one
 * before Linux 6.7 to a dynamically linked jail-ai-block: bpf() refuses
 * a program load whose expected attach type, and a link or attach whose
 * attach type, is one of the cgroup Unix socket hooks (49, 50), with
 * EINVAL, as a kernel that does not know the type does.  libbpf makes
 * every bpf() call through syscall(3), which this replaces.
 *
 *   LD_PRELOAD=build/tests/oldkernel.so build/jail-ai-block attach ...
 *
 * Every other call goes to the C library's syscall().
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

/* Not in older uapi headers. */
#define OLD_UNIX_CONNECT 49
#define OLD_UNIX_SENDMSG 50

long syscall(long number, ...);

static int unix_type(__u32 t)
{
	return t == OLD_UNIX_CONNECT || t == OLD_UNIX_SENDMSG;
}

/* The attach type a bpf() call names, from the bytes the caller passed;
 * 1 when it is a Unix socket hook. */
static int refused(long cmd, const union bpf_attr *attr, unsigned long size)
{
	if (!attr)
		return 0;
	switch (cmd) {
	case BPF_PROG_LOAD:
		return size >= offsetof(union bpf_attr, expected_attach_type) + 4 &&
		       unix_type(attr->expected_attach_type);
	case BPF_LINK_CREATE:
		return size >= offsetof(union bpf_attr, link_create.attach_type) + 4 &&
		       unix_type(attr->link_create.attach_type);
	case BPF_PROG_ATTACH:
	case BPF_PROG_DETACH:
		return size >= offsetof(union bpf_attr, attach_type) + 4 &&
		       unix_type(attr->attach_type);
	default:
		return 0;
	}
}

long syscall(long number, ...)
{
	static long (*real)(long, ...);
	long a[6];
	va_list ap;
	int i;

	/* syscall(3) takes up to six arguments; reading six is what the C
	 * library's own wrapper does. */
	va_start(ap, number);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (number == SYS_bpf && refused(a[0], (const union bpf_attr *)a[1], (unsigned long)a[2])) {
		errno = EINVAL;
		return -1;
	}
	if (!real)
		real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
