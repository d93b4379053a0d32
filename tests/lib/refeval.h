/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * refeval.h - the reference evaluator: walks the resolved rules in order
 * and returns the first that matches, literally.  No tables, no cleverness:
 * it is what the compiled classifier is tested against.
 */
#ifndef JAILPOL_REFEVAL_H
#define JAILPOL_REFEVAL_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

struct pol_query;
struct pol_result;
struct pol_unix_query;

/* A set of host addresses (canonical, family 4 or 6) for the `host` set. */
struct pol_hostset {
	const struct pol_prefix *addrs; /* full-length prefixes */
	size_t n;
};

/* The verdict for q under p, with the same canonicalisation and
 * unspecified-address rule as classify.h.  q is canonicalised in place. */
void pol_ref_eval(const struct pol_policy *p, const struct pol_hostset *hosts, struct pol_query *q,
		  struct pol_result *r);

/* The verdict for the Unix address q (canonicalised in place as
 * classify.h does), by matching each Unix rule's patterns in turn. */
void pol_ref_eval_unix(const struct pol_policy *p, struct pol_unix_query *q, struct pol_result *r);

/* The verdict for creating a socket of kind (enum pol_sock_kind) in
 * scope. */
void pol_ref_eval_sock(const struct pol_policy *p, unsigned int kind, unsigned int scope,
		       struct pol_result *r);

#endif /* JAILPOL_REFEVAL_H */
