/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * addrpool.h - the address pool of the randomized tests (the unit
 * differential test and the kernel one, tests/kernel/verify.c): few enough
 * addresses that random prefixes nest and overlap and probes land on their
 * edges.  The first TEST_POOL4_CORE / TEST_POOL6_CORE entries are plain
 * ones; those after them sit in built-in sets (metadata, gateways,
 * multicast), for the tests that compile real policy text.
 */
#ifndef JAILPOL_ADDRPOOL_H
#define JAILPOL_ADDRPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rng.h"

static const uint8_t test_pool4[][4] = {
	{ 10, 0, 0, 0 },
	{ 10, 0, 0, 128 },
	{ 10, 1, 2, 3 },
	{ 192, 168, 1, 1 },
	{ 127, 0, 0, 1 },
	{ 0, 0, 0, 0 },
	{ 255, 255, 255, 255 },
	{ 172, 16, 0, 5 },
	/* In built-in sets. */
	{ 169, 254, 169, 254 },
	{ 10, 0, 2, 2 },
	{ 224, 0, 0, 1 },
	{ 192, 168, 65, 2 },
};
#define TEST_POOL4_CORE 8
#define TEST_POOL4_ALL (sizeof(test_pool4) / sizeof(test_pool4[0]))

static const uint8_t test_pool6[][16] = {
	{ 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
	{ 0x20, 0x01, 0x0d, 0xb8, [14] = 0x80 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 1 },
	{ 0xfe, 0x80, [15] = 1 },
	{ [15] = 1 },
	{ 0 },
	{ 0xfd, [15] = 0xff },
	{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff },
	/* In built-in sets. */
	{ 0xfd, 0x00, 0x0e, 0xc2, [14] = 0x02, [15] = 0x54 },
	{ 0xfd, 0x00, [15] = 2 },
	{ 0xff, 0x02, [15] = 1 },
};
#define TEST_POOL6_CORE 8
#define TEST_POOL6_ALL (sizeof(test_pool6) / sizeof(test_pool6[0]))

/*
 * An address near the pool into addr[16] (family 4 or 6; the bytes past an
 * IPv4 address zero): one of the first n4 (IPv4) or n6 (IPv6) pool
 * entries, sometimes with its low bits stirred, or one time in ten
 * anything at all.
 */
static inline void test_pool_addr(struct test_rng *r, int family, uint8_t *addr, size_t n4,
				  size_t n6)
{
	unsigned int i, n = family == 4 ? 4 : 16;

	memset(addr, 0, 16);
	if (!test_rng_below(r, 10)) {
		for (i = 0; i < n; i++)
			addr[i] = (uint8_t)test_rng_next(r);
		return;
	}
	if (family == 4)
		memcpy(addr, test_pool4[test_rng_below(r, (uint32_t)n4)], 4);
	else
		memcpy(addr, test_pool6[test_rng_below(r, (uint32_t)n6)], 16);
	switch (test_rng_below(r, 4)) {
	case 0:
		addr[n - 1] ^= (uint8_t)test_rng_below(r, 4);
		break;
	case 1:
		addr[n - 1] ^= (uint8_t)test_rng_next(r);
		addr[n - 2] ^= (uint8_t)test_rng_below(r, 2);
		break;
	default:
		break;
	}
}

#endif /* JAILPOL_ADDRPOOL_H */
