/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pins.c - pin names, paths and bpffs (pins.h has the layout).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include <bpf/bpf.h>

#include "pins.h"

/* Each hook's name, and its link pin "link_<name>", from one list. */
#define HOOKS(X)                                \
	X(JP_HOOK_CONNECT4, "connect4")         \
	X(JP_HOOK_CONNECT6, "connect6")         \
	X(JP_HOOK_SENDMSG4, "sendmsg4")         \
	X(JP_HOOK_SENDMSG6, "sendmsg6")         \
	X(JP_HOOK_EGRESS, "egress")             \
	X(JP_HOOK_CONNECT_UNIX, "connect_unix") \
	X(JP_HOOK_SENDMSG_UNIX, "sendmsg_unix") \
	X(JP_HOOK_SOCK_CREATE, "sock_create")
#define HOOK_NAME(h, name) [h] = name,
#define LINK_PIN(h, name) [h] = JP_PIN_LINK_PREFIX name,
#define GEN_PIN(h, name) [h] = JP_PIN_GEN_PREFIX name,

static const char *const hook_names[] = { HOOKS(HOOK_NAME) };
_Static_assert(sizeof(hook_names) / sizeof(hook_names[0]) == JP_HOOK_MAX,
	       "hook_names and enum jp_hook differ");

static const char *const link_pins[] = { HOOKS(LINK_PIN) };
static const char *const gen_pins[] = { HOOKS(GEN_PIN) };

static const char *const map_pins[] = {
	[JP_MAP_ADDR] = "map_addr",
	[JP_MAP_DEC] = "map_dec",
	[JP_MAP_HOSTS] = "map_hosts",
	[JP_MAP_COUNTS] = "map_counts",
};
_Static_assert(sizeof(map_pins) / sizeof(map_pins[0]) == JP_MAP_MAX,
	       "map_pins and enum jp_map differ");

const char *jp_hook_name(enum jp_hook h)
{
	return (unsigned int)h < JP_HOOK_MAX ? hook_names[h] : "?";
}

const char *jp_pin_link(enum jp_hook h)
{
	return (unsigned int)h < JP_HOOK_MAX ? link_pins[h] : "?";
}

const char *jp_pin_gen(enum jp_hook h)
{
	return (unsigned int)h < JP_HOOK_MAX ? gen_pins[h] : "?";
}

const char *jp_pin_map(enum jp_map m)
{
	return (unsigned int)m < JP_MAP_MAX ? map_pins[m] : "?";
}

int jp_pin_dir(uint64_t cgroup_id, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/" JP_PIN_DIR_PREFIX "%llu", JP_PIN_ROOT,
			 (unsigned long long)cgroup_id);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int jp_pin_path(char *buf, size_t len, const char *dir, const char *name, const char *suffix)
{
	int n = snprintf(buf, len, "%s/%s%s", dir, name, suffix);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int is_bpffs(const char *path)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC;
}

static int make_root(char *err, size_t errlen)
{
	int ret;

	if (mkdir(JP_PIN_ROOT, 0700) == 0 || errno == EEXIST)
		return 0;
	ret = -errno;
	snprintf(err, errlen, "cannot create '%s': %s", JP_PIN_ROOT, strerror(-ret));
	return ret;
}

/* PID 1's view of JP_BPFFS: what lasts as long as the host does. */
#define INIT_BPFFS "/proc/1/root" JP_BPFFS

/* The inode of the kernel's initial mount namespace in nsfs, on kernels
 * that give it a fixed one (PROC_MNT_INIT_INO); other namespaces' are
 * allocated from 0xF0000000 up, so it is never another's. */
#define MNT_NS_INIT_INO 0xEFFFFFF8u

/* 1 if this process's mount namespace is the host's (the kernel's first,
 * or PID 1's), 0 if not, -1 when it cannot tell (no /proc, no right to
 * look at PID 1). */
static int init_mount_ns(void)
{
	struct stat self, init;

	if (stat("/proc/self/ns/mnt", &self) < 0)
		return -1;
	if (self.st_ino == MNT_NS_INIT_INO)
		return 1;
	if (stat("/proc/1/ns/mnt", &init) < 0)
		return -1;
	return self.st_dev == init.st_dev && self.st_ino == init.st_ino;
}

/*
 * A jail lasts as long as the bpffs instance that holds its pins.  One
 * mounted in a private mount namespace (unshare -m, a container without
 * the host's /sys/fs/bpf) ends with that namespace, and the jail with it:
 * refuse to pin there.  The host's instance is PID 1's: ours must be the
 * same file system (st_dev), and one is mounted only into PID 1's own
 * mount namespace.  When PID 1 cannot be looked at, the check is not
 * made (the runtime then trusts /sys/fs/bpf as before).
 */
static int check_lasting(char *err, size_t errlen)
{
	struct stat here, init;

	if (stat(JP_BPFFS, &here) < 0 || stat(INIT_BPFFS, &init) < 0 || !is_bpffs(INIT_BPFFS))
		return 0;
	if (here.st_dev == init.st_dev)
		return 0;
	snprintf(err, errlen,
		 "'%s' is a bpffs of this mount namespace only, not the host's: a jail pinned "
		 "there would vanish with the namespace; run jail-ai-block in the host's mount "
		 "namespace, or bind the host's /sys/fs/bpf here",
		 JP_BPFFS);
	return -EXDEV;
}

int jp_pins_prepare(char *err, size_t errlen)
{
	int ret;

	if (!is_bpffs(JP_BPFFS)) {
		int host = init_mount_ns();

		if (host != 1) {
			snprintf(err, errlen,
				 "bpffs is not mounted at %s in this mount namespace, which %s the "
				 "host's: a bpffs mounted here could vanish with it, and the jail "
				 "too; mount it on the host ('mount -t bpf bpf %s') and run "
				 "jail-ai-block where the host's %s is",
				 JP_BPFFS, host ? "cannot be told to be" : "is not", JP_BPFFS,
				 JP_BPFFS);
			return -EXDEV;
		}
		if (mount("bpf", JP_BPFFS, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") <
		    0) {
			ret = -errno;
			snprintf(err, errlen,
				 "bpffs is not mounted at %s and mounting it failed: %s", JP_BPFFS,
				 strerror(-ret));
			return ret;
		}
	}
	ret = check_lasting(err, errlen);
	return ret ? ret : make_root(err, errlen);
}

int jp_pins_check(char *err, size_t errlen)
{
	if (is_bpffs(JP_BPFFS))
		return 0;
	snprintf(err, errlen,
		 "'%s' is not a bpffs mount; mount it with "
		 "'mount -t bpf bpf %s' and try again",
		 JP_BPFFS, JP_BPFFS);
	return -ENOTDIR;
}

int jp_pins_lock(char *err, size_t errlen)
{
	int fd = open(JP_PIN_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret;

	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open '%s': %s", JP_PIN_ROOT, strerror(-ret));
		return ret;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			ret = -errno;
			snprintf(err, errlen, "cannot lock '%s': %s", JP_PIN_ROOT, strerror(-ret));
			close(fd);
			return ret;
		}
	}
	return fd;
}

int jp_pin_dir_foreach(const char *dir, const char *prefix,
		       int (*fn)(const char *path, const char *name, void *arg), void *arg)
{
	size_t plen = strlen(prefix);
	char path[PATH_MAX];
	struct dirent *de;
	int ret = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -errno;
	while (!ret && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    strncmp(de->d_name, prefix, plen) ||
		    jp_pin_path(path, sizeof(path), dir, de->d_name, ""))
			continue;
		ret = fn(path, de->d_name, arg);
	}
	closedir(d);
	return ret;
}

static int unlink_entry(const char *path, const char *name, void *arg)
{
	(void)name;
	(void)arg;
	unlink(path);
	return 0;
}

void jp_pin_dir_remove(const char *dir)
{
	if (jp_pin_dir_foreach(dir, "", unlink_entry, NULL) == 0)
		rmdir(dir);
}

static int found(const char *path, const char *name, void *arg)
{
	(void)path;
	(void)name;
	(void)arg;
	return 1;
}

int jp_pin_dir_has_links(const char *dir)
{
	int ret = jp_pin_dir_foreach(dir, JP_PIN_LINK_PREFIX, found, NULL);

	return ret == -ENOENT ? 0 : ret;
}

int jp_pin_dir_create(const char *dir, char *err, size_t errlen)
{
	int ret = make_root(err, errlen);

	if (ret)
		return ret;
	jp_pin_dir_remove(dir);
	if (mkdir(dir, 0700) == 0)
		return 0;
	ret = -errno;
	snprintf(err, errlen, "cannot create '%s': %s", dir, strerror(-ret));
	return ret;
}

int jp_pin_obj(int fd, const char *dir, const char *name, const char *suffix, char *err,
	       size_t errlen)
{
	char path[PATH_MAX];
	int ret;

	ret = jp_pin_path(path, sizeof(path), dir, name, suffix);
	if (!ret && *suffix)
		unlink(path);
	if (!ret && bpf_obj_pin(fd, path) < 0)
		ret = -errno;
	if (ret)
		snprintf(err, errlen, "cannot pin '%s': %s", path, strerror(-ret));
	return ret;
}

int jp_pin_get(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (jp_pin_path(path, sizeof(path), dir, name, ""))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

void jp_pin_unlink(const char *dir, const char *name, const char *suffix)
{
	char path[PATH_MAX];

	if (!jp_pin_path(path, sizeof(path), dir, name, suffix))
		unlink(path);
}

int jp_pin_commit(const char *dir, const char *name, char *err, size_t errlen)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	int ret;

	ret = jp_pin_path(tmp, sizeof(tmp), dir, name, JP_PIN_NEW);
	if (!ret)
		ret = jp_pin_path(path, sizeof(path), dir, name, "");
	if (!ret && rename(tmp, path) == 0)
		return 0;
	if (!ret)
		ret = -errno;
	snprintf(err, errlen, "policy replaced, but '%s' could not be renamed to '%s': %s", tmp,
		 path, strerror(-ret));
	return ret;
}
