/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * frontend.h - from a .jp file to a resolved struct pol_policy:
 * source.c -> scanner.l -> parser.y -> ast.c (yaml.c) -> eval.c (sets.c),
 * driven by frontend.c.
 */
#ifndef JAILPOL_FRONTEND_H
#define JAILPOL_FRONTEND_H

#include "diag.h"
#include "policy.h"

/*
 * Read path (and what it includes), check it, and resolve it.  Every error
 * and warning goes to d, but for a path that cannot be opened: that gives
 * its negative errno, unreported.  Returns 0 and sets *out, or a negative
 * errno (-EINVAL when the input had errors, -ENOMEM) and leaves *out
 * untouched.
 */
int pol_compile_file(const char *path, struct pol_diag *d, struct pol_policy **out);

#endif /* JAILPOL_FRONTEND_H */
