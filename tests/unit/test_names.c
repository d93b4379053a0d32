/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_names.c - one name syntax: pol_name_valid() (the YAML loader's
 * check) and the scanner's IDENT rule plus its keyword lookup agree on
 * tricky names, and every keyword of keywords.h is a token of the parser.
 */
#include <stdio.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "keywords.h"
#include "unit.h"

/* Does "set NAME = { 192.0.2.1 };" parse without an error? */
static bool scanner_accepts(const char *name)
{
	struct ast_stmts out = { 0 };
	struct pol_diag d;
	char text[256];
	FILE *sink = fopen("/dev/null", "w");
	bool ok;
	int n;

	REQUIRE(sink, "open /dev/null");
	n = snprintf(text, sizeof(text), "set %s = { 192.0.2.1 };\n", name);
	REQUIRE(n > 0 && (size_t)n < sizeof(text), "text fits");
	pol_diag_init(&d, sink);
	REQUIRE(!pol_parse_buffer(&d, "t.jp", text, (size_t)n, NULL, &out), "parse");
	ok = d.n_errors == 0 && out.n == 1 && out.v[0]->kind == AST_SET &&
	     !strcmp(out.v[0]->name, name);
	ast_stmts_release(&out);
	pol_diag_free(&d);
	fclose(sink);
	return ok;
}

int main(void)
{
	static const char *const names[] = {
		"corp", "link-local", "corp-net_2", "_", "_x", "a-", "a--b", "A", "Default", "DENY",
		"defaults", "allow_", "setx", "x1", "a-1", "host", "any-thing", "tcp6", "udp-",
		"denials", "audit", "enforce", "modes", "on", "off",
		/* not names */
		"1abc", "-a", "a.b", "a:b", "a/b", "a b", "a,b", "a#b", "caf\xc3\xa9", "\"a\"", "0",
		"::", "1.2.3.4",
#define KEYWORD_NAME(tok, word) word,
		POL_KEYWORDS(KEYWORD_NAME)
#undef KEYWORD_NAME
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(*names); i++) {
		bool valid = pol_name_valid(names[i]), scanned = scanner_accepts(names[i]);

		CHECK(valid == scanned, "'%s': pol_name_valid() %d, scanner %d", names[i], valid,
		      scanned);
	}
	CHECK(pol_name_valid("backstop") == false, "backstop is a keyword");
	CHECK(pol_keyword_find("backstop") >= 0, "backstop in the table");
	CHECK(pol_keyword_find("on") < 0, "'on' is not a keyword");
	CHECK(pol_name_valid("mode") == false, "mode is a keyword");
	CHECK(pol_name_valid("denials") && pol_name_valid("audit") && pol_name_valid("enforce"),
	      "the words after 'log' and 'mode' are names, as 'on' and 'off' are");
	return unit_summary();
}
