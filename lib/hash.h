/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * hash.h - the one hash function of both halves: a 64-bit mix for integer
 * keys and, built on it, a hash of byte strings.  Not for anything an
 * attacker could exploit by collisions beyond a slower compile: it is not
 * keyed.
 */
#ifndef JAILPOL_HASH_H
#define JAILPOL_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Hash a 64-bit integer key: MurmurHash3's finaliser, every output bit
 * depends on every input bit, so any slice of the result indexes a table. */
static inline uint64_t pol_hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* Hash len bytes at p, eight at a time, each word mixed in by
 * pol_hash_u64(); equal bytes give equal hashes on every host of one
 * endianness (hashes are never stored, so that is all it needs). */
static inline uint64_t pol_hash_bytes(const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len, w;

	for (; len >= 8; b += 8, len -= 8) {
		memcpy(&w, b, 8);
		h = pol_hash_u64(h ^ w);
	}
	if (len) {
		w = 0;
		memcpy(&w, b, len);
		h = pol_hash_u64(h ^ w);
	}
	return pol_hash_u64(h);
}

/* pol_hash_bytes() of a NUL-terminated string, the NUL excluded. */
static inline uint64_t pol_hash_str(const char *s)
{
	return pol_hash_bytes(s, strlen(s));
}

#endif /* JAILPOL_HASH_H */
