/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * checksum.h - policy.bin's CRC-32, computed the same way by the writer
 * (compiler/emit.c) and the reader (lib/policy_read.c).
 */
#ifndef JAILPOL_CHECKSUM_H
#define JAILPOL_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32 (zlib's) of a policy.bin of len bytes, its header's checksum field
 * taken as zero.  len must cover at least the header. */
uint32_t pol_file_checksum(const void *buf, size_t len);

#endif /* JAILPOL_CHECKSUM_H */
