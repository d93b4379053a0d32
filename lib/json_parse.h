/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * json_parse.h - a strict JSON reader for input from outside (the OCI
 * state a container runtime hands the hook): RFC 8259 and nothing more,
 * into a tree of values.
 *
 *	struct pol_jval *root;
 *
 *	if (pol_json_parse(text, len, &root, err, sizeof(err)))
 *		... err: "line 1, column 17: expected ',' or '}' after an object member"
 *	pid = pol_jval_member(root, "pid");
 *	...
 *	pol_json_free(root);
 *
 * Refused, each with a message naming line and column: anything but one
 * value between optional whitespace; a NUL byte anywhere; a UTF-8 byte
 * order mark; invalid UTF-8 (overlong forms, encoded surrogates, beyond
 * U+10FFFF); raw control characters in strings; lone surrogate escapes;
 * \u0000 (strings are C strings and must not be cut short); a member name
 * twice in one object (two readers could see different values); nesting
 * deeper than POL_JSON_MAX_DEPTH.  Numbers follow the JSON grammar;
 * integers that fit int64_t are kept exact.
 */
#ifndef JAILPOL_JSON_PARSE_H
#define JAILPOL_JSON_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Arrays and objects nested deeper than this are refused. */
#define POL_JSON_MAX_DEPTH 64

enum pol_jtype {
	POL_JNULL,
	POL_JBOOL,
	POL_JNUMBER,
	POL_JSTRING,
	POL_JARRAY,
	POL_JOBJECT,
	POL_JTYPE_MAX,
};

struct pol_jval;

/*
 * Parse the len bytes at text (no terminator needed) into *out, which the
 * caller frees with pol_json_free().  0, or -EINVAL with err saying what
 * and where (*out untouched), -ENOMEM.
 */
int pol_json_parse(const char *text, size_t len, struct pol_jval **out, char *err, size_t errlen);

/* Free a tree from pol_json_parse(); NULL is fine. */
void pol_json_free(struct pol_jval *v);

enum pol_jtype pol_jval_type(const struct pol_jval *v);

/* The member name of an object; NULL if absent or v is not an object. */
const struct pol_jval *pol_jval_member(const struct pol_jval *v, const char *name);

/* The items of an array or members of an object: how many, and the i-th
 * (with its name for an object, else NULL); NULL past the end. */
size_t pol_jval_count(const struct pol_jval *v);
const struct pol_jval *pol_jval_at(const struct pol_jval *v, size_t i, const char **name);

/* A string's value (valid UTF-8, no NUL inside); NULL if not a string. */
const char *pol_jval_str(const struct pol_jval *v);

/* A number as an int64_t: -EINVAL if v is not a number or not an integer
 * (a fraction or an exponent), -ERANGE if outside int64_t. */
int pol_jval_int(const struct pol_jval *v, int64_t *out);

/* A boolean: -EINVAL if v is not one. */
int pol_jval_bool(const struct pol_jval *v, bool *out);

/* A string from a document, for a message: at most its first 40 bytes,
 * those outside printable ASCII, quotes and backslashes as \xNN, "..." if
 * cut, so a hostile string cannot write escape sequences to a terminal.
 * POL_JSON_SHOWN bytes hold any result. */
#define POL_JSON_SHOWN (4 * 40 + 4)
void pol_json_shown(char *out, size_t len, const char *s);

#endif /* JAILPOL_JSON_PARSE_H */
