/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * addr.h - parsing, canonicalising, masking and printing addresses and
 * prefixes, for the compiler and the runtime alike.
 */
#ifndef JAILPOL_ADDR_H
#define JAILPOL_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A canonical prefix: family 4 or 6, addr in network order, bits past len
 * zero (for IPv4 only addr[0..3] are used, the rest zero). */
struct pol_prefix {
	uint8_t family;
	uint8_t len;
	uint8_t addr[16];
};

/* Longest text pol_prefix_format() writes, NUL included. */
#define POL_PREFIX_STRLEN 64

enum pol_addr_err {
	POL_ADDR_OK = 0,
	POL_ADDR_BAD_ADDRESS, /* not an IPv4 or IPv6 address */
	POL_ADDR_BAD_LENGTH,  /* prefix length not a number or too long */
	POL_ADDR_HOST_BITS,   /* host bits set (out holds the canonical form) */
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
enum pol_addr_err pol_prefix_parse(const char *s, struct pol_prefix *out, bool *covers_mapped);

/* Canonical text: "10.0.0.0/8", "1.2.3.4" for a /32, "fd00::/8", "::1". */
void pol_prefix_format(const struct pol_prefix *p, char *buf, size_t len);

/* Canonicalise a bare address (family 4 or 6, network order) in place:
 * ::ffff:a.b.c.d becomes 4/a.b.c.d.  This is classify.h's pol_unmap(), the
 * one canonicaliser, for callers that do not include classify.h. */
void pol_addr_canonicalise(uint8_t *family, uint8_t *addr);

/*
 * The one prefix mask: copy the first len bits of src (nbytes long) to dst
 * and clear the rest; dst may be src.  Returns true if a cleared bit was
 * set in src (the address had host bits past /len).
 */
bool pol_mask_bits(uint8_t *dst, const uint8_t *src, size_t nbytes, unsigned int len);

/* True if the first len bits of a and b are equal. */
bool pol_bits_equal(const uint8_t *a, const uint8_t *b, unsigned int len);

#endif /* JAILPOL_ADDR_H */
