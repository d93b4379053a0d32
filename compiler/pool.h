/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pool.h - a bump allocator for what the front end makes by the million
 * (each rule's source text, a rule's one prefix) and frees all at once,
 * with the policy.  Blocks it did not carve itself can be handed to it
 * too, to be freed with the rest.
 */
#ifndef JAILPOL_POOL_H
#define JAILPOL_POOL_H

#include <stddef.h>

struct pol_pool_chunk;

/* A zeroed struct is an empty pool. */
struct pol_pool {
	struct pol_pool_chunk *head; /* the chunk being carved, then older ones */
	void **adopted;              /* malloc'ed blocks freed with the pool */
	size_t n_adopted, cap_adopted;
};

/* size bytes aligned to align (a power of two, at most
 * _Alignof(max_align_t)), valid until pol_pool_free(); NULL when out of
 * memory. */
void *pol_pool_alloc(struct pol_pool *pl, size_t size, size_t align);

/* A copy of s[0..len) with a NUL after it, in the pool; NULL when out of
 * memory. */
char *pol_pool_strndup(struct pol_pool *pl, const char *s, size_t len);

/* Free p (from malloc()) with the pool; p may be NULL.  Takes p even on
 * failure (it is freed then).  Returns 0 or -ENOMEM. */
int pol_pool_adopt(struct pol_pool *pl, void *p);

/* Free everything; accepts a zeroed pool, leaves one. */
void pol_pool_free(struct pol_pool *pl);

#endif /* JAILPOL_POOL_H */
