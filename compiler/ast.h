/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ast.h - what the parser (and the YAML reader) hand to eval.c.
 *
 * Set elements are streamed into flat vectors as they are parsed, already
 * canonical, so a set of a million prefixes costs one array, not a tree.
 */
#ifndef JAILPOL_AST_H
#define JAILPOL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "pol_limits.h"
#include "policy.h"

/* Bison location: line/column as in struct pol_loc, plus byte offsets so a
 * statement's source text can be cut out ([first_off, last_off)). */
struct pol_yyltype {
	int first_line;
	int first_column;
	int last_line;
	int last_column;
	size_t first_off;
	size_t last_off;
};

/* A token's text where the scanner read it, not NUL-terminated. */
struct pol_span {
	const char *s;
	size_t len;
};

enum ast_elem_kind {
	AST_ELEM_PREFIX, /* pfx holds a canonical prefix */
	AST_ELEM_NAME,   /* name holds a set name */
};

struct ast_elem {
	struct pol_prefix pfx;
	uint8_t kind; /* enum ast_elem_kind */
	bool implied; /* 0.0.0.0/0 added for an IPv6 prefix covering IPv4 */
	char *name;   /* AST_ELEM_NAME; owned */
	struct pol_loc loc;
};

/* A destination or set body.  any: the rule said 'any'.  Most rules have
 * one address: it is kept in one, so that such a rule costs no vector. */
struct ast_elems {
	struct ast_elem *v; /* &one, or malloc'ed */
	size_t n, cap;
	size_t listed; /* elements written, valid or not */
	bool any;
	struct ast_elem one;
};

struct ast_ports {
	struct pol_port_range *v;
	size_t n, cap;
};

/* Unix name patterns as written (undecoded), each with its place. */
struct ast_strs {
	char **v;
	struct pol_loc *loc;
	size_t n, cap;
};

/* The conditions of one rule, filled as the parser meets them.  domain
 * is set by the first condition that belongs to one (an address, 'port'
 * or 'proto': IP; 'unix'; 'socket'), at domain_loc, so a condition of
 * another is reported where it stands. */
struct ast_rule {
	struct ast_elems *dest; /* NULL: no destination (any) */
	struct ast_ports *ports;
	struct ast_strs *unix_pats; /* 'unix' patterns, NULL: none */
	bool has_proto, has_netns, log, has_unix, has_socket, has_domain;
	uint8_t domain;     /* enum pol_domain, when has_domain */
	uint8_t proto_mask; /* 0 until a proto condition */
	uint8_t scope_mask; /* 0 until a netns condition */
	uint8_t unix_kinds; /* 'unix abstract' / 'unix path': POL_UNIX_*; 0 both */
	uint8_t sock_kinds; /* bit (1 << enum pol_sock_kind) */
	struct pol_loc domain_loc, unix_loc;
};

enum ast_stmt_kind {
	AST_DEFAULT,
	AST_SET,
	AST_INCLUDE,
	AST_RULE,
	AST_BACKSTOP,    /* verdict: 1 on, 0 off */
	AST_LOG_DENIALS, /* `log denials;` */
	AST_MODE,        /* verdict: 1 audit, 0 enforce */
	AST_STMT_MAX,
};

struct ast_stmt {
	uint8_t kind;            /* enum ast_stmt_kind */
	uint8_t verdict;         /* AST_DEFAULT, AST_RULE */
	struct pol_loc loc;      /* the whole statement */
	struct pol_loc name_loc; /* AST_SET: the name; AST_INCLUDE: the path */
	char *name;              /* AST_SET: set name; AST_INCLUDE: path */
	/* AST_DEFAULT, AST_RULE: where the statement stands in the diag's
	 * copy of its file, [src_from, src_to) of src; ast_stmt_text() makes
	 * its one-line text from it.  text: that line made already, for a
	 * file the diag does not hold; owned. */
	const char *src;
	size_t src_from, src_to;
	char *text;
	struct ast_elems *elems; /* AST_SET */
	struct ast_rule *rule;   /* AST_RULE */
};

struct ast_stmts {
	struct ast_stmt **v;
	size_t n, cap;
};

/*
 * Nodes of a statement done with, for the next to reuse: a list of a
 * million rules makes and frees a statement, a rule and an element list
 * per rule, and with one of each kept that is three allocations in all.
 * A zeroed struct is an empty cache.
 */
struct ast_cache {
	void *stmt;  /* a struct ast_stmt */
	void *rule;  /* a struct ast_rule */
	void *elems; /* a struct ast_elems, its storage its own one */
};

/* ast_stmt_new(), ast_rule_new(), ast_elems_new(), from c if it holds
 * one. */
struct ast_stmt *ast_cache_stmt(struct ast_cache *c, enum ast_stmt_kind kind,
				const struct pol_loc *loc);
struct ast_rule *ast_cache_rule(struct ast_cache *c);
struct ast_elems *ast_cache_elems(struct ast_cache *c);

/* ast_stmt_free(s), keeping in c what it can of s's nodes. */
void ast_cache_put(struct ast_cache *c, struct ast_stmt *s);

/* Free what c holds; leaves it empty. */
void ast_cache_release(struct ast_cache *c);

/* Takes rule statement *s, or leaves it to be freed; 0 or -ENOMEM. */
typedef int pol_take_rule_fn(void *arg, struct ast_stmt **s);

/* Parser state, reachable from the scanner as yyextra. */
struct pol_parse {
	struct pol_diag *d;
	const char *file; /* the diag's copy of the name */
	const char *text; /* the whole input */
	const char *src;  /* the diag's copy of it, or NULL */
	size_t len;
	int line, col; /* scanner position, 1-based */
	size_t off;
	struct ast_stmts *out;
	pol_take_rule_fn *take; /* NULL: rules go to out too */
	void *take_arg;
	bool included; /* an include statement was parsed */
	struct ast_cache cache;
	struct pol_tally *tally; /* the whole policy's */
	bool nomem;
};

struct ast_elems *ast_elems_new(void);
void ast_elems_free(struct ast_elems *el);
/* Parse and check an address or CIDR, report problems at loc, and append
 * it unless it is invalid.  Returns 0 or -ENOMEM. */
int ast_elems_add_addr(struct pol_diag *d, struct ast_elems *el, const char *text,
		       const struct pol_loc *loc);
/* True when el holds POL_MAX_ELEMENTS elements already; the element at loc,
 * one too many, is then reported. */
bool ast_elems_full(struct pol_diag *d, const struct ast_elems *el, const struct pol_loc *loc);
/* Append a set reference; takes ownership of name (freed on failure). */
int ast_elems_add_name(struct ast_elems *el, char *name, const struct pol_loc *loc);

struct ast_ports *ast_ports_new(void);
void ast_ports_free(struct ast_ports *p);
int ast_ports_add(struct ast_ports *p, uint16_t lo, uint16_t hi);

struct ast_strs *ast_strs_new(void);
void ast_strs_free(struct ast_strs *v);
/* Append s (taking ownership; freed on failure).  0 or -ENOMEM. */
int ast_strs_add(struct ast_strs *v, char *s, const struct pol_loc *loc);

struct ast_rule *ast_rule_new(void);
void ast_rule_free(struct ast_rule *r);

struct ast_stmt *ast_stmt_new(enum ast_stmt_kind kind, const struct pol_loc *loc);
void ast_stmt_free(struct ast_stmt *s);
/* Append s; takes ownership (frees s on failure). */
int ast_stmts_add(struct ast_stmts *v, struct ast_stmt *s);
void ast_stmts_release(struct ast_stmts *v);

/* Longest one-line text of a statement, NUL included: 200 bytes, "...". */
#define AST_TEXT_SIZE (200 + 4)

/* The source text of [from, to) on one line in out (AST_TEXT_SIZE bytes):
 * comments dropped, whitespace runs collapsed, at most 200 bytes plus
 * "...".  Returns its length. */
size_t ast_text_collapse(char *out, const char *text, size_t from, size_t to);

/* The one-line text of statement s (AST_DEFAULT, AST_RULE) in out
 * (AST_TEXT_SIZE bytes); returns its length. */
size_t ast_stmt_text(const struct ast_stmt *s, char *out);

/* Parse a .jp buffer; statements are appended to out.  Errors go to d.
 * Rules and sets are counted in t (NULL: this file alone); past a limit,
 * parsing stops and t->over is set.  Returns 0 or -ENOMEM (syntax errors
 * and limits are not a failure here). */
int pol_parse_buffer(struct pol_diag *d, const char *file, const char *text, size_t len,
		     struct pol_tally *t, struct ast_stmts *out);

/*
 * pol_parse_buffer(), but each rule before the file's first include is
 * handed to take(arg, &s) as soon as it is parsed, not appended to out, and
 * freed unless take keeps it: a file of a million rules never holds their
 * syntax trees all at once.  The rules after an include are appended to
 * out, to be numbered after the included file's.
 */
int pol_parse_buffer_take(struct pol_diag *d, const char *file, const char *text, size_t len,
			  struct pol_tally *t, struct ast_stmts *out, pol_take_rule_fn *take,
			  void *arg);

#endif /* JAILPOL_AST_H */
