/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * store.c - the kept copies of the policies in force (store.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "policy_read.h"
#include "sha256.h"
#include "store.h"

/* POL_RULE_NONE; no classifier. */
#define POL_CLASSIFY_TYPES_ONLY
#include "../bpf/templates/classify.h"

/* Hex digits of a whole hash, and of a tag. */
#define HASH_HEX 64
#define TAG_HEX 16

static int make_dirs(char *err, size_t errlen)
{
	static const char *const dirs[] = { "/run/jailpol", JP_STORE_DIR };
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (mkdir(dirs[i], 0700) < 0 && errno != EEXIST) {
			int ret = -errno;

			snprintf(err, errlen, "cannot create '%s': %s", dirs[i], strerror(-ret));
			return ret;
		}
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int jp_store_put(const struct pol_tables *t, char *err, size_t errlen)
{
	char hex[HASH_HEX + 1], path[PATH_MAX], tmp[PATH_MAX];
	int fd, ret;

	if (!t->image) {
		snprintf(err, errlen, "the policy was not read from a file: nothing to keep");
		return -EINVAL;
	}
	ret = make_dirs(err, errlen);
	if (ret)
		return ret;
	pol_hex(hex, t->content_hash, sizeof(t->content_hash));
	snprintf(path, sizeof(path), "%s/%s.bin", JP_STORE_DIR, hex);
	if (access(path, F_OK) == 0)
		return 0;
	/* Written aside and renamed: a reader never sees half a file. */
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", JP_STORE_DIR, hex);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot create a file in '%s': %s", JP_STORE_DIR,
			 strerror(-ret));
		return ret;
	}
	ret = write_all(fd, t->image, t->image_size);
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret) {
		unlink(tmp);
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(-ret));
	}
	return ret;
}

uint64_t jp_store_tag(const uint8_t hash[32])
{
	uint64_t tag;

	memcpy(&tag, hash, sizeof(tag));
	return tag;
}

/* "<hex>.bin" with 64 hex digits: a kept policy; its hash into out. */
static int kept_name(const char *name, uint8_t out[32])
{
	size_t i;

	if (strlen(name) != HASH_HEX + 4 || strcmp(name + HASH_HEX, ".bin"))
		return 0;
	for (i = 0; i < 32; i++) {
		unsigned int b;

		if (sscanf(name + 2 * i, "%2x", &b) != 1)
			return 0;
		out[i] = (uint8_t)b;
	}
	return 1;
}

int jp_store_get(uint64_t tag, struct pol_tables *out, char *err, size_t errlen)
{
	char path[PATH_MAX];
	uint8_t hash[32];
	struct dirent *de;
	int ret = -ENOENT;
	DIR *d;

	d = opendir(JP_STORE_DIR);
	if (!d) {
		ret = -errno;
		snprintf(err, errlen, "cannot read '%s': %s", JP_STORE_DIR, strerror(-ret));
		return ret;
	}
	while ((de = readdir(d))) {
		if (!kept_name(de->d_name, hash) || jp_store_tag(hash) != tag)
			continue;
		snprintf(path, sizeof(path), "%s/%s", JP_STORE_DIR, de->d_name);
		ret = pol_read_file(path, out, err, errlen);
		/* The name is not a proof: the content hash is. */
		if (!ret && memcmp(out->content_hash, hash, sizeof(hash))) {
			pol_tables_free(out);
			snprintf(err, errlen, "'%s' does not hold the policy its name says", path);
			ret = -EBADMSG;
		}
		if (!ret)
			break;
	}
	closedir(d);
	if (ret == -ENOENT) {
		pol_hex(path, (const uint8_t *)&tag, sizeof(tag));
		snprintf(err, errlen, "no policy %s is kept in '%s'", path, JP_STORE_DIR);
	}
	return ret;
}

void jp_store_prune(int (*keep)(const uint8_t hash[32], void *arg), void *arg)
{
	char path[PATH_MAX];
	uint8_t hash[32];
	struct dirent *de;
	DIR *d;

	d = opendir(JP_STORE_DIR);
	if (!d)
		return;
	while ((de = readdir(d))) {
		/* A copy a crashed attach did not finish (put runs under the
		 * pin root's lock, as prune does). */
		bool aside = de->d_name[0] == '.' && strcmp(de->d_name, ".") &&
			     strcmp(de->d_name, "..");

		if (!aside && (!kept_name(de->d_name, hash) || keep(hash, arg)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", JP_STORE_DIR, de->d_name);
		unlink(path);
	}
	closedir(d);
}

int jp_store_get_hash(const uint8_t hash[32], const char *fallback, struct pol_tables *out,
		      char *err, size_t errlen)
{
	char hex[HASH_HEX + 1], path[PATH_MAX], why[512];
	int ret;

	pol_hex(hex, hash, 32);
	snprintf(path, sizeof(path), "%s/%s.bin", JP_STORE_DIR, hex);
	ret = pol_read_file(path, out, why, sizeof(why));
	if (!ret && !memcmp(out->content_hash, hash, 32))
		return 0;
	if (!ret)
		pol_tables_free(out);
	if (fallback && fallback[0] && !pol_read_file(fallback, out, why, sizeof(why))) {
		if (!memcmp(out->content_hash, hash, 32))
			return 0;
		pol_tables_free(out);
	}
	snprintf(err, errlen,
		 "policy %.12s is not kept in '%s' and '%s' holds another: rules are shown by "
		 "number",
		 hex, JP_STORE_DIR, fallback && fallback[0] ? fallback : "?");
	return -ENOENT;
}

void jp_rule_describe(char *buf, size_t len, const struct pol_tables *t, uint32_t rule)
{
	const struct pol_rule_rec *r;

	if (rule == POL_RULE_UNMATCHED) {
		snprintf(buf, len, "no rule (unmatched)");
		return;
	}
	if (rule == POL_RULE_NONE) {
		snprintf(buf, len, "no rule (the tables are broken)");
		return;
	}
	if (!t || rule >= t->n_rules) {
		snprintf(buf, len, "rule %u", rule);
		return;
	}
	r = &t->rules[rule];
	snprintf(buf, len, "%s%s:%u: %s%s", rule ? "" : "default (", pol_tables_string(t, r->file),
		 r->line, pol_tables_string(t, r->text), rule ? "" : ")");
}

void jp_rule_json(struct pol_json *j, const struct pol_tables *t, uint32_t rule)
{
	const struct pol_rule_rec *r;

	pol_json_name(j, "rule");
	if (rule == POL_RULE_UNMATCHED || rule == POL_RULE_NONE)
		pol_json_null(j);
	else
		pol_json_uint(j, rule);
	if (rule == POL_RULE_UNMATCHED || rule == POL_RULE_NONE) {
		pol_json_str_field(j, "decided_by",
				   rule == POL_RULE_NONE ? "broken tables" : "unmatched");
		return;
	}
	pol_json_str_field(j, "decided_by", rule ? "rule" : "default");
	if (!t || rule >= t->n_rules)
		return;
	r = &t->rules[rule];
	pol_json_str_field(j, "file", pol_tables_string(t, r->file));
	pol_json_uint_field(j, "line", r->line);
	pol_json_uint_field(j, "col", r->col);
	pol_json_str_field(j, "text", pol_tables_string(t, r->text));
}
