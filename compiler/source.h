/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * source.h - the files of a policy: reading them, folding include paths,
 * and the include stack that catches cycles, repeats and deep nesting.
 */
#ifndef JAILPOL_SOURCE_H
#define JAILPOL_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "diag.h"
#include "pol_limits.h"
#include "policy.h"

/* A file read so far, identified by device and inode. */
struct pol_source_file {
	dev_t dev;
	ino_t ino;
	const char *name;  /* the diag's copy */
	struct pol_loc at; /* the include statement; file NULL for the top */
};

struct pol_source {
	struct pol_diag *d;
	struct pol_source_file *files; /* in the order they were read */
	size_t n_files, cap_files;
	size_t stack[POL_INCLUDE_DEPTH + 1]; /* files[] being loaded */
	size_t depth;
};

/*
 * Open path (named by the include statement at at, NULL for the top file),
 * refuse it if includes would nest too deeply, if it is being loaded
 * already (a cycle) or was read before, read it whole, hand it to the
 * diag, and push it on the include stack.  Sets *name (the diag's copy),
 * *text (malloc'ed, the caller frees it) and *len.  A file that cannot be
 * used (not a regular file, over POL_SOURCE_MAX_SIZE) is reported at at
 * and gives 0 with *name NULL, except a top file that cannot be opened
 * or is too large (-EFBIG): that is the caller's to report (a usage
 * error), and gives its negative errno.  Only /dev/stdin may be a pipe.
 * A leading UTF-8 byte order mark is dropped from *text.  Returns 0, that
 * errno or -ENOMEM.
 */
int pol_source_push(struct pol_source *src, const char *path, const struct pol_loc *at,
		    const char **name, char **text, size_t *len);

/* Pop the file the last successful pol_source_push() pushed. */
void pol_source_pop(struct pol_source *src);

/*
 * The path an include statement names as rel in the file base:
 * dir(base)/rel with "." and "dir/.." folded away, malloc'ed; NULL when
 * out of memory.
 */
char *pol_source_include(const char *base, const char *rel);

/* True for a YAML block list (.yaml or .yml), read by yaml.c. */
bool pol_source_is_yaml(const char *path);

/* The diag's name of the top file, or NULL if it could not be read. */
const char *pol_source_top(const struct pol_source *src);

/* Free what src holds (the diag keeps the names and texts). */
void pol_source_release(struct pol_source *src);

#endif /* JAILPOL_SOURCE_H */
