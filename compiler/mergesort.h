/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mergesort.h - the one stable merge of sorted runs, for the arrays of a
 * million prefixes that sets.c and decide.c order.
 *
 * A macro, not a function taking a comparison pointer: with the comparison
 * inlined a million-element merge runs several times faster than glibc's
 * qsort(), which calls through a pointer and copies through memcpy().
 */
#ifndef JAILPOL_MERGESORT_H
#define JAILPOL_MERGESORT_H

#include <stddef.h>
#include <string.h>

/*
 * POL_MERGE_RUNS_DEFINE(name, type, cmp) defines
 *
 *	static void name(type *v, type *tmp, size_t *run, size_t n_runs);
 *
 * which merges the sorted runs v[run[i]..run[i + 1]) (i < n_runs, run[0]
 * == 0, run[n_runs] the element count) pairwise until v is one sorted run,
 * in O(n log n_runs).  Stable: of equal elements the one in the earlier run
 * comes first.  cmp(const type *, const type *) returns <0, 0 or >0; tmp
 * holds run[n_runs] elements; run[] is overwritten.  Neighbouring runs
 * already in order (the last of one <= the first of the next) are one run
 * from the start, so a sorted input, as block lists usually are, costs
 * one compare per run and no copy; a pair found in order later is copied
 * whole.
 */
#define POL_MERGE_RUNS_DEFINE(name, type, cmp)                                                   \
	static void name(type *v, type *tmp, size_t *run, size_t n_runs)                         \
	{                                                                                        \
		type *src = v, *dst = tmp, *swap;                                                \
		size_t i, k;                                                                     \
                                                                                                 \
		for (i = 1, k = 1; i < n_runs; i++)                                              \
			if (run[i] < run[n_runs] && cmp(&v[run[i] - 1], &v[run[i]]) > 0)         \
				run[k++] = run[i];                                               \
		run[k] = run[n_runs];                                                            \
		n_runs = k;                                                                      \
		while (n_runs > 1) {                                                             \
			for (i = 0, k = 0; i < n_runs; i += 2, k++) {                            \
				size_t a = run[i], am = run[i + 1], o = a;                       \
				size_t b = am, bm = i + 1 < n_runs ? run[i + 2] : am;            \
                                                                                                 \
				if (b < bm && cmp(&src[am - 1], &src[b]) > 0) {                  \
					while (a < am && b < bm)                                 \
						dst[o++] = cmp(&src[b], &src[a]) < 0 ? src[b++]  \
										     : src[a++]; \
				}                                                                \
				memcpy(dst + o, src + a, (am - a) * sizeof(*v));                 \
				o += am - a;                                                     \
				memcpy(dst + o, src + b, (bm - b) * sizeof(*v));                 \
				run[k] = run[i];                                                 \
			}                                                                        \
			run[k] = run[n_runs];                                                    \
			n_runs = k;                                                              \
			swap = src;                                                              \
			src = dst;                                                               \
			dst = swap;                                                              \
		}                                                                                \
		if (src != v)                                                                    \
			memcpy(v, src, run[1] * sizeof(*v));                                     \
	}

#endif /* JAILPOL_MERGESORT_H */
