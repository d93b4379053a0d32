/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unix.h - the rules beyond IP destinations: Unix socket addresses, whose
 * name patterns become one DFA that decides every name (policy_abi.h,
 * UNIX_DFA), and socket creation (SOCK).
 *
 * Patterns (docs/language.md): "@name" is an abstract name, "/..." a
 * path; '*' matches any bytes but '/', '**' any bytes; '\' escapes the
 * next character, and \xHH and \0 write a byte.  Paths are compared as
 * written, never resolved: a path that is not normal (relative, or with
 * an empty, '.' or '..' component, or a trailing '/') could name any
 * socket, so an allow rule's path patterns never match it and a deny
 * rule's path patterns always do.
 */
#ifndef JAILPOL_UNIX_H
#define JAILPOL_UNIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/tables.h"
#include "diag.h"
#include "policy.h"

/*
 * Decode the pattern text (as written between the quotes) at loc into
 * *out.  want: POL_UNIX_ABSTRACT or POL_UNIX_PATH when the rule said
 * 'unix abstract' or 'unix path', else 0.  Problems are reported; returns
 * 0, -EINVAL (reported, *out untouched) or -ENOMEM.
 */
int pol_unix_pattern_parse(struct pol_diag *d, const char *text, const struct pol_loc *loc,
			   uint8_t want, struct pol_unix_pattern *out);

/* The escape after a '\' at s, in patterns and in --explain's names:
 * \xHH and \0 write a byte, a character of self itself.  Returns how
 * many characters it takes (the byte in *byte), or 0 when it is none. */
int pol_unix_escape(const char *s, const char *self, int *byte);

/* True when the path name[0..len) is normal: absolute, and no empty, '.'
 * or '..' component nor a trailing '/'. */
bool pol_unix_path_normal(const uint8_t *name, size_t len);

/*
 * The Unix and socket tables of p into t (UNIX, UNIX_DFA, UNIX_ACC, SOCK,
 * and the flags USES_UNIX and USES_SOCK), and with POL_W_SHADOW the Unix
 * and socket rules that decide nothing.  An automaton past
 * POL_MAX_UNIX_DFA entries is an error.  Returns 0, -EINVAL (reported) or
 * -ENOMEM.
 */
int pol_unix_compile(const struct pol_policy *p, struct pol_diag *d, struct pol_tables *t);

#endif /* JAILPOL_UNIX_H */
