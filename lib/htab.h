/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * htab.h - the one open-addressing hash table: linear probing over slots
 * of (item, hash), at most half full.
 *
 * The caller owns its items (an array, a string pool, ...) and their
 * equality; the table stores, per item, a 32-bit value naming it (usually
 * its index) and its hash.  A lookup walks the candidates whose stored hash
 * is equal and the caller compares them itself, inline, with no callback:
 *
 *	if (pol_htab_reserve(&t))
 *		return -ENOMEM;
 *	for (pos = pol_htab_pos(&t, h); (i = pol_htab_next(&t, h, &pos)) != POL_HTAB_END;)
 *		if (equal(&items[i], key))
 *			return i;                 (found)
 *	pol_htab_insert(&t, pos, h, n_items); (not found: pos is a free slot)
 *
 * Growing rehashes from the stored hashes, so it needs no callback either.
 */
#ifndef JAILPOL_HTAB_H
#define JAILPOL_HTAB_H

#include <stddef.h>
#include <stdint.h>

/* pol_htab_next(): no further candidate. */
#define POL_HTAB_END UINT32_MAX

struct pol_htab_slot {
	uint32_t item; /* the caller's value + 1; 0: empty */
	uint32_t hash;
};

struct pol_htab {
	struct pol_htab_slot *slots; /* NULL until the first reserve */
	size_t mask;                 /* slots - 1, a power of two minus one */
	size_t n;                    /* items stored */
};

/* pol_htab_reserve()'s slow path: double the slots now (64 for a table
 * never reserved).  Returns 0 or -ENOMEM (the table is unchanged). */
int pol_htab_grow(struct pol_htab *t);

/* Make room for n more items at once (one rehash, not one per doubling),
 * for a caller that knows how many it will insert.  Returns 0 or -ENOMEM
 * (the table is unchanged). */
int pol_htab_reserve_n(struct pol_htab *t, size_t n);

/*
 * Make room for one more item, doubling the slots (from 64) before the
 * table would be more than half full.  Call it before a lookup that may
 * end in pol_htab_insert(): growing moves the items, so a position found
 * before it is stale.  Returns 0 or -ENOMEM (the table is unchanged).
 */
static inline int pol_htab_reserve(struct pol_htab *t)
{
	if (t->slots && (t->n + 1) * 2 <= t->mask + 1)
		return 0;
	return pol_htab_grow(t);
}

/* Where the probe for hash starts. */
static inline size_t pol_htab_pos(const struct pol_htab *t, uint32_t hash)
{
	return hash & t->mask;
}

/* Start loading the slot where the probe for hash starts, for a caller
 * that knows its next keys: a lookup in a table of millions of slots
 * waits on memory, and several such waits can overlap. */
static inline void pol_htab_prefetch(const struct pol_htab *t, uint32_t hash)
{
	if (t->slots)
		__builtin_prefetch(&t->slots[hash & t->mask]);
}

/*
 * The next item at or after *pos whose stored hash is hash, with *pos moved
 * past it; POL_HTAB_END at the first empty slot, with *pos left on it (the
 * slot pol_htab_insert() fills).  On a table never reserved: POL_HTAB_END.
 */
static inline uint32_t pol_htab_next(const struct pol_htab *t, uint32_t hash, size_t *pos)
{
	if (!t->slots)
		return POL_HTAB_END;
	for (;;) {
		const struct pol_htab_slot *s = &t->slots[*pos];

		if (!s->item)
			return POL_HTAB_END;
		*pos = (*pos + 1) & t->mask;
		if (s->hash == hash)
			return s->item - 1;
	}
}

/* Store item (below POL_HTAB_END) with its hash in the free slot pos that
 * pol_htab_next() ended on, after a pol_htab_reserve(). */
static inline void pol_htab_insert(struct pol_htab *t, size_t pos, uint32_t hash, uint32_t item)
{
	t->slots[pos].item = item + 1;
	t->slots[pos].hash = hash;
	t->n++;
}

/* Free the slots (not the items); accepts a zeroed table, leaves one. */
void pol_htab_free(struct pol_htab *t);

#endif /* JAILPOL_HTAB_H */
