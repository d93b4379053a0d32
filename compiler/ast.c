/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ast.c - the front end's intermediate form: statement list, element and
 * port vectors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ast.h"

#define AST_TEXT_MAX (AST_TEXT_SIZE - 4)

struct ast_elems *ast_elems_new(void)
{
	return calloc(1, sizeof(struct ast_elems));
}

void ast_elems_free(struct ast_elems *el)
{
	size_t i;

	if (!el)
		return;
	for (i = 0; i < el->n; i++)
		free(el->v[i].name);
	if (el->v != &el->one)
		free(el->v);
	free(el);
}

static struct ast_elem *ast_elems_push(struct ast_elems *el, const struct pol_loc *loc)
{
	struct ast_elem *e;

	if (!el->cap) {
		el->v = &el->one;
		el->cap = 1;
	} else if (el->n == el->cap && el->v == &el->one) {
		/* Out of one: doubling goes on from a vector of its own. */
		struct ast_elem *v = malloc(16 * sizeof(*v));

		if (!v)
			return NULL;
		v[0] = el->one;
		el->v = v;
		el->cap = 16;
	} else if (POL_GROW(el->v, el->cap, el->n + 1)) {
		return NULL;
	}
	e = &el->v[el->n++];
	memset(e, 0, sizeof(*e));
	e->loc = *loc;
	return e;
}

/* The message for a prefix length pol_prefix_parse() refused. */
static void ast_report_length(struct pol_diag *d, const char *text, const struct pol_loc *loc)
{
	const char *len = strchr(text, '/') + 1;
	bool v6 = strchr(text, ':') != NULL;

	if (*len && strspn(len, "0123456789") == strlen(len) && strlen(len) <= 9)
		pol_error(d, loc, "prefix length %s is too long for %s (at most %d)", len,
			  v6 ? "IPv6" : "IPv4", v6 ? 128 : 32);
	else
		pol_error(d, loc, "'%.80s' has an invalid prefix length", text);
}

int ast_elems_add_addr(struct pol_diag *d, struct ast_elems *el, const char *text,
		       const struct pol_loc *loc)
{
	char canon[POL_PREFIX_STRLEN];
	struct pol_prefix p;
	struct ast_elem *e;
	bool mapped = false;

	el->listed++;
	switch (pol_prefix_parse(text, &p, &mapped)) {
	case POL_ADDR_OK:
		break;
	case POL_ADDR_HOST_BITS:
		pol_prefix_format(&p, canon, sizeof(canon));
		pol_warn(d, POL_W_HOST_BITS, loc, "'%s' has host bits set; using '%s'", text,
			 canon);
		break;
	case POL_ADDR_BAD_LENGTH:
		ast_report_length(d, text, loc);
		return 0;
	case POL_ADDR_BAD_ADDRESS:
	case POL_ADDR_ERR_MAX: /* every kind listed: -Wswitch sees a new one */
		pol_error(d, loc, "'%.80s' is not a valid address", text);
		return 0;
	}
	e = ast_elems_push(el, loc);
	if (!e)
		return -ENOMEM;
	e->kind = AST_ELEM_PREFIX;
	e->pfx = p;
	if (!mapped)
		return 0;

	pol_warn(
		d, POL_W_MAPPED, loc,
		"'%s' contains the IPv4-mapped range ::ffff:0:0/96, so it also matches every IPv4 destination",
		text);
	e = ast_elems_push(el, loc);
	if (!e)
		return -ENOMEM;
	e->kind = AST_ELEM_PREFIX;
	e->implied = true;
	e->pfx.family = 4;
	return 0;
}

bool ast_elems_full(struct pol_diag *d, const struct ast_elems *el, const struct pol_loc *loc)
{
	if (el->listed < POL_MAX_ELEMENTS)
		return false;
	pol_error(d, loc, "more than %u elements in one list (the limit)", POL_MAX_ELEMENTS);
	return true;
}

int ast_elems_add_name(struct ast_elems *el, char *name, const struct pol_loc *loc)
{
	struct ast_elem *e = ast_elems_push(el, loc);

	el->listed++;
	if (!e) {
		free(name);
		return -ENOMEM;
	}
	e->kind = AST_ELEM_NAME;
	e->name = name;
	return 0;
}

struct ast_ports *ast_ports_new(void)
{
	return calloc(1, sizeof(struct ast_ports));
}

void ast_ports_free(struct ast_ports *p)
{
	if (!p)
		return;
	free(p->v);
	free(p);
}

int ast_ports_add(struct ast_ports *p, uint16_t lo, uint16_t hi)
{
	if (POL_GROW(p->v, p->cap, p->n + 1))
		return -ENOMEM;
	p->v[p->n].lo = lo;
	p->v[p->n].hi = hi;
	p->n++;
	return 0;
}

struct ast_rule *ast_rule_new(void)
{
	return calloc(1, sizeof(struct ast_rule));
}

struct ast_strs *ast_strs_new(void)
{
	return calloc(1, sizeof(struct ast_strs));
}

void ast_strs_free(struct ast_strs *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	free(v->loc);
	free(v);
}

int ast_strs_add(struct ast_strs *v, char *s, const struct pol_loc *loc)
{
	size_t cap = v->cap;

	if (POL_GROW(v->v, cap, v->n + 1) || POL_GROW(v->loc, v->cap, v->n + 1)) {
		free(s);
		return -ENOMEM;
	}
	v->v[v->n] = s;
	v->loc[v->n++] = *loc;
	return 0;
}

void ast_rule_free(struct ast_rule *r)
{
	if (!r)
		return;
	ast_elems_free(r->dest);
	ast_ports_free(r->ports);
	ast_strs_free(r->unix_pats);
	free(r);
}

struct ast_stmt *ast_stmt_new(enum ast_stmt_kind kind, const struct pol_loc *loc)
{
	struct ast_stmt *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->kind = (uint8_t)kind;
	s->loc = *loc;
	return s;
}

void ast_stmt_free(struct ast_stmt *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->text);
	ast_elems_free(s->elems);
	ast_rule_free(s->rule);
	free(s);
}

int ast_stmts_add(struct ast_stmts *v, struct ast_stmt *s)
{
	if (POL_GROW(v->v, v->cap, v->n + 1)) {
		ast_stmt_free(s);
		return -ENOMEM;
	}
	v->v[v->n++] = s;
	return 0;
}

void ast_stmts_release(struct ast_stmts *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++)
		ast_stmt_free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = v->cap = 0;
}

/* True when [t, t + len) is on one line already: at most AST_TEXT_MAX
 * bytes, single spaces between tokens, no comment and no string (whose
 * blanks are kept).  Most rules of a long list are. */
static bool ast_text_plain(const char *t, size_t len)
{
	size_t i;

	if (!len || len > AST_TEXT_MAX || t[0] == ' ' || t[len - 1] == ' ')
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c == ' ' ? t[i + 1] == ' ' : c < ' ' || c == '#' || c == '"')
			return false;
	}
	return true;
}

size_t ast_text_collapse(char *out, const char *text, size_t from, size_t to)
{
	bool space = false, quoted = false;
	size_t n = 0, i;

	if (to > from && ast_text_plain(text + from, to - from)) {
		memcpy(out, text + from, to - from);
		out[to - from] = '\0';
		return to - from;
	}
	for (i = from; i < to && n <= AST_TEXT_MAX; i++) {
		char c = text[i];

		if (!quoted && c == '#') {
			while (i < to && text[i] != '\n')
				i++;
			space = n > 0;
			continue;
		}
		if (!quoted &&
		    (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')) {
			space = n > 0;
			continue;
		}
		if (c == '"')
			quoted = !quoted;
		if (space) {
			out[n++] = ' ';
			space = false;
			if (n > AST_TEXT_MAX)
				break;
		}
		out[n++] = c;
	}
	if (n > AST_TEXT_MAX) {
		n = AST_TEXT_MAX;
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return n;
}

size_t ast_stmt_text(const struct ast_stmt *s, char *out)
{
	size_t n;

	if (!s->text)
		return ast_text_collapse(out, s->src, s->src_from, s->src_to);
	n = strlen(s->text);
	memcpy(out, s->text, n + 1);
	return n;
}

/* The spare node in *slot, zeroed, or a new zeroed one of size bytes. */
static void *ast_cache_take(void **slot, size_t size)
{
	void *p = *slot;

	if (!p)
		return calloc(1, size);
	*slot = NULL;
	memset(p, 0, size);
	return p;
}

struct ast_stmt *ast_cache_stmt(struct ast_cache *c, enum ast_stmt_kind kind,
				const struct pol_loc *loc)
{
	struct ast_stmt *s = ast_cache_take(&c->stmt, sizeof(*s));

	if (s) {
		s->kind = (uint8_t)kind;
		s->loc = *loc;
	}
	return s;
}

struct ast_rule *ast_cache_rule(struct ast_cache *c)
{
	return ast_cache_take(&c->rule, sizeof(struct ast_rule));
}

struct ast_elems *ast_cache_elems(struct ast_cache *c)
{
	return ast_cache_take(&c->elems, sizeof(struct ast_elems));
}

/* Keep el if c has no list and el has no storage of its own; returns
 * what is left to free. */
static struct ast_elems *ast_cache_put_elems(struct ast_cache *c, struct ast_elems *el)
{
	if (!el || c->elems || el->v != &el->one)
		return el;
	if (el->n)
		free(el->one.name);
	c->elems = el;
	return NULL;
}

void ast_cache_put(struct ast_cache *c, struct ast_stmt *s)
{
	struct ast_rule *r;

	if (!s)
		return;
	r = s->rule;
	s->rule = NULL;
	if (r) {
		r->dest = ast_cache_put_elems(c, r->dest);
		if (c->rule) {
			ast_rule_free(r);
		} else {
			ast_elems_free(r->dest);
			ast_ports_free(r->ports);
			ast_strs_free(r->unix_pats);
			c->rule = r;
		}
	}
	s->elems = ast_cache_put_elems(c, s->elems);
	if (c->stmt) {
		ast_stmt_free(s);
		return;
	}
	free(s->name);
	free(s->text);
	ast_elems_free(s->elems);
	c->stmt = s;
}

void ast_cache_release(struct ast_cache *c)
{
	free(c->stmt);
	free(c->rule);
	free(c->elems);
	memset(c, 0, sizeof(*c));
}
