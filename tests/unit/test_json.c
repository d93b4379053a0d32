/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_json.c - lib/json.c, the one JSON writer: nesting and commas, the
 * escapes, U+FFFD for every byte that is not part of valid UTF-8 (overlong
 * forms, surrogates, past U+10FFFF, truncated sequences), valid multi-byte
 * sequences passed through, and the {"error": ...} document.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "unit.h"

/* A writer into memory; take() ends it and returns the text (freed by the
 * caller). */
struct capture {
	struct pol_json j;
	FILE *f;
	char *buf;
	size_t len;
};

static void start(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	REQUIRE(c->f, "open_memstream");
	pol_json_init(&c->j, c->f);
}

static char *take(struct capture *c)
{
	REQUIRE(!fclose(c->f), "fclose");
	return c->buf;
}

/* The document a lone string value makes. */
static char *string_doc(const char *s)
{
	struct capture c;

	start(&c);
	pol_json_array_begin(&c.j);
	pol_json_string(&c.j, s);
	pol_json_array_end(&c.j);
	return take(&c);
}

#define STRING_IS(in, want)                                                          \
	do {                                                                         \
		char *got_ = string_doc(in);                                         \
		CHECK(!strcmp(got_, "[\"" want "\"]\n"), "%s: got '%s'", #in, got_); \
		free(got_);                                                          \
	} while (0)

static void nesting(void)
{
	struct capture c;
	char *got;

	start(&c);
	pol_json_object_begin(&c.j);
	pol_json_str_field(&c.j, "a", "x");
	pol_json_uint_field(&c.j, "n", 18446744073709551615ull);
	pol_json_bool_field(&c.j, "t", true);
	pol_json_bool_field(&c.j, "f", false);
	pol_json_name(&c.j, "z");
	pol_json_null(&c.j);
	pol_json_name(&c.j, "list");
	pol_json_array_begin(&c.j);
	pol_json_uint(&c.j, 1);
	pol_json_object_begin(&c.j);
	pol_json_name(&c.j, "inner");
	pol_json_array_begin(&c.j);
	pol_json_array_end(&c.j);
	pol_json_name(&c.j, "o");
	pol_json_object_begin(&c.j);
	pol_json_object_end(&c.j);
	pol_json_object_end(&c.j);
	pol_json_string(&c.j, "s");
	pol_json_bool(&c.j, false);
	pol_json_array_end(&c.j);
	pol_json_str_field(&c.j, "after", "y");
	pol_json_object_end(&c.j);
	got = take(&c);
	CHECK(!strcmp(got, "{\"a\":\"x\",\"n\":18446744073709551615,\"t\":true,\"f\":false,"
			   "\"z\":null,\"list\":[1,{\"inner\":[],\"o\":{}},\"s\",false],"
			   "\"after\":\"y\"}\n"),
	      "nested document: got '%s'", got);
	free(got);

	/* Empty containers; two documents in a row, each with its newline
	 * and no comma between them. */
	start(&c);
	pol_json_array_begin(&c.j);
	pol_json_array_end(&c.j);
	pol_json_object_begin(&c.j);
	pol_json_object_end(&c.j);
	got = take(&c);
	CHECK(!strcmp(got, "[]\n{}\n"), "two documents: got '%s'", got);
	free(got);

	/* As deep as the writer indexes, commas right at every level. */
	start(&c);
	for (int i = 0; i < POL_JSON_DEPTH; i++) {
		pol_json_array_begin(&c.j);
		pol_json_uint(&c.j, (uint64_t)i);
	}
	for (int i = 0; i < POL_JSON_DEPTH; i++)
		pol_json_array_end(&c.j);
	got = take(&c);
	CHECK(!strcmp(got,
		      "[0,[1,[2,[3,[4,[5,[6,[7,[8,[9,[10,[11,[12,[13,[14,[15]]]]]]]]]]]]]]]]\n"),
	      "depth %d: got '%s'", POL_JSON_DEPTH, got);
	free(got);

	/* Names are escaped like values. */
	start(&c);
	pol_json_object_begin(&c.j);
	pol_json_str_field(&c.j, "k\"\n\xff", "v");
	pol_json_object_end(&c.j);
	got = take(&c);
	CHECK(!strcmp(got, "{\"k\\\"\\n\\ufffd\":\"v\"}\n"), "escaped name: got '%s'", got);
	free(got);
}

static void escapes(void)
{
	STRING_IS("", "");
	STRING_IS("plain text 123", "plain text 123");
	STRING_IS("\"", "\\\"");
	STRING_IS("\\", "\\\\");
	STRING_IS("a\"b\\c", "a\\\"b\\\\c");
	STRING_IS("\n", "\\n");
	STRING_IS("\t", "\\t");
	STRING_IS("\x01", "\\u0001");
	STRING_IS("\x1f", "\\u001f");
	STRING_IS("\r\b\f", "\\u000d\\u0008\\u000c");
	STRING_IS("/", "/");
	/* DEL is no control character for JSON: as is. */
	STRING_IS("\x7f", "\x7f");
	STRING_IS("q\"b\\t\tn\nc\x01u\x1f", "q\\\"b\\\\t\\tn\\nc\\u0001u\\u001f");
}

static void utf8(void)
{
	/* Valid: 2, 3 and 4 bytes, the edges of each range included. */
	STRING_IS("\xc3\xa9", "\xc3\xa9");                 /* U+00E9 */
	STRING_IS("\xc2\x80", "\xc2\x80");                 /* U+0080 */
	STRING_IS("\xdf\xbf", "\xdf\xbf");                 /* U+07FF */
	STRING_IS("\xe0\xa0\x80", "\xe0\xa0\x80");         /* U+0800 */
	STRING_IS("\xe2\x82\xac", "\xe2\x82\xac");         /* U+20AC */
	STRING_IS("\xed\x9f\xbf", "\xed\x9f\xbf");         /* U+D7FF */
	STRING_IS("\xee\x80\x80", "\xee\x80\x80");         /* U+E000 */
	STRING_IS("\xef\xbf\xbd", "\xef\xbf\xbd");         /* U+FFFD itself */
	STRING_IS("\xf0\x90\x80\x80", "\xf0\x90\x80\x80"); /* U+10000 */
	STRING_IS("\xf0\x9d\x84\x9e", "\xf0\x9d\x84\x9e"); /* U+1D11E */
	STRING_IS("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"); /* U+10FFFF */
	STRING_IS("a\xc3\xa9z\xe2\x82\xac", "a\xc3\xa9z\xe2\x82\xac");

	/* Invalid: each byte that starts no valid sequence is one U+FFFD,
	 * and the bytes after it are looked at afresh. */
	STRING_IS("\xff", "\\ufffd");
	STRING_IS("\xfe", "\\ufffd");
	STRING_IS("\x80", "\\ufffd"); /* lone continuation */
	STRING_IS("\xbf\x80", "\\ufffd\\ufffd");
	STRING_IS("\xc3", "\\ufffd"); /* truncated at the end */
	STRING_IS("\xc3"
		  "A",
		  "\\ufffdA");                              /* truncated by ASCII */
	STRING_IS("\xc3\xc3\xa9", "\\ufffd\xc3\xa9");       /* by another lead */
	STRING_IS("\xe2\x82", "\\ufffd\\ufffd");            /* 3-byte, 2 present */
	STRING_IS("\xf0\x9d\x84", "\\ufffd\\ufffd\\ufffd"); /* 4-byte, 3 present */
	STRING_IS("\xc0\x80", "\\ufffd\\ufffd");            /* overlong NUL */
	STRING_IS("\xc1\xbf", "\\ufffd\\ufffd");            /* overlong U+007F */
	STRING_IS("\xe0\x80\x80", "\\ufffd\\ufffd\\ufffd"); /* overlong 3-byte */
	STRING_IS("\xe0\x9f\xbf", "\\ufffd\\ufffd\\ufffd"); /* overlong U+07FF */
	STRING_IS("\xf0\x80\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd");
	STRING_IS("\xf0\x8f\xbf\xbf", "\\ufffd\\ufffd\\ufffd\\ufffd"); /* overlong U+FFFF */
	STRING_IS("\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd");            /* U+D800, a surrogate */
	STRING_IS("\xed\xbf\xbf", "\\ufffd\\ufffd\\ufffd");            /* U+DFFF */
	STRING_IS("\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd"); /* U+110000 */
	STRING_IS("\xf5\x80\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd");
	STRING_IS("\xf8\x88\x80\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd");
	/* Mixed with escapes and valid text. */
	STRING_IS("a\xff\"\xc3\xa9\n\xc3", "a\\ufffd\\\"\xc3\xa9\\n\\ufffd");
}

static void error_doc(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	REQUIRE(f, "open_memstream");
	pol_json_error(f, "policy '/tmp/q\"b\\\t\n\x01\x1f\xff\xc3': No such file or directory");
	REQUIRE(!fclose(f), "fclose");
	CHECK(!strcmp(buf,
		      "{\"error\":\"policy '/tmp/q\\\"b\\\\\\t\\n\\u0001\\u001f\\ufffd\\ufffd': "
		      "No such file or directory\"}\n"),
	      "error document: got '%s'", buf);
	free(buf);
}

int main(void)
{
	nesting();
	escapes();
	utf8();
	error_doc();
	return unit_summary();
}
