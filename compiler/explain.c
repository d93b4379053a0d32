/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../bpf/templates/policy_abi.h"
#include "addr.h"
#include "explain.h"
#include "json.h"
#include "names.h"
#include "unix.h"
#include "vec.h"

/* pol_tables_classify() runs the classifier; only its types are needed. */
#define POL_CLASSIFY_TYPES_ONLY
#include "../bpf/templates/classify.h"

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	long v;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static int parse_proto(const char *s)
{
	if (!strcmp(s, "tcp"))
		return POL_PROTO_TCP;
	if (!strcmp(s, "udp"))
		return POL_PROTO_UDP;
	if (!strcmp(s, "icmp") || !strcmp(s, "other"))
		return POL_PROTO_OTHER;
	if (!strcmp(s, "any"))
		return -1;
	return -2;
}

/* "unix:" then the name: '@' for the abstract name's NUL, escapes for
 * other bytes. */
static int parse_unix(const char *s, struct pol_probe *p, char *err, size_t errlen)
{
	const char *name = s + 5;
	size_t i = 0, n = 0;

	if (name[0] == '@') {
		p->unix_name[n++] = 0;
		i = 1;
	}
	while (name[i]) {
		int c = (unsigned char)name[i];

		if (c == '\\') {
			int esc = pol_unix_escape(name + i + 1, "\\@", &c);

			if (!esc) {
				snprintf(err, errlen,
					 "'%s': unknown escape in a Unix name (write \\\\, \\@, "
					 "\\0 or \\xHH)",
					 s);
				return -EINVAL;
			}
			i += (size_t)esc;
		}
		if (n == POL_UNIX_NAME_MAX) {
			snprintf(err, errlen, "'%s': a Unix socket name has at most %u bytes", s,
				 POL_UNIX_NAME_MAX);
			return -EINVAL;
		}
		p->unix_name[n++] = (uint8_t)c;
		i++;
	}
	if (!n) {
		snprintf(err, errlen, "'%s': expected unix:@NAME or unix:/PATH", s);
		return -EINVAL;
	}
	p->kind = POL_PROBE_UNIX;
	p->unix_len = (uint16_t)n;
	return 0;
}

int pol_probe_parse(const char *s, struct pol_probe *out, char *err, size_t errlen)
{
	char buf[128], *addr, *port = NULL, *slash, *colon;
	struct pol_probe p = { .proto = -1, .scope = -1 };

	if (!strncmp(s, "unix:", 5)) {
		if (parse_unix(s, &p, err, errlen))
			return -EINVAL;
		snprintf(p.text, sizeof(p.text), "%s", s + 5);
		*out = p;
		return 0;
	}
	if (!strncmp(s, "socket:", 7)) {
		if (!strcmp(s + 7, "raw")) {
			p.sock_kind = POL_SOCK_RAW;
		} else if (!strcmp(s + 7, "ping")) {
			p.sock_kind = POL_SOCK_PING;
		} else {
			snprintf(err, errlen, "'%s': expected socket:raw or socket:ping", s);
			return -EINVAL;
		}
		p.kind = POL_PROBE_SOCK;
		snprintf(p.text, sizeof(p.text), "%s", s + 7);
		*out = p;
		return 0;
	}

	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "'%.40s...' is too long for a destination", s);
		return -EINVAL;
	}
	strcpy(buf, s);
	slash = strrchr(buf, '/');
	if (slash) {
		int proto = parse_proto(slash + 1);

		if (proto == -2) {
			snprintf(
				err, errlen,
				"'%s': expected ADDR[:PORT][/tcp|udp|icmp], and '%s' is not a protocol "
				"(explain takes one address, not a prefix)",
				s, slash + 1);
			return -EINVAL;
		}
		p.proto = proto;
		*slash = '\0';
	}
	addr = buf;
	if (*addr == '[') {
		char *close = strchr(addr, ']');

		if (!close || (close[1] && close[1] != ':')) {
			snprintf(err, errlen, "'%s': expected [IPV6]:PORT", s);
			return -EINVAL;
		}
		*close = '\0';
		addr++;
		if (close[1] == ':')
			port = close + 2;
	} else if ((colon = strchr(addr, ':')) && !strchr(colon + 1, ':')) {
		*colon = '\0';
		port = colon + 1;
	}
	if (inet_pton(AF_INET, addr, p.addr) == 1) {
		p.family = 4;
	} else if (inet_pton(AF_INET6, addr, p.addr) == 1) {
		p.family = 6;
	} else {
		snprintf(err, errlen, "'%s' is not a valid IPv4 or IPv6 address", addr);
		return -EINVAL;
	}
	if (port) {
		if (parse_port(port, &p.port)) {
			snprintf(err, errlen, "'%s' is not a valid port (0-65535)", port);
			return -EINVAL;
		}
		p.has_port = true;
	}
	if (p.has_port && p.proto == POL_PROTO_OTHER) {
		snprintf(err, errlen, "'%s': icmp has no ports", s);
		return -EINVAL;
	}
	snprintf(p.text, sizeof(p.text), "%.63s", addr);
	*out = p;
	return 0;
}

/* One answer: a case of the probe and what decides it. */
struct outcome {
	int proto, scope, host;
	unsigned lo, hi;
	struct pol_result r;
};

struct outcomes {
	struct outcome *v;
	size_t n, cap;
};

static int outcome_push(struct outcomes *o, const struct outcome *x)
{
	if (POL_GROW(o->v, o->cap, o->n + 1))
		return -ENOMEM;
	o->v[o->n++] = *x;
	return 0;
}

static bool same_result(const struct pol_result *a, const struct pol_result *b)
{
	return a->rule == b->rule && a->verdict == b->verdict && a->reached == b->reached;
}

static struct pol_result classify(const struct pol_tables *t, const struct pol_probe *p, int proto,
				  int scope, unsigned port)
{
	struct pol_query q = {
		.family = p->family,
		.proto = (uint8_t)proto,
		.scope = (uint8_t)scope,
		.port = (uint16_t)port,
	};
	struct pol_result r;

	memcpy(q.addr, p->addr, 16);
	pol_tables_classify(t, &q, &r);
	return r;
}

/* Collect outcomes for one (host?) pass; without a port, run of equal
 * results over 0..65535 become one outcome each. */
static int collect(struct outcomes *o, const struct pol_tables *t, const struct pol_probe *p,
		   int host)
{
	int protos[2], n_protos = 0, i, scope;

	if (p->proto >= 0)
		protos[n_protos++] = p->proto;
	else
		protos[n_protos++] = POL_PROTO_TCP, protos[n_protos++] = POL_PROTO_UDP;

	for (i = 0; i < n_protos; i++) {
		for (scope = 0; scope < POL_SCOPE_MAX; scope++) {
			struct outcome x = { .proto = protos[i], .scope = scope, .host = host };
			unsigned port;

			if (p->scope >= 0 && scope != p->scope)
				continue;
			if (p->has_port || protos[i] == POL_PROTO_OTHER) {
				x.lo = x.hi = p->port;
				x.r = classify(t, p, protos[i], scope, p->port);
				if (outcome_push(o, &x))
					return -ENOMEM;
				continue;
			}
			x.lo = 0;
			x.r = classify(t, p, protos[i], scope, 0);
			for (port = 1; port <= 65536; port++) {
				struct pol_result r;

				if (port < 65536) {
					r = classify(t, p, protos[i], scope, port);
					if (same_result(&r, &x.r))
						continue;
				}
				x.hi = port - 1;
				if (outcome_push(o, &x))
					return -ENOMEM;
				if (port < 65536) {
					x.lo = port;
					x.r = r;
				}
			}
		}
	}
	return 0;
}

void pol_explain_origin(const struct pol_tables *t, uint32_t rule, const char **file,
			unsigned *line, const char **text)
{
	if (rule == POL_RULE_UNMATCHED) {
		*file = "";
		*line = 0;
		*text = "(no rule matches it: allowed, as without jailpol)";
		return;
	}
	if (rule >= t->n_rules) {
		*file = "?";
		*line = 0;
		*text = "(no rule: the tables are broken, failing closed)";
		return;
	}
	*file = pol_tables_string(t, t->rules[rule].file);
	*line = t->rules[rule].line;
	*text = pol_tables_string(t, t->rules[rule].text);
}

/* The deciding rule's fields: its number (null when none matched), file,
 * line and text. */
static void json_rule(struct pol_json *j, const struct pol_tables *t, uint32_t rule)
{
	const char *file, *text;
	unsigned line;

	pol_explain_origin(t, rule, &file, &line, &text);
	pol_json_name(j, "rule");
	if (rule == POL_RULE_UNMATCHED)
		pol_json_null(j);
	else
		pol_json_uint(j, rule);
	pol_json_str_field(j, "file", file);
	pol_json_uint_field(j, "line", line);
	pol_json_str_field(j, "text", text);
}

struct pol_outcomes_view {
	const struct outcome *v;
	size_t n;
	const char *written;
	const char *canon;
};

static void print_json(FILE *out, const struct pol_tables *t, const struct pol_outcomes_view *v)
{
	struct pol_json j;
	size_t i;

	pol_json_init(&j, out);
	pol_json_object_begin(&j);
	pol_json_str_field(&j, "destination", v->written);
	pol_json_str_field(&j, "canonical", v->canon);
	pol_json_name(&j, "cases");
	pol_json_array_begin(&j);
	for (i = 0; i < v->n; i++) {
		const struct outcome *x = &v->v[i];

		pol_json_object_begin(&j);
		pol_json_str_field(&j, "proto", pol_proto_name((unsigned)x->proto));
		pol_json_str_field(&j, "netns", pol_scope_name((unsigned)x->scope));
		pol_json_bool_field(&j, "host_address", x->host);
		if (x->proto != POL_PROTO_OTHER) {
			pol_json_uint_field(&j, "port_lo", x->lo);
			pol_json_uint_field(&j, "port_hi", x->hi);
		}
		pol_json_str_field(&j, "verdict", pol_verdict_name(x->r.verdict));
		pol_json_bool_field(&j, "reached_loopback", x->r.reached);
		json_rule(&j, t, x->r.rule);
		pol_json_object_end(&j);
	}
	pol_json_array_end(&j);
	pol_json_object_end(&j);
}

/*
 * Print cases, labelling each only by the dimensions that vary among them
 * (labels at indent); when all agree, one verdict is printed at the end of
 * the line already started.
 */
static void print_cases(FILE *out, const struct pol_tables *t, const struct outcome *v, size_t n,
			const char *indent)
{
	bool vary_proto = false, vary_scope = false, vary_port = false;
	bool all_same = true;
	size_t i;

	for (i = 0; i < n; i++) {
		vary_proto |= v[i].proto != v[0].proto;
		vary_scope |= v[i].scope != v[0].scope;
		vary_port |= v[i].lo != v[0].lo || v[i].hi != v[0].hi;
		all_same &= same_result(&v[i].r, &v[0].r);
	}
	for (i = 0; i < (all_same ? 1 : n); i++) {
		const struct outcome *x = &v[i];
		const char *file, *text;
		char label[128] = "";
		unsigned line;
		size_t l = 0;

		pol_explain_origin(t, x->r.rule, &file, &line, &text);
		if (!all_same) {
			if (vary_proto && x->proto >= 0)
				l += (size_t)snprintf(label + l, sizeof(label) - l, "%s ",
						      pol_proto_name((unsigned)x->proto));
			if (vary_port && x->proto != POL_PROTO_OTHER)
				l += (size_t)snprintf(label + l, sizeof(label) - l,
						      x->lo == x->hi ? "port %u " : "ports %u-%u ",
						      x->lo, x->hi);
			if (vary_scope && x->scope >= 0)
				l += (size_t)snprintf(label + l, sizeof(label) - l, "%s ",
						      x->scope == POL_SCOPE_HOST
							      ? "from the host netns"
							      : "from a container netns");
			if (l)
				label[l - 1] = '\0';
			fprintf(out, "\n%s%s:", indent, label);
		} else {
			fputc(':', out);
		}
		/* "by" sits under the line it explains. */
		fprintf(out, " %s%s\n%s%s  by %s:%u: %s", pol_verdict_name(x->r.verdict),
			x->r.reached ? " (it reaches the local host through loopback)" : "", indent,
			all_same ? "" : "  ", file, line, text);
	}
}

static bool same_case(const struct outcome *a, const struct outcome *b)
{
	return a->lo == b->lo && a->hi == b->hi && same_result(&a->r, &b->r);
}

/* Cases of v with the given protocol and scope, in order, into idx. */
static size_t select_cases(const struct outcome *v, size_t n, int proto, int scope, size_t *idx)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (v[i].proto == proto && (scope < 0 || v[i].scope == scope))
			idx[k++] = i;
	return k;
}

static bool runs_equal(const struct outcome *v, const size_t *a, size_t na, const size_t *b,
		       size_t nb, bool check_scope)
{
	size_t i;

	if (na != nb || !na)
		return false;
	for (i = 0; i < na; i++)
		if (!same_case(&v[a[i]], &v[b[i]]) ||
		    (check_scope && v[a[i]].scope != v[b[i]].scope))
			return false;
	return true;
}

/* Remove the cases flagged in drop, keeping order; return the new count. */
static size_t compact(struct outcome *v, size_t n, const bool *drop)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (!drop[i])
			v[k++] = v[i];
	return k;
}

/*
 * Drop the netns scope, then the protocol, from the cases when every value
 * of it gives the same answers: the reader then sees one line, not four
 * identical ones.  A folded dimension is -1.
 */
static size_t fold(struct outcome *v, size_t n)
{
	size_t *a = calloc(2 * n + 2, sizeof(*a)), *b, na, nb, i;
	bool *drop = calloc(n + 1, sizeof(*drop)), ok = true;
	int protos[] = { POL_PROTO_TCP, POL_PROTO_UDP, POL_PROTO_OTHER }, p;

	if (!a || !drop)
		goto out;
	b = a + n + 1;
	for (p = 0; p < 3 && ok; p++) {
		na = select_cases(v, n, protos[p], POL_SCOPE_HOST, a);
		nb = select_cases(v, n, protos[p], POL_SCOPE_CONTAINER, b);
		if (!na && !nb)
			continue;
		ok = runs_equal(v, a, na, b, nb, false);
	}
	if (ok) {
		for (i = 0; i < n; i++) {
			drop[i] = v[i].scope == POL_SCOPE_CONTAINER;
			v[i].scope = -1;
		}
		n = compact(v, n, drop);
	}
	na = select_cases(v, n, POL_PROTO_TCP, -1, a);
	nb = select_cases(v, n, POL_PROTO_UDP, -1, b);
	if (runs_equal(v, a, na, b, nb, true)) {
		for (i = 0; i < n; i++) {
			drop[i] = v[i].proto == POL_PROTO_UDP;
			if (v[i].proto == POL_PROTO_TCP)
				v[i].proto = -1;
		}
		n = compact(v, n, drop);
	}
out:
	free(a);
	free(drop);
	return n;
}

static void print_text(FILE *out, const struct pol_tables *t, const struct pol_outcomes_view *v)
{
	struct outcome *plain = calloc(v->n + 1, sizeof(*plain)), *host;
	size_t i, j, n_plain = 0, n_host = 0;
	bool vary_proto = false, vary_port = false;

	if (!plain)
		return;
	host = plain + n_plain;
	for (i = 0; i < v->n && !v->v[i].host; i++)
		plain[n_plain++] = v->v[i];
	/* The host set is known only when the runtime attaches: keep the
	 * cases where being one of the host's addresses changes the verdict. */
	host = plain + n_plain;
	for (; i < v->n; i++) {
		const struct outcome *x = &v->v[i];

		for (j = 0; j < n_plain; j++) {
			const struct outcome *y = &plain[j];

			if (y->proto == x->proto && y->scope == x->scope && y->lo <= x->lo &&
			    x->lo <= y->hi) {
				if (y->r.verdict != x->r.verdict)
					host[n_host++] = *x;
				break;
			}
		}
	}
	n_plain = fold(plain, n_plain);
	memmove(plain + n_plain, host, n_host * sizeof(*host));
	host = plain + n_plain;
	n_host = fold(host, n_host);

	for (i = 0; i < n_plain; i++) {
		vary_proto |= plain[i].proto != plain[0].proto;
		vary_port |= plain[i].lo != plain[0].lo || plain[i].hi != plain[0].hi;
	}
	fprintf(out, "%s", v->canon);
	if (strcmp(v->canon, v->written))
		fprintf(out, " (written %s)", v->written);
	if (plain[0].proto != POL_PROTO_OTHER && plain[0].lo == plain[0].hi && !vary_port)
		fprintf(out, " port %u", plain[0].lo);
	if (!vary_proto)
		fprintf(out, " proto %s",
			plain[0].proto < 0 ? "tcp/udp" : pol_proto_name((unsigned)plain[0].proto));
	print_cases(out, t, plain, n_plain, "  ");
	if (n_host) {
		fprintf(out, "\n  if it is one of the host's own addresses");
		print_cases(out, t, host, n_host, "    ");
	}
	fputc('\n', out);
	free(plain);
}

/* The name as explain prints it: '@' for an abstract name's NUL, \xHH
 * for bytes that are not printable ASCII, '\' doubled. */
static void unix_name_text(const uint8_t *name, size_t len, char *buf, size_t size)
{
	size_t i = 0, k = 0;

	if (len && !name[0]) {
		buf[k++] = '@';
		i = 1;
	}
	for (; i < len && k + 5 < size; i++) {
		if (name[i] == '\\')
			k += (size_t)snprintf(buf + k, size - k, "\\\\");
		else if (name[i] >= 0x20 && name[i] < 0x7f)
			buf[k++] = (char)name[i];
		else
			k += (size_t)snprintf(buf + k, size - k, "\\x%02x", name[i]);
	}
	buf[k] = '\0';
}

/* A Unix address or a socket kind: one verdict per netns scope. */
static void explain_scoped(FILE *out, const struct pol_tables *t, const struct pol_probe *p,
			   const struct pol_result *r, const char *what, const char *canon,
			   bool json)
{
	int lo = p->scope >= 0 ? p->scope : 0, hi = p->scope >= 0 ? p->scope : POL_SCOPE_MAX - 1;
	bool same = lo == hi || same_result(&r[0], &r[1]);
	const char *file, *text;
	unsigned line;
	int sc;

	if (json) {
		struct pol_json j;

		pol_json_init(&j, out);
		pol_json_object_begin(&j);
		pol_json_str_field(&j, "destination", p->text);
		pol_json_str_field(&j, "kind", what);
		pol_json_str_field(&j, "canonical", canon);
		pol_json_name(&j, "cases");
		pol_json_array_begin(&j);
		for (sc = lo; sc <= hi; sc++) {
			pol_json_object_begin(&j);
			pol_json_str_field(&j, "netns", pol_scope_name((unsigned)sc));
			pol_json_str_field(&j, "verdict", pol_verdict_name(r[sc].verdict));
			json_rule(&j, t, r[sc].rule);
			pol_json_object_end(&j);
		}
		pol_json_array_end(&j);
		pol_json_object_end(&j);
		return;
	}
	fprintf(out, "%s %s", what, canon);
	for (sc = lo; sc <= (same ? lo : hi); sc++) {
		pol_explain_origin(t, r[sc].rule, &file, &line, &text);
		if (!same)
			fprintf(out, "\n  %s:",
				sc == POL_SCOPE_HOST ? "from the host netns"
						     : "from a container netns");
		else
			fputc(':', out);
		fprintf(out, " %s\n%s  ", pol_verdict_name(r[sc].verdict), same ? "" : "  ");
		if (r[sc].rule == POL_RULE_UNMATCHED)
			fprintf(out, "no '%s' rule matches it: allowed, as without jailpol",
				p->kind == POL_PROBE_UNIX ? "unix" : "socket");
		else
			fprintf(out, "by %s:%u: %s", file, line, text);
	}
	fputc('\n', out);
}

static void explain_unix(FILE *out, const struct pol_tables *t, const struct pol_probe *p,
			 bool json)
{
	struct pol_result r[POL_SCOPE_MAX];
	char canon[4 * POL_UNIX_NAME_MAX + 2];
	struct pol_unix_query q;
	int sc;

	for (sc = 0; sc < POL_SCOPE_MAX; sc++) {
		memset(&q, 0, sizeof(q));
		q.scope = (uint8_t)sc;
		q.len = p->unix_len;
		memcpy(q.name, p->unix_name, p->unix_len);
		pol_tables_classify_unix(t, &q, &r[sc]);
	}
	/* q as the classifier left it: the name the kernel looks up. */
	unix_name_text(q.name, q.len, canon, sizeof(canon));
	explain_scoped(out, t, p, r,
		       !q.name[0]                            ? "unix abstract"
		       : pol_unix_path_normal(q.name, q.len) ? "unix path"
							     : "unix path (not normal: any path)",
		       canon, json);
}

static void explain_sock(FILE *out, const struct pol_tables *t, const struct pol_probe *p,
			 bool json)
{
	struct pol_result r[POL_SCOPE_MAX];
	int sc;

	for (sc = 0; sc < POL_SCOPE_MAX; sc++)
		pol_tables_classify_sock(t, p->sock_kind, (uint32_t)sc, &r[sc]);
	explain_scoped(out, t, p, r, "socket", pol_sock_kind_name(p->sock_kind), json);
}

int pol_explain(FILE *out, struct pol_tables *t, const struct pol_probe *p, bool json)
{
	struct outcomes o = { 0 };
	struct pol_outcomes_view v;
	struct pol_prefix canon = { .family = p->family, .len = p->family == 4 ? 32 : 128 };
	char ctext[POL_PREFIX_STRLEN];

	if (p->kind == POL_PROBE_UNIX) {
		explain_unix(out, t, p, json);
		return 0;
	}
	if (p->kind == POL_PROBE_SOCK) {
		explain_sock(out, t, p, json);
		return 0;
	}
	memcpy(canon.addr, p->addr, 16);
	pol_unmap(&canon.family, canon.addr);
	canon.len = canon.family == 4 ? 32 : 128;
	pol_prefix_format(&canon, ctext, sizeof(ctext));

	if (collect(&o, t, p, 0))
		goto oom;
	/* The runtime leaves loopback out of the host set (the loopback set
	 * covers it, scoped by netns), so 127/8 and ::1 have no host case. */
	if ((t->consts.flags & POL_CF_USES_HOST) && !pol_never_host(canon.family, canon.addr)) {
		if (pol_tables_add_host(t, canon.family, canon.addr) || collect(&o, t, p, 1))
			goto oom;
	}
	v.v = o.v;
	v.n = o.n;
	v.written = p->text;
	v.canon = ctext;
	if (json)
		print_json(out, t, &v);
	else
		print_text(out, t, &v);
	free(o.v);
	return 0;
oom:
	free(o.v);
	return -ENOMEM;
}
