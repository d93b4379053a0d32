/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pool.c - the front end's bump allocator (pool.h).
 */
#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "vec.h"

/* Chunks double from 64 KiB to 4 MiB: a small policy costs one, a big
 * one a few dozen. */
#define POOL_CHUNK_MIN ((size_t)64 << 10)
#define POOL_CHUNK_MAX ((size_t)4 << 20)

struct pol_pool_chunk {
	struct pol_pool_chunk *next;
	size_t size, used; /* of data[] */
	alignas(max_align_t) unsigned char data[];
};

void *pol_pool_alloc(struct pol_pool *pl, size_t size, size_t align)
{
	struct pol_pool_chunk *c = pl->head;
	size_t off, csize;

	if (c) {
		off = (c->used + align - 1) & ~(align - 1);
		if (off <= c->size && size <= c->size - off) {
			c->used = off + size;
			return c->data + off;
		}
	}
	csize = c ? c->size * 2 : POOL_CHUNK_MIN;
	if (csize > POOL_CHUNK_MAX)
		csize = POOL_CHUNK_MAX;
	if (csize < size)
		csize = size;
	if (csize > SIZE_MAX - sizeof(*c))
		return NULL;
	c = malloc(sizeof(*c) + csize);
	if (!c)
		return NULL;
	c->next = pl->head;
	c->size = csize;
	c->used = size;
	pl->head = c;
	return c->data;
}

char *pol_pool_strndup(struct pol_pool *pl, const char *s, size_t len)
{
	char *p = len < SIZE_MAX ? pol_pool_alloc(pl, len + 1, 1) : NULL;

	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

int pol_pool_adopt(struct pol_pool *pl, void *p)
{
	if (!p)
		return 0;
	if (POL_GROW(pl->adopted, pl->cap_adopted, pl->n_adopted + 1)) {
		free(p);
		return -ENOMEM;
	}
	pl->adopted[pl->n_adopted++] = p;
	return 0;
}

void pol_pool_free(struct pol_pool *pl)
{
	struct pol_pool_chunk *c, *next;
	size_t i;

	for (c = pl->head; c; c = next) {
		next = c->next;
		free(c);
	}
	for (i = 0; i < pl->n_adopted; i++)
		free(pl->adopted[i]);
	free(pl->adopted);
	memset(pl, 0, sizeof(*pl));
}
