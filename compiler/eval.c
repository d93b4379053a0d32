/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * eval.c - semantic checks: one 'default', 'backstop', 'log denials' and
 * 'mode' at most, set definitions handed to sets.c, and every rule turned
 * into a struct pol_rule.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "unix.h"

void pol_eval_init(struct pol_eval *ev, struct pol_diag *d)
{
	memset(ev, 0, sizeof(*ev));
	ev->d = d;
	ev->errors = d->n_errors;
	ev->sets.d = d;
}

/* Report the second of two statements that may appear once. */
static void pol_eval_duplicate(struct pol_eval *ev, const struct pol_loc *loc, const char *what,
			       const struct pol_loc *first)
{
	pol_error(ev->d, loc, "duplicate '%s' statement", what);
	pol_note(ev->d, first, "the first '%s' statement is here", what);
}

int pol_eval_stmt(struct pol_eval *ev, struct ast_stmt **sp)
{
	struct ast_stmt *s = *sp;
	int err;

	switch ((enum ast_stmt_kind)s->kind) {
	case AST_SET:
		return pol_sets_define(&ev->sets, s);
	case AST_BACKSTOP:
		if (ev->have_backstop) {
			pol_eval_duplicate(ev, &s->loc, "backstop", &ev->backstop_loc);
			return 0;
		}
		ev->have_backstop = true;
		ev->backstop = s->verdict;
		ev->backstop_loc = s->loc;
		return 0;
	case AST_LOG_DENIALS:
		if (ev->have_log_denials) {
			pol_eval_duplicate(ev, &s->loc, "log denials", &ev->log_denials_loc);
			return 0;
		}
		ev->have_log_denials = true;
		ev->log_denials_loc = s->loc;
		return 0;
	case AST_MODE:
		if (ev->have_mode) {
			pol_eval_duplicate(ev, &s->loc, "mode", &ev->mode_loc);
			return 0;
		}
		ev->have_mode = true;
		ev->audit = s->verdict;
		ev->mode_loc = s->loc;
		if (ev->audit)
			pol_warn(ev->d, POL_W_AUDIT, &s->loc,
				 "policy is in audit mode: it reports denials but refuses nothing");
		return 0;
	case AST_DEFAULT:
		if (ev->dflt) {
			pol_eval_duplicate(ev, &s->loc, "default", &ev->dflt->loc);
			return 0;
		}
		ev->dflt = s;
		__attribute__((fallthrough)); /* a default is kept as a statement too */
	case AST_RULE:
		err = ast_stmts_add(&ev->stmts, s);
		*sp = NULL;
		return err;
	case AST_INCLUDE: /* loaded by the front end */
	case AST_STMT_MAX:
		break;
	}
	return 0;
}

/* A 'unix' rule's patterns, decoded; problems are reported. */
static int pol_eval_unix(struct pol_eval *ev, const struct ast_rule *ar, struct pol_rule *r)
{
	const struct ast_strs *v = ar->unix_pats;
	size_t i;
	int err;

	r->unix_kinds = ar->unix_kinds ? ar->unix_kinds : POL_UNIX_ABSTRACT | POL_UNIX_PATH;
	if (!v || !v->n)
		return 0;
	if (ev->unix_patterns + v->n > POL_MAX_UNIX_PATTERNS) {
		pol_error(ev->d, &ar->unix_loc, "more than %u Unix patterns (the limit)",
			  POL_MAX_UNIX_PATTERNS);
		return 0;
	}
	ev->unix_patterns += v->n;
	r->patterns = calloc(v->n, sizeof(*r->patterns));
	if (!r->patterns)
		return -ENOMEM;
	for (i = 0; i < v->n; i++) {
		err = pol_unix_pattern_parse(ev->d, v->v[i], &v->loc[i], ar->unix_kinds,
					     &r->patterns[r->n_patterns]);
		if (err == -ENOMEM)
			return err;
		if (!err)
			r->n_patterns++;
	}
	return 0;
}

static int pol_eval_rule(struct pol_eval *ev, struct ast_stmt *s, struct pol_rule *r)
{
	const struct ast_rule *ar = s->rule;
	int err;

	memset(r, 0, sizeof(*r));
	r->domain = ar->has_domain ? ar->domain : POL_DOMAIN_IP;
	r->verdict = s->verdict;
	r->flags = ar->log ? POL_RF_LOG : 0;
	r->proto_mask = ar->proto_mask ? ar->proto_mask
				       : (1 << POL_PROTO_TCP) | (1 << POL_PROTO_UDP) |
						 (1 << POL_PROTO_OTHER);
	if (ar->ports)
		r->proto_mask &= (uint8_t) ~(1 << POL_PROTO_OTHER);
	r->scope_mask = ar->scope_mask ? ar->scope_mask
				       : (1 << POL_SCOPE_HOST) | (1 << POL_SCOPE_CONTAINER);
	r->loc = s->loc;
	r->text = s->text;
	s->text = NULL;

	if (r->domain == POL_DOMAIN_SOCK) {
		r->sock_kinds = ar->sock_kinds;
		return 0;
	}
	if (r->domain == POL_DOMAIN_UNIX)
		return pol_eval_unix(ev, ar, r);
	if (!ar->dest || ar->dest->any) {
		r->any_dest = true;
	} else if (!ar->dest->listed) {
		pol_error(ev->d, &s->loc, "rule has an empty destination set");
	} else {
		err = pol_sets_expand(&ev->sets, ar->dest, "this rule", &r->prefixes,
				      &r->n_prefixes, &r->host);
		if (err)
			return err;
	}
	if (ar->ports && ar->ports->n) {
		r->ports = malloc(ar->ports->n * sizeof(*r->ports));
		if (!r->ports)
			return -ENOMEM;
		memcpy(r->ports, ar->ports->v, ar->ports->n * sizeof(*r->ports));
		r->n_ports = pol_ports_normalise(r->ports, ar->ports->n);
	}
	return 0;
}

int pol_eval_finish(struct pol_eval *ev, const char *source_name, const char *top,
		    struct pol_policy **out)
{
	struct pol_policy *p = NULL;
	struct pol_loc top_loc = { .file = top };
	size_t i, n_rules = 0, n_prefixes = 0;
	int err;

	if (!ev->dflt && ev->d->n_errors == ev->errors)
		pol_error(ev->d, &top_loc, "no 'default' statement");
	err = pol_sets_resolve_all(&ev->sets);
	if (err)
		return err;

	err = -ENOMEM;
	p = calloc(1, sizeof(*p));
	if (!p)
		goto cleanup;
	p->source_name = strdup(source_name);
	p->rules = calloc(ev->stmts.n ? ev->stmts.n : 1, sizeof(*p->rules));
	if (!p->source_name || !p->rules)
		goto cleanup;
	for (i = 0; i < ev->stmts.n; i++) {
		struct ast_stmt *s = ev->stmts.v[i];

		if (s->kind != AST_RULE)
			continue;
		err = pol_eval_rule(ev, s, &p->rules[n_rules]);
		p->n_rules = ++n_rules;
		if (err)
			goto cleanup;
		/* Checked as each rule is expanded, so that a policy over it
		 * stops there, before the rest is expanded and compiled. */
		n_prefixes += p->rules[n_rules - 1].n_prefixes;
		if (n_prefixes > POL_MAX_PREFIXES) {
			pol_error(ev->d, &s->loc, "more than %u prefixes in the rules (the limit)",
				  POL_MAX_PREFIXES);
			err = -EINVAL;
			goto cleanup;
		}
	}
	p->backstop = ev->backstop;
	p->log_denials = ev->have_log_denials;
	p->audit = ev->audit;
	if (ev->dflt) {
		p->default_verdict = ev->dflt->verdict;
		p->default_loc = ev->dflt->loc;
		p->default_text = ev->dflt->text;
		ev->dflt->text = NULL;
	}
	err = ev->d->n_errors == ev->errors ? 0 : -EINVAL;
	if (!err) {
		*out = p;
		p = NULL;
	}

cleanup:
	pol_policy_free(p);
	return err;
}

void pol_eval_release(struct pol_eval *ev)
{
	pol_sets_release(&ev->sets);
	ast_stmts_release(&ev->stmts);
}
