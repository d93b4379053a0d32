/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * eval.c - semantic checks: loads the top file and its includes, resolves
 * named sets, and turns every rule into a struct pol_rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "ast.h"
#include "builtins.h"
#include "frontend.h"
#include "yaml.h"

#define POL_INCLUDE_DEPTH 16

enum pol_set_state {
	POL_SET_NEW,
	POL_SET_RESOLVING,
	POL_SET_DONE,
};

struct pol_set_def {
	char *name;
	struct pol_loc loc; /* the name in its definition */
	struct ast_elems *elems;
	bool builtin;
	uint8_t state; /* enum pol_set_state */
	bool host;
	struct pol_prefix *pfx; /* sorted, unique once resolved */
	size_t n;
};

struct pol_loaded {
	dev_t dev;
	ino_t ino;
	const char *name; /* the diag's copy */
	struct pol_loc at; /* the include statement; file NULL for the top */
};

struct pol_eval {
	struct pol_diag *d;
	struct pol_set_def **slots; /* open addressing by name */
	size_t cap, count;
	struct pol_set_def **defs; /* user sets in definition order */
	size_t n_defs, cap_defs;
	struct ast_stmts stmts; /* default and rule statements, in order */
	struct ast_stmt *dflt;
	bool have_backstop, backstop;
	struct pol_loc backstop_loc; /* file names live in the diag */
	struct pol_loaded *files;
	size_t n_files, cap_files;
	size_t stack[POL_INCLUDE_DEPTH + 1]; /* files being loaded */
	size_t depth;
	struct pol_set_def **rstack; /* sets being resolved */
	size_t rdepth, rcap;
};

/* An element's prefix and its position, to find duplicates by sorting. */
struct pol_dup_key {
	struct pol_prefix p;
	size_t idx;
};

struct pol_dup_pair {
	size_t dup, first;
};

static size_t pol_hash(const char *s)
{
	size_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct pol_set_def **pol_set_slot(struct pol_eval *ev, const char *name)
{
	size_t i = pol_hash(name) & (ev->cap - 1);

	while (ev->slots[i] && strcmp(ev->slots[i]->name, name))
		i = (i + 1) & (ev->cap - 1);
	return &ev->slots[i];
}

static struct pol_set_def *pol_set_find(struct pol_eval *ev, const char *name)
{
	return ev->cap ? *pol_set_slot(ev, name) : NULL;
}

static int pol_set_insert(struct pol_eval *ev, struct pol_set_def *def)
{
	if ((ev->count + 1) * 2 > ev->cap) {
		size_t ncap = ev->cap ? ev->cap * 2 : 64, i, ocap = ev->cap;
		struct pol_set_def **old = ev->slots;

		ev->slots = calloc(ncap, sizeof(*ev->slots));
		if (!ev->slots) {
			ev->slots = old;
			return -ENOMEM;
		}
		ev->cap = ncap;
		for (i = 0; i < ocap; i++)
			if (old[i])
				*pol_set_slot(ev, old[i]->name) = old[i];
		free(old);
	}
	*pol_set_slot(ev, def->name) = def;
	ev->count++;
	return 0;
}

static void pol_set_free(struct pol_set_def *def)
{
	if (!def)
		return;
	free(def->name);
	ast_elems_free(def->elems);
	free(def->pfx);
	free(def);
}

/* A built-in set, resolved on first use and kept in the table. */
static int pol_builtin_def(struct pol_eval *ev, const char *name,
			   struct pol_set_def **out)
{
	const struct pol_builtin *bi = pol_builtin_find(name);
	struct pol_set_def *def = NULL;
	size_t n = 0, i;
	int err = -ENOMEM;

	*out = NULL;
	if (!bi)
		return 0;
	while (bi->elems[n])
		n++;
	def = calloc(1, sizeof(*def));
	if (!def)
		goto fail;
	def->name = strdup(name);
	def->pfx = calloc(n ? n : 1, sizeof(*def->pfx));
	if (!def->name || !def->pfx)
		goto fail;
	for (i = 0; i < n; i++)
		pol_prefix_parse(bi->elems[i], &def->pfx[i], NULL);
	def->n = pol_prefixes_normalise(def->pfx, n);
	def->builtin = true;
	def->host = bi->host;
	def->state = POL_SET_DONE;
	err = pol_set_insert(ev, def);
	if (err)
		goto fail;
	*out = def;
	return 0;

fail:
	pol_set_free(def);
	return err;
}

static uint64_t pol_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return __builtin_bswap64(v);
}

/* pol_prefix_cmp()'s order (family, address, length), then position.  Kept
 * local and branchy because it runs n log n times on a million keys. */
static int pol_dup_key_cmp(const void *a, const void *b)
{
	const struct pol_dup_key *x = a, *y = b;
	uint64_t u, v;

	if (x->p.family != y->p.family)
		return x->p.family < y->p.family ? -1 : 1;
	u = pol_be64(x->p.addr);
	v = pol_be64(y->p.addr);
	if (u == v) {
		u = pol_be64(x->p.addr + 8);
		v = pol_be64(y->p.addr + 8);
	}
	if (u != v)
		return u < v ? -1 : 1;
	if (x->p.len != y->p.len)
		return x->p.len < y->p.len ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Stable merge sort of keys, with the comparison inlined: glibc's qsort()
 * spends most of a million-prefix compile calling through a pointer and
 * copying through memcpy().  tmp holds n keys.
 */
static void pol_dup_key_sort(struct pol_dup_key *v, struct pol_dup_key *tmp,
			     size_t n)
{
	struct pol_dup_key *src = v, *dst = tmp, *t;
	size_t w, i, j, lo, mid, hi, k;

	for (lo = 0; lo < n; lo += 16) {
		hi = lo + 16 < n ? lo + 16 : n;
		for (i = lo + 1; i < hi; i++) {
			struct pol_dup_key x = v[i];

			for (j = i; j > lo && pol_dup_key_cmp(&v[j - 1], &x) > 0; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
	}
	for (w = 16; w < n; w *= 2) {
		for (lo = 0; lo < n; lo += 2 * w) {
			mid = lo + w < n ? lo + w : n;
			hi = lo + 2 * w < n ? lo + 2 * w : n;
			i = lo;
			j = mid;
			k = lo;
			if (mid == hi ||
			    pol_dup_key_cmp(&src[mid - 1], &src[mid]) <= 0) {
				memcpy(dst + lo, src + lo, (hi - lo) * sizeof(*v));
				continue;
			}
			while (i < mid && j < hi)
				dst[k++] = pol_dup_key_cmp(&src[j], &src[i]) < 0 ?
						   src[j++] : src[i++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
}

static int pol_dup_pair_cmp(const void *a, const void *b)
{
	const struct pol_dup_pair *x = a, *y = b;

	return x->dup < y->dup ? -1 : x->dup > y->dup;
}

/*
 * Sort el's own prefixes into *out (unique) and warn about those listed
 * twice, in source order.  Sorting keeps this O(n log n) for the
 * million-element lists people paste in, and is the only sort such a list
 * needs: everything downstream finds it already in order.
 */
static int pol_eval_direct(struct pol_eval *ev, const struct ast_elems *el,
			   const char *where, struct pol_prefix **out,
			   size_t *n_out)
{
	struct pol_dup_key *keys = NULL, *tmp = NULL;
	struct pol_dup_pair *pairs = NULL;
	struct pol_prefix *v = NULL;
	size_t n = 0, n_pairs = 0, cap_pairs = 0, i, first = 0, o = 0;
	int err = -ENOMEM;

	keys = malloc((el->n ? el->n : 1) * sizeof(*keys));
	v = malloc((el->n ? el->n : 1) * sizeof(*v));
	if (!keys || !v)
		goto cleanup;
	for (i = 0; i < el->n; i++) {
		if (el->v[i].kind != AST_ELEM_PREFIX)
			continue;
		keys[n].p = el->v[i].pfx;
		keys[n].idx = i;
		n++;
	}
	if (n > 1) {
		tmp = malloc(n * sizeof(*tmp));
		if (!tmp)
			goto cleanup;
		pol_dup_key_sort(keys, tmp, n);
		free(tmp);
	}
	for (i = 0; i < n; i++) {
		if (i == 0 || pol_prefix_cmp(&keys[i].p, &keys[first].p)) {
			first = i;
			v[o++] = keys[i].p;
			continue;
		}
		/* The 0.0.0.0/0 implied by ::/0 is nobody's typo. */
		if (el->v[keys[i].idx].implied ||
		    el->v[keys[first].idx].implied)
			continue;
		err = pol_grow((void **)&pairs, &cap_pairs, n_pairs + 1,
			       sizeof(*pairs));
		if (err)
			goto cleanup;
		pairs[n_pairs].dup = keys[i].idx;
		pairs[n_pairs].first = keys[first].idx;
		n_pairs++;
	}
	if (n_pairs)
		qsort(pairs, n_pairs, sizeof(*pairs), pol_dup_pair_cmp);
	for (i = 0; i < n_pairs; i++) {
		char buf[POL_PREFIX_STRLEN];
		const struct ast_elem *e = &el->v[pairs[i].dup];

		pol_prefix_format(&e->pfx, buf, sizeof(buf));
		pol_warn(ev->d, POL_W_DUPLICATE, &e->loc,
			 "'%s' is listed twice in %s", buf, where);
		pol_note(ev->d, &el->v[pairs[i].first].loc, "first listed here");
	}
	*out = v;
	*n_out = o;
	v = NULL;
	err = 0;

cleanup:
	free(keys);
	free(pairs);
	free(v);
	return err;
}

static bool pol_prefixes_sorted(const struct pol_prefix *v, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (pol_prefix_cmp(&v[i - 1], &v[i]) >= 0)
			return false;
	return true;
}

static int pol_eval_resolve(struct pol_eval *ev, struct pol_set_def *def);

/* "a -> b -> a" for the sets from def up the resolution stack, and back. */
static void pol_eval_cycle(struct pol_eval *ev, struct pol_set_def *def,
			   const struct pol_loc *loc)
{
	char msg[512];
	size_t i, len = 0;

	for (i = 0; i < ev->rdepth && ev->rstack[i] != def; i++)
		;
	for (; i < ev->rdepth && len < sizeof(msg); i++)
		len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s -> ",
					ev->rstack[i]->name);
	if (len < sizeof(msg))
		snprintf(msg + len, sizeof(msg) - len, "%s", def->name);
	pol_error(ev->d, loc, "set reference cycle: %s", msg);
}

/*
 * Expand el into a sorted, unique prefix array; *host is set when it names
 * the runtime-filled host set.  Undefined names and cycles are reported
 * and contribute nothing.
 */
static int pol_eval_elems(struct pol_eval *ev, const struct ast_elems *el,
			  const char *where, struct pol_prefix **out,
			  size_t *n_out, bool *host)
{
	struct pol_prefix *v = NULL;
	size_t n = 0, cap, i;
	int err;

	*host = false;
	err = pol_eval_direct(ev, el, where, &v, &n);
	if (err)
		return err;
	cap = el->n ? el->n : 1;
	for (i = 0; i < el->n; i++) {
		const struct ast_elem *e = &el->v[i];
		struct pol_set_def *def;

		if (e->kind != AST_ELEM_NAME)
			continue;
		def = pol_set_find(ev, e->name);
		if (!def) {
			err = pol_builtin_def(ev, e->name, &def);
			if (err)
				goto fail;
		}
		if (!def) {
			pol_error(ev->d, &e->loc, "set '%s' is not defined",
				  e->name);
			continue;
		}
		if (def->state == POL_SET_RESOLVING) {
			pol_eval_cycle(ev, def, &e->loc);
			continue;
		}
		err = pol_eval_resolve(ev, def);
		if (err)
			goto fail;
		*host |= def->host;
		if (!def->n)
			continue;
		if (n + def->n > cap) {
			struct pol_prefix *nv;

			cap = n + def->n;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				err = -ENOMEM;
				goto fail;
			}
			v = nv;
		}
		memcpy(v + n, def->pfx, def->n * sizeof(*v));
		n += def->n;
	}
	/* Usually one sorted list or one set: no need to sort it again. */
	if (!pol_prefixes_sorted(v, n))
		n = pol_prefixes_normalise(v, n);
	*n_out = n;
	*out = v;
	return 0;

fail:
	free(v);
	return err;
}

static int pol_eval_resolve(struct pol_eval *ev, struct pol_set_def *def)
{
	char where[128];
	int err;

	if (def->state != POL_SET_NEW)
		return 0;
	def->state = POL_SET_RESOLVING;
	err = pol_grow((void **)&ev->rstack, &ev->rcap, ev->rdepth + 1,
		       sizeof(*ev->rstack));
	if (err)
		return err;
	ev->rstack[ev->rdepth++] = def;
	snprintf(where, sizeof(where), "set '%s'", def->name);
	err = pol_eval_elems(ev, def->elems, where, &def->pfx, &def->n,
			     &def->host);
	ev->rdepth--;
	def->state = POL_SET_DONE;
	/* The elements are not needed again; a big list should not linger. */
	ast_elems_free(def->elems);
	def->elems = NULL;
	return err;
}

/* Takes s->name and s->elems. */
static int pol_eval_define(struct pol_eval *ev, struct ast_stmt *s)
{
	struct pol_set_def *def, *old;
	int err;

	if (pol_builtin_find(s->name)) {
		pol_error(ev->d, &s->name_loc,
			  "set '%s' is a built-in set and cannot be redefined",
			  s->name);
		return 0;
	}
	old = pol_set_find(ev, s->name);
	if (old) {
		pol_error(ev->d, &s->name_loc, "set '%s' is already defined",
			  s->name);
		pol_note(ev->d, &old->loc, "set '%s' was first defined here",
			 s->name);
		return 0;
	}
	if (!s->elems->listed)
		pol_error(ev->d, &s->name_loc, "set '%s' is empty", s->name);

	err = pol_grow((void **)&ev->defs, &ev->cap_defs, ev->n_defs + 1,
		       sizeof(*ev->defs));
	if (err)
		return err;
	def = calloc(1, sizeof(*def));
	if (!def)
		return -ENOMEM;
	def->name = s->name;
	def->loc = s->name_loc;
	def->elems = s->elems;
	s->name = NULL;
	s->elems = NULL;
	err = pol_set_insert(ev, def);
	if (err) {
		pol_set_free(def);
		return err;
	}
	ev->defs[ev->n_defs++] = def;
	return 0;
}

/* dir(base) joined with rel, with "." and "dir/.." folded away. */
static char *pol_path_join(const char *base, const char *rel)
{
	const char *slash = strrchr(base, '/');
	size_t dlen = (rel[0] == '/' || !slash) ? 0 : (size_t)(slash - base) + 1;
	size_t len = dlen + strlen(rel), i = 0, o = 0, keep = 0;
	char *in = malloc(len + 1), *out = malloc(len + 2);

	if (!in || !out)
		goto fail;
	memcpy(in, base, dlen);
	strcpy(in + dlen, rel);
	if (in[0] == '/')
		out[o++] = '/';
	/* out[0..keep) can not be folded: the root or leading "../"s. */
	keep = o;
	while (i < len) {
		size_t start = i, clen;

		while (i < len && in[i] != '/')
			i++;
		clen = i++ - start;
		if (clen == 0 || (clen == 1 && in[start] == '.'))
			continue;
		if (clen == 2 && !strncmp(in + start, "..", 2)) {
			if (o > keep) {
				o--; /* the '/' after the last component */
				while (o > keep && out[o - 1] != '/')
					o--;
				continue;
			}
			if (keep == 1 && out[0] == '/')
				continue; /* "/.." is "/" */
			memcpy(out + o, "../", 3);
			o += 3;
			keep = o;
			continue;
		}
		memcpy(out + o, in + start, clen);
		o += clen;
		out[o++] = '/';
	}
	if (o > 1 && out[o - 1] == '/')
		o--;
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	free(in);
	return out;

fail:
	free(in);
	free(out);
	return NULL;
}

static int pol_read_all(int fd, char **out, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap), *nb;
	ssize_t r;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (n == cap) {
			nb = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			free(buf);
			return (int)r;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = buf;
	*len = n;
	return 0;
}

static bool pol_is_yaml(const char *path)
{
	size_t n = strlen(path);

	return (n >= 5 && !strcmp(path + n - 5, ".yaml")) ||
	       (n >= 4 && !strcmp(path + n - 4, ".yml"));
}

static int pol_eval_load(struct pol_eval *ev, const char *path,
			 const struct pol_loc *at);

static int pol_eval_include(struct pol_eval *ev, struct ast_stmt *s,
			    const char *from)
{
	char *path;
	int err;

	if (ev->depth >= POL_INCLUDE_DEPTH + 1) {
		pol_error(ev->d, &s->loc,
			  "includes are nested too deeply (at most %d levels)",
			  POL_INCLUDE_DEPTH);
		return 0;
	}
	path = pol_path_join(from, s->name);
	if (!path)
		return -ENOMEM;
	err = pol_eval_load(ev, path, &s->loc);
	free(path);
	return err;
}

static int pol_eval_stmts(struct pol_eval *ev, struct ast_stmts *v,
			  const char *from)
{
	size_t i;
	int err = 0;

	for (i = 0; i < v->n; i++) {
		struct ast_stmt *s = v->v[i];

		if (err)
			break;
		switch (s->kind) {
		case AST_SET:
			err = pol_eval_define(ev, s);
			break;
		case AST_INCLUDE:
			err = pol_eval_include(ev, s, from);
			break;
		case AST_BACKSTOP:
			if (ev->have_backstop) {
				pol_error(ev->d, &s->loc,
					  "duplicate 'backstop' statement");
				pol_note(ev->d, &ev->backstop_loc,
					 "the first 'backstop' statement is here");
				break;
			}
			ev->have_backstop = true;
			ev->backstop = s->verdict;
			ev->backstop_loc = s->loc;
			break;
		case AST_DEFAULT:
			if (ev->dflt) {
				pol_error(ev->d, &s->loc,
					  "duplicate 'default' statement");
				pol_note(ev->d, &ev->dflt->loc,
					 "the first 'default' statement is here");
				break;
			}
			ev->dflt = s;
			__attribute__((fallthrough)); /* a default is kept as a statement too */
		case AST_RULE:
			err = ast_stmts_add(&ev->stmts, s);
			v->v[i] = NULL;
			break;
		default:
			break;
		}
	}
	return err;
}

/* at is the include statement, NULL for the top file. */
static int pol_eval_load(struct pol_eval *ev, const char *path,
			 const struct pol_loc *at)
{
	struct ast_stmts stmts = { 0 };
	const char *name;
	struct stat st;
	char *text = NULL;
	size_t len = 0, i;
	int fd, err = 0, e = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		e = errno;
	else if (fstat(fd, &st) < 0)
		e = errno;
	else if (S_ISDIR(st.st_mode))
		e = EISDIR;
	if (e) {
		if (at)
			pol_error(ev->d, at, "cannot read '%s': %s", path,
				  strerror(e));
		else
			pol_error(ev->d, NULL, "cannot read '%s': %s", path,
				  strerror(e));
		goto cleanup;
	}
	for (i = 0; i < ev->depth; i++) {
		const struct pol_loaded *f = &ev->files[ev->stack[i]];
		char msg[1024];
		size_t mlen = 0, j;

		if (f->dev != st.st_dev || f->ino != st.st_ino)
			continue;
		for (j = i; j < ev->depth && mlen < sizeof(msg); j++)
			mlen += (size_t)snprintf(msg + mlen, sizeof(msg) - mlen,
						 "%s -> ",
						 ev->files[ev->stack[j]].name);
		if (mlen < sizeof(msg))
			snprintf(msg + mlen, sizeof(msg) - mlen, "%s", path);
		pol_error(ev->d, at, "include cycle: %s", msg);
		goto cleanup;
	}
	for (i = 0; i < ev->n_files; i++) {
		const struct pol_loaded *f = &ev->files[i];

		if (f->dev != st.st_dev || f->ino != st.st_ino)
			continue;
		pol_error(ev->d, at, "'%s' is already included (at %s:%d)",
			  path, f->at.file ? f->at.file : f->name, f->at.line);
		goto cleanup;
	}

	err = pol_read_all(fd, &text, &len);
	if (err == -ENOMEM)
		goto cleanup;
	if (err) {
		pol_error(ev->d, at, "cannot read '%s': %s", path,
			  strerror(-err));
		err = 0;
		goto cleanup;
	}
	if (len > INT_MAX) {
		pol_error(ev->d, at, "cannot read '%s': %s", path,
			  strerror(EFBIG));
		goto cleanup;
	}
	name = pol_diag_add_file(ev->d, path, text, len);
	err = pol_grow((void **)&ev->files, &ev->cap_files, ev->n_files + 1,
		       sizeof(*ev->files));
	if (!name || err) {
		err = -ENOMEM;
		goto cleanup;
	}
	ev->files[ev->n_files] = (struct pol_loaded){
		.dev = st.st_dev,
		.ino = st.st_ino,
		.name = name,
	};
	if (at)
		ev->files[ev->n_files].at = *at;
	ev->stack[ev->depth++] = ev->n_files++;

	if (pol_is_yaml(path))
		err = pol_yaml_parse(ev->d, name, text, len, &stmts);
	else
		err = pol_parse_buffer(ev->d, name, text, len, &stmts);
	free(text);
	text = NULL;
	if (!err)
		err = pol_eval_stmts(ev, &stmts, name);
	ev->depth--;

cleanup:
	if (fd >= 0)
		close(fd);
	free(text);
	ast_stmts_release(&stmts);
	return err;
}

static int pol_eval_rule(struct pol_eval *ev, struct ast_stmt *s,
			 struct pol_rule *r)
{
	const struct ast_rule *ar = s->rule;
	int err;

	memset(r, 0, sizeof(*r));
	r->verdict = s->verdict;
	r->flags = ar->log ? POL_RF_LOG : 0;
	r->proto_mask = ar->proto_mask ? ar->proto_mask :
		(1 << POL_PROTO_TCP) | (1 << POL_PROTO_UDP) | (1 << POL_PROTO_OTHER);
	if (ar->ports)
		r->proto_mask &= (uint8_t)~(1 << POL_PROTO_OTHER);
	r->scope_mask = ar->scope_mask ? ar->scope_mask :
		(1 << POL_SCOPE_HOST) | (1 << POL_SCOPE_CONTAINER);
	r->loc = s->loc;

	if (!ar->dest || ar->dest->any) {
		r->any_dest = true;
	} else if (!ar->dest->listed) {
		pol_error(ev->d, &s->loc, "rule has an empty destination set");
	} else {
		err = pol_eval_elems(ev, ar->dest, "this rule", &r->prefixes,
				     &r->n_prefixes, &r->host);
		if (err)
			return err;
	}
	if (ar->ports && ar->ports->n) {
		r->ports = malloc(ar->ports->n * sizeof(*r->ports));
		if (!r->ports)
			return -ENOMEM;
		memcpy(r->ports, ar->ports->v, ar->ports->n * sizeof(*r->ports));
		r->n_ports = pol_ports_normalise(r->ports, ar->ports->n);
	}
	r->text = s->text;
	s->text = NULL;
	return 0;
}

static void pol_eval_release(struct pol_eval *ev)
{
	size_t i;

	for (i = 0; i < ev->cap; i++)
		pol_set_free(ev->slots[i]);
	free(ev->slots);
	free(ev->defs);
	free(ev->files);
	free(ev->rstack);
	ast_stmts_release(&ev->stmts);
}

int pol_compile_file(const char *path, struct pol_diag *d,
		     struct pol_policy **out)
{
	struct pol_eval ev = { .d = d };
	struct pol_policy *p = NULL;
	unsigned errors = d->n_errors;
	struct pol_loc top = { 0 };
	size_t i, n_rules = 0;
	int err;

	err = pol_eval_load(&ev, path, NULL);
	if (err)
		goto cleanup;
	if (!ev.dflt && d->n_errors == errors) {
		top.file = ev.n_files ? ev.files[0].name : path;
		pol_error(d, &top, "no 'default' statement");
	}
	for (i = 0; i < ev.n_defs; i++) {
		err = pol_eval_resolve(&ev, ev.defs[i]);
		if (err)
			goto cleanup;
	}

	err = -ENOMEM;
	p = calloc(1, sizeof(*p));
	if (!p)
		goto cleanup;
	p->source_name = strdup(path);
	p->rules = calloc(ev.stmts.n ? ev.stmts.n : 1, sizeof(*p->rules));
	if (!p->source_name || !p->rules)
		goto cleanup;
	for (i = 0; i < ev.stmts.n; i++) {
		struct ast_stmt *s = ev.stmts.v[i];

		if (s->kind != AST_RULE)
			continue;
		err = pol_eval_rule(&ev, s, &p->rules[n_rules]);
		p->n_rules = ++n_rules;
		if (err)
			goto cleanup;
	}
	p->backstop = ev.backstop;
	if (ev.dflt) {
		p->default_verdict = ev.dflt->verdict;
		p->default_loc = ev.dflt->loc;
		p->default_text = ev.dflt->text;
		ev.dflt->text = NULL;
	}
	err = d->n_errors == errors ? 0 : -EINVAL;
	if (!err) {
		*out = p;
		p = NULL;
	}

cleanup:
	pol_policy_free(p);
	pol_eval_release(&ev);
	return err;
}
