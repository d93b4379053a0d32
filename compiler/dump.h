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
void pol_dump(FILE *out, const struct pol_tables *t, size_t file_size, bool json);

#endif /* JAILPOL_DUMP_H */
