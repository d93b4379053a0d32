/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * builtins.h - the built-in named sets (loopback, metadata, ...), usable
 * wherever a set name is; docs/language.md lists their contents.
 */
#ifndef JAILPOL_BUILTINS_H
#define JAILPOL_BUILTINS_H

#include <stdbool.h>
#include <stddef.h>

struct pol_builtin {
	const char *name;
	const char *const *elems; /* canonical address/CIDR strings, NULL-ended */
	bool host;                /* the runtime-filled host address set */
};

/* The built-in set called name, or NULL. */
const struct pol_builtin *pol_builtin_find(const char *name);

/* Built-in i for i < pol_builtin_count(), in documentation order. */
const struct pol_builtin *pol_builtin_get(size_t i);
size_t pol_builtin_count(void);

#endif /* JAILPOL_BUILTINS_H */
