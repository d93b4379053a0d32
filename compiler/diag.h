/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * diag.h - errors and warnings that point at the input, nft style:
 *
 *   policies/web.jp:7:10: error: set 'corp' is not defined
 *   deny corp port 22;
 *        ^~~~
 *
 * All errors of a run are collected (printed as they come, in order); the
 * caller checks pol_diag_failed() at the end.  The CLI owns the stream.
 */
#ifndef JAILPOL_DIAG_H
#define JAILPOL_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "pol_limits.h"
#include "policy.h"

/* Warning classes, each switchable with -W<name> / -Wno-<name>. */
enum pol_warning {
	POL_W_SHADOW,    /* "shadow": a rule earlier rules already cover */
	POL_W_DUPLICATE, /* "duplicate": an element listed twice */
	POL_W_HOST_BITS, /* "host-bits": a CIDR with host bits set */
	POL_W_MAPPED,    /* "mapped": an IPv6 prefix that also covers IPv4 */
	POL_W_AUDIT,     /* "audit": `mode audit;`, a policy that refuses nothing */
	POL_W_MAX,
};

struct pol_diag_file;

struct pol_diag {
	FILE *out;
	bool color;
	bool enabled[POL_W_MAX];
	bool werror; /* -Werror: warnings count as errors */
	unsigned n_errors;
	unsigned n_warnings;
	unsigned max_errors; /* -fmax-errors=N: messages shown, 0 for no limit */
	unsigned n_shown;    /* errors and warnings printed */
	unsigned n_hidden_errors;
	unsigned n_hidden_warnings;
	struct pol_diag_file *files; /* sources kept to quote lines */
};

/* out may be NULL to discard messages (tests, fuzzers). */
void pol_diag_init(struct pol_diag *d, FILE *out);
void pol_diag_free(struct pol_diag *d);

/*
 * Keep a copy of a source file's text so diagnostics can quote it.  Returns
 * the diag's own copy of name, valid until pol_diag_free(); pol_loc.file
 * points at it.  NULL on allocation failure.
 */
const char *pol_diag_add_file(struct pol_diag *d, const char *name, const char *text, size_t len);

/* The diag's copy of the text of file (a name pol_diag_add_file()
 * returned), NUL-terminated and valid until pol_diag_free(); NULL for a
 * name it did not return. */
const char *pol_diag_file_text(const struct pol_diag *d, const char *file);

/* Apply "-Wshadow", "-Wno-duplicate", "-Werror", "-Wall", "-Wnone",
 * "-fmax-errors=N" (errors and warnings together; 0 for no limit).
 * Returns 0 or -EINVAL for an unknown name. */
int pol_diag_option(struct pol_diag *d, const char *opt);

/* The name of a warning class ("shadow", ...). */
const char *pol_warning_name(enum pol_warning w);

/* loc may be NULL for a message about no particular place. */
void pol_error(struct pol_diag *d, const struct pol_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* pol_error() for a caller with a va_list of its own. */
void pol_verror(struct pol_diag *d, const struct pol_loc *loc, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
void pol_warn(struct pol_diag *d, enum pol_warning w, const struct pol_loc *loc, const char *fmt,
	      ...) __attribute__((format(printf, 4, 5)));
/* A note attached to the previous message ("note: first defined here"). */
void pol_note(struct pol_diag *d, const struct pol_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A test that did not hold (jailpolc --test): "file:line: message", then
 * the line quoted with a caret under loc.  Counted as neither an error nor
 * a warning, and shown past -fmax-errors. */
void pol_failure(struct pol_diag *d, const struct pol_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The .jp parser starts on file, and has parsed a statement of it.  A file
 * with errors on two lines before its first statement does not look like a
 * policy: that is said once, and no more of it is quoted.
 */
void pol_diag_begin(struct pol_diag *d, const char *file);
void pol_diag_statement(struct pol_diag *d, const char *file);

/* Say how many messages were held back (-fmax-errors, files that are not
 * policies); call once at the end. */
void pol_diag_finish(struct pol_diag *d);

/* True once an error (or, under -Werror, a warning) was reported. */
bool pol_diag_failed(const struct pol_diag *d);

#endif /* JAILPOL_DIAG_H */
