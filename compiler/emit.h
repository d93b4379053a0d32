/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * emit.h - the policy.bin writer.
 */
#ifndef JAILPOL_EMIT_H
#define JAILPOL_EMIT_H

#include <stddef.h>

#include "../lib/tables.h"

/* Serialise t into a malloc'ed buffer (*buf, *len) and set
 * t->content_hash.  Returns 0 or -ENOMEM. */
int pol_emit(struct pol_tables *t, void **buf, size_t *len);

/* Write the policy to path atomically (temporary file, fsync, rename), so
 * a reader never sees half a policy.  Returns 0 or -errno. */
int pol_emit_file(struct pol_tables *t, const char *path);

#endif /* JAILPOL_EMIT_H */
