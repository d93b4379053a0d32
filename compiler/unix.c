/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unix.c - Unix-address and socket-creation rules into their tables
 * (unix.h).
 *
 * The automaton is built by subset construction over every pattern of
 * every Unix rule at once.  A state is a set of pattern positions plus
 * where the name stands in a small automaton of its own that tells an
 * abstract name from a path and a normal path from one that is not; its
 * verdict, per netns scope, is that of the first rule that matches a name
 * ending there.  Bytes that no pattern or that small automaton tells apart
 * share a class, so the table has a column per class, not per byte.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "intern.h"
#include "pol_limits.h"
#include "unix.h"
#include "vec.h"

#define TOK_END 0xffffu

/* Where a name stands: start, abstract, or a path just after a '/', in a
 * component "." or "..", in any other component, or not normal. */
enum name_state {
	N_START,
	N_ABSTRACT,
	N_SLASH,
	N_DOT1,
	N_DOT2,
	N_NAME,
	N_BAD,
};

static uint32_t name_step(uint32_t n, unsigned int b)
{
	switch ((enum name_state)n) {
	case N_START:
		return !b ? N_ABSTRACT : b == '/' ? N_SLASH : N_BAD;
	case N_ABSTRACT:
		return N_ABSTRACT;
	case N_SLASH:
		return b == '/' ? N_BAD : b == '.' ? N_DOT1 : N_NAME;
	case N_DOT1:
		return b == '/' ? N_BAD : b == '.' ? N_DOT2 : N_NAME;
	case N_DOT2:
		return b == '/' ? N_BAD : N_NAME;
	case N_NAME:
		return b == '/' ? N_SLASH : N_NAME;
	case N_BAD:
		break;
	}
	return N_BAD;
}

bool pol_unix_path_normal(const uint8_t *name, size_t len)
{
	uint32_t n = N_START;
	size_t i;

	for (i = 0; i < len; i++)
		n = name_step(n, name[i]);
	return n == N_NAME;
}

/* ---- patterns ---------------------------------------------------------- */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int pol_unix_escape(const char *s, const char *self, int *byte)
{
	if (s[0] == 'x' && hex_digit(s[1]) >= 0 && hex_digit(s[2]) >= 0) {
		*byte = hex_digit(s[1]) * 16 + hex_digit(s[2]);
		return 3;
	}
	if (s[0] == '0') {
		*byte = 0;
		return 1;
	}
	if (s[0] && strchr(self, s[0])) {
		*byte = (unsigned char)s[0];
		return 1;
	}
	return 0;
}

/* Tokens i..j-1 are one path component; true when it is empty, "." or
 * "..", written out (no wildcard). */
static bool component_not_normal(const uint16_t *tok, size_t i, size_t j)
{
	size_t k;

	if (j - i > 2)
		return false;
	for (k = i; k < j; k++)
		if (tok[k] != '.')
			return false;
	return true;
}

int pol_unix_pattern_parse(struct pol_diag *d, const char *text, const struct pol_loc *loc,
			   uint8_t want, struct pol_unix_pattern *out)
{
	size_t len = strlen(text), n = 0, i = 0, min = 0, start;
	int esc, byte;
	uint8_t kind = POL_UNIX_PATH;
	uint16_t *tok;

	/* A token per byte written at most, plus the abstract NUL. */
	tok = malloc((len + 1) * sizeof(*tok));
	if (!tok)
		return -ENOMEM;
	if (text[0] == '@') {
		kind = POL_UNIX_ABSTRACT;
		tok[n++] = 0;
		i = 1;
	}
	while (i < len) {
		unsigned char c = (unsigned char)text[i];

		if (c == '*') {
			size_t run = strspn(text + i, "*");

			tok[n++] = run == 1 ? POL_PAT_STAR : POL_PAT_STARSTAR;
			i += run;
			continue;
		}
		if (c != '\\') {
			tok[n++] = c;
			i++;
			continue;
		}
		esc = pol_unix_escape(text + i + 1, "\\\"*@", &byte);
		if (!esc) {
			c = (unsigned char)text[i + 1];
			pol_error(d, loc,
				  "unknown escape '\\%c' in a Unix pattern (write \\\\, \\\", \\*, "
				  "\\@, \\0 or \\xHH)",
				  c >= 0x20 && c < 0x7f ? c : '?');
			goto bad;
		}
		tok[n++] = (uint16_t)byte;
		i += 1 + (size_t)esc;
	}
	for (i = 0; i < n; i++)
		min += tok[i] < 256;
	if (want && want != kind) {
		pol_error(d, loc, "pattern \"%.80s\" is %s, but the rule says '%s'", text,
			  kind == POL_UNIX_PATH ? "a path" : "an abstract name",
			  want == POL_UNIX_PATH ? "path" : "abstract");
		goto bad;
	}
	if (min > POL_UNIX_NAME_MAX) {
		pol_error(d, loc,
			  "pattern \"%.80s\" can never match: a Unix socket name has at most %u "
			  "bytes (%u after an abstract name's '@')",
			  text, POL_UNIX_NAME_MAX, POL_UNIX_NAME_MAX - 1);
		goto bad;
	}
	if (kind == POL_UNIX_ABSTRACT)
		goto done;
	if (!n || tok[0] != '/') {
		pol_error(d, loc,
			  "Unix path pattern \"%.80s\" is not absolute: a relative path names "
			  "another socket in each working directory (write the path from '/', or "
			  "\"@name\" for an abstract name)",
			  text);
		goto bad;
	}
	for (i = 0; i < n; i++) {
		if (tok[i] == 0) {
			pol_error(d, loc,
				  "Unix path pattern \"%.80s\" holds a NUL byte: the kernel ends a "
				  "path at its first NUL",
				  text);
			goto bad;
		}
	}
	for (start = 1, i = 1; i <= n; i++) {
		if (i < n && tok[i] != '/')
			continue;
		if (component_not_normal(tok, start, i)) {
			pol_error(
				d, loc,
				"Unix path pattern \"%.80s\" is not a normal path (it has an "
				"empty, '.' or '..' component, or ends in '/'): paths are compared "
				"as written, and a path that is not normal never matches an allow "
				"rule's pattern",
				text);
			goto bad;
		}
		start = i + 1;
	}
done:
	out->tok = tok;
	out->n = n;
	out->kind = kind;
	out->loc = *loc;
	return 0;
bad:
	free(tok);
	return -EINVAL;
}

/* ---- the automaton ----------------------------------------------------- */

struct upat {
	uint32_t rule; /* rule number */
	uint32_t end;  /* the position after its last token */
	uint8_t kind;
};

struct builder {
	const struct pol_policy *p;
	struct pol_diag *d;
	uint16_t *ptok; /* per position: its token, TOK_END past a pattern */
	uint32_t n_pos;
	struct upat *pats;
	uint32_t n_pats;
	uint8_t cls[POL_UNIX_BYTES];
	uint16_t rep[POL_UNIX_BYTES]; /* a byte of each class */
	uint32_t n_classes;
	struct pol_intern states; /* [name state, positions ascending] */
	uint32_t *trans;          /* n_classes per state */
	size_t trans_cap;
	uint8_t *depth; /* bytes read to reach each state first */
	size_t depth_cap;
	uint32_t *cur, *next; /* a state's content, its successor's */
	bool *decided;        /* per rule number */
};

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Add position g and those a wildcard at it may skip to (a '*' matches
 * no byte too). */
static void add_closure(const struct builder *b, uint32_t *v, uint32_t *n, uint32_t g)
{
	for (;;) {
		v[(*n)++] = g;
		if (b->ptok[g] != POL_PAT_STAR && b->ptok[g] != POL_PAT_STARSTAR)
			return;
		g++;
	}
}

/* Sort and dedupe the positions v[1..n); return the new n. */
static uint32_t normalise(uint32_t *v, uint32_t n)
{
	uint32_t i, k = 1;

	qsort(v + 1, n - 1, sizeof(*v), u32_cmp);
	for (i = 1; i < n; i++)
		if (k == 1 || v[i] != v[k - 1])
			v[k++] = v[i];
	return k;
}

/*
 * The state after reading byte c from cur (n entries) into out.  The
 * positions no longer matter once the name is a path that is not normal,
 * or an abstract name for path patterns: they are dropped, and such
 * states merge.
 */
static uint32_t step(const struct builder *b, const uint32_t *cur, uint32_t n, unsigned int c,
		     uint32_t *out)
{
	uint32_t i, k = 1;

	out[0] = name_step(cur[0], c);
	if (out[0] == N_BAD)
		return 1;
	for (i = 1; i < n; i++) {
		uint32_t g = cur[i], t = b->ptok[g];

		if (t == TOK_END)
			continue;
		if (t < 256 ? t == c : t == POL_PAT_STARSTAR || c != '/')
			add_closure(b, out, &k, t < 256 ? g + 1 : g);
	}
	return normalise(out, k);
}

static bool has_pos(const uint32_t *v, uint32_t n, uint32_t g)
{
	return bsearch(&g, v + 1, n - 1, sizeof(*v), u32_cmp) != NULL;
}

/* Does rule r (a Unix rule) match a name ending in state v (n entries)? */
static bool rule_matches(const struct builder *b, const struct pol_rule *r, uint32_t rule,
			 const uint32_t *v, uint32_t n)
{
	uint8_t kind = v[0] == N_ABSTRACT ? POL_UNIX_ABSTRACT : POL_UNIX_PATH;
	bool normal = v[0] == N_NAME;
	uint32_t j;

	if (!r->n_patterns)
		return !!(r->unix_kinds & kind);
	for (j = 0; j < b->n_pats; j++) {
		const struct upat *u = &b->pats[j];

		if (u->rule != rule || u->kind != kind)
			continue;
		/* A path not normal may be any path: a deny rule's path
		 * pattern takes it, an allow rule's never. */
		if (kind == POL_UNIX_PATH && !normal) {
			if (r->verdict == POL_DENY)
				return true;
			continue;
		}
		if (has_pos(v, n, u->end))
			return true;
	}
	return false;
}

static void verdict_of(const struct pol_policy *p, uint32_t rule, struct pol_dec_val *out)
{
	memset(out, 0, sizeof(*out));
	if (!rule) {
		out->rule = POL_RULE_UNMATCHED;
		out->verdict = POL_ALLOW;
		return;
	}
	out->rule = rule;
	out->verdict = p->rules[rule - 1].verdict;
	out->flags = p->rules[rule - 1].flags;
}

/* The first Unix rule that matches a name ending in v in scope, or 0. */
static uint32_t first_rule(const struct builder *b, const uint32_t *v, uint32_t n, unsigned scope)
{
	uint32_t i;

	for (i = 0; i < b->p->n_rules; i++) {
		const struct pol_rule *r = &b->p->rules[i];

		if (r->domain == POL_DOMAIN_UNIX && (r->scope_mask & (1u << scope)) &&
		    rule_matches(b, r, i + 1, v, n))
			return i + 1;
	}
	return 0;
}

/* Positions, patterns and byte classes of every Unix rule. */
static int builder_init(struct builder *b)
{
	const struct pol_policy *p = b->p;
	bool distinct[POL_UNIX_BYTES] = { false };
	uint32_t i, j, k, g = 0;

	for (i = 0; i < p->n_rules; i++)
		for (j = 0; j < p->rules[i].n_patterns; j++) {
			b->n_pos += (uint32_t)p->rules[i].patterns[j].n + 1;
			b->n_pats++;
		}
	b->ptok = malloc((b->n_pos + 1) * sizeof(*b->ptok));
	b->pats = malloc((b->n_pats + 1) * sizeof(*b->pats));
	/* A state holds each position once, and its successor too while it
	 * is being built (closures may repeat positions before the dedupe). */
	b->cur = malloc((2 * (size_t)b->n_pos + 2) * sizeof(*b->cur));
	b->next = malloc((2 * (size_t)b->n_pos + 2) * sizeof(*b->next));
	b->decided = calloc(p->n_rules + 1, sizeof(*b->decided));
	if (!b->ptok || !b->pats || !b->cur || !b->next || !b->decided)
		return -ENOMEM;
	b->n_pats = 0;
	distinct[0] = distinct['/'] = distinct['.'] = true;
	for (i = 0; i < p->n_rules; i++) {
		for (j = 0; j < p->rules[i].n_patterns; j++) {
			const struct pol_unix_pattern *pt = &p->rules[i].patterns[j];

			for (k = 0; k < pt->n; k++) {
				b->ptok[g + k] = pt->tok[k];
				if (pt->tok[k] < 256)
					distinct[pt->tok[k]] = true;
			}
			b->ptok[g + pt->n] = TOK_END;
			b->pats[b->n_pats++] = (struct upat){
				.rule = i + 1,
				.end = g + (uint32_t)pt->n,
				.kind = pt->kind,
			};
			g += (uint32_t)pt->n + 1;
		}
	}
	b->ptok[g] = TOK_END;
	/* Class 0 for every byte nothing tells apart, one each for the rest. */
	b->n_classes = 1;
	b->rep[0] = 0xff;
	for (i = 0; i < POL_UNIX_BYTES; i++) {
		if (!distinct[i])
			b->rep[0] = (uint16_t)i;
	}
	for (i = 0; i < POL_UNIX_BYTES; i++) {
		b->cls[i] = 0;
		if (distinct[i]) {
			b->cls[i] = (uint8_t)b->n_classes;
			b->rep[b->n_classes++] = (uint16_t)i;
		}
	}
	return 0;
}

/* Every byte distinct leaves class 0 empty: then it is dropped. */
static void drop_empty_class(struct builder *b)
{
	uint32_t i;

	for (i = 0; i < POL_UNIX_BYTES; i++)
		if (!b->cls[i])
			return;
	for (i = 0; i < POL_UNIX_BYTES; i++)
		b->cls[i]--;
	memmove(b->rep, b->rep + 1, (b->n_classes - 1) * sizeof(*b->rep));
	b->n_classes--;
}

static int add_state(struct builder *b, const uint32_t *v, uint32_t n, uint8_t depth, uint32_t *id)
{
	uint32_t before = pol_intern_count(&b->states);
	int err = pol_intern_get(&b->states, v, n, id);

	if (err || *id < before)
		return err;
	if ((size_t)(*id + 1) * b->n_classes > POL_MAX_UNIX_DFA)
		return -E2BIG;
	err = POL_GROW(b->depth, b->depth_cap, (size_t)*id + 1);
	if (!err)
		err = POL_GROW(b->trans, b->trans_cap, (size_t)(*id + 1) * b->n_classes);
	if (!err)
		b->depth[*id] = depth;
	return err;
}

/* Breadth first from the start state; a state first reached after the
 * longest name is never left, so it loops to itself. */
static int build(struct builder *b)
{
	uint32_t i, n = 1, s, id, c;
	int err;

	b->cur[0] = N_START;
	for (i = 0; i < b->n_pats; i++) {
		uint32_t first = i ? b->pats[i - 1].end + 1 : 0;

		add_closure(b, b->cur, &n, first);
	}
	n = normalise(b->cur, n);
	err = add_state(b, b->cur, n, 0, &id);
	for (s = 0; !err && s < pol_intern_count(&b->states); s++) {
		uint32_t cnt = b->states.seq[s].cnt;

		memcpy(b->cur, pol_intern_data(&b->states, s), cnt * sizeof(*b->cur));
		for (c = 0; !err && c < b->n_classes; c++) {
			id = s;
			if (b->depth[s] < POL_UNIX_NAME_MAX) {
				n = step(b, b->cur, cnt, b->rep[c], b->next);
				err = add_state(b, b->next, n, (uint8_t)(b->depth[s] + 1), &id);
			}
			b->trans[(size_t)s * b->n_classes + c] = id;
		}
	}
	return err;
}

/* The tables: byte classes then transitions, and verdicts per state. */
static int emit(struct builder *b, struct pol_tables *t)
{
	uint32_t n_states = pol_intern_count(&b->states), s, sc;
	size_t n_dfa = POL_UNIX_BYTES + (size_t)n_states * b->n_classes;
	struct pol_dec_val *acc;
	uint32_t *dfa;

	dfa = malloc(n_dfa * sizeof(*dfa));
	acc = malloc((size_t)n_states * POL_SCOPE_MAX * sizeof(*acc));
	if (!dfa || !acc) {
		free(dfa);
		free(acc);
		return -ENOMEM;
	}
	for (s = 0; s < POL_UNIX_BYTES; s++)
		dfa[s] = b->cls[s];
	memcpy(dfa + POL_UNIX_BYTES, b->trans, (size_t)n_states * b->n_classes * sizeof(*dfa));
	for (s = 0; s < n_states; s++) {
		for (sc = 0; sc < POL_SCOPE_MAX; sc++) {
			uint32_t rule = first_rule(b, pol_intern_data(&b->states, s),
						   b->states.seq[s].cnt, sc);

			verdict_of(b->p, rule, &acc[s * POL_SCOPE_MAX + sc]);
			b->decided[rule] = true;
		}
	}
	t->unix_consts.n_states = n_states;
	t->unix_consts.n_classes = b->n_classes;
	t->unix_dfa = t->owned[5] = dfa;
	t->n_unix_dfa = (uint32_t)n_dfa;
	t->unix_acc = t->owned[6] = acc;
	t->n_unix_acc = n_states * POL_SCOPE_MAX;
	t->consts.flags |= POL_CF_USES_UNIX;
	return 0;
}

/* Report a Unix rule that decides nothing, with up to three earlier
 * rules that decide where it matches. */
static void lint_unix(struct builder *b, uint32_t rule)
{
	const struct pol_rule *r = &b->p->rules[rule - 1];
	uint32_t cover[3], n_cover = 0, s, sc, j;

	for (s = 0; s < pol_intern_count(&b->states) && n_cover < 3; s++) {
		const uint32_t *v = pol_intern_data(&b->states, s);
		uint32_t n = b->states.seq[s].cnt;

		for (sc = 0; sc < POL_SCOPE_MAX && n_cover < 3; sc++) {
			uint32_t who;

			if (!(r->scope_mask & (1u << sc)) || !rule_matches(b, r, rule, v, n))
				continue;
			who = first_rule(b, v, n, sc);
			for (j = 0; j < n_cover && cover[j] != who; j++)
				;
			if (j == n_cover && who && who < rule)
				cover[n_cover++] = who;
		}
	}
	qsort(cover, n_cover, sizeof(cover[0]), u32_cmp);
	pol_warn(b->d, POL_W_SHADOW, &r->loc,
		 "rule never matches: earlier rules cover every Unix address it matches");
	for (j = 0; j < n_cover; j++)
		pol_note(b->d, &b->p->rules[cover[j] - 1].loc, "covered by this rule");
}

static int compile_unix(const struct pol_policy *p, struct pol_diag *d, struct pol_tables *t)
{
	struct builder b = { .p = p, .d = d };
	size_t i;
	int err;

	err = builder_init(&b);
	if (!err) {
		drop_empty_class(&b);
		err = build(&b);
	}
	if (err == -E2BIG) {
		struct pol_loc loc = { .file = p->source_name };

		for (i = 0; i < p->n_rules; i++)
			if (p->rules[i].domain == POL_DOMAIN_UNIX)
				loc = p->rules[i].loc;
		pol_error(d, &loc,
			  "the Unix patterns need an automaton of more than %u entries (the "
			  "limit): use fewer patterns or fewer '*'",
			  POL_MAX_UNIX_DFA);
		err = -EINVAL;
	}
	if (!err)
		err = emit(&b, t);
	if (!err && d && d->enabled[POL_W_SHADOW])
		for (i = 1; i <= p->n_rules; i++)
			if (p->rules[i - 1].domain == POL_DOMAIN_UNIX && !b.decided[i])
				lint_unix(&b, (uint32_t)i);
	free(b.ptok);
	free(b.pats);
	free(b.cur);
	free(b.next);
	free(b.decided);
	free(b.trans);
	free(b.depth);
	pol_intern_free(&b.states);
	return err;
}

/* ---- socket creation --------------------------------------------------- */

/* first[kind * POL_SCOPE_MAX + scope]: 1 + the first socket rule matching
 * that case, or 0; filled by pol_unix_compile()'s one pass over the
 * rules. */
static int compile_sock(const struct pol_policy *p, struct pol_diag *d, struct pol_tables *t,
			const uint32_t first[POL_SOCK_ENTRIES], size_t n_sock)
{
	uint32_t kind, sc, e;
	size_t i;

	for (e = 0; e < POL_SOCK_ENTRIES; e++) {
		verdict_of(p, first[e], &t->sock[e]);
		if (first[e])
			t->consts.flags |= POL_CF_USES_SOCK;
	}
	/* Four cases: a rule that decides none is covered by the rules that
	 * decide its cases, each named once, in rule order (one rule may
	 * decide cases that are not next to each other). */
	for (i = 0; n_sock && d && d->enabled[POL_W_SHADOW] && i < p->n_rules; i++) {
		const struct pol_rule *r = &p->rules[i];
		uint32_t cover[POL_SOCK_ENTRIES], n_cover = 0, j;

		if (r->domain != POL_DOMAIN_SOCK)
			continue;
		for (e = 0; e < POL_SOCK_ENTRIES && first[e] != i + 1; e++)
			;
		if (e < POL_SOCK_ENTRIES)
			continue;
		pol_warn(d, POL_W_SHADOW, &r->loc,
			 "rule never matches: earlier rules cover every socket it matches");
		for (kind = 0; kind < POL_SOCK_MAX; kind++)
			for (sc = 0; sc < POL_SCOPE_MAX; sc++) {
				uint32_t who = t->sock[kind * POL_SCOPE_MAX + sc].rule;

				if (!(r->sock_kinds & (1u << kind)) ||
				    !(r->scope_mask & (1u << sc)) || who == POL_RULE_UNMATCHED)
					continue;
				for (j = 0; j < n_cover && cover[j] != who; j++)
					;
				if (j == n_cover)
					cover[n_cover++] = who;
			}
		qsort(cover, n_cover, sizeof(cover[0]), u32_cmp);
		for (j = 0; j < n_cover; j++)
			pol_note(d, &p->rules[cover[j] - 1].loc, "covered by this rule");
	}
	return 0;
}

int pol_unix_compile(const struct pol_policy *p, struct pol_diag *d, struct pol_tables *t)
{
	uint32_t first[POL_SOCK_ENTRIES] = { 0 }, kind, sc;
	size_t i, n_sock = 0;
	bool any_unix = false;
	int err;

	memset(&t->unix_consts, 0, sizeof(t->unix_consts));
	/* One pass over the rules, however many IP rules the policy has:
	 * whether any judges Unix addresses, and the first socket rule of
	 * each socket case. */
	for (i = 0; i < p->n_rules; i++) {
		const struct pol_rule *r = &p->rules[i];

		if (r->domain == POL_DOMAIN_UNIX)
			any_unix = true;
		if (r->domain != POL_DOMAIN_SOCK)
			continue;
		n_sock++;
		for (kind = 0; kind < POL_SOCK_MAX; kind++)
			for (sc = 0; sc < POL_SCOPE_MAX; sc++)
				if (!first[kind * POL_SCOPE_MAX + sc] &&
				    (r->sock_kinds & (1u << kind)) && (r->scope_mask & (1u << sc)))
					first[kind * POL_SCOPE_MAX + sc] = (uint32_t)i + 1;
	}
	err = any_unix ? compile_unix(p, d, t) : 0;
	return err ? err : compile_sock(p, d, t, first, n_sock);
}
