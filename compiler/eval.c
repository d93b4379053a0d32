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

static int pol_eval_rule(struct pol_eval *ev, struct pol_pool *pl, struct ast_stmt *s,
			 struct pol_rule *r);

/* True when rule ar can draw no diagnostic in pol_eval_rule(): it has no
 * Unix patterns to decode, and its destinations are none, 'any' or one
 * address (no set to resolve, nothing listed twice). */
static bool pol_eval_now(const struct ast_rule *ar)
{
	const struct ast_elems *el = ar->dest;

	if (ar->has_domain && ar->domain == POL_DOMAIN_UNIX)
		return false;
	if (ar->has_domain && ar->domain == POL_DOMAIN_SOCK)
		return true;
	return !el || el->any ||
	       (el->listed == 1 && el->n == 1 && el->v[0].kind == AST_ELEM_PREFIX &&
		!el->v[0].implied);
}

/* The next rule, made now or (taking *sp) when the sets are resolved. */
static int pol_eval_add_rule(struct pol_eval *ev, struct ast_stmt **sp)
{
	struct pol_rule *r;
	int err;

	err = POL_GROW(ev->rules, ev->cap_rules, ev->n_rules + 1);
	if (err)
		return err;
	r = &ev->rules[ev->n_rules++];
	memset(r, 0, sizeof(*r));
	if (pol_eval_now((*sp)->rule))
		return pol_eval_rule(ev, &ev->pool, *sp, r);
	err = POL_GROW(ev->pending, ev->cap_pending, ev->n_pending + 1);
	if (err)
		return err;
	ev->pending[ev->n_pending++] =
		(struct pol_eval_pending){ .s = *sp, .rule = ev->n_rules - 1 };
	*sp = NULL;
	return 0;
}

/* Statement s's one-line text, in pl; NULL when out of memory. */
static char *pol_eval_text(struct pol_pool *pl, const struct ast_stmt *s)
{
	char line[AST_TEXT_SIZE];
	size_t n = ast_stmt_text(s, line);

	return pol_pool_strndup(pl, line, n);
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
		*sp = NULL;
		return 0;
	case AST_RULE:
		return pol_eval_add_rule(ev, sp);
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

/* Make rule r of statement s, its prefixes and text in pl. */
static int pol_eval_rule(struct pol_eval *ev, struct pol_pool *pl, struct ast_stmt *s,
			 struct pol_rule *r)
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
	r->text = pol_eval_text(pl, s);
	if (!r->text)
		return -ENOMEM;

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
	} else if (pol_eval_now(ar)) {
		/* What pol_sets_expand() makes of one address, without its
		 * sort and its two arrays. */
		r->prefixes = pol_pool_alloc(pl, sizeof(*r->prefixes), _Alignof(struct pol_prefix));
		if (!r->prefixes)
			return -ENOMEM;
		r->prefixes[0] = ar->dest->v[0].pfx;
		r->n_prefixes = 1;
	} else {
		err = pol_sets_expand(&ev->sets, ar->dest, "this rule", &r->prefixes,
				      &r->n_prefixes, &r->host);
		if (!err)
			err = pol_pool_adopt(pl, r->prefixes);
		if (err) {
			r->prefixes = NULL;
			r->n_prefixes = 0;
			return err;
		}
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
	size_t i, j = 0, n_prefixes = 0;
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
	/* The rules, the pool that holds their prefixes and texts, and the
	 * policy's own strings go to p at once, so freeing p frees them all
	 * whatever comes next. */
	p->rules = ev->rules ? ev->rules : calloc(1, sizeof(*p->rules));
	if (!p->rules)
		goto cleanup;
	p->n_rules = ev->n_rules;
	p->pooled = true;
	p->pool = ev->pool;
	ev->rules = NULL;
	ev->n_rules = ev->cap_rules = 0;
	memset(&ev->pool, 0, sizeof(ev->pool));
	p->source_name = strdup(source_name);
	if (!p->source_name)
		goto cleanup;
	if (ev->dflt) {
		p->default_text = pol_eval_text(&p->pool, ev->dflt);
		if (!p->default_text)
			goto cleanup;
	}
	for (i = 0; i < p->n_rules; i++) {
		if (j < ev->n_pending && ev->pending[j].rule == i) {
			err = pol_eval_rule(ev, &p->pool, ev->pending[j].s, &p->rules[i]);
			ast_stmt_free(ev->pending[j].s);
			ev->pending[j++].s = NULL;
			if (err)
				goto cleanup;
		}
		/* Checked as each rule is expanded, so that a policy over it
		 * stops there, before the rest is expanded and compiled. */
		n_prefixes += p->rules[i].n_prefixes;
		if (n_prefixes > POL_MAX_PREFIXES) {
			pol_error(ev->d, &p->rules[i].loc,
				  "more than %u prefixes in the rules (the limit)",
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
	size_t i;

	pol_sets_release(&ev->sets);
	/* Rules not handed to a policy: only their ports are their own
	 * (pending ones are still zeroed). */
	for (i = 0; i < ev->n_rules; i++)
		free(ev->rules[i].ports);
	free(ev->rules);
	for (i = 0; i < ev->n_pending; i++)
		ast_stmt_free(ev->pending[i].s);
	free(ev->pending);
	pol_pool_free(&ev->pool);
	ast_stmt_free(ev->dflt);
}
