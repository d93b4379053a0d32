/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_sha256.c - lib/sha256.c against the FIPS 180-4 example vectors.
 */
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "unit.h"

static void hex(const uint8_t *d, char *out)
{
	int i;

	for (i = 0; i < POL_SHA256_LEN; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void check_vector(const char *name, const void *data, size_t len, const char *want)
{
	uint8_t d[POL_SHA256_LEN];
	char got[2 * POL_SHA256_LEN + 1];

	pol_sha256(data, len, d);
	hex(d, got);
	CHECK(!strcmp(got, want), "%s: got %s, want %s", name, got, want);
}

/* The same message fed in uneven pieces must hash the same. */
static void check_split(const char *msg, const char *want)
{
	size_t len = strlen(msg), step;

	for (step = 1; step <= 70; step += 3) {
		struct pol_sha256 s;
		uint8_t d[POL_SHA256_LEN];
		char got[2 * POL_SHA256_LEN + 1];
		size_t off;

		pol_sha256_init(&s);
		for (off = 0; off < len; off += step)
			pol_sha256_update(&s, msg + off, len - off < step ? len - off : step);
		pol_sha256_final(&s, d);
		hex(d, got);
		CHECK(!strcmp(got, want), "split %zu: got %s", step, got);
	}
}

int main(void)
{
	static const char m448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char m896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
				   "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	char *million;

	check_vector("empty", "", 0,
		     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_vector("abc", "abc", 3,
		     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_vector("448-bit", m448, strlen(m448),
		     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	check_vector("896-bit", m896, strlen(m896),
		     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
	check_split(m896, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");

	million = malloc(1000000);
	REQUIRE(million, "out of memory");
	memset(million, 'a', 1000000);
	check_vector("1M a", million, 1000000,
		     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
	return unit_summary();
}
