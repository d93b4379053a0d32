/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * tables.h - a compiled policy in memory: what decide.c produces, what
 * policy_read.c validates out of a policy.bin, what emit.c writes, and what
 * the user-space classifier (classify.h) runs over.
 */
#ifndef JAILPOL_TABLES_H
#define JAILPOL_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../bpf/templates/policy_abi.h"

struct pol_query;
struct pol_result;
struct pol_unix_query;

struct pol_tables {
	struct pol_consts consts;
	const struct pol_lpm4_entry *lpm4; /* sorted (prefixlen, addr) */
	uint32_t n_lpm4;
	const struct pol_lpm6_entry *lpm6;
	uint32_t n_lpm6;
	const struct pol_dec_entry *dec; /* sorted (prefixlen, did, sel, port) */
	uint32_t n_dec;
	const struct pol_rule_rec *rules; /* n_rules == consts.n_rules */
	uint32_t n_rules;
	const char *strings; /* strings[strings_size - 1] == '\0' */
	uint32_t strings_size;
	/* Unix addresses and socket creation (policy_abi.h): a policy
	 * without such rules has n_states 0, no DFA, and every sock entry
	 * POL_RULE_UNMATCHED, allowed. */
	struct pol_unix_consts unix_consts;
	const uint32_t *unix_dfa; /* POL_UNIX_BYTES + n_states * n_classes */
	uint32_t n_unix_dfa;
	const struct pol_dec_val *unix_acc; /* n_states * POL_SCOPE_MAX */
	uint32_t n_unix_acc;
	struct pol_dec_val sock[POL_SOCK_ENTRIES];
	uint32_t source_name;     /* STRINGS offset */
	uint8_t content_hash[32]; /* set by emit / read */
	/* The file's bytes as read and validated (pol_read_buf), to keep
	 * a copy of; NULL for tables that were never a file. */
	const void *image;
	size_t image_size;

	/* Lookup index (pol_tables_index): DEC entries of prefix length
	 * POL_DEC_PREFIX_BASE + L are [idxdec[L], idxdec[L + 1]); the
	 * address table of LPM4 and LPM6 (ranges.h), as the kernel gets it. */
	uint32_t idxdec[POL_DEC_PREFIX_MAX - POL_DEC_PREFIX_BASE + 2];
	__u64 *words; /* layout.n_words */
	struct pol_range_layout layout;

	/* Host addresses added by pol_tables_add_host(), as the runtime's
	 * host set holds them. */
	struct pol_host_key *hosts;
	uint32_t n_hosts;
	size_t cap_hosts;

	void *owned[8]; /* storage freed by pol_tables_free() */
};

/* Build the DEC index and the address table; the entry arrays must
 * already be sorted, each with its /0 root.  0, -ENOMEM, or -EINVAL for
 * LPM entries that are not (the table is then unchanged). */
int pol_tables_index(struct pol_tables *t);

/* The longest-prefix match of k in the DEC table. */
const struct pol_dec_val *pol_tables_lookup_dec(const struct pol_tables *t,
						const struct pol_dec_key *k);

/* classify.h's pol_classify() over these tables. */
void pol_tables_classify(const struct pol_tables *t, struct pol_query *q, struct pol_result *r);

/* classify.h's pol_classify_unix() and pol_classify_sock(). */
void pol_tables_classify_unix(const struct pol_tables *t, struct pol_unix_query *q,
			      struct pol_result *r);
void pol_tables_classify_sock(const struct pol_tables *t, uint32_t kind, uint32_t scope,
			      struct pol_result *r);

/* Every socket kind and scope unmatched (allowed): a policy without
 * `socket` rules. */
void pol_tables_sock_unmatched(struct pol_tables *t);

/*
 * Record addr (family 4 or 6, canonical) as a host address, as the
 * runtime's host set holds it: an address of a range whose did and
 * host_did differ is then decided by host_did.  As the runtime, it
 * leaves out what is never a host address (pol_never_host()).  0,
 * -ENOMEM, or -EINVAL for another family.
 */
int pol_tables_add_host(struct pol_tables *t, uint8_t family, const uint8_t *addr);

/*
 * True for addresses that are never in the host set, whatever the host's
 * interfaces carry: loopback (127.0.0.0/8, ::1) and unspecified (0.0.0.0,
 * ::).  The `loopback` and `unspecified` sets cover them with their own
 * netns scope, which a host entry would override.
 */
bool pol_never_host(uint8_t family, const uint8_t *addr);

/* The string at off, or "?" if off is out of range. */
const char *pol_tables_string(const struct pol_tables *t, uint32_t off);

/* Free what the tables own; accepts NULL and zeroes *t. */
void pol_tables_free(struct pol_tables *t);

#endif /* JAILPOL_TABLES_H */
