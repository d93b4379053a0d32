/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * json_parse.c - the strict JSON reader (json_parse.h has the contract):
 * recursive descent, its depth bounded by POL_JSON_MAX_DEPTH.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_parse.h"
#include "utf8.h"

struct pol_jval {
	enum pol_jtype type;
	bool b;
	bool is_int;   /* a number without fraction or exponent */
	bool in_range; /* ... that fits int64_t */
	int64_t i;
	char *str;               /* string value */
	struct pol_jval **items; /* array items, object values */
	char **names;            /* object member names */
	size_t n, cap;
};

struct parser {
	const char *start, *p, *end;
	unsigned int depth;
	int ret; /* the first error, 0 while none */
	char *err;
	size_t errlen;
};

static void perror_at(struct parser *ps, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record the first error, with the line and column of at. */
static void perror_at(struct parser *ps, const char *at, const char *fmt, ...)
{
	unsigned long line = 1, col = 1;
	const char *q;
	size_t n;
	va_list ap;

	if (ps->ret)
		return;
	ps->ret = -EINVAL;
	for (q = ps->start; q < at; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)*q & 0xc0) != 0x80) {
			col++; /* count characters, not UTF-8 continuation bytes */
		}
	}
	n = (size_t)snprintf(ps->err, ps->errlen, "line %lu, column %lu: ", line, col);
	if (n >= ps->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
	va_end(ap);
}

static void *oom(struct parser *ps)
{
	if (!ps->ret) {
		ps->ret = -ENOMEM;
		snprintf(ps->err, ps->errlen, "out of memory reading JSON");
	}
	return NULL;
}

void pol_json_free(struct pol_jval *v)
{
	size_t k;

	if (!v)
		return;
	for (k = 0; k < v->n; k++) {
		pol_json_free(v->items[k]);
		if (v->names)
			free(v->names[k]);
	}
	free(v->items);
	free(v->names);
	free(v->str);
	free(v);
}

static struct pol_jval *new_val(struct parser *ps, enum pol_jtype type)
{
	struct pol_jval *v = calloc(1, sizeof(*v));

	if (!v)
		return oom(ps);
	v->type = type;
	return v;
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

/* What the byte at p is, for messages. */
static const char *what(const struct parser *ps)
{
	return ps->p >= ps->end ? "the end of the input" : "this character";
}

static int hex4(const char *p, unsigned int *out)
{
	unsigned int v = 0;
	int k;

	for (k = 0; k < 4; k++) {
		char c = p[k];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned int)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *d, unsigned int cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | cp >> 6);
		d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | cp >> 12);
		d[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | cp >> 18);
	d[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	d[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A \u escape at p (pointing at the 'u'), a surrogate pair as one code
 * point; advances p past it.  -1 after an error. */
static int unicode_escape(struct parser *ps, const char **pp, unsigned int *cp)
{
	const char *p = *pp, *esc = p - 1;
	unsigned int hi, lo;

	if (ps->end - p < 5 || hex4(p + 1, &hi)) {
		perror_at(ps, esc, "'\\u' must be followed by four hex digits");
		return -1;
	}
	p += 5;
	if (hi >= 0xdc00 && hi <= 0xdfff) {
		perror_at(ps, esc, "'\\u%04X' is a low surrogate without a high one", hi);
		return -1;
	}
	if (hi >= 0xd800 && hi <= 0xdbff) {
		if (ps->end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) ||
		    lo < 0xdc00 || lo > 0xdfff) {
			perror_at(ps, esc, "'\\u%04X' is a high surrogate without a low one", hi);
			return -1;
		}
		p += 6;
		hi = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (hi == 0) {
		perror_at(ps, esc, "'\\u0000' (a NUL character) is not accepted in a string");
		return -1;
	}
	*cp = hi;
	*pp = p;
	return 0;
}

/* A string at p (the opening quote), decoded into a malloc'd C string. */
static char *parse_string(struct parser *ps)
{
	const char *p = ps->p + 1, *open = ps->p;
	/* The decoded form is never longer than the source. */
	size_t cap = 1, n = 0;
	char *out;
	const char *q;

	for (q = p; q < ps->end && *q != '"'; q++, cap++)
		if (*q == '\\' && q + 1 < ps->end) {
			q++;
			cap++;
		}
	out = malloc(cap);
	if (!out)
		return oom(ps);
	while (p < ps->end && *p != '"') {
		unsigned char c = (unsigned char)*p;
		unsigned int cp;
		size_t len;

		if (c < 0x20) {
			perror_at(ps, p, "a control character (0x%02x) in a string must be escaped",
				  c);
			goto fail;
		}
		if (c != '\\') {
			len = pol_utf8_len((const unsigned char *)p,
					   (const unsigned char *)ps->end);
			if (!len) {
				perror_at(ps, p, "invalid UTF-8 in a string (byte 0x%02x)", c);
				goto fail;
			}
			memcpy(out + n, p, len);
			n += len;
			p += len;
			continue;
		}
		if (++p >= ps->end)
			break;
		switch (*p) {
		case '"':
		case '\\':
		case '/':
			out[n++] = *p++;
			break;
		case 'b':
			out[n++] = '\b';
			p++;
			break;
		case 'f':
			out[n++] = '\f';
			p++;
			break;
		case 'n':
			out[n++] = '\n';
			p++;
			break;
		case 'r':
			out[n++] = '\r';
			p++;
			break;
		case 't':
			out[n++] = '\t';
			p++;
			break;
		case 'u':
			if (unicode_escape(ps, &p, &cp))
				goto fail;
			n += put_utf8(out + n, cp);
			break;
		default:
			perror_at(ps, p - 1, "'\\%c' is not a JSON escape", *p);
			goto fail;
		}
	}
	if (p >= ps->end) {
		perror_at(ps, open, "a string that is never closed");
		goto fail;
	}
	out[n] = '\0';
	ps->p = p + 1;
	return out;
fail:
	free(out);
	return NULL;
}

static size_t digits(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && *q >= '0' && *q <= '9')
		q++;
	return (size_t)(q - p);
}

static struct pol_jval *parse_number(struct parser *ps)
{
	const char *p = ps->p, *start = p, *int_start;
	bool neg = false, frac = false;
	struct pol_jval *v;
	uint64_t mag = 0, limit;
	size_t nd, k;

	if (*p == '-') {
		neg = true;
		p++;
	}
	int_start = p;
	nd = digits(p, ps->end);
	if (!nd) {
		perror_at(ps, start, "a number needs digits");
		return NULL;
	}
	if (nd > 1 && *p == '0') {
		perror_at(ps, start, "a number does not start with 0 (leading zeros)");
		return NULL;
	}
	p += nd;
	if (p < ps->end && *p == '.') {
		frac = true;
		if (!digits(++p, ps->end)) {
			perror_at(ps, p, "a fraction needs digits after '.'");
			return NULL;
		}
		p += digits(p, ps->end);
	}
	if (p < ps->end && (*p == 'e' || *p == 'E')) {
		frac = true;
		p++;
		if (p < ps->end && (*p == '+' || *p == '-'))
			p++;
		if (!digits(p, ps->end)) {
			perror_at(ps, p, "an exponent needs digits");
			return NULL;
		}
		p += digits(p, ps->end);
	}
	v = new_val(ps, POL_JNUMBER);
	if (!v)
		return NULL;
	ps->p = p;
	if (frac)
		return v;
	v->is_int = true;
	v->in_range = true;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (k = 0; k < nd; k++) {
		unsigned int d = (unsigned int)(int_start[k] - '0');

		if (mag > (limit - d) / 10) {
			v->in_range = false;
			return v;
		}
		mag = mag * 10 + d;
	}
	v->i = neg ? (mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag) : (int64_t)mag;
	return v;
}

static struct pol_jval *parse_value(struct parser *ps);

/* Append item (and, for an object, name) to v; takes ownership of both,
 * freeing them on failure. */
static int append(struct parser *ps, struct pol_jval *v, struct pol_jval *item, char *name)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 4;
		struct pol_jval **items = realloc(v->items, cap * sizeof(*items));
		char **names;

		if (items)
			v->items = items;
		names = items && v->type == POL_JOBJECT ? realloc(v->names, cap * sizeof(*names))
							: NULL;
		if (names)
			v->names = names;
		if (!items || (v->type == POL_JOBJECT && !names)) {
			pol_json_free(item);
			free(name);
			oom(ps);
			return -1;
		}
		v->cap = cap;
	}
	v->items[v->n] = item;
	if (v->names)
		v->names[v->n] = name;
	v->n++;
	return 0;
}

void pol_json_shown(char *out, size_t len, const char *name)
{
	size_t n = 0, k;

	for (k = 0; name[k] && k < 40 && n + 5 <= len; k++) {
		unsigned char c = (unsigned char)name[k];

		if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
			out[n++] = (char)c;
		else
			n += (size_t)snprintf(out + n, len - n, "\\x%02x", c);
	}
	if (name[k] && n + 4 <= len) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A member name twice: sorted copy, neighbours compared (objects from
 * outside may be large). */
static int check_duplicates(struct parser *ps, const struct pol_jval *v, const char *open)
{
	char **sorted;
	size_t k;
	int ret = 0;

	if (v->n < 2)
		return 0;
	sorted = malloc(v->n * sizeof(*sorted));
	if (!sorted) {
		oom(ps);
		return -1;
	}
	memcpy(sorted, v->names, v->n * sizeof(*sorted));
	qsort(sorted, v->n, sizeof(*sorted), cmp_names);
	for (k = 1; k < v->n; k++) {
		if (!strcmp(sorted[k - 1], sorted[k])) {
			char shown[POL_JSON_SHOWN];

			pol_json_shown(shown, sizeof(shown), sorted[k]);
			perror_at(ps, open, "duplicate member '%s' in this object", shown);
			ret = -1;
			break;
		}
	}
	free(sorted);
	return ret;
}

/* An array or an object at p ('[' or '{'). */
static struct pol_jval *parse_container(struct parser *ps, bool object)
{
	const char *open = ps->p;
	char close = object ? '}' : ']';
	struct pol_jval *v;

	if (ps->depth >= POL_JSON_MAX_DEPTH) {
		perror_at(ps, open, "arrays and objects nested deeper than %d", POL_JSON_MAX_DEPTH);
		return NULL;
	}
	v = new_val(ps, object ? POL_JOBJECT : POL_JARRAY);
	if (!v)
		return NULL;
	ps->depth++;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return v;
	}
	for (;;) {
		struct pol_jval *item;
		char *name = NULL;

		skip_ws(ps);
		if (object) {
			if (ps->p >= ps->end || *ps->p != '"') {
				perror_at(ps, ps->p, "expected a member name (a string), found %s",
					  what(ps));
				goto fail;
			}
			name = parse_string(ps);
			if (!name)
				goto fail;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(name);
				perror_at(ps, ps->p, "expected ':' after a member name, found %s",
					  what(ps));
				goto fail;
			}
			ps->p++;
		}
		item = parse_value(ps);
		if (!item) {
			free(name);
			goto fail;
		}
		if (append(ps, v, item, name))
			goto fail;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			break;
		}
		perror_at(ps, ps->p, "expected ',' or '%c' after %s, found %s", close,
			  object ? "an object member" : "an array item", what(ps));
		goto fail;
	}
	if (object && check_duplicates(ps, v, open))
		goto fail;
	ps->depth--;
	return v;
fail:
	pol_json_free(v);
	return NULL;
}

static bool literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n))
		return false;
	ps->p += n;
	return true;
}

static struct pol_jval *parse_value(struct parser *ps)
{
	struct pol_jval *v;
	char c;

	skip_ws(ps);
	if (ps->p >= ps->end) {
		perror_at(ps, ps->p, "expected a value, found the end of the input");
		return NULL;
	}
	c = *ps->p;
	if (c == '{' || c == '[')
		return parse_container(ps, c == '{');
	if (c == '"') {
		char *s = parse_string(ps);

		if (!s)
			return NULL;
		v = new_val(ps, POL_JSTRING);
		if (!v) {
			free(s);
			return NULL;
		}
		v->str = s;
		return v;
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return parse_number(ps);
	if (literal(ps, "true") || literal(ps, "false")) {
		v = new_val(ps, POL_JBOOL);
		if (v)
			v->b = c == 't';
		return v;
	}
	if (literal(ps, "null"))
		return new_val(ps, POL_JNULL);
	perror_at(ps, ps->p,
		  "expected a value (an object, array, string, number, true, false "
		  "or null)");
	return NULL;
}

int pol_json_parse(const char *text, size_t len, struct pol_jval **out, char *err, size_t errlen)
{
	struct parser ps = { text, text, text + len, 0, 0, err, errlen };
	const char *nul = memchr(text, '\0', len);
	struct pol_jval *v;

	if (errlen)
		err[0] = '\0';
	if (nul) {
		perror_at(&ps, nul, "a NUL byte in the input");
		return ps.ret;
	}
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) {
		perror_at(&ps, text,
			  "the input starts with a UTF-8 byte order mark, which JSON "
			  "does not allow");
		return ps.ret;
	}
	v = parse_value(&ps);
	if (v) {
		skip_ws(&ps);
		if (ps.p < ps.end)
			perror_at(&ps, ps.p, "more after the JSON value");
	}
	if (ps.ret) {
		pol_json_free(v);
		return ps.ret;
	}
	*out = v;
	return 0;
}

enum pol_jtype pol_jval_type(const struct pol_jval *v)
{
	return v ? v->type : POL_JNULL;
}

const struct pol_jval *pol_jval_member(const struct pol_jval *v, const char *name)
{
	size_t k;

	if (!v || v->type != POL_JOBJECT)
		return NULL;
	for (k = 0; k < v->n; k++)
		if (!strcmp(v->names[k], name))
			return v->items[k];
	return NULL;
}

size_t pol_jval_count(const struct pol_jval *v)
{
	return v && (v->type == POL_JARRAY || v->type == POL_JOBJECT) ? v->n : 0;
}

const struct pol_jval *pol_jval_at(const struct pol_jval *v, size_t i, const char **name)
{
	if (name)
		*name = NULL;
	if (i >= pol_jval_count(v))
		return NULL;
	if (name && v->names)
		*name = v->names[i];
	return v->items[i];
}

const char *pol_jval_str(const struct pol_jval *v)
{
	return v && v->type == POL_JSTRING ? v->str : NULL;
}

int pol_jval_int(const struct pol_jval *v, int64_t *out)
{
	if (!v || v->type != POL_JNUMBER || !v->is_int)
		return -EINVAL;
	if (!v->in_range)
		return -ERANGE;
	*out = v->i;
	return 0;
}

int pol_jval_bool(const struct pol_jval *v, bool *out)
{
	if (!v || v->type != POL_JBOOL)
		return -EINVAL;
	*out = v->b;
	return 0;
}
