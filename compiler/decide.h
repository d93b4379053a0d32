/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * decide.h - first-match resolution: a struct pol_policy becomes the two
 * lookup tables of policy_abi.h.
 */
#ifndef JAILPOL_DECIDE_H
#define JAILPOL_DECIDE_H

#include "../lib/tables.h"
#include "diag.h"
#include "policy.h"

/*
 * Compile p into *out (which owns all its storage).  Lints go to d (may be
 * NULL): a rule that can never decide anything is reported with
 * POL_W_SHADOW, naming earlier rules that cover it.  Returns 0 or -ENOMEM;
 * *out is untouched on failure.  Runs in O(P log P) for P prefixes.
 */
int pol_decide(const struct pol_policy *p, struct pol_diag *d, struct pol_tables *out);

#endif /* JAILPOL_DECIDE_H */
