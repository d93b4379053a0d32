/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * emit.c - the policy.bin writer.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/checksum.h"
#include "../lib/sha256.h"
#include "emit.h"

/* The structs are written as they are in memory; the format is
 * little-endian. */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "policy.bin is little-endian; this writer needs a little-endian host"
#endif

#define ALIGN8(x) (((x) + 7) & ~(size_t)7)

static void set_section(struct pol_section *s, uint32_t type, uint32_t entry_size, uint32_t count)
{
	s->type = type;
	s->entry_size = entry_size;
	s->count = count;
}

int pol_emit(struct pol_tables *t, void **buf, size_t *len)
{
	struct pol_section sec[POL_SEC_MAX - 1];
	const void *data[POL_SEC_MAX - 1];
	struct pol_file_header *h;
	size_t off, total;
	uint8_t *b;
	int i;

	memset(sec, 0, sizeof(sec));
	set_section(&sec[0], POL_SEC_CONSTS, sizeof(t->consts), 1);
	data[0] = &t->consts;
	set_section(&sec[1], POL_SEC_LPM4, sizeof(*t->lpm4), t->n_lpm4);
	data[1] = t->lpm4;
	set_section(&sec[2], POL_SEC_LPM6, sizeof(*t->lpm6), t->n_lpm6);
	data[2] = t->lpm6;
	set_section(&sec[3], POL_SEC_DEC, sizeof(*t->dec), t->n_dec);
	data[3] = t->dec;
	set_section(&sec[4], POL_SEC_RULES, sizeof(*t->rules), t->n_rules);
	data[4] = t->rules;
	set_section(&sec[5], POL_SEC_STRINGS, 1, t->strings_size);
	data[5] = t->strings;
	set_section(&sec[6], POL_SEC_UNIX, sizeof(t->unix_consts), 1);
	data[6] = &t->unix_consts;
	set_section(&sec[7], POL_SEC_UNIX_DFA, sizeof(*t->unix_dfa), t->n_unix_dfa);
	data[7] = t->unix_dfa;
	set_section(&sec[8], POL_SEC_UNIX_ACC, sizeof(*t->unix_acc), t->n_unix_acc);
	data[8] = t->unix_acc;
	set_section(&sec[9], POL_SEC_SOCK, sizeof(t->sock[0]), POL_SOCK_ENTRIES);
	data[9] = t->sock;

	off = ALIGN8(sizeof(*h) + sizeof(sec));
	for (i = 0; i < POL_SEC_MAX - 1; i++) {
		sec[i].offset = off;
		sec[i].size = (uint64_t)sec[i].entry_size * sec[i].count;
		off = ALIGN8(off + sec[i].size);
	}
	total = off;
	b = calloc(1, total);
	if (!b)
		return -ENOMEM;
	h = (struct pol_file_header *)(void *)b;
	memcpy(h->magic, POL_MAGIC, sizeof(h->magic));
	h->version = POL_FORMAT_VERSION;
	h->header_size = sizeof(*h);
	h->file_size = total;
	h->n_sections = POL_SEC_MAX - 1;
	h->source_name = t->source_name;
	memcpy(b + sizeof(*h), sec, sizeof(sec));
	for (i = 0; i < POL_SEC_MAX - 1; i++)
		if (sec[i].size)
			memcpy(b + sec[i].offset, data[i], sec[i].size);
	pol_sha256(b + sizeof(*h), total - sizeof(*h), h->content_hash);
	memcpy(t->content_hash, h->content_hash, sizeof(t->content_hash));
	h->checksum = pol_file_checksum(b, total);
	*buf = b;
	*len = total;
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write buf to fd and flush it to disk: the data must be there before a
 * rename makes it the policy. */
static int write_synced(int fd, const void *buf, size_t len)
{
	int err = write_all(fd, buf, len);

	if (!err && fsync(fd) < 0)
		err = -errno;
	return err;
}

/*
 * An unnamed file in path's directory (O_TMPFILE), written, then given a
 * name only to be renamed over path: a writer killed before that leaves
 * nothing behind.  Returns -EOPNOTSUPP where the file system or /proc
 * cannot do it, for the caller to fall back to a named temporary.
 */
static int emit_tmpfile(const char *path, const char *tmp, const void *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	char *dir = NULL, proc[64];
	int fd = -1, err;

	if (!slash)
		dir = strdup(".");
	else
		dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -EOPNOTSUPP;
		goto cleanup;
	}
	err = write_synced(fd, buf, len);
	if (err)
		goto cleanup;
	/* linkat() cannot replace path, so the name is the temporary's;
	 * AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH, /proc does not. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) < 0) {
		err = errno == ENOENT ? -EOPNOTSUPP : -errno;
		goto cleanup;
	}
	if (rename(tmp, path) < 0) {
		err = -errno;
		unlink(tmp);
	}
cleanup:
	if (fd >= 0)
		close(fd);
	free(dir);
	return err;
}

int pol_emit_file(struct pol_tables *t, const char *path)
{
	char *tmp = NULL;
	void *buf = NULL;
	size_t len;
	int fd = -1, err;

	err = pol_emit(t, &buf, &len);
	if (err)
		return err;
	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
		tmp = NULL;
		err = -ENOMEM;
		goto cleanup;
	}
	err = emit_tmpfile(path, tmp, buf, len);
	if (err != -EOPNOTSUPP)
		goto cleanup;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		goto cleanup;
	}
	err = write_synced(fd, buf, len);
	if (close(fd) < 0 && !err)
		err = -errno;
	fd = -1;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
cleanup:
	if (fd >= 0)
		close(fd);
	free(tmp);
	free(buf);
	return err;
}
