/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unit.h - tiny helpers for the unit tests: CHECK() counts, reports the
 * failing line and carries on; unit_summary() prints "N passed, M failed"
 * and gives the exit status.
 */
#ifndef JAILPOL_UNIT_H
#define JAILPOL_UNIT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned long unit_passed, unit_failed;

#define CHECK(cond, ...)                                                                         \
	do {                                                                                     \
		if (cond) {                                                                      \
			unit_passed++;                                                           \
		} else {                                                                         \
			unit_failed++;                                                           \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                            \
			fputc('\n', stderr);                                                     \
		}                                                                                \
	} while (0)

/* Fatal setup failure: nothing after it can mean anything. */
#define REQUIRE(cond, ...)                    \
	do {                                  \
		bool unit_ok_ = (cond);       \
		CHECK(unit_ok_, __VA_ARGS__); \
		if (!unit_ok_)                \
			exit(unit_summary()); \
	} while (0)

static inline int unit_summary(void)
{
	printf("%lu passed, %lu failed\n", unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

#endif /* JAILPOL_UNIT_H */
