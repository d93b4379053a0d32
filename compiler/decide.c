/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * decide.c - first-match resolution into the LPM and decision tables.
 *
 * Every distinct prefix gets the set of rules whose prefixes contain it
 * (its "class"); a class's rules, ordered by rule number, give a decision
 * function: selector x port -> deciding rule.  Equal functions share one
 * decision id, so a million prefixes of one rule cost one did.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "hash.h"
#include "htab.h"
#include "intern.h"
#include "mergesort.h"
#include "origins.h"
#include "unix.h"

#define NONE UINT32_MAX
#define N_PORTS 65536u

/* (class, rule) -> class with that rule added. */
struct memo_ent {
	uint64_t key;
	uint32_t val;
};

struct memo {
	struct memo_ent *v; /* idx.n of them */
	size_t cap;
	struct pol_htab idx;
};

struct item {
	uint8_t addr[16];
	uint8_t len;
	uint8_t family;
	uint32_t rule;
};

struct node {
	uint8_t addr[16];
	uint8_t len;
	uint8_t family;
	uint32_t cls;
	uint32_t parent;
	uint32_t did, host_did;
};

/* What is known of a class (a rule set id). */
struct class_memo {
	uint32_t fn;   /* its did, or NONE */
	uint32_t host; /* the class with the host rules added, or NONE */
};

struct decider {
	const struct pol_policy *p;
	struct pol_intern sets;
	struct pol_intern fns;
	struct memo add;
	struct class_memo *classes; /* per class */
	size_t class_cap;
	uint32_t *host_rules;
	uint32_t n_host_rules;
	uint32_t *scratch; /* set/function under construction */
	size_t scratch_cap;
	uint32_t *bp; /* port breakpoints */
	size_t bp_cap;
	bool *decided; /* per rule number */
};

static void memo_free(struct memo *m)
{
	free(m->v);
	pol_htab_free(&m->idx);
}

static int scratch_need(struct decider *dc, size_t n)
{
	return POL_GROW(dc->scratch, dc->scratch_cap, n);
}

/* Make room for per-class memos up to class id n - 1. */
static int classes_fit(struct decider *dc, size_t n)
{
	size_t old = dc->class_cap, i;
	int err;

	if (n <= old)
		return 0;
	err = POL_GROW(dc->classes, dc->class_cap, n);
	if (err)
		return err;
	for (i = old; i < dc->class_cap; i++)
		dc->classes[i] = (struct class_memo){ .fn = NONE, .host = NONE };
	return 0;
}

static int set_intern(struct decider *dc, uint32_t n, uint32_t *id)
{
	int err = pol_intern_get(&dc->sets, dc->scratch, n, id);

	return err ? err : classes_fit(dc, pol_intern_count(&dc->sets));
}

static bool set_has(const uint32_t *v, uint32_t n, uint32_t r)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (v[mid] == r)
			return true;
		if (v[mid] < r)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* The class of set(c) plus rule r, memoised. */
static int class_add(struct decider *dc, uint32_t c, uint32_t r, uint32_t *out)
{
	uint64_t key = (uint64_t)c << 32 | r;
	uint32_t h = (uint32_t)pol_hash_u64(key), n, i, k = 0, m;
	struct memo *memo = &dc->add;
	/* A rule of one prefix (a `deny PREFIX;` line) adds itself once:
	 * remembering that would only fill the memo. */
	bool once = r && dc->p->rules[r - 1].n_prefixes == 1;
	const uint32_t *v;
	size_t pos = 0;
	int err;

	if (once)
		goto compute;
	err = pol_htab_reserve(&memo->idx);
	if (err)
		return err;
	for (pos = pol_htab_pos(&memo->idx, h);
	     (m = pol_htab_next(&memo->idx, h, &pos)) != POL_HTAB_END;) {
		if (memo->v[m].key == key) {
			*out = memo->v[m].val;
			return 0;
		}
	}
compute:
	n = dc->sets.seq[c].cnt;
	if (set_has(pol_intern_data(&dc->sets, c), n, r)) {
		*out = c;
	} else {
		err = scratch_need(dc, n + 1);
		if (err)
			return err;
		v = pol_intern_data(&dc->sets, c);
		for (i = 0; i < n && v[i] < r; i++)
			dc->scratch[k++] = v[i];
		dc->scratch[k++] = r;
		for (; i < n; i++)
			dc->scratch[k++] = v[i];
		/* The set of a one-prefix rule is new, and no other can equal
		 * it (every set holding r comes from here): no lookup. */
		if (once) {
			err = pol_intern_new(&dc->sets, dc->scratch, k, out);
			return err ? err : classes_fit(dc, pol_intern_count(&dc->sets));
		}
		err = set_intern(dc, k, out);
		if (err)
			return err;
	}
	if (once)
		return 0;
	/* set_intern() changed another table: pos is still free in this one. */
	err = POL_GROW(memo->v, memo->cap, memo->idx.n + 1);
	if (err)
		return err;
	memo->v[memo->idx.n] = (struct memo_ent){ .key = key, .val = *out };
	pol_htab_insert(&memo->idx, pos, h, (uint32_t)memo->idx.n);
	return 0;
}

/* The class of set(c) plus every host rule. */
static int class_with_host(struct decider *dc, uint32_t c, uint32_t *out)
{
	uint32_t i, cur = c;
	int err;

	if (dc->classes[c].host != NONE) {
		*out = dc->classes[c].host;
		return 0;
	}
	for (i = 0; i < dc->n_host_rules; i++) {
		err = class_add(dc, cur, dc->host_rules[i], &cur);
		if (err)
			return err;
	}
	dc->classes[c].host = cur;
	*out = cur;
	return 0;
}

static bool rule_has_port(const struct pol_rule *r, uint32_t port)
{
	size_t lo = 0, hi = r->n_ports;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (port < r->ports[mid].lo)
			hi = mid;
		else if (port > r->ports[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static bool rule_applies(const struct pol_rule *r, unsigned int sel)
{
	unsigned int proto = sel / POL_SCOPE_MAX, scope = sel % POL_SCOPE_MAX;

	if (!(r->proto_mask & (1u << proto)) || !(r->scope_mask & (1u << scope)))
		return false;
	/* A port condition matches only TCP and UDP. */
	return !(r->n_ports && proto == POL_PROTO_OTHER);
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The decision function of rule set v[0..n): for each selector, the count
 * of segments, then (first port, deciding rule) per segment.  Built in
 * dc->scratch from offset base; returns its length through *len.
 */
static int fn_build(struct decider *dc, const uint32_t *v, uint32_t n, uint32_t *len)
{
	const struct pol_policy *p = dc->p;
	size_t k = 0;
	unsigned int sel;
	int err;

	for (sel = 0; sel < POL_SEL_MAX; sel++) {
		size_t nbp = 0, count_at, i, nc = 0, last, b;
		uint32_t prev = NONE;

		/* Candidates: v's rules that apply to sel, up to and including
		 * the first without ports (it matches every port). */
		err = POL_GROW(dc->bp, dc->bp_cap, 1);
		if (err)
			return err;
		dc->bp[nbp++] = 0;
		for (i = 0; i < n; i++) {
			const struct pol_rule *r = &p->rules[v[i] - 1];
			size_t j;

			if (!rule_applies(r, sel))
				continue;
			nc = i + 1;
			if (!r->n_ports)
				break;
			err = POL_GROW(dc->bp, dc->bp_cap, nbp + 2 * r->n_ports);
			if (err)
				return err;
			for (j = 0; j < r->n_ports; j++) {
				dc->bp[nbp++] = r->ports[j].lo;
				dc->bp[nbp++] = (uint32_t)r->ports[j].hi + 1;
			}
		}
		qsort(dc->bp, nbp, sizeof(uint32_t), u32_cmp);
		err = scratch_need(dc, k + 1 + 2 * nbp);
		if (err)
			return err;
		count_at = k++;
		for (b = 0, last = NONE; b < nbp; b++) {
			uint32_t port = dc->bp[b], rule = 0;

			if (port >= N_PORTS || port == last)
				continue;
			last = port;
			for (i = 0; i < nc; i++) {
				const struct pol_rule *r = &p->rules[v[i] - 1];

				if (!rule_applies(r, sel))
					continue;
				if (!r->n_ports || rule_has_port(r, port)) {
					rule = v[i];
					break;
				}
			}
			if (rule == prev)
				continue;
			prev = rule;
			dc->scratch[k++] = port;
			dc->scratch[k++] = rule;
			dc->decided[rule] = true;
		}
		dc->scratch[count_at] = (uint32_t)((k - count_at - 1) / 2);
	}
	*len = (uint32_t)k;
	return 0;
}

/* Whether rule r matches every protocol, scope and port of its
 * destinations. */
static bool rule_decides_all(const struct pol_rule *r)
{
	return !r->n_ports && (r->proto_mask & 7) == 7 && (r->scope_mask & 3) == 3;
}

/* The direct decision id of rule (policy_abi.h). */
static uint32_t direct_did(const struct pol_policy *p, uint32_t rule)
{
	uint8_t verdict = rule ? p->rules[rule - 1].verdict : p->default_verdict;
	uint8_t flags = rule ? p->rules[rule - 1].flags : 0;

	return POL_DID_DIRECT | (verdict == POL_ALLOW ? POL_DID_ALLOW : 0) |
	       (flags & POL_RF_LOG ? POL_DID_LOG : 0) | rule;
}

/* If one rule decides every selector and port of function f (len words
 * long, as fn_build() makes it), that rule's direct did, else 0. */
static uint32_t fn_direct(const struct pol_policy *p, const uint32_t *f, uint32_t len)
{
	unsigned int sel;

	if (len != 3 * POL_SEL_MAX)
		return 0;
	for (sel = 0; sel < POL_SEL_MAX; sel++)
		if (f[3 * sel] != 1 || f[3 * sel + 1] != 0 || f[3 * sel + 2] != f[2])
			return 0;
	return direct_did(p, f[2]);
}

/* The did of class c: a direct one if one rule decides everything
 * (then the DEC table need not hold it), else the interned function's. */
static int class_did(struct decider *dc, uint32_t c, uint32_t *did)
{
	uint32_t *copy, n = dc->sets.seq[c].cnt, len;
	int err;

	if (dc->classes[c].fn != NONE) {
		*did = dc->classes[c].fn;
		return 0;
	}
	/* The common case without building the function: the set's first
	 * rule matches every protocol, scope and port (a `deny PREFIX;`
	 * line), or there is none (the default). */
	if (!n || rule_decides_all(&dc->p->rules[pol_intern_data(&dc->sets, c)[0] - 1])) {
		uint32_t rule = n ? pol_intern_data(&dc->sets, c)[0] : 0;

		dc->decided[rule] = true;
		*did = dc->classes[c].fn = direct_did(dc->p, rule);
		return 0;
	}
	/* fn_build grows scratch; copy the set out of the pool first. */
	copy = malloc((n + 1) * sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, pol_intern_data(&dc->sets, c), n * sizeof(*copy));
	err = fn_build(dc, copy, n, &len);
	free(copy);
	if (err)
		return err;
	*did = fn_direct(dc->p, dc->scratch, len);
	if (!*did) {
		err = pol_intern_get(&dc->fns, dc->scratch, len, did);
		if (err)
			return err;
	}
	dc->classes[c].fn = *did;
	return 0;
}

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	c = memcmp(x->addr, y->addr, 16);
	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* Merging the rules' sorted runs costs O(P log R) for R runs, where a
 * plain sort of a million prefixes costs several times more. */
POL_MERGE_RUNS_DEFINE(merge_runs, struct item, item_cmp)

static int collect_items(const struct pol_policy *p, struct item **out, size_t *n_out)
{
	size_t i, j, n = 0, k = 0, n_runs = 0, *run;
	struct item *v;
	int err;

	for (i = 0; i < p->n_rules; i++)
		n += p->rules[i].n_prefixes;
	v = malloc((n ? n : 1) * sizeof(*v));
	run = malloc((p->n_rules + 2) * sizeof(*run));
	if (!v || !run) {
		err = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < p->n_rules; i++) {
		size_t start = k;
		bool sorted = true;

		for (j = 0; j < p->rules[i].n_prefixes; j++) {
			const struct pol_prefix *pf = &p->rules[i].prefixes[j];
			unsigned int max = pf->family == 4 ? 32 : 128;

			if (pf->family != 4 && pf->family != 6)
				continue;
			memcpy(v[k].addr, pf->addr, 16);
			v[k].family = pf->family;
			v[k].len = (uint8_t)(pf->len > max ? max : pf->len);
			if (pf->family == 4)
				memset(v[k].addr + 4, 0, 12);
			v[k].rule = (uint32_t)(i + 1);
			pol_mask_bits(v[k].addr, v[k].addr, max / 8, v[k].len);
			if (k > start && sorted && item_cmp(&v[k - 1], &v[k]) > 0)
				sorted = false;
			k++;
		}
		/* policy.h promises sorted prefixes; do not rely on it. */
		if (!sorted)
			qsort(v + start, k - start, sizeof(*v), item_cmp);
		if (k > start)
			run[n_runs++] = start;
	}
	run[n_runs] = k;
	if (n_runs > 1) {
		struct item *tmp = malloc(k * sizeof(*tmp));

		err = -ENOMEM;
		if (!tmp)
			goto fail;
		merge_runs(v, tmp, run, n_runs);
		free(tmp);
	}
	free(run);
	*out = v;
	*n_out = k;
	return 0;
fail:
	free(v);
	free(run);
	return err;
}

/* Does node p's prefix contain item it's (of the same family)? */
static bool prefix_covers(const struct node *p, const struct item *it)
{
	return p->len <= it->len && pol_bits_equal(p->addr, it->addr, p->len);
}

/*
 * Sweep the sorted items with a stack of enclosing prefixes: each distinct
 * prefix's class is its nearest ancestor's plus its own rules.  A /0 root
 * opens each family.
 */
static int sweep(struct decider *dc, const struct item *it, size_t n_items, uint32_t root_cls,
		 struct node **out, size_t *n_out)
{
	struct node *nodes;
	uint32_t stack[130];
	size_t n = 0, i = 0;
	int fam, err;

	nodes = malloc((n_items + 2) * sizeof(*nodes));
	if (!nodes)
		return -ENOMEM;
	for (fam = 4; fam <= 6; fam += 2) {
		unsigned int depth = 0;

		memset(&nodes[n], 0, sizeof(nodes[n]));
		nodes[n].family = (uint8_t)fam;
		nodes[n].cls = root_cls;
		nodes[n].parent = NONE;
		stack[depth++] = (uint32_t)n++;
		while (i < n_items && it[i].family == fam) {
			struct node *top;
			uint32_t cls;

			/* Pop the prefixes that do not contain this one. */
			while (depth > 1 && !prefix_covers(&nodes[stack[depth - 1]], &it[i]))
				depth--;
			top = &nodes[stack[depth - 1]];
			if (top->len == it[i].len && !memcmp(top->addr, it[i].addr, 16)) {
				/* Same prefix again (another rule, or a /0). */
				err = class_add(dc, top->cls, it[i].rule, &top->cls);
				if (err)
					goto fail;
				i++;
				continue;
			}
			err = class_add(dc, top->cls, it[i].rule, &cls);
			if (err)
				goto fail;
			memcpy(nodes[n].addr, it[i].addr, 16);
			nodes[n].len = it[i].len;
			nodes[n].family = (uint8_t)fam;
			nodes[n].cls = cls;
			nodes[n].parent = stack[depth - 1];
			stack[depth++] = (uint32_t)n++;
			i++;
		}
	}
	*out = nodes;
	*n_out = n;
	return 0;
fail:
	free(nodes);
	return err;
}

/* Split [lo, hi] into aligned power-of-two port blocks, written to out
 * (from tmpl) if out is set; returns how many. */
static size_t port_blocks(uint32_t lo, uint32_t hi, struct pol_dec_entry *out,
			  const struct pol_dec_entry *tmpl)
{
	size_t n = 0;

	while (lo <= hi) {
		uint32_t size = lo ? lo & -lo : N_PORTS;
		unsigned int bits = 0;

		while (lo + size - 1 > hi)
			size >>= 1;
		while ((1u << bits) < size)
			bits++;
		if (out) {
			out[n] = *tmpl;
			out[n].key.prefixlen = POL_DEC_PREFIX_MAX - bits;
			out[n].key.port = htons((uint16_t)lo);
		}
		n++;
		lo += size;
	}
	return n;
}

static void dec_val(const struct pol_policy *p, uint32_t rule, struct pol_dec_val *v)
{
	memset(v, 0, sizeof(*v));
	v->rule = rule;
	v->verdict = rule ? p->rules[rule - 1].verdict : p->default_verdict;
	v->flags = rule ? p->rules[rule - 1].flags : 0;
}

static int dec_entry_cmp(const void *a, const void *b)
{
	const struct pol_dec_entry *x = a, *y = b;

	if (x->key.prefixlen != y->key.prefixlen)
		return x->key.prefixlen < y->key.prefixlen ? -1 : 1;
	return memcmp(&x->key.did, &y->key.did, 8);
}

/*
 * Per did and selector: a /48 for the rule whose segments would cost the
 * most blocks, then blocks for every other segment.  The more specific
 * blocks win the lookup, so the /48 only ever answers for its own ports.
 */
static int build_dec(struct decider *dc, struct pol_dec_entry **out, uint32_t *n_out)
{
	const struct pol_policy *p = dc->p;
	struct pol_dec_entry *v = NULL, tmpl;
	size_t n = 0, cap = 0;
	uint32_t did;
	int err;

	for (did = 0; did < pol_intern_count(&dc->fns); did++) {
		const uint32_t *f = pol_intern_data(&dc->fns, did);
		unsigned int sel;

		for (sel = 0; sel < POL_SEL_MAX; sel++) {
			uint32_t nseg = *f++, s, best = 0;
			size_t best_cost = 0;

			memset(&tmpl, 0, sizeof(tmpl));
			tmpl.key.did = did;
			tmpl.key.sel = (uint8_t)sel;
			for (s = 0; s < nseg; s++) {
				uint32_t rule = f[2 * s + 1], t;
				size_t cost = 0;

				/* Segments of one rule are few; sum them. */
				for (t = 0; t < nseg; t++) {
					uint32_t end = t + 1 < nseg ? f[2 * t + 2] - 1
								    : N_PORTS - 1;

					if (f[2 * t + 1] == rule)
						cost += port_blocks(f[2 * t], end, NULL, NULL);
				}
				if (cost > best_cost)
					best_cost = cost, best = rule;
			}
			err = POL_GROW(v, cap, n + 1);
			if (err)
				goto fail;
			v[n] = tmpl;
			v[n].key.prefixlen = POL_DEC_PREFIX_BASE;
			dec_val(p, best, &v[n].val);
			n++;
			for (s = 0; s < nseg; s++) {
				uint32_t lo = f[2 * s], rule = f[2 * s + 1];
				uint32_t hi = s + 1 < nseg ? f[2 * s + 2] - 1 : N_PORTS - 1;
				size_t k;

				if (rule == best)
					continue;
				k = port_blocks(lo, hi, NULL, NULL);
				err = POL_GROW(v, cap, n + k);
				if (err)
					goto fail;
				dec_val(p, rule, &tmpl.val);
				n += port_blocks(lo, hi, v + n, &tmpl);
			}
			f += 2 * nseg;
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), dec_entry_cmp);
	*out = v;
	*n_out = (uint32_t)n;
	return 0;
fail:
	free(v);
	return err;
}

static int build_lpm(const struct node *nodes, size_t n_nodes, int family, void **out,
		     uint32_t *n_out)
{
	unsigned int max = family == 4 ? 32 : 128, l;
	size_t count[130] = { 0 }, pos[130], i, total = 0;
	size_t esz = family == 4 ? sizeof(struct pol_lpm4_entry) : sizeof(struct pol_lpm6_entry);
	bool *keep;
	uint8_t *v;

	keep = calloc(n_nodes ? n_nodes : 1, sizeof(*keep));
	if (!keep)
		return -ENOMEM;
	for (i = 0; i < n_nodes; i++) {
		const struct node *nd = &nodes[i], *par;

		if (nd->family != family)
			continue;
		par = nd->parent == NONE ? NULL : &nodes[nd->parent];
		/* The parent's value is what the lookup falls back to if this
		 * entry is dropped, whether or not the parent itself is kept. */
		keep[i] = !par || par->did != nd->did || par->host_did != nd->host_did;
		if (keep[i])
			count[nd->len]++, total++;
	}
	for (l = 0, i = 0; l <= max; l++)
		pos[l] = i, i += count[l];
	v = calloc(total ? total : 1, esz);
	if (!v) {
		free(keep);
		return -ENOMEM;
	}
	/* Nodes come in address order: a stable bucket by length gives the
	 * (prefixlen, key bytes) order the tables need. */
	for (i = 0; i < n_nodes; i++) {
		const struct node *nd = &nodes[i];
		struct pol_addr_val av = { .did = nd->did, .host_did = nd->host_did };

		if (!keep[i])
			continue;
		if (family == 4) {
			struct pol_lpm4_entry *e =
				(struct pol_lpm4_entry *)(void *)v + pos[nd->len]++;

			e->key.prefixlen = nd->len;
			memcpy(e->key.addr, nd->addr, 4);
			e->val = av;
		} else {
			struct pol_lpm6_entry *e =
				(struct pol_lpm6_entry *)(void *)v + pos[nd->len]++;

			e->key.prefixlen = nd->len;
			memcpy(e->key.addr, nd->addr, 16);
			e->val = av;
		}
	}
	free(keep);
	*out = v;
	*n_out = (uint32_t)total;
	return 0;
}

/* Up to three rules that decide in place of a rule that decides nothing,
 * in the order the classes first show them. */
struct covers {
	uint32_t who[3];
	uint32_t n;
};

static void cover_add(struct covers *cv, uint32_t who)
{
	uint32_t j;

	for (j = 0; j < cv->n && cv->who[j] != who; j++)
		;
	if (j == cv->n && cv->n < 3)
		cv->who[cv->n++] = who;
}

/* What class c shows of the rules deciding in place of r (a member that
 * decides nothing). */
static void class_covers(const struct decider *dc, uint32_t c, uint32_t r, struct covers *cv)
{
	const struct pol_rule *rule = &dc->p->rules[r - 1];
	uint32_t fn = dc->classes[c].fn, i;
	const uint32_t *f;
	unsigned int sel;

	if (fn & POL_DID_DIRECT) {
		if ((fn & POL_DID_RULE) && (fn & POL_DID_RULE) < r)
			cover_add(cv, fn & POL_DID_RULE);
		return;
	}
	f = pol_intern_data(&dc->fns, fn);
	for (sel = 0; sel < POL_SEL_MAX; sel++) {
		uint32_t nseg = *f++, s;

		for (s = 0; s < nseg && rule_applies(rule, sel) && cv->n < 3; s++) {
			uint32_t lo = f[2 * s], who = f[2 * s + 1];
			uint32_t hi = s + 1 < nseg ? f[2 * s + 2] - 1 : N_PORTS - 1;
			bool hit = !rule->n_ports;

			for (i = 0; i < rule->n_ports && !hit; i++)
				hit = rule->ports[i].lo <= hi && rule->ports[i].hi >= lo;
			if (hit && who && who < r)
				cover_add(cv, who);
		}
		f += 2 * nseg;
	}
}

/*
 * Report each IP rule that decides nothing, with the rules that decide in
 * its place wherever it is a candidate: one pass over the classes for all
 * of them, so a list of many shadowed rules costs no more than one.
 */
static int lint_shadows(struct decider *dc, struct pol_diag *d)
{
	const struct pol_policy *p = dc->p;
	struct covers *cv;
	uint32_t c, i, r;
	bool any = false;

	for (r = 1; r <= p->n_rules && !any; r++)
		any = !dc->decided[r] && p->rules[r - 1].domain == POL_DOMAIN_IP;
	if (!any)
		return 0;
	cv = calloc(p->n_rules + 1, sizeof(*cv));
	if (!cv)
		return -ENOMEM;
	for (c = 0; c < pol_intern_count(&dc->sets); c++) {
		const uint32_t *v = pol_intern_data(&dc->sets, c);

		if (dc->classes[c].fn == NONE)
			continue;
		for (i = 0; i < dc->sets.seq[c].cnt; i++) {
			r = v[i];
			if (!dc->decided[r] && p->rules[r - 1].domain == POL_DOMAIN_IP &&
			    cv[r].n < 3)
				class_covers(dc, c, r, &cv[r]);
		}
	}
	for (r = 1; r <= p->n_rules; r++) {
		if (dc->decided[r] || p->rules[r - 1].domain != POL_DOMAIN_IP)
			continue;
		qsort(cv[r].who, cv[r].n, sizeof(cv[r].who[0]), u32_cmp);
		pol_warn(d, POL_W_SHADOW, &p->rules[r - 1].loc,
			 "rule never matches: earlier rules cover everything it matches");
		for (i = 0; i < cv[r].n; i++)
			pol_note(d, &p->rules[cv[r].who[i] - 1].loc, "covered by this rule");
	}
	free(cv);
	return 0;
}

int pol_decide(const struct pol_policy *p, struct pol_diag *d, struct pol_tables *out)
{
	struct decider dc = { .p = p };
	struct pol_tables t;
	struct item *items = NULL;
	struct node *nodes = NULL;
	struct pol_dec_entry *dec = NULL;
	void *lpm4 = NULL, *lpm6 = NULL;
	size_t n_items, n_nodes = 0, i;
	uint32_t root = 0, k = 0;
	int err;

	memset(&t, 0, sizeof(t));
	if (p->n_rules > POL_DID_RULE)
		return -E2BIG;
	dc.decided = calloc(p->n_rules + 1, sizeof(*dc.decided));
	dc.host_rules = malloc((p->n_rules + 1) * sizeof(*dc.host_rules));
	err = -ENOMEM;
	if (!dc.decided || !dc.host_rules)
		goto cleanup;
	err = scratch_need(&dc, p->n_rules + 1);
	if (err)
		goto cleanup;
	for (i = 0; i < p->n_rules; i++) {
		if (p->rules[i].any_dest)
			dc.scratch[k++] = (uint32_t)(i + 1);
		if (p->rules[i].host && !p->rules[i].any_dest)
			dc.host_rules[dc.n_host_rules++] = (uint32_t)(i + 1);
		if (p->rules[i].host)
			t.consts.flags |= POL_CF_USES_HOST;
		if ((p->rules[i].scope_mask & 3) != 3)
			t.consts.flags |= POL_CF_USES_SCOPE;
		if (p->rules[i].flags & POL_RF_LOG)
			t.consts.flags |= POL_CF_USES_LOG;
	}
	if (p->backstop)
		t.consts.flags |= POL_CF_BACKSTOP;
	if (p->log_denials)
		t.consts.flags |= POL_CF_LOG_DENIALS;
	if (p->audit)
		t.consts.flags |= POL_CF_AUDIT;
	err = set_intern(&dc, k, &root);
	if (err)
		goto cleanup;
	err = collect_items(p, &items, &n_items);
	if (err)
		goto cleanup;
	/* At most a class per distinct prefix: sized once, never rehashed. */
	err = pol_htab_reserve_n(&dc.sets.ids, n_items + 2);
	if (!err)
		err = classes_fit(&dc, n_items + 2);
	if (!err)
		err = sweep(&dc, items, n_items, root, &nodes, &n_nodes);
	free(items);
	items = NULL;
	if (err)
		goto cleanup;
	for (i = 0; i < n_nodes; i++) {
		uint32_t hc;

		err = class_did(&dc, nodes[i].cls, &nodes[i].did);
		if (!err)
			err = class_with_host(&dc, nodes[i].cls, &hc);
		if (!err)
			err = class_did(&dc, hc, &nodes[i].host_did);
		if (err)
			goto cleanup;
	}
	err = build_lpm(nodes, n_nodes, 4, &lpm4, &t.n_lpm4);
	if (!err)
		err = build_lpm(nodes, n_nodes, 6, &lpm6, &t.n_lpm6);
	if (!err)
		err = build_dec(&dc, &dec, &t.n_dec);
	/* From here t owns the tables, freed at cleanup unless handed out. */
	t.lpm4 = t.owned[0] = lpm4;
	t.lpm6 = t.owned[1] = lpm6;
	t.dec = t.owned[2] = dec;
	/* The RULES and STRINGS sections: where each rule came from, for the
	 * writer; nothing after this can fail. */
	if (!err)
		err = pol_origins_build(p, &t);
	if (err)
		goto cleanup;

	if (d && d->enabled[POL_W_SHADOW])
		err = lint_shadows(&dc, d);
	/* The Unix and socket rules' tables beside the IP ones. */
	if (!err)
		err = pol_unix_compile(p, d, &t);
	if (err)
		goto cleanup;

	t.consts.n_rules = (uint32_t)p->n_rules + 1;
	t.consts.n_dids = pol_intern_count(&dc.fns);
	t.consts.default_verdict = p->default_verdict;
	err = pol_tables_index(&t);
	if (err)
		goto cleanup;
	*out = t;
	memset(&t, 0, sizeof(t));
cleanup:
	pol_tables_free(&t);
	free(nodes);
	pol_intern_free(&dc.sets);
	pol_intern_free(&dc.fns);
	memo_free(&dc.add);
	free(dc.classes);
	free(dc.host_rules);
	free(dc.scratch);
	free(dc.bp);
	free(dc.decided);
	return err;
}
