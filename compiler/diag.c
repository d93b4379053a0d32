/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * diag.c - errors and warnings that point at the input.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "utf8.h"

/*
 * d->files points at a bookkeeping head (name NULL) followed by the
 * sources.  The head also remembers whether the last message was
 * suppressed, so its notes are suppressed with it.
 */
struct pol_diag_file {
	struct pol_diag_file *next;
	char *name;
	char *text;
	size_t len;
	size_t *lines; /* offset of each line start, built on first quote */
	size_t n_lines;
	bool mute_notes;
	bool suspect;    /* being parsed as .jp, and no statement parsed yet */
	bool foreign;    /* does not look like a policy: its errors are hidden */
	int first_error; /* line of its first error, 0 before one */
};

/* Columns of context before the caret when a long line is cut to
 * POL_DIAG_WIDTH (pol_limits.h). */
#define POL_DIAG_LEFT 40

/* One a line, as enum pol_warning (clang-format packs five or more into
 * columns). */
/* clang-format off */
static const char *const pol_warning_names[] = {
	[POL_W_SHADOW] = "shadow",
	[POL_W_DUPLICATE] = "duplicate",
	[POL_W_HOST_BITS] = "host-bits",
	[POL_W_MAPPED] = "mapped",
	[POL_W_AUDIT] = "audit",
};
/* clang-format on */

_Static_assert(sizeof(pol_warning_names) / sizeof(pol_warning_names[0]) == POL_W_MAX,
	       "pol_warning_names out of sync with enum pol_warning");

enum pol_diag_kind {
	POL_DIAG_ERROR,
	POL_DIAG_WARNING,
	POL_DIAG_NOTE,
	POL_DIAG_FAILURE, /* a test that did not hold: no label, no column */
};

void pol_diag_init(struct pol_diag *d, FILE *out)
{
	int i;

	memset(d, 0, sizeof(*d));
	d->out = out;
	d->max_errors = POL_DIAG_MAX_ERRORS;
	for (i = 0; i < POL_W_MAX; i++)
		d->enabled[i] = true;
}

void pol_diag_free(struct pol_diag *d)
{
	struct pol_diag_file *f, *next;

	if (!d)
		return;
	for (f = d->files; f; f = next) {
		next = f->next;
		free(f->name);
		free(f->text);
		free(f->lines);
		free(f);
	}
	d->files = NULL;
}

const char *pol_diag_file_text(const struct pol_diag *d, const char *file)
{
	const struct pol_diag_file *f;

	for (f = d->files ? d->files->next : NULL; f; f = f->next)
		if (f->name == file)
			return f->text;
	return NULL;
}

static struct pol_diag_file *pol_diag_head(struct pol_diag *d)
{
	if (!d->files)
		d->files = calloc(1, sizeof(*d->files));
	return d->files;
}

const char *pol_diag_add_file(struct pol_diag *d, const char *name, const char *text, size_t len)
{
	struct pol_diag_file *head = pol_diag_head(d), *f = NULL;

	if (!head)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		goto fail;
	f->name = strdup(name);
	f->text = malloc(len + 1);
	if (!f->name || !f->text)
		goto fail;
	if (len)
		memcpy(f->text, text, len);
	f->text[len] = '\0';
	f->len = len;
	f->next = head->next;
	head->next = f;
	return f->name;

fail:
	if (f) {
		free(f->name);
		free(f->text);
		free(f);
	}
	return NULL;
}

int pol_diag_option(struct pol_diag *d, const char *opt)
{
	bool on = true;
	char *end;
	long n;
	int i;

	if (!strncmp(opt, "-fmax-errors=", 13)) {
		errno = 0;
		n = strtol(opt + 13, &end, 10);
		if (end == opt + 13 || *end || n < 0 || n > 1000000000 || errno)
			return -EINVAL;
		d->max_errors = (unsigned)n;
		return 0;
	}
	if (strncmp(opt, "-W", 2) != 0)
		return -EINVAL;
	opt += 2;
	if (!strcmp(opt, "error")) {
		d->werror = true;
		return 0;
	}
	if (!strcmp(opt, "no-error")) {
		d->werror = false;
		return 0;
	}
	if (!strcmp(opt, "all") || !strcmp(opt, "none")) {
		for (i = 0; i < POL_W_MAX; i++)
			d->enabled[i] = !strcmp(opt, "all");
		return 0;
	}
	if (!strncmp(opt, "no-", 3)) {
		on = false;
		opt += 3;
	}
	for (i = 0; i < POL_W_MAX; i++) {
		if (!strcmp(opt, pol_warning_names[i])) {
			d->enabled[i] = on;
			return 0;
		}
	}
	return -EINVAL;
}

const char *pol_warning_name(enum pol_warning w)
{
	if ((unsigned)w >= POL_W_MAX)
		return "unknown";
	return pol_warning_names[w];
}

bool pol_diag_failed(const struct pol_diag *d)
{
	return d->n_errors > 0 || (d->werror && d->n_warnings > 0);
}

static struct pol_diag_file *pol_diag_find(struct pol_diag *d, const char *name)
{
	struct pol_diag_file *f;

	if (!d->files)
		return NULL;
	/* loc->file is the table's own pointer; compare it first. */
	for (f = d->files->next; f; f = f->next)
		if (f->name == name)
			return f;
	for (f = d->files->next; f; f = f->next)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

static int pol_diag_index(struct pol_diag_file *f)
{
	size_t i, n = 1, k = 0;

	for (i = 0; i < f->len; i++)
		if (f->text[i] == '\n')
			n++;
	f->lines = malloc(n * sizeof(*f->lines));
	if (!f->lines)
		return -ENOMEM;
	f->lines[k++] = 0;
	for (i = 0; i < f->len; i++)
		if (f->text[i] == '\n')
			f->lines[k++] = i + 1;
	f->n_lines = n;
	return 0;
}

/*
 * One character of a quoted line or message at s (before end): its length
 * in bytes, and its width on the terminal.  Control characters, invalid
 * UTF-8, C1 controls and the bidi/line-separator code points are shown as
 * \xHH per byte (*esc), so a policy cannot drive the terminal.
 */
static size_t pol_diag_char(const unsigned char *s, const unsigned char *end, int *width, bool *esc)
{
	unsigned char c = s[0];
	size_t n;

	*esc = false;
	*width = 1;
	if (c == '\t' || (c >= 0x20 && c < 0x7f))
		return 1;
	n = c < 0x80 ? 0 : pol_utf8_len(s, end);
	if (n == 0) {
		*esc = true;
		*width = 4;
		return 1;
	}
	/* U+0080-U+009F, U+2028-U+202E, U+2066-U+2069 */
	if ((c == 0xc2 && s[1] <= 0x9f) ||
	    (c == 0xe2 && s[1] == 0x80 && s[2] >= 0xa8 && s[2] <= 0xae) ||
	    (c == 0xe2 && s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)) {
		*esc = true;
		*width = 4 * (int)n;
	}
	return n;
}

static void pol_diag_put(FILE *out, const char *s, size_t n, bool esc)
{
	size_t i;

	if (!esc) {
		fwrite(s, 1, n, out);
		return;
	}
	for (i = 0; i < n; i++)
		fprintf(out, "\\x%02x", (unsigned char)s[i]);
}

/* Text of untrusted origin (a message with user strings in it), escaped. */
static void pol_diag_puts(FILE *out, const char *s)
{
	const char *end = s + strlen(s);
	size_t n;
	bool esc;
	int w;

	while (s < end) {
		n = pol_diag_char((const unsigned char *)s, (const unsigned char *)end, &w, &esc);
		pol_diag_put(out, s, n, esc);
		s += n;
	}
}

/* The width of line[a, b), or of as much of it as fits in max columns:
 * *stop is where that ends. */
static int pol_diag_width(const char *a, const char *b, int max, const char **stop)
{
	int total = 0, w;
	size_t n;
	bool esc;

	while (a < b) {
		n = pol_diag_char((const unsigned char *)a, (const unsigned char *)b, &w, &esc);
		if (total + w > max)
			break;
		total += w;
		a += n;
	}
	if (stop)
		*stop = a;
	return total;
}

/*
 * Quote the line of loc and put a caret under its span.  Only a window of
 * at most POL_DIAG_WIDTH columns around the caret is looked at, so the cost
 * of one message does not grow with the length of the line.
 */
static void pol_diag_quote(struct pol_diag *d, FILE *out, const struct pol_loc *loc)
{
	struct pol_diag_file *f = pol_diag_find(d, loc->file);
	const char *line, *end, *caret, *span, *left, *right, *p;
	bool cut_left, cut_right, esc;
	int budget, w;
	size_t n;

	if (!f || loc->line < 1)
		return;
	if (!f->lines && pol_diag_index(f) < 0)
		return;
	if ((size_t)loc->line > f->n_lines)
		return;
	line = f->text + f->lines[loc->line - 1];
	end = (size_t)loc->line < f->n_lines ? f->text + f->lines[loc->line] - 1 : f->text + f->len;
	if (end > line && end[-1] == '\r')
		end--;
	caret = line + (loc->col < 1 ? 0 : loc->col - 1);
	if (caret > end)
		caret = end;
	if (loc->end_line > loc->line)
		span = end;
	else
		span = line + (loc->end_col < 1 ? 0 : loc->end_col);
	if (span > end)
		span = end;

	/* The window starts at the line, or LEFT columns before the caret. */
	left = caret - line > 4 * POL_DIAG_LEFT ? caret - 4 * POL_DIAG_LEFT : line;
	while (left > line && left < caret && (*left & 0xc0) == 0x80)
		left++;
	if (left != line || pol_diag_width(line, caret, INT_MAX, NULL) > 2 * POL_DIAG_LEFT) {
		while (pol_diag_width(left, caret, INT_MAX, NULL) > POL_DIAG_LEFT) {
			n = pol_diag_char((const unsigned char *)left, (const unsigned char *)caret,
					  &w, &esc);
			left += n;
		}
	}
	cut_left = left != line;
	budget = POL_DIAG_WIDTH - (cut_left ? 3 : 0);
	if (pol_diag_width(left, end, budget, &right) >= 0 && right == end) {
		cut_right = false;
	} else {
		pol_diag_width(left, end, budget - 3, &right);
		cut_right = true;
	}
	if (span > right)
		span = right;

	if (cut_left)
		fputs("...", out);
	for (p = left; p < right; p += n) {
		n = pol_diag_char((const unsigned char *)p, (const unsigned char *)right, &w, &esc);
		pol_diag_put(out, p, n, esc);
	}
	fputs(cut_right ? "...\n" : "\n", out);

	if (cut_left)
		fputs("   ", out);
	for (p = left; p < caret; p += n) {
		n = pol_diag_char((const unsigned char *)p, (const unsigned char *)caret, &w, &esc);
		if (*p == '\t')
			fputc('\t', out);
		else
			fprintf(out, "%*s", w, "");
	}
	w = pol_diag_width(caret, span, INT_MAX, NULL);
	if (w < 1)
		w = 1;
	if (d->color)
		fputs("\033[1;32m", out);
	fputc('^', out);
	while (--w > 0)
		fputc('~', out);
	if (d->color)
		fputs("\033[0m", out);
	fputc('\n', out);
}

static void pol_diag_vprint(struct pol_diag *d, enum pol_diag_kind kind, const char *wname,
			    const struct pol_loc *loc, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

/*
 * Each message, its quote and caret are formatted into memory and written
 * with one call: messages from processes sharing the stream do not
 * interleave, and an unbuffered stderr is not written a byte at a time.
 */
static void pol_diag_vprint(struct pol_diag *d, enum pol_diag_kind kind, const char *wname,
			    const struct pol_loc *loc, const char *fmt, va_list ap)
{
	static const char *const labels[] = { "error", "warning", "note", "" };
	static const char *const colors[] = { "\033[1;31m", "\033[1;35m", "\033[1;36m", "" };
	const char *bold = d->color ? "\033[1m" : "";
	const char *reset = d->color ? "\033[0m" : "";
	char *msg = NULL, *buf = NULL;
	size_t size = 0;
	FILE *out;

	if (!d->out)
		return;
	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	out = open_memstream(&buf, &size);
	if (!out) {
		free(msg);
		return;
	}
	if (loc && loc->file && loc->line > 0 && kind == POL_DIAG_FAILURE) {
		fputs(bold, out);
		pol_diag_puts(out, loc->file);
		fprintf(out, ":%d:%s ", loc->line, reset);
	} else if (loc && loc->file && loc->line > 0) {
		fputs(bold, out);
		pol_diag_puts(out, loc->file);
		fprintf(out, ":%d:%d:%s ", loc->line, loc->col, reset);
	} else if (loc && loc->file) {
		fputs(bold, out);
		pol_diag_puts(out, loc->file);
		fprintf(out, ":%s ", reset);
	}
	if (kind != POL_DIAG_FAILURE)
		fprintf(out, "%s%s:%s ", d->color ? colors[kind] : "", labels[kind], reset);
	pol_diag_puts(out, msg);
	if (wname)
		fprintf(out, " [-W%s%s]", d->werror ? "error=" : "", wname);
	fputc('\n', out);
	if (loc && loc->file && loc->line > 0)
		pol_diag_quote(d, out, loc);
	if (fclose(out) == 0)
		fwrite(buf, 1, size, d->out);
	free(buf);
	free(msg);
}

static void pol_diag_note_plain(struct pol_diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void pol_diag_note_plain(struct pol_diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pol_diag_vprint(d, POL_DIAG_NOTE, NULL, NULL, fmt, ap);
	va_end(ap);
}

static void pol_diag_mute(struct pol_diag *d, bool mute)
{
	struct pol_diag_file *head = mute ? pol_diag_head(d) : d->files;

	if (head)
		head->mute_notes = mute;
}

/*
 * Whether to print a message about loc, counting the ones held back.  A
 * file in which no statement parsed is not a policy once it has errors on
 * two lines: say so once and show no more of it (the first line quoted is
 * all of it anyone sees).  Past -fmax-errors, nothing more is shown.
 */
static bool pol_diag_show(struct pol_diag *d, const struct pol_loc *loc, bool error)
{
	struct pol_diag_file *f = loc && loc->file ? pol_diag_find(d, loc->file) : NULL;

	if (f && f->suspect && error && loc->line > 0) {
		if (!f->first_error) {
			f->first_error = loc->line;
		} else if (!f->foreign && loc->line != f->first_error) {
			f->foreign = true;
			pol_diag_note_plain(d,
					    "'%s' does not look like a jailpol policy; not "
					    "showing more of it",
					    f->name);
		}
	}
	if ((f && f->foreign) || (d->max_errors && d->n_shown >= d->max_errors)) {
		if (error)
			d->n_hidden_errors++;
		else
			d->n_hidden_warnings++;
		pol_diag_mute(d, true);
		return false;
	}
	d->n_shown++;
	pol_diag_mute(d, false);
	return true;
}

void pol_verror(struct pol_diag *d, const struct pol_loc *loc, const char *fmt, va_list ap)
{
	d->n_errors++;
	if (pol_diag_show(d, loc, true))
		pol_diag_vprint(d, POL_DIAG_ERROR, NULL, loc, fmt, ap);
}

void pol_error(struct pol_diag *d, const struct pol_loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pol_verror(d, loc, fmt, ap);
	va_end(ap);
}

void pol_warn(struct pol_diag *d, enum pol_warning w, const struct pol_loc *loc, const char *fmt,
	      ...)
{
	va_list ap;

	if ((unsigned)w >= POL_W_MAX || !d->enabled[w]) {
		pol_diag_mute(d, true);
		return;
	}
	d->n_warnings++;
	if (!pol_diag_show(d, loc, d->werror))
		return;
	va_start(ap, fmt);
	pol_diag_vprint(d, d->werror ? POL_DIAG_ERROR : POL_DIAG_WARNING, pol_warning_names[w], loc,
			fmt, ap);
	va_end(ap);
}

void pol_note(struct pol_diag *d, const struct pol_loc *loc, const char *fmt, ...)
{
	va_list ap;

	if (d->files && d->files->mute_notes)
		return;
	va_start(ap, fmt);
	pol_diag_vprint(d, POL_DIAG_NOTE, NULL, loc, fmt, ap);
	va_end(ap);
}

void pol_failure(struct pol_diag *d, const struct pol_loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pol_diag_vprint(d, POL_DIAG_FAILURE, NULL, loc, fmt, ap);
	va_end(ap);
}

void pol_diag_begin(struct pol_diag *d, const char *file)
{
	struct pol_diag_file *f = file ? pol_diag_find(d, file) : NULL;

	if (f)
		f->suspect = true;
}

void pol_diag_statement(struct pol_diag *d, const char *file)
{
	struct pol_diag_file *f = file ? pol_diag_find(d, file) : NULL;

	if (f)
		f->suspect = false;
}

void pol_diag_finish(struct pol_diag *d)
{
	unsigned e = d->n_hidden_errors, w = d->n_hidden_warnings;

	if (!e && !w)
		return;
	if (e && w)
		pol_diag_note_plain(d, "%u more error%s and %u more warning%s not shown", e,
				    e == 1 ? "" : "s", w, w == 1 ? "" : "s");
	else
		pol_diag_note_plain(d, "%u more %s%s not shown", e ? e : w, e ? "error" : "warning",
				    (e ? e : w) == 1 ? "" : "s");
	if (d->max_errors && d->n_shown >= d->max_errors)
		pol_diag_note_plain(d, "at most %u messages are shown; -fmax-errors=0 shows all",
				    d->max_errors);
	d->n_hidden_errors = d->n_hidden_warnings = 0;
}
