/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * monitor.h - `jail-ai-block monitor`: the events of every jail
 * (jail_abi.h), one line each, as they happen.
 *
 * The events come from the ring buffer pinned at the pin root (pins.h),
 * which every jail's hooks write; monitor waits for it when no jail is
 * attached yet and follows it when the last jail goes and a new one
 * comes.  A ring buffer hands each event to one reader, so one monitor
 * runs at a time (an flock on JP_MONITOR_LOCK, which names its pid).
 * Rules are named from the kept copy of each policy (store.h).
 */
#ifndef JAILPOL_MONITOR_H
#define JAILPOL_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#define JP_MONITOR_LOCK "/run/jailpol/monitor.lock"

struct jp_monitor_opts {
	const char *mount; /* the cgroup2 mount, for cgroup paths */
	uint64_t jail_id;  /* only this jail's events (or its cgroup's); 0: all */
	bool json;         /* JSON lines instead of text */
	uint64_t count;    /* stop after this many events; 0: never */
};

/* Run until SIGINT or SIGTERM, or count events (0), or until it cannot
 * go on (-errno, the reason printed). */
int jp_monitor(const struct jp_monitor_opts *o);

#endif /* JAILPOL_MONITOR_H */
