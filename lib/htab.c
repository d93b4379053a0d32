/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#include <errno.h>
#include <stdlib.h>

#include "htab.h"

int pol_htab_grow(struct pol_htab *t)
{
	size_t cap = t->slots ? t->mask + 1 : 0, ncap, i, j;
	struct pol_htab_slot *s;

	ncap = cap ? cap * 2 : 64;
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

void pol_htab_free(struct pol_htab *t)
{
	free(t->slots);
	t->slots = NULL;
	t->mask = 0;
	t->n = 0;
}
