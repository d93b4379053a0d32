/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * policy_read.c - the one reader of policy.bin.  Nothing in the file is
 * trusted until checked: every offset, size, count, order and reference.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "policy_read.h"
#include "checksum.h"
#include "file.h"
#include "sha256.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "policy.bin is little-endian; this reader needs a little-endian host"
#endif

#define N_SEC (POL_SEC_MAX - 1)
#define MAX_SECTIONS 64
#define MAX_FILE_SIZE (1u << 30)

static const char *const sec_names[POL_SEC_MAX] = {
	[POL_SEC_CONSTS] = "CONSTS",     [POL_SEC_LPM4] = "LPM4",
	[POL_SEC_LPM6] = "LPM6",         [POL_SEC_DEC] = "DEC",
	[POL_SEC_RULES] = "RULES",       [POL_SEC_STRINGS] = "STRINGS",
	[POL_SEC_UNIX] = "UNIX",         [POL_SEC_UNIX_DFA] = "UNIX_DFA",
	[POL_SEC_UNIX_ACC] = "UNIX_ACC", [POL_SEC_SOCK] = "SOCK",
};
_Static_assert(POL_SEC_MAX == 11, "sec_names needs a name per section");

static const uint32_t sec_entry_size[POL_SEC_MAX] = {
	[POL_SEC_CONSTS] = sizeof(struct pol_consts),
	[POL_SEC_LPM4] = sizeof(struct pol_lpm4_entry),
	[POL_SEC_LPM6] = sizeof(struct pol_lpm6_entry),
	[POL_SEC_DEC] = sizeof(struct pol_dec_entry),
	[POL_SEC_RULES] = sizeof(struct pol_rule_rec),
	[POL_SEC_STRINGS] = 1,
	[POL_SEC_UNIX] = sizeof(struct pol_unix_consts),
	[POL_SEC_UNIX_DFA] = sizeof(uint32_t),
	[POL_SEC_UNIX_ACC] = sizeof(struct pol_dec_val),
	[POL_SEC_SOCK] = sizeof(struct pol_dec_val),
};

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, int code,
						      const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

#define BAD(...) fail(err, errlen, -EBADMSG, __VA_ARGS__)

#define ALIGN8(x) (((x) + 7) & ~(uint64_t)7)

static bool zero_bytes(const uint8_t *p, uint64_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* 1 if any bit of addr (nbytes long, at most 16) past the first len bits
 * is set. */
static int host_bits(const uint8_t *addr, size_t nbytes, unsigned int len)
{
	uint8_t tmp[16];

	return pol_mask_bits(tmp, addr, nbytes, len);
}

/*
 * A decision id of an LPM entry: 0..n_dids-1, or from version 3 a direct
 * one (policy_abi.h) naming a rule whose verdict and log mark it carries.
 * 0, or -EBADMSG with the problem in err.
 */
static int check_did(const char *name, uint32_t i, uint32_t did, const struct pol_tables *t,
		     uint32_t version, char *err, size_t errlen)
{
	const struct pol_rule_rec *r;
	uint32_t rule = did & POL_DID_RULE;

	if (!(did & POL_DID_DIRECT)) {
		if (did >= t->consts.n_dids)
			return BAD("section %s: entry %u names decision %u but there are %u", name,
				   i, did, t->consts.n_dids);
		return 0;
	}
	if (version < 3)
		return BAD("section %s: entry %u has a direct decision 0x%x, which version %u "
			   "files do not have",
			   name, i, did, version);
	if (rule >= t->n_rules)
		return BAD("section %s: entry %u names rule %u but there are %u", name, i, rule,
			   t->n_rules);
	r = &t->rules[rule];
	if (!!(did & POL_DID_ALLOW) != (r->verdict == POL_ALLOW) ||
	    !!(did & POL_DID_LOG) != !!(r->flags & POL_RF_LOG))
		return BAD("section %s: entry %u disagrees with rule %u on verdict or log mark",
			   name, i, rule);
	return 0;
}

/* Checks shared by LPM4 and LPM6: entries are {prefixlen, addr, val}. */
static int check_lpm(const char *name, const uint8_t *base, size_t esz, size_t addr_len,
		     uint32_t count, const struct pol_tables *t, uint32_t version, char *err,
		     size_t errlen)
{
	unsigned int max = (unsigned int)addr_len * 8;
	uint32_t i;
	int ret;

	if (!count)
		return BAD("section %s: no /0 root entry", name);
	for (i = 0; i < count; i++) {
		const uint8_t *e = base + (size_t)i * esz;
		struct pol_addr_val v;
		uint32_t plen;

		memcpy(&plen, e, 4);
		memcpy(&v, e + 4 + addr_len, sizeof(v));
		if (plen > max)
			return BAD("section %s: entry %u has prefix length %u (0..%u)", name, i,
				   plen, max);
		if (host_bits(e + 4, addr_len, plen))
			return BAD("section %s: entry %u has host bits set past /%u", name, i,
				   plen);
		if (i) {
			const uint8_t *p = e - esz;
			uint32_t pplen;

			memcpy(&pplen, p, 4);
			if (pplen > plen || (pplen == plen && memcmp(p + 4, e + 4, addr_len) >= 0))
				return BAD("section %s: entries not sorted at entry %u", name, i);
		} else if (plen) {
			return BAD("section %s: no /0 root entry", name);
		}
		ret = check_did(name, i, v.did, t, version, err, errlen);
		if (!ret)
			ret = check_did(name, i, v.host_did, t, version, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

static int check_dec(const struct pol_dec_entry *dec, uint32_t count, const struct pol_consts *c,
		     const struct pol_rule_rec *rules, char *err, size_t errlen)
{
	uint64_t roots = 0, need = (uint64_t)c->n_dids * POL_SEL_MAX;
	uint32_t i;

	for (i = 0; i < count; i++) {
		const struct pol_dec_entry *e = &dec[i];
		uint16_t port;

		if (e->key.prefixlen < POL_DEC_PREFIX_BASE || e->key.prefixlen > POL_DEC_PREFIX_MAX)
			return BAD("section DEC: entry %u has prefix length %u (%u..%u)", i,
				   e->key.prefixlen, POL_DEC_PREFIX_BASE, POL_DEC_PREFIX_MAX);
		if (e->key.zero)
			return BAD("section DEC: entry %u has a nonzero zero byte", i);
		if (e->key.sel >= POL_SEL_MAX)
			return BAD("section DEC: entry %u has selector %u (0..%u)", i, e->key.sel,
				   POL_SEL_MAX - 1);
		if (e->key.did >= c->n_dids)
			return BAD("section DEC: entry %u names decision %u but there are %u", i,
				   e->key.did, c->n_dids);
		memcpy(&port, &e->key.port, 2);
		if (host_bits((const uint8_t *)&port, 2, e->key.prefixlen - POL_DEC_PREFIX_BASE))
			return BAD("section DEC: entry %u has port bits set past /%u", i,
				   e->key.prefixlen);
		if (i && (dec[i - 1].key.prefixlen > e->key.prefixlen ||
			  (dec[i - 1].key.prefixlen == e->key.prefixlen &&
			   memcmp(&dec[i - 1].key.did, &e->key.did, 8) >= 0)))
			return BAD("section DEC: entries not sorted at entry %u", i);
		if (e->val.rule >= c->n_rules)
			return BAD("section DEC: entry %u names rule %u but there are %u", i,
				   e->val.rule, c->n_rules);
		if (e->val.verdict >= POL_VERDICT_MAX)
			return BAD("section DEC: entry %u has verdict %u (0..%u)", i,
				   e->val.verdict, POL_VERDICT_MAX - 1);
		if (e->val.reserved)
			return BAD("section DEC: entry %u has nonzero reserved field 0x%x", i,
				   e->val.reserved);
		if (e->val.verdict != rules[e->val.rule].verdict ||
		    e->val.flags != rules[e->val.rule].flags)
			return BAD(
				"section DEC: entry %u disagrees with rule %u on verdict or flags",
				i, e->val.rule);
		if (e->key.prefixlen == POL_DEC_PREFIX_BASE)
			roots++;
	}
	/* Sorted strictly, in range and with port 0, the /48s are distinct
	 * (did, sel) pairs: counting them proves every lookup finds one. */
	if (roots != need)
		return BAD(
			"section DEC: %u decisions x %u selectors need %llu /48 entries, found %llu",
			c->n_dids, POL_SEL_MAX, (unsigned long long)need,
			(unsigned long long)roots);
	return 0;
}

static int check_rules(const struct pol_rule_rec *r, uint32_t count, const struct pol_consts *c,
		       uint32_t strings_size, char *err, size_t errlen)
{
	uint32_t i;

	if (count != c->n_rules)
		return BAD("section RULES: %u rules but CONSTS says n_rules %u", count, c->n_rules);
	for (i = 0; i < count; i++) {
		if (r[i].file >= strings_size)
			return BAD(
				"section RULES: rule %u file offset %u is outside the string table (%u bytes)",
				i, r[i].file, strings_size);
		if (r[i].text >= strings_size)
			return BAD(
				"section RULES: rule %u text offset %u is outside the string table (%u bytes)",
				i, r[i].text, strings_size);
		if (r[i].verdict >= POL_VERDICT_MAX)
			return BAD("section RULES: rule %u has verdict %u (0..%u)", i, r[i].verdict,
				   POL_VERDICT_MAX - 1);
		if (r[i].flags & ~POL_RF_LOG)
			return BAD("section RULES: rule %u has unknown flags 0x%x", i, r[i].flags);
		if (r[i].reserved)
			return BAD("section RULES: rule %u has nonzero reserved field 0x%x", i,
				   r[i].reserved);
	}
	if (r[0].verdict != c->default_verdict || r[0].flags)
		return BAD("section RULES: rule 0 does not match the default verdict %u",
			   c->default_verdict);
	return 0;
}

/* One Unix or socket verdict: a rule's own (never the default, which
 * decides IP destinations only), or unmatched and allowed. */
static int check_verdict(const char *name, uint32_t i, const struct pol_dec_val *v,
			 const struct pol_tables *t, char *err, size_t errlen)
{
	if (v->reserved)
		return BAD("section %s: entry %u has nonzero reserved field 0x%x", name, i,
			   v->reserved);
	if (v->rule == POL_RULE_UNMATCHED) {
		if (v->verdict != POL_ALLOW || v->flags)
			return BAD("section %s: entry %u is unmatched but not plainly allowed",
				   name, i);
		return 0;
	}
	if (v->rule == 0 || v->rule >= t->n_rules)
		return BAD("section %s: entry %u names rule %u (1..%u, or unmatched)", name, i,
			   v->rule, t->n_rules - 1);
	if (v->verdict != t->rules[v->rule].verdict || v->flags != t->rules[v->rule].flags)
		return BAD("section %s: entry %u disagrees with rule %u on verdict or flags", name,
			   i, v->rule);
	return 0;
}

/* Verdicts in pairs (host, container), as UNIX_ACC and SOCK hold them:
 * without USES_SCOPE the runtime judges every socket as the host's, so a
 * pair must then agree. */
static int check_verdicts(const char *name, const struct pol_dec_val *v, uint32_t n,
			  const struct pol_tables *t, char *err, size_t errlen)
{
	uint32_t i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = check_verdict(name, i, &v[i], t, err, errlen);
		if (ret)
			return ret;
		if (i % POL_SCOPE_MAX == POL_SCOPE_MAX - 1 &&
		    !(t->consts.flags & POL_CF_USES_SCOPE) && v[i].rule != v[i - 1].rule)
			return BAD("section CONSTS: flag USES_SCOPE is clear but %s entries %u and "
				   "%u decide apart by netns (rule %u host, rule %u container)",
				   name, i - 1, i, v[i - 1].rule, v[i].rule);
	}
	return 0;
}

/* The Unix DFA: sizes agree, every class and state is in range, and the
 * flag says whether the hooks judge Unix addresses at all. */
static int check_unix(const struct pol_tables *t, char *err, size_t errlen)
{
	const struct pol_unix_consts *u = &t->unix_consts;
	uint64_t need = u->n_states ? POL_UNIX_BYTES + (uint64_t)u->n_states * u->n_classes : 0;
	uint32_t i;

	if (u->reserved[0] || u->reserved[1])
		return BAD("section UNIX: nonzero reserved field");
	if (!!u->n_states != !!(t->consts.flags & POL_CF_USES_UNIX))
		return BAD("section CONSTS: flag USES_UNIX is %s but UNIX has %u states",
			   u->n_states ? "clear" : "set", u->n_states);
	if (u->n_states ? !u->n_classes || u->n_classes > POL_UNIX_BYTES : u->n_classes != 0)
		return BAD("section UNIX: %u byte classes for %u states", u->n_classes,
			   u->n_states);
	if (t->n_unix_dfa != need)
		return BAD("section UNIX_DFA: %u entries, %u states x %u classes need %llu",
			   t->n_unix_dfa, u->n_states, u->n_classes, (unsigned long long)need);
	if ((uint64_t)t->n_unix_acc != (uint64_t)u->n_states * POL_SCOPE_MAX)
		return BAD("section UNIX_ACC: %u entries, %u states need %llu", t->n_unix_acc,
			   u->n_states, (unsigned long long)u->n_states * POL_SCOPE_MAX);
	for (i = 0; i < t->n_unix_dfa; i++) {
		uint32_t limit = i < POL_UNIX_BYTES ? u->n_classes : u->n_states;

		if (t->unix_dfa[i] >= limit)
			return BAD("section UNIX_DFA: entry %u is %u, past the last %s (%u)", i,
				   t->unix_dfa[i], i < POL_UNIX_BYTES ? "class" : "state",
				   limit - 1);
	}
	return check_verdicts("UNIX_ACC", t->unix_acc, t->n_unix_acc, t, err, errlen);
}

static int check_sock(const struct pol_tables *t, char *err, size_t errlen)
{
	bool used = false;
	uint32_t i;

	for (i = 0; i < POL_SOCK_ENTRIES; i++)
		used |= t->sock[i].rule != POL_RULE_UNMATCHED;
	if (used != !!(t->consts.flags & POL_CF_USES_SOCK))
		return BAD("section CONSTS: flag USES_SOCK is %s but %s SOCK entry names a rule",
			   used ? "clear" : "set", used ? "a" : "no");
	return check_verdicts("SOCK", t->sock, POL_SOCK_ENTRIES, t, err, errlen);
}

static int check_consts(const struct pol_consts *c, uint32_t version, char *err, size_t errlen)
{
	if (c->default_verdict >= POL_VERDICT_MAX)
		return BAD("section CONSTS: default verdict %u is out of range (0..%u)",
			   c->default_verdict, POL_VERDICT_MAX - 1);
	if (c->flags &
	    ~(uint32_t)(POL_CF_USES_HOST | POL_CF_USES_SCOPE | POL_CF_USES_LOG | POL_CF_BACKSTOP |
			POL_CF_USES_UNIX | POL_CF_USES_SOCK | POL_CF_LOG_DENIALS | POL_CF_AUDIT))
		return BAD("section CONSTS: unknown flags 0x%x", c->flags);
	if (!c->n_rules)
		return BAD("section CONSTS: n_rules is 0, the default rule is missing");
	/* From version 3, a policy decided by direct decisions alone has
	 * none. */
	if (!c->n_dids && version < 3)
		return BAD("section CONSTS: n_dids is 0");
	return 0;
}

/* The verdict the DEC table gives (did, sel, port), or NULL. */
static const struct pol_dec_val *dec_at(const struct pol_tables *t, uint32_t did, unsigned int sel,
					uint32_t port)
{
	struct pol_dec_key k = { .prefixlen = POL_DEC_PREFIX_MAX, .did = did, .sel = (uint8_t)sel };
	uint16_t p = htons((uint16_t)port);

	memcpy(&k.port, &p, sizeof(p));
	return pol_tables_lookup_dec(t, &k);
}

/*
 * What the flags promise the runtime, checked against the tables they
 * describe (t indexed).  The compiler (decide.c) sets
 *   USES_HOST  when some rule names `host`, whether or not that changes a
 *              decision: so tables with host_did != did somewhere need it,
 *              while a set flag without them only has the runtime fill a
 *              host set no lookup depends on;
 *   USES_SCOPE when some rule has a netns scope, likewise: without it the
 *              runtime judges every socket with the host selector, so both
 *              scopes must then decide alike at every did, protocol and
 *              port;
 *   USES_LOG   exactly when some rule has the log mark: RULES shows it;
 *   BACKSTOP   from `backstop on;`, which no table records; nor do
 *   LOG_DENIALS (`log denials;`) and AUDIT (`mode audit;`).
 */
static int check_flags(const struct pol_tables *t, char *err, size_t errlen)
{
	uint32_t f = t->consts.flags, i;
	bool log = false;

	for (i = 0; i < t->n_rules; i++)
		log |= !!(t->rules[i].flags & POL_RF_LOG);
	if (log != !!(f & POL_CF_USES_LOG))
		return BAD("section CONSTS: flag USES_LOG is %s but %s rule has the log mark",
			   log ? "clear" : "set", log ? "a" : "no");
	if (!(f & POL_CF_USES_HOST)) {
		for (i = 0; i < t->n_lpm4; i++)
			if (t->lpm4[i].val.did != t->lpm4[i].val.host_did)
				return BAD(
					"section CONSTS: flag USES_HOST is clear but LPM4 entry %u "
					"decides host addresses apart (did 0x%x, host_did 0x%x)",
					i, t->lpm4[i].val.did, t->lpm4[i].val.host_did);
		for (i = 0; i < t->n_lpm6; i++)
			if (t->lpm6[i].val.did != t->lpm6[i].val.host_did)
				return BAD(
					"section CONSTS: flag USES_HOST is clear but LPM6 entry %u "
					"decides host addresses apart (did 0x%x, host_did 0x%x)",
					i, t->lpm6[i].val.did, t->lpm6[i].val.host_did);
	}
	if (f & POL_CF_USES_SCOPE)
		return 0;
	/* Both selectors' port functions are constant between their entries'
	 * block edges: agreeing at every edge of either, they agree. */
	for (i = 0; i < t->n_dec; i++) {
		const struct pol_dec_entry *e = &t->dec[i];
		unsigned int proto = e->key.sel / POL_SCOPE_MAX, k;
		uint32_t lo = ntohs(e->key.port);
		uint32_t edge[2] = { lo, lo + (1u << (POL_DEC_PREFIX_MAX - e->key.prefixlen)) };

		for (k = 0; k < 2 && edge[k] < 65536; k++) {
			const struct pol_dec_val *h, *c;

			h = dec_at(t, e->key.did, POL_SEL(proto, POL_SCOPE_HOST), edge[k]);
			c = dec_at(t, e->key.did, POL_SEL(proto, POL_SCOPE_CONTAINER), edge[k]);
			if (h && c && h->rule == c->rule)
				continue;
			return BAD("section CONSTS: flag USES_SCOPE is clear but DEC entry %u: "
				   "decision %u decides port %u apart by netns (rule %u host, "
				   "rule %u container)",
				   i, e->key.did, edge[k], h ? h->rule : 0, c ? c->rule : 0);
		}
	}
	return 0;
}

/* Header, checksum, content hash and section table; fills sec[] by type. */
static int check_layout(const uint8_t *b, size_t len, struct pol_file_header *h,
			struct pol_section *sec, char *err, size_t errlen)
{
	struct pol_section tab[MAX_SECTIONS];
	uint8_t hash[POL_SHA256_LEN];
	uint64_t table_end, end;
	int order[N_SEC], i, j, n_sec;
	uint32_t crc;

	if (len < sizeof(*h))
		return BAD("truncated: file is %zu bytes, the header needs %zu", len, sizeof(*h));
	memcpy(h, b, sizeof(*h));
	if (memcmp(h->magic, POL_MAGIC, sizeof(h->magic)))
		return fail(err, errlen, -EPROTO, "not a policy.bin: bad magic");
	if (h->version < POL_FORMAT_VERSION_MIN || h->version > POL_FORMAT_VERSION)
		return fail(err, errlen, -ENOTSUP,
			    "unsupported format version %u (this build reads %u to %u)", h->version,
			    POL_FORMAT_VERSION_MIN, POL_FORMAT_VERSION);
	n_sec = h->version == 1 ? POL_SEC_MAX_V1 - 1 : N_SEC;
	if (h->file_size > len)
		return BAD("truncated: file is %zu bytes, the header says %llu", len,
			   (unsigned long long)h->file_size);
	if (h->file_size != len)
		return BAD("file_size mismatch: header says %llu, file is %zu bytes",
			   (unsigned long long)h->file_size, len);
	crc = pol_file_checksum(b, len);
	if (crc != h->checksum)
		return BAD("checksum mismatch: header says 0x%08x, content has 0x%08x", h->checksum,
			   crc);
	if (h->header_size != sizeof(*h))
		return BAD("header size %u, expected %zu", h->header_size, sizeof(*h));
	if (h->reserved)
		return BAD("header: nonzero reserved field 0x%x", h->reserved);
	pol_sha256(b + sizeof(*h), len - sizeof(*h), hash);
	if (memcmp(hash, h->content_hash, sizeof(hash)))
		return BAD(
			"content hash mismatch: the header's SHA-256 is not that of the content");
	if (!h->n_sections || h->n_sections > MAX_SECTIONS)
		return BAD("n_sections %u is out of range (1..%u)", h->n_sections, MAX_SECTIONS);
	table_end = sizeof(*h) + (uint64_t)h->n_sections * sizeof(*tab);
	if (table_end > len)
		return BAD("truncated: the section table needs %llu bytes, file is %zu",
			   (unsigned long long)table_end, len);
	memcpy(tab, b + sizeof(*h), h->n_sections * sizeof(*tab));

	memset(sec, 0, N_SEC * sizeof(*sec));
	for (i = 0; i < (int)h->n_sections; i++) {
		const struct pol_section *s = &tab[i];
		const char *name;

		if (!s->type || s->type > (uint32_t)n_sec)
			return BAD("section %d has unknown type %u (version %u has 1..%d)", i,
				   s->type, h->version, n_sec);
		name = sec_names[s->type];
		if (sec[s->type - 1].type)
			return BAD("duplicate section %s", name);
		if (s->reserved)
			return BAD("section %s: nonzero reserved field 0x%x", name, s->reserved);
		if (s->entry_size != sec_entry_size[s->type])
			return BAD("section %s: entry size %u, expected %u", name, s->entry_size,
				   sec_entry_size[s->type]);
		/* Both factors are 32-bit: the product cannot overflow 64. */
		if (s->size != (uint64_t)s->entry_size * s->count)
			return BAD("section %s: size %llu is not count %u x entry size %u", name,
				   (unsigned long long)s->size, s->count, s->entry_size);
		if (s->offset % 8)
			return BAD("section %s: offset %llu is not 8-byte aligned", name,
				   (unsigned long long)s->offset);
		if (s->offset > len || s->size > len - s->offset)
			return BAD(
				"section %s: offset %llu + size %llu runs past the end of the file (%zu bytes)",
				name, (unsigned long long)s->offset, (unsigned long long)s->size,
				len);
		if (s->offset < table_end)
			return BAD("section %s: offset %llu overlaps the header or section table",
				   name, (unsigned long long)s->offset);
		sec[s->type - 1] = *s;
	}
	for (i = 0; i < n_sec; i++) {
		if (!sec[i].type)
			return BAD("missing section %s", sec_names[i + 1]);
		order[i] = i;
	}
	/* Insertion sort by offset, then neighbours must not overlap. */
	for (i = 1; i < n_sec; i++)
		for (j = i; j > 0 && sec[order[j]].offset < sec[order[j - 1]].offset; j--) {
			int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (i = 1; i < n_sec; i++) {
		const struct pol_section *a = &sec[order[i - 1]], *c = &sec[order[i]];

		if (a->offset + a->size > c->offset)
			return BAD("section %s overlaps section %s", sec_names[a->type],
				   sec_names[c->type]);
	}
	/* The writer packs the sections in offset order, each at the next
	 * 8-byte boundary, and zero-fills the padding: bytes outside every
	 * section would be covered by the seals yet read by nobody, so a
	 * file carrying any is not one jailpolc wrote. */
	end = table_end;
	for (i = 0; i < n_sec; i++) {
		const struct pol_section *s = &sec[order[i]];

		if (s->offset != ALIGN8(end))
			return BAD("section %s: offset %llu, expected %llu (sections are packed, "
				   "8-byte aligned)",
				   sec_names[s->type], (unsigned long long)s->offset,
				   (unsigned long long)ALIGN8(end));
		if (!zero_bytes(b + end, s->offset - end))
			return BAD("section %s: nonzero padding before it", sec_names[s->type]);
		end = s->offset + s->size;
	}
	if (len != ALIGN8(end))
		return BAD("trailing bytes: file is %zu bytes, the last section %s ends at %llu",
			   len, sec_names[sec[order[n_sec - 1]].type], (unsigned long long)end);
	if (!zero_bytes(b + end, len - end))
		return BAD("nonzero padding after the last section %s",
			   sec_names[sec[order[n_sec - 1]].type]);
	return 0;
}

int pol_read_buf(const void *buf, size_t len, struct pol_tables *out, char *err, size_t errlen)
{
	struct pol_section sec[N_SEC], *s;
	struct pol_file_header h;
	struct pol_tables t;
	uint8_t *b = NULL;
	int ret;

	ret = check_layout(buf, len, &h, sec, err, errlen);
	if (ret)
		return ret;
	/* Our own copy: views stay valid and aligned (sections are 8-byte
	 * aligned from a malloc'ed base) whatever the caller does. */
	b = malloc(len);
	if (!b)
		return fail(err, errlen, -ENOMEM, "out of memory");
	memcpy(b, buf, len);
	memset(&t, 0, sizeof(t));

	s = &sec[POL_SEC_CONSTS - 1];
	if (s->count != 1) {
		ret = BAD("section CONSTS: count %u, expected 1", s->count);
		goto fail;
	}
	memcpy(&t.consts, b + s->offset, sizeof(t.consts));
	ret = check_consts(&t.consts, h.version, err, errlen);
	if (ret)
		goto fail;

	s = &sec[POL_SEC_STRINGS - 1];
	t.strings = (const char *)b + s->offset;
	t.strings_size = s->count;
	if (!t.strings_size || t.strings[0]) {
		ret = BAD("section STRINGS: does not start with the empty string");
		goto fail;
	}
	if (t.strings[t.strings_size - 1]) {
		ret = BAD("section STRINGS: not NUL-terminated");
		goto fail;
	}
	t.source_name = h.source_name;
	if (t.source_name >= t.strings_size) {
		ret = BAD("source_name offset %u is outside the string table (%u bytes)",
			  t.source_name, t.strings_size);
		goto fail;
	}

	s = &sec[POL_SEC_RULES - 1];
	t.rules = (const struct pol_rule_rec *)(void *)(b + s->offset);
	t.n_rules = s->count;
	ret = check_rules(t.rules, t.n_rules, &t.consts, t.strings_size, err, errlen);
	if (ret)
		goto fail;

	s = &sec[POL_SEC_LPM4 - 1];
	t.lpm4 = (const struct pol_lpm4_entry *)(void *)(b + s->offset);
	t.n_lpm4 = s->count;
	ret = check_lpm("LPM4", b + s->offset, sizeof(*t.lpm4), 4, t.n_lpm4, &t, h.version, err,
			errlen);
	if (ret)
		goto fail;

	s = &sec[POL_SEC_LPM6 - 1];
	t.lpm6 = (const struct pol_lpm6_entry *)(void *)(b + s->offset);
	t.n_lpm6 = s->count;
	ret = check_lpm("LPM6", b + s->offset, sizeof(*t.lpm6), 16, t.n_lpm6, &t, h.version, err,
			errlen);
	if (ret)
		goto fail;

	s = &sec[POL_SEC_DEC - 1];
	t.dec = (const struct pol_dec_entry *)(void *)(b + s->offset);
	t.n_dec = s->count;
	ret = check_dec(t.dec, t.n_dec, &t.consts, t.rules, err, errlen);
	if (ret)
		goto fail;

	ret = pol_tables_index(&t);
	if (ret) {
		ret = ret == -ENOMEM ? fail(err, errlen, ret, "out of memory")
				     : BAD("sections LPM4, LPM6: not a table of prefixes");
		goto fail;
	}
	ret = check_flags(&t, err, errlen);
	if (ret)
		goto fail;

	/* A version 1 file has no Unix or socket rules. */
	pol_tables_sock_unmatched(&t);
	if (h.version >= 2) {
		s = &sec[POL_SEC_UNIX - 1];
		if (s->count != 1) {
			ret = BAD("section UNIX: count %u, expected 1", s->count);
			goto fail;
		}
		memcpy(&t.unix_consts, b + s->offset, sizeof(t.unix_consts));
		s = &sec[POL_SEC_UNIX_DFA - 1];
		t.unix_dfa = (const uint32_t *)(void *)(b + s->offset);
		t.n_unix_dfa = s->count;
		s = &sec[POL_SEC_UNIX_ACC - 1];
		t.unix_acc = (const struct pol_dec_val *)(void *)(b + s->offset);
		t.n_unix_acc = s->count;
		s = &sec[POL_SEC_SOCK - 1];
		if (s->count != POL_SOCK_ENTRIES) {
			ret = BAD("section SOCK: count %u, expected %u", s->count,
				  POL_SOCK_ENTRIES);
			goto fail;
		}
		memcpy(t.sock, b + s->offset, sizeof(t.sock));
	}
	ret = check_unix(&t, err, errlen);
	if (!ret)
		ret = check_sock(&t, err, errlen);
	if (ret)
		goto fail;

	memcpy(t.content_hash, h.content_hash, sizeof(t.content_hash));
	t.owned[0] = b;
	t.image = b;
	t.image_size = len;
	*out = t;
	return 0;
fail:
	free(t.words);
	free(b);
	return ret;
}

int pol_read_file(const char *path, struct pol_tables *out, char *err, size_t errlen)
{
	char msg[256];
	uint8_t *buf = NULL;
	struct stat st;
	size_t len = 0;
	int fd, ret;

	/* pol_file_open(): open() of a FIFO with no writer would block. */
	fd = pol_file_open(path, &st);
	if (fd < 0)
		return fail(err, errlen, fd, "policy '%s': %s", path, strerror(-fd));
	if (!S_ISREG(st.st_mode)) {
		ret = fail(err, errlen, -EINVAL, "policy '%s': is %s, not a regular file", path,
			   pol_file_kind(st.st_mode));
		goto cleanup;
	}
	if (st.st_size > MAX_FILE_SIZE) {
		ret = fail(err, errlen, -EFBIG,
			   "policy '%s': file is %lld bytes, over the 1 GiB limit", path,
			   (long long)st.st_size);
		goto cleanup;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		ret = fail(err, errlen, -ENOMEM, "policy '%s': out of memory", path);
		goto cleanup;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = fail(err, errlen, -errno, "policy '%s': %s", path, strerror(errno));
			goto cleanup;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	ret = pol_read_buf(buf, len, out, msg, sizeof(msg));
	if (ret)
		fail(err, errlen, ret, "policy '%s': %s", path, msg);
cleanup:
	free(buf);
	close(fd);
	return ret;
}
