/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup.h - finding the cgroup v2 tree, checking a cgroup a user names,
 * creating and removing the cgroups `exec` runs commands in.
 */
#ifndef JAILPOL_CGROUP_H
#define JAILPOL_CGROUP_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct jp_cgroup {
	char abs[PATH_MAX]; /* absolute path */
	char rel[PATH_MAX]; /* path under the cgroup2 mount, "/" for the root */
	int fd;             /* O_RDONLY | O_DIRECTORY | O_CLOEXEC, or -1 */
	uint64_t id;        /* the kernel's cgroup id */
};

/* The cgroup v2 mount point, from /proc/self/mountinfo (it may be
 * /sys/fs/cgroup or, beside v1 controllers, /sys/fs/cgroup/unified).
 * 0, or -ENOENT with err saying there is no cgroup v2. */
int jp_cgroup2_mount(char *out, size_t len, char *err, size_t errlen);

/*
 * Open the cgroup named by path: relative to the cgroup2 mount; or
 * absolute, "/a/b", which is a file system path when it is a directory
 * there and else a path under the mount (the form /proc/PID/cgroup and
 * status print).  Refuses a path that does not exist, is not a
 * directory, or lies outside the cgroup v2 tree.  0 or -errno with err
 * naming the path.
 */
int jp_cgroup_open(const char *mount, const char *path, struct jp_cgroup *out, char *err,
		   size_t errlen);

/*
 * The live cgroup whose id is id: 0 and its path under the mount in rel
 * ("/" for the root); -ESTALE when no cgroup has that id (it was removed:
 * ids are not reused), -errno otherwise (-EPERM without
 * CAP_DAC_READ_SEARCH).  The kernel's answer, not a path's.
 */
int jp_cgroup_by_id(const char *mount, uint64_t id, char *rel, size_t len);

/* The cgroup v2 path (under the mount) of a running process. */
int jp_cgroup_of_pid(pid_t pid, char *rel, size_t len, char *err, size_t errlen);

/* Create a fresh cgroup "<parent>/<prefix>-<pid>-<n>" and open it. */
int jp_cgroup_create(const char *mount, const char *parent, const char *prefix,
		     struct jp_cgroup *out, char *err, size_t errlen);

/* Kill every process left in the cgroup, wait until it is empty, and
 * remove it.  0 or -errno. */
int jp_cgroup_destroy(struct jp_cgroup *cg);

/* Close the fd; accepts a zeroed or closed cgroup. */
void jp_cgroup_close(struct jp_cgroup *cg);

#endif /* JAILPOL_CGROUP_H */
