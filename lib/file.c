/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "file.h"

const char *pol_file_kind(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG:
		return NULL;
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	default:
		return "a special file";
	}
}

int pol_file_open(const char *path, struct stat *st)
{
	int fd, flags, err;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	/* Blocking reads again: a pipe given as /dev/stdin waits for its
	 * writer instead of failing with EAGAIN. */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0 || fstat(fd, st) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}
