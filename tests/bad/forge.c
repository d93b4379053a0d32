/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * forge.c - corrupt and forged policy.bin files for the bad-input catalogue
 * (tests/bad/run.sh, issue 12), made from a freshly compiled one:
 *
 *   forge --list              the case names, one a line
 *   forge IN OUT CASE         write IN damaged as CASE says to OUT
 *
 * Most cases are resealed after the damage (content hash, then CRC-32, as
 * compiler/emit.c seals), so the reader's later checks are the ones that
 * must catch them; the cases about the seals themselves are not.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../bpf/templates/policy_abi.h"
#include "checksum.h"
#include "sha256.h"

#define MAX_LEN (1u << 24)

static uint8_t buf[MAX_LEN + 64];
static size_t len;

static struct pol_file_header *hdr(void)
{
	return (struct pol_file_header *)(void *)buf;
}

static struct pol_section *tab(unsigned int i)
{
	return (struct pol_section *)(void *)(buf + sizeof(struct pol_file_header)) + i;
}

/* The section record of a type (the file is jailpolc's: one of each). */
static struct pol_section *sec(uint32_t type)
{
	unsigned int i;

	for (i = 0; i < hdr()->n_sections; i++)
		if (tab(i)->type == type)
			return tab(i);
	fprintf(stderr, "forge: no section %u\n", type);
	exit(1);
}

static void *at(uint32_t type)
{
	return buf + sec(type)->offset;
}

#define CONSTS ((struct pol_consts *)at(POL_SEC_CONSTS))
#define RULES ((struct pol_rule_rec *)at(POL_SEC_RULES))
#define LPM4 ((struct pol_lpm4_entry *)at(POL_SEC_LPM4))
#define LPM6 ((struct pol_lpm6_entry *)at(POL_SEC_LPM6))
#define DEC ((struct pol_dec_entry *)at(POL_SEC_DEC))
#define STRINGS ((char *)at(POL_SEC_STRINGS))
#define UNIX ((struct pol_unix_consts *)at(POL_SEC_UNIX))
#define DFA ((uint32_t *)at(POL_SEC_UNIX_DFA))
#define ACC ((struct pol_dec_val *)at(POL_SEC_UNIX_ACC))
#define SOCK ((struct pol_dec_val *)at(POL_SEC_SOCK))

/* The section that ends the file. */
static struct pol_section *last(void)
{
	struct pol_section *l = tab(0);
	unsigned int i;

	for (i = 1; i < hdr()->n_sections; i++)
		if (tab(i)->offset > l->offset)
			l = tab(i);
	return l;
}

/* The first entry of n verdicts that is unmatched (want 1) or names a rule
 * (want 0); the policy must have one. */
static unsigned int verdict_entry(const struct pol_dec_val *v, unsigned int n, int want)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if ((v[i].rule == POL_RULE_UNMATCHED) == want)
			return i;
	fprintf(stderr, "forge: the policy has no %s Unix or socket verdict\n",
		want ? "unmatched" : "rule's");
	exit(1);
}

#define ACC_AT(want) ACC[verdict_entry(ACC, sec(POL_SEC_UNIX_ACC)->count, want)]
#define SOCK_AT(want) SOCK[verdict_entry(SOCK, POL_SOCK_ENTRIES, want)]

/* The padding after STRINGS (its size is odd in jailpolc's files). */
static uint8_t *strings_pad(void)
{
	return (uint8_t *)at(POL_SEC_STRINGS) + ((sec(POL_SEC_STRINGS)->size + 7) & ~7ull) - 1;
}

static void set_len(size_t n)
{
	if (n > len)
		memset(buf + len, 0, n - len);
	len = n;
	hdr()->file_size = n;
}

/* The first entry of a table with a prefix shorter than full and nonzero. */
static unsigned int lpm4_partial(void)
{
	unsigned int i;

	for (i = 1; i < sec(POL_SEC_LPM4)->count; i++)
		if (LPM4[i].key.prefixlen && LPM4[i].key.prefixlen < 32)
			return i;
	return 1;
}

static unsigned int lpm6_partial(void)
{
	unsigned int i;

	for (i = 1; i < sec(POL_SEC_LPM6)->count; i++)
		if (LPM6[i].key.prefixlen && LPM6[i].key.prefixlen < 128)
			return i;
	return 1;
}

/* The first IPv4 entry with a direct decision (version 3). */
static unsigned int lpm4_direct(void)
{
	unsigned int i;

	for (i = 0; i < sec(POL_SEC_LPM4)->count; i++)
		if (LPM4[i].val.did & POL_DID_DIRECT)
			return i;
	fprintf(stderr, "forge: no direct decision in LPM4\n");
	exit(1);
}

static void swap(void *a, void *b, size_t n)
{
	uint8_t t[64];

	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

static void clear_log(void)
{
	unsigned int i;

	for (i = 0; i < sec(POL_SEC_RULES)->count; i++)
		RULES[i].flags &= ~POL_RF_LOG;
	for (i = 0; i < sec(POL_SEC_DEC)->count; i++)
		DEC[i].val.flags &= ~POL_RF_LOG;
	for (i = 0; i < sec(POL_SEC_LPM4)->count; i++) {
		if (LPM4[i].val.did & POL_DID_DIRECT)
			LPM4[i].val.did &= ~POL_DID_LOG;
		if (LPM4[i].val.host_did & POL_DID_DIRECT)
			LPM4[i].val.host_did &= ~POL_DID_LOG;
	}
	for (i = 0; i < sec(POL_SEC_LPM6)->count; i++) {
		if (LPM6[i].val.did & POL_DID_DIRECT)
			LPM6[i].val.did &= ~POL_DID_LOG;
		if (LPM6[i].val.host_did & POL_DID_DIRECT)
			LPM6[i].val.host_did &= ~POL_DID_LOG;
	}
}

/* The damage: one case per line.  seal: recompute the content hash (2) or
 * only the CRC-32 (1) afterwards, or neither (0). */
#define CASES(X)                                                                                 \
	X("trunc-header", 0, set_len(40))                                                        \
	X("trunc-table", 0, len = sizeof(struct pol_file_header) + sizeof(struct pol_section))   \
	X("trunc-dec", 0, len = sec(POL_SEC_DEC)->offset)                                        \
	X("trunc-table-resealed", 2,                                                             \
	  set_len(sizeof(struct pol_file_header) + 2 * sizeof(struct pol_section)))              \
	X("trunc-last-resealed", 2, set_len(last()->offset + 8))                                 \
	X("magic", 2, hdr()->magic[0] = 'X')                                                     \
	X("version", 2, hdr()->version = POL_FORMAT_VERSION + 1)                                 \
	X("version-zero", 2, hdr()->version = 0)                                                 \
	X("header-size", 2, hdr()->header_size = 80)                                             \
	X("file-size-big", 2, hdr()->file_size += 8)                                             \
	X("file-size-small", 2, hdr()->file_size -= 8)                                           \
	X("checksum", 0, hdr()->checksum ^= 1)                                                   \
	X("content-hash", 1, DEC[0].val.rule ^= 1)                                               \
	X("header-reserved", 2, hdr()->reserved = 1)                                             \
	X("n-sections-zero", 2, hdr()->n_sections = 0)                                           \
	X("n-sections-65", 2, hdr()->n_sections = 65)                                            \
	X("section-type-unknown", 2, tab(2)->type = POL_SEC_MAX)                                 \
	X("section-duplicate", 2, tab(1)->type = tab(0)->type)                                   \
	X("section-missing", 2, hdr()->n_sections -= 1)                                          \
	X("section-reserved", 2, sec(POL_SEC_LPM6)->reserved = 1)                                \
	X("section-entry-size", 2, sec(POL_SEC_LPM4)->entry_size = 20)                           \
	X("section-size", 2, sec(POL_SEC_DEC)->size += 20)                                       \
	X("section-unaligned", 2, sec(POL_SEC_RULES)->offset += 4)                               \
	X("section-outside", 2, sec(POL_SEC_DEC)->offset = len + 8)                              \
	X("section-over-table", 2, sec(POL_SEC_CONSTS)->offset = sizeof(struct pol_file_header)) \
	X("section-overlap", 2, sec(POL_SEC_LPM6)->offset = sec(POL_SEC_LPM4)->offset)           \
	X("section-gap", 2, last()->offset += 8; set_len(len + 8))                               \
	X("trailing", 2, set_len(len + 8))                                                       \
	X("trailing-odd", 2, set_len(len + 3))                                                   \
	X("padding-nonzero", 2, *strings_pad() = 1)                                              \
	X("consts-verdict", 2, CONSTS->default_verdict = 2)                                      \
	X("consts-flags", 2, CONSTS->flags |= 0x100)                                             \
	X("consts-no-rules", 2, CONSTS->n_rules = 0)                                             \
	X("consts-no-dids", 2, CONSTS->n_dids = 0)                                               \
	X("strings-start", 2, STRINGS[0] = 'x')                                                  \
	X("strings-unterminated", 2, STRINGS[sec(POL_SEC_STRINGS)->count - 1] = 'x')             \
	X("source-name", 2, hdr()->source_name = sec(POL_SEC_STRINGS)->count)                    \
	X("rules-count", 2, CONSTS->n_rules += 1)                                                \
	X("rule-file", 2, RULES[1].file = sec(POL_SEC_STRINGS)->count)                           \
	X("rule-text", 2, RULES[2].text = 0xffffffff)                                            \
	X("rule-verdict", 2, RULES[1].verdict = 2)                                               \
	X("rule-flags", 2, RULES[1].flags |= 0x80)                                               \
	X("rule-reserved", 2, RULES[3].reserved = 7)                                             \
	X("rule0-verdict", 2, RULES[0].verdict ^= 1)                                             \
	X("lpm4-prefix-long", 2, LPM4[1].key.prefixlen = 33)                                     \
	X("lpm4-host-bits", 2, LPM4[lpm4_partial()].key.addr[3] |= 1)                            \
	X("lpm4-unsorted", 2, swap(&LPM4[1], &LPM4[2], sizeof(*LPM4)))                           \
	X("lpm4-no-root", 2, LPM4[0].key.prefixlen = 1)                                          \
	X("lpm4-decision", 2, LPM4[0].val.did = CONSTS->n_dids)                                  \
	X("lpm4-direct-rule", 2, LPM4[lpm4_direct()].val.did |= POL_DID_RULE)                    \
	X("lpm4-direct-disagrees", 2, LPM4[lpm4_direct()].val.did ^= POL_DID_ALLOW)              \
	X("version-2-direct", 2, hdr()->version = 2)                                             \
	X("lpm6-host-bits", 2, LPM6[lpm6_partial()].key.addr[15] |= 1)                           \
	X("lpm6-unsorted", 2, swap(&LPM6[1], &LPM6[2], sizeof(*LPM6)))                           \
	X("lpm6-host-decision", 2, LPM6[0].val.host_did = 1000)                                  \
	X("dec-prefix-short", 2, DEC[0].key.prefixlen = 47)                                      \
	X("dec-prefix-long", 2, DEC[0].key.prefixlen = 65)                                       \
	X("dec-zero-byte", 2, DEC[0].key.zero = 1)                                               \
	X("dec-selector", 2, DEC[0].key.sel = POL_SEL_MAX)                                       \
	X("dec-decision", 2, DEC[0].key.did = CONSTS->n_dids)                                    \
	X("dec-port-bits", 2, DEC[0].key.port = 0x0100)                                          \
	X("dec-unsorted", 2, swap(&DEC[0], &DEC[1], sizeof(*DEC)))                               \
	X("dec-rule", 2, DEC[0].val.rule = CONSTS->n_rules)                                      \
	X("dec-verdict", 2, DEC[0].val.verdict = 2)                                              \
	X("dec-reserved", 2, DEC[0].val.reserved = 1)                                            \
	X("dec-disagrees", 2, DEC[0].val.verdict ^= 1)                                           \
	X("flag-no-host", 2, CONSTS->flags &= ~POL_CF_USES_HOST)                                 \
	X("flag-no-scope", 2, CONSTS->flags &= ~POL_CF_USES_SCOPE)                               \
	X("flag-no-log", 2, CONSTS->flags &= ~POL_CF_USES_LOG)                                   \
	X("flag-log-unused", 2, clear_log())                                                     \
	X("unix-flag-clear", 2, CONSTS->flags &= ~POL_CF_USES_UNIX)                              \
	X("unix-reserved", 2, UNIX->reserved[0] = 1)                                             \
	X("unix-classes-zero", 2, UNIX->n_classes = 0)                                           \
	X("unix-classes-257", 2, UNIX->n_classes = POL_UNIX_BYTES + 1)                           \
	X("unix-states", 2, UNIX->n_states += 1)                                                 \
	X("unix-dfa-class", 2, DFA[0] = UNIX->n_classes)                                         \
	X("unix-dfa-state", 2, DFA[POL_UNIX_BYTES] = UNIX->n_states)                             \
	X("unix-dfa-entry-size", 2, sec(POL_SEC_UNIX_DFA)->entry_size = 8)                       \
	X("unix-acc-unmatched-deny", 2, ACC_AT(1).verdict = POL_DENY)                            \
	X("unix-acc-rule0", 2, ACC_AT(0).rule = 0)                                               \
	X("unix-acc-rule-past", 2, ACC_AT(0).rule = CONSTS->n_rules)                             \
	X("unix-acc-disagrees", 2, ACC_AT(0).flags ^= POL_RF_LOG)                                \
	X("unix-acc-reserved", 2, ACC[1].reserved = 1)                                           \
	X("sock-flag-clear", 2, CONSTS->flags &= ~POL_CF_USES_SOCK)                              \
	X("sock-unmatched-deny", 2, SOCK_AT(1).verdict = POL_DENY)                               \
	X("sock-rule0", 2, SOCK_AT(0).rule = 0)                                                  \
	X("sock-rule-past", 2, SOCK_AT(0).rule = CONSTS->n_rules)                                \
	X("sock-disagrees", 2, SOCK_AT(0).verdict ^= 1)                                          \
	X("sock-reserved", 2, SOCK[3].reserved = 1)                                              \
	X("sock-count", 2, sec(POL_SEC_SOCK)->count -= 1; sec(POL_SEC_SOCK)->size -= 8;          \
	  set_len(len - 8))

static void seal(int how)
{
	struct pol_file_header *h = hdr();

	if (how >= 2)
		pol_sha256(buf + sizeof(*h), len - sizeof(*h), h->content_hash);
	if (how >= 1)
		h->checksum = pol_file_checksum(buf, len);
}

static int damage(const char *name)
{
#define X(n, s, what)           \
	if (!strcmp(name, n)) { \
		what;           \
		seal(s);        \
		return 0;       \
	}
	CASES(X)
#undef X
	return -1;
}

int main(int argc, char **argv)
{
	FILE *f;

	if (argc == 2 && !strcmp(argv[1], "--list")) {
#define X(n, s, what) puts(n);
		CASES(X)
#undef X
		return 0;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: forge --list | forge IN OUT CASE\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	len = fread(buf, 1, MAX_LEN + 1, f);
	fclose(f);
	if (len < sizeof(struct pol_file_header) || len > MAX_LEN) {
		fprintf(stderr, "forge: '%s' is not a policy.bin to start from\n", argv[1]);
		return 1;
	}
	if (damage(argv[3])) {
		fprintf(stderr, "forge: no case '%s'\n", argv[3]);
		return 2;
	}
	f = fopen(argv[2], "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
