/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stats.c - per-rule verdict counters of the jails (stats.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../bpf/templates/jail_abi.h"
#include "cgroup.h"
#include "json.h"
#include "loader.h"
#include "names.h"
#include "pins.h"
#include "sha256.h"
#include "stats.h"
#include "store.h"

struct stats_ctx {
	const struct jp_stats_opts *o;
	struct pol_json j;
	int n;
};

static void format_time(char *buf, size_t len, uint64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Rule numbers in the order people read them: 1..n-1, then the default. */
static uint32_t nth_rule(uint32_t i, uint32_t n_rules)
{
	return i + 1 < n_rules ? i + 1 : 0;
}

static void show_json(struct stats_ctx *c, const char *cg, uint64_t id, const struct jp_counts *k,
		      const struct pol_tables *t)
{
	const struct jp_info *info = &k->info;
	uint32_t n_rules = k->n >= 2 ? k->n - 2 : 0, i;
	struct pol_json *j = &c->j;
	char hash[65], when[64];

	pol_json_object_begin(j);
	pol_json_str_field(j, "cgroup", cg);
	pol_json_uint_field(j, "cgroup_id", id);
	pol_json_str_field(j, "policy", info->source);
	pol_hex(hash, info->content_hash, sizeof(info->content_hash));
	pol_json_str_field(j, "hash", hash);
	pol_json_str_field(j, "mode", JP_INFO_AUDIT(info) ? "audit" : "enforce");
	format_time(when, sizeof(when), info->replaced_at ? info->replaced_at : info->attached_at);
	/* The counters are the policy's in force: they start at its switch. */
	pol_json_str_field(j, "counting_since", when);
	pol_json_name(j, "rules");
	pol_json_array_begin(j);
	for (i = 0; i < n_rules; i++) {
		uint32_t r = nth_rule(i, n_rules);

		pol_json_object_begin(j);
		jp_rule_json(j, t, r);
		if (t && r < t->n_rules)
			pol_json_str_field(j, "verdict", pol_verdict_name(t->rules[r].verdict));
		pol_json_uint_field(j, "count", k->v[r]);
		pol_json_object_end(j);
	}
	pol_json_array_end(j);
	pol_json_uint_field(j, "unmatched", k->v[JAIL_COUNT_UNMATCHED(n_rules)]);
	pol_json_uint_field(j, "broken", k->v[JAIL_COUNT_BROKEN(n_rules)]);
	pol_json_name(j, "events");
	if (k->has_evstate) {
		pol_json_object_begin(j);
		pol_json_uint_field(j, "emitted", k->emitted);
		pol_json_uint_field(j, "dropped", k->dropped);
		pol_json_object_end(j);
	} else {
		pol_json_null(j);
	}
	pol_json_object_end(j);
}

static void show_text(const char *cg, uint64_t id, const struct jp_counts *k,
		      const struct pol_tables *t)
{
	const struct jp_info *info = &k->info;
	uint32_t n_rules = k->n >= 2 ? k->n - 2 : 0, i;
	char hash[65], when[64], rule[1024];

	pol_hex(hash, info->content_hash, 6);
	format_time(when, sizeof(when), info->replaced_at ? info->replaced_at : info->attached_at);
	printf("%s (cgroup id %llu): policy '%s' (%s)%s, counting since %s (%s)\n", cg,
	       (unsigned long long)id, info->source, hash,
	       JP_INFO_AUDIT(info) ? ", AUDIT mode: reports, refuses nothing" : "", when,
	       info->replaced_at ? "its replace" : "attach");
	printf("  %12s  %-7s %s\n", "COUNT", "VERDICT", "RULE");
	for (i = 0; i < n_rules; i++) {
		uint32_t r = nth_rule(i, n_rules);

		jp_rule_describe(rule, sizeof(rule), t, r);
		printf("  %12llu  %-7s %s\n", (unsigned long long)k->v[r],
		       t && r < t->n_rules ? pol_verdict_name(t->rules[r].verdict) : "?", rule);
	}
	printf("  %12llu  %-7s %s\n", (unsigned long long)k->v[JAIL_COUNT_UNMATCHED(n_rules)],
	       "allow", "no rule (unix or socket, unmatched)");
	if (k->v[JAIL_COUNT_BROKEN(n_rules)])
		printf("  %12llu  %-7s %s\n", (unsigned long long)k->v[JAIL_COUNT_BROKEN(n_rules)],
		       "deny", "no rule (the tables are broken)");
	if (k->has_evstate)
		printf("  events: %llu emitted, %llu dropped\n", (unsigned long long)k->emitted,
		       (unsigned long long)k->dropped);
}

/* One jail; 0, or -errno with err filled. */
static int stats_one(struct stats_ctx *c, const char *pin_dir, uint64_t id, char *err,
		     size_t errlen)
{
	struct pol_tables t = { 0 };
	char cg[PATH_MAX], why[1024];
	struct jp_counts k;
	bool have_t;
	int ret;

	ret = jp_read_counts(pin_dir, &k, err, errlen);
	if (ret)
		return ret;
	k.info.source[sizeof(k.info.source) - 1] = '\0';
	k.info.policy_path[sizeof(k.info.policy_path) - 1] = '\0';
	k.info.cgroup[sizeof(k.info.cgroup) - 1] = '\0';
	have_t = !jp_store_get_hash(k.info.content_hash, k.info.policy_path, &t, why, sizeof(why));
	if (!have_t)
		fprintf(stderr, "jail-ai-block: stats: %s\n", why);
	/* Counters of a policy whose rule count is not the file's: the
	 * numbers are still the kernel's; the texts would be another's. */
	if (have_t && t.n_rules + 2 != k.n) {
		pol_tables_free(&t);
		have_t = false;
	}
	if (jp_cgroup_by_id(c->o->mount, id, cg, sizeof(cg)))
		snprintf(cg, sizeof(cg), "%s (gone)", k.info.cgroup);
	if (c->o->json)
		show_json(c, cg, id, &k, have_t ? &t : NULL);
	else
		show_text(cg, id, &k, have_t ? &t : NULL);
	c->n++;
	if (have_t)
		pol_tables_free(&t);
	jp_counts_free(&k);
	return 0;
}

static int stats_each(const char *pin_dir, const char *name, void *arg)
{
	struct stats_ctx *c = arg;
	char err[1024];
	uint64_t id;

	id = strtoull(name + strlen(JP_PIN_DIR_PREFIX), NULL, 10);
	if (!id)
		return 0;
	if (!c->o->json && c->n)
		putchar('\n');
	if (stats_one(c, pin_dir, id, err, sizeof(err)) && !c->o->json)
		fprintf(stderr, "jail-ai-block: stats: %s\n", err);
	return 0;
}

int jp_stats(const struct jp_stats_opts *o, char *err, size_t errlen)
{
	struct stats_ctx c = { .o = o };
	char pin_dir[PATH_MAX];
	int ret;

	pol_json_init(&c.j, stdout);
	if (o->jail_id) {
		jp_pin_dir(o->jail_id, pin_dir, sizeof(pin_dir));
		ret = stats_one(&c, pin_dir, o->jail_id, err, errlen);
		if (ret == -ENOENT)
			snprintf(err, errlen, "cgroup id %llu is not jailed",
				 (unsigned long long)o->jail_id);
		return ret;
	}
	if (o->json)
		pol_json_array_begin(&c.j);
	jp_pin_dir_foreach(JP_PIN_ROOT, JP_PIN_DIR_PREFIX, stats_each, &c);
	if (o->json)
		pol_json_array_end(&c.j);
	return 0;
}
