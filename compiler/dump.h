/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dump.h - a readable listing of a compiled policy: exactly what the kernel
 * will be given, decoded.
 */
#ifndef JAILPOL_DUMP_H
#define JAILPOL_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../lib/tables.h"

/* file_size is the policy.bin's size (0 if not from a file). */
void pol_dump(FILE *out, const struct pol_tables *t, size_t file_size,
	      bool json);

/* Names used by dump and explain. */
const char *pol_verdict_name(unsigned v);
const char *pol_proto_name(unsigned p);
const char *pol_scope_name(unsigned s);

/* Write s as a JSON string literal, quotes included. */
void pol_json_string(FILE *out, const char *s);

#endif /* JAILPOL_DUMP_H */
