/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * names.h - the names of the ABI's enums (policy_abi.h), as the CLIs of
 * both halves print them.
 */
#ifndef JAILPOL_NAMES_H
#define JAILPOL_NAMES_H

/* "deny", "allow"; "?" out of range. */
const char *pol_verdict_name(unsigned int v);
/* "tcp", "udp", "other"; "?" out of range. */
const char *pol_proto_name(unsigned int p);
/* "host", "container"; "?" out of range. */
const char *pol_scope_name(unsigned int s);
/* "raw", "ping"; "?" out of range. */
const char *pol_sock_kind_name(unsigned int k);

#endif /* JAILPOL_NAMES_H */
