/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hostset.h - the `host` entries of one generation's address tables, and
 * the record that lets a later runtime change them.
 *
 * A host address a is an exact entry (a/32, a/128) in pol_lpm4/pol_lpm6
 * whose decision ids are both the host_did of the entry that covered a
 * before (policy_abi.h).  Its record, in a HASH map pinned beside the
 * tables (pins.h: map_hosts), keeps what the tables held at exactly a
 * before: a policy's own /32 or /128, or nothing.  So taking a out again
 * restores that entry or deletes a's, and no verdict for a non-host
 * address ever differs from the policy's.  Everything here works on the
 * live maps alone: a runtime needs neither the policy.bin nor the
 * addresses an earlier runtime saw.
 *
 * Callers hold the pin root's lock (jp_pins_lock): the records and the
 * tables change together, by one runtime at a time.
 *
 * Functions return 0 or a negative errno and fill err.
 */
#ifndef JAILPOL_HOSTSET_H
#define JAILPOL_HOSTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader.h"

/* The maps of one generation's host set. */
struct jp_hostset {
	int lpm4_fd;
	int lpm6_fd;
	int rec_fd; /* the records: struct jp_host_key -> struct jp_host_rec */
};

/*
 * Key and value of the record map; persisted in pins, so fixed.  Besides
 * one record per host address, the key of family JP_HOST_OWNER holds
 * whose addresses they are: the netns cookie of the network namespace
 * the attach read them in (orig.did the low 32 bits, orig.host_did the
 * high ones), so a watch in another namespace leaves the jail alone.
 */
#define JP_HOST_OWNER 0

struct jp_host_key {
	uint8_t family; /* 4 or 6, or JP_HOST_OWNER (the rest zero) */
	uint8_t zero[3];
	uint8_t addr[16]; /* network order; IPv4 in addr[0..3] */
};

struct jp_host_rec {
	struct pol_addr_val orig; /* the exact entry the tables held before */
	uint32_t had_entry;       /* 1 if they held one, 0 if a had none */
};

_Static_assert(sizeof(struct jp_host_key) == 20, "struct jp_host_key is pinned: keep its size");
_Static_assert(sizeof(struct jp_host_rec) == 12, "struct jp_host_rec is pinned: keep its size");

/* An address as text ("10.0.0.1", "fd00::1") into buf, which holds
 * JP_ADDR_STRLEN. */
#define JP_ADDR_STRLEN 46
void jp_addr_format(const struct jp_addr *a, char *buf, size_t len);

/* A new, empty record map for up to max addresses (an fd, or -errno). */
int jp_hostset_records(size_t max, char *err, size_t errlen);

/*
 * Make address a a host entry (nothing if it is one already, or if it
 * can never be one: loopback and unspecified addresses, pol_never_host).
 * -ENOSPC when a table or the records are full; -EBADMSG when no entry
 * of the tables covers a (a broken policy).
 */
int jp_hostset_add(const struct jp_hostset *s, const struct jp_addr *a, char *err, size_t errlen);

/* Take address a out of the host entries (nothing if it is not one). */
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
