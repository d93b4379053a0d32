/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dump.c - jailpolc --dump: a compiled policy, decoded, as text or JSON.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "dump.h"
#include "json.h"
#include "names.h"
#include "sha256.h"

static void format_lpm(char *buf, size_t len, uint8_t family, uint32_t plen, const uint8_t *addr)
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
	snprintf(buf, len, "%s%s%s%s%s%s%s%s%s", flags & POL_CF_USES_HOST ? " host" : "",
		 flags & POL_CF_USES_SCOPE ? " netns" : "", flags & POL_CF_USES_LOG ? " log" : "",
		 flags & POL_CF_BACKSTOP ? " backstop" : "",
		 flags & POL_CF_USES_UNIX ? " unix" : "", flags & POL_CF_USES_SOCK ? " socket" : "",
		 flags & POL_CF_LOG_DENIALS ? " log-denials" : "",
		 flags & POL_CF_AUDIT ? " AUDIT" : "", flags ? "" : " none");
}

/* A decision id: dN, or #N for a direct decision by rule N. */
static void format_did(char *buf, size_t len, uint32_t did)
{
	if (did & POL_DID_DIRECT)
		snprintf(buf, len, "#%u", did & POL_DID_RULE);
	else
		snprintf(buf, len, "d%u", did);
}

/* One LPM entry, the prefix column as wide as the family's longest. */
static void text_lpm(FILE *out, uint8_t family, uint32_t plen, const uint8_t *addr,
		     const struct pol_addr_val *v)
{
	char a[POL_PREFIX_STRLEN], d[16], h[16];

	format_lpm(a, sizeof(a), family, plen, addr);
	format_did(d, sizeof(d), v->did);
	format_did(h, sizeof(h), v->host_did);
	fprintf(out, "  %-*s %-11s host:%s\n", family == 4 ? 20 : 44, a, d, h);
}

static void dump_text(FILE *out, const struct pol_tables *t, size_t file_size)
{
	char hash[65], flags[64];
	uint32_t i;

	pol_hex(hash, t->content_hash, sizeof(t->content_hash));
	flags_text(flags, sizeof(flags), t->consts.flags);
	fprintf(out, "policy '%s': format %d", pol_tables_string(t, t->source_name),
		POL_FORMAT_VERSION);
	if (file_size)
		fprintf(out, ", %zu bytes", file_size);
	fprintf(out, "\ncontent sha256:%s\n", hash);
	fprintf(out, "default %s, %u rules, %u decisions, uses:%s\n",
		pol_verdict_name(t->consts.default_verdict), t->consts.n_rules, t->consts.n_dids,
		flags);

	fprintf(out, "\nrules:\n");
	for (i = 0; i < t->n_rules; i++) {
		const struct pol_rule_rec *r = &t->rules[i];

		fprintf(out, "  #%-3u %-5s %s:%u:%u: %s\n", i, pol_verdict_name(r->verdict),
			pol_tables_string(t, r->file), r->line, r->col,
			pol_tables_string(t, r->text));
	}

	fprintf(out,
		"\nipv4 (%u entries): prefix -> decision (#N: rule N decides), decision if host\n",
		t->n_lpm4);
	for (i = 0; i < t->n_lpm4; i++)
		text_lpm(out, 4, t->lpm4[i].key.prefixlen, t->lpm4[i].key.addr, &t->lpm4[i].val);
	fprintf(out,
		"\nipv6 (%u entries): prefix -> decision (#N: rule N decides), decision if host\n",
		t->n_lpm6);
	for (i = 0; i < t->n_lpm6; i++)
		text_lpm(out, 6, t->lpm6[i].key.prefixlen, t->lpm6[i].key.addr, &t->lpm6[i].val);
	fprintf(out, "\ndecisions (%u entries): decision proto/netns ports -> verdict rule\n",
		t->n_dec);
	for (i = 0; i < t->n_dec; i++) {
		const struct pol_dec_entry *e = &t->dec[i];
		unsigned lo, hi, proto = e->key.sel / POL_SCOPE_MAX;
		char ports[16];

		dec_ports(e, &lo, &hi);
		snprintf(ports, sizeof(ports), lo == hi ? "%u" : "%u-%u", lo, hi);
		fprintf(out, "  d%-4u %5s/%-9s %-11s -> %-5s #%u%s\n", e->key.did,
			pol_proto_name(proto), pol_scope_name(e->key.sel % POL_SCOPE_MAX),
			proto == POL_PROTO_OTHER ? "-" : ports, pol_verdict_name(e->val.verdict),
			e->val.rule, e->val.flags & POL_RF_LOG ? " log" : "");
	}
	fprintf(out, "\nunix: %u states, %u byte classes (%u entries)\n", t->unix_consts.n_states,
		t->unix_consts.n_classes, t->n_unix_dfa);
	fprintf(out, "\nsockets: kind/netns -> verdict rule\n");
	for (i = 0; i < POL_SOCK_ENTRIES; i++) {
		const struct pol_dec_val *v = &t->sock[i];

		fprintf(out, "  %4s/%-9s -> %-5s ", pol_sock_kind_name(i / POL_SCOPE_MAX),
			pol_scope_name(i % POL_SCOPE_MAX), pol_verdict_name(v->verdict));
		if (v->rule == POL_RULE_UNMATCHED)
			fprintf(out, "(no rule)\n");
		else
			fprintf(out, "#%u%s\n", v->rule, v->flags & POL_RF_LOG ? " log" : "");
	}
}

static void json_lpm(struct pol_json *j, uint8_t family, uint32_t plen, const uint8_t *addr,
		     const struct pol_addr_val *v)
{
	char a[POL_PREFIX_STRLEN];

	format_lpm(a, sizeof(a), family, plen, addr);
	pol_json_object_begin(j);
	pol_json_str_field(j, "prefix", a);
	pol_json_uint_field(j, "did", v->did);
	pol_json_uint_field(j, "host_did", v->host_did);
	/* A direct decision names its rule (policy_abi.h). */
	if (v->did & POL_DID_DIRECT)
		pol_json_uint_field(j, "rule", v->did & POL_DID_RULE);
	if (v->host_did & POL_DID_DIRECT)
		pol_json_uint_field(j, "host_rule", v->host_did & POL_DID_RULE);
	pol_json_object_end(j);
}

static void dump_json(FILE *out, const struct pol_tables *t, size_t file_size)
{
	char hash[65];
	struct pol_json j;
	uint32_t i;

	pol_hex(hash, t->content_hash, sizeof(t->content_hash));
	pol_json_init(&j, out);
	pol_json_object_begin(&j);
	pol_json_str_field(&j, "source", pol_tables_string(t, t->source_name));
	pol_json_uint_field(&j, "format_version", POL_FORMAT_VERSION);
	pol_json_uint_field(&j, "size", file_size);
	pol_json_str_field(&j, "content_sha256", hash);
	pol_json_str_field(&j, "default", pol_verdict_name(t->consts.default_verdict));
	pol_json_uint_field(&j, "decisions", t->consts.n_dids);
	pol_json_bool_field(&j, "uses_host", t->consts.flags & POL_CF_USES_HOST);
	pol_json_bool_field(&j, "uses_netns", t->consts.flags & POL_CF_USES_SCOPE);
	pol_json_bool_field(&j, "uses_log", t->consts.flags & POL_CF_USES_LOG);
	pol_json_bool_field(&j, "backstop", t->consts.flags & POL_CF_BACKSTOP);
	pol_json_bool_field(&j, "uses_unix", t->consts.flags & POL_CF_USES_UNIX);
	pol_json_bool_field(&j, "uses_socket", t->consts.flags & POL_CF_USES_SOCK);
	pol_json_bool_field(&j, "log_denials", t->consts.flags & POL_CF_LOG_DENIALS);
	pol_json_str_field(&j, "mode", t->consts.flags & POL_CF_AUDIT ? "audit" : "enforce");

	pol_json_name(&j, "rules");
	pol_json_array_begin(&j);
	for (i = 0; i < t->n_rules; i++) {
		const struct pol_rule_rec *r = &t->rules[i];

		pol_json_object_begin(&j);
		pol_json_uint_field(&j, "id", i);
		pol_json_str_field(&j, "verdict", pol_verdict_name(r->verdict));
		pol_json_bool_field(&j, "log", r->flags & POL_RF_LOG);
		pol_json_str_field(&j, "file", pol_tables_string(t, r->file));
		pol_json_uint_field(&j, "line", r->line);
		pol_json_uint_field(&j, "col", r->col);
		pol_json_str_field(&j, "text", pol_tables_string(t, r->text));
		pol_json_object_end(&j);
	}
	pol_json_array_end(&j);
	pol_json_name(&j, "ipv4");
	pol_json_array_begin(&j);
	for (i = 0; i < t->n_lpm4; i++)
		json_lpm(&j, 4, t->lpm4[i].key.prefixlen, t->lpm4[i].key.addr, &t->lpm4[i].val);
	pol_json_array_end(&j);
	pol_json_name(&j, "ipv6");
	pol_json_array_begin(&j);
	for (i = 0; i < t->n_lpm6; i++)
		json_lpm(&j, 6, t->lpm6[i].key.prefixlen, t->lpm6[i].key.addr, &t->lpm6[i].val);
	pol_json_array_end(&j);
	pol_json_name(&j, "decision_table");
	pol_json_array_begin(&j);
	for (i = 0; i < t->n_dec; i++) {
		const struct pol_dec_entry *e = &t->dec[i];
		unsigned lo, hi;

		dec_ports(e, &lo, &hi);
		pol_json_object_begin(&j);
		pol_json_uint_field(&j, "did", e->key.did);
		pol_json_str_field(&j, "proto", pol_proto_name(e->key.sel / POL_SCOPE_MAX));
		pol_json_str_field(&j, "netns", pol_scope_name(e->key.sel % POL_SCOPE_MAX));
		pol_json_uint_field(&j, "port_lo", lo);
		pol_json_uint_field(&j, "port_hi", hi);
		pol_json_str_field(&j, "verdict", pol_verdict_name(e->val.verdict));
		pol_json_uint_field(&j, "rule", e->val.rule);
		pol_json_bool_field(&j, "log", e->val.flags & POL_RF_LOG);
		pol_json_object_end(&j);
	}
	pol_json_array_end(&j);
	pol_json_name(&j, "unix");
	pol_json_object_begin(&j);
	pol_json_uint_field(&j, "states", t->unix_consts.n_states);
	pol_json_uint_field(&j, "byte_classes", t->unix_consts.n_classes);
	pol_json_uint_field(&j, "entries", t->n_unix_dfa);
	pol_json_object_end(&j);
	pol_json_name(&j, "sockets");
	pol_json_array_begin(&j);
	for (i = 0; i < POL_SOCK_ENTRIES; i++) {
		const struct pol_dec_val *v = &t->sock[i];

		pol_json_object_begin(&j);
		pol_json_str_field(&j, "kind", pol_sock_kind_name(i / POL_SCOPE_MAX));
		pol_json_str_field(&j, "netns", pol_scope_name(i % POL_SCOPE_MAX));
		pol_json_str_field(&j, "verdict", pol_verdict_name(v->verdict));
		pol_json_bool_field(&j, "log", v->flags & POL_RF_LOG);
		if (v->rule == POL_RULE_UNMATCHED) {
			pol_json_name(&j, "rule");
			pol_json_null(&j);
		} else {
			pol_json_uint_field(&j, "rule", v->rule);
		}
		pol_json_object_end(&j);
	}
	pol_json_array_end(&j);
	pol_json_object_end(&j);
}

void pol_dump(FILE *out, const struct pol_tables *t, size_t file_size, bool json)
{
	if (json)
		dump_json(out, t, file_size);
	else
		dump_text(out, t, file_size);
}
