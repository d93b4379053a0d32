/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "json.h"
#include "utf8.h"

void pol_json_init(struct pol_json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

/* Before any value or name: the comma that separates it from the last. */
static void item(struct pol_json *j)
{
	if (j->after_name) {
		j->after_name = false;
		return;
	}
	if (j->depth && j->depth <= POL_JSON_DEPTH) {
		if (j->more[j->depth - 1])
			fputc(',', j->out);
		j->more[j->depth - 1] = true;
	}
}

static void nest_begin(struct pol_json *j, char c)
{
	item(j);
	fputc(c, j->out);
	if (j->depth < POL_JSON_DEPTH)
		j->more[j->depth] = false;
	j->depth++;
}

static void nest_end(struct pol_json *j, char c)
{
	fputc(c, j->out);
	if (j->depth)
		j->depth--;
	if (!j->depth)
		fputc('\n', j->out);
}

void pol_json_object_begin(struct pol_json *j)
{
	nest_begin(j, '{');
}

void pol_json_object_end(struct pol_json *j)
{
	nest_end(j, '}');
}

void pol_json_array_begin(struct pol_json *j)
{
	nest_begin(j, '[');
}

void pol_json_array_end(struct pol_json *j)
{
	nest_end(j, ']');
}

static void write_string(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + strlen(str);

	fputc('"', out);
	while (*s) {
		size_t n;

		switch (*s) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (*s < 0x20) {
				fprintf(out, "\\u%04x", *s);
				break;
			}
			n = pol_utf8_len(s, end);
			if (!n) {
				fputs("\\ufffd", out);
				break;
			}
			fwrite(s, 1, n, out);
			s += n;
			continue;
		}
		s++;
	}
	fputc('"', out);
}

void pol_json_name(struct pol_json *j, const char *name)
{
	item(j);
	write_string(j->out, name);
	fputc(':', j->out);
	j->after_name = true;
}

void pol_json_string(struct pol_json *j, const char *s)
{
	item(j);
	write_string(j->out, s);
}

void pol_json_uint(struct pol_json *j, uint64_t v)
{
	item(j);
	fprintf(j->out, "%" PRIu64, v);
}

void pol_json_bool(struct pol_json *j, bool v)
{
	item(j);
	fputs(v ? "true" : "false", j->out);
}

void pol_json_null(struct pol_json *j)
{
	item(j);
	fputs("null", j->out);
}

void pol_json_str_field(struct pol_json *j, const char *name, const char *s)
{
	pol_json_name(j, name);
	pol_json_string(j, s);
}

void pol_json_uint_field(struct pol_json *j, const char *name, uint64_t v)
{
	pol_json_name(j, name);
	pol_json_uint(j, v);
}

void pol_json_bool_field(struct pol_json *j, const char *name, bool v)
{
	pol_json_name(j, name);
	pol_json_bool(j, v);
}

void pol_json_error(FILE *out, const char *msg)
{
	struct pol_json j;

	pol_json_init(&j, out);
	pol_json_object_begin(&j);
	pol_json_str_field(&j, "error", msg);
	pol_json_object_end(&j);
}
