/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * explain.h - which rule decides a destination, through the same classifier
 * the kernel runs (classify.h over the compiled tables).
 */
#ifndef JAILPOL_EXPLAIN_H
#define JAILPOL_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../lib/tables.h"

/* What a probe asks about. */
enum pol_probe_kind {
	POL_PROBE_IP,   /* a destination address */
	POL_PROBE_UNIX, /* "unix:@name" or "unix:/path" */
	POL_PROBE_SOCK, /* "socket:raw" or "socket:ping" */
};

/* A destination to explain: "1.1.1.1:443/tcp", "[::1]:22", "fe80::1/udp",
 * "unix:@/tmp/.X11-unix/X0", "socket:raw". */
struct pol_probe {
	uint8_t kind;   /* enum pol_probe_kind */
	uint8_t family; /* 4 or 6, as written */
	uint8_t addr[16];
	bool has_port;
	uint16_t port;
	int proto;                            /* enum pol_proto, or -1 for both tcp and udp */
	int scope;                            /* enum pol_scope, or -1 for both */
	char text[4 * POL_UNIX_NAME_MAX + 8]; /* the destination as written */
	uint8_t unix_name[POL_UNIX_NAME_MAX]; /* POL_PROBE_UNIX: sun_path bytes */
	uint16_t unix_len;
	uint8_t sock_kind; /* POL_PROBE_SOCK: enum pol_sock_kind */
};

/* Parse ADDR[:PORT][/PROTO], unix:NAME (NAME "@abstract" or a path; \xHH
 * and \0 write a byte, \\ and \@ the character) or socket:raw|ping.  0,
 * or -EINVAL with a message in err. */
int pol_probe_parse(const char *s, struct pol_probe *out, char *err, size_t errlen);

/*
 * Print the verdict and deciding rule for every case the probe leaves open
 * (protocol, netns scope, whether the address is one of the host's, and
 * port ranges when no port was given).  May add a host entry to t.
 * Returns 0 or -ENOMEM.
 */
int pol_explain(FILE *out, struct pol_tables *t, const struct pol_probe *p, bool json);

/* The file, line and text of a deciding rule; for POL_RULE_UNMATCHED and
 * a number past the rules, a text that says so ("" and "?" as file). */
void pol_explain_origin(const struct pol_tables *t, uint32_t rule, const char **file,
			unsigned *line, const char **text);

#endif /* JAILPOL_EXPLAIN_H */
