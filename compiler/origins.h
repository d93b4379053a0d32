/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * origins.h - where each rule came from: the RULES and STRINGS sections of
 * policy.bin (file, line, column, source text per rule; rule 0 is the
 * default), which --explain, --dump and the runtime's log print.
 */
#ifndef JAILPOL_ORIGINS_H
#define JAILPOL_ORIGINS_H

#include "../lib/tables.h"
#include "policy.h"

/*
 * Fill t->rules, t->n_rules, t->strings, t->strings_size and
 * t->source_name from p: one record per rule plus the default, every
 * string stored once (offset 0 is "").  The storage goes to t->owned[3]
 * and t->owned[4], freed by pol_tables_free().  Returns 0, -ENOMEM, or
 * -E2BIG when the strings pass 4 GiB; t is untouched on failure.
 */
int pol_origins_build(const struct pol_policy *p, struct pol_tables *t);

#endif /* JAILPOL_ORIGINS_H */
