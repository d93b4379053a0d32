/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * addr.h - parsing, canonicalising and printing addresses and prefixes.
 */
#ifndef JAILPOL_ADDR_H
#define JAILPOL_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

/* Longest text pol_prefix_format() writes, NUL included. */
#define POL_PREFIX_STRLEN 64

enum pol_addr_err {
	POL_ADDR_OK = 0,
	POL_ADDR_BAD_ADDRESS,  /* not an IPv4 or IPv6 address */
	POL_ADDR_BAD_LENGTH,   /* prefix length not a number or too long */
	POL_ADDR_HOST_BITS,    /* host bits set (out holds the canonical form) */
	POL_ADDR_ERR_MAX,
};

/*
 * Parse "a.b.c.d", "a.b.c.d/n", "v6" or "v6/n" into a canonical prefix.
 * An IPv4-mapped prefix (::ffff:a.b.c.d/n with n >= 96) becomes the IPv4
 * prefix /n-96.  On POL_ADDR_HOST_BITS out holds the prefix with the host
 * bits cleared; on other errors out is untouched.  *covers_mapped is set
 * when an IPv6 prefix shorter than /96 contains all of ::ffff:0:0/96, so it
 * also matches every IPv4 destination (the caller adds 0.0.0.0/0).
 */
enum pol_addr_err pol_prefix_parse(const char *s, struct pol_prefix *out,
				   bool *covers_mapped);

/* Canonical text: "10.0.0.0/8", "1.2.3.4" for a /32, "fd00::/8", "::1". */
void pol_prefix_format(const struct pol_prefix *p, char *buf, size_t len);

/* Canonicalise a bare address (family 4 or 6, network order) in place:
 * ::ffff:a.b.c.d becomes 4/a.b.c.d.  Matches classify.h's rule. */
void pol_addr_canonicalise(uint8_t *family, uint8_t *addr);

#endif /* JAILPOL_ADDR_H */
