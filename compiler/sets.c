/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sets.c - named sets: definitions, built-ins, resolution, and the warning
 * about a prefix listed twice.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "builtins.h"
#include "hash.h"
#include "mergesort.h"
#include "sets.h"

enum pol_set_state {
	POL_SET_NEW,
	POL_SET_RESOLVING,
	POL_SET_DONE,
};

struct pol_set_def {
	char *name;
	struct pol_loc loc; /* the name in its definition */
	struct ast_elems *elems;
	bool builtin;
	uint8_t state; /* enum pol_set_state */
	bool host;
	struct pol_prefix *pfx; /* sorted, unique once resolved */
	size_t n;
};

/* An element's prefix and its position, to find duplicates by sorting. */
struct pol_dup_key {
	struct pol_prefix p;
	size_t idx;
};

struct pol_dup_pair {
	size_t dup, first;
};

/*
 * The set called name, or NULL with *h and *pos saying where pol_sets_add()
 * puts it.  Makes room for one more set first, so that a position found is
 * still good and adding cannot fail.  Returns 0 or -ENOMEM.
 */
static int pol_sets_lookup(struct pol_sets *ss, const char *name, struct pol_set_def **def,
			   uint32_t *h, size_t *pos)
{
	uint32_t i;
	int err;

	*def = NULL;
	*h = (uint32_t)pol_hash_str(name);
	err = pol_htab_reserve(&ss->by_name);
	if (!err)
		err = POL_GROW(ss->all, ss->cap_all, ss->n_all + 1);
	if (err)
		return err;
	for (*pos = pol_htab_pos(&ss->by_name, *h);
	     (i = pol_htab_next(&ss->by_name, *h, pos)) != POL_HTAB_END;) {
		if (!strcmp(ss->all[i]->name, name)) {
			*def = ss->all[i];
			return 0;
		}
	}
	return 0;
}

/* Add def, which pol_sets_lookup() just did not find at (h, pos); takes
 * def. */
static void pol_sets_add(struct pol_sets *ss, struct pol_set_def *def, uint32_t h, size_t pos)
{
	pol_htab_insert(&ss->by_name, pos, h, (uint32_t)ss->n_all);
	ss->all[ss->n_all++] = def;
}

static void pol_set_free(struct pol_set_def *def)
{
	if (!def)
		return;
	free(def->name);
	ast_elems_free(def->elems);
	free(def->pfx);
	free(def);
}

/* A built-in set, resolved on first use and added to the table at (h,
 * pos), where pol_sets_lookup() did not find it. */
static int pol_sets_builtin(struct pol_sets *ss, const char *name, uint32_t h, size_t pos,
			    struct pol_set_def **out)
{
	const struct pol_builtin *bi = pol_builtin_find(name);
	struct pol_set_def *def = NULL;
	size_t n = 0, i;
	int err = -ENOMEM;

	*out = NULL;
	if (!bi)
		return 0;
	while (bi->elems[n])
		n++;
	def = calloc(1, sizeof(*def));
	if (!def)
		goto fail;
	def->name = strdup(name);
	def->pfx = calloc(n ? n : 1, sizeof(*def->pfx));
	if (!def->name || !def->pfx)
		goto fail;
	for (i = 0; i < n; i++)
		pol_prefix_parse(bi->elems[i], &def->pfx[i], NULL);
	def->n = pol_prefixes_normalise(def->pfx, n);
	def->builtin = true;
	def->host = bi->host;
	def->state = POL_SET_DONE;
	pol_sets_add(ss, def, h, pos);
	*out = def;
	return 0;

fail:
	pol_set_free(def);
	return err;
}

/* pol_prefix_cmp()'s order (family, address, length), then position. */
static int pol_dup_key_cmp(const struct pol_dup_key *x, const struct pol_dup_key *y)
{
	int c = pol_prefix_cmp(&x->p, &y->p);

	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

POL_MERGE_RUNS_DEFINE(pol_dup_key_merge, struct pol_dup_key, pol_dup_key_cmp)

/* Sort keys: insertion sort of runs of 16, then one merge of the runs. */
static int pol_dup_key_sort(struct pol_dup_key *v, size_t n)
{
	struct pol_dup_key *tmp;
	size_t *run, n_runs = 0, lo, hi, i, j;

	tmp = malloc(n * sizeof(*tmp));
	run = malloc((n / 16 + 2) * sizeof(*run));
	if (!tmp || !run) {
		free(tmp);
		free(run);
		return -ENOMEM;
	}
	for (lo = 0; lo < n; lo += 16) {
		hi = lo + 16 < n ? lo + 16 : n;
		for (i = lo + 1; i < hi; i++) {
			struct pol_dup_key x = v[i];

			for (j = i; j > lo && pol_dup_key_cmp(&v[j - 1], &x) > 0; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		run[n_runs++] = lo;
	}
	run[n_runs] = n;
	pol_dup_key_merge(v, tmp, run, n_runs);
	free(tmp);
	free(run);
	return 0;
}

static int pol_dup_pair_cmp(const void *a, const void *b)
{
	const struct pol_dup_pair *x = a, *y = b;

	return x->dup < y->dup ? -1 : x->dup > y->dup;
}

/*
 * Sort el's own prefixes into *out (unique) and warn about those listed
 * twice, in source order.  Sorting keeps this O(n log n) for the
 * million-element lists people paste in, and is the only sort such a list
 * needs: everything downstream finds it already in order.
 */
static int pol_sets_direct(struct pol_sets *ss, const struct ast_elems *el, const char *where,
			   struct pol_prefix **out, size_t *n_out)
{
	struct pol_dup_key *keys = NULL;
	struct pol_dup_pair *pairs = NULL;
	struct pol_prefix *v = NULL;
	size_t n = 0, n_pairs = 0, cap_pairs = 0, i, first = 0, o = 0;
	int err = -ENOMEM;

	keys = malloc((el->n ? el->n : 1) * sizeof(*keys));
	v = malloc((el->n ? el->n : 1) * sizeof(*v));
	if (!keys || !v)
		goto cleanup;
	for (i = 0; i < el->n; i++) {
		if (el->v[i].kind != AST_ELEM_PREFIX)
			continue;
		keys[n].p = el->v[i].pfx;
		keys[n].idx = i;
		n++;
	}
	if (n > 1 && pol_dup_key_sort(keys, n))
		goto cleanup;
	for (i = 0; i < n; i++) {
		if (i == 0 || pol_prefix_cmp(&keys[i].p, &keys[first].p)) {
			first = i;
			v[o++] = keys[i].p;
			continue;
		}
		/* The 0.0.0.0/0 implied by ::/0 is nobody's typo. */
		if (el->v[keys[i].idx].implied || el->v[keys[first].idx].implied)
			continue;
		err = POL_GROW(pairs, cap_pairs, n_pairs + 1);
		if (err)
			goto cleanup;
		pairs[n_pairs].dup = keys[i].idx;
		pairs[n_pairs].first = keys[first].idx;
		n_pairs++;
	}
	if (n_pairs)
		qsort(pairs, n_pairs, sizeof(*pairs), pol_dup_pair_cmp);
	for (i = 0; i < n_pairs; i++) {
		char buf[POL_PREFIX_STRLEN];
		const struct ast_elem *e = &el->v[pairs[i].dup];

		pol_prefix_format(&e->pfx, buf, sizeof(buf));
		pol_warn(ss->d, POL_W_DUPLICATE, &e->loc, "'%s' is listed twice in %s", buf, where);
		pol_note(ss->d, &el->v[pairs[i].first].loc, "first listed here");
	}
	*out = v;
	*n_out = o;
	v = NULL;
	err = 0;

cleanup:
	free(keys);
	free(pairs);
	free(v);
	return err;
}

static bool pol_prefixes_sorted(const struct pol_prefix *v, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (pol_prefix_cmp(&v[i - 1], &v[i]) >= 0)
			return false;
	return true;
}

static int pol_sets_resolve(struct pol_sets *ss, struct pol_set_def *def);

/* "a -> b -> a" for the sets from def up the resolution stack, and back. */
static void pol_sets_cycle(struct pol_sets *ss, struct pol_set_def *def, const struct pol_loc *loc)
{
	char msg[512];
	size_t i, len = 0;

	for (i = 0; i < ss->rdepth && ss->rstack[i] != def; i++)
		;
	for (; i < ss->rdepth && len < sizeof(msg); i++)
		len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s -> ",
					ss->rstack[i]->name);
	if (len < sizeof(msg))
		snprintf(msg + len, sizeof(msg) - len, "%s", def->name);
	pol_error(ss->d, loc, "set reference cycle: %s", msg);
}

int pol_sets_expand(struct pol_sets *ss, const struct ast_elems *el, const char *where,
		    struct pol_prefix **out, size_t *n_out, bool *host)
{
	struct pol_prefix *v = NULL;
	size_t n = 0, cap, i;
	int err;

	*host = false;
	err = pol_sets_direct(ss, el, where, &v, &n);
	if (err)
		return err;
	cap = el->n ? el->n : 1;
	for (i = 0; i < el->n; i++) {
		const struct ast_elem *e = &el->v[i];
		struct pol_set_def *def;
		uint32_t h;
		size_t pos;

		if (e->kind != AST_ELEM_NAME)
			continue;
		err = pol_sets_lookup(ss, e->name, &def, &h, &pos);
		if (!err && !def)
			err = pol_sets_builtin(ss, e->name, h, pos, &def);
		if (err)
			goto fail;
		if (!def) {
			pol_error(ss->d, &e->loc, "set '%s' is not defined", e->name);
			continue;
		}
		if (def->state == POL_SET_RESOLVING) {
			pol_sets_cycle(ss, def, &e->loc);
			continue;
		}
		err = pol_sets_resolve(ss, def);
		if (err)
			goto fail;
		*host |= def->host;
		if (!def->n)
			continue;
		err = POL_GROW(v, cap, n + def->n);
		if (err)
			goto fail;
		memcpy(v + n, def->pfx, def->n * sizeof(*v));
		n += def->n;
	}
	/* Usually one sorted list or one set: no need to sort it again. */
	if (!pol_prefixes_sorted(v, n))
		n = pol_prefixes_normalise(v, n);
	*n_out = n;
	*out = v;
	return 0;

fail:
	free(v);
	return err;
}

static int pol_sets_resolve(struct pol_sets *ss, struct pol_set_def *def)
{
	char where[128];
	int err;

	if (def->state != POL_SET_NEW)
		return 0;
	def->state = POL_SET_RESOLVING;
	err = POL_GROW(ss->rstack, ss->rcap, ss->rdepth + 1);
	if (err)
		return err;
	ss->rstack[ss->rdepth++] = def;
	snprintf(where, sizeof(where), "set '%s'", def->name);
	err = pol_sets_expand(ss, def->elems, where, &def->pfx, &def->n, &def->host);
	ss->rdepth--;
	def->state = POL_SET_DONE;
	/* The elements are not needed again; a big list should not linger. */
	ast_elems_free(def->elems);
	def->elems = NULL;
	return err;
}

int pol_sets_resolve_all(struct pol_sets *ss)
{
	size_t i;
	int err;

	/* Built-ins join the end of all[] as they are first used; they are
	 * resolved already. */
	for (i = 0; i < ss->n_all; i++) {
		err = pol_sets_resolve(ss, ss->all[i]);
		if (err)
			return err;
	}
	return 0;
}

int pol_sets_define(struct pol_sets *ss, struct ast_stmt *s)
{
	struct pol_set_def *def, *old;
	uint32_t h;
	size_t pos;
	int err;

	if (pol_builtin_find(s->name)) {
		pol_error(ss->d, &s->name_loc, "set '%s' is a built-in set and cannot be redefined",
			  s->name);
		return 0;
	}
	err = pol_sets_lookup(ss, s->name, &old, &h, &pos);
	if (err)
		return err;
	if (old) {
		pol_error(ss->d, &s->name_loc, "set '%s' is already defined", s->name);
		pol_note(ss->d, &old->loc, "set '%s' was first defined here", s->name);
		return 0;
	}
	if (!s->elems->listed)
		pol_error(ss->d, &s->name_loc, "set '%s' is empty", s->name);

	def = calloc(1, sizeof(*def));
	if (!def)
		return -ENOMEM;
	def->name = s->name;
	def->loc = s->name_loc;
	def->elems = s->elems;
	pol_sets_add(ss, def, h, pos);
	s->name = NULL;
	s->elems = NULL;
	return 0;
}

void pol_sets_release(struct pol_sets *ss)
{
	size_t i;

	for (i = 0; i < ss->n_all; i++)
		pol_set_free(ss->all[i]);
	free(ss->all);
	pol_htab_free(&ss->by_name);
	free(ss->rstack);
}
