/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * ranges.c - the address table (policy_abi.h, struct pol_range_layout)
 * from the LPM4 and LPM6 entries of a policy.
 *
 * Per family: the entries in address order (a parent before the prefixes
 * inside it) are swept with a stack of the prefixes open at the cursor,
 * which gives each stretch of addresses the value of the longest prefix
 * holding it; stretches of one value that touch merge into one range.
 * Then a directory over the ranges, split where a bucket holds more than
 * POL_RANGE_LEAF_MAX of them, so that a lookup reads a bounded number of
 * words whatever the number of prefixes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "htab.h"
#include "ranges.h"
#include "vec.h"

typedef unsigned __int128 u128;

struct prefix {
	u128 start, end;
	uint64_t val; /* did | host_did << 32 */
	uint32_t len;
};

struct range {
	u128 start;
	uint32_t vi; /* index of its value */
};

/* One family's ranges. */
struct fam {
	unsigned int bits; /* 32 or 128 */
	struct range *r;
	size_t n, cap;
};

/* The distinct values, in order of first use. */
struct vals {
	uint64_t *v;
	size_t cap;
	struct pol_htab idx;
};

static int val_index(struct vals *vs, uint64_t val, uint32_t *out)
{
	uint32_t h = (uint32_t)pol_hash_u64(val), i;
	size_t pos;

	if (pol_htab_reserve(&vs->idx))
		return -ENOMEM;
	for (pos = pol_htab_pos(&vs->idx, h);
	     (i = pol_htab_next(&vs->idx, h, &pos)) != POL_HTAB_END;)
		if (vs->v[i] == val) {
			*out = i;
			return 0;
		}
	if (POL_GROW(vs->v, vs->cap, vs->idx.n + 1))
		return -ENOMEM;
	*out = (uint32_t)vs->idx.n;
	vs->v[vs->idx.n] = val;
	pol_htab_insert(&vs->idx, pos, h, *out);
	return 0;
}

/* 1 if value v stands for itself in a range (policy_abi.h): a direct
 * decision id that is also its host_did. */
static int val_is_direct(uint64_t v)
{
	return ((uint32_t)v & POL_DID_DIRECT) && (uint32_t)v == (uint32_t)(v >> 32);
}

/*
 * What the ranges hold of each value: ref[vi] is the value itself or its
 * index in the table's vals, which hold only the values that do not
 * stand for themselves.  Compacts vs->v to those, *n_kept of them, in
 * their order.
 */
static int val_refs(struct vals *vs, uint32_t **refs, size_t *n_kept)
{
	uint32_t *ref = malloc((vs->idx.n ? vs->idx.n : 1) * sizeof(*ref));
	size_t i, k = 0;

	if (!ref)
		return -ENOMEM;
	for (i = 0; i < vs->idx.n; i++) {
		if (val_is_direct(vs->v[i])) {
			ref[i] = (uint32_t)vs->v[i];
			continue;
		}
		ref[i] = (uint32_t)k;
		vs->v[k++] = vs->v[i];
	}
	*refs = ref;
	*n_kept = k;
	return 0;
}

static u128 num_of(const uint8_t *addr, unsigned int nbytes)
{
	u128 x = 0;
	unsigned int i;

	for (i = 0; i < nbytes; i++)
		x = x << 8 | addr[i];
	return x;
}

static int prefix_cmp(const void *a, const void *b)
{
	const struct prefix *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* Append a range from s with value index vi, merged into the last one
 * if that has the same value. */
static int emit(struct fam *f, u128 s, uint32_t vi)
{
	if (f->n && f->r[f->n - 1].vi == vi)
		return 0;
	if (POL_GROW(f->r, f->cap, f->n + 1))
		return -ENOMEM;
	f->r[f->n++] = (struct range){ .start = s, .vi = vi };
	return 0;
}

/* The sweep: p[0..n) sorted by prefix_cmp, p[0] the /0 root. */
static int sweep(struct fam *f, const struct prefix *p, size_t n, struct vals *vs)
{
	u128 max = f->bits == 128 ? ~(u128)0 : ((u128)1 << 32) - 1;
	struct {
		u128 end;
		uint32_t vi;
	} stack[130];
	unsigned int depth = 0;
	u128 pos = 0;
	size_t i;
	int err;

	if (!n || p[0].len)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		uint32_t vi;

		/* Close the prefixes that end before this one starts. */
		while (depth && stack[depth - 1].end < p[i].start) {
			depth--;
			if (pos <= stack[depth].end) {
				err = emit(f, pos, stack[depth].vi);
				if (err)
					return err;
			}
			pos = stack[depth].end + 1;
		}
		if (i && !depth)
			return -EINVAL; /* only the root opens the sweep */
		if (depth >= sizeof(stack) / sizeof(stack[0]))
			return -EINVAL;
		if (depth && pos < p[i].start) {
			err = emit(f, pos, stack[depth - 1].vi);
			if (err)
				return err;
		}
		err = val_index(vs, p[i].val, &vi);
		if (err)
			return err;
		stack[depth].end = p[i].end;
		stack[depth].vi = vi;
		depth++;
		pos = p[i].start;
	}
	/* The rest, to the family's last address, which ends every prefix
	 * still open from the one that reaches it. */
	while (depth) {
		depth--;
		if (pos <= stack[depth].end) {
			err = emit(f, pos, stack[depth].vi);
			if (err)
				return err;
		}
		if (stack[depth].end == max)
			break;
		pos = stack[depth].end + 1;
	}
	return 0;
}

/* Entries of one family (esz apart, address nbytes long after the
 * prefix length, then the value) as prefixes in address order. */
static int family_ranges(const uint8_t *ents, uint32_t n, size_t esz, unsigned int nbytes,
			 struct fam *f, struct vals *vs)
{
	unsigned int bits = nbytes * 8;
	struct prefix *p;
	uint32_t i;
	int err;

	p = malloc((n ? n : 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const uint8_t *e = ents + (size_t)i * esz;
		struct pol_addr_val v;
		uint32_t len;
		u128 size;

		memcpy(&len, e, 4);
		memcpy(&v, e + 4 + nbytes, sizeof(v));
		if (len > bits) {
			free(p);
			return -EINVAL;
		}
		p[i].start = num_of(e + 4, nbytes);
		size = len ? (u128)1 << (bits - len) : 0;
		/* As policy.bin has them: strictly by (length, address), no
		 * host bits. */
		if ((len && (p[i].start & (size - 1))) || (!len && p[i].start) ||
		    (i && (p[i - 1].len > len ||
			   (p[i - 1].len == len && p[i - 1].start >= p[i].start)))) {
			free(p);
			return -EINVAL;
		}
		/* A /0 ends at the family's last address. */
		p[i].end = len ? p[i].start + size - 1
			       : (bits == 128 ? ~(u128)0 : ((u128)1 << 32) - 1);
		p[i].len = len;
		p[i].val = (uint64_t)v.did | (uint64_t)v.host_did << 32;
	}
	qsort(p, n, sizeof(*p), prefix_cmp);
	f->bits = bits;
	err = sweep(f, p, n, vs);
	free(p);
	return err;
}

/* The directory words of both families, offsets relative to the first. */
struct dir {
	uint64_t *w;
	size_t n, cap;
};

/* Index of the range holding address x, from a range known to start by
 * it. */
static uint32_t holding(const struct fam *f, uint32_t from, u128 x)
{
	while (from + 1 < f->n && f->r[from + 1].start <= x)
		from++;
	return from;
}

/*
 * A directory over bits [c, c + w) of the addresses from base (whose
 * first range is first), at base_word + its place in d.  Returns its
 * offset, or -ENOMEM.  Buckets with too many ranges get one of their own.
 */
static int64_t build_dir(struct dir *d, size_t base_word, const struct fam *f, unsigned int c,
			 unsigned int w, u128 base, uint32_t first)
{
	size_t at = d->n, slots = ((size_t)1 << w) + 1, j;
	unsigned int shift = f->bits - c - w;
	u128 span = (u128)1 << shift, last;
	u128 max = f->bits == 128 ? ~(u128)0 : ((u128)1 << 32) - 1;
	uint32_t r = first;

	if (POL_GROW(d->w, d->cap, d->n + slots))
		return -ENOMEM;
	d->n += slots;
	/* The buckets' first addresses, then the sentinel: the range of the
	 * next address after this directory's, or the last one. */
	for (j = 0; j + 1 < slots; j++) {
		r = holding(f, r, base + span * j);
		d->w[at + j] = r;
	}
	last = base + ((span << w) - 1);
	d->w[at + slots - 1] = last == max ? (uint32_t)f->n - 1 : holding(f, r, last + 1);
	for (j = 0; j + 1 < slots; j++) {
		uint32_t lo = (uint32_t)d->w[at + j], hi = (uint32_t)d->w[at + j + 1];
		unsigned int c2 = c + w, w2;
		int64_t sub;

		if (hi - lo <= POL_RANGE_LEAF_MAX)
			continue;
		/* About 8 ranges a bucket, as at the root. */
		for (w2 = POL_RANGE_SUB_MIN;
		     w2 < POL_RANGE_SUB_MAX && ((size_t)8 << w2) < hi - lo + 1;)
			w2++;
		if (w2 > f->bits - c2)
			w2 = f->bits - c2;
		sub = build_dir(d, base_word, f, c2, w2, base + span * j, lo);
		if (sub < 0)
			return sub;
		if (base_word + (size_t)sub >= (size_t)1 << POL_RANGE_SUB_SHIFT)
			return -E2BIG;
		d->w[at + j] |=
			((uint64_t)(w2 - 1) << POL_RANGE_SUB_SHIFT | (base_word + (size_t)sub))
			<< 32;
	}
	return (int64_t)at;
}

/* Root bits for n ranges: about 8 ranges a bucket, at most 2^16
 * buckets. */
static unsigned int root_bits_of(size_t n)
{
	unsigned int b = 1;

	while (b < POL_RANGE_ROOT_MAX && ((size_t)1 << b) * 8 < n)
		b++;
	return b;
}

int pol_ranges_build(const struct pol_lpm4_entry *lpm4, uint32_t n4,
		     const struct pol_lpm6_entry *lpm6, uint32_t n6, __u64 **words,
		     struct pol_range_layout *layout)
{
	struct fam fam[2] = { { 0 }, { 0 } };
	struct vals vs = { 0 };
	struct dir d = { 0 };
	struct pol_range_layout l;
	__u64 *out = NULL;
	size_t total, at, i, n_vals = 0;
	uint32_t *ref = NULL;
	int k, err;

	memset(&l, 0, sizeof(l));
	err = family_ranges((const uint8_t *)lpm4, n4, sizeof(*lpm4), 4, &fam[0], &vs);
	if (!err)
		err = family_ranges((const uint8_t *)lpm6, n6, sizeof(*lpm6), 16, &fam[1], &vs);
	if (err)
		goto cleanup;
	/* Word 0 is never a directory, so a sub-directory offset of 0 means
	 * none. */
	for (k = 0; k < 2; k++) {
		int64_t root;

		l.fam[k].root_bits = root_bits_of(fam[k].n);
		root = build_dir(&d, 1, &fam[k], 0, l.fam[k].root_bits, 0, 0);
		if (root < 0) {
			err = (int)root;
			goto cleanup;
		}
		l.fam[k].dir = (uint32_t)(1 + root);
		l.fam[k].n = (uint32_t)fam[k].n;
		/* Never a host address: its did decides it. */
		l.fam[k].loopback_did =
			(uint32_t)vs.v[fam[k].r[holding(&fam[k], 0, k ? 1 : 0x7f000001)].vi];
	}
	if (vs.idx.n >= POL_DID_DIRECT) {
		err = -E2BIG;
		goto cleanup;
	}
	err = val_refs(&vs, &ref, &n_vals);
	if (err)
		goto cleanup;
	at = 1 + d.n;
	l.fam[0].start = (uint32_t)at;
	at += fam[0].n;
	l.fam[1].start = (uint32_t)at;
	at += fam[1].n * 2;
	l.fam[1].vidx = (uint32_t)at;
	at += (fam[1].n + 1) / 2;
	l.vals = (uint32_t)at;
	l.n_vals = (uint32_t)n_vals;
	total = at + n_vals;
	if (total > UINT32_MAX) {
		err = -E2BIG;
		goto cleanup;
	}
	l.n_words = (uint32_t)total;
	out = calloc(total, sizeof(*out));
	if (!out) {
		err = -ENOMEM;
		goto cleanup;
	}
	memcpy(out + 1, d.w, d.n * sizeof(*out));
	for (i = 0; i < fam[0].n; i++)
		out[l.fam[0].start + i] = (uint64_t)(uint32_t)fam[0].r[i].start << 32 |
					  ref[fam[0].r[i].vi];
	for (i = 0; i < fam[1].n; i++) {
		out[l.fam[1].start + 2 * i] = (uint64_t)(fam[1].r[i].start >> 64);
		out[l.fam[1].start + 2 * i + 1] = (uint64_t)fam[1].r[i].start;
		out[l.fam[1].vidx + i / 2] |= (uint64_t)ref[fam[1].r[i].vi] << (32 * (i & 1));
	}
	memcpy(out + l.vals, vs.v, n_vals * sizeof(*out));
	*words = out;
	*layout = l;
	out = NULL;
cleanup:
	free(out);
	free(ref);
	free(d.w);
	for (k = 0; k < 2; k++)
		free(fam[k].r);
	free(vs.v);
	pol_htab_free(&vs.idx);
	return err;
}
