/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * diag.c - errors and warnings that point at the input.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

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
};

static const char *const pol_warning_names[] = {
	[POL_W_SHADOW] = "shadow",
	[POL_W_DUPLICATE] = "duplicate",
	[POL_W_HOST_BITS] = "host-bits",
	[POL_W_MAPPED] = "mapped",
};

_Static_assert(sizeof(pol_warning_names) / sizeof(pol_warning_names[0]) == POL_W_MAX,
	       "pol_warning_names out of sync with enum pol_warning");

enum pol_diag_kind {
	POL_DIAG_ERROR,
	POL_DIAG_WARNING,
	POL_DIAG_NOTE,
};

void pol_diag_init(struct pol_diag *d, FILE *out)
{
	int i;

	memset(d, 0, sizeof(*d));
	d->out = out;
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
	int i;

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

static void pol_diag_quote(struct pol_diag *d, const struct pol_loc *loc)
{
	struct pol_diag_file *f = pol_diag_find(d, loc->file);
	const char *line, *end;
	int width, i;

	if (!f || loc->line < 1)
		return;
	if (!f->lines && pol_diag_index(f) < 0)
		return;
	if ((size_t)loc->line > f->n_lines)
		return;
	line = f->text + f->lines[loc->line - 1];
	end = memchr(line, '\n', (size_t)(f->text + f->len - line));
	if (!end)
		end = f->text + f->len;
	if (end > line && end[-1] == '\r')
		end--;
	fprintf(d->out, "%.*s\n", (int)(end - line), line);

	for (i = 1; i < loc->col && line + i - 1 < end; i++)
		fputc(line[i - 1] == '\t' ? '\t' : ' ', d->out);
	if (loc->end_line > loc->line)
		width = (int)(end - line) - loc->col + 1;
	else
		width = loc->end_col - loc->col + 1;
	if (width < 1)
		width = 1;
	if (d->color)
		fputs("\033[1;32m", d->out);
	fputc('^', d->out);
	for (i = 1; i < width; i++)
		fputc('~', d->out);
	if (d->color)
		fputs("\033[0m", d->out);
	fputc('\n', d->out);
}

static void pol_diag_vprint(struct pol_diag *d, enum pol_diag_kind kind, const char *wname,
			    const struct pol_loc *loc, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

static void pol_diag_vprint(struct pol_diag *d, enum pol_diag_kind kind, const char *wname,
			    const struct pol_loc *loc, const char *fmt, va_list ap)
{
	static const char *const labels[] = { "error", "warning", "note" };
	static const char *const colors[] = { "\033[1;31m", "\033[1;35m", "\033[1;36m" };
	const char *bold = d->color ? "\033[1m" : "";
	const char *reset = d->color ? "\033[0m" : "";

	if (!d->out)
		return;
	if (loc && loc->file && loc->line > 0)
		fprintf(d->out, "%s%s:%d:%d:%s ", bold, loc->file, loc->line, loc->col, reset);
	else if (loc && loc->file)
		fprintf(d->out, "%s%s:%s ", bold, loc->file, reset);
	fprintf(d->out, "%s%s:%s ", d->color ? colors[kind] : "", labels[kind], reset);
	vfprintf(d->out, fmt, ap);
	if (wname)
		fprintf(d->out, " [-W%s%s]", d->werror ? "error=" : "", wname);
	fputc('\n', d->out);
	if (loc && loc->file && loc->line > 0)
		pol_diag_quote(d, loc);
}

static void pol_diag_mute(struct pol_diag *d, bool mute)
{
	struct pol_diag_file *head = mute ? pol_diag_head(d) : d->files;

	if (head)
		head->mute_notes = mute;
}

void pol_verror(struct pol_diag *d, const struct pol_loc *loc, const char *fmt, va_list ap)
{
	d->n_errors++;
	pol_diag_mute(d, false);
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
	pol_diag_mute(d, false);
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
