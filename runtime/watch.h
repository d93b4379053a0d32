/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * watch.h - `jail-ai-block watch`: keep the `host` entries of every
 * pinned jail equal to the addresses of the host's interfaces while they
 * change.
 *
 * The daemon subscribes to the kernel's address events (rtnetlink
 * RTNLGRP_IPV4_IFADDR and RTNLGRP_IPV6_IFADDR) before anything else, then
 * reconciles: under the pin root's lock (the one attach and detach take)
 * it dumps the addresses and makes every jail's host entries exactly
 * those (hostset.h).  Each later event, a netlink overrun, SIGHUP and
 * every resync period make another round of the same.  A round never
 * applies one event's delta: it compares the whole list, so an event
 * lost, reordered or coalesced changes nothing, and a watch started late
 * catches up at once.  Attach dumps the addresses under the same lock,
 * so a new generation is never older than the last round.
 */
#ifndef JAILPOL_WATCH_H
#define JAILPOL_WATCH_H

#include <stdbool.h>

/* Seconds between full rounds unless told otherwise. */
#define JP_WATCH_RESYNC_DEFAULT 60

struct jp_watch_opts {
	unsigned int resync_s; /* seconds between full rounds; 0: only on events */
	bool once;             /* one round, then return (a resync by hand) */
};

/*
 * Run until SIGTERM or SIGINT (0), or until it cannot go on (-errno, the
 * reason printed).  Logs each change to stderr, one line each, and tells
 * systemd READY=1 after the first round when $NOTIFY_SOCKET is set.
 */
int jp_watch(const struct jp_watch_opts *o);

#endif /* JAILPOL_WATCH_H */
