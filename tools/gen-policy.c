/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gen-policy - print a synthetic policy for benchmarks and scale tests.
 *
 *   gen-policy -n N [-s SEED]          a .jp policy: default allow, a few
 *                                      realistic rules, a set `big` of N
 *                                      random CIDRs that a deny rule uses
 *   gen-policy -n N [-s SEED] --yaml   the same N CIDRs as a YAML list
 *                                      named `big`, for `include`
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "rng.h"

static struct test_rng rng;

static uint64_t rnd(void)
{
	return test_rng_next(&rng);
}

/* One CIDR, three in four IPv4, lengths as block lists have them; host
 * bits cleared so the compiler does not warn. */
static uint64_t *seen;
static size_t seen_cap;

/* 1 the first time a CIDR's fingerprint comes up: duplicates would only
 * draw -Wduplicate warnings. */
static int first_time(const uint8_t *a, unsigned int plen)
{
	uint64_t h = 0xcbf29ce484222325ull ^ plen;
	size_t i, j;

	for (i = 0; i < 16; i++)
		h = (h ^ a[i]) * 0x100000001b3ull;
	h |= 1;
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

static void usage(FILE *f)
{
	fprintf(f, "usage: gen-policy -n N [-s SEED] [--yaml]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "yaml", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long n = 0, i;
	bool yaml = false, have_n = false;
	char cidr[64], *end;
	int c;

	rng.s = 1;
	while ((c = getopt_long(argc, argv, "n:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			errno = 0;
			n = strtoull(optarg, &end, 0);
			if (errno || *end || optarg[0] == '-') {
				fprintf(stderr, "gen-policy: bad count '%s'\n", optarg);
				return 2;
			}
			have_n = true;
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
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!have_n || optind != argc) {
		usage(stderr);
		return 2;
	}

	/* Twice the count, a power of two: the probe chains stay short. */
	for (seen_cap = 64; seen_cap < 2 * n; seen_cap *= 2)
		;
	seen = calloc(seen_cap, sizeof(*seen));
	if (!seen) {
		fprintf(stderr, "gen-policy: out of memory\n");
		return 1;
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
