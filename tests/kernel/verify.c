// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * verify - the kernel against the reference evaluator.
 *
 *   verify [--probes N] [--seed S] [--per-policy N] [--policy K] [--keep DIR] BUILD_DIR
 *
 * Random policies, written as .jp text in the real language, are compiled
 * with BUILD_DIR/jailpolc and attached with BUILD_DIR/jail-ai-block to a
 * throw-away cgroup; two workers in that cgroup then make random connect()
 * and sendto() calls, and every verdict the kernel gives (EPERM: denied;
 * any other outcome: allowed) is compared with pol_ref_eval() over the same
 * text compiled in-process.  So the whole chain is checked at once:
 * decide.c, emit.c, policy_read.c, the loader, the host set and the BPF
 * programs.
 *
 * No packet can leave the machine: the process first moves into a network
 * namespace of its own, "H", which plays the host (the runtime is started
 * from it, so H's netns cookie and H's addresses are what `netns host` and
 * `host` mean) and has only lo up, with 0-5 random extra addresses per
 * policy.  The second worker lives in a further namespace "P" (a container)
 * with only lo.  An allowed probe ends in ENETUNREACH (no route), or on lo
 * where nothing listens: a TCP connect in progress towards a reset, a UDP
 * datagram to a closed port.
 *
 * Some rules are `unix` and `socket` rules, and some probes are Unix
 * ones - connect() on a stream or datagram AF_UNIX socket, or sendto() on
 * a datagram one, to abstract names (no one listens in H or P: ECONNREFUSED
 * when allowed) and paths (none exists: ENOENT) built from the policy's
 * patterns - and some create raw and ping sockets; they are compared with
 * pol_ref_eval_unix() and pol_ref_eval_sock().  The workers run in the
 * temp directory, so a relative path names nothing.
 *
 * The seed is printed first; --seed S or JAILPOL_SEED=S replays a run, and
 * --seed S --policy K replays only policy K (each policy is drawn from its
 * own stream, so policy K is the same whatever ran before it).  The last
 * line is "verify: N probes, N policies, N mismatches".  Exit 0: no
 * mismatch; 1: a mismatch or a failure; 77: cannot run here (reason
 * printed).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <stddef.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "addr.h"
#include "addrpool.h"
#include "builtins.h"
#include "diag.h"
#include "frontend.h"
#include "ktest.h"
#include "policy.h"
#include "refeval.h"
#include "rng.h"
#include "tables.h"

/* classify.h's query types and canonicalisation, without its lookups. */
#define POL_CLASSIFY_TYPES_ONLY
#include "../../bpf/templates/classify.h"

#define EXIT_FAIL 1 /* a mismatch, or a failure of the harness or a tool */
#define EXIT_SKIP 77

#define PIN_ROOT "/sys/fs/bpf/jailpol"
#define DEFAULT_PROBES 100000UL
#define DEFAULT_PER_POLICY 500UL
#define MAX_HOSTS 5
#define MAX_REPORTS 20    /* mismatches printed per policy */
#define REATTACH_EVERY 10 /* detach + fresh attach instead of a replace */

enum { NS_H, NS_P, NS_MAX }; /* the host netns and the container netns */
enum { M_CONNECT, M_SENDTO };
enum { K_IP, K_UNIX, K_SOCK }; /* what a probe tries */

/* How a probe ended, besides its errno. */
enum {
	ST_CALL,    /* err is connect()'s or sendto()'s errno, 0 for success */
	ST_SOCKET,  /* socket() or setsockopt() failed: a broken probe */
	ST_PENDING, /* not run yet */
};

/* One call made by a worker; lives in memory shared with the workers. */
struct probe {
	uint8_t kind;   /* K_IP, K_UNIX or K_SOCK */
	uint8_t family; /* AF_INET or AF_INET6: socket and sockaddr */
	uint8_t proto;  /* POL_PROTO_TCP or POL_PROTO_UDP */
	uint8_t method; /* M_CONNECT or M_SENDTO (UDP only) */
	uint8_t ns;     /* NS_H or NS_P */
	uint16_t port;
	uint8_t addr[16]; /* as written into the sockaddr, network order */
	uint8_t status;   /* ST_*, set by the worker */
	int err;          /* errno, set by the worker */
	/* K_UNIX: SOCK_STREAM or SOCK_DGRAM, and sun_path's bytes; K_SOCK:
	 * the enum pol_sock_kind, on a socket of family. */
	uint8_t unix_type, sock_kind;
	uint16_t name_len;
	uint8_t name[POL_UNIX_NAME_MAX];
};

/* An address on H's lo, as given to the kernel (mapped v6 stays v6). */
struct host_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	bool has_brd; /* IPv4: with an IFA_BROADCAST, a host address too */
	uint8_t brd[4];
};

struct worker {
	pid_t pid;
	int cmd;  /* parent -> worker: probe count, 0 to stop */
	int done; /* worker -> parent: one status byte per batch */
};

struct stats {
	unsigned long probes, policies, mismatches;
	unsigned long verdicts[NS_MAX][POL_VERDICT_MAX];
	unsigned long by_rule; /* decided by a rule, not the default */
	/* Probes whose verdict would differ without the host set, or in the
	 * other netns: proof those paths are exercised, not just present. */
	unsigned long host_mattered, scope_mattered, mapped, reached;
	unsigned long errnos[160];
	unsigned long replaced, fresh, host_addrs;
	unsigned long unix_probes[POL_VERDICT_MAX], sock_probes[POL_VERDICT_MAX];
};

struct ctx {
	/* Options. */
	const char *build;
	char jailpolc[PATH_MAX], runtime[PATH_MAX];
	uint64_t seed;
	unsigned long n_probes, per_policy, only; /* only: policy number + 1 */
	const char *keep;

	/* What setup created, for cleanup. */
	char cg_mount[PATH_MAX];
	char cg[PATH_MAX + 32]; /* our cgroup, absolute */
	char pins[PATH_MAX];
	bool made_cg, had_pin_root, attached, keep_dir;
	char dir[64]; /* temp dir: policy.jp, policy.bin, log */
	char jp[PATH_MAX], bin[PATH_MAX], log[PATH_MAX];
	int nl;                            /* rtnetlink socket in H */
	int lo_index;                      /* lo's ifindex in H */
	struct host_addr hosts[MAX_HOSTS]; /* currently on H's lo */
	size_t n_hosts;
	struct worker w[NS_MAX];
	struct probe *shm;
	size_t shm_size;
	struct stats st;
};

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

/* --- random numbers ---------------------------------------------------- */

/* --- the address pool --------------------------------------------------- */

static const uint16_t pool_ports[] = { 1, 22, 53, 80, 443, 1024, 8080, 65535 };

/* An address near the whole pool (tests/lib/addrpool.h), built-in sets'
 * addresses included. */
static void pool_addr(struct test_rng *r, int family, uint8_t *addr)
{
	test_pool_addr(r, family, addr, TEST_POOL4_ALL, TEST_POOL6_ALL);
}

static uint16_t random_port(struct test_rng *r)
{
	if (test_rng_below(r, 2))
		return pool_ports[test_rng_below(r, ARRAY_SIZE(pool_ports))];
	return (uint16_t)(1 + test_rng_below(r, 65535));
}

/* --- policy text ---------------------------------------------------------- */

static void put_addr(FILE *f, int family, const uint8_t *addr)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(family, addr, buf, sizeof(buf));
	fputs(buf, f);
}

/*
 * One prefix as the language writes it: IPv4, IPv6, IPv4-mapped IPv6
 * (::ffff:a.b.c.d/96+n is the IPv4 a.b.c.d/n), now and then a short ::/n
 * that also covers every IPv4 destination, and sometimes with host bits
 * set, which the compiler clears with a warning.
 */
static void gen_prefix(struct test_rng *r, FILE *f)
{
	static const uint8_t lens4[] = { 0, 1, 8, 16, 24, 25, 28, 30, 31, 32, 32, 32 };
	static const uint8_t lens6[] = { 0, 3, 16, 32, 48, 64, 96, 112, 120, 126, 127, 128, 128 };
	static const uint8_t short6[] = { 0, 64, 79, 80, 81, 96 };
	uint8_t a[16] = { 0 }, m[16];
	unsigned int len, k = test_rng_below(r, 100);
	bool keep_host_bits = test_rng_pct(r, 20);

	if (k < 2) {
		fprintf(f, "::/%u", short6[test_rng_below(r, ARRAY_SIZE(short6))]);
		return;
	}
	if (k < 50) {
		pool_addr(r, 4, a);
		len = test_rng_pct(r, 70) ? lens4[test_rng_below(r, ARRAY_SIZE(lens4))]
					  : test_rng_below(r, 33);
		if (!keep_host_bits)
			pol_mask_bits(a, a, 16, len);
		if (test_rng_pct(r, 25)) {
			/* Mapped: on a socket this is judged as the IPv4 address. */
			memmove(a + 12, a, 4);
			memset(a, 0, 12);
			a[10] = a[11] = 0xff;
			if (test_rng_pct(r, 4)) {
				/* Shorter than /96: an IPv6 prefix over all of IPv4. */
				len = 80 + test_rng_below(r, 16);
				memcpy(m, a, 16);
				pol_mask_bits(m, m, 16, len);
				put_addr(f, AF_INET6, keep_host_bits ? a : m);
				fprintf(f, "/%u", len);
				return;
			}
			put_addr(f, AF_INET6, a);
			if (len < 32 || test_rng_pct(r, 50))
				fprintf(f, "/%u", 96 + len);
			return;
		}
		put_addr(f, AF_INET, a);
		if (len < 32 || test_rng_pct(r, 50))
			fprintf(f, "/%u", len);
		return;
	}
	pool_addr(r, 6, a);
	len = test_rng_pct(r, 70) ? lens6[test_rng_below(r, ARRAY_SIZE(lens6))]
				  : test_rng_below(r, 129);
	if (!keep_host_bits)
		pol_mask_bits(a, a, 16, len);
	put_addr(f, AF_INET6, a);
	if (len < 128 || test_rng_pct(r, 50))
		fprintf(f, "/%u", len);
}

/* A set element: a prefix, a built-in set, or a user set s<first>.. */
static void gen_element(struct test_rng *r, FILE *f, unsigned int first_set, unsigned int n_sets)
{
	unsigned int k = test_rng_below(r, 100);

	if (k < 15) {
		/* Every built-in set the compiler has; `host` more often, as
		 * it is the one the runtime fills. */
		if (test_rng_pct(r, 25))
			fputs("host", f);
		else
			fputs(pol_builtin_get(test_rng_below(r, (uint32_t)pol_builtin_count()))
				      ->name,
			      f);
		return;
	}
	if (k < 30 && first_set < n_sets) {
		fprintf(f, "s%u", first_set + test_rng_below(r, n_sets - first_set));
		return;
	}
	gen_prefix(r, f);
}

/* 1-4 elements between braces, with an optional trailing comma. */
static void gen_brace_list(struct test_rng *r, FILE *f, unsigned int first_set, unsigned int n_sets,
			   unsigned int max)
{
	unsigned int i, n = 1 + test_rng_below(r, max);

	fputs("{ ", f);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(test_rng_pct(r, 10) ? ",\n\t" : ", ", f);
		gen_element(r, f, first_set, n_sets);
	}
	fputs(test_rng_pct(r, 20) ? ", }" : " }", f);
}

static void gen_port_item(struct test_rng *r, FILE *f)
{
	uint16_t a = random_port(r), b;

	if (test_rng_pct(r, 50)) {
		fprintf(f, "%u", a);
		return;
	}
	b = test_rng_pct(r, 50) ? (uint16_t)(a > 65535 - 64 ? 65535 : a + test_rng_below(r, 64))
				: random_port(r);
	if (b < a) {
		uint16_t t = a;

		a = b, b = t;
	}
	fprintf(f, "%u-%u", a, b);
}

static void gen_ports(struct test_rng *r, FILE *f)
{
	unsigned int i, n;

	if (test_rng_pct(r, 60)) {
		gen_port_item(r, f);
		return;
	}
	n = 1 + test_rng_below(r, 4);
	fputs("{ ", f);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		gen_port_item(r, f);
	}
	fputs(" }", f);
}

enum { C_DEST, C_PORT, C_PROTO, C_NETNS, C_LOG, C_MAX };

/* A rule: its conditions, each at most once, in random order. */
/* Bytes of generated Unix names: few, so names and patterns meet. */
static const char unix_alphabet[] = "ab./x";

/* A Unix pattern: abstract or an absolute, normal path, from
 * unix_alphabet, with '*' and '**' now and then. */
static void gen_unix_pattern(struct test_rng *r, FILE *f, bool abstract)
{
	unsigned int n = 1 + test_rng_below(r, 4), i, j;

	fputs(abstract ? "\"@" : "\"", f);
	for (i = 0; i < n; i++) {
		if (!abstract || i)
			fputc('/', f);
		for (j = 0; j < 1 + test_rng_below(r, 3); j++) {
			unsigned int k = test_rng_below(r, 10);

			if (k == 0)
				fputs(test_rng_pct(r, 50) ? "*" : "**", f);
			else if (k == 1 && abstract)
				fputs("\\0", f);
			else
				fputc("abx"[test_rng_below(r, 3)], f);
		}
	}
	fputc('"', f);
}

/* A `unix` or a `socket` rule. */
static void gen_other_rule(struct test_rng *r, FILE *f)
{
	static const char *const scopes[] = { "host", "container", "any" };
	static const char *const kinds[] = { "raw", "ping", "{ raw, ping }", "{ ping }" };
	unsigned int i, n;

	fputs(test_rng_pct(r, 50) ? "allow" : "deny", f);
	if (test_rng_pct(r, 20)) {
		fprintf(f, " socket %s", kinds[test_rng_below(r, ARRAY_SIZE(kinds))]);
	} else {
		unsigned int kind = test_rng_below(r, 3); /* any, abstract, path */

		fputs(" unix", f);
		if (kind && test_rng_pct(r, 50))
			fputs(kind == 1 ? " abstract" : " path", f);
		if (test_rng_pct(r, 75)) {
			n = test_rng_pct(r, 60) ? 1 : 2 + test_rng_below(r, 3);
			fputs(n > 1 ? " {" : " ", f);
			for (i = 0; i < n; i++) {
				fputs(i ? ", " : n > 1 ? " " : "", f);
				gen_unix_pattern(r, f, kind ? kind == 1 : test_rng_pct(r, 50));
			}
			fputs(n > 1 ? " }" : "", f);
		}
	}
	if (test_rng_pct(r, 35))
		fprintf(f, " netns %s", scopes[test_rng_below(r, ARRAY_SIZE(scopes))]);
	if (test_rng_pct(r, 15))
		fputs(" log", f);
	fputs(";\n", f);
}

static void gen_rule(struct test_rng *r, FILE *f, unsigned int n_sets)
{
	static const char *const protos[] = { "tcp", "udp", "tcp", "udp", "any" };
	static const char *const scopes[] = { "host", "container", "host", "container", "any" };
	static const unsigned int odds[C_MAX] = { 80, 30, 40, 35, 15 };
	unsigned int order[C_MAX], i, j;

	for (i = 0; i < C_MAX; i++)
		order[i] = i;
	for (i = C_MAX - 1; i > 0; i--) {
		unsigned int t;

		j = test_rng_below(r, i + 1);
		t = order[i], order[i] = order[j], order[j] = t;
	}
	fputs(test_rng_pct(r, 50) ? "allow" : "deny", f);
	for (i = 0; i < C_MAX; i++) {
		if (!test_rng_pct(r, odds[order[i]]))
			continue;
		fputc(' ', f);
		switch (order[i]) {
		case C_DEST:
			if (test_rng_pct(r, 40))
				fputs("to ", f);
			if (test_rng_pct(r, 8))
				fputs("any", f);
			else if (test_rng_pct(r, 10))
				fputs("host", f);
			else if (test_rng_pct(r, 50))
				gen_element(r, f, 0, n_sets);
			else
				gen_brace_list(r, f, 0, n_sets, 4);
			break;
		case C_PORT:
			fputs("port ", f);
			gen_ports(r, f);
			break;
		case C_PROTO:
			fprintf(f, "proto %s", protos[test_rng_below(r, ARRAY_SIZE(protos))]);
			break;
		case C_NETNS:
			fprintf(f, "netns %s", scopes[test_rng_below(r, ARRAY_SIZE(scopes))]);
			break;
		default:
			fputs("log", f);
			break;
		}
	}
	fputs(";\n", f);
}

/*
 * A policy in the real language.  Sets s0..s(n-1) may use sets with a
 * higher number (so there is no cycle), and every statement that is not a
 * rule - sets, default, backstop - stands at a random place between the
 * rules: sets may be used before they are defined.
 */
static void gen_policy(struct test_rng *r, FILE *f)
{
	unsigned int n_rules = 1 + test_rng_below(r, 40), n_sets = test_rng_below(r, 6), i, j;
	unsigned int set_pos[6], default_pos = test_rng_below(r, n_rules + 1);
	int backstop = test_rng_pct(r, 20) ? 1 : test_rng_pct(r, 5) ? 0 : -1;
	unsigned int backstop_pos = test_rng_below(r, n_rules + 1);

	for (i = 0; i < n_sets; i++)
		set_pos[i] = test_rng_below(r, n_rules + 1);
	for (i = 0; i <= n_rules; i++) {
		if (default_pos == i)
			fprintf(f, "default %s;\n", test_rng_pct(r, 50) ? "allow" : "deny");
		if (backstop >= 0 && backstop_pos == i)
			fprintf(f, "backstop %s;\n", backstop ? "on" : "off");
		for (j = 0; j < n_sets; j++) {
			if (set_pos[j] != i)
				continue;
			fprintf(f, "set s%u = ", j);
			gen_brace_list(r, f, j + 1, n_sets, 6);
			fputs(";\n", f);
		}
		if (i < n_rules && test_rng_pct(r, 15))
			gen_other_rule(r, f);
		else if (i < n_rules)
			gen_rule(r, f, n_sets);
	}
}

/* 0-5 addresses for H's lo, from the same pool, some IPv4 ones with a
 * broadcast.  Some are ones the host set must never hold (127/8, 0.0.0.0)
 * or that the kernel refuses (::, multicast ff02::1); some IPv6 ones are
 * IPv4-mapped. */
static size_t gen_hosts(struct test_rng *r, struct host_addr *v)
{
	size_t i, n = test_rng_below(r, MAX_HOSTS + 1);

	for (i = 0; i < n; i++) {
		struct host_addr *h = &v[i];
		unsigned int k = test_rng_below(r, 100);

		memset(h, 0, sizeof(*h));
		if (k < 45) {
			h->family = AF_INET;
			pool_addr(r, 4, h->addr);
			/* runtime/host.c takes an IPv4 address's broadcast
			 * into the host set as well. */
			h->has_brd = test_rng_pct(r, 35);
			if (!h->has_brd)
				continue;
			memcpy(h->brd, h->addr, 4);
			k = test_rng_below(r, 10);
			if (k < 5)
				h->brd[3] = 0xff;
			else if (k < 7)
				memset(h->brd, 0xff, 4);
			else
				pool_addr(r, 4, h->brd);
		} else if (k < 85) {
			h->family = AF_INET6;
			pool_addr(r, 6, h->addr);
		} else if (k < 93) {
			h->family = AF_INET6;
			pool_addr(r, 4, h->addr + 12);
			h->addr[10] = h->addr[11] = 0xff;
		} else {
			h->family = AF_INET;
			h->addr[0] = test_rng_pct(r, 50) ? 127 : 0;
			if (h->addr[0])
				h->addr[3] = (uint8_t)(2 + test_rng_below(r, 250));
		}
	}
	return n;
}

/* --- H's addresses, over rtnetlink ------------------------------------- */

/* Add or remove one /32 or /128 on lo and wait for the kernel's answer.
 * IPv6 addresses skip duplicate address detection, so they are usable (and
 * dumped) at once.  0 or -errno. */
static int nl_addr(struct ctx *c, int cmd, const struct host_addr *h)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
		char attrs[64];
	} req;
	size_t alen = h->family == AF_INET ? 4 : 16;
	int ret;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifa));
	req.nh.nlmsg_type = (unsigned short)cmd;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	if (cmd == RTM_NEWADDR)
		req.nh.nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
	req.ifa.ifa_family = (unsigned char)h->family;
	req.ifa.ifa_prefixlen = (unsigned char)(alen * 8);
	req.ifa.ifa_flags = h->family == AF_INET6 ? IFA_F_NODAD : 0;
	req.ifa.ifa_index = (unsigned int)c->lo_index;
	ret = ktest_nl_attr(&req.nh, sizeof(req), IFA_LOCAL, h->addr, alen);
	if (!ret)
		ret = ktest_nl_attr(&req.nh, sizeof(req), IFA_ADDRESS, h->addr, alen);
	if (!ret && h->has_brd && cmd == RTM_NEWADDR)
		ret = ktest_nl_attr(&req.nh, sizeof(req), IFA_BROADCAST, h->brd, 4);
	if (ret)
		return ret;
	return ktest_nl_ack(c->nl, &req.nh);
}

/*
 * Give H's lo exactly the addresses in want.  Returns 0 and keeps in
 * c->hosts those the kernel took (it refuses some, such as multicast IPv6,
 * and silently drops 0.0.0.0), or -errno on a netlink failure.
 */
static int set_hosts(struct ctx *c, const struct host_addr *want, size_t n)
{
	size_t i;
	int ret;

	for (i = 0; i < c->n_hosts; i++) {
		ret = nl_addr(c, RTM_DELADDR, &c->hosts[i]);
		if (ret && ret != -EADDRNOTAVAIL && ret != -ENOENT && ret != -ENODEV)
			return ret;
	}
	c->n_hosts = 0;
	for (i = 0; i < n; i++) {
		static const uint8_t zero[4];

		ret = nl_addr(c, RTM_NEWADDR, &want[i]);
		/* The kernel acknowledges 0.0.0.0 and drops it, broadcast and
		 * all (__inet_insert_ifa()): it is never dumped. */
		if (!ret && want[i].family == AF_INET && !memcmp(want[i].addr, zero, 4))
			continue;
		if (!ret)
			c->hosts[c->n_hosts++] = want[i];
		else if (ret != -EEXIST && ret != -EINVAL && ret != -EADDRNOTAVAIL)
			return ret;
	}
	return 0;
}

/* Add addr to the host set out[*n] as runtime/host.c does: canonical (a
 * mapped IPv6 address is the IPv4 one), unless pol_never_host() rejects
 * it, once. */
static void host_set_add(struct pol_prefix *out, size_t *n, int family, const uint8_t *addr)
{
	struct pol_prefix p = { .family = family == AF_INET ? 4 : 6 };
	size_t j;

	memcpy(p.addr, addr, p.family == 4 ? 4 : 16);
	pol_addr_canonicalise(&p.family, p.addr);
	p.len = p.family == 4 ? 32 : 128;
	if (pol_never_host(p.family, p.addr))
		return;
	for (j = 0; j < *n; j++)
		if (out[j].family == p.family && !memcmp(out[j].addr, p.addr, 16))
			return;
	out[(*n)++] = p;
}

/*
 * The `host` set as runtime/host.c builds it from H's addresses: each
 * address and each IPv4 broadcast.  lo's own 127.0.0.1 and ::1 never are
 * (and lo's 127.0.0.1/8 carries no IFA_BROADCAST).  out has room for
 * 2 * MAX_HOSTS.
 */
static size_t host_set(const struct ctx *c, struct pol_prefix *out)
{
	size_t i, n = 0;

	for (i = 0; i < c->n_hosts; i++) {
		host_set_add(out, &n, c->hosts[i].family, c->hosts[i].addr);
		if (c->hosts[i].has_brd)
			host_set_add(out, &n, AF_INET, c->hosts[i].brd);
	}
	return n;
}

/* --- probes --------------------------------------------------------------- */

/* addr += delta (+1 or -1) as a big-endian number of n bytes, wrapping. */
static void addr_step(uint8_t *addr, unsigned int n, int delta)
{
	int i;

	for (i = (int)n - 1; i >= 0; i--) {
		addr[i] = (uint8_t)(addr[i] + delta);
		if ((delta > 0 && addr[i] != 0) || (delta < 0 && addr[i] != 0xff))
			return;
	}
}

/* An address on or next to the edge of p, or inside it. */
static void prefix_addr(struct test_rng *r, const struct pol_prefix *p, uint8_t *addr)
{
	unsigned int n = p->family == 4 ? 4 : 16, i, k = test_rng_below(r, 6);
	uint8_t host[16];

	memset(addr, 0, 16);
	memcpy(addr, p->addr, n);
	for (i = 0; i < n; i++)
		host[i] = (uint8_t)test_rng_next(r);
	/* host: all ones (last address), or random bits, under the mask. */
	if (k == 1 || k == 3)
		memset(host, 0xff, n);
	if (k == 0 || k == 2) {
		memset(host, 0, n);
	} else {
		uint8_t m[16];

		memset(m, 0xff, 16);
		pol_mask_bits(m, m, 16, p->len);
		for (i = 0; i < n; i++)
			addr[i] |= host[i] & (uint8_t)~m[i];
	}
	if (k == 2)
		addr_step(addr, n, -1);
	else if (k == 3)
		addr_step(addr, n, 1);
}

/* Ports from the policy's rules: their edges and one step outside. */
static uint16_t probe_port(struct test_rng *r, const struct pol_policy *p)
{
	const struct pol_rule *rule;
	const struct pol_port_range *pr;
	int v;

	if (test_rng_pct(r, 55) && p->n_rules) {
		rule = &p->rules[test_rng_below(r, (uint32_t)p->n_rules)];
		if (rule->n_ports) {
			pr = &rule->ports[test_rng_below(r, (uint32_t)rule->n_ports)];
			switch (test_rng_below(r, 4)) {
			case 0:
				v = pr->lo - 1;
				break;
			case 1:
				v = pr->hi + 1;
				break;
			case 2:
				v = pr->lo;
				break;
			default:
				v = pr->hi;
				break;
			}
			/* Port 0 fails with EINVAL before the hooks run. */
			if (v >= 1 && v <= 65535)
				return (uint16_t)v;
		}
	}
	return random_port(r);
}

/* A Unix name for pr: mostly one of the policy's patterns filled in
 * (wildcards get a few bytes), then perhaps mutated; also names no pattern
 * made, paths that are not normal, a path with junk after a NUL. */
static void gen_unix_name(struct test_rng *r, const struct pol_policy *p, struct probe *pr)
{
	const struct pol_unix_pattern *pats[64];
	size_t n_pats = 0, i, j;
	uint8_t *b = pr->name;
	size_t n = 0;

	for (i = 0; i < p->n_rules; i++)
		for (j = 0; j < p->rules[i].n_patterns && n_pats < ARRAY_SIZE(pats); j++)
			pats[n_pats++] = &p->rules[i].patterns[j];
	if (n_pats && test_rng_pct(r, 75)) {
		const struct pol_unix_pattern *pt = pats[test_rng_below(r, (uint32_t)n_pats)];

		for (i = 0; i < pt->n && n < POL_UNIX_NAME_MAX; i++) {
			unsigned int k, fill;

			if (pt->tok[i] < 256) {
				b[n++] = (uint8_t)pt->tok[i];
				continue;
			}
			fill = test_rng_below(r, 4);
			for (k = 0; k < fill && n < POL_UNIX_NAME_MAX; k++)
				b[n++] = (uint8_t)(pt->tok[i] == POL_PAT_STARSTAR
							   ? unix_alphabet[test_rng_below(r, 5)]
							   : "abx."[test_rng_below(r, 4)]);
		}
	} else {
		bool abstract = test_rng_pct(r, 50);
		unsigned int len = 1 + test_rng_below(r, 10);

		if (abstract)
			b[n++] = 0;
		else
			b[n++] = '/';
		for (i = 0; i < len && n < POL_UNIX_NAME_MAX; i++)
			b[n++] = (uint8_t)unix_alphabet[test_rng_below(r, 5)];
	}
	if (!n)
		b[n++] = '/';
	/* Mutations: a byte changed, dropped or added; "/./", "//" or
	 * "/../" put in; the leading '/' dropped (relative); a NUL and junk
	 * after a path; a long tail. */
	switch (test_rng_below(r, 12)) {
	case 0:
		b[test_rng_below(r, (uint32_t)n)] = (uint8_t)unix_alphabet[test_rng_below(r, 5)];
		break;
	case 1:
		if (n > 1)
			n--;
		break;
	case 2:
		if (n < POL_UNIX_NAME_MAX)
			b[n++] = (uint8_t)unix_alphabet[test_rng_below(r, 5)];
		break;
	case 3:
		if (n + 3 <= POL_UNIX_NAME_MAX) {
			static const char *const bad[] = { "/./", "//", "/..", "/" };
			const char *w = bad[test_rng_below(r, 4)];

			memcpy(b + n, w, strlen(w));
			n += strlen(w);
		}
		break;
	case 4:
		if (b[0] == '/' && n > 1) {
			memmove(b, b + 1, n - 1);
			n--;
		}
		break;
	case 5:
		if (b[0] && n + 3 <= POL_UNIX_NAME_MAX) {
			memcpy(b + n, "\0ab", 3);
			n += 3;
		}
		break;
	case 6:
		while (n < POL_UNIX_NAME_MAX && test_rng_pct(r, 97))
			b[n++] = 'a';
		break;
	default:
		break;
	}
	pr->name_len = (uint16_t)n;
}

/* A random probe, its address aimed at the policy's prefixes, the host's
 * addresses, loopback and unspecified, or anywhere; or, sometimes, a Unix
 * address or a raw or ping socket. */
static void gen_probe(struct test_rng *r, const struct pol_policy *p, const struct ctx *c,
		      const struct pol_prefix *const *pfx, size_t n_pfx, struct probe *pr)
{
	unsigned int k = test_rng_below(r, 100);
	uint8_t v4[4];
	int fam = 4;

	memset(pr, 0, sizeof(*pr));
	pr->status = ST_PENDING;
	pr->ns = (uint8_t)test_rng_below(r, NS_MAX);
	if (test_rng_pct(r, 20)) {
		pr->kind = K_UNIX;
		pr->unix_type = test_rng_pct(r, 50) ? SOCK_STREAM : SOCK_DGRAM;
		pr->method = pr->unix_type == SOCK_DGRAM && test_rng_pct(r, 50) ? M_SENDTO
										: M_CONNECT;
		gen_unix_name(r, p, pr);
		return;
	}
	if (test_rng_pct(r, 3)) {
		pr->kind = K_SOCK;
		pr->sock_kind = (uint8_t)test_rng_below(r, POL_SOCK_MAX);
		pr->family = test_rng_pct(r, 50) ? AF_INET : AF_INET6;
		return;
	}
	pr->proto = test_rng_pct(r, 50) ? POL_PROTO_TCP : POL_PROTO_UDP;
	pr->method = pr->proto == POL_PROTO_UDP && test_rng_pct(r, 50) ? M_SENDTO : M_CONNECT;
	pr->port = probe_port(r, p);

	if (k < 45 && n_pfx) {
		const struct pol_prefix *pf = pfx[test_rng_below(r, (uint32_t)n_pfx)];

		fam = pf->family;
		prefix_addr(r, pf, pr->addr);
	} else if (k < 60 && c->n_hosts) {
		const struct host_addr *h = &c->hosts[test_rng_below(r, (uint32_t)c->n_hosts)];

		memcpy(pr->addr, h->addr, 16);
		fam = h->family == AF_INET ? 4 : 6;
		if (h->has_brd && test_rng_pct(r, 40))
			memcpy(pr->addr, h->brd, 4);
		/* The canonical form of a mapped host address, also. */
		if (fam == 6 && !memcmp(pr->addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) &&
		    test_rng_pct(r, 50)) {
			memmove(pr->addr, pr->addr + 12, 4);
			memset(pr->addr + 4, 0, 12);
			fam = 4;
		}
	} else if (k < 68) {
		/* Loopback and unspecified: the unspecified address reaches
		 * loopback and is judged as such too. */
		fam = test_rng_pct(r, 50) ? 4 : 6;
		if (test_rng_pct(r, 60)) {
			if (fam == 4)
				pr->addr[0] = 127, pr->addr[3] = 1;
			else
				pr->addr[15] = 1;
			if (fam == 4 && test_rng_pct(r, 30))
				pr->addr[1] = (uint8_t)test_rng_next(r),
				pr->addr[3] = (uint8_t)test_rng_next(r);
		}
	} else if (k < 90) {
		fam = test_rng_pct(r, 50) ? 4 : 6;
		pool_addr(r, fam, pr->addr);
	} else {
		unsigned int i;

		fam = test_rng_pct(r, 50) ? 4 : 6;
		for (i = 0; i < (fam == 4 ? 4u : 16u); i++)
			pr->addr[i] = (uint8_t)test_rng_next(r);
	}
	pr->family = fam == 4 ? AF_INET : AF_INET6;
	/* An IPv4 destination written as ::ffff:a.b.c.d on an IPv6 socket. */
	if (fam == 4 && test_rng_pct(r, 25)) {
		memcpy(v4, pr->addr, 4);
		memset(pr->addr, 0, 16);
		pr->addr[10] = pr->addr[11] = 0xff;
		memcpy(pr->addr + 12, v4, 4);
		pr->family = AF_INET6;
	}
}

/* A Unix probe: connect() or sendto() to the name, which nobody
 * listens on. */
static void run_unix_probe(struct probe *pr)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + pr->name_len);
	int fd = socket(AF_UNIX, pr->unix_type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0) {
		pr->status = ST_SOCKET;
		pr->err = errno;
		return;
	}
	memcpy(sun.sun_path, pr->name, pr->name_len);
	if (pr->method == M_CONNECT)
		pr->err = connect(fd, (struct sockaddr *)&sun, len) < 0 ? errno : 0;
	else
		pr->err = sendto(fd, "", 1, 0, (struct sockaddr *)&sun, len) < 0 ? errno : 0;
	pr->status = ST_CALL;
	close(fd);
}

/* In a worker: make the call, record how it ended. */
static void run_probe(struct probe *pr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, off = 0, type = pr->proto == POL_PROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;

	if (pr->kind == K_UNIX) {
		run_unix_probe(pr);
		return;
	}
	if (pr->kind == K_SOCK) {
		/* socket() is the call: a raw or ping socket sends nothing. */
		int icmp = pr->family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;

		fd = socket(pr->family,
			    (pr->sock_kind == POL_SOCK_RAW ? SOCK_RAW : SOCK_DGRAM) | SOCK_CLOEXEC,
			    icmp);
		pr->err = fd < 0 ? errno : 0;
		pr->status = ST_CALL;
		if (fd >= 0)
			close(fd);
		return;
	}
	len = ktest_sockaddr(pr->family, pr->addr, pr->port, &ss);
	/* Non-blocking, so a TCP connect never waits: EINPROGRESS comes after
	 * the connect hook said yes, which is all a probe asks. */
	fd = socket(pr->family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		pr->status = ST_SOCKET;
		pr->err = errno;
		return;
	}
	/* Mapped destinations need a dual-stack socket. */
	if (pr->family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0) {
		pr->status = ST_SOCKET;
		pr->err = errno;
		close(fd);
		return;
	}
	if (pr->method == M_CONNECT)
		pr->err = connect(fd, (struct sockaddr *)&ss, len) < 0 ? errno : 0;
	else
		pr->err = sendto(fd, "", 1, 0, (struct sockaddr *)&ss, len) < 0 ? errno : 0;
	pr->status = ST_CALL;
	close(fd);
}

/* --- processes -------------------------------------------------------------- */

static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR && !stop_sig)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * A worker: NS_P first moves into a network namespace of its own with only
 * lo up; then both join the cgroup, before creating any socket, since a
 * socket belongs to the cgroup its creator was in at socket() time.  Then
 * they run the probes of their netns from each batch the parent posts.
 */
static void worker_main(struct ctx *c, int ns, int cmd, int done, pid_t parent)
{
	uint32_t n, i;
	int8_t status = 0;
	int ret = 0;

	/* Die with the parent, whatever kills it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	signal(SIGINT, SIG_IGN);
	if (ns == NS_P) {
		if (unshare(CLONE_NEWNET) < 0)
			ret = -errno;
		if (!ret)
			ret = ktest_lo_up();
	}
	/* Ping sockets for every group, in this netns only (H and P are
	 * the test's own); relative Unix paths name nothing in the temp dir. */
	if (!ret)
		ret = ktest_write_file("/proc/sys/net/ipv4/ping_group_range", "0 2147483647");
	if (!ret && chdir(c->dir) < 0)
		ret = -errno;
	if (!ret)
		ret = ktest_join_cgroup(c->cg);
	status = (int8_t)(ret < 0 ? (ret < -127 ? -127 : ret) : 0);
	if (write(done, &status, 1) != 1 || ret)
		_exit(1);
	while (!read_full(cmd, &n, sizeof(n)) && n) {
		for (i = 0; i < n; i++)
			if (c->shm[i].ns == ns)
				run_probe(&c->shm[i]);
		status = 0;
		if (write(done, &status, 1) != 1)
			_exit(1);
	}
	_exit(0);
}

static int start_worker(struct ctx *c, int ns)
{
	int cmd[2] = { -1, -1 }, done[2] = { -1, -1 }, other, i, ret;
	pid_t parent = getpid(), pid;
	int8_t status;

	if (pipe2(cmd, O_CLOEXEC) < 0 || pipe2(done, O_CLOEXEC) < 0) {
		ret = -errno;
		goto fail;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto fail;
	}
	if (pid == 0) {
		close(cmd[1]);
		close(done[0]);
		for (other = 0; other < NS_MAX; other++) {
			if (c->w[other].pid <= 0)
				continue;
			close(c->w[other].cmd);
			close(c->w[other].done);
		}
		worker_main(c, ns, cmd[0], done[1], parent);
	}
	close(cmd[0]);
	close(done[1]);
	c->w[ns].pid = pid;
	c->w[ns].cmd = cmd[1];
	c->w[ns].done = done[0];
	ret = read_full(done[0], &status, 1);
	if (!ret && status)
		ret = status;
	if (ret)
		fprintf(stderr, "verify: cannot start the %s worker: %s\n",
			ns == NS_H ? "host-netns" : "container-netns", strerror(-ret));
	return ret;
fail:
	for (i = 0; i < 2; i++) {
		if (cmd[i] >= 0)
			close(cmd[i]);
		if (done[i] >= 0)
			close(done[i]);
	}
	fprintf(stderr, "verify: cannot start a worker: %s\n", strerror(-ret));
	return ret;
}

static void stop_workers(struct ctx *c)
{
	int ns;

	for (ns = 0; ns < NS_MAX; ns++) {
		if (c->w[ns].pid <= 0)
			continue;
		kill(c->w[ns].pid, SIGKILL);
		while (waitpid(c->w[ns].pid, NULL, 0) < 0 && errno == EINTR)
			;
		close(c->w[ns].cmd);
		close(c->w[ns].done);
		c->w[ns].pid = 0;
	}
}

/* Post n probes to both workers and wait for both.  0 or -errno. */
static int run_batch(struct ctx *c, uint32_t n)
{
	int ns, ret = 0;
	int8_t status;

	for (ns = 0; ns < NS_MAX; ns++)
		if (write(c->w[ns].cmd, &n, sizeof(n)) != sizeof(n))
			return -errno;
	for (ns = 0; ns < NS_MAX; ns++) {
		int r = read_full(c->w[ns].done, &status, 1);

		if (r && !ret)
			ret = r;
	}
	return ret;
}

/*
 * Run argv to completion with stdout and stderr going to c->log (and
 * closed stdin).  Returns its exit status (0-255), 128 + signal, or
 * -errno if it could not be started.
 */
static int run_cmd(struct ctx *c, const char *const argv[])
{
	int status, fd;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		fd = open(c->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			dup2(fd, 0);
		signal(SIGPIPE, SIG_DFL);
		execv(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Print the command's output (c->log), indented. */
static void show_log(const struct ctx *c)
{
	char line[1024];
	FILE *f = fopen(c->log, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("    | %s", line);
	fclose(f);
}

/* jail-ai-block attach (a replacement if a jail is attached) or detach. */
static int runtime(struct ctx *c, const char *verb)
{
	const char *attach[] = { c->runtime, "attach", "--policy", c->bin, "--cgroup", c->cg, NULL };
	const char *detach[] = { c->runtime, "detach", "--cgroup", c->cg, NULL };
	int ret;

	ret = run_cmd(c, strcmp(verb, "detach") ? attach : detach);
	if (ret) {
		printf("verify: 'jail-ai-block %s' failed (%s %d):\n", verb,
		       ret < 0 ? "error" : "exit", ret < 0 ? -ret : ret);
		show_log(c);
	}
	return ret ? -EIO : 0;
}

/* --- setup and cleanup --------------------------------------------------- */

/* Move whatever is left in cgroup cg to the root cgroup. */
static void empty_cgroup(const char *mount, const char *cg)
{
	char path[PATH_MAX + 16], root[PATH_MAX + 16], line[32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	snprintf(root, sizeof(root), "%s/cgroup.procs", mount);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		ktest_write_file(root, line);
	fclose(f);
}

/* The pin directory of cgroup cg: cg-<cgroup id>, the id being the
 * cgroup directory's inode number. */
static int pin_dir_of(const char *cg, char *out, size_t len)
{
	struct stat st;

	if (stat(cg, &st) < 0)
		return -errno;
	snprintf(out, len, PIN_ROOT "/cg-%llu", (unsigned long long)st.st_ino);
	return 0;
}

/*
 * Undo a run's cgroup: detach its jail through the runtime, remove any
 * pins that survived (a failure: the runtime should leave none), move any
 * process out and remove the directory.  Returns 0, or -EIO when pins or
 * the cgroup had to be forced.
 */
static int remove_cgroup(struct ctx *c, const char *cg, bool attached)
{
	char pins[PATH_MAX];
	int ret = 0;

	if (pin_dir_of(cg, pins, sizeof(pins)))
		return 0;
	if (attached || !access(pins, F_OK)) {
		const char *argv[] = { c->runtime, "detach", "--cgroup", cg, NULL };

		if (run_cmd(c, argv)) {
			printf("verify: cleanup: 'jail-ai-block detach --cgroup %s' failed:\n", cg);
			show_log(c);
			ret = -EIO;
		}
	}
	if (!access(pins, F_OK)) {
		printf("verify: cleanup: pins left in '%s' after detach; removing them\n", pins);
		ktest_remove_tree(pins);
		ret = -EIO;
	}
	empty_cgroup(c->cg_mount, cg);
	if (rmdir(cg) < 0 && errno != ENOENT) {
		printf("verify: cleanup: cannot remove cgroup '%s': %s\n", cg, strerror(errno));
		ret = -EIO;
	}
	return ret;
}

/* Cgroups of runs that were killed outright (no cleanup ran): named after
 * a pid that no longer exists.  Their workers died with them.  Returns how
 * many it removed. */
static int sweep_stale(struct ctx *c)
{
	int n = 0;
	char path[PATH_MAX * 2];
	struct dirent *de;
	DIR *d = opendir(c->cg_mount);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char *end;
		long pid;

		if (strncmp(de->d_name, "jailpol-verify-", 15))
			continue;
		pid = strtol(de->d_name + 15, &end, 10);
		if (*end || pid <= 0 || pid > INT_MAX || !kill((pid_t)pid, 0) || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", c->cg_mount, de->d_name);
		printf("verify: removing '%s', left by a run that was killed\n", path);
		remove_cgroup(c, path, false);
		n++;
	}
	closedir(d);
	return n;
}

static int cannot_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Why the test cannot run here; then it exits 77. */
static int cannot_run(const char *fmt, ...)
{
	va_list ap;

	printf("verify: cannot run: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return EXIT_SKIP;
}

/* Returns 0, EXIT_SKIP or EXIT_FAIL (a failure). */
static int setup(struct ctx *c)
{
	int fd, ns, ret;

	if (geteuid() != 0)
		return cannot_run("%s", "needs root (cgroups, BPF, network namespaces)");
	snprintf(c->jailpolc, sizeof(c->jailpolc), "%s/jailpolc", c->build);
	snprintf(c->runtime, sizeof(c->runtime), "%s/jail-ai-block", c->build);
	if (access(c->jailpolc, X_OK))
		return cannot_run("'%s' is not built", c->jailpolc);
	if (access(c->runtime, X_OK))
		return cannot_run("'%s' is not built", c->runtime);
	if (ktest_find_cgroup2(c->cg_mount, sizeof(c->cg_mount)))
		return cannot_run("%s", "no cgroup2 file system in /proc/self/mountinfo");

	/* Become H before anything else: from here on no socket of this
	 * process or its children can reach a real interface. */
	if (unshare(CLONE_NEWNET) < 0)
		return cannot_run("cannot create a network namespace: %s", strerror(errno));
	ret = ktest_lo_up();
	if (ret)
		return cannot_run("cannot bring lo up: %s", strerror(-ret));
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cannot_run("no IPv6 sockets: %s", strerror(errno));
	close(fd);
	c->lo_index = (int)if_nametoindex("lo");
	c->nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (c->nl < 0 || !c->lo_index) {
		printf("verify: netlink: %s\n", strerror(errno));
		return EXIT_FAIL;
	}

	snprintf(c->dir, sizeof(c->dir), "/tmp/jailpol-verify.XXXXXX");
	if (!mkdtemp(c->dir)) {
		c->dir[0] = '\0';
		printf("verify: cannot create a temporary directory: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	snprintf(c->jp, sizeof(c->jp), "%s/policy.jp", c->dir);
	snprintf(c->bin, sizeof(c->bin), "%s/policy.bin", c->dir);
	snprintf(c->log, sizeof(c->log), "%s/log", c->dir);

	/* A killed run may have brought the pin root; it goes if empty. */
	if (sweep_stale(c))
		rmdir(PIN_ROOT);
	c->had_pin_root = !access(PIN_ROOT, F_OK);
	snprintf(c->cg, sizeof(c->cg), "%s/jailpol-verify-%d", c->cg_mount, (int)getpid());
	if (mkdir(c->cg, 0755) < 0) {
		int e = errno;

		printf("verify: cannot create cgroup '%s': %s\n", c->cg, strerror(e));
		return e == EACCES || e == EROFS ? EXIT_SKIP : EXIT_FAIL;
	}
	c->made_cg = true;
	if (pin_dir_of(c->cg, c->pins, sizeof(c->pins)))
		return EXIT_FAIL;

	c->shm_size = c->per_policy * sizeof(struct probe);
	c->shm = mmap(NULL, c->shm_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c->shm == MAP_FAILED) {
		c->shm = NULL;
		printf("verify: cannot map %zu bytes: %s\n", c->shm_size, strerror(errno));
		return EXIT_FAIL;
	}
	for (ns = 0; ns < NS_MAX; ns++)
		if (start_worker(c, ns))
			return EXIT_FAIL;
	return 0;
}

/* Undo setup, whatever it got to.  Returns 0 or -EIO (something had to be
 * forced, which is a failure of the runtime). */
static int cleanup(struct ctx *c)
{
	int ret = 0;

	stop_workers(c);
	if (c->made_cg)
		ret = remove_cgroup(c, c->cg, c->attached);
	if (!c->had_pin_root)
		rmdir(PIN_ROOT); /* only if empty: others may be using it */
	if (c->shm)
		munmap(c->shm, c->shm_size);
	if (c->nl >= 0)
		close(c->nl);
	if (c->dir[0] && !c->keep_dir)
		ktest_remove_tree(c->dir);
	else if (c->dir[0])
		printf("verify: kept '%s'\n", c->dir);
	return ret;
}

/* --- one policy ---------------------------------------------------------- */

/* Write text to path, replacing it.  0 or -errno. */
static int save_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	int ret = 0;

	if (!f)
		return -errno;
	if (fputs(text, f) < 0)
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

static void format_probe(const struct probe *pr, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (pr->kind == K_UNIX) {
		size_t k = 0, j;
		char name[4 * POL_UNIX_NAME_MAX + 1];

		for (j = 0; j < pr->name_len; j++) {
			uint8_t b = pr->name[j];

			if (!j && !b)
				name[k++] = '@';
			else if (b >= 0x21 && b < 0x7f && b != '\\')
				name[k++] = (char)b;
			else
				k += (size_t)snprintf(name + k, sizeof(name) - k, "\\x%02x", b);
		}
		name[k] = '\0';
		snprintf(buf, len,
			 "%s unix %s from netns %s to '%s' (jailpolc --explain 'unix:%s')",
			 pr->method == M_CONNECT ? "connect" : "sendto",
			 pr->unix_type == SOCK_STREAM ? "stream" : "dgram",
			 pr->ns == NS_H ? "H (host)" : "P (container)", name, name);
		return;
	}
	if (pr->kind == K_SOCK) {
		snprintf(buf, len, "socket(%s, %s) in netns %s",
			 pr->family == AF_INET ? "AF_INET" : "AF_INET6",
			 pr->sock_kind == POL_SOCK_RAW ? "SOCK_RAW" : "ping",
			 pr->ns == NS_H ? "H (host)" : "P (container)");
		return;
	}

	inet_ntop(pr->family, pr->addr, a, sizeof(a));
	snprintf(buf, len, "%s %s from netns %s to %s %s%s%s:%u",
		 pr->method == M_CONNECT ? "connect" : "sendto",
		 pr->proto == POL_PROTO_TCP ? "tcp" : "udp",
		 pr->ns == NS_H ? "H (host)" : "P (container)",
		 pr->family == AF_INET ? "AF_INET" : "AF_INET6", pr->family == AF_INET6 ? "[" : "",
		 a, pr->family == AF_INET6 ? "]" : "", pr->port);
}

static void print_policy_header(struct ctx *c, unsigned long k, const char *text,
				const struct pol_prefix *hs, size_t n_hs)
{
	char buf[POL_PREFIX_STRLEN], saved[PATH_MAX * 2];
	size_t i;
	int ret;

	printf("verify: MISMATCH in policy %lu of seed %" PRIu64 "\n", k, c->seed);
	printf("  H's lo holds, besides 127.0.0.1 and ::1:");
	for (i = 0; i < c->n_hosts; i++) {
		char a[INET6_ADDRSTRLEN];

		inet_ntop(c->hosts[i].family, c->hosts[i].addr, a, sizeof(a));
		printf(" %s", a);
		if (c->hosts[i].has_brd) {
			inet_ntop(AF_INET, c->hosts[i].brd, a, sizeof(a));
			printf(" (brd %s)", a);
		}
	}
	printf("%s\n  host set:", c->n_hosts ? "" : " nothing");
	for (i = 0; i < n_hs; i++) {
		pol_prefix_format(&hs[i], buf, sizeof(buf));
		printf(" %s", buf);
	}
	printf("%s\n  policy:\n", n_hs ? "" : " (empty)");
	for (const char *s = text; *s;) {
		const char *eol = strchrnul(s, '\n');

		printf("    %.*s\n", (int)(eol - s), s);
		s = *eol ? eol + 1 : eol;
	}
	/* Keep the policy: in --keep DIR, else in the temp dir, kept. */
	if (c->keep) {
		snprintf(saved, sizeof(saved), "%s/policy-%lu.jp", c->keep, k);
		mkdir(c->keep, 0755);
	} else {
		snprintf(saved, sizeof(saved), "%s/policy-%lu.jp", c->dir, k);
		c->keep_dir = true;
	}
	ret = save_text(saved, text);
	if (ret)
		printf("  cannot save '%s': %s\n", saved, strerror(-ret));
	else
		printf("  saved as '%s'\n", saved);
	printf("  replay: %s/tests/verify --seed %" PRIu64 " --per-policy %lu --policy %lu %s\n",
	       c->build, c->seed, c->per_policy, k, c->build);
	if (!c->only)
		printf("  or the whole run: %s/tests/verify --seed %" PRIu64
		       " --per-policy %lu --probes %lu %s\n",
		       c->build, c->seed, c->per_policy, c->n_probes, c->build);
}

static void report(struct ctx *c, const struct pol_policy *p, const struct probe *pr,
		   unsigned long i, const struct pol_result *ref, const char *saved_jp)
{
	char buf[256], a[INET6_ADDRSTRLEN];
	const char *rule_text = ref->rule ? p->rules[ref->rule - 1].text : p->default_text;

	format_probe(pr, buf, sizeof(buf));
	printf("  probe %lu: %s\n", i, buf);
	printf("    kernel: %s (%s); reference: %s by %s%u '%s'%s\n",
	       ktest_errno_name(pr->err, "success"), pr->err == EPERM ? "deny" : "allow",
	       ref->verdict == POL_ALLOW ? "allow" : "deny", ref->rule ? "rule " : "default, rule ",
	       ref->rule, rule_text, ref->reached ? " (judged as the loopback it reaches)" : "");
	inet_ntop(pr->family, pr->addr, a, sizeof(a));
	printf("    tables (no host set): %s %s --explain '%s%s%s:%u/%s' --netns %s\n", c->jailpolc,
	       saved_jp, pr->family == AF_INET6 ? "[" : "", a, pr->family == AF_INET6 ? "]" : "",
	       pr->port, pr->proto == POL_PROTO_TCP ? "tcp" : "udp",
	       pr->ns == NS_H ? "host" : "container");
}

/* A Unix or socket probe against the reference; true when they agree. */
static bool judge_other(struct ctx *c, unsigned long k, const char *text,
			const struct pol_prefix *hs, size_t n_hs, const struct pol_policy *p,
			const struct probe *pr, size_t i, bool *header, size_t *n_reported)
{
	unsigned int scope = pr->ns == NS_H ? POL_SCOPE_HOST : POL_SCOPE_CONTAINER;
	struct pol_result ref;
	uint8_t kernel = pr->err == EPERM ? POL_DENY : POL_ALLOW;
	char buf[1024];

	if (pr->kind == K_UNIX) {
		struct pol_unix_query q = { .scope = (uint8_t)scope, .len = pr->name_len };

		memcpy(q.name, pr->name, pr->name_len);
		pol_ref_eval_unix(p, &q, &ref);
		c->st.unix_probes[kernel]++;
	} else {
		pol_ref_eval_sock(p, pr->sock_kind, scope, &ref);
		c->st.sock_probes[kernel]++;
	}
	c->st.probes++;
	if ((unsigned int)pr->err < ARRAY_SIZE(c->st.errnos))
		c->st.errnos[pr->err]++;
	if (kernel == ref.verdict)
		return true;
	c->st.mismatches++;
	if (!*header) {
		print_policy_header(c, k, text, hs, n_hs);
		*header = true;
	}
	if ((*n_reported)++ >= MAX_REPORTS)
		return false;
	format_probe(pr, buf, sizeof(buf));
	printf("  probe %zu: %s\n", i, buf);
	printf("    kernel: %s (%s); reference: %s by %s\n", ktest_errno_name(pr->err, "success"),
	       kernel == POL_DENY ? "deny" : "allow", ref.verdict == POL_ALLOW ? "allow" : "deny",
	       ref.rule == POL_RULE_UNMATCHED ? "no rule (unmatched)"
					      : p->rules[ref.rule - 1].text);
	return false;
}

/* Every prefix the rules name, to aim probes at. */
static const struct pol_prefix **collect_prefixes(const struct pol_policy *p, size_t *n)
{
	const struct pol_prefix **v;
	size_t i, j, total = 0;

	for (i = 0; i < p->n_rules; i++)
		total += p->rules[i].n_prefixes;
	v = malloc((total + 1) * sizeof(*v));
	if (!v)
		return NULL;
	*n = 0;
	for (i = 0; i < p->n_rules; i++)
		for (j = 0; j < p->rules[i].n_prefixes; j++)
			v[(*n)++] = &p->rules[i].prefixes[j];
	return v;
}

/*
 * Policy number k: write it, compile it twice (jailpolc for the kernel,
 * the front end here for the reference), give H its addresses, attach,
 * probe, compare.  Returns 0, EXIT_FAIL for mismatches, or -errno for
 * a failure of the harness or of a tool.
 */
static int one_policy(struct ctx *c, unsigned long k, unsigned long n)
{
	struct test_rng r = { test_mix64(c->seed ^ test_mix64(k + 1)) };
	struct host_addr want[MAX_HOSTS];
	struct pol_prefix hs[2 * MAX_HOSTS];
	struct pol_hostset hostset = { .addrs = hs };
	const struct pol_prefix **pfx = NULL;
	struct pol_policy *p = NULL;
	char *text = NULL, saved_jp[PATH_MAX * 2];
	size_t text_len = 0, n_want, n_pfx = 0, i, n_reported = 0;
	bool header = false;
	struct pol_diag d;
	FILE *f;
	int ret;

	pol_diag_init(&d, NULL);
	n_want = gen_hosts(&r, want);
	f = open_memstream(&text, &text_len);
	if (!f) {
		ret = -errno;
		goto cleanup;
	}
	fprintf(f, "# verify: seed %" PRIu64 ", policy %lu\n", c->seed, k);
	gen_policy(&r, f);
	if (fclose(f)) {
		ret = -ENOMEM;
		goto cleanup;
	}
	ret = save_text(c->jp, text);
	if (ret) {
		printf("verify: cannot write '%s': %s\n", c->jp, strerror(-ret));
		goto cleanup;
	}

	{
		const char *argv[] = { c->jailpolc, c->jp, "-o", c->bin, NULL };

		ret = run_cmd(c, argv);
		if (ret) {
			printf("verify: policy %lu: jailpolc failed (%d) on:\n%s", k, ret, text);
			show_log(c);
			c->keep_dir = true;
			ret = -EINVAL;
			goto cleanup;
		}
	}
	ret = pol_compile_file(c->jp, &d, &p);
	if (ret) {
		printf("verify: policy %lu: the front end failed (%s) where jailpolc did not:\n%s",
		       k, strerror(-ret), text);
		c->keep_dir = true;
		goto cleanup;
	}

	/* Before attaching: the runtime reads H's addresses at attach time. */
	ret = set_hosts(c, want, n_want);
	if (ret) {
		printf("verify: cannot set H's addresses: %s\n", strerror(-ret));
		goto cleanup;
	}
	hostset.n = host_set(c, hs);
	c->st.host_addrs += hostset.n;

	/* Mostly replace the policy in place; now and then start afresh, so
	 * both paths of the loader are checked. */
	if (c->attached && k % REATTACH_EVERY == REATTACH_EVERY - 1) {
		ret = runtime(c, "detach");
		if (ret)
			goto cleanup;
		c->attached = false;
		if (!access(c->pins, F_OK)) {
			printf("verify: pins left in '%s' after detach\n", c->pins);
			ret = -EIO;
			goto cleanup;
		}
	}
	ret = runtime(c, "attach");
	if (ret)
		goto cleanup;
	if (c->attached)
		c->st.replaced++;
	else
		c->st.fresh++;
	c->attached = true;

	pfx = collect_prefixes(p, &n_pfx);
	if (!pfx) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < n; i++)
		gen_probe(&r, p, c, pfx, n_pfx, &c->shm[i]);
	ret = run_batch(c, (uint32_t)n);
	if (ret) {
		printf("verify: %s\n", stop_sig ? "interrupted" : "a worker died");
		goto cleanup;
	}

	snprintf(saved_jp, sizeof(saved_jp), "%s/policy-%lu.jp", c->keep ? c->keep : c->dir, k);
	for (i = 0; i < n; i++) {
		const struct probe *pr = &c->shm[i];
		struct pol_query q = { 0 }, q_nohost, q_other;
		struct pol_result ref, r_nohost, r_other;
		uint8_t kernel;

		if (pr->status != ST_CALL) {
			char buf[256];

			format_probe(pr, buf, sizeof(buf));
			printf("verify: policy %lu: probe %zu (%s) could not be made: %s\n", k, i,
			       buf, pr->status == ST_SOCKET ? strerror(pr->err) : "never ran");
			ret = -EIO;
			goto cleanup;
		}
		if (pr->kind != K_IP) {
			judge_other(c, k, text, hs, hostset.n, p, pr, i, &header, &n_reported);
			continue;
		}
		q.family = pr->family == AF_INET ? 4 : 6;
		q.proto = pr->proto;
		q.scope = pr->ns == NS_H ? POL_SCOPE_HOST : POL_SCOPE_CONTAINER;
		q.port = pr->port;
		memcpy(q.addr, pr->addr, 16);
		q_nohost = q_other = q;
		q_other.scope = !q.scope;
		pol_ref_eval(p, &hostset, &q, &ref);
		pol_ref_eval(p, NULL, &q_nohost, &r_nohost);
		pol_ref_eval(p, &hostset, &q_other, &r_other);
		c->st.host_mattered += r_nohost.verdict != ref.verdict;
		c->st.scope_mattered += r_other.verdict != ref.verdict;
		c->st.mapped += pr->family == AF_INET6 && q.family == 4;
		c->st.reached += ref.reached;

		/* The hooks refuse with EPERM; everything else got past them. */
		kernel = pr->err == EPERM ? POL_DENY : POL_ALLOW;
		c->st.probes++;
		c->st.verdicts[pr->ns][kernel]++;
		c->st.by_rule += ref.rule != 0;
		if ((unsigned int)pr->err < ARRAY_SIZE(c->st.errnos))
			c->st.errnos[pr->err]++;
		if (kernel == ref.verdict)
			continue;
		c->st.mismatches++;
		if (!header) {
			print_policy_header(c, k, text, hs, hostset.n);
			header = true;
		}
		if (n_reported++ < MAX_REPORTS)
			report(c, p, pr, i, &ref, saved_jp);
	}
	if (n_reported > MAX_REPORTS)
		printf("  ... and %zu more mismatches in this policy\n", n_reported - MAX_REPORTS);
	c->st.policies++;
	ret = header ? EXIT_FAIL : 0;
cleanup:
	free(pfx);
	pol_policy_free(p);
	pol_diag_free(&d);
	free(text);
	return ret;
}

/* --- main ------------------------------------------------------------------ */

static void print_stats(const struct ctx *c, double secs)
{
	const struct stats *s = &c->st;
	static const char *const ns_name[NS_MAX] = { "H (host)", "P (container)" };
	unsigned long seen[ARRAY_SIZE(s->errnos)];
	int ns, e, shown;

	for (ns = 0; ns < NS_MAX; ns++) {
		unsigned long a = s->verdicts[ns][POL_ALLOW], dn = s->verdicts[ns][POL_DENY];

		printf("verify: netns %s: %lu allowed, %lu denied (%.0f%% denied)\n", ns_name[ns],
		       a, dn, a + dn ? 100.0 * (double)dn / (double)(a + dn) : 0.0);
	}
	memcpy(seen, s->errnos, sizeof(seen));
	printf("verify: outcomes:");
	for (shown = 0; shown < 8; shown++) {
		int best = -1;

		for (e = 0; e < (int)ARRAY_SIZE(seen); e++)
			if (seen[e] && (best < 0 || seen[e] > seen[best]))
				best = e;
		if (best < 0)
			break;
		printf(" %s %lu", ktest_errno_name(best, "success"), seen[best]);
		seen[best] = 0;
	}
	printf("; %lu decided by a rule, %lu by the default\n", s->by_rule, s->probes - s->by_rule);
	printf("verify: verdicts that hang on the host set: %lu, on the netns: %lu; "
	       "mapped destinations: %lu, unspecified ones judged as loopback: %lu\n",
	       s->host_mattered, s->scope_mattered, s->mapped, s->reached);
	printf("verify: Unix addresses: %lu allowed, %lu denied; raw and ping sockets: %lu "
	       "allowed, %lu denied\n",
	       s->unix_probes[POL_ALLOW], s->unix_probes[POL_DENY], s->sock_probes[POL_ALLOW],
	       s->sock_probes[POL_DENY]);
	printf("verify: %lu fresh attaches, %lu in-place replacements, %lu host addresses; "
	       "%.1f s\n",
	       s->fresh, s->replaced, s->host_addrs, secs);
}

static const char usage_text[] =
	"Usage: verify [--probes N] [--seed S] [--per-policy N] [--policy K] [--keep DIR] "
	"BUILD_DIR\n"
	"  --probes N      probes in all (default 100000)\n"
	"  --seed S        replay a run (default: JAILPOL_SEED, else random)\n"
	"  --per-policy N  probes per policy (default 500)\n"
	"  --policy K      run only policy K of the seed\n"
	"  --keep DIR      save the policies that show mismatches in DIR\n";

static int parse_ulong(const char *s, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	return errno || !*s || *end || s[0] == '-' ? -EINVAL : 0;
}

int main(int argc, char **argv)
{
	enum { OPT_PROBES = 256, OPT_SEED, OPT_PER_POLICY, OPT_POLICY, OPT_KEEP };
	static const struct option longopts[] = {
		{ "probes", required_argument, NULL, OPT_PROBES },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "per-policy", required_argument, NULL, OPT_PER_POLICY },
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "keep", required_argument, NULL, OPT_KEEP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* had_pin_root until known: cleanup never removes a root it did not
	 * see come. */
	struct ctx c = { .n_probes = DEFAULT_PROBES,
			 .per_policy = DEFAULT_PER_POLICY,
			 .nl = -1,
			 .had_pin_root = true };
	struct sigaction sa = { .sa_handler = on_signal };
	const char *env = getenv("JAILPOL_SEED");
	struct timespec t0, t1;
	unsigned long k, done = 0, next_progress, v;
	bool have_seed = false;
	int opt, ret, err;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_PROBES:
		case OPT_PER_POLICY:
		case OPT_POLICY:
			if (parse_ulong(optarg, &v) || (opt != OPT_POLICY && !v) ||
			    (opt == OPT_PER_POLICY && v > 1000000)) {
				fprintf(stderr, "verify: bad number '%s'\n", optarg);
				return 2;
			}
			if (opt == OPT_PROBES)
				c.n_probes = v;
			else if (opt == OPT_PER_POLICY)
				c.per_policy = v;
			else
				c.only = v + 1;
			break;
		case OPT_SEED:
			if (parse_ulong(optarg, &v)) {
				fprintf(stderr, "verify: bad seed '%s'\n", optarg);
				return 2;
			}
			c.seed = v;
			have_seed = true;
			break;
		case OPT_KEEP:
			c.keep = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	c.build = argv[optind];
	if (!have_seed && env && *env) {
		unsigned long long s = strtoull(env, NULL, 0);

		c.seed = s;
		have_seed = true;
	}
	if (!have_seed) {
		clock_gettime(CLOCK_REALTIME, &t0);
		c.seed = test_mix64((uint64_t)t0.tv_sec ^ ((uint64_t)t0.tv_nsec << 20) ^
				    (uint64_t)getpid()) >>
			 1;
	}
	if (c.only)
		c.n_probes = c.per_policy;
	printf("verify: seed %" PRIu64 "\n", c.seed);
	fflush(stdout);

	/* Cleanup must run on ^C and kill too; no SA_RESTART, so a wait for
	 * a worker returns and the loop notices. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = setup(&c);
	next_progress = c.n_probes / 10;
	for (k = c.only ? c.only - 1 : 0; !ret && done < c.n_probes && !stop_sig; k++) {
		unsigned long n = c.n_probes - done;

		if (n > c.per_policy)
			n = c.per_policy;

		err = one_policy(&c, k, n);
		if (err < 0)
			ret = EXIT_FAIL;
		else if (err)
			ret = err;
		done += n;
		if (c.n_probes >= 1000000 && done >= next_progress && done < c.n_probes) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			printf("verify: %lu probes, %lu policies so far (%.0f s)\n", done,
			       c.st.policies, (double)(t1.tv_sec - t0.tv_sec));
			fflush(stdout);
			next_progress += c.n_probes / 10;
		}
	}
	if (stop_sig && !ret) {
		printf("verify: interrupted by signal %d\n", (int)stop_sig);
		ret = EXIT_FAIL;
	}
	if (cleanup(&c) && ret != EXIT_SKIP)
		ret = EXIT_FAIL;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (ret != EXIT_SKIP) {
		print_stats(&c, (double)(t1.tv_sec - t0.tv_sec) +
					(double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		printf("verify: %lu probes, %lu policies, %lu mismatches\n", c.st.probes,
		       c.st.policies, c.st.mismatches);
	}
	if (!ret && c.st.probes < c.n_probes)
		ret = EXIT_FAIL;
	return ret;
}
