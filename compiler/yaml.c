/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * yaml.c - YAML block lists, read with libyaml's event API so a list of a
 * million addresses is streamed straight into one element vector.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "keywords.h"
#include "yaml.h"

struct pol_yaml {
	struct pol_diag *d;
	const char *file;
	struct pol_tally *tally;
	yaml_parser_t parser;
	yaml_event_t ev;
	bool have_ev;
	size_t len;  /* of the input */
	int depth;   /* open sequences and mappings */
	bool failed; /* a syntax error was reported; stop */
};

static struct pol_loc pol_yaml_loc(const struct pol_yaml *y, const yaml_event_t *e)
{
	struct pol_loc loc = {
		.file = y->file,
		.line = (int)e->start_mark.line + 1,
		.col = (int)e->start_mark.column + 1,
		.end_line = (int)e->end_mark.line + 1,
		.end_col = (int)e->end_mark.column,
	};

	if (loc.end_line != loc.line || loc.end_col < loc.col) {
		loc.end_line = loc.line;
		loc.end_col = loc.col;
	}
	return loc;
}

/* Fetch the next event into y->ev; -EINVAL after reporting a YAML error. */
static int pol_yaml_next(struct pol_yaml *y)
{
	const yaml_mark_t *mark;
	struct pol_loc loc;
	bool at_end;

	if (y->have_ev)
		yaml_event_delete(&y->ev);
	y->have_ev = false;
	if (yaml_parser_parse(&y->parser, &y->ev)) {
		y->have_ev = true;
		switch (y->ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++y->depth <= POL_YAML_MAX_DEPTH)
				break;
			loc = pol_yaml_loc(y, &y->ev);
			pol_error(y->d, &loc, "YAML nesting is deeper than %d levels",
				  POL_YAML_MAX_DEPTH);
			y->failed = true;
			return -EINVAL;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			y->depth--;
			break;
		default:
			break;
		}
		return 0;
	}
	if (y->parser.error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	/* Where libyaml gave up.  When that is the end of the input (a quote
	 * or a '[' never closed), the place to fix is where the construct it
	 * could not finish began: the context mark. */
	at_end = y->parser.context && y->parser.problem_mark.index >= y->len;
	mark = at_end ? &y->parser.context_mark : &y->parser.problem_mark;
	loc = (struct pol_loc){
		.file = y->file,
		.line = (int)mark->line + 1,
		.col = (int)mark->column + 1,
	};
	loc.end_line = loc.line;
	loc.end_col = loc.col;
	pol_error(y->d, &loc, "invalid YAML: %s%s%s%s",
		  y->parser.problem ? y->parser.problem : "parse error",
		  y->parser.context ? " " : "", y->parser.context ? y->parser.context : "",
		  at_end ? ", which starts here" : "");
	y->failed = true;
	return -EINVAL;
}

/*
 * The current event is a scalar whose value is used as a C string; libyaml
 * gives its length, so a NUL byte (the escape "\0") would silently cut it
 * short.  Returns false after reporting one.
 */
static bool pol_yaml_cstring(struct pol_yaml *y)
{
	struct pol_loc loc;

	if (!memchr(y->ev.data.scalar.value, '\0', y->ev.data.scalar.length))
		return true;
	loc = pol_yaml_loc(y, &y->ev);
	pol_error(y->d, &loc, "YAML string holds a NUL byte");
	return false;
}

/* Skip the node whose first event is current (its last event stays). */
static int pol_yaml_skip(struct pol_yaml *y)
{
	int depth = 0, err;

	for (;;) {
		switch (y->ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			depth++;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		if (depth <= 0)
			return 0;
		err = pol_yaml_next(y);
		if (err)
			return err;
	}
}

static int pol_yaml_refuse(struct pol_yaml *y, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Report the node whose first event is current, at its start, and skip it. */
static int pol_yaml_refuse(struct pol_yaml *y, const char *fmt, ...)
{
	struct pol_loc loc = pol_yaml_loc(y, &y->ev);
	va_list ap;

	va_start(ap, fmt);
	pol_verror(y->d, &loc, fmt, ap);
	va_end(ap);
	return pol_yaml_skip(y);
}

/* The current event is the sequence start of set name's value. */
static int pol_yaml_list(struct pol_yaml *y, struct ast_stmt *s)
{
	int err;

	while (!(err = pol_yaml_next(y)) && y->ev.type != YAML_SEQUENCE_END_EVENT) {
		struct pol_loc at = pol_yaml_loc(y, &y->ev);

		if (ast_elems_full(y->d, s->elems, &at)) {
			y->tally->over = true;
			return -EINVAL;
		}
		if (y->ev.type == YAML_SCALAR_EVENT && !pol_yaml_cstring(y)) {
			s->elems->listed++;
		} else if (y->ev.type == YAML_SCALAR_EVENT) {
			err = ast_elems_add_addr(y->d, s->elems,
						 (const char *)y->ev.data.scalar.value, &at);
		} else if (y->ev.type == YAML_ALIAS_EVENT) {
			s->elems->listed++;
			err = pol_yaml_refuse(
				y,
				"an element of set '%s' is a YAML alias (*%s): aliases "
				"are not supported; write the address out",
				s->name, (const char *)y->ev.data.alias.anchor);
		} else {
			s->elems->listed++;
			err = pol_yaml_refuse(y, "elements of set '%s' must be address strings",
					      s->name);
		}
		if (err)
			return err;
	}
	return err;
}

/* The current event is the top-level mapping start. */
static int pol_yaml_mapping(struct pol_yaml *y, struct ast_stmts *out)
{
	struct ast_stmt *s;
	struct pol_loc loc;
	int err;

	for (;;) {
		err = pol_yaml_next(y);
		if (err)
			return err;
		if (y->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		loc = pol_yaml_loc(y, &y->ev);
		s = NULL;
		if (y->ev.type != YAML_SCALAR_EVENT) {
			err = pol_yaml_refuse(y, "a set name must be a string");
		} else if (!pol_yaml_cstring(y)) {
			/* reported; the value is skipped below */
		} else if (y->ev.data.scalar.length > POL_MAX_NAME_LEN) {
			pol_error(y->d, &loc, "set name longer than %d characters (the limit)",
				  POL_MAX_NAME_LEN);
		} else if (!pol_name_valid((const char *)y->ev.data.scalar.value)) {
			pol_error(y->d, &loc, "'%s' is not a valid set name",
				  (const char *)y->ev.data.scalar.value);
		} else if (y->tally->sets >= POL_MAX_SETS) {
			pol_error(y->d, &loc, "more than %d sets (the limit)", POL_MAX_SETS);
			y->tally->over = true;
			return -EINVAL;
		} else {
			y->tally->sets++;
			s = ast_stmt_new(AST_SET, &loc);
			if (!s)
				return -ENOMEM;
			s->name_loc = loc;
			s->name = strdup((const char *)y->ev.data.scalar.value);
			s->elems = ast_elems_new();
			if (!s->name || !s->elems) {
				ast_stmt_free(s);
				return -ENOMEM;
			}
		}
		if (err)
			return err;

		err = pol_yaml_next(y);
		if (err)
			goto fail;
		if (y->ev.type == YAML_SEQUENCE_START_EVENT && s) {
			err = pol_yaml_list(y, s);
			if (err)
				goto fail;
			err = ast_stmts_add(out, s);
			if (err)
				return err;
			continue;
		}
		if (s && y->ev.type == YAML_ALIAS_EVENT) {
			err = pol_yaml_refuse(y,
					      "set '%s' is a YAML alias (*%s): aliases are not "
					      "supported; write the list out",
					      s->name, (const char *)y->ev.data.alias.anchor);
			ast_stmt_free(s);
		} else if (s) {
			err = pol_yaml_refuse(y, "set '%s' must be a list of addresses", s->name);
			ast_stmt_free(s);
		} else {
			err = pol_yaml_skip(y);
		}
		if (err)
			return err;
	}

fail:
	ast_stmt_free(s);
	return err;
}

int pol_yaml_parse(struct pol_diag *d, const char *file, const char *text, size_t len,
		   struct pol_tally *t, struct ast_stmts *out)
{
	struct pol_tally own = { 0 };
	struct pol_yaml y = { .d = d, .file = file, .tally = t ? t : &own, .len = len };
	size_t first = out->n;
	int err = -ENOMEM;

	if (!yaml_parser_initialize(&y.parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&y.parser, (const unsigned char *)text, len);
	for (;;) {
		err = pol_yaml_next(&y);
		if (err)
			goto cleanup;
		switch (y.ev.type) {
		case YAML_STREAM_END_EVENT:
			goto cleanup;
		case YAML_MAPPING_START_EVENT:
			err = pol_yaml_mapping(&y, out);
			if (err)
				goto cleanup;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_SCALAR_EVENT:
		case YAML_ALIAS_EVENT:
			err = pol_yaml_refuse(
				&y,
				"a YAML list must be a mapping of set names to lists of addresses");
			if (err)
				goto cleanup;
			break;
		default:
			break;
		}
	}

cleanup:
	if (y.have_ev)
		yaml_event_delete(&y.ev);
	yaml_parser_delete(&y.parser);
	/* After a syntax error the sets read so far may be cut short; using
	 * them would only add confusing follow-up errors. */
	if (y.failed) {
		while (out->n > first)
			ast_stmt_free(out->v[--out->n]);
	}
	/* A reported syntax error is not a failure of the call. */
	return err == -EINVAL ? 0 : err;
}
