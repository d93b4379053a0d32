/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * yaml.h - YAML block lists: a mapping of set names to sequences of
 * address/CIDR strings, read as `set` statements.
 *
 *   corp:
 *     - 10.20.0.0/16
 *     - 2001:db8:100::/48
 */
#ifndef JAILPOL_YAML_H
#define JAILPOL_YAML_H

#include <stddef.h>

#include "ast.h"
#include "diag.h"
#include "pol_limits.h"

/*
 * Read text (the contents of file, whose name is the diag's copy) and
 * append one AST_SET statement per key to out.  Problems are reported to d
 * with locations in file.  Sets are counted in t (NULL: this file alone);
 * past a limit, reading stops and t->over is set.  Returns 0 or -ENOMEM.
 */
int pol_yaml_parse(struct pol_diag *d, const char *file, const char *text, size_t len,
		   struct pol_tally *t, struct ast_stmts *out);

#endif /* JAILPOL_YAML_H */
