/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#include <stddef.h>
#include <zlib.h>

#include "../bpf/templates/policy_abi.h"
#include "checksum.h"

uint32_t pol_file_checksum(const void *buf, size_t len)
{
	static const uint8_t zero[sizeof(((struct pol_file_header *)0)->checksum)];
	const size_t at = offsetof(struct pol_file_header, checksum);
	const uint8_t *b = buf;
	uLong crc = crc32_z(0L, Z_NULL, 0);

	/* crc32_z() takes a size_t length, so a file past 4 GiB needs no
	 * chunking. */
	crc = crc32_z(crc, b, at);
	crc = crc32_z(crc, zero, sizeof(zero));
	crc = crc32_z(crc, b + at + sizeof(zero), len - at - sizeof(zero));
	return (uint32_t)crc;
}
