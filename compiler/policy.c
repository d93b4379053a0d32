/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy.c - the resolved policy IR: freeing and canonical ordering.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

void pol_policy_free(struct pol_policy *p)
{
	size_t i, j;

	if (!p)
		return;
	for (i = 0; i < p->n_rules; i++) {
		if (!p->pooled) {
			free(p->rules[i].prefixes);
			free(p->rules[i].text);
		}
		free(p->rules[i].ports);
		for (j = 0; j < p->rules[i].n_patterns; j++)
			free(p->rules[i].patterns[j].tok);
		free(p->rules[i].patterns);
	}
	free(p->rules);
	free(p->source_name);
	if (!p->pooled)
		free(p->default_text);
	pol_pool_free(&p->pool);
	free(p);
}

static int prefix_qcmp(const void *a, const void *b)
{
	return pol_prefix_cmp(a, b);
}

size_t pol_prefixes_normalise(struct pol_prefix *v, size_t n)
{
	size_t i, out = 0;

	if (n < 2)
		return n;
	qsort(v, n, sizeof(*v), prefix_qcmp);
	for (i = 0; i < n; i++) {
		if (out && !pol_prefix_cmp(&v[out - 1], &v[i]))
			continue;
		v[out++] = v[i];
	}
	return out;
}

static int port_qcmp(const void *a, const void *b)
{
	const struct pol_port_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return 0;
}

size_t pol_ports_normalise(struct pol_port_range *v, size_t n)
{
	size_t i, out = 0;

	if (n < 2)
		return n;
	qsort(v, n, sizeof(*v), port_qcmp);
	for (i = 0; i < n; i++) {
		/* Adjacent ranges merge too: 80-89 and 90-99 are 80-99. */
		if (out && (unsigned int)v[out - 1].hi + 1 >= v[i].lo) {
			if (v[i].hi > v[out - 1].hi)
				v[out - 1].hi = v[i].hi;
			continue;
		}
		v[out++] = v[i];
	}
	return out;
}
