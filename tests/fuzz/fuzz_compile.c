/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_compile.c - libFuzzer target: the whole compiler, with a
 * round-trip property.  Whatever compiles (front end, decide.c, emit.c)
 * must be accepted by the one reader (lib/policy_read.c), and the tables it
 * hands out must classify a handful of probes exactly as the reference
 * evaluator (tests/lib/refeval.c) judges the resolved rules.  The probes
 * and the host addresses are drawn from the policy's own prefixes and
 * ports by a generator seeded with the input bytes, so a run replays;
 * Unix names are drawn from the policy's patterns, and both socket kinds
 * are asked, against pol_ref_eval_unix() and pol_ref_eval_sock().
 * A mismatch aborts with both answers on stderr.
 */
#include <stdbool.h>
#include <stdio.h>

#include "../../bpf/templates/policy_abi.h"
#include "addr.h"
#include "decide.h"
#include "emit.h"
#include "fuzz.h"
#include "policy_read.h"
#include "refeval.h"
#include "rng.h"
#include "tables.h"

/* classify.h's types, without its lookups. */
#define POL_CLASSIFY_TYPES_ONLY
#include "../../bpf/templates/classify.h"

#define N_PROBES 16
#define MAX_HOSTS 3

/* FNV-1a: the generator's seed, a function of the input alone. */
static uint64_t fuzz_seed(const uint8_t *data, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ull;
	return h;
}

/* An address in or next to one of the policy's prefixes, or a special one. */
static void probe_addr(struct test_rng *rng, const struct pol_policy *p,
		       const struct pol_hostset *hosts, uint8_t *family, uint8_t *addr)
{
	const struct pol_rule *r = p->n_rules ? &p->rules[test_rng_below(rng, (uint32_t)p->n_rules)]
					      : NULL;
	unsigned int k = test_rng_below(rng, 10), i;

	memset(addr, 0, 16);
	if (k < 5 && r && r->n_prefixes) {
		const struct pol_prefix *px =
			&r->prefixes[test_rng_below(rng, (uint32_t)r->n_prefixes)];
		unsigned int bits = px->family == 4 ? 32 : 128;
		uint64_t x = test_rng_next(rng), y = test_rng_next(rng);

		*family = px->family;
		memcpy(addr, px->addr, 16);
		/* Host bits all zero (k 0), all one (k 1) or random; k 2 also
		 * flips the prefix's last bit: a neighbour just outside it. */
		for (i = px->len; i < bits; i++) {
			uint64_t w = i < 64 ? x >> i : y >> (i - 64);

			if (k == 1 || (k > 1 && (w & 1)))
				addr[i / 8] |= (uint8_t)(0x80u >> (i % 8));
		}
		if (k == 2 && px->len > 0) {
			i = px->len - 1u;
			addr[i / 8] ^= (uint8_t)(0x80u >> (i % 8));
		}
	} else if (k < 6 && hosts->n) {
		const struct pol_prefix *h = &hosts->addrs[test_rng_below(rng, (uint32_t)hosts->n)];

		*family = h->family;
		memcpy(addr, h->addr, 16);
	} else if (k < 7) {
		/* ::ffff:a.b.c.d, judged as a.b.c.d. */
		uint8_t v4[16];

		probe_addr(rng, p, hosts, family, v4);
		if (*family == 4) {
			*family = 6;
			addr[10] = addr[11] = 0xff;
			memcpy(addr + 12, v4, 4);
		} else {
			memcpy(addr, v4, 16);
		}
	} else if (k < 9) {
		/* Unspecified and loopback. */
		*family = test_rng_below(rng, 2) ? 4 : 6;
		if (test_rng_below(rng, 2)) {
			if (*family == 4)
				addr[0] = 127, addr[3] = 1;
			else
				addr[15] = 1;
		}
	} else {
		uint64_t x = test_rng_next(rng), y = test_rng_next(rng);

		*family = test_rng_below(rng, 2) ? 4 : 6;
		memcpy(addr, &x, 8);
		memcpy(addr + 8, &y, 8);
		if (*family == 4)
			memset(addr + 4, 0, 12);
	}
}

static uint16_t probe_port(struct test_rng *rng, const struct pol_policy *p)
{
	const struct pol_rule *r = p->n_rules ? &p->rules[test_rng_below(rng, (uint32_t)p->n_rules)]
					      : NULL;

	if (r && r->n_ports && test_rng_below(rng, 4)) {
		const struct pol_port_range *pr =
			&r->ports[test_rng_below(rng, (uint32_t)r->n_ports)];

		switch (test_rng_below(rng, 4)) {
		case 0:
			return pr->lo;
		case 1:
			return pr->hi;
		case 2:
			return (uint16_t)(pr->lo - 1);
		default:
			return (uint16_t)(pr->hi + 1);
		}
	}
	return (uint16_t)test_rng_next(rng);
}

static void print_result(const char *what, const struct pol_result *r)
{
	fprintf(stderr, "  %s: rule %u verdict %u flags %u reached %u\n", what, r->rule, r->verdict,
		r->flags, r->reached);
}

/* A Unix name from one of the policy's patterns (wildcards filled with a
 * few bytes), perhaps with a byte changed, or made up. */
static void probe_unix(struct test_rng *rng, const struct pol_policy *p, struct pol_unix_query *q)
{
	static const char fill[] = "a/.x";
	const struct pol_rule *r = p->n_rules ? &p->rules[test_rng_below(rng, (uint32_t)p->n_rules)]
					      : NULL;
	size_t i, n = 0;

	memset(q, 0, sizeof(*q));
	q->scope = (uint8_t)test_rng_below(rng, POL_SCOPE_MAX);
	if (r && r->n_patterns) {
		const struct pol_unix_pattern *pt =
			&r->patterns[test_rng_below(rng, (uint32_t)r->n_patterns)];

		for (i = 0; i < pt->n && n < POL_UNIX_NAME_MAX; i++) {
			unsigned int k = pt->tok[i] < 256 ? 0 : test_rng_below(rng, 4);

			if (pt->tok[i] < 256)
				q->name[n++] = (uint8_t)pt->tok[i];
			while (k-- && n < POL_UNIX_NAME_MAX)
				q->name[n++] = (uint8_t)fill[test_rng_below(rng, 4)];
		}
	}
	if (!n || !test_rng_below(rng, 5)) {
		n = 1 + test_rng_below(rng, 12);
		for (i = 0; i < n; i++)
			q->name[i] = (uint8_t)fill[test_rng_below(rng, 4)];
		q->name[0] = test_rng_below(rng, 2) ? 0 : '/';
	}
	if (!test_rng_below(rng, 4))
		q->name[test_rng_below(rng, (uint32_t)n)] = (uint8_t)test_rng_next(rng);
	q->len = (uint16_t)n;
}

static bool same(const struct pol_result *a, const struct pol_result *b)
{
	return a->rule == b->rule && a->verdict == b->verdict && a->flags == b->flags &&
	       a->reached == b->reached;
}

/* Unix names and both socket kinds, tables against the reference. */
static void probe_other(const struct pol_policy *p, const struct pol_tables *t,
			struct test_rng *rng)
{
	struct pol_unix_query q1, q2;
	struct pol_result a, b;
	unsigned int kind, scope;
	int n;

	for (n = 0; n < N_PROBES; n++) {
		probe_unix(rng, p, &q1);
		q2 = q1;
		pol_ref_eval_unix(p, &q1, &a);
		pol_tables_classify_unix(t, &q2, &b);
		if (same(&a, &b))
			continue;
		fprintf(stderr,
			"fuzz_compile: tables and reference disagree on a Unix name of %u bytes, "
			"scope %u\n",
			q1.len, q1.scope);
		print_result("reference", &a);
		print_result("tables", &b);
		abort();
	}
	for (kind = 0; kind < POL_SOCK_MAX; kind++)
		for (scope = 0; scope < POL_SCOPE_MAX; scope++) {
			pol_ref_eval_sock(p, kind, scope, &a);
			pol_tables_classify_sock(t, kind, scope, &b);
			if (same(&a, &b))
				continue;
			fprintf(stderr,
				"fuzz_compile: tables and reference disagree on socket kind %u "
				"scope %u\n",
				kind, scope);
			print_result("reference", &a);
			print_result("tables", &b);
			abort();
		}
}

static void probe_all(const struct pol_policy *p, struct pol_tables *t, struct test_rng *rng)
{
	struct pol_prefix hostv[MAX_HOSTS];
	struct pol_hostset hosts = { .addrs = hostv };
	size_t i;
	int n;

	probe_other(p, t, rng);
	hosts.n = test_rng_below(rng, MAX_HOSTS + 1);
	for (i = 0; i < hosts.n; i++) {
		memset(&hostv[i], 0, sizeof(hostv[i]));
		probe_addr(rng, p, &hosts, &hostv[i].family, hostv[i].addr);
		/* The runtime adds canonical addresses. */
		pol_addr_canonicalise(&hostv[i].family, hostv[i].addr);
		hostv[i].len = hostv[i].family == 4 ? 32 : 128;
		if (pol_tables_add_host(t, hostv[i].family, hostv[i].addr))
			return; /* out of memory: nothing to compare */
	}
	for (n = 0; n < N_PROBES; n++) {
		struct pol_query q0, q1, q2;
		struct pol_result a, b;
		char buf[POL_PREFIX_STRLEN];
		struct pol_prefix px = { 0 };

		memset(&q0, 0, sizeof(q0));
		probe_addr(rng, p, &hosts, &q0.family, q0.addr);
		q0.proto = (uint8_t)test_rng_below(rng, POL_PROTO_MAX);
		q0.scope = (uint8_t)test_rng_below(rng, POL_SCOPE_MAX);
		q0.port = probe_port(rng, p);
		q1 = q2 = q0;
		pol_ref_eval(p, &hosts, &q1, &a);
		pol_tables_classify(t, &q2, &b);
		if (a.rule == b.rule && a.verdict == b.verdict && a.flags == b.flags &&
		    a.reached == b.reached)
			continue;
		px.family = q0.family;
		px.len = q0.family == 4 ? 32 : 128;
		memcpy(px.addr, q0.addr, 16);
		pol_prefix_format(&px, buf, sizeof(buf));
		fprintf(stderr,
			"fuzz_compile: tables and reference disagree on proto %u scope %u port %u addr %s (%zu hosts)\n",
			q0.proto, q0.scope, q0.port, buf, hosts.n);
		print_result("reference", &a);
		print_result("tables", &b);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct test_rng rng = { fuzz_seed(data, size) };
	struct pol_policy *p = NULL;
	struct pol_tables t, r;
	struct pol_diag d;
	char err[256];
	void *buf = NULL;
	size_t len;
	int ret;

	pol_diag_init(&d, NULL);
	if (fuzz_frontend(data, size, false, &d, &p))
		goto out;
	if (pol_decide(p, &d, &t))
		goto out;
	ret = pol_emit(&t, &buf, &len);
	pol_tables_free(&t);
	if (ret)
		goto out;
	ret = pol_read_buf(buf, len, &r, err, sizeof(err));
	if (ret == -ENOMEM)
		goto out;
	if (ret) {
		fprintf(stderr, "fuzz_compile: the reader refuses what the compiler wrote: %s\n",
			err);
		abort();
	}
	probe_all(p, &r, &rng);
	pol_tables_free(&r);
out:
	free(buf);
	pol_policy_free(p);
	pol_diag_free(&d);
	return 0;
}
