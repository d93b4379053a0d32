/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

int jp_cgroup2_mount(char *out, size_t len, char *err, size_t errlen)
{
	char *line = NULL;
	size_t cap = 0;
	int ret = -ENOENT;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f) {
		snprintf(err, errlen, "cannot read /proc/self/mountinfo: %s", strerror(errno));
		return -errno;
	}
	while (getline(&line, &cap, f) > 0) {
		char *fields[16] = { 0 }, *save = NULL, *tok, *sep;
		int n = 0;

		/* "id parent maj:min root mountpoint opts [optional...] - fstype src super" */
		sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		*sep = '\0';
		for (tok = strtok_r(line, " ", &save); tok && n < 16;
		     tok = strtok_r(NULL, " ", &save))
			fields[n++] = tok;
		if (n < 5)
			continue;
		unescape(fields[4]);
		if (strlen(fields[4]) >= len)
			continue;
		strcpy(out, fields[4]);
		ret = 0;
		break;
	}
	free(line);
	fclose(f);
	if (ret)
		snprintf(err, errlen,
			 "no cgroup v2 mount in /proc/self/mountinfo: jailpol needs the unified "
			 "cgroup hierarchy (mount -t cgroup2 none /sys/fs/cgroup/unified)");
	return ret;
}

/* A file handle of the cgroup2 file system: on cgroup2 it is the 64-bit
 * cgroup id, the same the kernel reports in bpf_get_current_cgroup_id()
 * and bpftool. */
struct cgroup_fh {
	struct file_handle fh;
	uint64_t id;
};

static int cgroup_id(const char *path, uint64_t *id)
{
	struct cgroup_fh h = { .fh.handle_bytes = sizeof(uint64_t) };
	int mount_id;

	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0) < 0)
		return -errno;
	memcpy(id, h.fh.f_handle, sizeof(*id));
	return 0;
}

int jp_cgroup_open(const char *mount, const char *path, struct jp_cgroup *out, char *err,
		   size_t errlen)
{
	char joined[PATH_MAX], real[PATH_MAX], realmount[PATH_MAX];
	struct jp_cgroup cg = { .fd = -1 };
	size_t mlen;
	struct statfs sfs;
	struct stat st;
	int ret;

	/* "/a/b" is a file system path if it is a directory there, else a
	 * path under the mount, as /proc/PID/cgroup and status print it. */
	if (path[0] == '/' && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		ret = snprintf(joined, sizeof(joined), "%s", path);
	else
		ret = snprintf(joined, sizeof(joined), "%s%s%s", mount, path[0] == '/' ? "" : "/",
			       path);
	if (ret < 0 || (size_t)ret >= sizeof(joined)) {
		snprintf(err, errlen, "cgroup path '%.64s...' is too long", path);
		return -ENAMETOOLONG;
	}
	if (!realpath(joined, real)) {
		ret = -errno;
		if (ret == -ENOENT)
			snprintf(err, errlen, "no cgroup '%s' (looked for '%s')", path, joined);
		else
			snprintf(err, errlen, "cgroup '%s': %s", joined, strerror(errno));
		return ret;
	}
	if (!realpath(mount, realmount)) {
		ret = -errno;
		snprintf(err, errlen, "cgroup v2 mount '%s': %s", mount, strerror(errno));
		return ret;
	}
	mlen = strlen(realmount);
	if (strncmp(real, realmount, mlen) || (real[mlen] != '/' && real[mlen] != '\0') ||
	    statfs(real, &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		snprintf(err, errlen, "'%s' is not a cgroup in the cgroup v2 tree at '%s'", path,
			 realmount);
		return -EINVAL;
	}
	snprintf(cg.abs, sizeof(cg.abs), "%s", real);
	snprintf(cg.rel, sizeof(cg.rel), "%s", real[mlen] ? real + mlen : "/");
	cg.fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg.fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open cgroup '%s': %s", real, strerror(errno));
		return ret;
	}
	ret = cgroup_id(real, &cg.id);
	if (ret) {
		snprintf(err, errlen, "cannot get the id of cgroup '%s': %s", real, strerror(-ret));
		close(cg.fd);
		return ret;
	}
	*out = cg;
	return 0;
}

int jp_cgroup_by_id(const char *mount, uint64_t id, char *rel, size_t len)
{
	char link[64], abs[PATH_MAX];
	struct cgroup_fh h = { .fh.handle_bytes = sizeof(uint64_t) };
	int mount_id, mfd, fd, ret = 0;
	size_t mlen = strlen(mount);
	ssize_t n;

	/* The handle's type, from the mount's root. */
	if (name_to_handle_at(AT_FDCWD, mount, &h.fh, &mount_id, 0) < 0)
		return -errno;
	h.fh.handle_bytes = sizeof(uint64_t);
	memcpy(h.fh.f_handle, &id, sizeof(id));
	mfd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return -errno;
	/* ESTALE: no cgroup has this id any more (ids are never reused). */
	fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		ret = -errno;
	close(mfd);
	if (ret)
		return ret;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, abs, sizeof(abs) - 1);
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	abs[n] = '\0';
	if (strncmp(abs, mount, mlen) || (abs[mlen] != '/' && abs[mlen] != '\0'))
		return -EXDEV;
	if ((size_t)snprintf(rel, len, "%s", abs[mlen] ? abs + mlen : "/") >= len)
		return -ENAMETOOLONG;
	return 0;
}

int jp_cgroup_of_pid(pid_t pid, char *rel, size_t len, char *err, size_t errlen)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "process %d: %s", (int)pid,
			 errno == ENOENT ? "no such process" : strerror(errno));
		return ret;
	}
	/* The unified hierarchy's line is "0::/path". */
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (strlen(line + 3) < len) {
			strcpy(rel, line + 3);
			ret = 0;
		}
		break;
	}
	free(line);
	fclose(f);
	if (ret)
		snprintf(err, errlen, "process %d is in no cgroup v2 cgroup", (int)pid);
	return ret;
}

int jp_cgroup_create(const char *mount, const char *parent, const char *prefix,
		     struct jp_cgroup *out, char *err, size_t errlen)
{
	char dir[PATH_MAX], path[PATH_MAX + 64];
	struct jp_cgroup p;
	int ret, n;

	/* The parent must be a cgroup in the v2 tree; it may be created, but
	 * only inside that tree: check where it would go before mkdir. */
	if (parent[0] != '/')
		snprintf(dir, sizeof(dir), "%s/%s", mount, parent);
	else
		snprintf(dir, sizeof(dir), "%s", parent);
	if (access(dir, F_OK) < 0) {
		char up[PATH_MAX], *slash;

		snprintf(up, sizeof(up), "%s", dir);
		slash = strrchr(up, '/');
		if (slash && slash != up)
			*slash = '\0';
		ret = jp_cgroup_open(mount, up, &p, err, errlen);
		if (ret) {
			snprintf(
				err, errlen,
				"cannot create cgroup '%s': '%s' is not a cgroup in the cgroup v2 tree at '%s'",
				dir, up, mount);
			return ret;
		}
		jp_cgroup_close(&p);
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		ret = -errno;
		snprintf(err, errlen, "cannot create cgroup '%s': %s", dir, strerror(errno));
		return ret;
	}
	ret = jp_cgroup_open(mount, dir, &p, err, errlen);
	if (ret)
		return ret;
	for (n = 0; n < 100; n++) {
		snprintf(path, sizeof(path), "%s/%s-%d-%d", p.abs, prefix, (int)getpid(), n);
		if (mkdir(path, 0755) == 0)
			break;
		if (errno != EEXIST) {
			ret = -errno;
			snprintf(err, errlen, "cannot create cgroup '%s': %s", path,
				 strerror(errno));
			jp_cgroup_close(&p);
			return ret;
		}
	}
	jp_cgroup_close(&p);
	ret = jp_cgroup_open(mount, path, out, err, errlen);
	if (ret)
		rmdir(path);
	return ret;
}

static int write_file(const char *dir, const char *name, const char *val)
{
	char path[PATH_MAX + 32];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int populated(const char *dir)
{
	char path[PATH_MAX + 32], buf[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.events", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strstr(buf, "populated 1") != NULL;
}

int jp_cgroup_destroy(struct jp_cgroup *cg)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i;

	/* cgroup.kill (5.14+) takes every process, forks in flight included. */
	if (populated(cg->abs))
		write_file(cg->abs, "cgroup.kill", "1");
	for (i = 0; i < 500 && populated(cg->abs); i++)
		nanosleep(&ts, NULL);
	jp_cgroup_close(cg);
	if (rmdir(cg->abs) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

void jp_cgroup_close(struct jp_cgroup *cg)
{
	if (cg->fd >= 0)
		close(cg->fd);
	cg->fd = -1;
}
