/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_json_parse.c - the strict JSON reader (lib/json_parse.c): an OCI
 * state and other valid documents read back exactly; every kind of
 * refusal with its message; the depth limit on a deep document; every
 * prefix of a valid document refused cleanly (under ASan).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json_parse.h"
#include "unit.h"

static struct pol_jval *parse(const char *text, char *err, size_t errlen)
{
	struct pol_jval *v = NULL;

	if (pol_json_parse(text, strlen(text), &v, err, errlen))
		return NULL;
	return v;
}

/* text is refused with a message containing want. */
static void refused(const char *text, size_t len, const char *want)
{
	struct pol_jval *v = (struct pol_jval *)&v; /* must stay untouched */
	char err[256];
	int ret;

	ret = pol_json_parse(text, len, &v, err, sizeof(err));
	CHECK(ret == -EINVAL, "'%.40s': expected -EINVAL got %d", text, ret);
	CHECK(v == (struct pol_jval *)&v, "'%.40s': *out was written on failure", text);
	CHECK(strstr(err, want) != NULL, "'%.40s': expected '%s' in '%s'", text, want, err);
}

#define REFUSED(text, want) refused(text, sizeof(text) - 1, want)

static const char oci_state[] =
	"{\n"
	"  \"ociVersion\": \"1.0.2\",\n"
	"  \"id\": \"4f2c9a\",\n"
	"  \"status\": \"creating\",\n"
	"  \"pid\": 31337,\n"
	"  \"bundle\": \"/run/containers/4f2c9a/userdata\",\n"
	"  \"annotations\": {\"io.jailpol.policy\": \"default\", \"io.podman.x\": \"\"}\n"
	"}\n";

static void test_oci_state(void)
{
	const struct pol_jval *ann, *m;
	struct pol_jval *root;
	const char *name;
	char err[256];
	int64_t pid = 0;

	root = parse(oci_state, err, sizeof(err));
	REQUIRE(root, "the OCI state: %s", err);
	CHECK(pol_jval_type(root) == POL_JOBJECT, "an object");
	CHECK(pol_jval_count(root) == 6, "six members, got %zu", pol_jval_count(root));
	CHECK(!strcmp(pol_jval_str(pol_jval_member(root, "status")), "creating"), "status");
	CHECK(pol_jval_int(pol_jval_member(root, "pid"), &pid) == 0 && pid == 31337, "pid");
	CHECK(!pol_jval_str(pol_jval_member(root, "pid")), "pid is not a string");
	CHECK(!pol_jval_member(root, "missing"), "absent member");
	ann = pol_jval_member(root, "annotations");
	CHECK(!strcmp(pol_jval_str(pol_jval_member(ann, "io.jailpol.policy")), "default"),
	      "annotation");
	m = pol_jval_at(ann, 1, &name);
	CHECK(m && !strcmp(name, "io.podman.x") && !strcmp(pol_jval_str(m), ""), "member 1");
	CHECK(!pol_jval_at(ann, 2, &name) && !name, "past the end");
	CHECK(!pol_jval_member(pol_jval_member(root, "id"), "x"), "member of a string");
	pol_json_free(root);
}

static void test_values(void)
{
	struct pol_jval *v;
	char err[256];
	int64_t i;
	bool b;

	v = parse(" [1, -0, 9223372036854775807, -9223372036854775808, 9223372036854775808, "
		  "1.5, 2e3, true, false, null, {}, [], \"\"] ",
		  err, sizeof(err));
	REQUIRE(v, "values: %s", err);
	CHECK(pol_jval_count(v) == 13, "13 items");
	CHECK(pol_jval_int(pol_jval_at(v, 0, NULL), &i) == 0 && i == 1, "1");
	CHECK(pol_jval_int(pol_jval_at(v, 1, NULL), &i) == 0 && i == 0, "-0");
	CHECK(pol_jval_int(pol_jval_at(v, 2, NULL), &i) == 0 && i == INT64_MAX, "int64 max");
	CHECK(pol_jval_int(pol_jval_at(v, 3, NULL), &i) == 0 && i == INT64_MIN, "int64 min");
	CHECK(pol_jval_int(pol_jval_at(v, 4, NULL), &i) == -ERANGE, "past int64 max");
	CHECK(pol_jval_int(pol_jval_at(v, 5, NULL), &i) == -EINVAL, "a fraction");
	CHECK(pol_jval_int(pol_jval_at(v, 6, NULL), &i) == -EINVAL, "an exponent");
	CHECK(pol_jval_bool(pol_jval_at(v, 7, NULL), &b) == 0 && b, "true");
	CHECK(pol_jval_bool(pol_jval_at(v, 8, NULL), &b) == 0 && !b, "false");
	CHECK(pol_jval_type(pol_jval_at(v, 9, NULL)) == POL_JNULL, "null");
	CHECK(pol_jval_type(pol_jval_at(v, 10, NULL)) == POL_JOBJECT, "{}");
	CHECK(pol_jval_type(pol_jval_at(v, 11, NULL)) == POL_JARRAY, "[]");
	CHECK(pol_jval_int(pol_jval_at(v, 12, NULL), &i) == -EINVAL, "a string is no int");
	pol_json_free(v);

	v = parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\u20AC\\ud83d\\ude00\xc3\xa9\"", err,
		  sizeof(err));
	REQUIRE(v, "escapes: %s", err);
	CHECK(!strcmp(pol_jval_str(v), "a\"b\\c/d\b\f\n\r\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
				       "\xc3\xa9"),
	      "escapes decoded: '%s'", pol_jval_str(v));
	pol_json_free(v);
	/* Escaped quotes do not end the string early (the buffer estimate). */
	v = parse("\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\"", err, sizeof(err));
	CHECK(v && !strcmp(pol_jval_str(v), "\"\"\"\"\"\"\"\""), "escaped quotes: %s", err);
	pol_json_free(v);
	pol_json_free(NULL);
}

static void test_refused(void)
{
	REFUSED("", "expected a value, found the end of the input");
	REFUSED("   ", "end of the input");
	REFUSED("{} {}", "more after the JSON value");
	REFUSED("[1,]", "expected a value");
	REFUSED("{\"a\":1,}", "expected a member name");
	REFUSED("{\"a\" 1}", "expected ':'");
	REFUSED("{\"a\":1 \"b\":2}",
		"line 1, column 8: expected ',' or '}' after an object member");
	REFUSED("[1 2]", "expected ',' or ']' after an array item");
	REFUSED("{a:1}", "expected a member name");
	REFUSED("['a']", "expected a value");
	REFUSED("// c\n{}", "expected a value");
	REFUSED("NaN", "expected a value");
	REFUSED("01", "leading zeros");
	REFUSED("-", "a number needs digits");
	REFUSED("1.", "a fraction needs digits");
	REFUSED("1e", "an exponent needs digits");
	REFUSED("+1", "expected a value");
	REFUSED("tru", "expected a value");
	REFUSED("\"abc", "a string that is never closed");
	REFUSED("\"a\tb\"", "a control character (0x09)");
	REFUSED("\"\\x\"", "'\\x' is not a JSON escape");
	REFUSED("\"\\u12\"", "four hex digits");
	REFUSED("\"\\u0000\"", "'\\u0000'");
	REFUSED("\"\\ud83d\"", "high surrogate without a low one");
	REFUSED("\"\\ud83d\\u0041\"", "high surrogate without a low one");
	REFUSED("\"\\ude00\"", "low surrogate without a high one");
	REFUSED("\"\xc0\xaf\"", "invalid UTF-8");         /* overlong '/' */
	REFUSED("\"\xe0\x80\xaf\"", "invalid UTF-8");     /* overlong */
	REFUSED("\"\xed\xa0\x80\"", "invalid UTF-8");     /* an encoded surrogate */
	REFUSED("\"\xf4\x90\x80\x80\"", "invalid UTF-8"); /* past U+10FFFF */
	REFUSED("\"\xf5\x80\x80\x80\"", "invalid UTF-8");
	REFUSED("\"\x80\"", "invalid UTF-8");
	REFUSED("\"\xe2\x82\"", "invalid UTF-8"); /* cut short */
	REFUSED("\xef\xbb\xbf{}", "byte order mark");
	REFUSED("{\"status\": \"creating\", \"status\": \"stopped\"}", "duplicate member 'status'");
	REFUSED("{\"b\":1, \"a\":2, \"c\":{\"x\":1, \"x\":2}}", "duplicate member 'x'");
	/* A hostile name is shown escaped, and cut. */
	REFUSED("{\"\\u001b[2J\":1, \"\\u001b[2J\":2}", "duplicate member '\\x1b[2J'");
	REFUSED("{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":1, "
		"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":2}",
		"'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'");
	REFUSED("\n\n  [1,\n   x]", "line 4, column 4:");
	refused("{\"a\": \"b\0c\"}", 12, "a NUL byte");
	refused("{}\0", 3, "a NUL byte");
}

static void test_depth(void)
{
	size_t n = 100000, k;
	char *deep = malloc(2 * n + 1), err[256];
	struct pol_jval *v;
	int ret;

	REQUIRE(deep, "malloc");
	for (k = 0; k < n; k++) {
		deep[k] = '[';
		deep[n + k] = ']';
	}
	deep[2 * n] = '\0';
	ret = pol_json_parse(deep, 2 * n, &v, err, sizeof(err));
	CHECK(ret == -EINVAL && strstr(err, "nested deeper than 64"), "100000 deep: %d %s", ret,
	      err);
	/* 64 levels are fine, 65 are not. */
	memset(deep, '[', 64);
	memset(deep + 64, ']', 64);
	ret = pol_json_parse(deep, 128, &v, err, sizeof(err));
	CHECK(ret == 0, "64 deep: %s", err);
	if (!ret)
		pol_json_free(v);
	memset(deep, '[', 65);
	memset(deep + 65, ']', 65);
	ret = pol_json_parse(deep, 130, &v, err, sizeof(err));
	CHECK(ret == -EINVAL, "65 deep");
	free(deep);
}

/* Every proper prefix of a valid document is refused, without a leak or
 * an overread (ASan): a truncated stdin. */
static void test_prefixes(void)
{
	size_t len = strlen(oci_state), k, refused_n = 0;

	for (k = 0; k < len; k++) {
		struct pol_jval *v = NULL;
		char *copy = malloc(k ? k : 1), err[256];

		REQUIRE(copy, "malloc");
		memcpy(copy, oci_state, k);
		if (pol_json_parse(copy, k, &v, err, sizeof(err)) == -EINVAL)
			refused_n++;
		else
			pol_json_free(v);
		free(copy);
	}
	/* The closing brace is the last byte but the newline: only the
	 * prefix that ends there is a whole document. */
	CHECK(refused_n == len - 1, "%zu of %zu prefixes refused", refused_n, len);
}

int main(void)
{
	test_oci_state();
	test_values();
	test_refused();
	test_depth();
	test_prefixes();
	return unit_summary();
}
