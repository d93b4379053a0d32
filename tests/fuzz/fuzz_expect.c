/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_expect.c - libFuzzer target: a .jpt text through the policy tests'
 * parser (compiler/expect.c), and what parses run against a small
 * compiled policy with every kind of rule (host, netns scopes, ports,
 * Unix names, socket kinds).  Any crash, leak or undefined behaviour is
 * a finding, and so is a run that leaves a host entry in the tables or
 * counts other than one result per statement; errors in the input are
 * not.
 */
#include <stdio.h>
#include <stdlib.h>

#include "decide.h"
#include "emit.h"
#include "expect.h"
#include "fuzz.h"
#include "policy_read.h"
#include "tables.h"

static const char policy_text[] = "default allow;\n"
				  "set internal = { 10.30.0.0/16, fd00:30::/32 };\n"
				  "deny loopback netns host;\n"
				  "deny host;\n"
				  "deny metadata;\n"
				  "allow internal port 443 proto tcp;\n"
				  "deny internal;\n"
				  "deny 203.0.113.0/24 port 1-1023 proto udp;\n"
				  "deny unix abstract netns host;\n"
				  "allow unix \"/run/nscd/socket\";\n"
				  "deny socket raw;\n";

/* The policy, compiled, written and read back once. */
static struct pol_tables *tables(void)
{
	static struct pol_tables t;
	static bool done;
	struct pol_policy *p = NULL;
	struct pol_tables c;
	struct pol_diag d;
	void *buf = NULL;
	size_t len = 0;
	char err[256];

	if (done)
		return &t;
	pol_diag_init(&d, stderr);
	if (fuzz_frontend((const uint8_t *)policy_text, sizeof(policy_text) - 1, false, &d, &p) ||
	    pol_decide(p, &d, &c) || pol_emit(&c, &buf, &len) ||
	    pol_read_buf(buf, len, &t, err, sizeof(err))) {
		fprintf(stderr, "fuzz_expect: the fixed policy does not compile\n");
		abort();
	}
	pol_tables_free(&c);
	pol_policy_free(p);
	free(buf);
	pol_diag_free(&d);
	done = true;
	return &t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pol_tables *t = tables();
	struct pol_expect_file f;
	struct pol_diag d, report;
	unsigned passed, failed;
	char *text = malloc(size ? size : 1); /* exactly size bytes: ASan sees an overread */

	if (!text)
		return 0;
	memcpy(text, data, size);
	pol_diag_init(&d, NULL);
	pol_diag_init(&report, NULL);
	if (!pol_expect_parse_text(&d, "fuzz.jpt", text, size, &f) &&
	    !pol_expect_run(&report, &f, t, &passed, &failed)) {
		if (passed + failed != f.n || t->n_hosts) {
			fprintf(stderr,
				"fuzz_expect: %u passed + %u failed of %zu, %u hosts left\n",
				passed, failed, f.n, t->n_hosts);
			abort();
		}
	}
	pol_expect_free(&f);
	pol_diag_free(&report);
	pol_diag_free(&d);
	free(text);
	return 0;
}
