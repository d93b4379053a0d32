/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * store.h - a copy of every policy.bin in force, named by its content
 * hash, so that `monitor` and `stats` name a rule by file:line and text
 * whatever became of the file the jail was attached from (recompiled in
 * place, removed).  The copies are the bytes that were validated and
 * loaded, not the file as it is now.
 *
 *   /run/jailpol/policies/<sha256 hex>.bin
 *
 * Written at attach, before the switch; removed by detach and gc once no
 * jail has the policy in force.  Functions return 0 or a negative errno,
 * with err naming the path.
 */
#ifndef JAILPOL_STORE_H
#define JAILPOL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "tables.h"

#define JP_STORE_DIR "/run/jailpol/policies"

/* Keep t's image (pol_tables.image), if it is not kept yet. */
int jp_store_put(const struct pol_tables *t, char *err, size_t errlen);

/* The kept policy whose content hash starts with the 8 bytes of tag
 * (jail_event.policy_tag), read and validated.  -ENOENT: none. */
int jp_store_get(uint64_t tag, struct pol_tables *out, char *err, size_t errlen);

/* The kept policy of that content hash; else the file at fallback (the
 * policy.bin the jail was attached from; may be NULL or "") if it still
 * holds that policy.  -ENOENT: neither. */
int jp_store_get_hash(const uint8_t hash[32], const char *fallback, struct pol_tables *out,
		      char *err, size_t errlen);

/* Rule number rule of t as people read it: "FILE:LINE: TEXT", "default
 * (FILE:LINE: TEXT)" for rule 0, "no rule (unmatched)" or "no rule (the
 * tables are broken)"; t NULL: "rule N". */
void jp_rule_describe(char *buf, size_t len, const struct pol_tables *t, uint32_t rule);

struct pol_json;

/* The same as JSON members of the current object: "rule" (number or
 * null), "file", "line", "col", "text" when t knows them. */
void jp_rule_json(struct pol_json *j, const struct pol_tables *t, uint32_t rule);

/* The tag of a content hash: its first 8 bytes, as the kernel has them. */
uint64_t jp_store_tag(const uint8_t hash[32]);

/* Remove every kept policy whose hash keep() does not want; quiet. */
void jp_store_prune(int (*keep)(const uint8_t hash[32], void *arg), void *arg);

#endif /* JAILPOL_STORE_H */
