/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * addr.c - parsing, canonicalising, masking and printing addresses and
 * prefixes.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

#define POL_CLASSIFY_TYPES_ONLY
#include "../bpf/templates/classify.h"

/* ::ffff:0:0/96, the IPv4-mapped block. */
static const uint8_t pol_mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

void pol_addr_canonicalise(uint8_t *family, uint8_t *addr)
{
	pol_unmap(family, addr);
}

bool pol_mask_bits(uint8_t *dst, const uint8_t *src, size_t nbytes, unsigned int len)
{
	size_t full = len / 8, i;
	uint8_t keep, cleared;

	/* Whole bytes copied, one byte masked, the rest zeroed: decide.c
	 * masks every prefix of a million-prefix policy through here. */
	if (full >= nbytes) {
		if (dst != src)
			memmove(dst, src, nbytes);
		return false;
	}
	if (dst != src)
		memmove(dst, src, full);
	keep = (uint8_t)(0xff00u >> (len % 8));
	cleared = src[full] & (uint8_t)~keep;
	dst[full] = src[full] & keep;
	for (i = full + 1; i < nbytes; i++) {
		cleared |= src[i];
		dst[i] = 0;
	}
	return cleared != 0;
}

bool pol_bits_equal(const uint8_t *a, const uint8_t *b, unsigned int len)
{
	unsigned int full = len / 8, rem = len % 8;

	if (memcmp(a, b, full))
		return false;
	return !rem || !((a[full] ^ b[full]) & (uint8_t)(0xff00u >> rem));
}

/* Does v6 prefix addr/len (len < 96, masked) contain ::ffff:0:0/96? */
static bool pol_addr_covers_mapped(const uint8_t *addr, unsigned len)
{
	return pol_bits_equal(addr, pol_mapped_prefix, len);
}

enum pol_addr_err pol_prefix_parse(const char *s, struct pol_prefix *out, bool *covers_mapped)
{
	char buf[INET6_ADDRSTRLEN + 8];
	struct pol_prefix p = { 0 };
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned len, max;
	bool host_bits;

	if (covers_mapped)
		*covers_mapped = false;
	if (alen == 0 || alen >= sizeof(buf))
		return POL_ADDR_BAD_ADDRESS;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (memchr(buf, ':', alen)) {
		if (inet_pton(AF_INET6, buf, p.addr) != 1)
			return POL_ADDR_BAD_ADDRESS;
		p.family = 6;
		max = 128;
	} else {
		if (inet_pton(AF_INET, buf, p.addr) != 1)
			return POL_ADDR_BAD_ADDRESS;
		p.family = 4;
		max = 32;
	}

	len = max;
	if (slash) {
		const char *c = slash + 1;

		if (!*c || strlen(c) > 3)
			return POL_ADDR_BAD_LENGTH;
		for (len = 0; *c; c++) {
			if (*c < '0' || *c > '9')
				return POL_ADDR_BAD_LENGTH;
			len = len * 10 + (unsigned)(*c - '0');
		}
		if (len > max)
			return POL_ADDR_BAD_LENGTH;
	}

	if (p.family == 6 && len >= 96) {
		pol_unmap(&p.family, p.addr);
		if (p.family == 4) {
			len -= 96;
			max = 32;
		}
	}
	host_bits = pol_mask_bits(p.addr, p.addr, max / 8, len);
	p.len = (uint8_t)len;
	if (covers_mapped && p.family == 6 && len < 96)
		*covers_mapped = pol_addr_covers_mapped(p.addr, len);
	*out = p;
	return host_bits ? POL_ADDR_HOST_BITS : POL_ADDR_OK;
}

void pol_prefix_format(const struct pol_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	int af = p->family == 4 ? AF_INET : AF_INET6;
	unsigned max = p->family == 4 ? 32 : 128;

	if (!len)
		return;
	if (!inet_ntop(af, p->addr, a, sizeof(a)))
		strcpy(a, "?");
	if (p->len == max)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, p->len);
}
