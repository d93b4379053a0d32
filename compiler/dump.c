/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "dump.h"

static const char *const verdict_names[] = {
	[POL_DENY] = "deny",
	[POL_ALLOW] = "allow",
};
_Static_assert(sizeof(verdict_names) / sizeof(verdict_names[0]) == POL_VERDICT_MAX,
	       "verdict_names");

static const char *const proto_names[] = {
	[POL_PROTO_TCP] = "tcp",
	[POL_PROTO_UDP] = "udp",
	[POL_PROTO_OTHER] = "other",
};
_Static_assert(sizeof(proto_names) / sizeof(proto_names[0]) == POL_PROTO_MAX,
	       "proto_names");

static const char *const scope_names[] = {
	[POL_SCOPE_HOST] = "host",
	[POL_SCOPE_CONTAINER] = "container",
};
_Static_assert(sizeof(scope_names) / sizeof(scope_names[0]) == POL_SCOPE_MAX,
	       "scope_names");

const char *pol_verdict_name(unsigned v)
{
	return v < POL_VERDICT_MAX ? verdict_names[v] : "?";
}

const char *pol_proto_name(unsigned p)
{
	return p < POL_PROTO_MAX ? proto_names[p] : "?";
}

const char *pol_scope_name(unsigned s)
{
	return s < POL_SCOPE_MAX ? scope_names[s] : "?";
}

void pol_json_string(FILE *out, const char *s)
{
	const unsigned char *p;

	fputc('"', out);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

static void format_lpm(char *buf, size_t len, uint8_t family, uint32_t plen,
		       const uint8_t *addr)
{
	struct pol_prefix p = { .family = family, .len = (uint8_t)plen };

	memcpy(p.addr, addr, family == 4 ? 4 : 16);
	pol_prefix_format(&p, buf, len);
}

/* The ports a decision entry covers: prefix length 48 + k fixes the top k
 * bits of the port. */
static void dec_ports(const struct pol_dec_entry *e, unsigned *lo, unsigned *hi)
{
	unsigned k = e->key.prefixlen - POL_DEC_PREFIX_BASE;
	unsigned port = ntohs(e->key.port);
	unsigned span = 1u << (16 - k);

	*lo = port & ~(span - 1);
	*hi = *lo + span - 1;
}

static void flags_text(char *buf, size_t len, uint32_t flags)
{
	snprintf(buf, len, "%s%s%s%s%s", flags & POL_CF_USES_HOST ? " host" : "",
		 flags & POL_CF_USES_SCOPE ? " netns" : "",
		 flags & POL_CF_USES_LOG ? " log" : "",
		 flags & POL_CF_BACKSTOP ? " backstop" : "", flags ? "" : " none");
}

static void hash_hex(char *buf, const uint8_t *h)
{
	int i;

	for (i = 0; i < 32; i++)
		sprintf(buf + 2 * i, "%02x", h[i]);
}

static void dump_text(FILE *out, const struct pol_tables *t, size_t file_size)
{
	char a[POL_PREFIX_STRLEN], hash[65], flags[64];
	uint32_t i;

	hash_hex(hash, t->content_hash);
	flags_text(flags, sizeof(flags), t->consts.flags);
	fprintf(out, "policy '%s': format %d", pol_tables_string(t, t->source_name),
		POL_FORMAT_VERSION);
	if (file_size)
		fprintf(out, ", %zu bytes", file_size);
	fprintf(out, "\ncontent sha256:%s\n", hash);
	fprintf(out, "default %s, %u rules, %u decisions, uses:%s\n",
		pol_verdict_name(t->consts.default_verdict), t->consts.n_rules,
		t->consts.n_dids, flags);

	fprintf(out, "\nrules:\n");
	for (i = 0; i < t->n_rules; i++) {
		const struct pol_rule_rec *r = &t->rules[i];

		fprintf(out, "  #%-3u %-5s %s:%u:%u: %s\n", i,
			pol_verdict_name(r->verdict), pol_tables_string(t, r->file),
			r->line, r->col, pol_tables_string(t, r->text));
	}

	fprintf(out, "\nipv4 (%u entries): prefix -> decision, decision if host\n",
		t->n_lpm4);
	for (i = 0; i < t->n_lpm4; i++) {
		const struct pol_lpm4_entry *e = &t->lpm4[i];

		format_lpm(a, sizeof(a), 4, e->key.prefixlen, e->key.addr);
		fprintf(out, "  %-20s d%u  host:d%u\n", a, e->val.did, e->val.host_did);
	}
	fprintf(out, "\nipv6 (%u entries): prefix -> decision, decision if host\n",
		t->n_lpm6);
	for (i = 0; i < t->n_lpm6; i++) {
		const struct pol_lpm6_entry *e = &t->lpm6[i];

		format_lpm(a, sizeof(a), 6, e->key.prefixlen, e->key.addr);
		fprintf(out, "  %-44s d%u  host:d%u\n", a, e->val.did, e->val.host_did);
	}
	fprintf(out, "\ndecisions (%u entries): decision proto/netns ports -> verdict rule\n",
		t->n_dec);
	for (i = 0; i < t->n_dec; i++) {
		const struct pol_dec_entry *e = &t->dec[i];
		unsigned lo, hi, proto = e->key.sel / POL_SCOPE_MAX;
		char ports[16];

		dec_ports(e, &lo, &hi);
		snprintf(ports, sizeof(ports), lo == hi ? "%u" : "%u-%u", lo, hi);
		fprintf(out, "  d%-4u %5s/%-9s %-11s -> %-5s #%u%s\n", e->key.did,
			pol_proto_name(proto),
			pol_scope_name(e->key.sel % POL_SCOPE_MAX),
			proto == POL_PROTO_OTHER ? "-" : ports,
			pol_verdict_name(e->val.verdict), e->val.rule,
			e->val.flags & POL_RF_LOG ? " log" : "");
	}
}

static void dump_json(FILE *out, const struct pol_tables *t, size_t file_size)
{
	char a[POL_PREFIX_STRLEN], hash[65];
	uint32_t i;

	hash_hex(hash, t->content_hash);
	fputs("{\"source\":", out);
	pol_json_string(out, pol_tables_string(t, t->source_name));
	fprintf(out, ",\"format_version\":%d,\"size\":%zu,\"content_sha256\":\"%s\"",
		POL_FORMAT_VERSION, file_size, hash);
	fprintf(out, ",\"default\":\"%s\",\"decisions\":%u",
		pol_verdict_name(t->consts.default_verdict), t->consts.n_dids);
	fprintf(out, ",\"uses_host\":%s,\"uses_netns\":%s,\"uses_log\":%s,\"backstop\":%s",
		t->consts.flags & POL_CF_USES_HOST ? "true" : "false",
		t->consts.flags & POL_CF_USES_SCOPE ? "true" : "false",
		t->consts.flags & POL_CF_USES_LOG ? "true" : "false",
		t->consts.flags & POL_CF_BACKSTOP ? "true" : "false");

	fputs(",\"rules\":[", out);
	for (i = 0; i < t->n_rules; i++) {
		const struct pol_rule_rec *r = &t->rules[i];

		fprintf(out, "%s{\"id\":%u,\"verdict\":\"%s\",\"log\":%s,\"file\":",
			i ? "," : "", i, pol_verdict_name(r->verdict),
			r->flags & POL_RF_LOG ? "true" : "false");
		pol_json_string(out, pol_tables_string(t, r->file));
		fprintf(out, ",\"line\":%u,\"col\":%u,\"text\":", r->line, r->col);
		pol_json_string(out, pol_tables_string(t, r->text));
		fputc('}', out);
	}
	fputs("],\"ipv4\":[", out);
	for (i = 0; i < t->n_lpm4; i++) {
		const struct pol_lpm4_entry *e = &t->lpm4[i];

		format_lpm(a, sizeof(a), 4, e->key.prefixlen, e->key.addr);
		fprintf(out, "%s{\"prefix\":\"%s\",\"did\":%u,\"host_did\":%u}",
			i ? "," : "", a, e->val.did, e->val.host_did);
	}
	fputs("],\"ipv6\":[", out);
	for (i = 0; i < t->n_lpm6; i++) {
		const struct pol_lpm6_entry *e = &t->lpm6[i];

		format_lpm(a, sizeof(a), 6, e->key.prefixlen, e->key.addr);
		fprintf(out, "%s{\"prefix\":\"%s\",\"did\":%u,\"host_did\":%u}",
			i ? "," : "", a, e->val.did, e->val.host_did);
	}
	fputs("],\"decision_table\":[", out);
	for (i = 0; i < t->n_dec; i++) {
		const struct pol_dec_entry *e = &t->dec[i];
		unsigned lo, hi;

		dec_ports(e, &lo, &hi);
		fprintf(out,
			"%s{\"did\":%u,\"proto\":\"%s\",\"netns\":\"%s\",\"port_lo\":%u,"
			"\"port_hi\":%u,\"verdict\":\"%s\",\"rule\":%u,\"log\":%s}",
			i ? "," : "", e->key.did,
			pol_proto_name(e->key.sel / POL_SCOPE_MAX),
			pol_scope_name(e->key.sel % POL_SCOPE_MAX), lo, hi,
			pol_verdict_name(e->val.verdict), e->val.rule,
			e->val.flags & POL_RF_LOG ? "true" : "false");
	}
	fputs("]}\n", out);
}

void pol_dump(FILE *out, const struct pol_tables *t, size_t file_size, bool json)
{
	if (json)
		dump_json(out, t, file_size);
	else
		dump_text(out, t, file_size);
}
