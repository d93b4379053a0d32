/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_read.c - libFuzzer target: lib/policy_read.c on raw bytes, then the
 * classifier and pol_tables_add_host() on whatever it accepts (a reader
 * that lets an inconsistent table through shows up there).
 *
 * The first input byte picks the mode.  Odd: the rest is taken as it is,
 * so the magic, version, size and checksum checks are fuzzed.  Even: the
 * content hash and the checksum are recomputed first (as
 * tests/unit/test_policy_read.c reseals a deliberate edit), so mutations
 * get past them to the structural and semantic checks.
 */
#include <zlib.h>

#include "../../bpf/templates/policy_abi.h"
#include "fuzz.h"
#include "policy_read.h"
#include "rng.h"
#include "sha256.h"
#include "tables.h"

#define POL_CLASSIFY_TYPES_ONLY
#include "../../bpf/templates/classify.h"

static void reseal(uint8_t *b, size_t len)
{
	struct pol_file_header h;
	uint64_t end;

	if (len < sizeof(h))
		return;
	memcpy(&h, b, sizeof(h));
	end = h.file_size < len ? h.file_size : len;
	if (h.header_size <= end)
		pol_sha256(b + h.header_size, (size_t)end - h.header_size, h.content_hash);
	h.checksum = 0;
	memcpy(b, &h, sizeof(h));
	h.checksum = (uint32_t)crc32(0, b, (uInt)len);
	memcpy(b, &h, sizeof(h));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct test_rng rng = { size };
	struct pol_tables t;
	char err[256];
	uint8_t *b;
	int n;

	if (!size)
		return 0;
	/* An exact-size copy: a read past the end is AddressSanitizer's. */
	b = malloc(size - 1 ? size - 1 : 1);
	if (!b)
		return 0;
	memcpy(b, data + 1, size - 1);
	if (!(data[0] & 1))
		reseal(b, size - 1);
	if (pol_read_buf(b, size - 1, &t, err, sizeof(err))) {
		free(b);
		return 0;
	}
	free(b);
	for (n = 0; n < 8; n++) {
		struct pol_query q = { 0 };
		struct pol_result r;
		uint64_t x = test_rng_next(&rng), y = test_rng_next(&rng);

		q.family = n & 1 ? 6 : 4;
		q.proto = (uint8_t)(n % POL_PROTO_MAX);
		q.scope = (uint8_t)((n >> 1) % POL_SCOPE_MAX);
		q.port = (uint16_t)x;
		memcpy(q.addr, &x, 8);
		memcpy(q.addr + 8, &y, 8);
		if (q.family == 4)
			memset(q.addr + 4, 0, 12);
		if (n == 4 && pol_tables_add_host(&t, q.family, q.addr))
			break;
		pol_tables_classify(&t, &q, &r);
	}
	pol_tables_free(&t);
	return 0;
}
