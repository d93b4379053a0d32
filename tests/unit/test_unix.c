/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_unix.c - the Unix-address DFA and the socket table against the
 * reference evaluator.  Random policies of `unix` and `socket` rules (and
 * a few IP rules), written as source text and compiled by the real front
 * end, then decided, written, read back and probed: every Unix name and
 * every socket kind must get the same verdict, rule and flags from the
 * tables (classify.h) as from refeval.c.  Patterns come from a small
 * alphabet, so they overlap and collide; the names are drawn from the
 * patterns (literal parts kept or mutated, wildcards filled), with paths
 * made not normal, NULs after a path and abstract names with NULs in
 * them.  Rules the shadow lint reports must decide nothing.
 * JAILPOL_SEED=N replays a run.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../bpf/templates/policy_abi.h"
#include "../fuzz/fuzz.h"
#include "decide.h"
#include "diag.h"
#include "emit.h"
#include "policy_read.h"
#include "refeval.h"
#include "rng.h"
#include "tables.h"
#include "unit.h"
#include "unix.h"

/* classify.h's types and canonicalisation, without its lookups. */
#define POL_CLASSIFY_TYPES_ONLY
#include "../../bpf/templates/classify.h"

#define N_POLICIES 1500
#define NAMES_PER_POLICY 400
#define MAX_RULES 12
#define MAX_PATS 4
#define MAX_TOK (POL_UNIX_NAME_MAX + 4)
#define SRC_MAX 16384

static struct test_rng rng;

static uint32_t rn(uint32_t n)
{
	return test_rng_below(&rng, n);
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A pattern as generated: tokens as in struct pol_unix_pattern (the
 * abstract name's leading NUL included). */
struct gpat {
	uint16_t tok[MAX_TOK + 1];
	size_t n;
	uint8_t kind;
};

struct gen {
	struct gpat pats[MAX_RULES * MAX_PATS];
	size_t n_pats;
	char src[SRC_MAX];
	size_t len;
	unsigned int where; /* emit_netns_log() */
};

static void emitf(struct gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void emitf(struct gen *g, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(g->src + g->len, sizeof(g->src) - g->len, fmt, ap);
	va_end(ap);
	REQUIRE(n >= 0 && (size_t)n < sizeof(g->src) - g->len, "policy text too long");
	g->len += (size_t)n;
}

/* Bytes of the patterns' literals: few, so patterns collide. */
static uint16_t literal(uint8_t kind)
{
	static const uint8_t path_bytes[] = { 'a', 'a', 'b', 'b', '.', '/', '*', 0xff, 'c' };
	static const uint8_t abs_bytes[] = { 'a', 'b', '.', '/', 0, '*', 0xff, '@' };

	if (kind == POL_UNIX_PATH)
		return path_bytes[rn(ARRAY_SIZE(path_bytes))];
	return abs_bytes[rn(ARRAY_SIZE(abs_bytes))];
}

/* A path component: literals and wildcards, never empty, "." or "..". */
static void gen_component(struct gpat *p)
{
	size_t len = 1 + rn(4), i, start = p->n;

	for (i = 0; i < len && p->n < MAX_TOK; i++) {
		uint32_t k = rn(10);

		if (k < 2)
			p->tok[p->n++] = POL_PAT_STAR;
		else if (k < 3)
			p->tok[p->n++] = POL_PAT_STARSTAR;
		else {
			uint16_t c = literal(POL_UNIX_PATH);

			p->tok[p->n++] = c == '/' ? 'a' : c;
		}
	}
	if (p->n == start)
		p->tok[p->n++] = 'a';
	for (i = start; i < p->n && p->tok[i] == '.'; i++)
		;
	if (i == p->n && p->n - start <= 2)
		p->tok[p->n - 1] = 'b';
}

/* A pattern near the length of sun_path: the automaton stops counting
 * there.  Literals (the leading '/' or NUL among them) up to 108, and a
 * wildcard or two. */
static void gen_long_pattern(struct gpat *p)
{
	size_t lits = POL_UNIX_NAME_MAX - rn(12), i, stars = rn(3);

	p->tok[p->n++] = p->kind == POL_UNIX_PATH ? '/' : 0;
	for (i = 1; i < lits; i++)
		p->tok[p->n++] = rn(4) ? 'a' : 'b';
	while (stars--) {
		size_t at = 1 + rn((uint32_t)p->n - 1);

		memmove(p->tok + at + 1, p->tok + at, (p->n - at) * sizeof(p->tok[0]));
		p->tok[at] = rn(2) ? POL_PAT_STAR : POL_PAT_STARSTAR;
		p->n++;
	}
}

static void gen_pattern(struct gpat *p, uint8_t kind)
{
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	if (!rn(25)) {
		gen_long_pattern(p);
		return;
	}
	if (kind == POL_UNIX_ABSTRACT) {
		size_t len = rn(8), i;

		p->tok[p->n++] = 0;
		for (i = 0; i < len; i++) {
			uint32_t k = rn(10);

			p->tok[p->n++] = k < 2   ? POL_PAT_STAR
					 : k < 3 ? POL_PAT_STARSTAR
						 : literal(kind);
		}
		return;
	}
	do {
		p->tok[p->n++] = '/';
		gen_component(p);
	} while (p->n < 18 && rn(3));
}

/* One byte of a pattern as source text: plain where it can be, else (or
 * at random) escaped. */
static void emit_byte(struct gen *g, unsigned int c, bool first)
{
	bool plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '*' &&
		     !(first && c == '@');

	if (plain && rn(8)) {
		emitf(g, "%c", c);
		return;
	}
	if (!c && rn(2))
		emitf(g, "\\0");
	else if ((c == '\\' || c == '"' || c == '*' || c == '@') && rn(2))
		emitf(g, "\\%c", c);
	else
		emitf(g, rn(2) ? "\\x%02x" : "\\x%02X", c);
}

static void emit_pattern(struct gen *g, const struct gpat *p)
{
	size_t i = 0;

	emitf(g, "\"");
	if (p->kind == POL_UNIX_ABSTRACT) {
		emitf(g, "@");
		i = 1;
	}
	for (; i < p->n; i++) {
		/* A run of '*' of two or more is one '**': keep a '*' next
		 * to another wildcard apart by writing it out as '**'. */
		if (p->tok[i] == POL_PAT_STAR)
			emitf(g, "*");
		else if (p->tok[i] == POL_PAT_STARSTAR)
			emitf(g, rn(4) ? "**" : "***");
		else
			emit_byte(g, p->tok[i], i == 0);
	}
	emitf(g, "\"");
}

/* Conditions of every domain, before the rule's own (where = 0) or after
 * them (where = 1); each is written once. */
static void emit_netns_log(struct gen *g, unsigned int where)
{
	if (where != g->where)
		return;
	if (!rn(3))
		emitf(g, " netns %s", rn(2) ? "host" : "container");
	if (!rn(4))
		emitf(g, " log");
}

static void gen_unix_rule(struct gen *g)
{
	uint32_t k = rn(8), n, i;
	uint8_t kinds = k < 1 ? POL_UNIX_ABSTRACT : k < 2 ? POL_UNIX_PATH : 0;
	bool braces;

	emit_netns_log(g, 0);
	emitf(g, " unix%s",
	      kinds == POL_UNIX_ABSTRACT ? " abstract"
	      : kinds == POL_UNIX_PATH   ? " path"
					 : "");
	n = rn(8) ? 1 + rn(MAX_PATS) : 0;
	braces = n > 1 || (n == 1 && !rn(3));
	if (braces)
		emitf(g, " {");
	for (i = 0; i < n; i++) {
		struct gpat *p = &g->pats[g->n_pats++];
		uint8_t kind = kinds ? kinds : rn(2) ? POL_UNIX_PATH : POL_UNIX_ABSTRACT;

		gen_pattern(p, kind);
		emitf(g, "%s ", i ? "," : "");
		emit_pattern(g, p);
	}
	if (braces)
		emitf(g, "%s }", rn(3) ? "" : ",");
	emit_netns_log(g, 1);
}

static void gen_sock_rule(struct gen *g)
{
	static const char *const kinds[] = { "raw", "ping", "{ raw, ping }", "{ ping }",
					     "{ ping, raw, }" };

	emit_netns_log(g, 0);
	emitf(g, " socket %s", kinds[rn(ARRAY_SIZE(kinds))]);
	emit_netns_log(g, 1);
}

static void gen_ip_rule(struct gen *g)
{
	static const char *const conds[] = { "10.0.0.0/8",    "to 192.168.1.1 port 443",
					     "any proto udp", "::1 port 22-23",
					     "host",          "loopback" };

	emit_netns_log(g, 0);
	emitf(g, " %s", conds[rn(ARRAY_SIZE(conds))]);
	emit_netns_log(g, 1);
}

/* The policy text: the default on line 1, rule i on line i + 1. */
static size_t gen_policy(struct gen *g)
{
	size_t n = 1 + rn(MAX_RULES), i;

	g->len = 0;
	g->n_pats = 0;
	emitf(g, "default %s;\n", rn(2) ? "allow" : "deny");
	for (i = 0; i < n; i++) {
		uint32_t k = rn(10);

		emitf(g, "%s", rn(2) ? "allow" : "deny");
		g->where = rn(4) ? 1 : 0;
		if (k < 7)
			gen_unix_rule(g);
		else if (k < 9)
			gen_sock_rule(g);
		else
			gen_ip_rule(g);
		emitf(g, ";\n");
	}
	return n;
}

/* ---- names ------------------------------------------------------------- */

static uint8_t name_byte(bool slash)
{
	static const uint8_t bytes[] = { 'a', 'b', '.', '*', 0xff, 'c', '@', 0, '/', '/' };

	return bytes[rn(slash ? ARRAY_SIZE(bytes) : ARRAY_SIZE(bytes) - 2)];
}

static void put(struct pol_unix_query *q, uint8_t c)
{
	if (q->len < POL_UNIX_NAME_MAX)
		q->name[q->len++] = c;
}

/* A name that p matches, mostly: literals kept (now and then one
 * changed), '*' filled with bytes but '/' (now and then one), '**' with
 * any bytes. */
static void name_from(struct pol_unix_query *q, const struct gpat *p)
{
	size_t i, j, run;

	for (i = 0; i < p->n; i++) {
		uint16_t t = p->tok[i];

		if (t < 256) {
			put(q, rn(20) ? (uint8_t)t : name_byte(true));
			continue;
		}
		run = rn(t == POL_PAT_STAR ? 4 : 6);
		for (j = 0; j < run; j++)
			put(q, name_byte(t == POL_PAT_STARSTAR || !rn(15)));
	}
}

/* Make the path in q not normal, in one of the ways a path can be. */
static void make_not_normal(struct pol_unix_query *q)
{
	static const char *const bits[] = { "/./", "/../", "//", "/.", "/.." };
	size_t at = q->len ? rn(q->len) : 0, i, n;
	uint8_t tmp[POL_UNIX_NAME_MAX];
	const char *b;

	switch (rn(4)) {
	case 0: /* relative */
		if (q->len > 1 && q->name[0] == '/') {
			memmove(q->name, q->name + 1, --q->len);
			return;
		}
		break;
	case 1: /* trailing '/' */
		put(q, '/');
		return;
	default:
		break;
	}
	b = bits[rn(ARRAY_SIZE(bits))];
	n = strlen(b);
	memcpy(tmp, q->name + at, q->len - at);
	i = q->len - at;
	q->len = (uint16_t)at;
	while (*b)
		put(q, (uint8_t)*b++);
	for (n = 0; n < i; n++)
		put(q, tmp[n]);
}

static void random_name(struct pol_unix_query *q, const struct gen *g)
{
	uint32_t k = rn(20);
	size_t len, i;

	memset(q, 0, sizeof(*q));
	q->scope = (uint8_t)rn(POL_SCOPE_MAX);
	if (k < 13 && g->n_pats) {
		const struct gpat *p = &g->pats[rn((uint32_t)g->n_pats)];

		name_from(q, p);
		k = rn(12);
		if (p->kind == POL_UNIX_PATH && k < 3)
			make_not_normal(q);
		else if (p->kind == POL_UNIX_PATH && k < 5) {
			/* The kernel ends a path at its first NUL. */
			put(q, 0);
			for (len = rn(6), i = 0; i < len; i++)
				put(q, name_byte(true));
		} else if (k < 6 && q->len) {
			q->name[rn(q->len)] = name_byte(true);
		} else if (k < 7 && q->len > 1) {
			q->len--;
		} else if (k < 8) {
			/* Long names, up to the limit of sun_path. */
			while (q->len < POL_UNIX_NAME_MAX - rn(3))
				put(q, name_byte(rn(2)));
		}
	} else {
		len = 1 + rn(k < 18 ? 12 : POL_UNIX_NAME_MAX);
		put(q, rn(3) ? '/' : rn(2) ? 0 : name_byte(true));
		for (i = 1; i < len; i++)
			put(q, name_byte(true));
	}
	if (!q->len)
		put(q, rn(2) ? '/' : 0);
}

static void print_name(const char *what, const struct pol_unix_query *q, const struct pol_result *r)
{
	size_t i;

	fprintf(stderr, "  %s: scope %u len %u name \"", what, q->scope, q->len);
	for (i = 0; i < q->len; i++) {
		uint8_t c = q->name[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
	fprintf(stderr, "\" -> rule %u verdict %u flags %u\n", r->rule, r->verdict, r->flags);
}

/* ---- compiling and comparing ------------------------------------------- */

struct stats {
	unsigned long policies, skipped, names, by_pattern, by_rule, unmatched, not_normal;
	unsigned long socks, shadow_warnings, mismatches;
};

/* Rules the shadow lint reported, from the diagnostics ("fuzz.jp:N:"),
 * as rule numbers (line - 1). */
static void parse_shadowed(const char *text, bool *shadowed, size_t n_rules)
{
	const char *s = text;

	while ((s = strstr(s, "fuzz.jp:"))) {
		const char *eol = strchr(s, '\n'), *w = strstr(s, "rule never matches");
		int line;

		if (sscanf(s, "fuzz.jp:%d:", &line) == 1 && w && (!eol || w < eol) && line >= 2 &&
		    (size_t)line - 1 <= n_rules)
			shadowed[line - 1] = true;
		s = eol ? eol : s + 1;
	}
}

/* Front end, decide, emit and read back.  1: compiled; 0: the automaton
 * is over its limit (skipped); -1: failed (reported). */
static int compile_text(const char *src, size_t len, struct pol_policy **pp, struct pol_tables *out,
			bool *shadowed, size_t n_rules)
{
	struct pol_tables t;
	struct pol_diag d;
	char *diag = NULL, err[256];
	size_t diag_len = 0;
	void *buf = NULL;
	size_t blen;
	int ret, res = -1;
	FILE *f;

	f = open_memstream(&diag, &diag_len);
	REQUIRE(f, "open_memstream");
	pol_diag_init(&d, f);
	ret = fuzz_frontend((const uint8_t *)src, len, false, &d, pp);
	if (!ret && !d.n_errors)
		ret = pol_decide(*pp, &d, &t);
	else if (!ret)
		ret = -EINVAL;
	fflush(f);
	if (ret) {
		if (diag && strstr(diag, "need an automaton of more than"))
			res = 0;
		else
			fprintf(stderr, "compile failed (%d):\n%s\n%s", ret, diag ? diag : "", src);
		goto out;
	}
	parse_shadowed(diag, shadowed, n_rules);
	ret = pol_emit(&t, &buf, &blen);
	pol_tables_free(&t);
	if (ret) {
		fprintf(stderr, "emit: %d\n", ret);
		goto out;
	}
	ret = pol_read_buf(buf, blen, out, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "read back failed: %s\n%s", err, src);
		goto out;
	}
	res = 1;
out:
	pol_diag_free(&d);
	fclose(f);
	free(diag);
	free(buf);
	if (res != 1 && *pp) {
		pol_policy_free(*pp);
		*pp = NULL;
	}
	return res;
}

static bool same(const struct pol_result *a, const struct pol_result *b)
{
	return a->rule == b->rule && a->verdict == b->verdict && a->flags == b->flags;
}

/* A rule the lint called dead must decide nothing. */
static bool check_decider(const struct pol_result *r, const bool *shadowed, size_t n_rules)
{
	if (r->rule >= 1 && r->rule <= n_rules && shadowed[r->rule]) {
		fprintf(stderr, "rule %u was reported as never matching, yet decides\n", r->rule);
		return false;
	}
	return true;
}

static void one_policy(struct gen *g, struct stats *st)
{
	bool shadowed[MAX_RULES + 2] = { false };
	struct pol_policy *p = NULL;
	struct pol_tables t;
	size_t n_rules = gen_policy(g), i;
	unsigned int kind, scope;
	int n, res;

	res = compile_text(g->src, g->len, &p, &t, shadowed, n_rules);
	if (res <= 0) {
		st->skipped += !res;
		st->mismatches += res < 0;
		return;
	}
	st->policies++;
	for (i = 1; i <= n_rules; i++)
		st->shadow_warnings += shadowed[i];
	if (p->n_rules != n_rules) {
		fprintf(stderr, "%zu rules written, %zu read:\n%s", n_rules, p->n_rules, g->src);
		st->mismatches++;
		goto out;
	}
	for (n = 0; n < NAMES_PER_POLICY; n++) {
		struct pol_unix_query q0, q1, q2;
		struct pol_result a, b;

		random_name(&q0, g);
		for (scope = 0; scope < POL_SCOPE_MAX; scope++) {
			q0.scope = (uint8_t)scope;
			q1 = q2 = q0;
			pol_ref_eval_unix(p, &q1, &a);
			pol_tables_classify_unix(&t, &q2, &b);
			st->names++;
			if (!same(&a, &b) || !check_decider(&a, shadowed, n_rules)) {
				print_name("reference", &q0, &a);
				print_name("tables", &q0, &b);
				fprintf(stderr, "policy:\n%s", g->src);
				st->mismatches++;
				goto out;
			}
			if (a.rule == POL_RULE_UNMATCHED)
				st->unmatched++;
			else if (p->rules[a.rule - 1].n_patterns)
				st->by_pattern++;
			else
				st->by_rule++;
			st->not_normal += q1.name[0] && !pol_unix_path_normal(q1.name, q1.len);
		}
	}
	for (kind = 0; kind < POL_SOCK_MAX; kind++) {
		for (scope = 0; scope < POL_SCOPE_MAX; scope++) {
			struct pol_result a, b;

			pol_ref_eval_sock(p, kind, scope, &a);
			pol_tables_classify_sock(&t, kind, scope, &b);
			st->socks++;
			if (!same(&a, &b) || !check_decider(&a, shadowed, n_rules)) {
				fprintf(stderr,
					"socket kind %u scope %u: reference rule %u verdict %u flags %u, tables rule %u verdict %u flags %u\npolicy:\n%s",
					kind, scope, a.rule, a.verdict, a.flags, b.rule, b.verdict,
					b.flags, g->src);
				st->mismatches++;
				goto out;
			}
		}
	}
out:
	pol_tables_free(&t);
	pol_policy_free(p);
}

/* ---- known answers ----------------------------------------------------- */

/* Verdicts stated by the language, not by either implementation: the
 * reference and the tables must both give them. */
struct fixed_case {
	const char *src;
	const char *name; /* "@" for the leading NUL of an abstract name */
	size_t len;       /* 0: strlen(name) */
	uint8_t scope;
	uint32_t rule;
	uint8_t verdict, flags;
};

#define UNM POL_RULE_UNMATCHED

static const struct fixed_case fixed_cases[] = {
	{ "deny unix path \"/var/run/docker.sock\" log;\n", "/var/run/docker.sock", 0, 1, 1,
	  POL_DENY, POL_RF_LOG },
	/* Not normal: every deny rule's path pattern takes it. */
	{ "deny unix path \"/var/run/docker.sock\";\n", "/var/run//docker.sock", 0, 1, 1, POL_DENY,
	  0 },
	{ "deny unix path \"/var/run/docker.sock\";\n", "var/run/docker.sock", 0, 1, 1, POL_DENY,
	  0 },
	{ "deny unix path \"/var/run/docker.sock\";\n", "/var/run/docker.sock/", 0, 1, 1, POL_DENY,
	  0 },
	/* The kernel ends a path at its first NUL. */
	{ "deny unix path \"/var/run/docker.sock\";\n", "/var/run/docker.sock\0junk", 25, 1, 1,
	  POL_DENY, 0 },
	{ "deny unix path \"/var/run/docker.sock\";\n", "/var/run/docker.sockx", 0, 1, UNM,
	  POL_ALLOW, 0 },
	{ "deny unix path \"/var/run/docker.sock\";\n", "@/var/run/docker.sock", 0, 1, UNM,
	  POL_ALLOW, 0 },
	{ "allow unix \"/run/user/*/pulse/native\";\ndeny unix;\n", "/run/user/1000/pulse/native",
	  0, 0, 1, POL_ALLOW, 0 },
	{ "allow unix \"/run/user/*/pulse/native\";\ndeny unix;\n", "/run/user/1/2/pulse/native", 0,
	  0, 2, POL_DENY, 0 },
	/* Not normal: no allow rule's path pattern takes it. */
	{ "allow unix \"/run/user/*/pulse/native\";\ndeny unix;\n", "/run/user/../pulse/native", 0,
	  0, 2, POL_DENY, 0 },
	{ "allow unix \"/x/**\";\n", "/x/a/b/c", 0, 0, 1, POL_ALLOW, 0 },
	{ "allow unix \"/x/**\";\n", "/x/a/./c", 0, 0, UNM, POL_ALLOW, 0 },
	{ "allow unix \"/x/**\";\ndeny unix path;\n", "/x/a/./c", 0, 0, 2, POL_DENY, 0 },
	/* An abstract name is every byte, NULs too; '*' stops at '/'. */
	{ "allow unix \"@a*\";\ndeny unix;\n", "@abc", 0, 0, 1, POL_ALLOW, 0 },
	{ "allow unix \"@a*\";\ndeny unix;\n", "@a\0b", 4, 0, 1, POL_ALLOW, 0 },
	{ "allow unix \"@a*\";\ndeny unix;\n", "@a/b", 0, 0, 2, POL_DENY, 0 },
	{ "allow unix \"@a\";\ndeny unix;\n", "@a\0", 3, 0, 2, POL_DENY, 0 },
	{ "allow unix \"@a\\0\";\ndeny unix;\n", "@a\0", 3, 0, 1, POL_ALLOW, 0 },
	{ "allow unix \"@\\x61\\*\";\ndeny unix;\n", "@a*", 0, 0, 1, POL_ALLOW, 0 },
	{ "allow unix \"@\\x61\\*\";\ndeny unix;\n", "@ab", 0, 0, 2, POL_DENY, 0 },
	{ "deny unix abstract netns host;\n", "@x", 0, POL_SCOPE_HOST, 1, POL_DENY, 0 },
	{ "deny unix abstract netns host;\n", "@x", 0, POL_SCOPE_CONTAINER, UNM, POL_ALLOW, 0 },
	{ "deny unix abstract netns host;\n", "/x", 0, POL_SCOPE_HOST, UNM, POL_ALLOW, 0 },
	/* IP and socket rules never judge a Unix address. */
	{ "deny any;\ndeny socket raw;\nallow unix \"/a\";\n", "/b", 0, 0, UNM, POL_ALLOW, 0 },
};

/* Socket verdicts of one policy: raw/host, raw/container, ping/host,
 * ping/container. */
static void sock_fixed(void)
{
	static const char src[] = "default deny;\n"
				  "allow 10.0.0.0/8;\n"
				  "deny socket { raw, ping } netns host log;\n"
				  "allow socket raw;\n"
				  "deny socket ping;\n";
	static const struct {
		uint32_t rule;
		uint8_t verdict, flags;
	} want[POL_SOCK_ENTRIES] = {
		{ 2, POL_DENY, POL_RF_LOG },
		{ 3, POL_ALLOW, 0 },
		{ 2, POL_DENY, POL_RF_LOG },
		{ 4, POL_DENY, 0 },
	};
	bool shadowed[8] = { false };
	struct pol_policy *p = NULL;
	struct pol_tables t;
	unsigned int i;

	REQUIRE(compile_text(src, sizeof(src) - 1, &p, &t, shadowed, 4) == 1, "compile");
	for (i = 0; i < POL_SOCK_ENTRIES; i++) {
		struct pol_result a, b;

		pol_ref_eval_sock(p, i / POL_SCOPE_MAX, i % POL_SCOPE_MAX, &a);
		pol_tables_classify_sock(&t, i / POL_SCOPE_MAX, i % POL_SCOPE_MAX, &b);
		CHECK(a.rule == want[i].rule && a.verdict == want[i].verdict &&
			      a.flags == want[i].flags,
		      "socket case %u: reference rule %u verdict %u flags %u", i, a.rule, a.verdict,
		      a.flags);
		CHECK(same(&a, &b), "socket case %u: tables rule %u verdict %u flags %u", i, b.rule,
		      b.verdict, b.flags);
	}
	pol_tables_free(&t);
	pol_policy_free(p);

	/* No socket rule: every case unmatched, allowed. */
	REQUIRE(compile_text("default deny;\ndeny any;\n", 24, &p, &t, shadowed, 1) == 1,
		"compile");
	for (i = 0; i < POL_SOCK_ENTRIES; i++) {
		struct pol_result b;

		pol_tables_classify_sock(&t, i / POL_SCOPE_MAX, i % POL_SCOPE_MAX, &b);
		CHECK(b.rule == UNM && b.verdict == POL_ALLOW && !b.flags,
		      "socket case %u without socket rules: rule %u verdict %u", i, b.rule,
		      b.verdict);
	}
	pol_tables_free(&t);
	pol_policy_free(p);
}

static void unix_fixed(void)
{
	bool shadowed[8] = { false };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fixed_cases); i++) {
		const struct fixed_case *c = &fixed_cases[i];
		struct pol_unix_query q0 = { .scope = c->scope }, q;
		struct pol_policy *p = NULL;
		struct pol_tables t;
		struct pol_result a, b;
		size_t len = c->len ? c->len : strlen(c->name);

		char src[256];
		int n = snprintf(src, sizeof(src), "default deny;\n%s", c->src);

		REQUIRE(n > 0 && (size_t)n < sizeof(src) &&
				compile_text(src, (size_t)n, &p, &t, shadowed, 4) == 1,
			"compile case %zu", i);
		memcpy(q0.name, c->name, len);
		if (q0.name[0] == '@')
			q0.name[0] = 0;
		q0.len = (uint16_t)len;
		q = q0;
		pol_ref_eval_unix(p, &q, &a);
		q = q0;
		pol_tables_classify_unix(&t, &q, &b);
		CHECK(a.rule == c->rule && a.verdict == c->verdict && a.flags == c->flags,
		      "case %zu (%s on %s): reference rule %u verdict %u flags %u", i, c->name,
		      c->src, a.rule, a.verdict, a.flags);
		CHECK(same(&a, &b), "case %zu (%s on %s): tables rule %u verdict %u flags %u", i,
		      c->name, c->src, b.rule, b.verdict, b.flags);
		pol_tables_free(&t);
		pol_policy_free(p);
	}
}

int main(void)
{
	static struct gen g;
	struct stats st = { 0 };
	const char *env = getenv("JAILPOL_SEED");
	uint64_t seed;
	int i;

	seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
	printf("seed: %llu\n", (unsigned long long)seed);
	fflush(stdout);
	rng.s = seed;

	unix_fixed();
	sock_fixed();
	for (i = 0; i < N_POLICIES && !st.mismatches; i++)
		one_policy(&g, &st);
	CHECK(!st.mismatches, "%lu mismatches (replay with JAILPOL_SEED=%llu)", st.mismatches,
	      (unsigned long long)seed);
	/* The generator must make names that patterns match, and paths that
	 * are not normal, or the comparison proves little. */
	CHECK(st.mismatches || st.by_pattern * 10 >= st.names,
	      "only %lu of %lu names decided by a pattern", st.by_pattern, st.names);
	CHECK(st.mismatches || st.not_normal * 50 >= st.names, "only %lu of %lu paths not normal",
	      st.not_normal, st.names);
	CHECK(st.mismatches || st.skipped * 10 <= N_POLICIES, "%lu policies over the DFA limit",
	      st.skipped);
	printf("random: %lu policies (%lu over the automaton limit), %lu names: %lu by a pattern, %lu by a rule without patterns, %lu unmatched, %lu not normal; %lu socket cases; %lu shadow warnings\n",
	       st.policies, st.skipped, st.names, st.by_pattern, st.by_rule, st.unmatched,
	       st.not_normal, st.socks, st.shadow_warnings);
	return unit_summary();
}
