/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_differential.c - the compiled tables against the reference
 * evaluator.  Random policies over a small address pool (so prefixes nest
 * and collide), compiled, written, read back, host addresses added as the
 * runtime adds them, then probed: every probe must get the same verdict,
 * rule, flags and "reached" from both.  Then the policy tests of
 * jailpolc --test (expect.c): random `expect` statements, each written
 * to a .jpt file, parsed and run over the tables, must hold exactly when
 * the reference evaluator gives the expected verdict (and rule) in every
 * case the statement covers: each protocol and netns scope it leaves
 * open, every port between two of the policy's port bounds, and for
 * `host` every address a host set could hold.  JAILPOL_SEED=N replays a
 * run.
 */
#include <arpa/inet.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../bpf/templates/policy_abi.h"
#include "addr.h"
#include "addrpool.h"
#include "decide.h"
#include "diag.h"
#include "emit.h"
#include "expect.h"
#include "policy_read.h"
#include "refeval.h"
#include "rng.h"
#include "tables.h"
#include "unit.h"

/* classify.h's types and canonicalisation, without its lookups. */
#define POL_CLASSIFY_TYPES_ONLY
#include "../../bpf/templates/classify.h"

#define N_POLICIES 400
#define PROBES_PER_POLICY 300
#define MAX_HOSTS 5
#define EXPECTS_PER_POLICY 12

static struct test_rng rng;

static uint64_t rnd(void)
{
	return test_rng_next(&rng);
}

static uint32_t rn(uint32_t n)
{
	return test_rng_below(&rng, n);
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* An address near the pool's plain entries (tests/lib/addrpool.h). */
static void pool_addr(uint8_t family, uint8_t *addr)
{
	test_pool_addr(&rng, family, addr, TEST_POOL4_CORE, TEST_POOL6_CORE);
}

static void random_prefix(struct pol_prefix *p)
{
	static const uint8_t lens4[] = { 0, 1, 8, 16, 24, 25, 28, 30, 31, 32, 32 };
	static const uint8_t lens6[] = { 0, 3, 16, 32, 48, 64, 96, 112, 120, 126, 127, 128, 128 };

	memset(p, 0, sizeof(*p));
	p->family = rn(2) ? 4 : 6;
	pool_addr(p->family, p->addr);
	if (p->family == 4)
		p->len = rn(3) ? lens4[rn(ARRAY_SIZE(lens4))] : (uint8_t)rn(33);
	else
		p->len = rn(3) ? lens6[rn(ARRAY_SIZE(lens6))] : (uint8_t)rn(129);
	pol_mask_bits(p->addr, p->addr, 16, p->len);
}

static uint16_t random_port(void)
{
	static const uint16_t ports[] = { 1, 22, 53, 80, 443, 8080, 65535, 1024, 0 };

	if (rn(2))
		return ports[rn(ARRAY_SIZE(ports))];
	return (uint16_t)rnd();
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	REQUIRE(d, "out of memory");
	return d;
}

static void random_rule(struct pol_rule *r, size_t num)
{
	char text[64];
	size_t i;

	memset(r, 0, sizeof(*r));
	r->verdict = (uint8_t)rn(2);
	r->flags = rn(4) ? 0 : POL_RF_LOG;
	r->proto_mask = (uint8_t)(1 + rn(7));
	r->scope_mask = rn(3) ? 3 : (uint8_t)(1 + rn(3));
	if (!rn(3)) {
		size_t n = 1 + rn(4);

		r->ports = calloc(n, sizeof(*r->ports));
		REQUIRE(r->ports, "out of memory");
		for (i = 0; i < n; i++) {
			uint16_t a = random_port(), b = rn(2) ? a : random_port();

			if (!a)
				a = 1;
			if (!b)
				b = 1;
			r->ports[i].lo = a < b ? a : b;
			r->ports[i].hi = a < b ? b : a;
		}
		r->n_ports = pol_ports_normalise(r->ports, n);
		r->proto_mask &= (1u << POL_PROTO_TCP) | (1u << POL_PROTO_UDP);
		if (!r->proto_mask)
			r->proto_mask = (uint8_t)(1 + rn(3));
	}
	r->any_dest = !rn(8);
	r->host = !rn(5);
	if (!r->any_dest || rn(2)) {
		size_t n = rn(6);

		r->prefixes = calloc(n + 1, sizeof(*r->prefixes));
		REQUIRE(r->prefixes, "out of memory");
		for (i = 0; i < n; i++)
			random_prefix(&r->prefixes[i]);
		r->n_prefixes = pol_prefixes_normalise(r->prefixes, n);
	}
	r->loc.file = "t.jp";
	r->loc.line = (int)num;
	r->loc.col = 1;
	r->loc.end_line = (int)num;
	r->loc.end_col = 1;
	snprintf(text, sizeof(text), "rule %zu", num);
	r->text = xstrdup(text);
}

static struct pol_policy *random_policy(void)
{
	struct pol_policy *p = calloc(1, sizeof(*p));
	size_t i;

	REQUIRE(p, "out of memory");
	p->source_name = xstrdup("t.jp");
	p->default_verdict = (uint8_t)rn(2);
	p->default_loc.file = "t.jp";
	p->default_loc.line = 1000;
	p->default_loc.col = 1;
	p->default_text = xstrdup(p->default_verdict ? "default allow;" : "default deny;");
	p->n_rules = 1 + rn(40);
	p->rules = calloc(p->n_rules, sizeof(*p->rules));
	REQUIRE(p->rules, "out of memory");
	for (i = 0; i < p->n_rules; i++)
		random_rule(&p->rules[i], i + 1);
	return p;
}

static void print_prefix(const struct pol_prefix *p)
{
	char buf[POL_PREFIX_STRLEN];

	pol_prefix_format(p, buf, sizeof(buf));
	fprintf(stderr, " %s", buf);
}

static void print_policy(const struct pol_policy *p, const struct pol_hostset *hosts)
{
	size_t i, j;

	fprintf(stderr, "policy: default %s\n", p->default_verdict ? "allow" : "deny");
	for (i = 0; i < p->n_rules; i++) {
		const struct pol_rule *r = &p->rules[i];

		fprintf(stderr, "  %zu: %s%s proto=%#x scope=%#x%s%s ports", i + 1,
			r->verdict ? "allow" : "deny", r->flags & POL_RF_LOG ? " log" : "",
			r->proto_mask, r->scope_mask, r->any_dest ? " any" : "",
			r->host ? " host" : "");
		for (j = 0; j < r->n_ports; j++)
			fprintf(stderr, " %u-%u", r->ports[j].lo, r->ports[j].hi);
		fprintf(stderr, " dest");
		for (j = 0; j < r->n_prefixes; j++)
			print_prefix(&r->prefixes[j]);
		fputc('\n', stderr);
	}
	fprintf(stderr, "hosts:");
	for (i = 0; i < hosts->n; i++)
		print_prefix(&hosts->addrs[i]);
	fputc('\n', stderr);
}

static void random_query(struct pol_query *q, const struct pol_hostset *hosts)
{
	unsigned int k = rn(20);

	memset(q, 0, sizeof(*q));
	q->proto = (uint8_t)rn(POL_PROTO_MAX);
	q->scope = (uint8_t)rn(POL_SCOPE_MAX);
	q->port = random_port();
	if (k < 7) {
		q->family = 4;
		pool_addr(4, q->addr);
	} else if (k < 14) {
		q->family = 6;
		pool_addr(6, q->addr);
	} else if (k < 16) {
		/* ::ffff:a.b.c.d, which must be judged as a.b.c.d. */
		uint8_t v4[16];

		q->family = 6;
		pool_addr(4, v4);
		memcpy(q->addr + 12, v4, 4);
		q->addr[10] = q->addr[11] = 0xff;
		if (!rn(4))
			memset(q->addr + 12, 0, 4);
	} else if (k < 18 && hosts->n) {
		const struct pol_prefix *h = &hosts->addrs[rn((uint32_t)hosts->n)];

		q->family = h->family;
		memcpy(q->addr, h->addr, 16);
	} else {
		/* Unspecified and loopback. */
		q->family = rn(2) ? 4 : 6;
		if (rn(2)) {
			if (q->family == 4)
				q->addr[0] = 127, q->addr[3] = 1;
			else
				q->addr[15] = 1;
		}
	}
}

static void print_query(const char *what, const struct pol_query *q, const struct pol_result *r)
{
	struct pol_prefix p = { .family = q->family };

	memcpy(p.addr, q->addr, 16);
	p.len = q->family == 4 ? 32 : 128;
	fprintf(stderr, "  %s: proto %u scope %u port %u addr", what, q->proto, q->scope, q->port);
	print_prefix(&p);
	fprintf(stderr, " -> rule %u verdict %u flags %u reached %u\n", r->rule, r->verdict,
		r->flags, r->reached);
}

/* Rules the shadow lint reported, parsed from the diagnostics ("t.jp:N:"). */
static void parse_shadowed(const char *text, bool *shadowed, size_t n_rules)
{
	const char *s = text;

	while ((s = strstr(s, "t.jp:"))) {
		const char *eol = strchr(s, '\n');
		int line;

		if (sscanf(s, "t.jp:%d:", &line) == 1 && strstr(s, "rule never matches") &&
		    (!eol || strstr(s, "rule never matches") < eol) && line >= 1 &&
		    (size_t)line <= n_rules)
			shadowed[line] = true;
		s = eol ? eol : s + 1;
	}
}

struct run_stats {
	unsigned long probes, mismatches, shadow_warnings, decided_by_rule;
	unsigned long expects, expects_held, expects_host;
	unsigned long lpm4, lpm6, dec, dids;
};

static int compile_roundtrip(const struct pol_policy *p, struct pol_diag *d, struct pol_tables *out)
{
	struct pol_tables t;
	char err[256];
	void *buf;
	size_t len;
	int ret;

	ret = pol_decide(p, d, &t);
	if (ret)
		return ret;
	ret = pol_emit(&t, &buf, &len);
	pol_tables_free(&t);
	if (ret)
		return ret;
	ret = pol_read_buf(buf, len, out, err, sizeof(err));
	if (ret)
		fprintf(stderr, "read back failed: %s\n", err);
	free(buf);
	return ret;
}

static bool compare(const struct pol_policy *p, const struct pol_hostset *hosts,
		    const struct pol_tables *t, const struct pol_query *q0,
		    struct pol_result *ref_out)
{
	struct pol_query q1 = *q0, q2 = *q0;
	struct pol_result a, b;

	pol_ref_eval(p, hosts, &q1, &a);
	pol_tables_classify(t, &q2, &b);
	*ref_out = a;
	if (a.rule == b.rule && a.verdict == b.verdict && a.flags == b.flags &&
	    a.reached == b.reached)
		return true;
	print_query("probe", q0, &a);
	print_query("tables", q0, &b);
	return false;
}

/* A random `expect` statement: its text, and what it asks. */
struct stmt {
	char text[256];
	struct pol_query q; /* family, addr; proto and port if given */
	int proto, scope;   /* -1: left open */
	bool has_port, host;
	uint8_t verdict;
	int by; /* -1: no `by`; 0: by default; N: by "t.jp":N */
};

/* The ports where some rule's port ranges start or end. */
static size_t policy_port_breaks(const struct pol_policy *p, uint32_t *v, size_t cap)
{
	size_t n = 0, i, j, k;

	v[n++] = 0;
	v[n++] = 65536;
	for (i = 0; i < p->n_rules; i++)
		for (j = 0; j < p->rules[i].n_ports && n + 2 <= cap; j++) {
			v[n++] = p->rules[i].ports[j].lo;
			v[n++] = (uint32_t)p->rules[i].ports[j].hi + 1;
		}
	for (i = 1; i < n; i++)
		for (k = i; k > 0 && v[k - 1] > v[k]; k--) {
			uint32_t x = v[k];

			v[k] = v[k - 1];
			v[k - 1] = x;
		}
	for (i = k = 0; i < n; i++)
		if (!k || v[k - 1] != v[i])
			v[k++] = v[i];
	return k;
}

/* Whether the reference gives s's verdict (and rule) at one address in
 * every case s covers. */
static bool ref_holds_at(const struct pol_policy *p, const struct pol_hostset *hosts,
			 const struct stmt *s, uint8_t family, const uint8_t *addr,
			 const uint32_t *brk, size_t n_brk)
{
	int protos[2] = { POL_PROTO_TCP, POL_PROTO_UDP }, n_protos = 2, i, sc;
	size_t b;

	if (s->proto >= 0)
		protos[0] = s->proto, n_protos = 1;
	for (i = 0; i < n_protos; i++)
		for (sc = 0; sc < POL_SCOPE_MAX; sc++) {
			bool one = s->has_port || protos[i] == POL_PROTO_OTHER;

			if (s->scope >= 0 && sc != s->scope)
				continue;
			for (b = 0; b + 1 < (one ? 2 : n_brk); b++) {
				struct pol_query q = { .family = family,
						       .proto = (uint8_t)protos[i],
						       .scope = (uint8_t)sc,
						       .port = (uint16_t)(one ? s->q.port
									      : brk[b]) };
				struct pol_result r;

				memcpy(q.addr, addr, 16);
				pol_ref_eval(p, hosts, &q, &r);
				if (r.verdict != s->verdict ||
				    (s->by >= 0 && r.rule != (uint32_t)s->by))
					return false;
			}
		}
	return true;
}

/* The same for `host`: at every address a host set could hold that some
 * prefix of the policy starts at or ends just before, with it as the only
 * host address, and at a few the prefixes need not name. */
static bool ref_holds(const struct pol_policy *p, const struct stmt *s, const uint32_t *brk,
		      size_t n_brk)
{
	static const uint8_t extra[][17] = { { 4, 0, 0, 0, 1 }, { 4, 128 }, { 6, [16] = 2 } };
	struct pol_hostset none = { 0 };
	struct pol_prefix h = { 0 };
	struct pol_hostset one = { .addrs = &h, .n = 1 };
	size_t i, j, e;

	if (!s->host)
		return ref_holds_at(p, &none, s, s->q.family, s->q.addr, brk, n_brk);
	for (e = 0; e < ARRAY_SIZE(extra); e++) {
		memset(&h, 0, sizeof(h));
		h.family = extra[e][0];
		h.len = h.family == 4 ? 32 : 128;
		memcpy(h.addr, extra[e] + 1, 16);
		if (!pol_never_host(h.family, h.addr) &&
		    !ref_holds_at(p, &one, s, h.family, h.addr, brk, n_brk))
			return false;
	}
	for (i = 0; i < p->n_rules; i++)
		for (j = 0; j < p->rules[i].n_prefixes; j++) {
			const struct pol_prefix *pf = &p->rules[i].prefixes[j];
			unsigned int bits = pf->family == 4 ? 32 : 128, k;
			int end;

			for (end = 0; end < 2; end++) {
				memset(&h, 0, sizeof(h));
				h.family = pf->family;
				h.len = (uint8_t)bits;
				memcpy(h.addr, pf->addr, 16);
				if (end) {
					if (!pf->len)
						continue;
					for (k = pf->len; k < bits; k++)
						h.addr[k / 8] |= (uint8_t)(0x80 >> (k % 8));
					for (k = bits / 8; k-- > 0 && !++h.addr[k];)
						;
				}
				if (!pol_never_host(h.family, h.addr) &&
				    !ref_holds_at(p, &one, s, h.family, h.addr, brk, n_brk))
					return false;
			}
		}
	return true;
}

static void random_stmt(const struct pol_policy *p, struct stmt *s, size_t n_brk)
{
	char a[INET6_ADDRSTRLEN], dest[96], by[32] = "";
	struct pol_hostset none = { 0 };
	struct pol_result r;
	struct pol_query q;
	size_t n = 0;

	memset(s, 0, sizeof(*s));
	random_query(&s->q, &none);
	s->host = !rn(8);
	s->has_port = rn(4) != 0;
	s->proto = rn(4) ? s->q.proto : -1;
	if (s->proto == POL_PROTO_OTHER)
		s->has_port = false;
	if (!s->has_port && !rn(2) && n_brk > 2)
		s->q.port = 0;
	s->scope = rn(2) ? s->q.scope : -1;
	/* Mostly the verdict and rule of one of its cases, so that some
	 * hold and some fail on another case. */
	q = s->q;
	if (s->proto < 0)
		q.proto = POL_PROTO_TCP;
	pol_ref_eval(p, &none, &q, &r);
	s->verdict = rn(5) ? r.verdict : (uint8_t)!r.verdict;
	s->by = -1;
	if (!rn(3))
		s->by = rn(4) ? (int)r.rule : (int)rn((uint32_t)p->n_rules + 1);
	inet_ntop(s->q.family == 4 ? AF_INET : AF_INET6, s->q.addr, a, sizeof(a));
	if (s->host)
		n = (size_t)snprintf(dest, sizeof(dest), "host");
	else if (s->q.family == 6 && s->has_port)
		n = (size_t)snprintf(dest, sizeof(dest), "[%s]", a);
	else
		n = (size_t)snprintf(dest, sizeof(dest), "%s", a);
	if (s->has_port)
		n += (size_t)snprintf(dest + n, sizeof(dest) - n, ":%u", s->q.port);
	if (s->proto >= 0)
		snprintf(dest + n, sizeof(dest) - n, "/%s",
			 s->proto == POL_PROTO_TCP   ? "tcp"
			 : s->proto == POL_PROTO_UDP ? "udp"
						     : "icmp");
	if (s->by == 0)
		snprintf(by, sizeof(by), " by default");
	else if (s->by > 0)
		snprintf(by, sizeof(by), " by \"t.jp\":%d", s->by);
	snprintf(s->text, sizeof(s->text), "expect %s %s%s%s;\n", s->verdict ? "allow" : "deny",
		 dest,
		 s->scope < 0                 ? ""
		 : s->scope == POL_SCOPE_HOST ? " from netns host"
					      : " from netns container",
		 by);
}

/* Random statements in one .jpt file, each run on its own over t (which
 * has no host addresses) and held against the reference. */
static void expect_phase(const struct pol_policy *p, struct pol_tables *t, struct run_stats *st)
{
	char path[] = "/tmp/jailpol-test-expect-XXXXXX";
	struct stmt s[EXPECTS_PER_POLICY];
	uint32_t brk[2 * 40 * 4 + 2];
	struct pol_expect_file f;
	struct pol_diag d, report;
	size_t n_brk, i;
	FILE *out;
	int fd;

	n_brk = policy_port_breaks(p, brk, ARRAY_SIZE(brk));
	fd = mkstemp(path);
	REQUIRE(fd >= 0, "mkstemp");
	out = fdopen(fd, "w");
	REQUIRE(out, "fdopen");
	for (i = 0; i < EXPECTS_PER_POLICY; i++) {
		random_stmt(p, &s[i], n_brk);
		fputs(s[i].text, out);
	}
	REQUIRE(!fclose(out), "write %s", path);
	pol_diag_init(&d, stderr);
	REQUIRE(!pol_expect_parse(&d, path, &f), "parsing %s", path);
	unlink(path);
	REQUIRE(f.n == EXPECTS_PER_POLICY, "%zu statements parsed", f.n);
	pol_diag_init(&report, NULL);
	for (i = 0; i < f.n && !st->mismatches; i++) {
		struct pol_expect_file one = { .name = f.name, .v = &f.v[i], .n = 1 };
		unsigned passed, failed;
		bool want = ref_holds(p, &s[i], brk, n_brk);

		REQUIRE(!pol_expect_run(&report, &one, t, &passed, &failed), "expect run");
		st->expects++;
		st->expects_held += passed;
		st->expects_host += s[i].host;
		REQUIRE(t->n_hosts == 0, "the run left host entries");
		if ((passed == 1) != want) {
			st->mismatches++;
			fprintf(stderr, "--test says %s, the reference %s: %s",
				passed ? "holds" : "fails", want ? "holds" : "fails", s[i].text);
			print_policy(p, &(struct pol_hostset){ 0 });
		}
	}
	pol_diag_free(&report);
	pol_expect_free(&f);
	pol_diag_free(&d);
}

static void one_policy(struct run_stats *st)
{
	struct pol_prefix hostv[MAX_HOSTS];
	struct pol_hostset hosts = { .addrs = hostv };
	struct pol_policy *p = random_policy();
	struct pol_tables t;
	struct pol_diag d;
	bool shadowed[64] = { false };
	char *diag_text = NULL;
	size_t diag_len = 0, i;
	FILE *f;
	int ret, n;

	hosts.n = rn(MAX_HOSTS + 1);
	for (i = 0; i < hosts.n; i++) {
		memset(&hostv[i], 0, sizeof(hostv[i]));
		hostv[i].family = rn(2) ? 4 : 6;
		hostv[i].len = hostv[i].family == 4 ? 32 : 128;
		pool_addr(hostv[i].family, hostv[i].addr);
	}

	f = open_memstream(&diag_text, &diag_len);
	REQUIRE(f, "open_memstream");
	pol_diag_init(&d, f);
	ret = compile_roundtrip(p, &d, &t);
	pol_diag_free(&d);
	fclose(f);
	REQUIRE(!ret, "compile: %d", ret);
	parse_shadowed(diag_text, shadowed, p->n_rules);
	for (i = 1; i <= p->n_rules; i++)
		st->shadow_warnings += shadowed[i];
	free(diag_text);

	st->lpm4 += t.n_lpm4;
	st->lpm6 += t.n_lpm6;
	st->dec += t.n_dec;
	st->dids += t.consts.n_dids;
	expect_phase(p, &t, st);
	for (i = 0; i < hosts.n; i++)
		REQUIRE(!pol_tables_add_host(&t, hostv[i].family, hostv[i].addr), "add host");

	for (n = 0; n < PROBES_PER_POLICY; n++) {
		struct pol_query q;
		struct pol_result r;

		random_query(&q, &hosts);
		st->probes++;
		if (!compare(p, &hosts, &t, &q, &r)) {
			st->mismatches++;
			print_policy(p, &hosts);
			break;
		}
		if (r.rule && r.rule <= p->n_rules && shadowed[r.rule]) {
			st->mismatches++;
			fprintf(stderr, "rule %u was reported as never matching\n", r.rule);
			print_query("probe", &q, &r);
			print_policy(p, &hosts);
			break;
		}
		st->decided_by_rule += r.rule != 0;
	}
	pol_tables_free(&t);
	pol_policy_free(p);
}

/* Shadow lint on a hand-made case: "allow any; deny 10/8" never denies. */
static void shadow_fixed(void)
{
	struct pol_policy *p = calloc(1, sizeof(*p));
	struct pol_tables t;
	struct pol_diag d;
	char *text = NULL;
	size_t len = 0, i;
	FILE *f;

	REQUIRE(p, "out of memory");
	p->n_rules = 3;
	p->rules = calloc(3, sizeof(*p->rules));
	REQUIRE(p->rules, "out of memory");
	for (i = 0; i < 3; i++) {
		p->rules[i].proto_mask = 7;
		p->rules[i].scope_mask = 3;
		p->rules[i].loc.file = "t.jp";
		p->rules[i].loc.line = (int)i + 1;
		p->rules[i].loc.col = 1;
	}
	p->rules[0].any_dest = true;
	p->rules[0].verdict = POL_ALLOW;
	p->rules[1].prefixes = calloc(1, sizeof(*p->rules[1].prefixes));
	REQUIRE(p->rules[1].prefixes, "out of memory");
	p->rules[1].prefixes[0] = (struct pol_prefix){ .family = 4, .len = 8, .addr = { 10 } };
	p->rules[1].n_prefixes = 1;
	/* Host-only rule: no static prefix, yet it can match host addresses,
	 * here after allow-any covered everything: also shadowed. */
	p->rules[2].host = true;
	f = open_memstream(&text, &len);
	REQUIRE(f, "open_memstream");
	pol_diag_init(&d, f);
	REQUIRE(!pol_decide(p, &d, &t), "decide");
	fflush(f);
	CHECK(d.n_warnings == 2, "expected 2 shadow warnings, got %u:\n%s", d.n_warnings, text);
	pol_diag_free(&d);
	fclose(f);
	CHECK(strstr(text, "t.jp:2:1: warning: rule never matches") != NULL,
	      "no warning for rule 2:\n%s", text);
	CHECK(strstr(text, "t.jp:1:1: note: covered by this rule") != NULL,
	      "no note naming rule 1:\n%s", text);
	free(text);
	pol_tables_free(&t);

	/* Without the allow-any, the host-only rule does match. */
	p->rules[0].any_dest = false;
	pol_diag_init(&d, NULL);
	REQUIRE(!pol_decide(p, &d, &t), "decide");
	CHECK(d.n_warnings == 1, "rule 1 has no destination, only it is dead; got %u",
	      d.n_warnings);
	pol_diag_free(&d);
	pol_tables_free(&t);
	pol_policy_free(p);
}

/* A big set plus overlapping rules, as the real lists look. */
static void big_fixed(void)
{
	struct pol_policy *p = calloc(1, sizeof(*p));
	struct pol_prefix hostv[2];
	struct pol_hostset hosts = { .addrs = hostv, .n = 2 };
	struct pol_tables t;
	struct timespec t0, t1;
	size_t i, n = 120000, mism = 0;
	struct pol_rule *r;
	int k;

	REQUIRE(p, "out of memory");
	p->default_verdict = POL_ALLOW;
	p->n_rules = 4;
	p->rules = calloc(p->n_rules, sizeof(*p->rules));
	REQUIRE(p->rules, "out of memory");
	for (i = 0; i < p->n_rules; i++) {
		p->rules[i].proto_mask = 7;
		p->rules[i].scope_mask = 3;
	}
	/* 1: allow tcp 443 to 10.0.0.0/8; 2: deny the big set (log);
	 * 3: allow host; 4: deny udp 53 anywhere. */
	r = &p->rules[0];
	r->verdict = POL_ALLOW;
	r->proto_mask = 1;
	r->ports = calloc(1, sizeof(*r->ports));
	REQUIRE(r->ports, "out of memory");
	r->ports[0] = (struct pol_port_range){ 443, 443 };
	r->n_ports = 1;
	r->prefixes = calloc(1, sizeof(*r->prefixes));
	REQUIRE(r->prefixes, "out of memory");
	r->prefixes[0] = (struct pol_prefix){ .family = 4, .len = 8, .addr = { 10 } };
	r->n_prefixes = 1;

	r = &p->rules[1];
	r->verdict = POL_DENY;
	r->flags = POL_RF_LOG;
	r->prefixes = calloc(n, sizeof(*r->prefixes));
	REQUIRE(r->prefixes, "out of memory");
	for (i = 0; i < n; i++) {
		struct pol_prefix *pf = &r->prefixes[i];

		memset(pf, 0, sizeof(*pf));
		pf->family = i % 4 ? 4 : 6;
		if (pf->family == 4) {
			pf->addr[0] = (uint8_t)(rn(2) ? 10 : rnd());
			pf->addr[1] = (uint8_t)rnd();
			pf->addr[2] = (uint8_t)rnd();
			pf->addr[3] = (uint8_t)rnd();
			pf->len = (uint8_t)(16 + rn(17));
		} else {
			pf->addr[0] = 0x20, pf->addr[1] = 0x01;
			for (k = 2; k < 8; k++)
				pf->addr[k] = (uint8_t)rnd();
			pf->len = (uint8_t)(32 + rn(33));
		}
		pol_mask_bits(pf->addr, pf->addr, 16, pf->len);
	}
	r->n_prefixes = pol_prefixes_normalise(r->prefixes, n);
	if (r->n_prefixes > 100000)
		r->n_prefixes = 100000;

	p->rules[2].verdict = POL_ALLOW;
	p->rules[2].host = true;
	p->rules[3].verdict = POL_DENY;
	p->rules[3].any_dest = true;
	p->rules[3].proto_mask = 2;
	p->rules[3].ports = calloc(1, sizeof(*p->rules[3].ports));
	REQUIRE(p->rules[3].ports, "out of memory");
	p->rules[3].ports[0] = (struct pol_port_range){ 53, 53 };
	p->rules[3].n_ports = 1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	REQUIRE(!compile_roundtrip(p, NULL, &t), "compile big");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("big: %zu prefixes, decide+emit+read %.3f s (sanitizers on), lpm4 %u lpm6 %u dec %u dids %u\n",
	       p->rules[1].n_prefixes,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, t.n_lpm4,
	       t.n_lpm6, t.n_dec, t.consts.n_dids);

	memset(hostv, 0, sizeof(hostv));
	hostv[0] = r->prefixes[rn((uint32_t)r->n_prefixes)];
	hostv[0].len = hostv[0].family == 4 ? 32 : 128;
	hostv[1] = (struct pol_prefix){ .family = 4, .len = 32, .addr = { 192, 168, 1, 1 } };
	for (i = 0; i < hosts.n; i++)
		REQUIRE(!pol_tables_add_host(&t, hostv[i].family, hostv[i].addr), "host");

	/* The reference walk is linear in the set: few probes, aimed at it. */
	for (i = 0; i < 1500; i++) {
		const struct pol_prefix *pf = &r->prefixes[rn((uint32_t)r->n_prefixes)];
		struct pol_query q;
		struct pol_result res;

		memset(&q, 0, sizeof(q));
		q.family = pf->family;
		memcpy(q.addr, pf->addr, 16);
		q.addr[pf->family == 4 ? 3 : 15] ^= (uint8_t)rn(3);
		if (!rn(8))
			q.family = 6, memset(q.addr, 0, 16), q.addr[0] = 0x20, q.addr[1] = 0x01;
		q.proto = (uint8_t)rn(3);
		q.scope = (uint8_t)rn(2);
		q.port = rn(2) ? 443 : (rn(2) ? 53 : random_port());
		if (!compare(p, &hosts, &t, &q, &res))
			mism++;
	}
	CHECK(!mism, "big policy: %zu mismatches", mism);
	pol_tables_free(&t);
	pol_policy_free(p);
}

int main(void)
{
	struct run_stats st = { 0 };
	const char *env = getenv("JAILPOL_SEED");
	uint64_t seed;
	int i;

	seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
	printf("seed: %llu\n", (unsigned long long)seed);
	fflush(stdout);
	rng.s = seed;

	shadow_fixed();
	for (i = 0; i < N_POLICIES && !st.mismatches; i++)
		one_policy(&st);
	CHECK(!st.mismatches, "%lu mismatches (replay with JAILPOL_SEED=%llu)", st.mismatches,
	      (unsigned long long)seed);
	CHECK(st.probes >= 100000 || st.mismatches, "only %lu probes", st.probes);
	printf("random: %d policies, %lu probes, %lu decided by a rule, %lu shadow warnings; avg lpm4 %.1f lpm6 %.1f dec %.1f dids %.1f\n",
	       i, st.probes, st.decided_by_rule, st.shadow_warnings, (double)st.lpm4 / i,
	       (double)st.lpm6 / i, (double)st.dec / i, (double)st.dids / i);
	printf("expect: %lu statements (%lu of host), %lu held, %lu failed; the reference agreed on each\n",
	       st.expects, st.expects_host, st.expects_held, st.expects - st.expects_held);
	CHECK(st.expects_held > st.expects / 5 && st.expects_held < st.expects * 4 / 5,
	      "statements held %lu of %lu: too few of one kind to prove anything", st.expects_held,
	      st.expects);
	big_fixed();
	return unit_summary();
}
