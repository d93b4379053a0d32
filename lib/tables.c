/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * tables.c - the lookups of classify.h over a compiled policy in user
 * space: the address table (ranges.c), the host set, and the DEC table's
 * longest-prefix match.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ranges.h"
#include "tables.h"
#include "vec.h"

static const __u64 *addr_word(const struct pol_tables *t, uint32_t i)
{
	return i < t->layout.n_words ? &t->words[i] : NULL;
}

static int is_host(const struct pol_tables *t, const struct pol_host_key *k)
{
	uint32_t i;

	for (i = 0; i < t->n_hosts; i++)
		if (!memcmp(&t->hosts[i], k, sizeof(*k)))
			return 1;
	return 0;
}

static const struct pol_dec_val *lookup_dec(void *ctx, const struct pol_dec_key *k)
{
	return pol_tables_lookup_dec(ctx, k);
}

static const uint32_t *lookup_unix_dfa(const struct pol_tables *t, uint32_t i)
{
	return i < t->n_unix_dfa ? &t->unix_dfa[i] : NULL;
}

static const struct pol_dec_val *lookup_unix_acc(const struct pol_tables *t, uint32_t i)
{
	return i < t->n_unix_acc ? &t->unix_acc[i] : NULL;
}

static const struct pol_dec_val *lookup_sock(const struct pol_tables *t, uint32_t i)
{
	return i < POL_SOCK_ENTRIES ? &t->sock[i] : NULL;
}

#define POL_ADDR_WORD(ctx, i) addr_word(ctx, i)
#define POL_ADDR_LAYOUT(ctx) (&((const struct pol_tables *)(ctx))->layout)
#define POL_IS_HOST(ctx, k) is_host(ctx, k)
#define POL_LOOKUP_DEC(ctx, k) lookup_dec(ctx, k)
#define POL_LOOKUP_UNIX_DFA(ctx, i) lookup_unix_dfa(ctx, i)
#define POL_LOOKUP_UNIX_ACC(ctx, i) lookup_unix_acc(ctx, i)
#define POL_UNIX_CLASSES(ctx) (((const struct pol_tables *)(ctx))->unix_consts.n_classes)
#define POL_LOOKUP_SOCK(ctx, i) lookup_sock(ctx, i)
#include "../bpf/templates/classify.h"

/* Fill idx[0..nlen] so that entries of length L are [idx[L], idx[L + 1]).
 * len_of() is read from entries sorted by length. */
#define BUILD_INDEX(idx, nlen, ents, n, base)                                      \
	do {                                                                       \
		uint32_t _i = 0, _l;                                               \
		for (_l = 0; _l <= (nlen); _l++) {                                 \
			while (_i < (n) && (ents)[_i].key.prefixlen - (base) < _l) \
				_i++;                                              \
			(idx)[_l] = _i;                                            \
		}                                                                  \
	} while (0)

int pol_tables_index(struct pol_tables *t)
{
	__u64 *words;
	int err;

	BUILD_INDEX(t->idxdec, (uint32_t)(POL_DEC_PREFIX_MAX - POL_DEC_PREFIX_BASE + 1), t->dec,
		    t->n_dec, (uint32_t)POL_DEC_PREFIX_BASE);
	err = pol_ranges_build(t->lpm4, t->n_lpm4, t->lpm6, t->n_lpm6, &words, &t->layout);
	if (err)
		return err;
	free(t->words);
	t->words = words;
	return 0;
}

/* Binary search for exact key data among entries [lo, hi) of one length.
 * Entries have stride `size`, key data at `off`, `nbytes` long. */
static const void *bsearch_range(const void *base, size_t size, size_t off, size_t nbytes,
				 uint32_t lo, uint32_t hi, const uint8_t *data)
{
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const uint8_t *e = (const uint8_t *)base + (size_t)mid * size;
		int c = memcmp(e + off, data, nbytes);

		if (!c)
			return e;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The longest-prefix match of key (nbytes of key data) among sorted entries
 * of stride esz with their key data at off: prefix lengths max down to
 * base, entries of length L at [idx[L - base], idx[L - base + 1]). */
static const void *lpm_find(const void *ents, size_t esz, size_t off, size_t nbytes,
			    const uint32_t *idx, unsigned int base, unsigned int max,
			    const uint8_t *key)
{
	uint8_t data[16];
	unsigned int l;

	for (l = max + 1; l-- > base;) {
		const uint32_t *range = idx + (l - base);
		const void *e;

		if (range[0] == range[1])
			continue;
		pol_mask_bits(data, key, nbytes, l);
		e = bsearch_range(ents, esz, off, nbytes, range[0], range[1], data);
		if (e)
			return e;
	}
	return NULL;
}

const struct pol_dec_val *pol_tables_lookup_dec(const struct pol_tables *t,
						const struct pol_dec_key *k)
{
	unsigned int max = k->prefixlen > POL_DEC_PREFIX_MAX ? POL_DEC_PREFIX_MAX : k->prefixlen;
	const struct pol_dec_entry *e;

	if (max < POL_DEC_PREFIX_BASE)
		return NULL;
	/* The prefix covers did, sel, zero and port: 8 bytes from did. */
	e = lpm_find(t->dec, sizeof(*e), offsetof(struct pol_dec_entry, key.did), 8, t->idxdec,
		     POL_DEC_PREFIX_BASE, max, (const uint8_t *)&k->did);
	return e ? &e->val : NULL;
}

void pol_tables_classify(const struct pol_tables *t, struct pol_query *q, struct pol_result *r)
{
	/* classify.h takes a mutable context as the BPF side does; the
	 * lookups only read it. */
	pol_classify((void *)(uintptr_t)t, q, r);
}

void pol_tables_classify_unix(const struct pol_tables *t, struct pol_unix_query *q,
			      struct pol_result *r)
{
	pol_classify_unix((void *)(uintptr_t)t, q, r);
}

void pol_tables_classify_sock(const struct pol_tables *t, uint32_t kind, uint32_t scope,
			      struct pol_result *r)
{
	pol_classify_sock((void *)(uintptr_t)t, kind, scope, r);
}

void pol_tables_sock_unmatched(struct pol_tables *t)
{
	size_t i;

	for (i = 0; i < POL_SOCK_ENTRIES; i++) {
		memset(&t->sock[i], 0, sizeof(t->sock[i]));
		t->sock[i].rule = POL_RULE_UNMATCHED;
		t->sock[i].verdict = POL_ALLOW;
	}
}

int pol_tables_add_host(struct pol_tables *t, uint8_t family, const uint8_t *addr)
{
	struct pol_host_key k = { .family = family };

	if (family != 4 && family != 6)
		return -EINVAL;
	if (pol_never_host(family, addr))
		return 0;
	memcpy(k.addr, addr, family == 4 ? 4 : 16);
	if (is_host(t, &k))
		return 0;
	if (POL_GROW(t->hosts, t->cap_hosts, (size_t)t->n_hosts + 1))
		return -ENOMEM;
	t->hosts[t->n_hosts++] = k;
	return 0;
}

const char *pol_tables_string(const struct pol_tables *t, uint32_t off)
{
	if (!t->strings || off >= t->strings_size)
		return "?";
	return t->strings + off;
}

void pol_tables_free(struct pol_tables *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < sizeof(t->owned) / sizeof(t->owned[0]); i++)
		free(t->owned[i]);
	free(t->words);
	free(t->hosts);
	memset(t, 0, sizeof(*t));
}

bool pol_never_host(uint8_t family, const uint8_t *addr)
{
	static const uint8_t zero[16], v6_loopback[16] = { [15] = 1 };

	if (family == 4)
		return addr[0] == 127 || !memcmp(addr, zero, 4);
	return !memcmp(addr, zero, 16) || !memcmp(addr, v6_loopback, 16);
}
