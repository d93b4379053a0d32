/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stats.h - `jail-ai-block stats`: how many verdicts each rule of each
 * jail's policy decided (jail_abi.h), with the rule's file:line and
 * text, and the events the jail emitted and dropped.  The counters are
 * the policy's in force: a replace starts them at zero, and stats says
 * since when it counts.
 */
#ifndef JAILPOL_STATS_H
#define JAILPOL_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jp_stats_opts {
	const char *mount; /* the cgroup2 mount */
	uint64_t jail_id;  /* only this jail; 0: every jail */
	bool json;
};

/* Print them on stdout; 0, or -errno with err saying why (-ENOENT:
 * jail_id is not jailed).  A jail among all that cannot be read is
 * shown with its error. */
int jp_stats(const struct jp_stats_opts *o, char *err, size_t errlen);

#endif /* JAILPOL_STATS_H */
