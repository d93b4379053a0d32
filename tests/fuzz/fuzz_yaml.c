/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_yaml.c - libFuzzer target: a YAML block list (what `include
 * "corp.yaml"` reads) through compiler/yaml.c and the semantic checks of
 * the sets it defines.  Any crash, leak or undefined behaviour is a
 * finding; errors in the input are not.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pol_policy *p = NULL;
	struct pol_diag d;

	pol_diag_init(&d, NULL);
	if (!fuzz_frontend(data, size, true, &d, &p))
		pol_policy_free(p);
	pol_diag_free(&d);
	return 0;
}
