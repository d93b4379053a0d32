/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy.h - the resolved policy: what the front end (scanner, parser,
 * eval.c) hands to the decision compiler (decide.c) and to the reference
 * evaluator (refeval.c).
 *
 * Everything here is canonical: prefixes have their host bits cleared,
 * IPv4-mapped IPv6 prefixes are IPv4 prefixes, sets are expanded, ports are
 * sorted and merged.  A rule matches a canonical query (classify.h) when all
 * of its conditions hold; the first matching rule decides.
 */
#ifndef JAILPOL_POLICY_H
#define JAILPOL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../bpf/templates/policy_abi.h"
#include "addr.h"
#include "pool.h"
#include "vec.h"

/* Inclusive port range, 1 <= lo <= hi <= 65535. */
struct pol_port_range {
	uint16_t lo;
	uint16_t hi;
};

/* Where a statement came from.  file points into the diag's file table and
 * lives as long as the struct pol_diag. */
struct pol_loc {
	const char *file;
	int line; /* 1-based */
	int col;  /* 1-based */
	int end_line;
	int end_col; /* last column of the span, inclusive */
};

/* What a rule judges: IP destinations (the addresses, ports and
 * protocols of the LPM tables), Unix socket addresses, or socket
 * creation. */
enum pol_domain {
	POL_DOMAIN_IP,
	POL_DOMAIN_UNIX,
	POL_DOMAIN_SOCK,
};

/* Kinds of Unix address (pol_rule.unix_kinds). */
#define POL_UNIX_ABSTRACT 0x01
#define POL_UNIX_PATH 0x02

/* Tokens of a Unix name pattern: a byte 0..255, or a wildcard. */
#define POL_PAT_STAR 256     /* '*': any bytes but '/' */
#define POL_PAT_STARSTAR 257 /* '**': any bytes */

/* One Unix name pattern, decoded: "@name" starts with the byte 0 (the
 * abstract name's leading NUL), a path with '/'. */
struct pol_unix_pattern {
	uint16_t *tok; /* owned */
	size_t n;
	uint8_t kind; /* POL_UNIX_ABSTRACT or POL_UNIX_PATH */
	struct pol_loc loc;
};

struct pol_rule {
	uint8_t domain;              /* enum pol_domain */
	uint8_t unix_kinds;          /* POL_DOMAIN_UNIX: POL_UNIX_* it matches */
	uint8_t sock_kinds;          /* POL_DOMAIN_SOCK: bit (1 << enum pol_sock_kind) */
	uint8_t verdict;             /* enum pol_verdict */
	uint8_t flags;               /* POL_RF_* */
	uint8_t proto_mask;          /* bit (1 << enum pol_proto); port rules lack OTHER */
	uint8_t scope_mask;          /* bit (1 << enum pol_scope) */
	bool any_dest;               /* matches every destination */
	bool host;                   /* also matches the runtime's host addresses */
	struct pol_prefix *prefixes; /* sorted, unique; owned (see pooled) */
	size_t n_prefixes;
	struct pol_port_range *ports; /* sorted, merged; owned; none = any */
	size_t n_ports;
	struct pol_unix_pattern *patterns; /* POL_DOMAIN_UNIX; none = any name of unix_kinds */
	size_t n_patterns;
	struct pol_loc loc;
	char *text; /* the statement's source text on one line; owned (see pooled) */
};

struct pol_policy {
	char *source_name;       /* the top file as named on the command line */
	uint8_t default_verdict; /* enum pol_verdict */
	struct pol_loc default_loc;
	char *default_text;
	struct pol_rule *rules; /* in source order: rule i is rule number i+1 */
	size_t n_rules;
	bool backstop;    /* `backstop on;`: judge ping and raw packets too */
	bool log_denials; /* `log denials;`: every denial emits an event */
	bool audit;       /* `mode audit;`: judge and report, never refuse */
	/* The front end's: every rule's prefixes and text, and default_text,
	 * are in pool (carved or adopted), freed with it, not one by one.  A
	 * policy built by hand leaves it false and owns them itself. */
	bool pooled;
	struct pol_pool pool;
};

void pol_policy_free(struct pol_policy *p);

/* Sort and dedupe prefixes / merge port ranges in place; return new count. */
size_t pol_prefixes_normalise(struct pol_prefix *v, size_t n);
size_t pol_ports_normalise(struct pol_port_range *v, size_t n);

/* The first or last eight bytes of an address, as a big-endian number. */
static inline uint64_t pol_addr_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return __builtin_bswap64(v);
}

/* Compare two canonical prefixes: family, then address, then length.
 * Inline and by words: it runs several times per element of a set of a
 * million, to sort it, dedupe it and check it is in order. */
static inline int pol_prefix_cmp(const struct pol_prefix *a, const struct pol_prefix *b)
{
	uint64_t u, v;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	u = pol_addr_be64(a->addr);
	v = pol_addr_be64(b->addr);
	if (u == v) {
		u = pol_addr_be64(a->addr + 8);
		v = pol_addr_be64(b->addr + 8);
	}
	if (u != v)
		return u < v ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return 0;
}

#endif /* JAILPOL_POLICY_H */
