/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * sha256.h - SHA-256 (FIPS 180-4), for policy.bin's content hash, and
 * its printing.
 */
#ifndef JAILPOL_SHA256_H
#define JAILPOL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define POL_SHA256_LEN 32

struct pol_sha256 {
	uint32_t h[8];
	uint64_t bytes;  /* message length so far */
	uint8_t buf[64]; /* partial block */
	size_t fill;     /* bytes in buf */
};

void pol_sha256_init(struct pol_sha256 *s);
void pol_sha256_update(struct pol_sha256 *s, const void *data, size_t len);
void pol_sha256_final(struct pol_sha256 *s, uint8_t out[POL_SHA256_LEN]);

/* One-shot digest of data[0..len). */
void pol_sha256(const void *data, size_t len, uint8_t out[POL_SHA256_LEN]);

/* Hash printing: the n bytes of h as 2n lowercase hex digits and a NUL
 * (out has room for 2n + 1). */
void pol_hex(char *out, const uint8_t *h, size_t n);

#endif /* JAILPOL_SHA256_H */
