/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rng.h - the one random number generator of the tests and tools
 * (tests/unit/test_differential.c, tests/kernel/verify.c,
 * tools/gen-policy.c): splitmix64, small, fast and the same everywhere, so
 * a printed seed replays a run.  Header-only.
 */
#ifndef JAILPOL_RNG_H
#define JAILPOL_RNG_H

#include <stdbool.h>
#include <stdint.h>

struct test_rng {
	uint64_t s; /* the state; any value is a valid seed */
};

/* splitmix64's finaliser: a well-mixed 64-bit function of z. */
static inline uint64_t test_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The next 64 random bits. */
static inline uint64_t test_rng_next(struct test_rng *r)
{
	return test_mix64(r->s += 0x9e3779b97f4a7c15ull);
}

/* A number in [0, n); n > 0. */
static inline uint32_t test_rng_below(struct test_rng *r, uint32_t n)
{
	return (uint32_t)(test_rng_next(r) % n);
}

/* True with probability percent / 100. */
static inline bool test_rng_pct(struct test_rng *r, unsigned int percent)
{
	return test_rng_below(r, 100) < percent;
}

#endif /* JAILPOL_RNG_H */
