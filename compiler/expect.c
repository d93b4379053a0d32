/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../bpf/templates/policy_abi.h"
#include "expect.h"
#include "names.h"
#include "source.h"
#include "tables.h"
#include "vec.h"

/* pol_tables_classify() runs the classifier; only its types are needed. */
#define POL_CLASSIFY_TYPES_ONLY
#include "../bpf/templates/classify.h"

/* ---- reading ----------------------------------------------------------- */

struct lex {
	struct pol_diag *d;
	const char *name; /* the diag's copy */
	const char *s;
	size_t len, pos;
	int line, col;
	int last_line, last_col; /* just past the last token read */
	bool failed;
};

static int peek(const struct lex *l)
{
	return l->pos < l->len ? (unsigned char)l->s[l->pos] : -1;
}

static void advance(struct lex *l)
{
	if (l->s[l->pos++] == '\n') {
		l->line++;
		l->col = 1;
	} else {
		l->col++;
	}
}

/* Blanks, newlines and '#' comments. */
static void skip_blank(struct lex *l)
{
	int c;

	while ((c = peek(l)) >= 0) {
		if (c == '#') {
			while ((c = peek(l)) >= 0 && c != '\n')
				advance(l);
		} else if (isspace(c)) {
			advance(l);
		} else {
			break;
		}
	}
}

static struct pol_loc here(const struct lex *l)
{
	return (struct pol_loc){ .file = l->name,
				 .line = l->line,
				 .col = l->col,
				 .end_line = l->line,
				 .end_col = l->col };
}

/* The span from *at to just before the lexer's position. */
static void span_to_here(struct pol_loc *at, struct lex *l)
{
	at->end_line = l->line;
	at->end_col = l->col > 1 ? l->col - 1 : 1;
	l->last_line = l->line;
	l->last_col = l->col;
}

static void error_at(struct lex *l, const struct pol_loc *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void error_at(struct lex *l, const struct pol_loc *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pol_verror(l->d, at, fmt, ap);
	va_end(ap);
	l->failed = true;
}

/* A word of letters, digits, '_' and '-' into buf (cut to size), its
 * place in *at; false if none starts here. */
static bool word(struct lex *l, char *buf, size_t size, struct pol_loc *at)
{
	size_t n = 0;
	int c;

	skip_blank(l);
	*at = here(l);
	while ((c = peek(l)) >= 0 && (isalnum(c) || c == '_' || c == '-')) {
		if (n + 1 < size)
			buf[n++] = (char)c;
		advance(l);
	}
	buf[n] = '\0';
	span_to_here(at, l);
	return n > 0;
}

/* The raw text of a destination: up to a blank, ';' or '#'. */
static bool raw(struct lex *l, char *buf, size_t size, struct pol_loc *at)
{
	size_t n = 0;
	int c;

	skip_blank(l);
	*at = here(l);
	while ((c = peek(l)) >= 0 && !isspace(c) && c != ';' && c != '#') {
		if (n + 1 < size)
			buf[n++] = (char)c;
		else
			n = size; /* too long: said by the caller */
		advance(l);
	}
	buf[n < size ? n : size - 1] = '\0';
	span_to_here(at, l);
	return n > 0 && n < size;
}

/* A "..." string (\" and \\ escape), malloc'ed into *out. */
static int string(struct lex *l, char **out, struct pol_loc *at)
{
	char *v = NULL;
	size_t n = 0, cap = 0;
	int c;

	skip_blank(l);
	*at = here(l);
	*out = NULL;
	if (peek(l) != '"') {
		error_at(l, at, "expected a \"quoted\" file name");
		return -EINVAL;
	}
	advance(l);
	while ((c = peek(l)) >= 0 && c != '"' && c != '\n') {
		if (c == '\\') {
			advance(l);
			c = peek(l);
			if (c != '"' && c != '\\') {
				error_at(l, at, "a string escapes only \\\" and \\\\");
				free(v);
				return -EINVAL;
			}
		}
		if (POL_GROW(v, cap, n + 2)) {
			free(v);
			return -ENOMEM;
		}
		v[n++] = (char)c;
		advance(l);
	}
	if (c != '"') {
		span_to_here(at, l);
		error_at(l, at, "the string has no closing '\"' on its line");
		free(v);
		return -EINVAL;
	}
	advance(l);
	span_to_here(at, l);
	if (!n) {
		error_at(l, at, "expected a file name in the quotes");
		return -EINVAL;
	}
	if (memchr(v, '\0', n)) {
		error_at(l, at, "expected a file name in the quotes");
		free(v);
		return -EINVAL;
	}
	v[n] = '\0';
	*out = v;
	return 0;
}

/* Skip past the next ';' (after an error). */
static void sync(struct lex *l)
{
	int c;

	while ((c = peek(l)) >= 0) {
		if (c == '#') {
			skip_blank(l);
			continue;
		}
		advance(l);
		if (c == ';')
			return;
	}
}

static bool semicolon(struct lex *l)
{
	struct pol_loc at;

	skip_blank(l);
	if (peek(l) == ';') {
		advance(l);
		return true;
	}
	/* Where the statement's last word ends: the next one may be lines
	 * away, or none. */
	at = (struct pol_loc){ .file = l->name,
			       .line = l->last_line,
			       .col = l->last_col,
			       .end_line = l->last_line,
			       .end_col = l->last_col };
	error_at(l, &at, "expected ';' at the end of the statement");
	return false;
}

/* by "FILE":LINE, or by default */
static int parse_by(struct lex *l, struct pol_expect *e)
{
	struct pol_loc at;
	char w[16];
	unsigned long v = 0;
	int c, err, digits = 0;

	skip_blank(l);
	if (peek(l) != '"') {
		if (word(l, w, sizeof(w), &at) && !strcmp(w, "default")) {
			e->by = e->by_default = true;
			return 0;
		}
		error_at(l, &at, "expected 'by \"FILE\":LINE' or 'by default'");
		return -EINVAL;
	}
	err = string(l, &e->by_file, &at);
	if (err)
		return err;
	if (peek(l) != ':') {
		at = here(l);
		error_at(l, &at, "expected ':LINE' after the file name, as in by \"agent.jp\":19");
		return -EINVAL;
	}
	advance(l);
	at = here(l);
	while ((c = peek(l)) >= 0 && isdigit(c)) {
		v = v * 10 + (unsigned long)(c - '0');
		if (v > 0x7fffffff)
			v = 0x80000000ul;
		digits++;
		advance(l);
	}
	span_to_here(&at, l);
	if (!digits || !v || v > 0x7fffffff) {
		error_at(l, &at, "expected a line number (1 or more) after ':'");
		return -EINVAL;
	}
	e->by = true;
	e->by_line = (unsigned)v;
	return 0;
}

/* host, host:PORT, host/PROTO, host:PORT/PROTO */
static bool is_host_dest(const char *s)
{
	return !strncmp(s, "host", 4) && (!s[4] || s[4] == ':' || s[4] == '/');
}

static int parse_expect(struct lex *l, struct pol_expect_file *f)
{
	struct pol_expect e = { .verdict = POL_VERDICT_MAX };
	char w[32], dest[512], why[256], buf[520];
	struct pol_loc at;
	int err;

	if (!word(l, w, sizeof(w), &at) || (strcmp(w, "allow") && strcmp(w, "deny"))) {
		error_at(l, &at, "expected 'allow' or 'deny' after 'expect'");
		return -EINVAL;
	}
	e.verdict = strcmp(w, "allow") ? POL_DENY : POL_ALLOW;
	if (!raw(l, dest, sizeof(dest), &e.loc)) {
		error_at(l, &e.loc,
			 peek(l) < 0 || peek(l) == ';' || peek(l) == '#'
				 ? "expected a destination, as --explain takes it"
				 : "the destination is too long");
		return -EINVAL;
	}
	if (is_host_dest(dest)) {
		e.any_host = true;
		snprintf(buf, sizeof(buf), "0.0.0.0%s", dest + 4);
	} else {
		snprintf(buf, sizeof(buf), "%s", dest);
	}
	if (pol_probe_parse(buf, &e.probe, why, sizeof(why))) {
		error_at(l, &e.loc, "%s", e.any_host ? "expected host[:PORT][/tcp|udp|icmp]" : why);
		return -EINVAL;
	}
	if (e.any_host)
		snprintf(e.probe.text, sizeof(e.probe.text), "host");
	for (;;) {
		skip_blank(l);
		if (peek(l) == ';' || peek(l) < 0)
			break;
		if (!word(l, w, sizeof(w), &at)) {
			error_at(l, &at, "expected 'from netns SCOPE', 'by ...' or ';'");
			goto fail;
		}
		if (!strcmp(w, "from")) {
			if (!word(l, w, sizeof(w), &at) || strcmp(w, "netns")) {
				error_at(l, &at, "expected 'netns' after 'from'");
				goto fail;
			}
			if (!word(l, w, sizeof(w), &at) ||
			    (strcmp(w, "host") && strcmp(w, "container"))) {
				error_at(l, &at, "netns is 'host' or 'container'");
				goto fail;
			}
			if (e.probe.scope >= 0) {
				error_at(l, &at, "'from netns' given twice");
				goto fail;
			}
			e.probe.scope = strcmp(w, "host") ? POL_SCOPE_CONTAINER : POL_SCOPE_HOST;
		} else if (!strcmp(w, "by")) {
			if (e.by) {
				error_at(l, &at, "'by' given twice");
				goto fail;
			}
			err = parse_by(l, &e);
			if (err)
				goto out;
		} else {
			error_at(l, &at, "expected 'from netns SCOPE', 'by ...' or ';', not '%s'",
				 w);
			goto fail;
		}
	}
	if (!semicolon(l))
		goto fail;
	if (POL_GROW(f->v, f->cap, f->n + 1)) {
		err = -ENOMEM;
		goto out;
	}
	f->v[f->n++] = e;
	return 0;
fail:
	err = -EINVAL;
out:
	free(e.by_file);
	return err;
}

static int parse_policy(struct lex *l, struct pol_expect_file *f, const struct pol_loc *kw)
{
	struct pol_loc at;
	char *rel;
	int err;

	err = string(l, &rel, &at);
	if (err)
		return err;
	if (f->policy) {
		error_at(l, kw, "a .jpt file names one policy; this is a second");
		free(rel);
		return -EINVAL;
	}
	if (!semicolon(l)) {
		free(rel);
		return -EINVAL;
	}
	f->policy_loc = at;
	/* Relative to the .jpt file, as an include is to its policy. */
	f->policy = rel[0] == '/' ? rel : pol_source_include(f->name, rel);
	if (f->policy != rel)
		free(rel);
	return f->policy ? 0 : -ENOMEM;
}

/* The statements of text, whose name f->name the diag already holds. */
static int parse_text(struct pol_diag *d, const char *text, size_t len, struct pol_expect_file *f)
{
	struct lex l = { .d = d, .name = f->name, .s = text, .len = len, .line = 1, .col = 1 };
	struct pol_loc at;
	char w[32];
	int err;

	for (;;) {
		skip_blank(&l);
		if (peek(&l) < 0)
			break;
		if (!word(&l, w, sizeof(w), &at)) {
			error_at(&l, &at,
				 "expected a statement: 'policy \"FILE\";' or 'expect ...;'");
			err = -EINVAL;
		} else if (!strcmp(w, "expect")) {
			err = parse_expect(&l, f);
		} else if (!strcmp(w, "policy")) {
			err = parse_policy(&l, f, &at);
		} else {
			error_at(&l, &at,
				 "unknown statement '%s': a .jpt file has 'policy' and 'expect' "
				 "statements",
				 w);
			err = -EINVAL;
		}
		if (err == -ENOMEM)
			return err;
		if (err)
			sync(&l);
	}
	return l.failed ? -EINVAL : 0;
}

int pol_expect_parse(struct pol_diag *d, const char *path, struct pol_expect_file *f)
{
	struct pol_source src = { .d = d };
	char *text = NULL;
	size_t len = 0;
	int err;

	memset(f, 0, sizeof(*f));
	err = pol_source_push(&src, path, NULL, &f->name, &text, &len);
	if (!err && !f->name)
		err = -EINVAL; /* reported */
	if (!err)
		err = parse_text(d, text, len, f);
	pol_source_release(&src);
	free(text);
	return err;
}

int pol_expect_parse_text(struct pol_diag *d, const char *name, const char *text, size_t len,
			  struct pol_expect_file *f)
{
	memset(f, 0, sizeof(*f));
	f->name = pol_diag_add_file(d, name, text, len);
	return f->name ? parse_text(d, text, len, f) : -ENOMEM;
}

void pol_expect_free(struct pol_expect_file *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->v[i].by_file);
	free(f->v);
	free(f->policy);
	memset(f, 0, sizeof(*f));
}

/* ---- checking ---------------------------------------------------------- */

/* One case of a statement: what is asked and what the tables answer. */
struct verdict_case {
	int proto, scope;
	unsigned lo, hi;
	bool host;
	uint8_t family;
	uint8_t addr[16];
	struct pol_result r;
};

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* The ports where some DEC entry's port block starts or ends: between two
 * of them no verdict changes.  brk[0] is 0, brk[*n - 1] 65536. */
static int port_breaks(const struct pol_tables *t, uint32_t **out, size_t *n_out)
{
	size_t n = 0, cap = 0, i, k;
	uint32_t *v = NULL;

	if (POL_GROW(v, cap, 2 * (size_t)t->n_dec + 2))
		return -ENOMEM;
	v[n++] = 0;
	v[n++] = 65536;
	for (i = 0; i < t->n_dec; i++) {
		const struct pol_dec_key *key = &t->dec[i].key;
		uint32_t bits = POL_DEC_PREFIX_MAX - key->prefixlen, lo = ntohs(key->port);

		if (key->prefixlen < POL_DEC_PREFIX_BASE || bits >= 16)
			continue;
		v[n++] = lo;
		v[n++] = lo + (1u << bits);
	}
	qsort(v, n, sizeof(*v), u32_cmp);
	for (i = k = 0; i < n; i++)
		if (!k || v[k - 1] != v[i])
			v[k++] = v[i];
	*out = v;
	*n_out = k;
	return 0;
}

static bool rule_is(const struct pol_tables *t, const struct pol_expect *e, uint32_t rule)
{
	const char *file;
	size_t fl, bl;

	if (!e->by)
		return true;
	if (e->by_default)
		return rule == 0;
	if (rule >= t->n_rules || t->rules[rule].line != e->by_line)
		return false;
	/* The file as recorded when compiled: the same, or ending in
	 * "/FILE". */
	file = pol_tables_string(t, t->rules[rule].file);
	fl = strlen(file);
	bl = strlen(e->by_file);
	return !strcmp(file, e->by_file) ||
	       (fl > bl && file[fl - bl - 1] == '/' && !strcmp(file + fl - bl, e->by_file));
}

static bool holds(const struct pol_tables *t, const struct pol_expect *e,
		  const struct pol_result *r)
{
	return r->verdict == e->verdict && rule_is(t, e, r->rule);
}

struct tally {
	size_t cases, failed;
	struct verdict_case first; /* the first that failed */
};

static void judge(struct tally *ty, const struct pol_tables *t, const struct pol_expect *e,
		  const struct verdict_case *c)
{
	ty->cases++;
	if (holds(t, e, &c->r))
		return;
	if (!ty->failed++)
		ty->first = *c;
}

/* Every case of an IP statement at one address (a host address or not). */
static void check_addr(struct tally *ty, const struct pol_tables *t, const struct pol_expect *e,
		       uint8_t family, const uint8_t *addr, bool host, const uint32_t *brk,
		       size_t n_brk)
{
	int protos[2], n_protos = 0, i, scope;
	size_t b;

	if (e->probe.proto >= 0)
		protos[n_protos++] = e->probe.proto;
	else
		protos[n_protos++] = POL_PROTO_TCP, protos[n_protos++] = POL_PROTO_UDP;
	for (i = 0; i < n_protos; i++) {
		for (scope = 0; scope < POL_SCOPE_MAX; scope++) {
			bool one = e->probe.has_port || protos[i] == POL_PROTO_OTHER;

			if (e->probe.scope >= 0 && scope != e->probe.scope)
				continue;
			for (b = 0; b + 1 < (one ? 2 : n_brk); b++) {
				struct verdict_case c = {
					.proto = protos[i],
					.scope = scope,
					.lo = one ? e->probe.port : brk[b],
					.hi = one ? e->probe.port : brk[b + 1] - 1,
					.host = host,
					.family = family,
				};
				struct pol_query q = {
					.family = family,
					.proto = (uint8_t)c.proto,
					.scope = (uint8_t)scope,
					.port = (uint16_t)c.lo,
				};

				memcpy(c.addr, addr, 16);
				memcpy(q.addr, addr, 16);
				pol_tables_classify(t, &q, &c.r);
				judge(ty, t, e, &c);
			}
		}
	}
}

/* Add one to the address of a family (wrapping at the end). */
static void addr_next(uint8_t family, uint8_t *a)
{
	int i = family == 4 ? 3 : 15;

	for (; i >= 0 && !++a[i]; i--)
		;
}

struct cands {
	struct pol_host_key *v;
	size_t n, cap;
};

static int cand_add(struct cands *c, uint8_t family, const uint8_t *addr)
{
	struct pol_host_key k = { .family = family };

	memcpy(k.addr, addr, family == 4 ? 4 : 16);
	if (pol_never_host(family, k.addr))
		return 0;
	if (POL_GROW(c->v, c->cap, c->n + 1))
		return -ENOMEM;
	c->v[c->n++] = k;
	return 0;
}

/* A prefix's first address and the one after its last. */
static int cand_prefix(struct cands *c, uint8_t family, const uint8_t *addr, uint32_t len)
{
	uint8_t a[16] = { 0 }, end[16];
	unsigned int nbytes = family == 4 ? 4 : 16, i;
	int err;

	memcpy(a, addr, nbytes);
	err = cand_add(c, family, a);
	if (err)
		return err;
	memcpy(end, a, 16);
	for (i = len; i < nbytes * 8; i++)
		end[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	addr_next(family, end);
	return len ? cand_add(c, family, end) : 0;
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct pol_host_key));
}

/*
 * Addresses that stand for every address a host set may hold: the first
 * address of every range the policy's prefixes cut the address space
 * into is the first of some prefix or the one after some prefix's last,
 * and two addresses of one range get the same verdicts.  A range whose
 * first address is never a host address (0.0.0.0, 127/8, ::, ::1) is
 * stood for by the next address outside those.
 */
static int host_candidates(const struct pol_tables *t, struct cands *c)
{
	static const uint8_t extra4[][4] = { { 0, 0, 0, 1 }, { 128, 0, 0, 0 } };
	static const uint8_t extra6[][16] = { { [15] = 2 } };
	size_t i, k;
	int err = 0;

	for (i = 0; i < t->n_lpm4 && !err; i++)
		err = cand_prefix(c, 4, t->lpm4[i].key.addr, t->lpm4[i].key.prefixlen);
	for (i = 0; i < t->n_lpm6 && !err; i++)
		err = cand_prefix(c, 6, t->lpm6[i].key.addr, t->lpm6[i].key.prefixlen);
	for (i = 0; i < 2 && !err; i++)
		err = cand_add(c, 4, extra4[i]);
	if (!err)
		err = cand_add(c, 6, extra6[0]);
	if (err)
		return err;
	qsort(c->v, c->n, sizeof(*c->v), key_cmp);
	for (i = k = 0; i < c->n; i++)
		if (!k || key_cmp(&c->v[k - 1], &c->v[i]))
			c->v[k++] = c->v[i];
	c->n = k;
	return 0;
}

static int check_ip(struct tally *ty, struct pol_tables *t, const struct pol_expect *e,
		    const uint32_t *brk, size_t n_brk)
{
	struct cands c = { 0 };
	uint32_t saved = t->n_hosts;
	size_t i;
	int err;

	if (!e->any_host) {
		check_addr(ty, t, e, e->probe.family, e->probe.addr, false, brk, n_brk);
		return 0;
	}
	err = host_candidates(t, &c);
	for (i = 0; !err && i < c.n; i++) {
		err = pol_tables_add_host(t, c.v[i].family, c.v[i].addr);
		if (!err)
			check_addr(ty, t, e, c.v[i].family, c.v[i].addr, true, brk, n_brk);
		t->n_hosts = saved;
	}
	free(c.v);
	return err;
}

/* A Unix address or a socket kind: one case per netns scope. */
static void check_scoped(struct tally *ty, const struct pol_tables *t, const struct pol_expect *e)
{
	int scope;

	for (scope = 0; scope < POL_SCOPE_MAX; scope++) {
		struct verdict_case c = { .proto = -1, .scope = scope };

		if (e->probe.scope >= 0 && scope != e->probe.scope)
			continue;
		if (e->probe.kind == POL_PROBE_UNIX) {
			struct pol_unix_query q = { .scope = (uint8_t)scope,
						    .len = e->probe.unix_len };

			memcpy(q.name, e->probe.unix_name, e->probe.unix_len);
			pol_tables_classify_unix(t, &q, &c.r);
		} else {
			pol_tables_classify_sock(t, e->probe.sock_kind, (uint32_t)scope, &c.r);
		}
		judge(ty, t, e, &c);
	}
}

/* "by agent.jp:12: allow 10.0.0.0/8;", or what stands for no rule. */
static void decided_by(const struct pol_tables *t, uint32_t rule, char *buf, size_t size)
{
	const char *file, *text;
	unsigned line;

	pol_explain_origin(t, rule, &file, &line, &text);
	if (rule == POL_RULE_UNMATCHED || rule >= t->n_rules)
		snprintf(buf, size, "%s", text);
	else
		snprintf(buf, size, "by %s:%u: %s", file, line, text);
}

/* What a case was: "tcp port 22 from the host netns, host address 10.0.2.15". */
static void case_text(const struct pol_expect *e, const struct verdict_case *c, char *buf,
		      size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	if (c->proto >= 0) {
		n += (size_t)snprintf(buf + n, size - n, "%s", pol_proto_name((unsigned)c->proto));
		if (c->proto != POL_PROTO_OTHER)
			n += (size_t)snprintf(buf + n, size - n,
					      c->lo == c->hi ? " port %u" : " ports %u-%u", c->lo,
					      c->hi);
		n += (size_t)snprintf(buf + n, size - n, " ");
	}
	n += (size_t)snprintf(buf + n, size - n, "from %s",
			      c->scope == POL_SCOPE_HOST ? "the host netns" : "a container netns");
	if (e->any_host && n < size) {
		char a[INET6_ADDRSTRLEN];

		inet_ntop(c->family == 4 ? AF_INET : AF_INET6, c->addr, a, sizeof(a));
		snprintf(buf + n, size - n, ", to the host address %s", a);
	}
}

static void report_failure(struct pol_diag *report, const struct pol_tables *t,
			   const struct pol_expect *e, const struct tally *ty)
{
	const struct verdict_case *c = &ty->first;
	char want[POL_PREFIX_STRLEN + 600], got[1200], what[200];
	const char *by = "";

	if (e->by_default)
		by = " by default";
	if (e->by && !e->by_default)
		snprintf(want, sizeof(want), "%s by %s:%u", pol_verdict_name(e->verdict),
			 e->by_file, e->by_line);
	else
		snprintf(want, sizeof(want), "%s%s", pol_verdict_name(e->verdict), by);
	decided_by(t, c->r.rule, got, sizeof(got));
	pol_failure(report, &e->loc, "expected %s, got %s %s", want, pol_verdict_name(c->r.verdict),
		    got);
	if (ty->cases > 1) {
		case_text(e, c, what, sizeof(what));
		pol_note(report, NULL, "the first case that fails: %s (%zu of %zu fail)", what,
			 ty->failed, ty->cases);
	}
}

int pol_expect_run(struct pol_diag *report, const struct pol_expect_file *f, struct pol_tables *t,
		   unsigned *passed, unsigned *failed)
{
	uint32_t *brk = NULL;
	size_t n_brk = 0, i;
	int err;

	*passed = *failed = 0;
	err = port_breaks(t, &brk, &n_brk);
	for (i = 0; !err && i < f->n; i++) {
		const struct pol_expect *e = &f->v[i];
		struct tally ty = { 0 };

		if (e->probe.kind == POL_PROBE_IP)
			err = check_ip(&ty, t, e, brk, n_brk);
		else
			check_scoped(&ty, t, e);
		if (err)
			break;
		if (!ty.cases) {
			/* A host set of no address the policy could hold. */
			(*passed)++;
			continue;
		}
		if (ty.failed) {
			(*failed)++;
			report_failure(report, t, e, &ty);
		} else {
			(*passed)++;
		}
	}
	free(brk);
	return err;
}
