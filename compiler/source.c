/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * source.c - reading the files of a policy and keeping its include stack.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/file.h"
#include "source.h"

char *pol_source_include(const char *base, const char *rel)
{
	const char *slash = strrchr(base, '/');
	size_t dlen = (rel[0] == '/' || !slash) ? 0 : (size_t)(slash - base) + 1;
	size_t len = dlen + strlen(rel), i = 0, o = 0, keep = 0;
	char *in = malloc(len + 1), *out = malloc(len + 2);

	if (!in || !out)
		goto fail;
	memcpy(in, base, dlen);
	strcpy(in + dlen, rel);
	if (in[0] == '/')
		out[o++] = '/';
	/* out[0..keep) can not be folded: the root or leading "../"s. */
	keep = o;
	while (i < len) {
		size_t start = i, clen;

		while (i < len && in[i] != '/')
			i++;
		clen = i++ - start;
		if (clen == 0 || (clen == 1 && in[start] == '.'))
			continue;
		if (clen == 2 && !strncmp(in + start, "..", 2)) {
			if (o > keep) {
				o--; /* the '/' after the last component */
				while (o > keep && out[o - 1] != '/')
					o--;
				continue;
			}
			if (keep == 1 && out[0] == '/')
				continue; /* "/.." is "/" */
			memcpy(out + o, "../", 3);
			o += 3;
			keep = o;
			continue;
		}
		memcpy(out + o, in + start, clen);
		o += clen;
		out[o++] = '/';
	}
	if (o > 1 && out[o - 1] == '/')
		o--;
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	free(in);
	return out;

fail:
	free(in);
	free(out);
	return NULL;
}

/* Read fd whole, at most max bytes (-EFBIG past that): a device such as
 * /dev/zero never ends. */
static int pol_read_all(int fd, size_t max, char **out, size_t *len)
{
	size_t cap = 0, n = 0;
	char *buf = NULL;
	ssize_t r;
	int err;

	for (;;) {
		if (n > max) {
			err = -EFBIG;
			goto fail;
		}
		err = POL_GROW(buf, cap, n < 65536 ? 65536 : n + 1);
		if (err)
			goto fail;
		/* One byte past max tells a file of max bytes from a longer one. */
		r = read(fd, buf + n, cap - n < max + 1 - n ? cap - n : max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = buf;
	*len = n;
	return 0;

fail:
	free(buf);
	return err;
}

/* Report the include cycle that loading path (the file of st) would close,
 * if it would. */
static bool pol_source_cycle(struct pol_source *src, const struct stat *st, const char *path,
			     const struct pol_loc *at)
{
	size_t i, j, mlen = 0;
	char msg[1024];

	for (i = 0; i < src->depth; i++) {
		const struct pol_source_file *f = &src->files[src->stack[i]];

		if (f->dev == st->st_dev && f->ino == st->st_ino)
			break;
	}
	if (i == src->depth)
		return false;
	for (j = i; j < src->depth && mlen < sizeof(msg); j++)
		mlen += (size_t)snprintf(msg + mlen, sizeof(msg) - mlen, "%s -> ",
					 src->files[src->stack[j]].name);
	if (mlen < sizeof(msg))
		snprintf(msg + mlen, sizeof(msg) - mlen, "%s", path);
	pol_error(src->d, at, "include cycle: %s", msg);
	return true;
}

int pol_source_push(struct pol_source *src, const char *path, const struct pol_loc *at,
		    const char **name, char **text, size_t *len)
{
	const char *kind = NULL;
	struct stat st;
	char *buf = NULL;
	size_t n = 0, i;
	int fd, err = 0, e = 0;

	*name = NULL;
	if (src->depth >= POL_INCLUDE_DEPTH + 1) {
		pol_error(src->d, at, "includes are nested too deeply (at most %d levels)",
			  POL_INCLUDE_DEPTH);
		return 0;
	}
	fd = pol_file_open(path, &st);
	if (fd < 0)
		e = -fd;
	else if (S_ISDIR(st.st_mode) && !at)
		e = EISDIR; /* on the command line: a usage error */
	else if (!S_ISFIFO(st.st_mode) || strcmp(path, "/dev/stdin"))
		kind = pol_file_kind(st.st_mode);
	if (e && !at) {
		err = -e; /* the caller says so: a usage error, not the input's */
		goto cleanup;
	}
	if (e) {
		pol_error(src->d, at, "cannot read '%s': %s", path, strerror(e));
		goto cleanup;
	}
	if (kind) {
		pol_error(src->d, at, "cannot read '%s': is %s, not a regular file", path, kind);
		goto cleanup;
	}
	if (pol_source_cycle(src, &st, path, at))
		goto cleanup;
	if (src->n_files >= POL_MAX_FILES) {
		pol_error(src->d, at, "more than %d source files (the limit), not reading '%s'",
			  POL_MAX_FILES, path);
		goto cleanup;
	}
	for (i = 0; i < src->n_files; i++) {
		const struct pol_source_file *f = &src->files[i];

		if (f->dev != st.st_dev || f->ino != st.st_ino)
			continue;
		pol_error(src->d, at, "'%s' is already included (at %s:%d)", path,
			  f->at.file ? f->at.file : f->name, f->at.line);
		goto cleanup;
	}

	err = pol_read_all(fd, POL_SOURCE_MAX_SIZE, &buf, &n);
	if (err == -ENOMEM)
		goto cleanup;
	if (err == -EFBIG && !at)
		goto cleanup; /* the caller says so, as for a file it cannot open */
	if (err == -EFBIG) {
		pol_error(src->d, at,
			  "cannot read '%s': larger than the %s limit for a policy source", path,
			  POL_SOURCE_MAX_SIZE_TEXT);
		err = 0;
		goto cleanup;
	}
	if (err) {
		pol_error(src->d, at, "cannot read '%s': %s", path, strerror(-err));
		err = 0;
		goto cleanup;
	}
	/* A UTF-8 byte order mark, as some Windows editors write, is no
	 * character of the policy. */
	if (n >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) {
		memmove(buf, buf + 3, n - 3);
		n -= 3;
	}
	*name = pol_diag_add_file(src->d, path, buf, n);
	err = POL_GROW(src->files, src->cap_files, src->n_files + 1);
	if (!*name || err) {
		*name = NULL;
		err = -ENOMEM;
		goto cleanup;
	}
	src->files[src->n_files] = (struct pol_source_file){
		.dev = st.st_dev,
		.ino = st.st_ino,
		.name = *name,
	};
	if (at)
		src->files[src->n_files].at = *at;
	src->stack[src->depth++] = src->n_files++;
	*text = buf;
	*len = n;
	buf = NULL;

cleanup:
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

void pol_source_pop(struct pol_source *src)
{
	src->depth--;
}

bool pol_source_is_yaml(const char *path)
{
	size_t n = strlen(path);

	return (n >= 5 && !strcmp(path + n - 5, ".yaml")) ||
	       (n >= 4 && !strcmp(path + n - 4, ".yml"));
}

const char *pol_source_top(const struct pol_source *src)
{
	return src->n_files ? src->files[0].name : NULL;
}

void pol_source_release(struct pol_source *src)
{
	free(src->files);
	src->files = NULL;
	src->n_files = src->cap_files = src->depth = 0;
}
