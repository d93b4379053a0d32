/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#include <errno.h>
#include <stdlib.h>

#include "htab.h"

/* Move the items into ncap slots (a power of two). */
static int pol_htab_rehash(struct pol_htab *t, size_t ncap)
{
	size_t cap = t->slots ? t->mask + 1 : 0, i, j;
	struct pol_htab_slot *s;

	if (ncap > SIZE_MAX / sizeof(*s))
		return -ENOMEM;
	s = calloc(ncap, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (i = 0; i < cap; i++) {
		if (!t->slots[i].item)
			continue;
		for (j = t->slots[i].hash & (ncap - 1); s[j].item; j = (j + 1) & (ncap - 1))
			;
		s[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = s;
	t->mask = ncap - 1;
	return 0;
}

int pol_htab_grow(struct pol_htab *t)
{
	return pol_htab_rehash(t, t->slots ? (t->mask + 1) * 2 : 64);
}

int pol_htab_reserve_n(struct pol_htab *t, size_t n)
{
	size_t cap = t->slots ? t->mask + 1 : 0, ncap = cap ? cap : 64;

	if (n > SIZE_MAX / 4 - t->n)
		return -ENOMEM;
	while ((t->n + n) * 2 > ncap)
		ncap *= 2;
	return ncap == cap ? 0 : pol_htab_rehash(t, ncap);
}

void pol_htab_free(struct pol_htab *t)
{
	free(t->slots);
	t->slots = NULL;
	t->mask = 0;
	t->n = 0;
}
