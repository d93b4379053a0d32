/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sets.h - named sets: their definitions (`set NAME = { ... }`, YAML
 * lists), the built-in sets, and resolving set references into sorted,
 * unique prefix arrays.
 */
#ifndef JAILPOL_SETS_H
#define JAILPOL_SETS_H

#include <stdbool.h>
#include <stddef.h>

#include "ast.h"
#include "diag.h"
#include "htab.h"
#include "policy.h"

struct pol_set_def;

struct pol_sets {
	struct pol_diag *d;
	struct pol_set_def **all; /* user sets in definition order, then
				     * built-ins in order of first use; owned */
	size_t n_all, cap_all;
	struct pol_htab by_name;     /* items: indexes into all */
	struct pol_set_def **rstack; /* sets being resolved, for cycles */
	size_t rdepth, rcap;
};

/*
 * Define the set of statement s (AST_SET), taking s->name and s->elems
 * (they are set NULL).  A redefinition or a built-in's name is reported
 * and leaves s as it is; an empty set is reported and defined.  Returns 0
 * or -ENOMEM.
 */
int pol_sets_define(struct pol_sets *ss, struct ast_stmt *s);

/* Resolve every defined set, in definition order, so that each of their
 * problems is reported once, used or not.  Returns 0 or -ENOMEM. */
int pol_sets_resolve_all(struct pol_sets *ss);

/*
 * Expand el into a sorted, unique prefix array (*out, malloc'ed, *n_out
 * long), resolving the sets it names; *host is set when it names the
 * runtime-filled host set.  where ("this rule", "set 'x'") names el in the
 * warning about a prefix listed twice.  Undefined names and cycles are
 * reported and contribute nothing.  Returns 0 or -ENOMEM.
 */
int pol_sets_expand(struct pol_sets *ss, const struct ast_elems *el, const char *where,
		    struct pol_prefix **out, size_t *n_out, bool *host);

/* Free every set; accepts a zeroed struct. */
void pol_sets_release(struct pol_sets *ss);

#endif /* JAILPOL_SETS_H */
