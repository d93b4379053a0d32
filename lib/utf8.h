/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * utf8.h - the one UTF-8 sequence check, for the JSON writer and reader
 * and the compiler's diagnostics.
 */
#ifndef JAILPOL_UTF8_H
#define JAILPOL_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at p, before end (1 to 4; RFC 3629:
 * no overlong forms, no surrogates, nothing past U+10FFFF), 0 if p does
 * not start one.  An ASCII byte, control characters included, is 1. */
static inline size_t pol_utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, k;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (k = 2; k < n; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	return n;
}

#endif /* JAILPOL_UTF8_H */
