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

static int strtab_add(struct strtab *st, const char *s, uint32_t *off)
{
	uint32_t h, o;
	size_t len, pos;
	int err;

	if (!s)
		s = "";
	len = strlen(s) + 1;
	h = (uint32_t)pol_hash_bytes(s, len - 1);
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

int pol_origins_build(const struct pol_policy *p, struct pol_tables *t)
{
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
	for (i = 0; i <= p->n_rules && !err; i++) {
		const struct pol_loc *loc = i ? &p->rules[i - 1].loc : &p->default_loc;
		const char *text = i ? p->rules[i - 1].text : p->default_text;

		/* Rules come file by file: look a name up once per run. */
		if (!file || loc->file != file) {
			file = loc->file;
			err = strtab_add(&st, file, &file_off);
			if (err)
				break;
		}
		v[i].file = file_off;
		err = strtab_add(&st, text, &v[i].text);
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
