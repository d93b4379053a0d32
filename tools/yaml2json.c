/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * yaml2json - print each document of a YAML file as one line of JSON, so
 * the checks of the shipped manifests (tests/examples.sh) can read them
 * with jq.  It uses libyaml, already a build dependency, rather than a
 * YAML module of some scripting language that a minbase Debian lacks.
 *
 *   yaml2json FILE...
 *
 * Strict where YAML readers disagree, so a file it accepts means the same
 * to Kubernetes (sigs.k8s.io/yaml, YAML 1.1 rules) as to it:
 *   - plain scalars resolve as YAML 1.2's core schema has it: empty, ~,
 *     null -> null; true, false -> booleans; decimal digits without a
 *     leading zero -> numbers; anything else -> a string (other numbers
 *     too: the checks need none);
 *   - a plain yes/no/on/off/y/n (booleans in YAML 1.1, strings in 1.2) or
 *     a number with a leading zero (octal in 1.1) is refused: quote it;
 *   - a key twice in one mapping, a key that is not a scalar, anchors,
 *     aliases and explicit tags are refused;
 *   - a document that is empty (a bare `---`) is skipped, as kubectl does.
 * Errors: FILE:LINE:COL: error: MESSAGE on stderr, exit 1; nothing of the
 * document in error is printed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "json.h"

struct conv {
	const char *file;
	yaml_parser_t parser;
	yaml_event_t ev;
	bool have_ev;
	struct pol_json j;
	unsigned int depth;
	bool failed;
};

static void __attribute__((format(printf, 3, 4)))
conv_error(struct conv *c, yaml_mark_t mark, const char *fmt, ...)
{
	va_list ap;

	if (c->failed)
		return;
	c->failed = true;
	fprintf(stderr, "%s:%zu:%zu: error: ", c->file, mark.line + 1, mark.column + 1);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The next event into c->ev; 0, or -1 with the parser's message printed. */
static int conv_next(struct conv *c)
{
	if (c->have_ev)
		yaml_event_delete(&c->ev);
	c->have_ev = false;
	if (!yaml_parser_parse(&c->parser, &c->ev)) {
		if (c->parser.context)
			conv_error(c, c->parser.problem_mark, "%s: %s", c->parser.context,
				   c->parser.problem ? c->parser.problem : "");
		else
			conv_error(c, c->parser.problem_mark, "%s",
				   c->parser.problem ? c->parser.problem : "cannot parse");
		return -1;
	}
	c->have_ev = true;
	return 0;
}

/* Anchors and tags of the current node event, which the checks refuse. */
static int conv_plain_node(struct conv *c, const yaml_char_t *anchor, const yaml_char_t *tag)
{
	if (anchor) {
		conv_error(c, c->ev.start_mark, "anchor '&%s' is not supported",
			   (const char *)anchor);
		return -1;
	}
	if (tag) {
		conv_error(c, c->ev.start_mark, "explicit tag '%s' is not supported",
			   (const char *)tag);
		return -1;
	}
	return 0;
}

static const char *const yaml11_bools[] = { "y", "yes", "n", "no", "on", "off" };

/* A scalar as JSON: a plain one resolved, a quoted or block one a string. */
static int conv_scalar(struct conv *c)
{
	const char *s = (const char *)c->ev.data.scalar.value;
	size_t len = c->ev.data.scalar.length, i;
	bool digits = len > 0;

	if (conv_plain_node(c, c->ev.data.scalar.anchor, c->ev.data.scalar.tag))
		return -1;
	if (strlen(s) != len) {
		conv_error(c, c->ev.start_mark, "a scalar holds a NUL character");
		return -1;
	}
	if (c->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
		pol_json_string(&c->j, s);
		return 0;
	}
	if (!len || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	    !strcmp(s, "NULL")) {
		pol_json_null(&c->j);
		return 0;
	}
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) {
		pol_json_bool(&c->j, true);
		return 0;
	}
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) {
		pol_json_bool(&c->j, false);
		return 0;
	}
	for (i = 0; i < sizeof(yaml11_bools) / sizeof(yaml11_bools[0]); i++) {
		if (!strcasecmp(s, yaml11_bools[i])) {
			conv_error(c, c->ev.start_mark,
				   "'%s' is a boolean in YAML 1.1 (Kubernetes) and a string in "
				   "YAML 1.2: quote it",
				   s);
			return -1;
		}
	}
	for (i = 0; i < len; i++)
		digits = digits && s[i] >= '0' && s[i] <= '9';
	if (digits && len > 1 && s[0] == '0') {
		conv_error(c, c->ev.start_mark,
			   "'%s' is octal in YAML 1.1 (Kubernetes) and decimal in YAML 1.2: "
			   "quote it or drop the leading zero",
			   s);
		return -1;
	}
	if (digits) {
		unsigned long long v;

		errno = 0;
		v = strtoull(s, NULL, 10);
		if (!errno) {
			pol_json_uint(&c->j, v);
			return 0;
		}
	}
	pol_json_string(&c->j, s);
	return 0;
}

static int conv_node(struct conv *c);

static int conv_sequence(struct conv *c)
{
	if (conv_plain_node(c, c->ev.data.sequence_start.anchor, c->ev.data.sequence_start.tag))
		return -1;
	pol_json_array_begin(&c->j);
	for (;;) {
		if (conv_next(c))
			return -1;
		if (c->ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (conv_node(c))
			return -1;
	}
	pol_json_array_end(&c->j);
	return 0;
}

static int conv_mapping(struct conv *c)
{
	char **keys = NULL;
	size_t n = 0, i;
	int ret = -1;

	if (conv_plain_node(c, c->ev.data.mapping_start.anchor, c->ev.data.mapping_start.tag))
		return -1;
	pol_json_object_begin(&c->j);
	for (;;) {
		const char *key;
		char **grown;

		if (conv_next(c))
			goto cleanup;
		if (c->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (c->ev.type != YAML_SCALAR_EVENT) {
			conv_error(c, c->ev.start_mark, "a mapping key that is not a scalar");
			goto cleanup;
		}
		if (conv_plain_node(c, c->ev.data.scalar.anchor, c->ev.data.scalar.tag))
			goto cleanup;
		key = (const char *)c->ev.data.scalar.value;
		for (i = 0; i < n; i++) {
			if (!strcmp(keys[i], key)) {
				conv_error(c, c->ev.start_mark,
					   "key '%s' appears twice in a mapping", key);
				goto cleanup;
			}
		}
		grown = realloc(keys, (n + 1) * sizeof(*keys));
		if (!grown || !(grown[n] = strdup(key))) {
			keys = grown ? grown : keys;
			conv_error(c, c->ev.start_mark, "out of memory");
			goto cleanup;
		}
		keys = grown;
		n++;
		pol_json_name(&c->j, key);
		if (conv_next(c) || conv_node(c))
			goto cleanup;
	}
	pol_json_object_end(&c->j);
	ret = 0;
cleanup:
	for (i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	return ret;
}

/* The node whose first event is c->ev, and everything in it. */
static int conv_node(struct conv *c)
{
	int ret;

	switch (c->ev.type) {
	case YAML_SCALAR_EVENT:
		return conv_scalar(c);
	case YAML_ALIAS_EVENT:
		conv_error(c, c->ev.start_mark, "alias '*%s' is not supported",
			   (const char *)c->ev.data.alias.anchor);
		return -1;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		/* The writer keeps comma state for POL_JSON_DEPTH levels, one
		 * of them the document's. */
		if (c->depth + 1 >= POL_JSON_DEPTH) {
			conv_error(c, c->ev.start_mark, "nested deeper than %d levels",
				   POL_JSON_DEPTH - 1);
			return -1;
		}
		c->depth++;
		ret = c->ev.type == YAML_SEQUENCE_START_EVENT ? conv_sequence(c) : conv_mapping(c);
		c->depth--;
		return ret;
	default:
		conv_error(c, c->ev.start_mark, "unexpected YAML event %d", c->ev.type);
		return -1;
	}
}

/* Every document of one file, each printed only once it has converted. */
static int conv_file(const char *file)
{
	struct conv c = { .file = file };
	char *buf = NULL;
	size_t buflen = 0;
	FILE *in, *doc = NULL;
	int ret = -1;

	in = fopen(file, "re");
	if (!in) {
		fprintf(stderr, "yaml2json: cannot open '%s': %s\n", file, strerror(errno));
		return -1;
	}
	if (!yaml_parser_initialize(&c.parser)) {
		fprintf(stderr, "yaml2json: cannot initialize libyaml\n");
		fclose(in);
		return -1;
	}
	yaml_parser_set_input_file(&c.parser, in);
	if (conv_next(&c))
		goto cleanup;
	for (;;) {
		bool empty;

		if (conv_next(&c))
			goto cleanup;
		if (c.ev.type == YAML_STREAM_END_EVENT)
			break;
		if (conv_next(&c)) /* past DOCUMENT-START */
			goto cleanup;
		empty = c.ev.type == YAML_SCALAR_EVENT && !c.ev.data.scalar.length &&
			c.ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		doc = open_memstream(&buf, &buflen);
		if (!doc) {
			fprintf(stderr, "yaml2json: %s\n", strerror(errno));
			goto cleanup;
		}
		pol_json_init(&c.j, doc);
		c.depth = 0;
		if (conv_node(&c))
			goto cleanup;
		if (!c.depth && c.ev.type == YAML_SCALAR_EVENT)
			fputc('\n', doc); /* a top-level scalar: no container end */
		if (fclose(doc)) {
			doc = NULL;
			fprintf(stderr, "yaml2json: %s\n", strerror(errno));
			goto cleanup;
		}
		doc = NULL;
		if (!empty)
			fwrite(buf, 1, buflen, stdout);
		free(buf);
		buf = NULL;
		if (conv_next(&c)) /* DOCUMENT-END */
			goto cleanup;
	}
	ret = 0;
cleanup:
	if (doc)
		fclose(doc);
	free(buf);
	if (c.have_ev)
		yaml_event_delete(&c.ev);
	yaml_parser_delete(&c.parser);
	fclose(in);
	return ret;
}

int main(int argc, char **argv)
{
	int i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: yaml2json FILE...\n");
		return 2;
	}
	for (i = 1; i < argc; i++)
		if (conv_file(argv[i]))
			rc = 1;
	if (fflush(stdout)) {
		fprintf(stderr, "yaml2json: cannot write: %s\n", strerror(errno));
		rc = 1;
	}
	return rc;
}
