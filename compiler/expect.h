/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * expect.h - policy tests: the `expect` statements of a .jpt file, each
 * a verdict a policy must give, checked through the classifier the kernel
 * runs (classify.h over the compiled tables, as --explain is).
 *
 *   policy "agent.jp";
 *   expect deny  169.254.169.254:80/tcp;
 *   expect allow [2606:4700::1111]:443/tcp from netns container;
 *   expect allow 10.30.5.20:443/tcp by "agent.jp":19;
 *   expect deny  host:22/tcp;
 */
#ifndef JAILPOL_EXPECT_H
#define JAILPOL_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "explain.h"
#include "policy.h"

/* One `expect` statement. */
struct pol_expect {
	struct pol_loc loc; /* the destination, where a failure points */
	uint8_t verdict;    /* enum pol_verdict */
	bool any_host;      /* host[:PORT][/PROTO]: every address of the host set */
	struct pol_probe probe;
	bool by;         /* `by ...`: the deciding rule is named */
	bool by_default; /* `by default`: the default statement decides */
	char *by_file;   /* `by "FILE":LINE` */
	unsigned by_line;
};

/* A .jpt file, parsed. */
struct pol_expect_file {
	const char *name; /* the diag's copy of its path */
	char *policy;     /* `policy "..."`, relative to the file's directory; NULL if none */
	struct pol_loc policy_loc; /* its file name */
	struct pol_expect *v;
	size_t n, cap;
};

/*
 * Read and parse the .jpt file at path, every error reported through d
 * (with its line quoted).  Returns 0, -EINVAL when it has errors (then
 * reported), -ENOMEM, or the negative errno of a file that cannot be
 * read (the caller's to report, as for a policy named on the command
 * line).  f is filled in either way; pol_expect_free() it.
 */
int pol_expect_parse(struct pol_diag *d, const char *path, struct pol_expect_file *f);

/* The same for text[0..len) (no NUL needed) named name, as if read from
 * a file of that name. */
int pol_expect_parse_text(struct pol_diag *d, const char *name, const char *text, size_t len,
			  struct pol_expect_file *f);

/*
 * Check every statement of f against t (which may gain and lose host
 * entries on the way, and is left as it was).  A statement that does not
 * hold is reported through report, with its line quoted:
 *
 *   agent.jpt:4: expected deny, got allow by agent.jp:12: allow 10.0.0.0/8;
 *
 * followed by the case that failed when the statement covers several
 * (protocols, netns scopes, ports, host addresses).  *passed and *failed
 * count the statements.  Returns 0 or -ENOMEM.
 */
int pol_expect_run(struct pol_diag *report, const struct pol_expect_file *f, struct pol_tables *t,
		   unsigned *passed, unsigned *failed);

void pol_expect_free(struct pol_expect_file *f);

#endif /* JAILPOL_EXPECT_H */
