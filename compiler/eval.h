/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * eval.h - semantic checks: statements in, a resolved struct pol_policy
 * out.  frontend.c feeds it the statements of each file as they are
 * parsed (includes are the front end's); sets.c resolves the sets.
 */
#ifndef JAILPOL_EVAL_H
#define JAILPOL_EVAL_H

#include <stdbool.h>

#include "ast.h"
#include "diag.h"
#include "policy.h"
#include "pool.h"
#include "sets.h"

/* A rule made when the sets are resolved: its statement, its index. */
struct pol_eval_pending {
	struct ast_stmt *s; /* owned */
	size_t rule;
};

struct pol_eval {
	struct pol_diag *d;
	unsigned int errors; /* d->n_errors before the first statement */
	struct pol_sets sets;
	/*
	 * The rules so far, in order.  One that names a set or lists
	 * addresses (whose problems are reported after the sets'), or has
	 * Unix patterns, waits in pending, zeroed here, for
	 * pol_eval_finish().  The others cannot draw a message: they are
	 * made at once, and their statements freed, so a policy of a
	 * million one-address rules keeps no syntax tree.  Their prefixes
	 * and texts are in pool.
	 */
	struct pol_rule *rules;
	size_t n_rules, cap_rules;
	struct pol_eval_pending *pending;
	size_t n_pending, cap_pending;
	struct pol_pool pool;
	struct ast_stmt *dflt; /* owned */
	bool have_backstop, backstop;
	struct pol_loc backstop_loc; /* file names live in the diag */
	bool have_log_denials;
	struct pol_loc log_denials_loc;
	bool have_mode, audit;
	struct pol_loc mode_loc;
	size_t unix_patterns; /* in the rules so far */
};

/* Start checking a policy; problems go to d. */
void pol_eval_init(struct pol_eval *ev, struct pol_diag *d);

/*
 * Check one statement (any kind but AST_INCLUDE, which the caller loads):
 * a set definition, 'backstop', 'log denials', 'mode', 'default' or a
 * rule.  Takes *s (and sets it NULL) when it keeps the statement.  Returns
 * 0 or -ENOMEM.
 */
int pol_eval_stmt(struct pol_eval *ev, struct ast_stmt **s);

/*
 * After the last statement: report a missing 'default' (at the file top,
 * the diag's name of the top file), resolve every set and rule, and build
 * the policy named source_name.  Returns 0 and sets *out, -EINVAL when
 * anything since pol_eval_init() was an error, or -ENOMEM; *out is
 * untouched on failure.
 */
int pol_eval_finish(struct pol_eval *ev, const char *source_name, const char *top,
		    struct pol_policy **out);

/* Free what ev holds. */
void pol_eval_release(struct pol_eval *ev);

#endif /* JAILPOL_EVAL_H */
