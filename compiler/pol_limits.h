/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pol_limits.h - every limit of a policy source, in one place (jailpol(5),
 * Limits).  Each is far beyond any real policy, and keeps the memory and
 * time a hostile or broken input can cost bounded; each is reported at the
 * offending place with an error naming it.  They are compile-time
 * constants on purpose: a test cannot lower them, so the tests feed inputs
 * just past them.
 */
#ifndef JAILPOL_POL_LIMITS_H
#define JAILPOL_POL_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest policy source read, .jp or YAML; enforced while reading, so
 * a file that grows is caught too. */
#define POL_SOURCE_MAX_SIZE (64u << 20)
#define POL_SOURCE_MAX_SIZE_TEXT "64 MiB"

/* How deeply includes may nest below the top file. */
#define POL_INCLUDE_DEPTH 16

/* Source files read in total, the top file and each include counted. */
#define POL_MAX_FILES 4096

/* Deepest nesting of sequences and mappings a YAML list may have.  A list
 * needs 2 (mapping, sequence); the limit stops a file of nested '[' from
 * keeping libyaml busy for minutes. */
#define POL_YAML_MAX_DEPTH 64

/* The longest name (of a set, or a word where a keyword may stand). */
#define POL_MAX_NAME_LEN 255

/* Rule statements in a policy, all files counted.  Rule-per-line lists of
 * half a million prefixes are real; this is four times that. */
#define POL_MAX_RULES (1u << 21)

/* Sets defined in a policy (.jp sets and YAML keys; built-ins not
 * counted). */
#define POL_MAX_SETS 65536

/* Elements written in one list, a set's or a rule's own. */
#define POL_MAX_ELEMENTS (1u << 22)

/* Prefixes of all rules together, after their sets are expanded: what the
 * decision compiler (decide.c) works on.  The performance target is 1M. */
#define POL_MAX_PREFIXES (1u << 22)

/* Unix name patterns in a policy, and entries of the automaton they
 * compile to (states x byte classes, 4 bytes each in the kernel).  A few
 * dozen patterns need a few thousand. */
#define POL_MAX_UNIX_PATTERNS 4096
#define POL_MAX_UNIX_DFA (1u << 22)

/* Errors and warnings shown by default (-fmax-errors=N); the rest are
 * counted. */
#define POL_DIAG_MAX_ERRORS 20

/* A quoted line longer than this many columns is shown as a window around
 * the caret, with "..." on a cut side. */
#define POL_DIAG_WIDTH 120

/* decide.c numbers rules, prefix-tree nodes (two per prefix at most, plus
 * the roots) and decisions in uint32_t, with UINT32_MAX for "none"; the
 * scanner counts offsets in int. */
_Static_assert(POL_MAX_RULES < UINT32_MAX / 4, "rule numbers are uint32_t");
_Static_assert(POL_MAX_PREFIXES < UINT32_MAX / 8, "tree nodes are numbered in uint32_t");
_Static_assert(POL_MAX_ELEMENTS < UINT32_MAX / 8, "elements are counted in uint32_t");
_Static_assert(POL_SOURCE_MAX_SIZE < INT32_MAX, "the scanner counts in int");

/*
 * What a policy has created so far, across its files, for the limits that
 * count the whole policy; the front end keeps one and hands it to each
 * file's parser.  over is set when a limit was hit (and reported): reading
 * stops there, rather than after doing all the work.
 */
struct pol_tally {
	size_t rules;
	size_t sets;
	bool over;
};

#endif /* JAILPOL_POL_LIMITS_H */
