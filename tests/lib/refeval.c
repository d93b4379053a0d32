/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * refeval.c - the reference evaluator: a literal first-match walk.
 */
#include <string.h>

#include "refeval.h"

/* classify.h's types and canonicalisation, without its lookups. */
#define POL_CLASSIFY_TYPES_ONLY
#include "../../bpf/templates/classify.h"

/* True if prefix p contains the canonical address addr of the same family. */
static bool prefix_contains(const struct pol_prefix *p, uint8_t family, const uint8_t *addr)
{
	unsigned int max = family == 4 ? 32 : 128;

	return p->family == family && pol_bits_equal(p->addr, addr, p->len > max ? max : p->len);
}

/* True if one of the n prefixes v[] holds q's address. */
static bool any_contains(const struct pol_prefix *v, size_t n, const struct pol_query *q)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (prefix_contains(&v[i], q->family, q->addr))
			return true;
	return false;
}

static bool rule_matches(const struct pol_rule *r, const struct pol_hostset *hosts,
			 const struct pol_query *q)
{
	size_t i;

	if (!(r->proto_mask & (1u << q->proto)) || !(r->scope_mask & (1u << q->scope)))
		return false;
	if (r->n_ports) {
		bool hit = false;

		/* A port condition matches only TCP and UDP. */
		if (q->proto == POL_PROTO_OTHER)
			return false;
		for (i = 0; i < r->n_ports && !hit; i++)
			hit = q->port >= r->ports[i].lo && q->port <= r->ports[i].hi;
		if (!hit)
			return false;
	}
	if (r->any_dest)
		return true;
	if (r->host && hosts && any_contains(hosts->addrs, hosts->n, q))
		return true;
	return any_contains(r->prefixes, r->n_prefixes, q);
}

static void ref_judge(const struct pol_policy *p, const struct pol_hostset *hosts,
		      const struct pol_query *q, struct pol_result *r)
{
	size_t i;

	for (i = 0; i < p->n_rules; i++) {
		const struct pol_rule *rule = &p->rules[i];

		if (rule_matches(rule, hosts, q)) {
			r->rule = (uint32_t)(i + 1);
			r->verdict = rule->verdict;
			r->flags = rule->flags;
			return;
		}
	}
	r->rule = 0;
	r->verdict = p->default_verdict;
	r->flags = 0;
}

void pol_ref_eval(const struct pol_policy *p, const struct pol_hostset *hosts, struct pol_query *q,
		  struct pol_result *r)
{
	pol_canonicalise(q);
	ref_judge(p, hosts, q, r);
	r->reached = 0;
	if (!pol_reaches_loopback(q, r))
		return;
	ref_judge(p, hosts, q, r);
	r->reached = 1;
}
