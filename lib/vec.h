/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * vec.h - the one growth helper for the dynamic arrays of both halves.
 */
#ifndef JAILPOL_VEC_H
#define JAILPOL_VEC_H

#include <stddef.h>

/*
 * Make room for need elements of size bytes in the vector *v of capacity
 * *cap, doubling from 16.  Returns 0 or -ENOMEM (then *v and *cap are
 * unchanged).
 */
int pol_grow(void **v, size_t *cap, size_t need, size_t size);

/* pol_grow() for a typed pointer: POL_GROW(vec, cap, n + 1).  A vector
 * with room already costs a compare, not a call: the compiler's loops
 * check for room a million times and grow some twenty. */
#define POL_GROW(v, cap, need) \
	((size_t)(need) <= (cap) ? 0 : pol_grow((void **)&(v), &(cap), (need), sizeof(*(v))))

#endif /* JAILPOL_VEC_H */
