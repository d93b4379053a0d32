/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz.h - what the libFuzzer targets of tests/fuzz/ share: the front end
 * run on a memory buffer, as compiler/frontend.c runs it on a file.
 *
 * There is no pol_compile_buffer() yet, so fuzz_frontend() repeats
 * frontend.c's loop over the statements of one buffer; an include
 * statement is reported and skipped (a fuzzer must not read files the
 * input names).
 */
#ifndef JAILPOL_FUZZ_H
#define JAILPOL_FUZZ_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "eval.h"
#include "policy.h"
#include "yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Scan, parse and check data[0..size) as a .jp file (yaml: a YAML block
 * list), the diagnostics to d.  With out, resolve the policy too: 0 and
 * *out set, or a negative errno (-EINVAL when the input had errors).
 * The text is handed over in a buffer of exactly size bytes, no NUL after
 * it, so AddressSanitizer sees a read past its end.
 */
static inline int fuzz_frontend(const uint8_t *data, size_t size, bool yaml, struct pol_diag *d,
				struct pol_policy **out)
{
	const char *file = yaml ? "fuzz.yaml" : "fuzz.jp";
	struct ast_stmts stmts = { 0 };
	struct pol_eval ev;
	const char *name;
	char *text;
	size_t i;
	int err;

	text = malloc(size ? size : 1);
	if (!text)
		return -ENOMEM;
	memcpy(text, data, size);
	name = pol_diag_add_file(d, file, text, size);
	if (!name) {
		free(text);
		return -ENOMEM;
	}
	pol_eval_init(&ev, d);
	if (yaml)
		err = pol_yaml_parse(d, name, text, size, NULL, &stmts);
	else
		err = pol_parse_buffer(d, name, text, size, NULL, &stmts);
	free(text);
	for (i = 0; i < stmts.n && !err; i++) {
		if (stmts.v[i]->kind == AST_INCLUDE)
			pol_error(d, &stmts.v[i]->loc, "fuzz: include not followed");
		else
			err = pol_eval_stmt(&ev, &stmts.v[i]);
	}
	ast_stmts_release(&stmts);
	if (!err && out)
		err = pol_eval_finish(&ev, name, name, out);
	pol_eval_release(&ev);
	return err;
}

#endif /* JAILPOL_FUZZ_H */
