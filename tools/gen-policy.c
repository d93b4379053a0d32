/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gen-policy - print a synthetic policy for benchmarks and scale tests.
 *
 *   gen-policy -n N [-s SEED]          a .jp policy: default allow, a few
 *                                      realistic rules, a set `big` of N
 *                                      random CIDRs that a deny rule uses
 *   gen-policy -n N [-s SEED] --yaml   the same N CIDRs as a YAML list
 *                                      named `big`, for `include`
 *
 * With --mix the CIDRs have the prefix lengths of real block lists and
 * routing tables (IPv4 mostly /24, then /22, /23, /21, /20, /16 and a few
 * longer; IPv6 mostly /32 to /48, see mix4 and mix6), the first one IPv4
 * and the second IPv6, and the policy is only `default allow;`, the set
 * and `deny big;`.  Other forms of the same N CIDRs (the same seed draws
 * the same ones):
 *
 *   --rules      `default allow;` then one `deny CIDR;` rule per CIDR
 *   --list       one CIDR per line, nothing else (for the bench's peers)
 *   --dests DIR  also write DIR/hit4, hit6, miss4 and miss6: M addresses
 *                each (--dest-count M, default 100000), one per line, that
 *                fall in some CIDR (hit) or in none (miss), drawn from the
 *                same address space as the CIDRs
 *
 * and, with --mix, what they hold and in which order:
 *
 *   --v4         IPv4 CIDRs only (a country list's form), and no hit6 or
 *                miss6 file
 *   --sorted     the CIDRs in address order (IPv4 first, then shorter
 *                prefixes first), as published lists are
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "rng.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct test_rng rng;

static uint64_t rnd(void)
{
	return test_rng_next(&rng);
}

/* One CIDR, three in four IPv4, lengths as block lists have them; host
 * bits cleared so the compiler does not warn. */
static uint64_t *seen;
static size_t seen_cap;

static uint64_t cidr_hash(const uint8_t *a, unsigned int key);

/* 1 the first time a CIDR's fingerprint comes up: duplicates would only
 * draw -Wduplicate warnings. */
static int first_time(const uint8_t *a, unsigned int plen)
{
	uint64_t h = cidr_hash(a, plen);
	size_t j;

	for (j = (size_t)(h >> 7) & (seen_cap - 1); seen[j]; j = (j + 1) & (seen_cap - 1))
		if (seen[j] == h)
			return 0;
	seen[j] = h;
	return 1;
}

static void random_cidr(char *buf, size_t len)
{
	uint8_t a[16] = { 0 };
	char text[INET6_ADDRSTRLEN];
	unsigned int plen;
	uint64_t v;
	bool v4 = rnd() % 4;

	if (v4) {
		plen = 16 + (unsigned int)(rnd() % 17);
		v = rnd();
		memcpy(a, &v, 4);
		/* Keep clear of 0/8, 127/8 and multicast, like real lists. */
		if (!a[0] || a[0] == 127 || a[0] >= 224)
			a[0] = (uint8_t)(1 + rnd() % 126);
	} else {
		plen = 32 + (unsigned int)(rnd() % 33);
		a[0] = 0x20;
		a[1] = (uint8_t)(1 + rnd() % 15);
		v = rnd();
		memcpy(a + 2, &v, 6);
	}
	pol_mask_bits(a, a, 16, plen);
	if (!first_time(a, plen + (v4 ? 0 : 256))) {
		random_cidr(buf, len);
		return;
	}
	inet_ntop(v4 ? AF_INET : AF_INET6, a, text, sizeof(text));
	snprintf(buf, len, "%s/%u", text, plen);
}

/* Prefix lengths in per mille, as block lists and routing tables have
 * them; a length range [lo, hi] is drawn uniformly. */
struct mix_len {
	unsigned int lo, hi, permille;
};

static const struct mix_len mix4[] = {
	{ 24, 24, 620 }, { 22, 22, 110 }, { 23, 23, 90 }, { 21, 21, 50 },
	{ 20, 20, 40 },  { 19, 19, 20 },  { 18, 18, 10 }, { 17, 17, 10 },
	{ 16, 16, 15 },  { 25, 31, 15 },  { 32, 32, 20 },
};

static const struct mix_len mix6[] = {
	{ 48, 48, 500 }, { 33, 47, 200 }, { 32, 32, 180 },
	{ 29, 29, 20 },  { 56, 56, 50 },  { 64, 64, 50 },
};

static unsigned int mix_draw(const struct mix_len *mix, size_t n)
{
	unsigned int r = test_rng_below(&rng, 1000);
	size_t i;

	for (i = 0; i < n; i++) {
		if (r < mix[i].permille)
			return mix[i].lo + test_rng_below(&rng, mix[i].hi - mix[i].lo + 1);
		r -= mix[i].permille;
	}
	return mix[0].lo;
}

/* A random address of family v4 or v6 in the space the CIDRs are drawn
 * from: IPv4 unicast outside 0/8, 127/8 and multicast; IPv6 in 2001::/16
 * to 200f::/16. */
static void random_addr(uint8_t a[16], bool v4)
{
	uint64_t v = rnd(), w = rnd();

	memset(a, 0, 16);
	if (v4) {
		memcpy(a, &v, 4);
		if (!a[0] || a[0] == 127 || a[0] >= 224)
			a[0] = (uint8_t)(1 + rnd() % 126);
		return;
	}
	memcpy(a, &v, 8);
	memcpy(a + 8, &w, 8);
	a[0] = 0x20;
	a[1] = (uint8_t)(1 + rnd() % 15);
}

/* The CIDRs of --mix, kept for --dests. */
struct cidr {
	uint8_t a[16];
	uint8_t plen;
	bool v4;
};

static struct cidr *cidrs;
/* Which prefix lengths occur, per family: a miss is checked at each. */
static bool used4[33], used6[129];

static uint64_t cidr_hash(const uint8_t *a, unsigned int key)
{
	uint64_t h = 0xcbf29ce484222325ull ^ key;
	size_t i;

	for (i = 0; i < 16; i++)
		h = (h ^ a[i]) * 0x100000001b3ull;
	return h | 1;
}

static bool seen_has(uint64_t h)
{
	size_t j;

	for (j = (size_t)(h >> 7) & (seen_cap - 1); seen[j]; j = (j + 1) & (seen_cap - 1))
		if (seen[j] == h)
			return true;
	return false;
}

/* Draw CIDR i of --mix (new to the list) into cidrs[i]; IPv4 only with
 * only_v4. */
static void mix_cidr(unsigned long long i, bool only_v4)
{
	struct cidr *c = &cidrs[i];

	do {
		c->v4 = only_v4 || i == 0 || (i != 1 && rnd() % 4);
		c->plen = (uint8_t)(c->v4 ? mix_draw(mix4, ARRAY_SIZE(mix4))
					  : mix_draw(mix6, ARRAY_SIZE(mix6)));
		random_addr(c->a, c->v4);
		pol_mask_bits(c->a, c->a, 16, c->plen);
	} while (!first_time(c->a, c->plen + (c->v4 ? 0u : 256u)));
	if (c->v4)
		used4[c->plen] = true;
	else
		used6[c->plen] = true;
}

static void cidr_text(const struct cidr *c, char *buf, size_t len)
{
	char text[INET6_ADDRSTRLEN];

	inet_ntop(c->v4 ? AF_INET : AF_INET6, c->a, text, sizeof(text));
	snprintf(buf, len, "%s/%u", text, c->plen);
}

/* --sorted's order: IPv4 first, then by address, then shorter first. */
static int cidr_cmp(const void *x, const void *y)
{
	const struct cidr *a = x, *b = y;
	int c;

	if (a->v4 != b->v4)
		return a->v4 ? -1 : 1;
	c = memcmp(a->a, b->a, 16);
	if (c)
		return c;
	return (a->plen > b->plen) - (a->plen < b->plen);
}

/* Is a covered by one of the CIDRs?  (A fingerprint collision says yes
 * wrongly, once in 2^63: a miss is then only drawn again.) */
static bool covered(const uint8_t a[16], bool v4)
{
	unsigned int plen, max = v4 ? 32 : 128;
	uint8_t m[16];

	for (plen = 0; plen <= max; plen++) {
		if (!(v4 ? used4[plen] : used6[plen]))
			continue;
		pol_mask_bits(m, a, 16, plen);
		if (seen_has(cidr_hash(m, plen + (v4 ? 0u : 256u))))
			return true;
	}
	return false;
}

/* Write count hit or miss addresses of one family to dir/name. */
static int write_dests(const char *dir, const char *name, bool v4, bool hit, unsigned long long n,
		       unsigned long long count)
{
	char path[PATH_MAX], text[INET6_ADDRSTRLEN];
	unsigned long long i, k, nfam = 0;
	uint8_t a[16], host[16];
	FILE *f;
	int err = 0;

	for (i = 0; i < n; i++)
		nfam += cidrs[i].v4 == v4;
	if (hit && !nfam)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	for (k = 0; k < count; k++) {
		if (hit) {
			const struct cidr *c;

			do
				c = &cidrs[rnd() % n];
			while (c->v4 != v4);
			random_addr(host, v4);
			/* The prefix's bits, then the host's. */
			pol_mask_bits(a, host, 16, c->plen);
			for (i = 0; i < 16; i++)
				a[i] = (uint8_t)(c->a[i] | (host[i] & ~a[i]));
		} else {
			do
				random_addr(a, v4);
			while (covered(a, v4));
		}
		inet_ntop(v4 ? AF_INET : AF_INET6, a, text, sizeof(text));
		fprintf(f, "%s\n", text);
	}
	if (ferror(f))
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: gen-policy -n N [-s SEED] [--yaml]\n"
		   "       gen-policy -n N [-s SEED] --mix [--rules | --list] [--v4] [--sorted]\n"
		   "                  [--dests DIR [--dest-count M]]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "yaml", no_argument, NULL, 'y' },
		{ "mix", no_argument, NULL, 'm' },
		{ "rules", no_argument, NULL, 'r' },
		{ "list", no_argument, NULL, 'l' },
		{ "dests", required_argument, NULL, 'd' },
		{ "dest-count", required_argument, NULL, 'c' },
		{ "v4", no_argument, NULL, '4' },
		{ "sorted", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct {
		const char *name;
		bool v4, hit;
	} dest_files[] = {
		{ "hit4", true, true },
		{ "miss4", true, false },
		{ "hit6", false, true },
		{ "miss6", false, false },
	};
	unsigned long long n = 0, i, dest_count = 100000;
	bool yaml = false, have_n = false, mix = false, rules = false, list = false;
	bool only_v4 = false, sorted = false;
	const char *dests = NULL;
	char cidr[64], *end;
	size_t k;
	int c, err;

	rng.s = 1;
	while ((c = getopt_long(argc, argv, "n:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
		case 'c':
			errno = 0;
			i = strtoull(optarg, &end, 0);
			if (errno || *end || optarg[0] == '-' || i > 100000000ull) {
				fprintf(stderr, "gen-policy: bad count '%s'\n", optarg);
				return 2;
			}
			if (c == 'n') {
				n = i;
				have_n = true;
			} else {
				dest_count = i;
			}
			break;
		case 's':
			errno = 0;
			rng.s = strtoull(optarg, &end, 0);
			if (errno || *end) {
				fprintf(stderr, "gen-policy: bad seed '%s'\n", optarg);
				return 2;
			}
			break;
		case 'y':
			yaml = true;
			break;
		case 'm':
			mix = true;
			break;
		case 'r':
			rules = true;
			break;
		case 'l':
			list = true;
			break;
		case 'd':
			dests = optarg;
			break;
		case '4':
			only_v4 = true;
			break;
		case 'S':
			sorted = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!have_n || optind != argc || (rules && list) ||
	    ((rules || list || dests || only_v4 || sorted) && (!mix || yaml)) || (mix && yaml)) {
		usage(stderr);
		return 2;
	}

	/* Twice the count, a power of two: the probe chains stay short. */
	for (seen_cap = 64; seen_cap < 2 * n; seen_cap *= 2)
		;
	seen = calloc(seen_cap, sizeof(*seen));
	if (mix)
		cidrs = calloc(n ? n : 1, sizeof(*cidrs));
	if (!seen || (mix && !cidrs)) {
		fprintf(stderr, "gen-policy: out of memory\n");
		return 1;
	}
	if (mix) {
		if (!list)
			printf(rules ? "default allow;\n\n" : "default allow;\n\nset big = {\n");
		for (i = 0; i < n; i++)
			mix_cidr(i, only_v4);
		/* The destinations are drawn after the CIDRs either way: the
		 * same seed gives the same ones in both orders. */
		if (sorted)
			qsort(cidrs, n, sizeof(*cidrs), cidr_cmp);
		for (i = 0; i < n; i++) {
			cidr_text(&cidrs[i], cidr, sizeof(cidr));
			printf(list ? "%s\n" : rules ? "deny %s;\n" : "\t%s,\n", cidr);
		}
		if (!list && !rules)
			printf("};\n\ndeny big;\n");
		for (k = 0; dests && k < ARRAY_SIZE(dest_files); k++) {
			if (only_v4 && !dest_files[k].v4)
				continue;
			err = write_dests(dests, dest_files[k].name, dest_files[k].v4,
					  dest_files[k].hit, n, dest_count);
			if (err) {
				fprintf(stderr, "gen-policy: '%s/%s': %s\n", dests,
					dest_files[k].name,
					err == -ENOENT ? "no CIDR of its family to hit"
						       : strerror(-err));
				return 1;
			}
		}
		return ferror(stdout) || fflush(stdout) ? 1 : 0;
	}
	if (yaml) {
		printf("big:\n");
		for (i = 0; i < n; i++) {
			random_cidr(cidr, sizeof(cidr));
			printf("  - %s\n", cidr);
		}
		return ferror(stdout) || fflush(stdout) ? 1 : 0;
	}

	printf("default allow;\n\n");
	printf("set big = {\n");
	for (i = 0; i < n; i++) {
		random_cidr(cidr, sizeof(cidr));
		printf("\t%s,\n", cidr);
	}
	printf("};\n\n");
	printf("allow 10.0.0.0/8 port 443 proto tcp;\n");
	printf("deny 10.0.0.0/8 port 22 proto tcp;\n");
	printf("deny 169.254.169.254 log;\n");
	printf("deny big log;\n");
	printf("deny 192.168.0.0/16 port 25 proto tcp;\n");
	return ferror(stdout) || fflush(stdout) ? 1 : 0;
}
