/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hostset.h - the host set of one generation: the runtime's host
 * addresses, which the policy's `host` rules match.
 *
 * The set is a HASH map pinned beside the tables (pins.h: map_hosts) that
 * the generation's programs read themselves (classify.h, POL_IS_HOST): an
 * address with a record is a host address, and a range of the address
 * table whose did and host_did differ decides it by host_did.  Adding or
 * removing an address is one map update, so the tables, and every verdict
 * for an address that is not a host address, never change.  Everything
 * here works on the live map alone: a runtime needs neither the
 * policy.bin nor the addresses an earlier runtime saw.
 *
 * Callers hold the pin root's lock (jp_pins_lock): one runtime changes
 * the set at a time.
 *
 * Functions return 0 or a negative errno and fill err.
 */
#ifndef JAILPOL_HOSTSET_H
#define JAILPOL_HOSTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader.h"

/* The map of one generation's host set. */
struct jp_hostset {
	int rec_fd; /* the records: struct pol_host_key -> struct jp_host_rec */
};

/*
 * Key and value of the record map; persisted in pins and read by the
 * programs, so fixed: the key is classify.h's struct pol_host_key, the
 * value zero for an address.  Besides one record per host address, the
 * key of family JP_HOST_OWNER holds whose addresses they are: the netns
 * cookie of the network namespace the attach read them in (orig.did the
 * low 32 bits, orig.host_did the high ones), so a watch in another
 * namespace leaves the jail alone.
 */
#define JP_HOST_OWNER 0

struct jp_host_rec {
	struct pol_addr_val orig; /* JP_HOST_OWNER: the cookie; else zero */
	uint32_t reserved;
};

_Static_assert(sizeof(struct jp_host_rec) == 12, "struct jp_host_rec is pinned: keep its size");

/* An address as text ("10.0.0.1", "fd00::1") into buf, which holds
 * JP_ADDR_STRLEN. */
#define JP_ADDR_STRLEN 46
void jp_addr_format(const struct jp_addr *a, char *buf, size_t len);

/* A new, empty record map for up to max addresses (an fd, or -errno). */
int jp_hostset_records(size_t max, char *err, size_t errlen);

/*
 * Make address a a host address (nothing if it is one already, or if it
 * can never be one: loopback and unspecified addresses, pol_never_host).
 * -ENOSPC when the set is full.
 */
int jp_hostset_add(const struct jp_hostset *s, const struct jp_addr *a, char *err, size_t errlen);

/* Take address a out of the host set (nothing if it is not in it). */
int jp_hostset_remove(const struct jp_hostset *s, const struct jp_addr *a, char *err,
		      size_t errlen);

/* Record the netns cookie of the namespace whose addresses these are;
 * read it back (-ENOENT: none recorded). */
int jp_hostset_set_owner(const struct jp_hostset *s, uint64_t netns_cookie, char *err,
			 size_t errlen);
int jp_hostset_owner(const struct jp_hostset *s, uint64_t *netns_cookie);

/* Called for each address jp_hostset_sync() adds or removes. */
typedef void (*jp_hostset_report_fn)(const struct jp_addr *a, bool added, void *arg);

/*
 * Make the host entries exactly want: every address of want is added
 * first (the denials come before anything stops being denied), then
 * every recorded one that want lacks is removed.  report may be NULL.
 * On success *n holds the number of host entries now.  Stops at the first
 * failure; what was done before it stays done (each step leaves the
 * tables consistent).
 */
int jp_hostset_sync(const struct jp_hostset *s, const struct jp_hosts *want,
		    jp_hostset_report_fn report, void *arg, uint32_t *n, char *err, size_t errlen);

#endif /* JAILPOL_HOSTSET_H */
