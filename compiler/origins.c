/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * origins.c - the RULES and STRINGS sections: rule records and the string
 * table they point into.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "htab.h"
#include "origins.h"

/* The STRINGS section under construction; each string is stored once. */
struct strtab {
	char *buf;
	size_t len, cap;
	struct pol_htab offs; /* items: offsets into buf */
};

/* A string to add, its length (NUL included) and hash worked out ahead. */
struct strtab_key {
	const char *s;
	size_t len;
	uint32_t h;
};

static struct strtab_key strtab_key(const char *s)
{
	struct strtab_key k = { .s = s ? s : "" };

	k.len = strlen(k.s) + 1;
	k.h = (uint32_t)pol_hash_bytes(k.s, k.len - 1);
	return k;
}

static int strtab_put(struct strtab *st, const struct strtab_key *k, uint32_t *off)
{
	const char *s = k->s;
	uint32_t h = k->h, o;
	size_t len = k->len, pos;
	int err;

	err = pol_htab_reserve(&st->offs);
	if (err)
		return err;
	for (pos = pol_htab_pos(&st->offs, h);
	     (o = pol_htab_next(&st->offs, h, &pos)) != POL_HTAB_END;) {
		if (!strcmp(st->buf + o, s)) {
			*off = o;
			return 0;
		}
	}
	if (st->len + len > UINT32_MAX - 1)
		return -E2BIG;
	err = POL_GROW(st->buf, st->cap, st->len + len);
	if (err)
		return err;
	memcpy(st->buf + st->len, s, len);
	*off = (uint32_t)st->len;
	pol_htab_insert(&st->offs, pos, h, (uint32_t)st->len);
	st->len += len;
	return 0;
}

static int strtab_add(struct strtab *st, const char *s, uint32_t *off)
{
	struct strtab_key k = strtab_key(s);

	return strtab_put(st, &k, off);
}

/* How many rules ahead a text's slot is loaded. */
#define ORIGINS_AHEAD 8

static const char *origins_text(const struct pol_policy *p, size_t i)
{
	return i ? p->rules[i - 1].text : p->default_text;
}

int pol_origins_build(const struct pol_policy *p, struct pol_tables *t)
{
	struct strtab_key ahead[ORIGINS_AHEAD];
	struct strtab st = { 0 };
	struct pol_rule_rec *v;
	const char *file = NULL;
	uint32_t source_name, file_off = 0;
	size_t i;
	int err;

	v = calloc(p->n_rules + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	/* Room for every string at once: a text per rule, a few files. */
	err = pol_htab_reserve_n(&st.offs, p->n_rules + 8);
	if (!err)
		err = strtab_add(&st, "", &source_name);
	if (!err)
		err = strtab_add(&st, p->source_name, &source_name);
	/* Texts are nearly all distinct, each a probe at random in a big
	 * table: the slot of the text ORIGINS_AHEAD rules on is loading
	 * while this one is added. */
	for (i = 0; i < ORIGINS_AHEAD && i <= p->n_rules; i++) {
		ahead[i] = strtab_key(origins_text(p, i));
		pol_htab_prefetch(&st.offs, ahead[i].h);
	}
	for (i = 0; i <= p->n_rules && !err; i++) {
		const struct pol_loc *loc = i ? &p->rules[i - 1].loc : &p->default_loc;
		struct strtab_key text = ahead[i % ORIGINS_AHEAD];

		if (i + ORIGINS_AHEAD <= p->n_rules) {
			ahead[i % ORIGINS_AHEAD] = strtab_key(origins_text(p, i + ORIGINS_AHEAD));
			pol_htab_prefetch(&st.offs, ahead[i % ORIGINS_AHEAD].h);
		}
		/* Rules come file by file: look a name up once per run. */
		if (!file || loc->file != file) {
			file = loc->file;
			err = strtab_add(&st, file, &file_off);
			if (err)
				break;
		}
		v[i].file = file_off;
		err = strtab_put(&st, &text, &v[i].text);
		v[i].line = loc->line > 0 ? (uint32_t)loc->line : 0;
		v[i].col = loc->col > 0 ? (uint32_t)loc->col : 0;
		v[i].verdict = i ? p->rules[i - 1].verdict : p->default_verdict;
		v[i].flags = i ? p->rules[i - 1].flags : 0;
	}
	pol_htab_free(&st.offs);
	if (err) {
		free(v);
		free(st.buf);
		return err;
	}
	t->rules = v;
	t->n_rules = (uint32_t)p->n_rules + 1;
	t->strings = st.buf;
	t->strings_size = (uint32_t)st.len;
	t->source_name = source_name;
	t->owned[3] = v;
	t->owned[4] = st.buf;
	return 0;
}
