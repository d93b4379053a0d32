/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * addr.c - parsing, canonicalising and printing addresses and prefixes.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

static const uint8_t pol_mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

static bool pol_addr_is_mapped(const uint8_t *addr)
{
	return memcmp(addr, pol_mapped_prefix, sizeof(pol_mapped_prefix)) == 0;
}

void pol_addr_canonicalise(uint8_t *family, uint8_t *addr)
{
	if (*family != 6 || !pol_addr_is_mapped(addr))
		return;
	*family = 4;
	memmove(addr, addr + 12, 4);
	memset(addr + 4, 0, 12);
}

/* Clear the bits past len; true if any was set. */
static bool pol_addr_mask(uint8_t *addr, unsigned len, unsigned max)
{
	bool changed = false;
	unsigned i;

	for (i = 0; i < max / 8; i++) {
		uint8_t mask;

		if (len >= (i + 1) * 8)
			continue;
		mask = len > i * 8 ? (uint8_t)(0xff << (8 - (len - i * 8))) : 0;
		if (addr[i] & ~mask)
			changed = true;
		addr[i] &= mask;
	}
	return changed;
}

/* Does v6 prefix addr/len (len < 96, masked) contain ::ffff:0:0/96? */
static bool pol_addr_covers_mapped(const uint8_t *addr, unsigned len)
{
	uint8_t tmp[16] = { 0 };

	memcpy(tmp, pol_mapped_prefix, sizeof(pol_mapped_prefix));
	pol_addr_mask(tmp, len, 128);
	return memcmp(tmp, addr, 16) == 0;
}

enum pol_addr_err pol_prefix_parse(const char *s, struct pol_prefix *out,
				   bool *covers_mapped)
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

	if (p.family == 6 && len >= 96 && pol_addr_is_mapped(p.addr)) {
		pol_addr_canonicalise(&p.family, p.addr);
		len -= 96;
		max = 32;
	}
	host_bits = pol_addr_mask(p.addr, len, max);
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
