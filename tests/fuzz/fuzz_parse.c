/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_parse.c - libFuzzer target: a .jp text through the scanner, the
 * parser and the semantic checks (compiler/scanner.l, parser.y, ast.c,
 * eval.c, sets.c) to a resolved policy.  Any crash, leak or undefined
 * behaviour is a finding; errors in the input are not.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pol_policy *p = NULL;
	struct pol_diag d;

	pol_diag_init(&d, NULL);
	if (!fuzz_frontend(data, size, false, &d, &p))
		pol_policy_free(p);
	pol_diag_free(&d);
	return 0;
}
