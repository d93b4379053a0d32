/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * sha256.c - SHA-256 (FIPS 180-4).
 */
#include <stdbool.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define POL_SHA256_NI 1
#endif

#include "sha256.h"

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static inline uint32_t ror(uint32_t x, unsigned int n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha256_block_c(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0], b = h[1], c = h[2], d = h[3];
	e = h[4], f = h[5], g = h[6], hh = h[7];
	for (i = 0; i < 64; i++) {
		t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] +
		     w[i];
		t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		hh = g, g = f, f = e, e = d + t1;
		d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d;
	h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

#ifdef POL_SHA256_NI
/*
 * The SHA extensions (Intel since Goldmont and Ice Lake, AMD since Zen)
 * hash a block about five times faster than the C above: a policy of a
 * million rules is some 150 MB, and its hash was a tenth of the compile.
 * The state is kept as the instructions want it, ABEF and CDGH.
 */
/* Unaligned 16-byte loads and stores, through void * so that no cast
 * claims an alignment the data does not have. */
__attribute__((target("sse2"))) static inline __m128i sha256_load(const void *p)
{
	return _mm_loadu_si128(p);
}

__attribute__((target("sse2"))) static inline void sha256_store(void *p, __m128i v)
{
	_mm_storeu_si128(p, v);
}

#define SHA256_ROUNDS4(msg, k)                                                         \
	do {                                                                           \
		__m128i m_ = _mm_add_epi32((msg), sha256_load(k));                     \
		cdgh = _mm_sha256rnds2_epu32(cdgh, abef, m_);                          \
		abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(m_, 0x0e)); \
	} while (0)

__attribute__((target("sha,sse4.1,ssse3"))) static void sha256_blocks_ni(uint32_t h[8],
									 const uint8_t *p, size_t n)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bll, 0x0405060700010203ll);
	__m128i abef, cdgh, t, m0, m1, m2, m3, save_abef, save_cdgh;
	int i;

	t = sha256_load(&h[0]);                /* DCBA */
	cdgh = sha256_load(&h[4]);             /* HGFE */
	t = _mm_shuffle_epi32(t, 0xb1);        /* CDAB */
	cdgh = _mm_shuffle_epi32(cdgh, 0x1b);  /* EFGH */
	abef = _mm_alignr_epi8(t, cdgh, 8);    /* ABEF */
	cdgh = _mm_blend_epi16(cdgh, t, 0xf0); /* CDGH */

	for (; n; n--, p += 64) {
		save_abef = abef;
		save_cdgh = cdgh;
		m0 = _mm_shuffle_epi8(sha256_load(p + 0), bswap);
		m1 = _mm_shuffle_epi8(sha256_load(p + 16), bswap);
		m2 = _mm_shuffle_epi8(sha256_load(p + 32), bswap);
		m3 = _mm_shuffle_epi8(sha256_load(p + 48), bswap);
		SHA256_ROUNDS4(m0, &K[0]);
		SHA256_ROUNDS4(m1, &K[4]);
		SHA256_ROUNDS4(m2, &K[8]);
		SHA256_ROUNDS4(m3, &K[12]);
		/* Rounds 16..63: each group of four extends the schedule by four
		 * words from the last sixteen. */
		for (i = 16; i < 64; i += 16) {
			m0 = _mm_sha256msg1_epu32(m0, m1);
			m0 = _mm_add_epi32(m0, _mm_alignr_epi8(m3, m2, 4));
			m0 = _mm_sha256msg2_epu32(m0, m3);
			SHA256_ROUNDS4(m0, &K[i]);
			m1 = _mm_sha256msg1_epu32(m1, m2);
			m1 = _mm_add_epi32(m1, _mm_alignr_epi8(m0, m3, 4));
			m1 = _mm_sha256msg2_epu32(m1, m0);
			SHA256_ROUNDS4(m1, &K[i + 4]);
			m2 = _mm_sha256msg1_epu32(m2, m3);
			m2 = _mm_add_epi32(m2, _mm_alignr_epi8(m1, m0, 4));
			m2 = _mm_sha256msg2_epu32(m2, m1);
			SHA256_ROUNDS4(m2, &K[i + 8]);
			m3 = _mm_sha256msg1_epu32(m3, m0);
			m3 = _mm_add_epi32(m3, _mm_alignr_epi8(m2, m1, 4));
			m3 = _mm_sha256msg2_epu32(m3, m2);
			SHA256_ROUNDS4(m3, &K[i + 12]);
		}
		abef = _mm_add_epi32(abef, save_abef);
		cdgh = _mm_add_epi32(cdgh, save_cdgh);
	}

	t = _mm_shuffle_epi32(abef, 0x1b);     /* FEBA */
	cdgh = _mm_shuffle_epi32(cdgh, 0xb1);  /* DCHG */
	abef = _mm_blend_epi16(t, cdgh, 0xf0); /* DCBA */
	cdgh = _mm_alignr_epi8(cdgh, t, 8);    /* HGFE */
	sha256_store(&h[0], abef);
	sha256_store(&h[4], cdgh);
}

/* CPUID: SHA (leaf 7 EBX bit 29), SSE4.1 and SSSE3 (leaf 1 ECX bits 19
 * and 9). */
static bool sha256_have_ni(void)
{
	static int have = -1;
	unsigned int a, b, c, d;

	if (have < 0) {
		have = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 19)) && (c & (1u << 9)) &&
		       __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
	}
	return have;
}
#endif

/* n blocks of 64 bytes at p. */
static void sha256_blocks(uint32_t h[8], const uint8_t *p, size_t n)
{
#ifdef POL_SHA256_NI
	if (sha256_have_ni()) {
		sha256_blocks_ni(h, p, n);
		return;
	}
#endif
	for (; n; n--, p += 64)
		sha256_block_c(h, p);
}

void pol_sha256_init(struct pol_sha256 *s)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, iv, sizeof(iv));
	s->bytes = 0;
	s->fill = 0;
}

void pol_sha256_update(struct pol_sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->bytes += len;
	if (s->fill) {
		size_t n = 64 - s->fill < len ? 64 - s->fill : len;

		memcpy(s->buf + s->fill, p, n);
		s->fill += n;
		p += n;
		len -= n;
		if (s->fill < 64)
			return;
		sha256_blocks(s->h, s->buf, 1);
		s->fill = 0;
	}
	sha256_blocks(s->h, p, len / 64);
	p += len / 64 * 64;
	len %= 64;
	if (len) {
		memcpy(s->buf, p, len);
		s->fill = len;
	}
}

void pol_sha256_final(struct pol_sha256 *s, uint8_t out[POL_SHA256_LEN])
{
	uint64_t bits = s->bytes * 8;
	int i;

	s->buf[s->fill++] = 0x80;
	if (s->fill > 56) {
		memset(s->buf + s->fill, 0, 64 - s->fill);
		sha256_blocks(s->h, s->buf, 1);
		s->fill = 0;
	}
	memset(s->buf + s->fill, 0, 56 - s->fill);
	for (i = 0; i < 8; i++)
		s->buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_blocks(s->h, s->buf, 1);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(s->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)s->h[i];
	}
}

void pol_sha256(const void *data, size_t len, uint8_t out[POL_SHA256_LEN])
{
	struct pol_sha256 s;

	pol_sha256_init(&s);
	pol_sha256_update(&s, data, len);
	pol_sha256_final(&s, out);
}

void pol_hex(char *out, const uint8_t *h, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 0xf];
	}
	out[2 * n] = '\0';
}
