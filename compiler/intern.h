/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * intern.h - interned u32 sequences: equal content, same id.  decide.c
 * interns rule sets and decision functions with it, unix.c the states of
 * the Unix-name automaton.
 */
#ifndef JAILPOL_INTERN_H
#define JAILPOL_INTERN_H

#include <stddef.h>
#include <stdint.h>

#include "htab.h"

/* One interned sequence: where in the pool, how long. */
struct pol_intern_seq {
	uint32_t off, cnt;
};

/* Ids count up from 0; n is how many there are.  A zeroed struct is
 * an empty set. */
struct pol_intern {
	uint32_t *pool;
	size_t pool_n, pool_cap;
	struct pol_intern_seq *seq; /* per id */
	size_t seq_cap, n;
	struct pol_htab ids; /* every id but those of pol_intern_new() */
};

/* The content of id; valid until the next pol_intern_get(). */
static inline const uint32_t *pol_intern_data(const struct pol_intern *in, uint32_t id)
{
	return in->pool + in->seq[id].off;
}

static inline uint32_t pol_intern_count(const struct pol_intern *in)
{
	return (uint32_t)in->n;
}

/* The id of v[0..n), a new one (the next count) if it was not there.
 * v must not point into in->pool.  0 or -ENOMEM. */
int pol_intern_get(struct pol_intern *in, const uint32_t *v, uint32_t n, uint32_t *id);

/* A new id for v[0..n), which the caller knows no pol_intern_get() will
 * ever ask for (it is new and no other sequence can equal it): stored,
 * but not indexed.  0 or -ENOMEM. */
int pol_intern_new(struct pol_intern *in, const uint32_t *v, uint32_t n, uint32_t *id);

/* Free what in holds; leaves it empty. */
void pol_intern_free(struct pol_intern *in);

#endif /* JAILPOL_INTERN_H */
