/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * policy_read.h - the one reader of policy.bin.  It checks every offset,
 * size, count, order and cross-reference before handing out tables, so a
 * truncated or corrupt file cannot steer the caller (the runtime, --dump).
 */
#ifndef JAILPOL_POLICY_READ_H
#define JAILPOL_POLICY_READ_H

#include <stddef.h>

#include "tables.h"

/*
 * Validate buf[0..len) and fill *out with views into a private copy.
 * Returns 0, or a negative errno with a specific message in err
 * ("truncated: ...", "bad magic ...", "unsupported format version 7 ...",
 * "checksum mismatch ...", "section LPM4: entry 12 ..."):
 *   -EBADMSG  corrupt or inconsistent content
 *   -EPROTO   wrong magic (not a policy.bin)
 *   -ENOTSUP  a format version this build does not read
 *   -ENOMEM
 * *out is untouched on failure.
 */
int pol_read_buf(const void *buf, size_t len, struct pol_tables *out, char *err, size_t errlen);

/* Same for a file; read errors give -errno with the file named in err. */
int pol_read_file(const char *path, struct pol_tables *out, char *err, size_t errlen);

#endif /* JAILPOL_POLICY_READ_H */
