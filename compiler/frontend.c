/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * frontend.c - pol_compile_file(): each file read (source.c), scanned and
 * parsed (scanner.l, parser.y, ast.c; yaml.c for a block list), its
 * includes loaded where they stand, its statements checked (eval.c).
 */
#include <errno.h>
#include <stdlib.h>

#include "eval.h"
#include "frontend.h"
#include "source.h"
#include "yaml.h"

struct pol_frontend {
	struct pol_source src;
	struct pol_eval ev;
	struct pol_tally tally;
};

static int pol_frontend_load(struct pol_frontend *fe, const char *path, const struct pol_loc *at);

/* A rule of a .jp file, as soon as it is parsed: nothing in between is
 * numbered before it (parser.y keeps those after an include), and taking
 * a rule says nothing, so the messages come in the order they did when
 * every statement waited for the file's end. */
static int pol_frontend_take(void *arg, struct ast_stmt **s)
{
	struct pol_frontend *fe = arg;

	return pol_eval_stmt(&fe->ev, s);
}

/* An include is loaded where it stands: its sets are defined, and its
 * rules numbered, before those of the statements after it. */
static int pol_frontend_include(struct pol_frontend *fe, const struct ast_stmt *s, const char *from)
{
	char *path;
	int err;

	/* "" would name the including file's own directory. */
	if (!s->name[0]) {
		pol_error(fe->src.d, &s->loc, "include of an empty path");
		return 0;
	}
	path = pol_source_include(from, s->name);
	if (!path)
		return -ENOMEM;
	err = pol_frontend_load(fe, path, &s->loc);
	free(path);
	return err;
}

/* at is the include statement, NULL for the top file. */
static int pol_frontend_load(struct pol_frontend *fe, const char *path, const struct pol_loc *at)
{
	struct ast_stmts stmts = { 0 };
	const char *name, *src;
	char *text = NULL;
	size_t len = 0, i;
	int err;

	err = pol_source_push(&fe->src, path, at, &name, &text, &len);
	if (err || !name)
		return err;
	/* The diag keeps a copy of the file, to quote it and to make the
	 * rules' texts from: read that one, and hold the file once, not
	 * twice. */
	free(text);
	src = pol_diag_file_text(fe->ev.d, name);
	if (pol_source_is_yaml(path))
		err = pol_yaml_parse(fe->ev.d, name, src, len, &fe->tally, &stmts);
	else
		err = pol_parse_buffer_take(fe->ev.d, name, src, len, &fe->tally, &stmts,
					    pol_frontend_take, fe);
	/* Past a limit the file was read only so far: stop here, rather than
	 * check and compile what is left (and report what it then lacks). */
	if (!err && fe->tally.over)
		err = -EINVAL;
	for (i = 0; i < stmts.n && !err; i++) {
		/* Whether the jail enforces at all is the top file's to say: a
		 * shared list that is included must never turn it off. */
		if (at && stmts.v[i]->kind == AST_MODE)
			pol_error(fe->ev.d, &stmts.v[i]->loc,
				  "'mode' is set in the top policy file only, not in an included "
				  "one");
		else if (stmts.v[i]->kind == AST_INCLUDE)
			err = pol_frontend_include(fe, stmts.v[i], name);
		else
			err = pol_eval_stmt(&fe->ev, &stmts.v[i]);
		/* What eval.c did not keep is done with. */
		ast_stmt_free(stmts.v[i]);
		stmts.v[i] = NULL;
	}
	pol_source_pop(&fe->src);
	ast_stmts_release(&stmts);
	return err;
}

int pol_compile_file(const char *path, struct pol_diag *d, struct pol_policy **out)
{
	struct pol_frontend fe = { .src = { .d = d } };
	const char *top;
	int err;

	pol_eval_init(&fe.ev, d);
	err = pol_frontend_load(&fe, path, NULL);
	if (!err) {
		top = pol_source_top(&fe.src);
		err = pol_eval_finish(&fe.ev, path, top ? top : path, out);
	}
	pol_eval_release(&fe.ev);
	pol_source_release(&fe.src);
	return err;
}
