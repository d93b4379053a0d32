/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memlat - what one read of memory the caches do not hold costs here, for
 * the bench's header (tests/bench.sh): the context of its cold rows.
 *
 *   memlat MIB
 *
 * Chases pointers through MIB MiB, one 64-byte line at a time in a random
 * cyclic order, so that every read waits for the one before and none is
 * predicted; after one untimed lap, times 2^24 reads with CLOCK_MONOTONIC
 * and prints "memlat MIB NS_PER_READ".  A lookup table of that size read
 * at random addresses pays about this per line it touches.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define LINE 64
#define STEPS (1u << 24)

volatile size_t sink;

/* xorshift64*: the order of the lines, fixed from run to run. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

int main(int argc, char **argv)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull, ns;
	size_t n, i, p = 0, *order, *line;
	struct timespec t0, t1;
	unsigned long mib;
	char *end;

	errno = 0;
	mib = argc == 2 ? strtoul(argv[1], &end, 10) : 0;
	if (argc != 2 || errno || *end || !mib || mib > 65536) {
		fprintf(stderr, "usage: memlat MIB   (1..65536)\n");
		return 2;
	}
	n = (size_t)mib * 1024 * 1024 / LINE;
	line = aligned_alloc(LINE, n * LINE);
	order = malloc(n * sizeof(*order));
	if (!line || !order) {
		fprintf(stderr, "memlat: out of memory for %lu MiB\n", mib);
		return 1;
	}
	/* A random cycle through every line: each holds the next's index. */
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; i > 0; i--) {
		size_t j = (size_t)(rnd(&seed) % (i + 1)), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < n; i++)
		line[order[i] * (LINE / sizeof(*line))] =
			order[(i + 1) % n] * (LINE / sizeof(*line));
	free(order);
	for (i = 0; i < n; i++)
		p = line[p];
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < STEPS; i++)
		p = line[p];
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)t1.tv_nsec -
	     (uint64_t)t0.tv_nsec;
	/* Stored, so that the chase is not optimised away. */
	sink = p;
	printf("memlat %lu %.1f\n", mib, (double)ns / STEPS);
	free(line);
	return 0;
}
