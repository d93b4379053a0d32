/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_ranges.c - the address table (lib/ranges.c, classify.h's
 * pol_range_val()) against a brute-force longest-prefix match over the
 * LPM4/LPM6 entries it was built from.  Tables are built by hand (direct
 * decision ids only, no DEC entries): tiny ones, every root_bits, dense
 * buckets deep into sub-directories, nesting chains and the edges of the
 * address space, 200k random prefixes, host addresses, and malformed
 * input.  Besides the verdicts: the directory as policy_abi.h lays it out,
 * ranges merged wherever the value does not change, and the bytes a
 * prefix costs.  JAILPOL_SEED=N replays a run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../bpf/templates/policy_abi.h"
#include "ranges.h"
#include "rng.h"
#include "tables.h"
#include "unit.h"

/* classify.h's types, without its lookups. */
#define POL_CLASSIFY_TYPES_ONLY
#include "../../bpf/templates/classify.h"

typedef unsigned __int128 u128;

/* Budget of the O(n) reference scans per table: entries times probes. */
#define SCAN_BUDGET 30000000ull
/* Mismatches printed per table. */
#define SHOW_MAX 5

static struct test_rng rng;
static uint64_t seed;

static uint64_t rnd(void)
{
	return test_rng_next(&rng);
}

static uint32_t rn(uint32_t n)
{
	return test_rng_below(&rng, n);
}

static u128 rnd128(void)
{
	return (u128)rnd() << 64 | rnd();
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const unsigned int fam_bits[2] = { 32, 128 };

static u128 fam_max(int f)
{
	return f ? ~(u128)0 : ((u128)1 << 32) - 1;
}

/* The first len bits of x, the rest cleared. */
static u128 mask_of(int f, unsigned int len)
{
	unsigned int bits = fam_bits[f];

	if (!len)
		return 0;
	return fam_max(f) & ~((((u128)1) << (bits - len)) - 1);
}

static u128 prefix_end(int f, u128 start, unsigned int len)
{
	return start | (fam_max(f) & ~mask_of(f, len));
}

/* One entry, as the test holds it: an address as a number. */
struct ent {
	u128 addr;
	uint32_t len;
	uint32_t did, host_did;
	uint32_t seq; /* order of addition: the first of duplicates stays */
};

struct fam_ents {
	struct ent *e;
	size_t n, cap;
	/* After finish(): sorted by (len, addr), entries of length L at
	 * [idx[L], idx[L + 1]); lens[] the lengths present, longest first. */
	uint32_t idx[130];
	uint8_t lens[129];
	unsigned int n_lens;
};

struct host {
	int f;
	u128 addr;
};

/* One hand-built policy. */
struct tcase {
	const char *name;
	struct fam_ents fe[2];
	struct pol_rule_rec *rules;
	size_t n_rules, cap_rules;
	struct host hosts[16];
	unsigned int n_hosts;
	struct pol_lpm4_entry *lpm4;
	struct pol_lpm6_entry *lpm6;
	struct pol_tables t;
	/* What probing found. */
	unsigned long probes, scans, mismatches, shown;
};

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	REQUIRE(q, "out of memory");
	return q;
}

/* A direct decision id for a new rule, its record in the rules. */
static uint32_t new_did(struct tcase *tc, int allow, int log)
{
	uint32_t r = (uint32_t)tc->n_rules;

	if (tc->n_rules == tc->cap_rules) {
		tc->cap_rules = tc->cap_rules ? 2 * tc->cap_rules : 64;
		tc->rules = xrealloc(tc->rules, tc->cap_rules * sizeof(*tc->rules));
	}
	memset(&tc->rules[r], 0, sizeof(tc->rules[r]));
	tc->rules[r].verdict = allow ? POL_ALLOW : POL_DENY;
	tc->rules[r].flags = log ? POL_RF_LOG : 0;
	tc->rules[r].line = r;
	tc->n_rules++;
	return POL_DID_DIRECT | (allow ? POL_DID_ALLOW : 0) | (log ? POL_DID_LOG : 0) | r;
}

static uint32_t random_did(struct tcase *tc)
{
	return new_did(tc, test_rng_pct(&rng, 40), test_rng_pct(&rng, 10));
}

/* A case whose rule 0, the default, decides both roots. */
static void tcase_init(struct tcase *tc, const char *name, int allow_default)
{
	memset(tc, 0, sizeof(*tc));
	tc->name = name;
	new_did(tc, allow_default, 0);
}

static uint32_t default_did(const struct tcase *tc)
{
	return POL_DID_DIRECT | (tc->rules[0].verdict == POL_ALLOW ? POL_DID_ALLOW : 0);
}

static void add_ent2(struct tcase *tc, int f, u128 addr, unsigned int len, uint32_t did,
		     uint32_t host_did)
{
	struct fam_ents *fe = &tc->fe[f];

	if (fe->n == fe->cap) {
		fe->cap = fe->cap ? 2 * fe->cap : 256;
		fe->e = xrealloc(fe->e, fe->cap * sizeof(*fe->e));
	}
	fe->e[fe->n] = (struct ent){
		.addr = addr & mask_of(f, len),
		.len = len,
		.did = did,
		.host_did = host_did,
		.seq = (uint32_t)fe->n,
	};
	fe->n++;
}

static void add_ent(struct tcase *tc, int f, u128 addr, unsigned int len, uint32_t did)
{
	add_ent2(tc, f, addr, len, did, did);
}

static void add_roots(struct tcase *tc)
{
	add_ent(tc, 0, 0, 0, default_did(tc));
	add_ent(tc, 1, 0, 0, default_did(tc));
}

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void put_addr(int f, u128 x, uint8_t *out)
{
	int i, n = f ? 16 : 4;

	for (i = n - 1; i >= 0; i--, x >>= 8)
		out[i] = (uint8_t)x;
}

/* Sort and dedupe the entries, lay them out as policy.bin has them, and
 * index the tables.  Returns pol_tables_index()'s result. */
static int finish(struct tcase *tc)
{
	size_t i;
	int f;

	for (f = 0; f < 2; f++) {
		struct fam_ents *fe = &tc->fe[f];
		size_t o = 0;
		unsigned int l;

		qsort(fe->e, fe->n, sizeof(*fe->e), ent_cmp);
		for (i = 0; i < fe->n; i++)
			if (!o || fe->e[i].len != fe->e[o - 1].len ||
			    fe->e[i].addr != fe->e[o - 1].addr)
				fe->e[o++] = fe->e[i];
		fe->n = o;
		for (l = 0, i = 0; l <= fam_bits[f] + 1; l++) {
			while (i < fe->n && fe->e[i].len < l)
				i++;
			fe->idx[l] = (uint32_t)i;
		}
		fe->n_lens = 0;
		for (l = fam_bits[f] + 1; l-- > 0;)
			if (fe->idx[l] != fe->idx[l + 1])
				fe->lens[fe->n_lens++] = (uint8_t)l;
	}
	tc->lpm4 = xrealloc(NULL, tc->fe[0].n * sizeof(*tc->lpm4));
	tc->lpm6 = xrealloc(NULL, tc->fe[1].n * sizeof(*tc->lpm6));
	memset(tc->lpm4, 0, tc->fe[0].n * sizeof(*tc->lpm4));
	memset(tc->lpm6, 0, tc->fe[1].n * sizeof(*tc->lpm6));
	for (i = 0; i < tc->fe[0].n; i++) {
		const struct ent *e = &tc->fe[0].e[i];

		tc->lpm4[i].key.prefixlen = e->len;
		put_addr(0, e->addr, tc->lpm4[i].key.addr);
		tc->lpm4[i].val = (struct pol_addr_val){ .did = e->did, .host_did = e->host_did };
	}
	for (i = 0; i < tc->fe[1].n; i++) {
		const struct ent *e = &tc->fe[1].e[i];

		tc->lpm6[i].key.prefixlen = e->len;
		put_addr(1, e->addr, tc->lpm6[i].key.addr);
		tc->lpm6[i].val = (struct pol_addr_val){ .did = e->did, .host_did = e->host_did };
	}
	tc->t.consts.n_rules = (uint32_t)tc->n_rules;
	tc->t.consts.n_dids = 0;
	tc->t.consts.default_verdict = tc->rules[0].verdict;
	tc->t.lpm4 = tc->lpm4;
	tc->t.n_lpm4 = (uint32_t)tc->fe[0].n;
	tc->t.lpm6 = tc->lpm6;
	tc->t.n_lpm6 = (uint32_t)tc->fe[1].n;
	tc->t.rules = tc->rules;
	tc->t.n_rules = (uint32_t)tc->n_rules;
	pol_tables_sock_unmatched(&tc->t);
	return pol_tables_index(&tc->t);
}

static void add_host(struct tcase *tc, int f, u128 addr)
{
	uint8_t b[16] = { 0 };

	REQUIRE(tc->n_hosts < ARRAY_SIZE(tc->hosts), "too many hosts");
	tc->hosts[tc->n_hosts++] = (struct host){ .f = f, .addr = addr };
	put_addr(f, addr, b);
	REQUIRE(!pol_tables_add_host(&tc->t, f ? 6 : 4, b), "pol_tables_add_host");
}

static void tcase_free(struct tcase *tc)
{
	int f;

	pol_tables_free(&tc->t);
	for (f = 0; f < 2; f++)
		free(tc->fe[f].e);
	free(tc->rules);
	free(tc->lpm4);
	free(tc->lpm6);
}

/* The reference: longest prefix, one binary search per length present. */
static const struct ent *ref_lpm(const struct tcase *tc, int f, u128 x)
{
	const struct fam_ents *fe = &tc->fe[f];
	unsigned int k;

	for (k = 0; k < fe->n_lens; k++) {
		unsigned int l = fe->lens[k];
		uint32_t lo = fe->idx[l], hi = fe->idx[l + 1];
		u128 m = x & mask_of(f, l);

		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;

			if (fe->e[mid].addr == m)
				return &fe->e[mid];
			if (fe->e[mid].addr < m)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return NULL;
}

/* The obvious one: every entry, the longest that holds x wins. */
static const struct ent *ref_scan(const struct tcase *tc, int f, u128 x)
{
	const struct fam_ents *fe = &tc->fe[f];
	const struct ent *best = NULL;
	size_t i;

	for (i = 0; i < fe->n; i++)
		if ((x & mask_of(f, fe->e[i].len)) == fe->e[i].addr &&
		    (!best || fe->e[i].len > best->len))
			best = &fe->e[i];
	return best;
}

static int ref_is_host(const struct tcase *tc, int f, u128 x)
{
	unsigned int i;

	for (i = 0; i < tc->n_hosts; i++)
		if (tc->hosts[i].f == f && tc->hosts[i].addr == x)
			return 1;
	return 0;
}

static void result_of_did(uint32_t did, struct pol_result *r)
{
	r->rule = did & POL_DID_RULE;
	r->verdict = did & POL_DID_ALLOW ? POL_ALLOW : POL_DENY;
	r->flags = did & POL_DID_LOG ? POL_RF_LOG : 0;
}

static void ref_lookup(const struct tcase *tc, int f, u128 x, int scan, struct pol_result *r)
{
	const struct ent *e = ref_lpm(tc, f, x);

	if (scan) {
		const struct ent *s = ref_scan(tc, f, x);

		if (s != e)
			REQUIRE(0,
				"%s: the two references disagree on %s %#llx:%016llx (seed %llu)",
				tc->name, f ? "ipv6" : "ipv4", (unsigned long long)(x >> 64),
				(unsigned long long)x, (unsigned long long)seed);
	}
	if (!e)
		REQUIRE(0, "%s: no root", tc->name);
	result_of_did(e->did != e->host_did && ref_is_host(tc, f, x) ? e->host_did : e->did, r);
}

/* The whole classification: IPv4-mapped as IPv4, the unspecified
 * address judged again as the loopback it reaches. */
static void ref_classify(const struct tcase *tc, int f, u128 x, int scan, struct pol_result *r)
{
	if (f && x >> 32 == 0xffff) {
		f = 0;
		x &= 0xffffffffu;
	}
	ref_lookup(tc, f, x, scan, r);
	r->reached = 0;
	if (r->verdict == POL_ALLOW && !x) {
		ref_lookup(tc, f, f ? 1 : 0x7f000001u, scan, r);
		r->reached = 1;
	}
}

static void probe(struct tcase *tc, int f, u128 x)
{
	struct pol_query q = { .family = f ? 6 : 4 };
	struct pol_result got, want;
	int scan;

	x &= fam_max(f);
	q.proto = (uint8_t)rn(POL_PROTO_MAX);
	q.scope = (uint8_t)rn(POL_SCOPE_MAX);
	q.port = (uint16_t)rnd();
	put_addr(f, x, q.addr);
	memset(&got, 0xa5, sizeof(got));
	pol_tables_classify(&tc->t, &q, &got);
	scan = (uint64_t)tc->scans * tc->fe[f].n < SCAN_BUDGET;
	if (scan)
		tc->scans++;
	ref_classify(tc, f, x, scan, &want);
	tc->probes++;
	if (got.rule == want.rule && got.verdict == want.verdict && got.flags == want.flags &&
	    got.reached == want.reached)
		return;
	tc->mismatches++;
	if (tc->shown++ < SHOW_MAX)
		fprintf(stderr,
			"%s: %s %#llx:%016llx: got rule %u verdict %u flags %u reached %u, want rule %u verdict %u flags %u reached %u (seed %llu)\n",
			tc->name, f ? "ipv6" : "ipv4", (unsigned long long)(x >> 64),
			(unsigned long long)x, got.rule, got.verdict, got.flags, got.reached,
			want.rule, want.verdict, want.flags, want.reached,
			(unsigned long long)seed);
}

/* Range i's start, read from the table as policy_abi.h lays it out. */
static u128 range_start(const struct tcase *tc, int f, uint32_t i)
{
	const struct pol_range_fam *rf = &tc->t.layout.fam[f];
	const __u64 *w = tc->t.words;

	if (!f)
		return (uint32_t)(w[rf->start + i] >> 32);
	return (u128)w[rf->start + 2 * i] << 64 | w[rf->start + 2 * i + 1];
}

static uint64_t ent_val(const struct ent *e)
{
	return (uint64_t)e->did | (uint64_t)e->host_did << 32;
}

static int u128_cmp(const void *a, const void *b)
{
	const u128 *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/*
 * Probe family f at every boundary the entries make (each prefix's first
 * address and the one after its last) and every range start of the
 * table, each ±1, or at most budget of them; and count the points where
 * the value changes: with ranges merged wherever it does not, the table
 * has exactly one range more than that.
 */
static void probe_bounds(struct tcase *tc, int f, size_t budget)
{
	const struct fam_ents *fe = &tc->fe[f];
	uint32_t n = tc->t.layout.fam[f].n, i;
	size_t nc = 0, k, changes = 0;
	u128 *c = xrealloc(NULL, (2 * fe->n + n) * sizeof(*c));
	int all;

	for (k = 0; k < fe->n; k++) {
		u128 end = prefix_end(f, fe->e[k].addr, fe->e[k].len);

		if (fe->e[k].addr)
			c[nc++] = fe->e[k].addr;
		if (end != fam_max(f))
			c[nc++] = end + 1;
	}
	for (i = 0; i < n; i++)
		if (range_start(tc, f, i))
			c[nc++] = range_start(tc, f, i);
	qsort(c, nc, sizeof(*c), u128_cmp);
	for (k = 0, i = 0; k < nc; k++)
		if (!i || c[k] != c[i - 1])
			c[i++] = c[k];
	nc = i;
	all = 3 * nc <= budget;
	for (k = 0; k < nc; k++) {
		const struct ent *a = ref_lpm(tc, f, c[k] - 1), *b = ref_lpm(tc, f, c[k]);

		changes += ent_val(a) != ent_val(b);
		if (all || rn((uint32_t)nc) < budget / 3) {
			probe(tc, f, c[k] - 1);
			probe(tc, f, c[k]);
			probe(tc, f, c[k] + 1);
		}
	}
	CHECK(n == changes + 1, "%s: %s: %u ranges where the value changes %zu times (seed %llu)",
	      tc->name, f ? "ipv6" : "ipv4", n, changes, (unsigned long long)seed);
	free(c);
}

/* Random addresses: anywhere, and inside random entries. */
static void probe_random(struct tcase *tc, int f, size_t count)
{
	const struct fam_ents *fe = &tc->fe[f];
	size_t k;

	for (k = 0; k < count; k++) {
		if (k & 1) {
			probe(tc, f, rnd128());
		} else {
			const struct ent *e = &fe->e[rn((uint32_t)fe->n)];

			probe(tc, f, e->addr | (rnd128() & ~mask_of(f, e->len)));
		}
	}
}

/*
 * The directory of family f, as policy_abi.h describes it: every
 * bucket's first range holds the bucket's first address, a leaf bucket
 * has at most POL_RANGE_LEAF_MAX + 1 ranges, the sentinel is the range
 * after.  Returns the deepest level (the root is level 1), 0 if broken.
 */
static unsigned int walk_dir(const struct tcase *tc, int f, uint32_t node, unsigned int c,
			     unsigned int w, u128 base, unsigned int level, unsigned long *bad)
{
	const struct pol_range_layout *l = &tc->t.layout;
	uint32_t n = l->fam[f].n, j;
	unsigned int bits = fam_bits[f], shift = bits - c - w, deepest = level;
	u128 span = (u128)1 << shift;

	if (level > POL_RANGE_LEVELS(bits) || node + (1u << w) >= l->n_words) {
		(*bad)++;
		return 0;
	}
	for (j = 0; j < (1u << w); j++) {
		__u64 e = tc->t.words[node + j], e1 = tc->t.words[node + j + 1];
		uint32_t lo = (uint32_t)e, hi = (uint32_t)e1;
		uint32_t sub = (uint32_t)(e >> 32) & ((1u << POL_RANGE_SUB_SHIFT) - 1);
		u128 first = base + span * j;

		if (lo >= n || hi >= n || hi < lo || range_start(tc, f, lo) > first ||
		    (lo + 1 < n && range_start(tc, f, lo + 1) <= first)) {
			(*bad)++;
			continue;
		}
		if (sub) {
			unsigned int c2 = c + w;
			unsigned int w2 = (unsigned int)(e >> (32 + POL_RANGE_SUB_SHIFT)) + 1;
			unsigned int d;

			if (w2 > POL_RANGE_SUB_MAX || c2 + w2 > bits) {
				(*bad)++;
				continue;
			}
			d = walk_dir(tc, f, sub, c2, w2, first, level + 1, bad);
			if (d > deepest)
				deepest = d;
		} else if (hi - lo > POL_RANGE_LEAF_MAX) {
			(*bad)++;
		}
	}
	return deepest;
}

/* The directory's check; its depth. */
static unsigned int check_dir(struct tcase *tc, int f)
{
	const struct pol_range_fam *rf = &tc->t.layout.fam[f];
	unsigned long bad = 0;
	unsigned int depth;
	uint32_t i;

	CHECK(rf->n >= 1 && range_start(tc, f, 0) == 0, "%s: range 0 starts at 0", tc->name);
	for (i = 1; i < rf->n; i++)
		if (range_start(tc, f, i) <= range_start(tc, f, i - 1))
			bad++;
	CHECK(!bad, "%s: %s: %lu range starts out of order (seed %llu)", tc->name,
	      f ? "ipv6" : "ipv4", bad, (unsigned long long)seed);
	CHECK(rf->root_bits >= 1 && rf->root_bits <= POL_RANGE_ROOT_MAX, "%s: root_bits %u",
	      tc->name, rf->root_bits);
	depth = walk_dir(tc, f, rf->dir, 0, rf->root_bits, 0, 1, &bad);
	CHECK(!bad && depth, "%s: %s: %lu bad directory words (seed %llu)", tc->name,
	      f ? "ipv6" : "ipv4", bad, (unsigned long long)seed);
	return depth;
}

/* Probe, check and report one table. */
static void run_case(struct tcase *tc, size_t bounds_budget, size_t randoms, unsigned int *depth)
{
	int f;

	for (f = 0; f < 2; f++) {
		unsigned int d = check_dir(tc, f);

		if (depth)
			depth[f] = d;
		probe_bounds(tc, f, bounds_budget);
		probe_random(tc, f, randoms);
		probe(tc, f, 0);
		probe(tc, f, fam_max(f));
	}
	CHECK(!tc->mismatches, "%s: %lu of %lu probes disagree with the reference (seed %llu)",
	      tc->name, tc->mismatches, tc->probes, (unsigned long long)seed);
}

/* Only the roots, deny or allow (then 0.0.0.0 and :: reach the
 * loopback), with and without a host_did of their own. */
static void test_roots(void)
{
	int variant;

	for (variant = 0; variant < 4; variant++) {
		struct tcase tc;
		int f;

		tcase_init(&tc, "roots", variant & 1);
		if (variant & 2) {
			uint32_t h = new_did(&tc, !(variant & 1), 1);

			add_ent2(&tc, 0, 0, 0, default_did(&tc), h);
			add_ent2(&tc, 1, 0, 0, default_did(&tc), h);
		} else {
			add_roots(&tc);
		}
		REQUIRE(!finish(&tc), "roots: pol_tables_index");
		for (f = 0; f < 2; f++) {
			CHECK(tc.t.layout.fam[f].n == 1, "roots: %u ranges", tc.t.layout.fam[f].n);
			CHECK(tc.t.layout.fam[f].root_bits == 1, "roots: root_bits %u",
			      tc.t.layout.fam[f].root_bits);
		}
		if (variant & 2) {
			add_host(&tc, 0, 0x0a000001);
			add_host(&tc, 1, (u128)0x20010db8 << 96 | 1);
		}
		run_case(&tc, 1000, 2000, NULL);
		tcase_free(&tc);
	}
}

/*
 * Every root_bits from 1 to 16, both families: k isolated host prefixes
 * (at distinct even addresses, so none touch) make 2k or 2k + 1 ranges,
 * k chosen for about 4 << b of them.  (r + i) * odd is one-to-one, so
 * the addresses are distinct.
 */
static void test_root_bits(void)
{
	unsigned int seen[2] = { 0, 0 }, b;
	int f;

	for (b = 1; b <= POL_RANGE_ROOT_MAX; b++) {
		size_t k = ((size_t)4 << (b - 1)) + 1, i;
		uint32_t dids[3];
		struct tcase tc;

		tcase_init(&tc, "root-bits", b & 1);
		add_roots(&tc);
		dids[0] = random_did(&tc);
		dids[1] = random_did(&tc);
		dids[2] = random_did(&tc);
		for (f = 0; f < 2; f++) {
			u128 r = rnd128(), odd = rnd128() | 1;

			for (i = 0; i < k; i++)
				add_ent(&tc, f, ((r + i) * odd) << 1, fam_bits[f], dids[rn(3)]);
		}
		REQUIRE(!finish(&tc), "root-bits: pol_tables_index");
		run_case(&tc, 6000, 3000, NULL);
		for (f = 0; f < 2; f++)
			seen[f] |= 1u << tc.t.layout.fam[f].root_bits;
		tcase_free(&tc);
	}
	for (f = 0; f < 2; f++)
		CHECK(seen[f] == 0x1fffe, "root-bits: %s: root_bits seen %#x, want each of 1..16",
		      f ? "ipv6" : "ipv4", seen[f]);
}

/*
 * A dense bucket: every /32 of a /16 with alternating values, random
 * /24../31 inside (shadowed when all /32s are there, showing through
 * where some are left out), the /16 and a /8 around it.
 */
static void test_dense4(void)
{
	int variant;

	for (variant = 0; variant < 2; variant++) {
		u128 base = (u128)(rnd() & 0xffff0000u);
		uint32_t a, b, i;
		unsigned int depth[2];
		struct tcase tc;

		tcase_init(&tc, variant ? "dense4-holes" : "dense4", 0);
		add_roots(&tc);
		a = random_did(&tc);
		b = random_did(&tc);
		add_ent(&tc, 0, base, 8, random_did(&tc));
		add_ent(&tc, 0, base, 16, random_did(&tc));
		for (i = 0; i < 65536; i++)
			if (!variant || rn(4))
				add_ent(&tc, 0, base + i, 32, i & 1 ? a : b);
		for (i = 0; i < 400; i++)
			add_ent(&tc, 0, base + rn(65536), 24 + rn(8), rn(4) ? random_did(&tc) : a);
		REQUIRE(!finish(&tc), "dense4: pol_tables_index");
		run_case(&tc, 400000, 20000, depth);
		for (i = 0; i < 65536 + 512; i++)
			probe(&tc, 0, base - 256 + i);
		CHECK(depth[0] >= 3, "%s: directory depth %u, want sub-directories at 2 levels",
		      tc.name, depth[0]);
		printf("%s: %u ranges, root_bits %u, depth %u, %lu probes\n", tc.name,
		       tc.t.layout.fam[0].n, tc.t.layout.fam[0].root_bits, depth[0], tc.probes);
		tcase_free(&tc);
	}
}

/*
 * IPv6 deep down: 2001:db8::/112 full of /128s with alternating values,
 * nested /120 /124 /126 /127 inside and the /32../96 chain above; then
 * runs of 2^11 (or 100) alternating /128s plus isolated fillers, sized
 * for root_bits 4..13, so sub-directories go as deep as the heuristic
 * allows and the directory's bit fields straddle bit 64.
 */
static void test_dense6(void)
{
	static const unsigned int outer[] = { 32, 48, 64, 80, 96, 104, 108 };
	u128 base = (u128)0x20010db8u << 96;
	unsigned int depth[2], b, i, max_depth = 0;
	uint32_t a, c;
	struct tcase tc;

	tcase_init(&tc, "dense6", 0);
	add_roots(&tc);
	a = random_did(&tc);
	c = random_did(&tc);
	for (i = 0; i < ARRAY_SIZE(outer); i++)
		add_ent(&tc, 1, base, outer[i], random_did(&tc));
	for (i = 0; i < 65536; i++)
		add_ent(&tc, 1, base + i, 128, i & 1 ? a : c);
	for (i = 0; i < 600; i++)
		add_ent(&tc, 1, base + rn(65536), 113 + rn(15), rn(4) ? random_did(&tc) : a);
	REQUIRE(!finish(&tc), "dense6: pol_tables_index");
	run_case(&tc, 400000, 20000, depth);
	for (i = 0; i < 65536 + 512; i++)
		probe(&tc, 1, base - 256 + i);
	CHECK(depth[1] >= 3 && depth[1] <= POL_RANGE_LEVELS(128),
	      "dense6: directory depth %u, want sub-directories within %u", depth[1],
	      POL_RANGE_LEVELS(128));
	printf("dense6: %u ranges, root_bits %u, depth %u, %lu probes\n", tc.t.layout.fam[1].n,
	       tc.t.layout.fam[1].root_bits, depth[1], tc.probes);
	tcase_free(&tc);

	for (b = 4; b <= 13; b++) {
		size_t target = (size_t)6 << b, run = target > 2048 + 64 ? 2048 : 100, k;
		u128 at = rnd128() & ~(u128)0x7ff;

		tcase_init(&tc, "deep6", b & 1);
		add_roots(&tc);
		a = random_did(&tc);
		c = random_did(&tc);
		for (k = 0; k < run; k++)
			add_ent(&tc, 1, at + k, 128, k & 1 ? a : c);
		for (k = 0; run + 2 * k < target; k++)
			add_ent(&tc, 1, rnd128() & ~(u128)1, 128, k & 1 ? a : c);
		REQUIRE(!finish(&tc), "deep6: pol_tables_index");
		run_case(&tc, 20000, 5000, depth);
		for (k = 0; k < run + 64; k++)
			probe(&tc, 1, at - 32 + k);
		CHECK(tc.t.layout.fam[1].root_bits == b, "deep6: root_bits %u, sized for %u",
		      tc.t.layout.fam[1].root_bits, b);
		CHECK(depth[1] >= 2 && depth[1] <= POL_RANGE_LEVELS(128),
		      "deep6: root_bits %u: directory depth %u, want sub-directories within %u",
		      tc.t.layout.fam[1].root_bits, depth[1], POL_RANGE_LEVELS(128));
		if (depth[1] > max_depth)
			max_depth = depth[1];
		tcase_free(&tc);
	}
	printf("deep6: root_bits 4..13, deepest directory %u levels (bound %u)\n", max_depth,
	       POL_RANGE_LEVELS(128));
}

/* Both halves of a prefix, with the same value as each other (merging),
 * as the prefix's own, or different ones. */
static void add_halves(struct tcase *tc, int f, u128 addr, unsigned int len)
{
	uint32_t v = random_did(tc), w;

	if (len >= fam_bits[f])
		return;
	add_ent(tc, f, addr, len, v);
	switch (rn(3)) {
	case 0:
		w = random_did(tc);
		add_ent(tc, f, addr, len + 1, w);
		add_ent(tc, f, addr | ((u128)1 << (fam_bits[f] - len - 1)), len + 1, w);
		break;
	case 1:
		add_ent(tc, f, addr, len + 1, v);
		add_ent(tc, f, addr | ((u128)1 << (fam_bits[f] - len - 1)), len + 1,
			random_did(tc));
		break;
	default:
		add_ent(tc, f, addr, len + 1, random_did(tc));
		add_ent(tc, f, addr | ((u128)1 << (fam_bits[f] - len - 1)), len + 1,
			random_did(tc));
		break;
	}
}

/*
 * Nesting chains (/0../32 and /0../128 at one address, at 0 and at the
 * last address), the top of each space (255.255.255.255/32,
 * ffff:...:ffff/128, ff00::/8), adjacent prefixes with equal and
 * different values, and siblings that repeat their parent's value.
 */
static void test_edges(void)
{
	int round;

	for (round = 0; round < 20; round++) {
		struct tcase tc;
		unsigned int l, i;
		int f;

		tcase_init(&tc, "edges", round & 1);
		add_roots(&tc);
		for (f = 0; f < 2; f++) {
			u128 x = rnd128() & fam_max(f), top = fam_max(f);
			uint32_t same = random_did(&tc);

			for (l = 1; l <= fam_bits[f]; l++) {
				add_ent(&tc, f, x, l, rn(3) ? random_did(&tc) : same);
				if (round % 3 == 0)
					add_ent(&tc, f, 0, l, random_did(&tc));
				if (round % 3 == 1)
					add_ent(&tc, f, top, l, rn(2) ? random_did(&tc) : same);
			}
			add_ent(&tc, f, top, fam_bits[f], random_did(&tc));
			add_ent(&tc, f, 0, fam_bits[f], random_did(&tc));
			for (i = 0; i < 40; i++) {
				unsigned int len = 1 + rn(fam_bits[f] - 1);

				add_halves(&tc, f, rnd128() & mask_of(f, len), len);
			}
			/* Runs of adjacent equal prefixes of one length, some
			 * covering their parent exactly. */
			for (i = 0; i < 10; i++) {
				unsigned int len = 2 + rn(fam_bits[f] - 2), k, cnt = 2 + rn(6);
				u128 s = rnd128() & mask_of(f, len),
				     step = (u128)1 << (fam_bits[f] - len);
				uint32_t v = random_did(&tc);

				for (k = 0; k < cnt && s + step * k <= top; k++)
					add_ent(&tc, f, s + step * k, len, v);
			}
		}
		add_ent(&tc, 1, (u128)0xff << 120, 8, random_did(&tc));
		add_ent(&tc, 1, (u128)0xff02 << 112, 16, random_did(&tc));
		add_ent(&tc, 1, (u128)0xffff << 32, 96, random_did(&tc)); /* mapped: never used */
		add_ent(&tc, 0, 0x7f000000, 8, new_did(&tc, round & 2, 0));
		add_ent(&tc, 1, 1, 128, new_did(&tc, round & 2, 0));
		REQUIRE(!finish(&tc), "edges: pol_tables_index");
		run_case(&tc, 100000, 5000, NULL);
		tcase_free(&tc);
	}
}

/* A realistic prefix length. */
static unsigned int random_len(int f)
{
	static const struct {
		uint8_t len, weight;
	} mix4[] = { { 24, 50 }, { 22, 12 }, { 16, 10 }, { 23, 6 }, { 20, 5 }, { 21, 4 }, { 19, 3 },
		     { 18, 2 },  { 17, 2 },  { 32, 3 },  { 12, 1 }, { 8, 1 },  { 28, 1 } },
	  mix6[] = { { 32, 15 }, { 48, 30 }, { 44, 8 }, { 40, 8 }, { 36, 5 }, { 56, 8 },
		     { 64, 12 }, { 29, 3 },  { 47, 3 }, { 52, 3 }, { 60, 2 }, { 128, 3 } };
	unsigned int total = 0, i, r;

	if (!f) {
		for (i = 0; i < ARRAY_SIZE(mix4); i++)
			total += mix4[i].weight;
		r = rn(total);
		for (i = 0; r >= mix4[i].weight; i++)
			r -= mix4[i].weight;
		return mix4[i].len;
	}
	for (i = 0; i < ARRAY_SIZE(mix6); i++)
		total += mix6[i].weight;
	r = rn(total);
	for (i = 0; r >= mix6[i].weight; i++)
		r -= mix6[i].weight;
	return mix6[i].len;
}

/*
 * 200k random prefixes of a realistic mix, each its own rule (a
 * blocklist of `deny PREFIX;` rules, the worst case for the values),
 * probed at every boundary ±1 and at random; and what a prefix costs.
 */
static void test_random(int f, size_t n)
{
	struct tcase tc;
	size_t i;
	double bpp;

	tcase_init(&tc, f ? "random6" : "random4", 0);
	add_roots(&tc);
	for (i = 0; i < n; i++) {
		u128 x = f ? ((u128)0x2 << 124 | (rnd128() >> 4)) : (u128)(uint32_t)rnd();

		add_ent(&tc, f, x, random_len(f), random_did(&tc));
	}
	REQUIRE(!finish(&tc), "random: pol_tables_index");
	run_case(&tc, SIZE_MAX, 200000, NULL);
	bpp = (double)tc.t.layout.n_words * 8 / (double)(tc.fe[f].n - 1);
	/* The directories of both families come first, after word 0. */
	printf("%s: %zu prefixes, %u ranges, %u values, root_bits %u, %u words (%u of directory): %.1f bytes/prefix, %lu probes\n",
	       tc.name, tc.fe[f].n - 1, tc.t.layout.fam[f].n, tc.t.layout.n_vals,
	       tc.t.layout.fam[f].root_bits, tc.t.layout.n_words, tc.t.layout.fam[0].start - 1, bpp,
	       tc.probes);
	if (!f)
		CHECK(bpp <= 32, "random4: %.1f bytes per IPv4 prefix, want at most 32", bpp);
	tcase_free(&tc);
}

/* Host addresses: where did and host_did differ, exactly the added
 * addresses take host_did; elsewhere adding one changes nothing. */
static void test_hosts(void)
{
	struct tcase tc;
	uint32_t deny, allow, other;
	u128 n4 = 0x0a010000, n6 = (u128)0xfd000000u << 96;
	unsigned int i;
	int f;

	tcase_init(&tc, "hosts", 0);
	deny = new_did(&tc, 0, 1);
	allow = new_did(&tc, 1, 0);
	other = new_did(&tc, 1, 1);
	add_ent2(&tc, 0, 0, 0, default_did(&tc), allow);
	add_ent2(&tc, 1, 0, 0, default_did(&tc), allow);
	add_ent2(&tc, 0, n4, 16, deny, allow);
	add_ent2(&tc, 0, n4 | 0x100, 24, allow, deny);
	add_ent(&tc, 0, n4 | 0x200, 24, other);
	add_ent2(&tc, 1, n6, 8, deny, allow);
	add_ent2(&tc, 1, n6 | 0x100, 120, allow, deny);
	add_ent(&tc, 1, n6 | 0x200, 120, other);
	REQUIRE(!finish(&tc), "hosts: pol_tables_index");
	add_host(&tc, 0, n4 | 0x0005);
	add_host(&tc, 0, n4 | 0xff00);
	add_host(&tc, 0, n4 | 0x0101);
	add_host(&tc, 0, n4 | 0x0201); /* did == host_did: no effect */
	add_host(&tc, 0, 0xc0a80001);  /* the root's host_did */
	add_host(&tc, 1, n6 | 0x0005);
	add_host(&tc, 1, n6 | 0x01ff);
	add_host(&tc, 1, n6 | 0x0201);
	add_host(&tc, 1, (u128)0x20010db8u << 96 | 7);
	run_case(&tc, 10000, 2000, NULL);
	for (i = 0; i < tc.n_hosts; i++) {
		struct pol_query q = { .family = tc.hosts[i].f ? 6 : 4 };
		struct pol_result r;
		int k;

		for (k = -2; k <= 2; k++)
			probe(&tc, tc.hosts[i].f, tc.hosts[i].addr + (u128)(__int128)k);
		put_addr(tc.hosts[i].f, tc.hosts[i].addr, q.addr);
		pol_tables_classify(&tc.t, &q, &r);
		f = tc.hosts[i].f;
		CHECK(r.rule == (ref_lpm(&tc, f, tc.hosts[i].addr)->host_did & POL_DID_RULE),
		      "hosts: host %u decided by rule %u", i, r.rule);
	}
	CHECK(!tc.mismatches, "hosts: %lu mismatches (seed %llu)", tc.mismatches,
	      (unsigned long long)seed);
	tcase_free(&tc);
}

/* Malformed entries: -EINVAL, and neither *words nor *layout touched,
 * nor the tables pol_tables_index() was given. */
static void test_malformed(void)
{
	static const struct {
		const char *name;
		uint32_t n4;
		struct {
			uint32_t len;
			uint8_t a, b;
		} e4[4];
		uint32_t n6;
		struct {
			uint32_t len;
			uint8_t a;
		} e6[3];
	} cases[] = {
		{ "no ipv4 root", 1, { { 8, 10, 0 } }, 1, { { 0, 0 } } },
		{ "no ipv6 root", 1, { { 0, 0, 0 } }, 1, { { 16, 0x20 } } },
		{ "no ipv4 entries", 0, { { 0, 0, 0 } }, 1, { { 0, 0 } } },
		{ "no ipv6 entries", 1, { { 0, 0, 0 } }, 0, { { 0, 0 } } },
		{ "ipv4 root last", 2, { { 8, 10, 0 }, { 0, 0, 0 } }, 1, { { 0, 0 } } },
		{ "ipv4 addresses out of order",
		  3,
		  { { 0, 0, 0 }, { 8, 10, 0 }, { 8, 9, 0 } },
		  1,
		  { { 0, 0 } } },
		{ "ipv4 lengths out of order",
		  3,
		  { { 0, 0, 0 }, { 16, 10, 1 }, { 8, 10, 0 } },
		  1,
		  { { 0, 0 } } },
		{ "ipv4 duplicate",
		  3,
		  { { 0, 0, 0 }, { 8, 10, 0 }, { 8, 10, 0 } },
		  1,
		  { { 0, 0 } } },
		{ "ipv4 two roots", 2, { { 0, 0, 0 }, { 0, 0, 0 } }, 1, { { 0, 0 } } },
		{ "ipv4 /33", 2, { { 0, 0, 0 }, { 33, 10, 0 } }, 1, { { 0, 0 } } },
		{ "ipv6 out of order",
		  1,
		  { { 0, 0, 0 } },
		  3,
		  { { 0, 0 }, { 16, 0x30 }, { 16, 0x20 } } },
		{ "ipv6 /129", 1, { { 0, 0, 0 } }, 2, { { 0, 0 }, { 129, 0x20 } } },
	};
	static const struct pol_lpm4_entry root4 = { .val = { POL_DID_DIRECT, POL_DID_DIRECT } };
	static const struct pol_lpm6_entry root6 = { .val = { POL_DID_DIRECT, POL_DID_DIRECT } };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct pol_lpm4_entry e4[4];
		struct pol_lpm6_entry e6[3];
		struct pol_range_layout layout, before;
		__u64 sentinel, *words = &sentinel, *prev;
		struct pol_tables t;
		uint32_t k;
		int err;

		memset(e4, 0, sizeof(e4));
		memset(e6, 0, sizeof(e6));
		for (k = 0; k < cases[i].n4; k++) {
			e4[k].key.prefixlen = cases[i].e4[k].len;
			e4[k].key.addr[0] = cases[i].e4[k].a;
			e4[k].key.addr[1] = cases[i].e4[k].b;
			e4[k].val.did = e4[k].val.host_did = POL_DID_DIRECT | k;
		}
		for (k = 0; k < cases[i].n6; k++) {
			e6[k].key.prefixlen = cases[i].e6[k].len;
			e6[k].key.addr[0] = cases[i].e6[k].a;
			e6[k].val.did = e6[k].val.host_did = POL_DID_DIRECT | k;
		}
		memset(&layout, 0xa5, sizeof(layout));
		before = layout;
		err = pol_ranges_build(e4, cases[i].n4, e6, cases[i].n6, &words, &layout);
		CHECK(err == -EINVAL, "malformed '%s': pol_ranges_build returned %d, want -EINVAL",
		      cases[i].name, err);
		if (err)
			CHECK(words == &sentinel && !memcmp(&layout, &before, sizeof(layout)),
			      "malformed '%s': output set on failure", cases[i].name);
		else
			free(words);

		/* Through pol_tables_index(), over tables already indexed. */
		memset(&t, 0, sizeof(t));
		t.lpm4 = &root4;
		t.n_lpm4 = 1;
		t.lpm6 = &root6;
		t.n_lpm6 = 1;
		REQUIRE(!pol_tables_index(&t), "malformed: indexing the roots");
		prev = t.words;
		before = t.layout;
		t.lpm4 = e4;
		t.n_lpm4 = cases[i].n4;
		t.lpm6 = e6;
		t.n_lpm6 = cases[i].n6;
		err = pol_tables_index(&t);
		CHECK(err == -EINVAL, "malformed '%s': pol_tables_index returned %d", cases[i].name,
		      err);
		if (err)
			CHECK(t.words == prev && !memcmp(&t.layout, &before, sizeof(before)),
			      "malformed '%s': tables changed on failure", cases[i].name);
		pol_tables_free(&t);
	}
}

int main(void)
{
	const char *env = getenv("JAILPOL_SEED");
	clock_t t0 = clock();

	seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
	printf("seed: %llu\n", (unsigned long long)seed);
	fflush(stdout);
	rng.s = seed;

	test_malformed();
	test_roots();
	test_root_bits();
	test_edges();
	test_hosts();
	test_dense4();
	test_dense6();
	test_random(0, 200000);
	test_random(1, 200000);
	printf("%.1f s of CPU\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
	return unit_summary();
}
