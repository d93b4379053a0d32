/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * refeval.c - the reference evaluator: a literal first-match walk.
 */
#include <string.h>

#include "refeval.h"
#include "tables.h"

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

	if (r->domain != POL_DOMAIN_IP)
		return false;
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
	/* As the runtime's host set: a loopback or unspecified address is
	 * never in it, whatever the list says (pol_never_host()). */
	if (r->host && hosts && !pol_never_host(q->family, q->addr) &&
	    any_contains(hosts->addrs, hosts->n, q))
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

/* Does the pattern t[0..nt) match s[0..ns) whole?  By backtracking: '*'
 * takes any run without '/', '**' any run. */
static bool glob(const uint16_t *t, size_t nt, const uint8_t *s, size_t ns)
{
	size_t k;

	if (!nt)
		return !ns;
	if (t[0] == POL_PAT_STAR || t[0] == POL_PAT_STARSTAR) {
		for (k = 0; k <= ns; k++) {
			if (glob(t + 1, nt - 1, s + k, ns - k))
				return true;
			if (k < ns && t[0] == POL_PAT_STAR && s[k] == '/')
				return false;
		}
		return false;
	}
	return ns && s[0] == t[0] && glob(t + 1, nt - 1, s + 1, ns - 1);
}

/* A path is normal when it starts with '/' and every component, split
 * at each '/', is neither empty nor "." nor "..". */
static bool path_normal(const uint8_t *s, size_t n)
{
	size_t i, start;

	if (!n || s[0] != '/')
		return false;
	for (start = 1, i = 1; i <= n; i++) {
		size_t len;

		if (i < n && s[i] != '/')
			continue;
		len = i - start;
		if (!len || (len == 1 && s[start] == '.') ||
		    (len == 2 && s[start] == '.' && s[start + 1] == '.'))
			return false;
		start = i + 1;
	}
	return true;
}

static bool unix_rule_matches(const struct pol_rule *r, const struct pol_unix_query *q)
{
	uint8_t kind = q->name[0] ? POL_UNIX_PATH : POL_UNIX_ABSTRACT;
	bool normal = kind == POL_UNIX_ABSTRACT || path_normal(q->name, q->len);
	size_t j;

	if (r->domain != POL_DOMAIN_UNIX || !(r->scope_mask & (1u << q->scope)))
		return false;
	if (!r->n_patterns)
		return !!(r->unix_kinds & kind);
	for (j = 0; j < r->n_patterns; j++) {
		const struct pol_unix_pattern *pt = &r->patterns[j];

		if (pt->kind != kind)
			continue;
		if (!normal)
			return r->verdict == POL_DENY;
		if (glob(pt->tok, pt->n, q->name, q->len))
			return true;
	}
	return false;
}

static void ref_found(const struct pol_policy *p, size_t i, struct pol_result *r)
{
	r->reached = 0;
	if (i == p->n_rules) {
		r->rule = POL_RULE_UNMATCHED;
		r->verdict = POL_ALLOW;
		r->flags = 0;
		return;
	}
	r->rule = (uint32_t)(i + 1);
	r->verdict = p->rules[i].verdict;
	r->flags = p->rules[i].flags;
}

void pol_ref_eval_unix(const struct pol_policy *p, struct pol_unix_query *q, struct pol_result *r)
{
	size_t i;

	pol_unix_canonicalise(q);
	for (i = 0; i < p->n_rules && !unix_rule_matches(&p->rules[i], q); i++)
		;
	ref_found(p, i, r);
}

void pol_ref_eval_sock(const struct pol_policy *p, unsigned int kind, unsigned int scope,
		       struct pol_result *r)
{
	size_t i;

	for (i = 0; i < p->n_rules; i++) {
		const struct pol_rule *rule = &p->rules[i];

		if (rule->domain == POL_DOMAIN_SOCK && (rule->sock_kinds & (1u << kind)) &&
		    (rule->scope_mask & (1u << scope)))
			break;
	}
	ref_found(p, i, r);
}
