/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * parser.y - grammar of the jailpol rule language (docs/language.md).
 *
 * Set elements and ports are checked and appended to flat vectors as they
 * are reduced; a rule's conditions are folded into one struct ast_rule so a
 * condition given twice is caught right where it appears.
 */
%code requires {
#include "ast.h"

typedef void *yyscan_t;
}

%code top {
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
}

%code provides {
int yylex(YYSTYPE *lval, YYLTYPE *lloc, yyscan_t scanner);
}

%code {
#include "scanner.h"

#define YYLLOC_DEFAULT(Cur, Rhs, N)					\
	do {								\
		if (N) {						\
			(Cur).first_line = YYRHSLOC(Rhs, 1).first_line;	\
			(Cur).first_column = YYRHSLOC(Rhs, 1).first_column; \
			(Cur).first_off = YYRHSLOC(Rhs, 1).first_off;	\
			(Cur).last_line = YYRHSLOC(Rhs, N).last_line;	\
			(Cur).last_column = YYRHSLOC(Rhs, N).last_column; \
			(Cur).last_off = YYRHSLOC(Rhs, N).last_off;	\
		} else {						\
			(Cur).first_line = (Cur).last_line =		\
				YYRHSLOC(Rhs, 0).last_line;		\
			(Cur).first_column = (Cur).last_column =	\
				YYRHSLOC(Rhs, 0).last_column;		\
			(Cur).first_off = (Cur).last_off =		\
				YYRHSLOC(Rhs, 0).last_off;		\
		}							\
	} while (0)

static void yyerror(YYLTYPE *yl, yyscan_t scanner, struct pol_parse *ps,
		    const char *msg);
static struct pol_loc pol_loc_of(const struct pol_parse *ps,
				 const YYLTYPE *a, const YYLTYPE *b);
static int pol_add_addr(struct pol_parse *ps, struct ast_elems **el,
			const struct pol_span *sp, const YYLTYPE *yl);
static int pol_add_name(struct pol_parse *ps, struct ast_elems **el,
			char *name, const YYLTYPE *yl);
static int pol_port_value(struct pol_parse *ps, char *text, const YYLTYPE *yl,
			  long *out);
static int pol_add_ports(struct pol_parse *ps, struct ast_ports **p,
			 const struct pol_yyltype *yl, long lo, long hi);
static void pol_dup_cond(struct pol_parse *ps, const char *what,
			 const YYLTYPE *a, const YYLTYPE *b);
static void pol_domain(struct pol_parse *ps, struct ast_rule *r, int domain,
		       const YYLTYPE *a, const YYLTYPE *b);
static int pol_sock_kind(struct pol_parse *ps, char *name, const YYLTYPE *yl);
static int pol_add_stmt(struct pol_parse *ps, struct ast_stmt *s);
static bool pol_tally_add(struct pol_parse *ps, size_t *n, size_t max,
			  const char *what, const YYLTYPE *yl);
static struct ast_stmt *pol_stmt(struct pol_parse *ps, enum ast_stmt_kind kind,
				 const YYLTYPE *yl, bool text);

#define POL_TRY(expr)				\
	do {					\
		if ((expr) < 0)			\
			YYNOMEM;		\
	} while (0)

/* As POL_TRY, for adding to the list el: past the limit on its elements
 * (-E2BIG, reported), free el and stop reading. */
#define POL_TRY_ELEM(el, expr)			\
	do {					\
		int err_ = (expr);		\
						\
		if (err_ == -E2BIG) {		\
			ast_elems_free(el);	\
			(el) = NULL;		\
			YYABORT;		\
		}				\
		if (err_ < 0)			\
			YYNOMEM;		\
	} while (0)
}

%define api.pure full
%define api.location.type {struct pol_yyltype}
%define parse.error custom
%define parse.lac full
%locations
%param {yyscan_t scanner}
%parse-param {struct pol_parse *ps}

%union {
	char *str;
	struct pol_span span;
	int num;
	long port;
	struct ast_elems *elems;
	struct ast_ports *ports;
	struct ast_rule *rule;
	struct ast_strs *strs;
}

%token <span> ADDR "address"
%token <str> NAME "name"
%token <str> NUMBER "number"
%token <str> STRING "string"
%token DEFAULT "'default'"
%token ALLOW "'allow'"
%token DENY "'deny'"
%token SET "'set'"
%token INCLUDE "'include'"
%token TO "'to'"
%token PORT "'port'"
%token PROTO "'proto'"
%token NETNS "'netns'"
%token LOG "'log'"
%token BACKSTOP "'backstop'"
%token MODE "'mode'"
%token ANY "'any'"
%token TCP "'tcp'"
%token UDP "'udp'"
%token UNIX "'unix'"
%token ABSTRACT "'abstract'"
%token PATH "'path'"
%token SOCKET "'socket'"

/* 'unix' may stand alone before a '{' that opens an address set, or
 * open a list of patterns with it: the patterns win (a rule cannot have
 * both, and says so). */
%precedence UNIX_NO_PATTERNS
%precedence '{'

%type <num> verdict proto_val netns_val unix_kind sock_kinds sock_list
%type <strs> unix_pats ustr_list
%type <port> port_num
%type <elems> elements elem_list dest
%type <ports> portspec port_list
%type <rule> conds

%destructor { free($$); } <str>
%destructor { ast_elems_free($$); } <elems>
%destructor { ast_ports_free($$); } <ports>
%destructor { ast_rule_free($$); } <rule>
%destructor { ast_strs_free($$); } <strs>
%destructor { (void)$$; } <num> <port> <span>

%initial-action {
	@$.first_line = @$.last_line = 1;
	@$.first_column = @$.last_column = 1;
	@$.first_off = @$.last_off = 0;
}

%%

input		: %empty
		| input stmt
		;

stmt		: DEFAULT verdict ';'
		{
			struct ast_stmt *s = pol_stmt(ps, AST_DEFAULT, &@$, true);

			if (!s)
				YYNOMEM;
			s->verdict = (uint8_t)$2;
			POL_TRY(pol_add_stmt(ps, s));
		}
		| SET NAME '=' '{' elements '}' ';'
		{
			struct ast_stmt *s;

			if (!pol_tally_add(ps, &ps->tally->sets, POL_MAX_SETS,
					   "sets", &@2)) {
				free($2);
				$2 = NULL;
				ast_elems_free($5);
				$5 = NULL;
				YYABORT;
			}
			s = pol_stmt(ps, AST_SET, &@$, false);
			if (!s)
				YYNOMEM;
			s->name = $2;
			$2 = NULL;
			s->name_loc = pol_loc_of(ps, &@2, &@2);
			s->elems = $5;
			$5 = NULL;
			POL_TRY(pol_add_stmt(ps, s));
		}
		| INCLUDE STRING ';'
		{
			struct ast_stmt *s = pol_stmt(ps, AST_INCLUDE, &@$, false);

			if (!s)
				YYNOMEM;
			s->name = $2;
			$2 = NULL;
			s->name_loc = pol_loc_of(ps, &@2, &@2);
			POL_TRY(pol_add_stmt(ps, s));
		}
		| verdict conds ';'
		{
			struct ast_stmt *s;

			if (!pol_tally_add(ps, &ps->tally->rules, POL_MAX_RULES,
					   "rules", &@1)) {
				ast_rule_free($2);
				$2 = NULL;
				YYABORT;
			}
			s = pol_stmt(ps, AST_RULE, &@$, true);
			if (!s)
				YYNOMEM;
			s->verdict = (uint8_t)$1;
			s->rule = $2;
			$2 = NULL;
			POL_TRY(pol_add_stmt(ps, s));
		}
		| BACKSTOP NAME ';'
		{
			struct ast_stmt *s = pol_stmt(ps, AST_BACKSTOP, &@$, true);

			if (!s) {
				free($2);
				YYNOMEM;
			}
			if (!strcmp($2, "on")) {
				s->verdict = 1;
			} else if (!strcmp($2, "off")) {
				s->verdict = 0;
			} else {
				struct pol_loc l = pol_loc_of(ps, &@2, &@2);

				pol_error(ps->d, &l, "backstop is 'on' or 'off', not '%s'", $2);
			}
			free($2);
			$2 = NULL;
			POL_TRY(pol_add_stmt(ps, s));
		}
		/* 'log' opens a statement only here: as a rule's mark it
		 * follows the verdict, so the two never meet. */
		| LOG NAME ';'
		{
			struct ast_stmt *s = pol_stmt(ps, AST_LOG_DENIALS, &@$, true);

			if (!s) {
				free($2);
				YYNOMEM;
			}
			if (strcmp($2, "denials") != 0) {
				struct pol_loc l = pol_loc_of(ps, &@2, &@2);

				pol_error(ps->d, &l, "log is followed by 'denials' here, not '%s'", $2);
			}
			free($2);
			$2 = NULL;
			POL_TRY(pol_add_stmt(ps, s));
		}
		| MODE NAME ';'
		{
			struct ast_stmt *s = pol_stmt(ps, AST_MODE, &@$, true);

			if (!s) {
				free($2);
				YYNOMEM;
			}
			if (!strcmp($2, "audit")) {
				s->verdict = 1;
			} else if (!strcmp($2, "enforce")) {
				s->verdict = 0;
			} else {
				struct pol_loc l = pol_loc_of(ps, &@2, &@2);

				pol_error(ps->d, &l, "mode is 'audit' or 'enforce', not '%s'", $2);
			}
			free($2);
			$2 = NULL;
			POL_TRY(pol_add_stmt(ps, s));
		}
		| error ';'
		{
			yyerrok;
		}
		;

verdict		: ALLOW	{ $$ = POL_ALLOW; }
		| DENY	{ $$ = POL_DENY; }
		;

conds		: %empty
		{
			$$ = ast_cache_rule(&ps->cache);
			if (!$$)
				YYNOMEM;
		}
		| conds TO dest
		{
			$$ = $1;
			pol_domain(ps, $$, POL_DOMAIN_IP, &@2, &@3);
			if ($$->dest) {
				pol_dup_cond(ps, "destinations", &@2, &@3);
				ast_elems_free($3);
			} else {
				$$->dest = $3;
			}
		}
		| conds dest
		{
			$$ = $1;
			pol_domain(ps, $$, POL_DOMAIN_IP, &@2, &@2);
			if ($$->dest) {
				pol_dup_cond(ps, "destinations", &@2, &@2);
				ast_elems_free($2);
			} else {
				$$->dest = $2;
			}
		}
		| conds PORT portspec
		{
			$$ = $1;
			pol_domain(ps, $$, POL_DOMAIN_IP, &@2, &@3);
			if ($$->ports) {
				pol_dup_cond(ps, "'port' conditions", &@2, &@3);
				ast_ports_free($3);
			} else {
				$$->ports = $3;
			}
		}
		| conds PROTO proto_val
		{
			$$ = $1;
			pol_domain(ps, $$, POL_DOMAIN_IP, &@2, &@3);
			if ($$->has_proto)
				pol_dup_cond(ps, "'proto' conditions", &@2, &@3);
			$$->has_proto = true;
			$$->proto_mask = (uint8_t)$3;
		}
		| conds NETNS netns_val
		{
			$$ = $1;
			if ($$->has_netns)
				pol_dup_cond(ps, "'netns' conditions", &@2, &@3);
			$$->has_netns = true;
			$$->scope_mask = (uint8_t)$3;
		}
		| conds LOG
		{
			$$ = $1;
			if ($$->log)
				pol_dup_cond(ps, "'log' marks", &@2, &@2);
			$$->log = true;
		}
		| conds UNIX unix_kind unix_pats
		{
			$$ = $1;
			pol_domain(ps, $$, POL_DOMAIN_UNIX, &@2, &@4);
			if ($$->has_unix) {
				pol_dup_cond(ps, "'unix' conditions", &@2, &@4);
				ast_strs_free($4);
			} else {
				$$->has_unix = true;
				$$->unix_kinds = (uint8_t)$3;
				$$->unix_pats = $4;
				$$->unix_loc = pol_loc_of(ps, &@2, &@4);
			}
			$4 = NULL;
		}
		| conds SOCKET sock_kinds
		{
			$$ = $1;
			pol_domain(ps, $$, POL_DOMAIN_SOCK, &@2, &@3);
			if ($$->has_socket)
				pol_dup_cond(ps, "'socket' conditions", &@2, &@3);
			$$->has_socket = true;
			$$->sock_kinds = (uint8_t)$3;
		}
		;

unix_kind	: %empty	{ $$ = 0; }
		| ABSTRACT	{ $$ = POL_UNIX_ABSTRACT; }
		| PATH		{ $$ = POL_UNIX_PATH; }
		;

unix_pats	: %empty %prec UNIX_NO_PATTERNS
		{
			$$ = NULL;
		}
		| STRING
		{
			struct pol_loc loc = pol_loc_of(ps, &@1, &@1);

			$$ = ast_strs_new();
			if (!$$)
				YYNOMEM;
			POL_TRY(ast_strs_add($$, $1, &loc));
			$1 = NULL;
		}
		| '{' ustr_list '}'
		{
			$$ = $2;
			$2 = NULL;
		}
		| '{' ustr_list ',' '}'
		{
			$$ = $2;
			$2 = NULL;
		}
		;

ustr_list	: STRING
		{
			struct pol_loc loc = pol_loc_of(ps, &@1, &@1);

			$$ = ast_strs_new();
			if (!$$)
				YYNOMEM;
			POL_TRY(ast_strs_add($$, $1, &loc));
			$1 = NULL;
		}
		| ustr_list ',' STRING
		{
			struct pol_loc loc = pol_loc_of(ps, &@3, &@3);

			$$ = $1;
			$1 = NULL;
			POL_TRY(ast_strs_add($$, $3, &loc));
			$3 = NULL;
		}
		;

sock_kinds	: NAME
		{
			$$ = pol_sock_kind(ps, $1, &@1);
		}
		| '{' sock_list '}'		{ $$ = $2; }
		| '{' sock_list ',' '}'		{ $$ = $2; }
		;

sock_list	: NAME
		{
			$$ = pol_sock_kind(ps, $1, &@1);
		}
		| sock_list ',' NAME
		{
			$$ = $1 | pol_sock_kind(ps, $3, &@3);
		}
		;

dest		: ADDR
		{
			$$ = NULL;
			POL_TRY_ELEM($$, pol_add_addr(ps, &$$, &$1, &@1));
		}
		| NAME
		{
			$$ = NULL;
			POL_TRY_ELEM($$, pol_add_name(ps, &$$, $1, &@1));
		}
		| ANY
		{
			$$ = ast_cache_elems(&ps->cache);
			if (!$$)
				YYNOMEM;
			$$->any = true;
		}
		| '{' elements '}'
		{
			$$ = $2;
		}
		;

elements	: %empty
		{
			$$ = ast_cache_elems(&ps->cache);
			if (!$$)
				YYNOMEM;
		}
		| elem_list
		| elem_list ','
		;

elem_list	: ADDR
		{
			$$ = NULL;
			POL_TRY_ELEM($$, pol_add_addr(ps, &$$, &$1, &@1));
		}
		| NAME
		{
			$$ = NULL;
			POL_TRY_ELEM($$, pol_add_name(ps, &$$, $1, &@1));
		}
		| elem_list ',' ADDR
		{
			$$ = $1;
			$1 = NULL;
			POL_TRY_ELEM($$, pol_add_addr(ps, &$$, &$3, &@3));
		}
		| elem_list ',' NAME
		{
			$$ = $1;
			$1 = NULL;
			POL_TRY_ELEM($$, pol_add_name(ps, &$$, $3, &@3));
		}
		;

proto_val	: TCP	{ $$ = 1 << POL_PROTO_TCP; }
		| UDP	{ $$ = 1 << POL_PROTO_UDP; }
		| ANY	{ $$ = 0; }
		;

netns_val	: ANY	{ $$ = 0; }
		| NAME
		{
			struct pol_loc loc = pol_loc_of(ps, &@1, &@1);

			$$ = 0;
			if (!strcmp($1, "host"))
				$$ = 1 << POL_SCOPE_HOST;
			else if (!strcmp($1, "container"))
				$$ = 1 << POL_SCOPE_CONTAINER;
			else
				pol_error(ps->d, &loc,
					  "unknown netns scope '%s' (expected host, container or any)",
					  $1);
			free($1);
		}
		;

portspec	: port_num
		{
			$$ = NULL;
			POL_TRY(pol_add_ports(ps, &$$, &@1, $1, $1));
		}
		| port_num '-' port_num
		{
			$$ = NULL;
			POL_TRY(pol_add_ports(ps, &$$, &@$, $1, $3));
		}
		| '{' port_list '}'
		{
			$$ = $2;
		}
		| '{' port_list ',' '}'
		{
			$$ = $2;
		}
		;

port_list	: port_num
		{
			$$ = NULL;
			POL_TRY(pol_add_ports(ps, &$$, &@1, $1, $1));
		}
		| port_num '-' port_num
		{
			$$ = NULL;
			POL_TRY(pol_add_ports(ps, &$$, &@$, $1, $3));
		}
		| port_list ',' port_num
		{
			$$ = $1;
			$1 = NULL;
			POL_TRY(pol_add_ports(ps, &$$, &@3, $3, $3));
		}
		| port_list ',' port_num '-' port_num
		{
			YYLTYPE span = @3;

			span.last_line = @5.last_line;
			span.last_column = @5.last_column;
			span.last_off = @5.last_off;
			$$ = $1;
			$1 = NULL;
			POL_TRY(pol_add_ports(ps, &$$, &span, $3, $5));
		}
		;

port_num	: NUMBER
		{
			int err = pol_port_value(ps, $1, &@1, &$$);

			$1 = NULL;
			POL_TRY(err);
		}
		;

%%

static struct pol_loc pol_loc_of(const struct pol_parse *ps,
				 const YYLTYPE *a, const YYLTYPE *b)
{
	struct pol_loc loc = {
		.file = ps->file,
		.line = a->first_line,
		.col = a->first_column,
		.end_line = b->last_line,
		.end_col = b->last_column,
	};

	return loc;
}

static void yyerror(YYLTYPE *yl, yyscan_t scanner, struct pol_parse *ps,
		    const char *msg)
{
	struct pol_loc loc = pol_loc_of(ps, yl, yl);

	(void)scanner;
	pol_error(ps->d, &loc, "%s", msg);
}

/* "syntax error, unexpected 'port', expected address, name or ';'" */
static int yyreport_syntax_error(const yypcontext_t *ctx, yyscan_t scanner,
				 struct pol_parse *ps)
{
	yysymbol_kind_t exp[YYNTOKENS];
	yysymbol_kind_t la = yypcontext_token(ctx);
	struct pol_loc loc = pol_loc_of(ps, yypcontext_location(ctx),
					yypcontext_location(ctx));
	char msg[512];
	size_t len;
	int n, i;

	(void)scanner;
	n = yypcontext_expected_tokens(ctx, exp, (int)(sizeof(exp) / sizeof(exp[0])));
	len = (size_t)snprintf(msg, sizeof(msg), "syntax error, unexpected %s",
			       la == YYSYMBOL_YYEOF ? "end of file" :
						      yysymbol_name(la));
	for (i = 0; i < n && len < sizeof(msg); i++)
		len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s%s",
					i == 0 ? ", expected " :
					i == n - 1 ? " or " : ", ",
					yysymbol_name(exp[i]));
	pol_error(ps->d, &loc, "%s", msg);
	return 0;
}

/* Make *el if need be; -E2BIG (reported) when it is full. */
static int pol_elems_room(struct pol_parse *ps, struct ast_elems **el,
			  const struct pol_loc *loc)
{
	if (!*el) {
		*el = ast_cache_elems(&ps->cache);
		if (!*el)
			return -ENOMEM;
	}
	if (ast_elems_full(ps->d, *el, loc)) {
		ps->tally->over = true;
		return -E2BIG;
	}
	return 0;
}

/* An address token is read in place: a list of a million costs no copy
 * of each (a long one, past any valid address, is copied out). */
static int pol_add_addr(struct pol_parse *ps, struct ast_elems **el,
			const struct pol_span *sp, const YYLTYPE *yl)
{
	struct pol_loc loc = pol_loc_of(ps, yl, yl);
	char buf[128], *text = buf;
	int err;

	err = pol_elems_room(ps, el, &loc);
	if (err)
		return err;
	if (sp->len >= sizeof(buf)) {
		text = malloc(sp->len + 1);
		if (!text)
			return -ENOMEM;
	}
	memcpy(text, sp->s, sp->len);
	text[sp->len] = '\0';
	err = ast_elems_add_addr(ps->d, *el, text, &loc);
	if (text != buf)
		free(text);
	return err;
}

/* Takes ownership of name. */
static int pol_add_name(struct pol_parse *ps, struct ast_elems **el,
			char *name, const YYLTYPE *yl)
{
	struct pol_loc loc = pol_loc_of(ps, yl, yl);
	int err;

	err = pol_elems_room(ps, el, &loc);
	if (err) {
		free(name);
		return err;
	}
	return ast_elems_add_name(*el, name, &loc);
}

/* Takes ownership of text.  A bad port is reported and becomes 0. */
static int pol_port_value(struct pol_parse *ps, char *text, const YYLTYPE *yl,
			  long *out)
{
	struct pol_loc loc = pol_loc_of(ps, yl, yl);
	long v = 0;
	size_t i;

	for (i = 0; text[i] && v <= 65535; i++)
		v = v * 10 + (text[i] - '0');
	if (v < 1 || v > 65535) {
		pol_error(ps->d, &loc, "port %s is not a valid port (1-65535)",
			  text);
		v = 0;
	}
	free(text);
	*out = v;
	return 0;
}

static int pol_add_ports(struct pol_parse *ps, struct ast_ports **p,
			 const struct pol_yyltype *yl, long lo, long hi)
{
	struct pol_loc loc = pol_loc_of(ps, yl, yl);

	if (!*p) {
		*p = ast_ports_new();
		if (!*p)
			return -ENOMEM;
	}
	if (!lo || !hi)
		return 0; /* already reported */
	if (lo > hi) {
		pol_error(ps->d, &loc, "port range %ld-%ld is inverted", lo,
			  hi);
		return 0;
	}
	return ast_ports_add(*p, (uint16_t)lo, (uint16_t)hi);
}

static void pol_dup_cond(struct pol_parse *ps, const char *what,
			 const YYLTYPE *a, const YYLTYPE *b)
{
	struct pol_loc loc = pol_loc_of(ps, a, b);

	pol_error(ps->d, &loc, "rule has two %s", what);
}

/* What a condition of each domain is called in a message. */
static const char *const pol_domain_what[] = {
	[POL_DOMAIN_IP] = "an IP condition (an address, 'port' or 'proto')",
	[POL_DOMAIN_UNIX] = "'unix'",
	[POL_DOMAIN_SOCK] = "'socket'",
};

/* A rule judges one domain: the first condition that has one sets it; a
 * condition of another is an error where it stands. */
static void pol_domain(struct pol_parse *ps, struct ast_rule *r, int domain,
		       const YYLTYPE *a, const YYLTYPE *b)
{
	struct pol_loc loc = pol_loc_of(ps, a, b);

	if (!r->has_domain) {
		r->has_domain = true;
		r->domain = (uint8_t)domain;
		r->domain_loc = loc;
		return;
	}
	if (r->domain == domain)
		return;
	pol_error(ps->d, &loc,
		  "rule has %s and %s: a rule judges IP destinations, Unix socket addresses "
		  "or socket creation, one of them",
		  pol_domain_what[r->domain], pol_domain_what[domain]);
	pol_note(ps->d, &r->domain_loc, "%s is here", pol_domain_what[r->domain]);
}

/* Takes ownership of name: 'raw' or 'ping' as a bit of enum
 * pol_sock_kind, or 0 (reported). */
static int pol_sock_kind(struct pol_parse *ps, char *name, const YYLTYPE *yl)
{
	struct pol_loc loc = pol_loc_of(ps, yl, yl);
	int kind = 0;

	if (!strcmp(name, "raw"))
		kind = 1 << POL_SOCK_RAW;
	else if (!strcmp(name, "ping"))
		kind = 1 << POL_SOCK_PING;
	else
		pol_error(ps->d, &loc, "unknown socket kind '%s' (expected raw or ping)", name);
	free(name);
	return kind;
}

/* Count one more of what (rules, sets) at yl in *n, or report the one past
 * max and mark the policy as over a limit. */
static bool pol_tally_add(struct pol_parse *ps, size_t *n, size_t max,
			  const char *what, const YYLTYPE *yl)
{
	struct pol_loc loc = pol_loc_of(ps, yl, yl);

	if (*n < max) {
		(*n)++;
		return true;
	}
	pol_error(ps->d, &loc, "more than %zu %s (the limit)", max, what);
	ps->tally->over = true;
	return false;
}

static int pol_add_stmt(struct pol_parse *ps, struct ast_stmt *s)
{
	int err;

	if (s->kind == AST_INCLUDE)
		ps->included = true;
	if (s->kind != AST_RULE || !ps->take || ps->included)
		return ast_stmts_add(ps->out, s);
	err = ps->take(ps->take_arg, &s);
	ast_cache_put(&ps->cache, s);
	return err;
}

static struct ast_stmt *pol_stmt(struct pol_parse *ps, enum ast_stmt_kind kind,
				 const YYLTYPE *yl, bool text)
{
	struct pol_loc loc = pol_loc_of(ps, yl, yl);
	struct ast_stmt *s = ast_cache_stmt(&ps->cache, kind, &loc);
	char line[AST_TEXT_SIZE];

	pol_diag_statement(ps->d, loc.file);
	if (!s || !text)
		return s;
	/* The line is made when eval.c needs it, from the diag's copy of
	 * the file, which lives as long as the policy's diagnostics. */
	s->src_from = yl->first_off;
	s->src_to = yl->last_off;
	s->src = ps->src;
	if (ps->src)
		return s;
	ast_text_collapse(line, ps->text, yl->first_off, yl->last_off);
	s->text = strdup(line);
	if (!s->text) {
		ast_stmt_free(s);
		return NULL;
	}
	return s;
}

int pol_parse_buffer(struct pol_diag *d, const char *file, const char *text,
		     size_t len, struct pol_tally *t, struct ast_stmts *out)
{
	return pol_parse_buffer_take(d, file, text, len, t, out, NULL, NULL);
}

int pol_parse_buffer_take(struct pol_diag *d, const char *file, const char *text,
			  size_t len, struct pol_tally *t, struct ast_stmts *out,
			  pol_take_rule_fn *take, void *arg)
{
	struct pol_tally own = { 0 };
	struct pol_parse ps = {
		.d = d,
		.file = file,
		.text = text,
		.src = pol_diag_file_text(d, file),
		.len = len,
		.line = 1,
		.col = 1,
		.out = out,
		.take = take,
		.take_arg = arg,
		.tally = t ? t : &own,
	};
	YY_BUFFER_STATE buf = NULL;
	yyscan_t scanner = NULL;
	int err = -ENOMEM, ret;

	pol_diag_begin(d, file);
	if (yylex_init_extra(&ps, &scanner))
		goto cleanup;
	buf = yy_scan_bytes(text, (int)len, scanner);
	if (!buf)
		goto cleanup;
	ret = yyparse(scanner, &ps);
	err = (ret == 2 || ps.nomem) ? -ENOMEM : 0;

cleanup:
	if (buf)
		yy_delete_buffer(buf, scanner);
	if (scanner)
		yylex_destroy(scanner);
	ast_cache_release(&ps.cache);
	return err;
}
