/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_policy_read.c - the policy.bin reader refuses every truncated,
 * foreign or corrupt file with a message naming the problem, and never
 * crashes on random damage.  Format 2's Unix and socket sections are
 * checked on a second policy that has such rules; a version 1 file (no
 * such sections) still reads, as a policy without them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "decide.h"
#include "emit.h"
#include "policy_read.h"
#include "rng.h"
#include "sha256.h"
#include "tables.h"
#include "unit.h"
#include "unix.h"

/* classify.h's types, without its lookups. */
#define POL_CLASSIFY_TYPES_ONLY
#include "../../bpf/templates/classify.h"

static struct test_rng rng = { 0x5eed };

static uint64_t rnd(void)
{
	return test_rng_next(&rng);
}

static void add_rule(struct pol_policy *p, uint8_t verdict, uint8_t flags, uint8_t proto,
		     uint8_t scope, bool any, bool host, const char *const *cidrs, uint16_t lo,
		     uint16_t hi)
{
	struct pol_rule *r = &p->rules[p->n_rules++];
	size_t n = 0;

	memset(r, 0, sizeof(*r));
	r->verdict = verdict;
	r->flags = flags;
	r->proto_mask = proto;
	r->scope_mask = scope;
	r->any_dest = any;
	r->host = host;
	if (lo) {
		r->ports = calloc(1, sizeof(*r->ports));
		REQUIRE(r->ports, "out of memory");
		r->ports[0] = (struct pol_port_range){ lo, hi };
		r->n_ports = 1;
	}
	while (cidrs && cidrs[n])
		n++;
	r->prefixes = calloc(n + 1, sizeof(*r->prefixes));
	REQUIRE(r->prefixes, "out of memory");
	for (n = 0; cidrs && cidrs[n]; n++) {
		struct pol_prefix *pf = &r->prefixes[n];
		char addr[64], *slash;

		snprintf(addr, sizeof(addr), "%s", cidrs[n]);
		slash = strchr(addr, '/');
		REQUIRE(slash, "cidr");
		*slash = 0;
		pf->len = (uint8_t)atoi(slash + 1);
		pf->family = strchr(addr, ':') ? 6 : 4;
		REQUIRE(inet_pton(pf->family == 4 ? AF_INET : AF_INET6, addr, pf->addr) == 1,
			"inet_pton %s", addr);
	}
	r->n_prefixes = pol_prefixes_normalise(r->prefixes, n);
	r->loc.file = "small.jp";
	r->loc.line = (int)p->n_rules + 1;
	r->loc.col = 1;
	r->text = strdup("rule text;");
}

static struct pol_policy *small_policy(void)
{
	static const char *const r1[] = { "10.0.0.0/8", "2001:db8::/32", NULL };
	static const char *const r2[] = { "10.1.0.0/16", "10.1.2.0/24", "192.168.0.0/16", NULL };
	static const char *const r5[] = { "0.0.0.0/1", NULL };
	struct pol_policy *p = calloc(1, sizeof(*p));

	REQUIRE(p, "out of memory");
	p->rules = calloc(8, sizeof(*p->rules));
	REQUIRE(p->rules, "out of memory");
	p->source_name = strdup("small.jp");
	p->default_verdict = POL_DENY;
	p->default_loc = (struct pol_loc){ .file = "small.jp", .line = 1, .col = 1 };
	p->default_text = strdup("default deny;");
	add_rule(p, POL_ALLOW, 0, 1, 3, false, false, r1, 443, 443);
	add_rule(p, POL_DENY, POL_RF_LOG, 7, 3, false, false, r2, 0, 0);
	add_rule(p, POL_ALLOW, 0, 7, 3, false, true, NULL, 0, 0);
	add_rule(p, POL_DENY, 0, 2, 3, true, false, NULL, 53, 53);
	add_rule(p, POL_ALLOW, 0, 2, 2, false, false, r5, 1000, 2000);
	return p;
}

/* Recompute the checksum (zlib's CRC-32 with the field zero), computed
 * here rather than by lib/checksum.c, which is under test. */
static void reseal_checksum(uint8_t *b, size_t len)
{
	struct pol_file_header h;

	memcpy(&h, b, sizeof(h));
	h.checksum = 0;
	memcpy(b, &h, sizeof(h));
	h.checksum = (uint32_t)crc32(0, b, (uInt)len);
	memcpy(b, &h, sizeof(h));
}

/* Recompute the content hash and the checksum after a deliberate edit. */
static void reseal(uint8_t *b, size_t len)
{
	struct pol_file_header h;

	memcpy(&h, b, sizeof(h));
	pol_sha256(b + sizeof(h), len - sizeof(h), h.content_hash);
	memcpy(b, &h, sizeof(h));
	reseal_checksum(b, len);
}

static struct pol_section *section(uint8_t *b, uint32_t type)
{
	struct pol_section *s = (struct pol_section *)(void *)(b + sizeof(struct pol_file_header));
	uint32_t i, n = ((struct pol_file_header *)(void *)b)->n_sections;

	for (i = 0; i < n && i < POL_SEC_MAX - 1; i++)
		if (s[i].type == type)
			return &s[i];
	REQUIRE(0, "no section %u", type);
	return NULL;
}

static void *entry(uint8_t *b, uint32_t type, uint32_t i)
{
	struct pol_section *s = section(b, type);

	REQUIRE(i < s->count, "section %u has no entry %u", type, i);
	return b + s->offset + (size_t)i * s->entry_size;
}

static struct pol_file_header *header(uint8_t *b)
{
	return (struct pol_file_header *)(void *)b;
}

#define ALIGN8(x) (((x) + 7) & ~(uint64_t)7)

static const uint8_t *good;
static size_t good_len;

static void expect(const char *name, uint8_t *b, size_t len, int want_ret, const char *want)
{
	struct pol_tables t;
	char err[256] = "";
	int ret = pol_read_buf(b, len, &t, err, sizeof(err));

	CHECK(ret == want_ret, "%s: returned %d, expected %d (%s)", name, ret, want_ret, err);
	CHECK(strstr(err, want) != NULL, "%s: message '%s' lacks '%s'", name, err, want);
	if (!ret)
		pol_tables_free(&t);
}

/* A fresh copy of the good file, edited by the caller then resealed. */
static uint8_t *fresh(void)
{
	uint8_t *b = malloc(good_len);

	REQUIRE(b, "out of memory");
	memcpy(b, good, good_len);
	return b;
}

/* A fresh copy, edit (a statement on b), seal (a statement on b too:
 * reseal, or what the case keeps of the seals), then the reader must
 * return want_ret with a message holding want. */
#define EDITED(name, edit, seal, want_ret, want)           \
	do {                                               \
		uint8_t *b = fresh();                      \
		edit;                                      \
		seal;                                      \
		expect(name, b, good_len, want_ret, want); \
		free(b);                                   \
	} while (0)

/* A structural corruption with both seals redone. */
#define CORRUPT(name, edit, want) EDITED(name, edit, reseal(b, good_len), -EBADMSG, want)

static void structural(void)
{
	char buf[128];
	struct pol_section *s4;

	CORRUPT("lpm4 prefixlen",
		((struct pol_lpm4_entry *)entry(b, POL_SEC_LPM4, 1))->key.prefixlen = 33,
		"section LPM4: entry 1 has prefix length 33 (0..32)");
	CORRUPT("dec prefixlen",
		((struct pol_dec_entry *)entry(b, POL_SEC_DEC, 5))->key.prefixlen = 70,
		"section DEC: entry 5 has prefix length 70 (48..64)");
	CORRUPT(
		"lpm4 order",
		{
			struct pol_lpm4_entry *e1 = entry(b, POL_SEC_LPM4, 1);
			struct pol_lpm4_entry *e3 = entry(b, POL_SEC_LPM4, 3);
			struct pol_lpm4_entry tmp = *e1;

			*e1 = *e3;
			*e3 = tmp;
		},
		"section LPM4: entries not sorted at entry 2");
	CORRUPT("lpm6 did", ((struct pol_lpm6_entry *)entry(b, POL_SEC_LPM6, 1))->val.did = 9,
		"section LPM6: entry 1 names decision 9 but there are");
	CORRUPT("lpm4 host_did",
		((struct pol_lpm4_entry *)entry(b, POL_SEC_LPM4, 0))->val.host_did = 77,
		"section LPM4: entry 0 names decision 77");
	CORRUPT("rule text", ((struct pol_rule_rec *)entry(b, POL_SEC_RULES, 3))->text = 999,
		"section RULES: rule 3 text offset 999 is outside the string table");
	CORRUPT("rule file", ((struct pol_rule_rec *)entry(b, POL_SEC_RULES, 1))->file = 5000,
		"section RULES: rule 1 file offset 5000 is outside");
	CORRUPT(
		"missing rules",
		{
			struct pol_section *t =
				(struct pol_section *)(void *)(b + sizeof(struct pol_file_header));
			struct pol_section tmp = t[4];

			t[4] = t[5];
			t[5] = tmp;
			header(b)->n_sections = 5;
		},
		"missing section RULES");
	CORRUPT("duplicate", section(b, POL_SEC_LPM6)->type = POL_SEC_LPM4,
		"duplicate section LPM4");
	CORRUPT(
		"overlap", { section(b, POL_SEC_DEC)->offset = section(b, POL_SEC_LPM4)->offset; },
		"overlaps section");
	snprintf(buf, sizeof(buf), "runs past the end of the file (%zu bytes)", good_len);
	CORRUPT("past end", section(b, POL_SEC_LPM4)->offset = good_len - 8, buf);
	CORRUPT("past end 2", section(b, POL_SEC_STRINGS)->offset = 4096 * 4096,
		"section STRINGS: offset 16777216 + size");
	CORRUPT("entry size", section(b, POL_SEC_LPM4)->entry_size = 20,
		"section LPM4: entry size 20, expected 16");
	CORRUPT("count overflow", section(b, POL_SEC_DEC)->count = 0xffffffffu,
		"section DEC: size");
	CORRUPT("size", section(b, POL_SEC_RULES)->size += 20, "is not count");
	CORRUPT("unaligned", section(b, POL_SEC_DEC)->offset += 4, "not 8-byte aligned");
	CORRUPT("unknown type", section(b, POL_SEC_DEC)->type = 42, "unknown type 42");
	CORRUPT("n_sections", header(b)->n_sections = 1000, "n_sections 1000 is out of range");
	CORRUPT("header size", header(b)->header_size = 64, "header size 64");
	CORRUPT("rule verdict", ((struct pol_rule_rec *)entry(b, POL_SEC_RULES, 2))->verdict = 5,
		"section RULES: rule 2 has verdict 5");
	CORRUPT("rule flags", ((struct pol_rule_rec *)entry(b, POL_SEC_RULES, 2))->flags = 0x80,
		"section RULES: rule 2 has unknown flags 0x80");
	CORRUPT("dec verdict", ((struct pol_dec_entry *)entry(b, POL_SEC_DEC, 0))->val.verdict = 7,
		"section DEC: entry 0 has verdict 7");
	CORRUPT("dec rule", ((struct pol_dec_entry *)entry(b, POL_SEC_DEC, 2))->val.rule = 1000,
		"section DEC: entry 2 names rule 1000 but there are 6");
	CORRUPT("dec did", ((struct pol_dec_entry *)entry(b, POL_SEC_DEC, 0))->key.did = 1000,
		"section DEC: entry 0 names decision 1000");
	CORRUPT("dec zero", ((struct pol_dec_entry *)entry(b, POL_SEC_DEC, 3))->key.zero = 1,
		"section DEC: entry 3 has a nonzero zero byte");
	CORRUPT("dec selector", ((struct pol_dec_entry *)entry(b, POL_SEC_DEC, 3))->key.sel = 6,
		"section DEC: entry 3 has selector 6");
	CORRUPT("dec port bits",
		((struct pol_dec_entry *)entry(b, POL_SEC_DEC, 0))->key.port = htons(1),
		"section DEC: entry 0 has port bits set past /48");
	CORRUPT(
		"dec disagrees",
		{
			struct pol_dec_entry *e = entry(b, POL_SEC_DEC, 0);

			e->val.verdict ^= 1;
		},
		"disagrees with rule");
	CORRUPT(
		"lpm4 host bits",
		{
			struct pol_lpm4_entry *e = entry(b, POL_SEC_LPM4, 2);

			e->key.addr[3] |= 1;
		},
		"section LPM4: entry 2 has host bits set");
	CORRUPT("no root", ((struct pol_lpm6_entry *)entry(b, POL_SEC_LPM6, 0))->key.prefixlen = 1,
		"section LPM6: no /0 root entry");
	CORRUPT("no entries", section(b, POL_SEC_LPM6)->count = 0, "section LPM6: size");
	CORRUPT(
		"strings nul",
		{
			s4 = section(b, POL_SEC_STRINGS);
			b[s4->offset + s4->size - 1] = 'x';
		},
		"section STRINGS: not NUL-terminated");
	CORRUPT(
		"strings empty",
		{
			s4 = section(b, POL_SEC_STRINGS);
			b[s4->offset] = 'x';
		},
		"section STRINGS: does not start with the empty string");
	CORRUPT("source name", header(b)->source_name = 99999,
		"source_name offset 99999 is outside the string table");
	CORRUPT("n_rules", ((struct pol_consts *)entry(b, POL_SEC_CONSTS, 0))->n_rules += 1,
		"section RULES: 6 rules but CONSTS says n_rules 7");
	CORRUPT("n_dids", ((struct pol_consts *)entry(b, POL_SEC_CONSTS, 0))->n_dids += 1,
		"/48 entries, found");
	CORRUPT("default verdict",
		((struct pol_consts *)entry(b, POL_SEC_CONSTS, 0))->default_verdict = 3,
		"section CONSTS: default verdict 3 is out of range");
	CORRUPT("consts count", section(b, POL_SEC_CONSTS)->count = 2, "section CONSTS: size");

	/* The CRC alone recomputed: the content hash must catch it. */
	EDITED("hash", b[good_len - 1] ^= 0x55, reseal_checksum(b, good_len), -EBADMSG,
	       "content hash mismatch");
	EDITED("file_size", header(b)->file_size -= 8, (void)0, -EBADMSG, "file_size mismatch");
}

/* The first LPM4 entry, in an LPM4 table, whose did and host_did differ. */
static struct pol_lpm4_entry *host_entry(uint8_t *b)
{
	uint32_t i;

	for (i = 0; i < section(b, POL_SEC_LPM4)->count; i++) {
		struct pol_lpm4_entry *e = entry(b, POL_SEC_LPM4, i);

		if (e->val.did != e->val.host_did)
			return e;
	}
	REQUIRE(0, "small policy has no host-dependent entry");
	return NULL;
}

/* Set every host_did to its did: a file with no use of the host set. */
static void drop_host(uint8_t *b)
{
	uint32_t i;

	for (i = 0; i < section(b, POL_SEC_LPM4)->count; i++) {
		struct pol_lpm4_entry *e = entry(b, POL_SEC_LPM4, i);

		e->val.host_did = e->val.did;
	}
	for (i = 0; i < section(b, POL_SEC_LPM6)->count; i++) {
		struct pol_lpm6_entry *e = entry(b, POL_SEC_LPM6, i);

		e->val.host_did = e->val.did;
	}
}

static struct pol_consts *consts(uint8_t *b)
{
	return entry(b, POL_SEC_CONSTS, 0);
}

/* The first DEC entry whose decision at its own port differs between the
 * host and container selectors. */
static uint32_t scoped_entry(void)
{
	struct pol_tables t;
	char err[256];
	uint32_t i, found = UINT32_MAX;

	REQUIRE(!pol_read_buf(good, good_len, &t, err, sizeof(err)), "read: %s", err);
	for (i = 0; i < t.n_dec && found == UINT32_MAX; i++) {
		struct pol_dec_key k = t.dec[i].key;
		const struct pol_dec_val *h, *c;

		k.prefixlen = POL_DEC_PREFIX_MAX;
		k.sel = (uint8_t)POL_SEL(k.sel / POL_SCOPE_MAX, POL_SCOPE_HOST);
		h = pol_tables_lookup_dec(&t, &k);
		k.sel = (uint8_t)POL_SEL(k.sel / POL_SCOPE_MAX, POL_SCOPE_CONTAINER);
		c = pol_tables_lookup_dec(&t, &k);
		if (h && c && h->rule != c->rule)
			found = i;
	}
	pol_tables_free(&t);
	REQUIRE(found != UINT32_MAX, "small policy has no scope-dependent entry");
	return found;
}

/* Swap the RULES and STRINGS contents (RULES, 8-byte sized, comes after
 * STRINGS now, and ends where STRINGS' padding did) and put pad in the
 * padding after STRINGS. */
static void strings_first(uint8_t *b, uint8_t pad)
{
	struct pol_section *r = section(b, POL_SEC_RULES), *st = section(b, POL_SEC_STRINGS);
	uint64_t at = r->offset, pad_at = at + st->size;
	uint8_t *tmp = malloc(good_len);

	REQUIRE(tmp && st->offset > r->offset && r->size % 8 == 0 && st->size % 8,
		"layout of the small policy");
	memcpy(tmp, good + r->offset, r->size);
	memmove(b + at, good + st->offset, st->size);
	st->offset = at;
	r->offset = (pad_at + 7) & ~(uint64_t)7;
	memset(b + pad_at, pad, r->offset - pad_at);
	memcpy(b + r->offset, tmp, r->size);
	REQUIRE(r->offset + r->size == ALIGN8(at + r->size + st->size), "RULES ends on the grid");
	free(tmp);
}

/* Invariants of the tables beyond their structure: flags that agree with
 * what the tables need, reserved fields, packing. */
static void semantic(void)
{
	char want[160];
	uint32_t di = scoped_entry();
	struct pol_section *last;

	/* Issue 12: host addresses decided apart, but the runtime told it
	 * need not fill the host set. */
	CORRUPT(
		"uses_host clear",
		{
			struct pol_lpm4_entry *e = host_entry(b);

			consts(b)->flags &= ~(uint32_t)POL_CF_USES_HOST;
			snprintf(want, sizeof(want),
				 "section CONSTS: flag USES_HOST is clear but LPM4 entry %u "
				 "decides host addresses apart (did 0x%x, host_did 0x%x)",
				 (uint32_t)(e - (struct pol_lpm4_entry *)entry(b, POL_SEC_LPM4, 0)),
				 e->val.did, e->val.host_did);
		},
		want);
	CORRUPT(
		"uses_host clear lpm6",
		{
			struct pol_lpm6_entry *e = entry(b, POL_SEC_LPM6, 0);
			uint32_t i;

			for (i = 0; i < section(b, POL_SEC_LPM4)->count; i++) {
				struct pol_lpm4_entry *e4 = entry(b, POL_SEC_LPM4, i);

				e4->val.host_did = e4->val.did;
			}
			consts(b)->flags &= ~(uint32_t)POL_CF_USES_HOST;
			REQUIRE(e->val.did != e->val.host_did, "lpm6 root is not host-dependent");
		},
		"section CONSTS: flag USES_HOST is clear but LPM6 entry 0 decides host addresses apart");
	/* One direction only: the compiler sets USES_HOST for any rule naming
	 * `host`, even when no decision depends on it. */
	EDITED("uses_host without host dids", drop_host(b), reseal(b, good_len), 0, "");
	EDITED(
		"no host at all",
		{
			drop_host(b);
			consts(b)->flags &= ~(uint32_t)POL_CF_USES_HOST;
		},
		reseal(b, good_len), 0, "");

	/* The runtime skips the netns test without USES_SCOPE: both scopes
	 * must decide alike then. */
	snprintf(want, sizeof(want), "section CONSTS: flag USES_SCOPE is clear but DEC entry");
	CORRUPT("uses_scope clear", consts(b)->flags &= ~(uint32_t)POL_CF_USES_SCOPE, want);
	CORRUPT(
		"uses_scope clear names the port",
		{
			struct pol_dec_entry *e = entry(b, POL_SEC_DEC, di);

			consts(b)->flags &= ~(uint32_t)POL_CF_USES_SCOPE;
			snprintf(want, sizeof(want), "decision %u decides port ", e->key.did);
		},
		want);

	CORRUPT("uses_log clear", consts(b)->flags &= ~(uint32_t)POL_CF_USES_LOG,
		"section CONSTS: flag USES_LOG is clear but a rule has the log mark");
	CORRUPT(
		"uses_log without log",
		{
			uint32_t i;

			for (i = 0; i < section(b, POL_SEC_RULES)->count; i++)
				((struct pol_rule_rec *)entry(b, POL_SEC_RULES, i))->flags = 0;
			for (i = 0; i < section(b, POL_SEC_DEC)->count; i++)
				((struct pol_dec_entry *)entry(b, POL_SEC_DEC, i))->val.flags = 0;
			for (i = 0; i < section(b, POL_SEC_LPM4)->count; i++) {
				struct pol_lpm4_entry *e = entry(b, POL_SEC_LPM4, i);

				e->val.did &= ~(POL_DID_LOG * !!(e->val.did & POL_DID_DIRECT));
				e->val.host_did &=
					~(POL_DID_LOG * !!(e->val.host_did & POL_DID_DIRECT));
			}
			for (i = 0; i < section(b, POL_SEC_LPM6)->count; i++) {
				struct pol_lpm6_entry *e = entry(b, POL_SEC_LPM6, i);

				e->val.did &= ~(POL_DID_LOG * !!(e->val.did & POL_DID_DIRECT));
				e->val.host_did &=
					~(POL_DID_LOG * !!(e->val.host_did & POL_DID_DIRECT));
			}
		},
		"section CONSTS: flag USES_LOG is set but no rule has the log mark");
	CORRUPT("unknown consts flag", consts(b)->flags |= 0x100,
		"section CONSTS: unknown flags 0x107");
	EDITED("backstop", consts(b)->flags |= POL_CF_BACKSTOP, reseal(b, good_len), 0, "");
	EDITED("log denials", consts(b)->flags |= POL_CF_LOG_DENIALS, reseal(b, good_len), 0, "");
	EDITED("audit", consts(b)->flags |= POL_CF_AUDIT, reseal(b, good_len), 0, "");

	/* Reserved fields. */
	CORRUPT("header reserved", header(b)->reserved = 1, "header: nonzero reserved field 0x1");
	CORRUPT("section reserved", section(b, POL_SEC_LPM6)->reserved = 0x20,
		"section LPM6: nonzero reserved field 0x20");
	CORRUPT("dec reserved",
		((struct pol_dec_entry *)entry(b, POL_SEC_DEC, 4))->val.reserved = 3,
		"section DEC: entry 4 has nonzero reserved field 0x3");
	CORRUPT("rule reserved",
		((struct pol_rule_rec *)entry(b, POL_SEC_RULES, 2))->reserved = 0x100,
		"section RULES: rule 2 has nonzero reserved field 0x100");

	/* Packing: no gap, no stray byte in the padding, nothing after.
	 * Every section of the small policy but STRINGS ends on the 8-byte
	 * grid; STRINGS moved before RULES leaves padding between them.
	 * (The padding after the last section: a version 1 file, whose last
	 * section is STRINGS, in version1().) */
	EDITED("strings before rules", strings_first(b, 0), reseal(b, good_len), 0, "");
	CORRUPT("padding", strings_first(b, 0x55), "section RULES: nonzero padding before it");
	CORRUPT(
		"padding after strings",
		{
			last = section(b, POL_SEC_STRINGS);
			REQUIRE((last->offset + last->size) % 8, "strings end aligned");
			b[ALIGN8(last->offset + last->size) - 1] = 1;
		},
		"section UNIX: nonzero padding before it");
	{
		uint8_t *b = malloc(good_len + 8);

		REQUIRE(b, "out of memory");
		memcpy(b, good, good_len);
		memset(b + good_len, 0, 8);
		header(b)->file_size = good_len + 8;
		reseal(b, good_len + 8);
		snprintf(want, sizeof(want),
			 "trailing bytes: file is %zu bytes, the last section SOCK ends at %zu",
			 good_len + 8, good_len);
		expect("trailing bytes", b, good_len + 8, -EBADMSG, want);

		/* The same 8 bytes as a gap before SOCK, the last section. */
		last = section(b, POL_SEC_SOCK);
		memmove(b + last->offset + 8, b + last->offset, last->size);
		memset(b + last->offset, 0, 8);
		last->offset += 8;
		reseal(b, good_len + 8);
		snprintf(want, sizeof(want),
			 "section SOCK: offset %llu, expected %llu (sections are packed",
			 (unsigned long long)last->offset, (unsigned long long)last->offset - 8);
		expect("gap", b, good_len + 8, -EBADMSG, want);
		free(b);
	}
}

/* ---- format 2: the Unix and socket sections ----------------------------- */

static struct pol_rule *add_other(struct pol_policy *p, uint8_t domain, uint8_t verdict,
				  uint8_t flags, uint8_t scope)
{
	struct pol_rule *r = &p->rules[p->n_rules++];

	memset(r, 0, sizeof(*r));
	r->domain = domain;
	r->verdict = verdict;
	r->flags = flags;
	r->scope_mask = scope;
	r->loc = (struct pol_loc){ .file = "unix.jp", .line = (int)p->n_rules + 1, .col = 1 };
	r->text = strdup("rule text;");
	return r;
}

static void add_unix(struct pol_policy *p, uint8_t verdict, uint8_t flags, uint8_t scope,
		     uint8_t kinds, const char *pattern)
{
	struct pol_rule *r = add_other(p, POL_DOMAIN_UNIX, verdict, flags, scope);
	struct pol_diag d;

	r->unix_kinds = kinds;
	if (!pattern)
		return;
	r->patterns = calloc(1, sizeof(*r->patterns));
	REQUIRE(r->patterns, "out of memory");
	pol_diag_init(&d, stderr);
	REQUIRE(!pol_unix_pattern_parse(&d, pattern, &r->loc, 0, &r->patterns[0]), "pattern %s",
		pattern);
	pol_diag_free(&d);
	r->n_patterns = 1;
}

/* IP, Unix and socket rules:
 *   1 allow 10.0.0.0/8;
 *   2 deny unix abstract netns host log;
 *   3 allow unix "/run/ * /x";
 *   4 deny unix path "/var/run/docker.sock";
 *   5 deny socket raw netns host;
 *   6 allow socket ping log;
 * raw sockets in a container netns are unmatched. */
static struct pol_policy *unix_policy(void)
{
	static const char *const r1[] = { "10.0.0.0/8", NULL };
	struct pol_policy *p = calloc(1, sizeof(*p));

	REQUIRE(p, "out of memory");
	p->rules = calloc(8, sizeof(*p->rules));
	REQUIRE(p->rules, "out of memory");
	p->source_name = strdup("unix.jp");
	p->default_verdict = POL_DENY;
	p->default_loc = (struct pol_loc){ .file = "unix.jp", .line = 1, .col = 1 };
	p->default_text = strdup("default deny;");
	add_rule(p, POL_ALLOW, 0, 7, 3, false, false, r1, 0, 0);
	add_unix(p, POL_DENY, POL_RF_LOG, 1u << POL_SCOPE_HOST, POL_UNIX_ABSTRACT, NULL);
	add_unix(p, POL_ALLOW, 0, 3, POL_UNIX_ABSTRACT | POL_UNIX_PATH, "/run/*/x");
	add_unix(p, POL_DENY, 0, 3, POL_UNIX_PATH, "/var/run/docker.sock");
	add_other(p, POL_DOMAIN_SOCK, POL_DENY, 0, 1u << POL_SCOPE_HOST)->sock_kinds =
		1u << POL_SOCK_RAW;
	add_other(p, POL_DOMAIN_SOCK, POL_ALLOW, POL_RF_LOG, 3)->sock_kinds = 1u << POL_SOCK_PING;
	return p;
}

static const uint8_t *ugood;
static size_t ugood_len;

/* As EDITED and CORRUPT, on the Unix policy. */
#define UEDITED(name, edit, seal, want_ret, want)           \
	do {                                                \
		uint8_t *b = malloc(ugood_len);             \
		REQUIRE(b, "out of memory");                \
		memcpy(b, ugood, ugood_len);                \
		edit;                                       \
		seal;                                       \
		expect(name, b, ugood_len, want_ret, want); \
		free(b);                                    \
	} while (0)
#define UCORRUPT(name, edit, want) UEDITED(name, edit, reseal(b, ugood_len), -EBADMSG, want)

static struct pol_unix_consts *unix_consts(uint8_t *b)
{
	return entry(b, POL_SEC_UNIX, 0);
}

static uint32_t *dfa(uint8_t *b, uint32_t i)
{
	return entry(b, POL_SEC_UNIX_DFA, i);
}

static struct pol_dec_val *acc(uint8_t *b, uint32_t i)
{
	return entry(b, POL_SEC_UNIX_ACC, i);
}

static struct pol_dec_val *sock(uint8_t *b, uint32_t i)
{
	return entry(b, POL_SEC_SOCK, i);
}

/* The first UNIX_ACC entry whose rule is r, or UINT32_MAX. */
static uint32_t acc_with_rule(uint8_t *b, uint32_t r)
{
	uint32_t i;

	for (i = 0; i < section(b, POL_SEC_UNIX_ACC)->count; i++)
		if (acc(b, i)->rule == r)
			return i;
	REQUIRE(0, "no UNIX_ACC entry names rule %u", r);
	return UINT32_MAX;
}

/* A copy of ugood with the last 8 bytes of section type cut out and every
 * later section moved down, resealed; the caller frees it. */
static uint8_t *cut8(uint32_t type, size_t *len)
{
	uint8_t *b = malloc(ugood_len);
	struct pol_section *s, *t;
	uint64_t at;
	uint32_t i;

	REQUIRE(b, "out of memory");
	memcpy(b, ugood, ugood_len);
	s = section(b, type);
	REQUIRE(s->size >= 8, "section %u too small to cut", type);
	at = s->offset + s->size - 8;
	memmove(b + at, b + at + 8, ugood_len - at - 8);
	*len = ugood_len - 8;
	t = (struct pol_section *)(void *)(b + sizeof(struct pol_file_header));
	for (i = 0; i < header(b)->n_sections; i++)
		if (t[i].offset > s->offset)
			t[i].offset -= 8;
	s->count -= 8 / s->entry_size;
	s->size -= 8;
	header(b)->file_size = *len;
	reseal(b, *len);
	return b;
}

static void unix_sections(void)
{
	char want[200];
	uint32_t n_states, n_classes, i;
	size_t len;
	uint8_t *c;

	{
		uint8_t *b = malloc(ugood_len);

		REQUIRE(b, "out of memory");
		memcpy(b, ugood, ugood_len);
		n_states = unix_consts(b)->n_states;
		n_classes = unix_consts(b)->n_classes;
		free(b);
	}
	REQUIRE(n_states > 2 && n_classes > 2, "unix policy: %u states %u classes", n_states,
		n_classes);

	/* The flags say which hooks judge at all: they must agree with the
	 * tables. */
	snprintf(want, sizeof(want),
		 "section CONSTS: flag USES_UNIX is clear but UNIX has %u states", n_states);
	UCORRUPT("uses_unix clear", consts(b)->flags &= ~(uint32_t)POL_CF_USES_UNIX, want);
	CORRUPT("uses_unix set", consts(b)->flags |= POL_CF_USES_UNIX,
		"section CONSTS: flag USES_UNIX is set but UNIX has 0 states");
	UCORRUPT("uses_sock clear", consts(b)->flags &= ~(uint32_t)POL_CF_USES_SOCK,
		 "section CONSTS: flag USES_SOCK is clear but a SOCK entry names a rule");
	CORRUPT("uses_sock set", consts(b)->flags |= POL_CF_USES_SOCK,
		"section CONSTS: flag USES_SOCK is set but no SOCK entry names a rule");

	/* UNIX itself. */
	UCORRUPT("unix reserved", unix_consts(b)->reserved[1] = 1,
		 "section UNIX: nonzero reserved field");
	snprintf(want, sizeof(want), "section UNIX: 0 byte classes for %u states", n_states);
	UCORRUPT("unix no classes", unix_consts(b)->n_classes = 0, want);
	snprintf(want, sizeof(want), "section UNIX: 257 byte classes for %u states", n_states);
	UCORRUPT("unix too many classes", unix_consts(b)->n_classes = 257, want);
	snprintf(want, sizeof(want), "section UNIX_DFA: %u entries, %u states x %u classes need %u",
		 POL_UNIX_BYTES + n_states * n_classes, n_states + 1, n_classes,
		 POL_UNIX_BYTES + (n_states + 1) * n_classes);
	UCORRUPT("unix states", unix_consts(b)->n_states += 1, want);

	/* DFA entries: a class past n_classes, a state past n_states. */
	snprintf(want, sizeof(want), "section UNIX_DFA: entry 5 is %u, past the last class (%u)",
		 n_classes, n_classes - 1);
	UCORRUPT("dfa class", *dfa(b, 5) = n_classes, want);
	snprintf(want, sizeof(want), "section UNIX_DFA: entry %u is %u, past the last state (%u)",
		 POL_UNIX_BYTES + n_classes + 1, n_states, n_states - 1);
	UCORRUPT("dfa state", *dfa(b, POL_UNIX_BYTES + n_classes + 1) = n_states, want);
	UCORRUPT("dfa huge", *dfa(b, POL_UNIX_BYTES) = 0xffffffffu,
		 "section UNIX_DFA: entry 256 is 4294967295, past the last state");

	/* Counts that disagree with UNIX, the layout otherwise sound. */
	c = cut8(POL_SEC_UNIX_ACC, &len);
	snprintf(want, sizeof(want), "section UNIX_ACC: %u entries, %u states need %u",
		 n_states * POL_SCOPE_MAX - 1, n_states, n_states * POL_SCOPE_MAX);
	expect("unix_acc count", c, len, -EBADMSG, want);
	free(c);
	c = cut8(POL_SEC_UNIX_DFA, &len);
	snprintf(want, sizeof(want), "section UNIX_DFA: %u entries, %u states x %u classes need %u",
		 POL_UNIX_BYTES + n_states * n_classes - 2, n_states, n_classes,
		 POL_UNIX_BYTES + n_states * n_classes);
	expect("unix_dfa count", c, len, -EBADMSG, want);
	free(c);
	c = cut8(POL_SEC_SOCK, &len);
	expect("sock count", c, len, -EBADMSG, "section SOCK: count 3, expected 4");
	free(c);

	/* Verdicts: an unmatched entry is plainly allowed; a rule entry
	 * names a rule 1..n-1 (never the default) and agrees with it. */
	UCORRUPT("sock unmatched denies", sock(b, 1)->verdict = POL_DENY,
		 "section SOCK: entry 1 is unmatched but not plainly allowed");
	UCORRUPT(
		"acc unmatched logs",
		{
			i = acc_with_rule(b, POL_RULE_UNMATCHED);
			acc(b, i)->flags = POL_RF_LOG;
			snprintf(want, sizeof(want),
				 "section UNIX_ACC: entry %u is unmatched but not plainly allowed",
				 i);
		},
		want);
	UCORRUPT(
		"acc rule 0",
		{
			i = acc_with_rule(b, 3);
			acc(b, i)->rule = 0;
			snprintf(want, sizeof(want),
				 "section UNIX_ACC: entry %u names rule 0 (1..6, or unmatched)", i);
		},
		want);
	UCORRUPT("sock rule 0", sock(b, 2)->rule = 0,
		 "section SOCK: entry 2 names rule 0 (1..6, or unmatched)");
	UCORRUPT("sock rule past", sock(b, 0)->rule = 7,
		 "section SOCK: entry 0 names rule 7 (1..6, or unmatched)");
	UCORRUPT("sock rule none", sock(b, 0)->rule = POL_RULE_NONE,
		 "section SOCK: entry 0 names rule 4294967295");
	UCORRUPT("sock disagrees", sock(b, 2)->flags = 0,
		 "section SOCK: entry 2 disagrees with rule 6 on verdict or flags");
	UCORRUPT(
		"acc disagrees",
		{
			i = acc_with_rule(b, 2);
			acc(b, i)->verdict = POL_ALLOW;
			snprintf(want, sizeof(want),
				 "section UNIX_ACC: entry %u disagrees with rule 2 on verdict", i);
		},
		want);
	UCORRUPT("sock reserved", sock(b, 3)->reserved = 0x100,
		 "section SOCK: entry 3 has nonzero reserved field 0x100");
	UCORRUPT(
		"acc reserved", { acc(b, 1)->reserved = 2; },
		"section UNIX_ACC: entry 1 has nonzero reserved field 0x2");

	/* Without USES_SCOPE the runtime judges every socket as the host's:
	 * both scopes must decide alike. */
	UCORRUPT("uses_scope clear unix", consts(b)->flags &= ~(uint32_t)POL_CF_USES_SCOPE,
		 "section CONSTS: flag USES_SCOPE is clear but UNIX_ACC entries ");
	UCORRUPT(
		"uses_scope clear sock",
		{
			for (i = 0; i < n_states; i++)
				*acc(b, 2 * i + 1) = *acc(b, 2 * i);
			consts(b)->flags &= ~(uint32_t)POL_CF_USES_SCOPE;
		},
		"section CONSTS: flag USES_SCOPE is clear but SOCK entries 0 and 1 decide apart "
		"by netns (rule 5 host, rule 4294967294 container)");
	UEDITED(
		"uses_scope clear, scopes alike",
		{
			for (i = 0; i < n_states; i++)
				*acc(b, 2 * i + 1) = *acc(b, 2 * i);
			*sock(b, 1) = *sock(b, 0);
			consts(b)->flags &= ~(uint32_t)POL_CF_USES_SCOPE;
		},
		reseal(b, ugood_len), 0, "");
}

/* Verdicts of the read-back Unix policy, stated by the language. */
static void unix_roundtrip(const struct pol_tables *t)
{
	static const struct {
		const char *name; /* '@' for the abstract NUL */
		uint8_t scope;
		uint32_t rule;
		uint8_t verdict;
	} cases[] = {
		{ "@x", POL_SCOPE_HOST, 2, POL_DENY },
		{ "@x", POL_SCOPE_CONTAINER, POL_RULE_UNMATCHED, POL_ALLOW },
		{ "/run/a/x", POL_SCOPE_CONTAINER, 3, POL_ALLOW },
		{ "/run/a/b/x", POL_SCOPE_CONTAINER, POL_RULE_UNMATCHED, POL_ALLOW },
		{ "/var/run/docker.sock", POL_SCOPE_HOST, 4, POL_DENY },
		{ "/var/run/./docker.sock", POL_SCOPE_HOST, 4, POL_DENY },
		{ "/run/../x", POL_SCOPE_HOST, 4, POL_DENY },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pol_unix_query q = { .scope = cases[i].scope };
		struct pol_result r;

		q.len = (uint16_t)strlen(cases[i].name);
		memcpy(q.name, cases[i].name, q.len);
		if (q.name[0] == '@')
			q.name[0] = 0;
		pol_tables_classify_unix(t, &q, &r);
		CHECK(r.rule == cases[i].rule && r.verdict == cases[i].verdict,
		      "%s scope %u: rule %u verdict %u", cases[i].name, cases[i].scope, r.rule,
		      r.verdict);
	}
	for (i = 0; i < POL_SOCK_ENTRIES; i++) {
		static const uint32_t rules[] = { 5, POL_RULE_UNMATCHED, 6, 6 };
		struct pol_result r;

		pol_tables_classify_sock(t, (uint32_t)i / POL_SCOPE_MAX,
					 (uint32_t)i % POL_SCOPE_MAX, &r);
		CHECK(r.rule == rules[i], "socket case %zu: rule %u", i, r.rule);
	}
}

/* A policy whose every decision depends on the port, so its tables have
 * no direct decisions (version 3) and make a faithful version 1 file. */
static struct pol_policy *port_policy(void)
{
	static const char *const r1[] = { "10.0.0.0/8", "2001:db8::/32", NULL };
	struct pol_policy *p = calloc(1, sizeof(*p));

	REQUIRE(p, "out of memory");
	p->rules = calloc(2, sizeof(*p->rules));
	REQUIRE(p->rules, "out of memory");
	p->source_name = strdup("port.jp");
	p->default_verdict = POL_ALLOW;
	p->default_loc = (struct pol_loc){ .file = "port.jp", .line = 1, .col = 1 };
	p->default_text = strdup("default allow;");
	add_rule(p, POL_ALLOW, 0, 1, 3, false, false, r1, 443, 443);
	add_rule(p, POL_DENY, 0, 3, 3, true, false, NULL, 1, 1023);
	return p;
}

/* A version 1 file: the first six sections of src (the writer's output
 * for a policy without direct decisions), no others.  It reads as a
 * policy without Unix or socket rules. */
static uint8_t *version1(const uint8_t *src, size_t src_len, size_t *len)
{
	const size_t drop = (POL_SEC_MAX - POL_SEC_MAX_V1) * sizeof(struct pol_section);
	uint8_t *b = calloc(1, src_len);
	struct pol_section *t;
	uint64_t end = 0;
	uint32_t i;

	REQUIRE(b, "out of memory");
	memcpy(b, src, sizeof(struct pol_file_header) + (POL_SEC_MAX_V1 - 1) * sizeof(*t));
	header(b)->version = 1;
	header(b)->n_sections = POL_SEC_MAX_V1 - 1;
	t = (struct pol_section *)(void *)(b + sizeof(struct pol_file_header));
	for (i = 0; i < POL_SEC_MAX_V1 - 1; i++) {
		REQUIRE(t[i].type == i + 1, "the writer's section order");
		memcpy(b + t[i].offset - drop, src + t[i].offset, t[i].size);
		t[i].offset -= drop;
		end = t[i].offset + t[i].size;
	}
	*len = ALIGN8(end);
	header(b)->file_size = *len;
	reseal(b, *len);
	return b;
}

static void version1_checks(void)
{
	struct pol_policy *p = port_policy();
	struct pol_tables t, t2;
	char err[256] = "", want[160];
	size_t len, src_len, i;
	void *src;
	uint8_t *b;
	struct pol_section *st;

	REQUIRE(!pol_decide(p, NULL, &t), "decide the port policy");
	REQUIRE(!pol_emit(&t, &src, &src_len), "emit the port policy");
	REQUIRE(t.consts.n_dids > 0, "the port policy has decisions");
	for (i = 0; i < t.n_lpm4; i++)
		REQUIRE(!(t.lpm4[i].val.did & POL_DID_DIRECT), "the port policy has no direct did");
	pol_tables_free(&t);
	pol_policy_free(p);
	/* The small policy's direct decisions are version 3's. */
	b = version1(good, good_len, &len);
	expect("version 1 with direct decisions", b, len, -EBADMSG,
	       "which version 1 files do not have");
	free(b);

	b = version1(src, src_len, &len);
	REQUIRE(!pol_read_buf(b, len, &t, err, sizeof(err)), "version 1: %s", err);
	CHECK(t.unix_consts.n_states == 0 && t.n_unix_dfa == 0 && t.n_unix_acc == 0,
	      "version 1: %u states", t.unix_consts.n_states);
	REQUIRE(!pol_read_buf(src, src_len, &t2, err, sizeof(err)), "read: %s", err);
	free(src);
	CHECK(t.n_lpm4 == t2.n_lpm4 && t.n_lpm6 == t2.n_lpm6 && t.n_dec == t2.n_dec &&
		      !memcmp(t.dec, t2.dec, t.n_dec * sizeof(*t.dec)) &&
		      !memcmp(&t.consts, &t2.consts, sizeof(t.consts)),
	      "version 1 tables differ from version 3's");
	for (i = 0; i < 200; i++) {
		struct pol_query q = { .family = 4 }, q2;
		struct pol_result a, c;
		uint64_t v = rnd();

		memcpy(q.addr, &v, 4);
		q.addr[0] = i % 2 ? 10 : q.addr[0];
		q.proto = (uint8_t)(rnd() % POL_PROTO_MAX);
		q.scope = (uint8_t)(rnd() % POL_SCOPE_MAX);
		q.port = (uint16_t)(i % 3 ? 443 : rnd());
		q2 = q;
		pol_tables_classify(&t, &q, &a);
		pol_tables_classify(&t2, &q2, &c);
		CHECK(a.rule == c.rule && a.verdict == c.verdict, "version 1 verdict differs");
	}
	{
		struct pol_unix_query q = { .len = 2, .name = { 0, 'x' } };
		struct pol_result r;

		pol_tables_classify_unix(&t, &q, &r);
		CHECK(r.rule == POL_RULE_UNMATCHED && r.verdict == POL_ALLOW,
		      "version 1 unix: rule %u verdict %u", r.rule, r.verdict);
		for (i = 0; i < POL_SOCK_ENTRIES; i++) {
			pol_tables_classify_sock(&t, (uint32_t)i / 2, (uint32_t)i % 2, &r);
			CHECK(r.rule == POL_RULE_UNMATCHED && r.verdict == POL_ALLOW,
			      "version 1 socket case %zu: rule %u verdict %u", i, r.rule,
			      r.verdict);
		}
	}
	pol_tables_free(&t);
	pol_tables_free(&t2);

	/* A version 1 file knows no section past STRINGS. */
	t = (struct pol_tables){ 0 };
	{
		struct pol_section *s =
			(struct pol_section *)(void *)(b + sizeof(struct pol_file_header));

		s[2].type = POL_SEC_UNIX;
		reseal(b, len);
		expect("version 1 unix section", b, len, -EBADMSG,
		       "section 2 has unknown type 7 (version 1 has 1..6)");
		s[2].type = POL_SEC_LPM6;
	}
	/* Nor flags of version 2's sections (checked as sections without
	 * rules). */
	consts(b)->flags |= POL_CF_USES_SOCK;
	reseal(b, len);
	expect("version 1 uses_sock", b, len, -EBADMSG,
	       "section CONSTS: flag USES_SOCK is set but no SOCK entry names a rule");
	consts(b)->flags &= ~(uint32_t)POL_CF_USES_SOCK;

	/* STRINGS is its last section: the padding after it. */
	st = section(b, POL_SEC_STRINGS);
	REQUIRE(st->offset + st->size < len, "version 1 strings end aligned");
	b[len - 1] = 1;
	reseal(b, len);
	expect("version 1 trailing padding", b, len, -EBADMSG,
	       "nonzero padding after the last section STRINGS");
	b[len - 1] = 0;
	/* And a version 2 header on it: the new sections are missing. */
	header(b)->version = 2;
	reseal(b, len);
	snprintf(want, sizeof(want), "missing section UNIX");
	expect("version 2 without its sections", b, len, -EBADMSG, want);
	free(b);
}

static void header_checks(void)
{
	char want[128];
	size_t n;

	for (n = 0; n < good_len; n++) {
		struct pol_tables t;
		char err[256] = "";
		int ret = pol_read_buf(good, n, &t, err, sizeof(err));

		CHECK(ret == -EBADMSG && strstr(err, "truncated"), "truncated to %zu: %d '%s'", n,
		      ret, err);
		if (!ret)
			pol_tables_free(&t);
	}
	expect("10 bytes", (uint8_t *)good, 10, -EBADMSG,
	       "truncated: file is 10 bytes, the header needs 72");

	EDITED("magic", b[0] = 'X', (void)0, -EPROTO, "not a policy.bin: bad magic");
	EDITED("version", header(b)->version = 9, (void)0, -ENOTSUP,
	       "unsupported format version 9 (this build reads 1 to 3)");
	EDITED("version 0", header(b)->version = 0, (void)0, -ENOTSUP,
	       "unsupported format version 0 (this build reads 1 to 3)");
	EDITED(
		"checksum",
		{
			b[good_len / 2] ^= 0x10;
			snprintf(want, sizeof(want), "checksum mismatch: header says 0x%08x",
				 header(b)->checksum);
		},
		(void)0, -EBADMSG, want);
}

/* Random damage with the seals redone: reject it or give tables that
 * classify without crashing (ASan watches). */
static void fuzz(const uint8_t *src, size_t src_len, const char *what)
{
	unsigned long accepted = 0, rejected = 0;
	int it;

	for (it = 0; it < 10000; it++) {
		uint8_t *b = malloc(src_len);
		struct pol_tables t;
		char err[256];
		int k, flips = 1 + (int)(rnd() % 4);

		REQUIRE(b, "out of memory");
		memcpy(b, src, src_len);

		for (k = 0; k < flips; k++) {
			/* Mostly past the header, where the structure lives. */
			size_t at = rnd() % 8 ? sizeof(struct pol_file_header) +
							rnd() % (src_len -
								 sizeof(struct pol_file_header))
					      : rnd() % src_len;

			b[at] ^= (uint8_t)(1u << (rnd() % 8));
			if (!(rnd() % 4))
				b[at] = (uint8_t)rnd();
		}
		reseal(b, src_len);
		if (pol_read_buf(b, src_len, &t, err, sizeof(err))) {
			rejected++;
		} else {
			accepted++;
			for (k = 0; k < 50; k++) {
				struct pol_query q = { 0 };
				struct pol_result r;
				uint64_t v = rnd();

				q.family = v & 1 ? 4 : 6;
				memcpy(q.addr, &v, 8);
				q.proto = (uint8_t)(rnd() % POL_PROTO_MAX);
				q.scope = (uint8_t)(rnd() % POL_SCOPE_MAX);
				q.port = (uint16_t)rnd();
				if (k == 7)
					pol_tables_add_host(&t, q.family, q.addr);
				pol_tables_classify(&t, &q, &r);
				CHECK(r.rule == POL_RULE_NONE || r.rule < t.n_rules,
				      "rule %u out of range", r.rule);
				CHECK(r.rule != POL_RULE_NONE, "validated tables missed a lookup");
			}
			for (k = 0; k < 50; k++) {
				struct pol_unix_query uq = { 0 };
				struct pol_result r;
				uint64_t v = rnd();

				uq.scope = (uint8_t)(v & 1);
				uq.len = (uint16_t)(1 + (v >> 8) % POL_UNIX_NAME_MAX);
				memcpy(uq.name, &v, sizeof(v));
				uq.name[0] = v & 2 ? '/' : 0;
				pol_tables_classify_unix(&t, &uq, &r);
				CHECK(r.rule == POL_RULE_UNMATCHED ||
					      (r.rule && r.rule < t.n_rules),
				      "unix rule %u out of range", r.rule);
				pol_tables_classify_sock(&t, (uint32_t)k % POL_SOCK_MAX,
							 (uint32_t)(k / 2) % POL_SCOPE_MAX, &r);
				CHECK(r.rule == POL_RULE_UNMATCHED ||
					      (r.rule && r.rule < t.n_rules),
				      "socket rule %u out of range", r.rule);
			}
			pol_tables_free(&t);
		}
		free(b);
	}
	printf("fuzz (%s): 10000 damaged files, %lu rejected, %lu accepted and classified\n", what,
	       rejected, accepted);
}

int main(void)
{
	struct pol_policy *p = small_policy();
	struct pol_tables t, r;
	char err[256], path[] = "/tmp/test_policy_read.XXXXXX";
	void *buf;
	size_t len;
	int fd;

	REQUIRE(!pol_decide(p, NULL, &t), "decide");
	REQUIRE(!pol_emit(&t, &buf, &len), "emit");
	good = buf;
	good_len = len;
	printf("small policy: %zu bytes, lpm4 %u lpm6 %u dec %u dids %u\n", len, t.n_lpm4, t.n_lpm6,
	       t.n_dec, t.consts.n_dids);
	REQUIRE(t.n_lpm4 >= 4 && t.n_lpm6 >= 2 && t.n_dec >= 6,
		"small policy too small for the corruption cases");

	/* Round trip. */
	REQUIRE(!pol_read_buf(buf, len, &r, err, sizeof(err)), "read: %s", err);
	CHECK(r.n_lpm4 == t.n_lpm4 && !memcmp(r.lpm4, t.lpm4, t.n_lpm4 * sizeof(*t.lpm4)), "lpm4");
	CHECK(r.n_lpm6 == t.n_lpm6 && !memcmp(r.lpm6, t.lpm6, t.n_lpm6 * sizeof(*t.lpm6)), "lpm6");
	CHECK(r.n_dec == t.n_dec && !memcmp(r.dec, t.dec, t.n_dec * sizeof(*t.dec)), "dec");
	CHECK(r.n_rules == t.n_rules && !memcmp(r.rules, t.rules, t.n_rules * sizeof(*t.rules)),
	      "rules");
	CHECK(r.strings_size == t.strings_size && !memcmp(r.strings, t.strings, t.strings_size),
	      "strings");
	CHECK(!memcmp(&r.consts, &t.consts, sizeof(t.consts)), "consts");
	CHECK(!memcmp(r.content_hash, t.content_hash, 32), "content hash");
	CHECK(!strcmp(pol_tables_string(&r, r.source_name), "small.jp"), "source name");
	CHECK(!strcmp(pol_tables_string(&r, r.rules[0].text), "default deny;"), "rule 0 text");
	CHECK(!strcmp(pol_tables_string(&r, 1u << 30), "?"), "bad offset");
	CHECK(r.consts.n_rules == 6 && r.consts.default_verdict == POL_DENY &&
		      r.consts.flags == (POL_CF_USES_HOST | POL_CF_USES_SCOPE | POL_CF_USES_LOG),
	      "consts %u %u %#x", r.consts.n_rules, r.consts.default_verdict, r.consts.flags);
	pol_tables_free(&r);
	pol_tables_free(NULL);

	/* File round trip. */
	fd = mkstemp(path);
	REQUIRE(fd >= 0, "mkstemp");
	close(fd);
	CHECK(!pol_emit_file(&t, path), "emit file");
	CHECK(!pol_read_file(path, &r, err, sizeof(err)), "read file: %s", err);
	pol_tables_free(&r);
	unlink(path);
	CHECK(pol_read_file(path, &r, err, sizeof(err)) == -ENOENT && strstr(err, path),
	      "missing file: %s", err);
	CHECK(pol_emit_file(&t, "/nonexistent-dir/policy.bin") == -ENOENT, "emit to bad dir");

	/* A FIFO with no writer is refused, not waited on (alarm() ends a
	 * hang with a failure). */
	REQUIRE(!mkfifo(path, 0600), "mkfifo: %s", strerror(errno));
	alarm(10);
	CHECK(pol_read_file(path, &r, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "is a FIFO, not a regular file") && strstr(err, path),
	      "fifo: %s", err);
	alarm(0);
	unlink(path);

	header_checks();
	structural();
	semantic();
	version1_checks();
	fuzz(good, good_len, "small policy");

	/* The Unix policy: round trip, then its own sections corrupted. */
	{
		struct pol_policy *up = unix_policy();
		struct pol_tables ut, ur;
		void *ubuf;
		size_t ulen;

		REQUIRE(!pol_decide(up, NULL, &ut), "decide unix policy");
		REQUIRE(!pol_emit(&ut, &ubuf, &ulen), "emit unix policy");
		ugood = ubuf;
		ugood_len = ulen;
		REQUIRE(!pol_read_buf(ubuf, ulen, &ur, err, sizeof(err)), "read unix policy: %s",
			err);
		CHECK(ur.consts.flags == (POL_CF_USES_SCOPE | POL_CF_USES_LOG | POL_CF_USES_UNIX |
					  POL_CF_USES_SOCK),
		      "unix policy flags %#x", ur.consts.flags);
		CHECK(!memcmp(&ur.unix_consts, &ut.unix_consts, sizeof(ut.unix_consts)) &&
			      ur.n_unix_dfa == ut.n_unix_dfa &&
			      !memcmp(ur.unix_dfa, ut.unix_dfa,
				      ut.n_unix_dfa * sizeof(*ut.unix_dfa)) &&
			      ur.n_unix_acc == ut.n_unix_acc &&
			      !memcmp(ur.unix_acc, ut.unix_acc,
				      ut.n_unix_acc * sizeof(*ut.unix_acc)) &&
			      !memcmp(ur.sock, ut.sock, sizeof(ut.sock)),
		      "unix tables round trip");
		printf("unix policy: %zu bytes, %u states, %u classes\n", ulen,
		       ur.unix_consts.n_states, ur.unix_consts.n_classes);
		unix_roundtrip(&ur);
		pol_tables_free(&ur);
		unix_sections();
		fuzz(ugood, ugood_len, "unix policy");
		pol_tables_free(&ut);
		pol_policy_free(up);
		free(ubuf);
	}

	pol_tables_free(&t);
	pol_policy_free(p);
	free(buf);
	return unit_summary();
}
