/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * revoke.c - destroy the jailed cgroup's sockets connected, before the
 * policy in force, to what it denies (revoke.h has the contract).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "../bpf/templates/jail_abi.h"
#include "../bpf/templates/policy_abi.h"
#include "revoke.h"
#include "revoke.skel.h"
#include "vec.h"

enum { ITER_TCP, ITER_UDP, ITER_MAX };

/* A network namespace, by its nsfs inode. */
struct ns_id {
	dev_t dev;
	ino_t ino;
};

struct sweep {
	int link_fd[ITER_MAX];
	struct ns_id *seen;
	size_t n_seen, cap;
	uint32_t netns;
	int ret; /* the first failure, its message in err */
	char *err;
	size_t errlen;
};

static void sweep_fail(struct sweep *s, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void sweep_fail(struct sweep *s, int ret, const char *fmt, ...)
{
	va_list ap;

	if (s->ret)
		return;
	s->ret = ret;
	va_start(ap, fmt);
	vsnprintf(s->err, s->errlen, fmt, ap);
	va_end(ap);
}

/*
 * Why the iterators cannot load, when the kernel is the reason:
 * bpf_sock_destroy() is a kfunc, in the kernel's BTF or not there at all,
 * and the object needs that BTF for its CO-RE relocations too.  Asked
 * after a failed load only: libbpf parses the BTF for the load already,
 * and a second parse would double the sweep's cost.
 */
static int probe_kernel(char *err, size_t errlen)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int id;

	if (!btf) {
		snprintf(err, errlen,
			 "this kernel has no BTF (/sys/kernel/btf/vmlinux), which destroying "
			 "sockets with bpf_sock_destroy() needs (Linux 6.5+)");
		return -EOPNOTSUPP;
	}
	id = btf__find_by_name_kind(btf, "bpf_sock_destroy", BTF_KIND_FUNC);
	btf__free(btf);
	if (id < 0) {
		snprintf(err, errlen, "this kernel lacks bpf_sock_destroy() (Linux 6.5+)");
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Run both iterators in the calling thread's netns, to their end. */
static int run_iters(const int *link_fd)
{
	char buf[256];
	int k, fd, ret = 0;
	ssize_t n;

	for (k = 0; k < ITER_MAX && !ret; k++) {
		fd = bpf_iter_create(link_fd[k]);
		if (fd < 0)
			return -errno;
		/* Nothing is printed; EAGAIN: a million sockets without
		 * output, and the next read goes on from there. */
		while ((n = read(fd, buf, sizeof(buf))) != 0)
			if (n < 0 && errno != EINTR && errno != EAGAIN) {
				ret = -errno;
				break;
			}
		close(fd);
	}
	return ret;
}

struct ns_job {
	int ns_fd;
	const int *link_fd;
	int ret;
	bool entered;
};

static void *ns_thread(void *arg)
{
	struct ns_job *job = arg;

	if (setns(job->ns_fd, CLONE_NEWNET) < 0) {
		job->ret = -errno;
		return NULL;
	}
	job->entered = true;
	job->ret = run_iters(job->link_fd);
	return NULL;
}

/* Sweep the netns ns_fd refers to from a thread of its own, which exits
 * in it: this thread's netns never changes. */
static void sweep_ns(struct sweep *s, int ns_fd, const char *what)
{
	struct ns_job job = { ns_fd, s->link_fd, 0, false };
	pthread_t t;
	int ret;

	ret = pthread_create(&t, NULL, ns_thread, &job);
	if (ret) {
		sweep_fail(s, -ret,
			   "cannot start a thread to sweep the network namespace of %s: %s", what,
			   strerror(ret));
		return;
	}
	pthread_join(t, NULL);
	if (job.ret)
		sweep_fail(s, job.ret, "cannot sweep the network namespace of %s: %s: %s", what,
			   job.entered ? "socket iterator" : "setns", strerror(-job.ret));
	else
		s->netns++;
}

/* 1 if id was seen before; else remembers it and returns 0 (or -ENOMEM). */
static int seen(struct sweep *s, const struct stat *st)
{
	size_t i;

	for (i = 0; i < s->n_seen; i++)
		if (s->seen[i].dev == st->st_dev && s->seen[i].ino == st->st_ino)
			return 1;
	if (POL_GROW(s->seen, s->cap, s->n_seen + 1))
		return -ENOMEM;
	s->seen[s->n_seen].dev = st->st_dev;
	s->seen[s->n_seen].ino = st->st_ino;
	s->n_seen++;
	return 0;
}

/* The netns of thread tid, unless it was swept already. */
static void sweep_task(struct sweep *s, int tid)
{
	char path[64], what[32];
	struct stat st;
	int fd, ret;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		/* It exited since cgroup.threads was read. */
		if (errno != ENOENT && errno != ESRCH)
			sweep_fail(s, -errno, "cannot open '%s': %s", path, strerror(errno));
		return;
	}
	if (fstat(fd, &st) < 0) {
		sweep_fail(s, -errno, "cannot read '%s': %s", path, strerror(errno));
	} else if ((ret = seen(s, &st)) < 0) {
		sweep_fail(s, ret, "out of memory");
	} else if (!ret) {
		snprintf(what, sizeof(what), "thread %d", tid);
		sweep_ns(s, fd, what);
	}
	close(fd);
}

/* Every thread of the cgroup dir_fd and of those below it. */
static void sweep_cgroup(struct sweep *s, int dir_fd, int depth)
{
	struct dirent *de;
	DIR *dir;
	FILE *f;
	int fd, tid;

	fd = openat(dir_fd, "cgroup.threads", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		/* Removed since its parent was read. */
		if (errno != ENOENT && errno != ENODEV)
			sweep_fail(s, -errno, "cannot read cgroup.threads: %s", strerror(errno));
		return;
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		sweep_fail(s, -ENOMEM, "out of memory");
		return;
	}
	while (fscanf(f, "%d", &tid) == 1)
		sweep_task(s, tid);
	fclose(f);

	fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = fd < 0 ? NULL : fdopendir(fd);
	if (!dir) {
		if (fd >= 0)
			close(fd);
		if (errno != ENOENT && errno != ENODEV)
			sweep_fail(s, -errno, "cannot list a cgroup: %s", strerror(errno));
		return;
	}
	while ((de = readdir(dir))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (depth >= JAIL_REVOKE_DEPTH_MAX) {
			sweep_fail(s, -ELOOP, "cgroups more than %d levels below the jailed one",
				   JAIL_REVOKE_DEPTH_MAX);
			break;
		}
		fd = openat(dirfd(dir), de->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			if (errno != ENOENT && errno != ENODEV)
				sweep_fail(s, -errno, "cannot open cgroup '%s': %s", de->d_name,
					   strerror(errno));
			continue;
		}
		sweep_cgroup(s, fd, depth + 1);
		close(fd);
	}
	closedir(dir);
}

/* The iterators, sharing o's tables; NULL with *ret and err on failure. */
static struct revoke_bpf *load(const struct jp_revoke_opts *o, int *ret, char *err, size_t errlen)
{
	struct revoke_bpf *skel = revoke_bpf__open();

	if (!skel) {
		*ret = -errno;
		snprintf(err, errlen, "cannot open the socket iterators: %s", strerror(-*ret));
		return NULL;
	}
	skel->rodata->host_netns_cookie = o->host_netns_cookie;
	skel->rodata->uses_scope = o->uses_scope;
	skel->rodata->jail_cgroup_id = o->cgroup_id;
	skel->rodata->pol_layout = *o->layout;
	*ret = bpf_map__reuse_fd(skel->maps.pol_addr, o->addr_fd);
	if (!*ret)
		*ret = bpf_map__reuse_fd(skel->maps.pol_hosts, o->hosts_fd);
	if (!*ret)
		*ret = bpf_map__reuse_fd(skel->maps.pol_dec, o->dec_fd);
	if (*ret) {
		snprintf(err, errlen,
			 "cannot share the policy's maps with the socket iterators: %s",
			 strerror(-*ret));
		goto fail;
	}
	*ret = revoke_bpf__load(skel);
	if (*ret && probe_kernel(err, errlen) == -EOPNOTSUPP) {
		*ret = -EOPNOTSUPP;
		goto fail;
	}
	if (*ret) {
		snprintf(err, errlen,
			 "cannot load the socket iterators: %s; rerun with --debug for the "
			 "verifier log",
			 strerror(-*ret));
		goto fail;
	}
	return skel;
fail:
	revoke_bpf__destroy(skel);
	return NULL;
}

int jp_revoke_sockets(const struct jp_revoke_opts *o, struct jp_revoke_result *r, char *err,
		      size_t errlen)
{
	struct sweep s = { .link_fd = { -1, -1 }, .err = err, .errlen = errlen };
	struct bpf_link *link[ITER_MAX] = { NULL };
	struct revoke_bpf *skel = NULL;
	struct stat st;
	int k, fd, ret;

	memset(r, 0, sizeof(*r));
	err[0] = '\0';
	skel = load(o, &ret, err, errlen);
	if (!skel)
		return ret;
	for (k = 0; k < ITER_MAX; k++) {
		link[k] = bpf_program__attach_iter(k == ITER_TCP ? skel->progs.jail_revoke_tcp
								 : skel->progs.jail_revoke_udp,
						   NULL);
		if (!link[k]) {
			ret = -errno;
			snprintf(err, errlen, "cannot attach the %s socket iterator: %s",
				 k == ITER_TCP ? "TCP" : "UDP", strerror(-ret));
			goto cleanup;
		}
		s.link_fd[k] = bpf_link__fd(link[k]);
	}

	/* The runtime's own netns first, from this thread. */
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || (ret = seen(&s, &st)) < 0) {
		ret = ret < 0 ? ret : -errno;
		snprintf(err, errlen, "cannot read the runtime's network namespace: %s",
			 strerror(-ret));
		if (fd >= 0)
			close(fd);
		goto cleanup;
	}
	close(fd);
	ret = run_iters(s.link_fd);
	if (ret)
		sweep_fail(&s, ret, "cannot sweep the runtime's network namespace: %s",
			   strerror(-ret));
	else
		s.netns++;
	sweep_cgroup(&s, o->cgroup_fd, 0);
	ret = s.ret;

	r->revoked = skel->bss->revoked;
	r->netns = s.netns;
	if (!ret && skel->bss->destroy_failed) {
		ret = -EIO;
		snprintf(err, errlen, "bpf_sock_destroy() refused %u sockets",
			 skel->bss->destroy_failed);
	}
	if (!ret && skel->bss->too_deep) {
		ret = -ELOOP;
		snprintf(err, errlen,
			 "%u sockets are in cgroups more than %d levels deep and were not judged",
			 skel->bss->too_deep, JAIL_REVOKE_DEPTH_MAX);
	}
	if (!ret && skel->bss->listeners_lost) {
		ret = -ENOSPC;
		snprintf(err, errlen,
			 "more listening sockets than the %u the sweep remembers: connections "
			 "they accepted may have been revoked too",
			 bpf_map__max_entries(skel->maps.listeners));
	}
cleanup:
	for (k = 0; k < ITER_MAX; k++)
		bpf_link__destroy(link[k]);
	revoke_bpf__destroy(skel);
	free(s.seen);
	return ret;
}
