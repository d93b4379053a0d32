/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * intern.c - interned u32 sequences (intern.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "intern.h"
#include "vec.h"

int pol_intern_get(struct pol_intern *in, const uint32_t *v, uint32_t n, uint32_t *id)
{
	uint32_t h = (uint32_t)pol_hash_bytes(v, n * sizeof(*v)), c;
	size_t pos;
	int err;

	err = pol_htab_reserve(&in->ids);
	if (err)
		return err;
	for (pos = pol_htab_pos(&in->ids, h);
	     (c = pol_htab_next(&in->ids, h, &pos)) != POL_HTAB_END;) {
		if (in->seq[c].cnt == n && !memcmp(pol_intern_data(in, c), v, n * sizeof(*v))) {
			*id = c;
			return 0;
		}
	}
	err = pol_intern_new(in, v, n, id);
	if (!err)
		pol_htab_insert(&in->ids, pos, h, *id);
	return err;
}

int pol_intern_new(struct pol_intern *in, const uint32_t *v, uint32_t n, uint32_t *id)
{
	uint32_t next = pol_intern_count(in);
	int err;

	err = POL_GROW(in->pool, in->pool_cap, in->pool_n + n + 1);
	if (!err)
		err = POL_GROW(in->seq, in->seq_cap, next + 1);
	if (err)
		return err;
	memcpy(in->pool + in->pool_n, v, n * sizeof(*v));
	in->seq[next] = (struct pol_intern_seq){ .off = (uint32_t)in->pool_n, .cnt = n };
	in->pool_n += n;
	in->n++;
	*id = next;
	return 0;
}

void pol_intern_free(struct pol_intern *in)
{
	free(in->pool);
	free(in->seq);
	pol_htab_free(&in->ids);
	memset(in, 0, sizeof(*in));
}
