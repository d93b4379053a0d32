/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * json.h - the one JSON writer of both halves (after bpftool's
 * json_writer.c): compact output, commas and nesting kept by the writer,
 * every string escaped so the document is valid JSON for any input bytes.
 *
 *	struct pol_json j;
 *
 *	pol_json_init(&j, stdout);
 *	pol_json_object_begin(&j);
 *	pol_json_str_field(&j, "source", name);
 *	pol_json_name(&j, "rules");
 *	pol_json_array_begin(&j);
 *	...
 *	pol_json_array_end(&j);
 *	pol_json_object_end(&j);	(the outermost end adds a newline)
 */
#ifndef JAILPOL_JSON_H
#define JAILPOL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Nesting deeper than this is a caller bug; the writer stops indexing its
 * comma state there but still writes balanced output. */
#define POL_JSON_DEPTH 16

struct pol_json {
	FILE *out;
	unsigned int depth;
	bool after_name;           /* a value follows its name: no comma */
	bool more[POL_JSON_DEPTH]; /* the container at depth i has an item */
};

void pol_json_init(struct pol_json *j, FILE *out);

void pol_json_object_begin(struct pol_json *j);
void pol_json_object_end(struct pol_json *j);
void pol_json_array_begin(struct pol_json *j);
void pol_json_array_end(struct pol_json *j);

/* The name of the next member of the current object. */
void pol_json_name(struct pol_json *j, const char *name);

/* Values.  A string is escaped: '"', '\\' and control characters, and
 * each byte that is not part of valid UTF-8 becomes U+FFFD, so the output
 * stays valid JSON whatever the input holds. */
void pol_json_string(struct pol_json *j, const char *s);
void pol_json_uint(struct pol_json *j, uint64_t v);
void pol_json_bool(struct pol_json *j, bool v);
void pol_json_null(struct pol_json *j);

/* A member: name, then value. */
void pol_json_str_field(struct pol_json *j, const char *name, const char *s);
void pol_json_uint_field(struct pol_json *j, const char *name, uint64_t v);
void pol_json_bool_field(struct pol_json *j, const char *name, bool v);

/* A whole document: {"error": msg} and a newline. */
void pol_json_error(FILE *out, const char *msg);

#endif /* JAILPOL_JSON_H */
