/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * keywords.h - the keywords of the rule language, once: the scanner turns a
 * name that is one into its token, the YAML loader refuses them as set
 * names, and tests/run-tests.sh checks that docs/language.md lists exactly
 * these, in this order.
 *
 * POL_KEYWORDS(X) calls X(TOKEN, "word") per keyword; TOKEN is the bison
 * token of parser.y (`%token TOKEN "'word'"`).
 */
#ifndef JAILPOL_KEYWORDS_H
#define JAILPOL_KEYWORDS_H

#include <stdbool.h>
#include <stddef.h>

#define POL_KEYWORDS(X)         \
	X(DEFAULT, "default")   \
	X(ALLOW, "allow")       \
	X(DENY, "deny")         \
	X(SET, "set")           \
	X(INCLUDE, "include")   \
	X(TO, "to")             \
	X(PORT, "port")         \
	X(PROTO, "proto")       \
	X(NETNS, "netns")       \
	X(LOG, "log")           \
	X(BACKSTOP, "backstop") \
	X(MODE, "mode")         \
	X(ANY, "any")           \
	X(TCP, "tcp")           \
	X(UDP, "udp")           \
	X(UNIX, "unix")         \
	X(ABSTRACT, "abstract") \
	X(PATH, "path")         \
	X(SOCKET, "socket")

/* The keyword s is, as an index into POL_KEYWORDS() order, or -1. */
int pol_keyword_find(const char *s);

/*
 * True if s may name a set: it matches [a-zA-Z_][a-zA-Z0-9_-]* (the
 * scanner's IDENT, which must stay equal to this; tests/unit/test_names.c
 * checks both on a list of tricky names) and is not a keyword.
 */
bool pol_name_valid(const char *s);

#endif /* JAILPOL_KEYWORDS_H */
