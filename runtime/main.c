/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * jail-ai-block - attach a compiled jailpol policy to a cgroup, so the
 * kernel refuses the connections it denies.
 *
 * Verbs after bpftool's main.c: each has its own option table and help;
 * -h/--help and -V/--version work anywhere among a verb's options.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/sched.h>

#include "../bpf/templates/jail_abi.h"
#include "json.h"
#include "policy_read.h"
#include "sha256.h"
#include "cgroup.h"
#include "host.h"
#include "loader.h"
#include "monitor.h"
#include "oci.h"
#include "pins.h"
#include "probe.h"
#include "stats.h"
#include "store.h"
#include "watch.h"

/* Exit codes, as in jail-ai-block(8); exec returns the command's. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
};

struct verb;

struct opts {
	const struct verb *verb;
	const char *policy;
	const char *cgroup;
	const char *cgroup_parent;
	const char *policy_dir;     /* oci-hook */
	const char *default_policy; /* oci-hook */
	pid_t pid;
	uint64_t id;         /* --id: a cgroup id, 0 if not given */
	long resync;         /* watch --resync SECONDS, -1 if not given */
	bool once;           /* watch --once */
	bool audit;          /* attach, exec --audit */
	bool timing;         /* attach --timing */
	uint32_t event_rate; /* --event-rate, 0 if not given */
	uint64_t count;      /* monitor --count, 0 if not given */
	bool json;
	bool debug;
	char **cmd; /* what follows the options: exec's command */
};

struct verb {
	const char *name; /* NULL: the form without a verb, attach */
	int (*run)(const struct opts *o);
	const struct option *longopts; /* the short forms are the letters */
	const char *help;
	bool takes_cmd;       /* exec: the options end at the command */
	const char *cmd_hint; /* said when arguments follow a verb without */
};

static const char overview[] =
	"Usage: jail-ai-block --policy POLICY.BIN --cgroup PATH   (same as attach)\n"
	"       jail-ai-block attach --policy POLICY.BIN (--cgroup PATH | --pid PID) [--audit]\n"
	"       jail-ai-block exec --policy POLICY.BIN [--cgroup-parent DIR] [--audit] -- CMD...\n"
	"       jail-ai-block detach (--cgroup PATH | --pid PID | --id ID)\n"
	"       jail-ai-block status [--json]\n"
	"       jail-ai-block monitor [--cgroup PATH | --pid PID | --id ID] [--json] [--count N]\n"
	"       jail-ai-block stats [--cgroup PATH | --pid PID | --id ID] [--json]\n"
	"       jail-ai-block gc\n"
	"       jail-ai-block oci-hook [--policy-dir DIR] [--default-policy NAME] <STATE\n"
	"       jail-ai-block watch [--resync SECONDS] [--once]\n"
	"       jail-ai-block help [VERB]\n"
	"\n"
	"Options:\n"
	"  -p, --policy FILE        compiled policy (jailpolc -o)\n"
	"  -c, --cgroup PATH        cgroup v2 path, absolute or under the cgroup2 mount\n"
	"      --pid PID            the cgroup of a running process\n"
	"      --id ID              a jail by its cgroup id, the cgroup gone or not (detach)\n"
	"      --cgroup-parent DIR  where exec creates its cgroup (default: jailpol)\n"
	"      --audit              judge and report, refuse nothing (attach, exec)\n"
	"      --event-rate N       events per second of the jail (default 100)\n"
	"  -j, --json               JSON output (status, monitor, stats), errors as JSON\n"
	"  -d, --debug              libbpf and verifier logs (attach, exec)\n"
	"  -V, --version            print the version\n"
	"  -h, --help               this text\n"
	"\n"
	"'jail-ai-block VERB --help' lists the options of one verb.\n";

static const char attach_help[] =
	"Usage: jail-ai-block attach --policy POLICY.BIN (--cgroup PATH | --pid PID)\n"
	"                            [--audit] [--event-rate N] [--timing]\n"
	"\n"
	"Attach the policy to a cgroup; replace the policy of a jailed one in place.\n"
	"\n"
	"Options:\n"
	"  -p, --policy FILE   compiled policy (jailpolc -o)\n"
	"  -c, --cgroup PATH   cgroup v2 path, absolute or under the cgroup2 mount\n"
	"      --pid PID       the cgroup of a running process\n"
	"      --audit         judge and report every denial, refuse nothing (try a\n"
	"                      policy first); status says AUDIT\n"
	"      --event-rate N  events per second the jail may emit, 1-100000 (default\n"
	"                      100, and one second of them at once); the rest are\n"
	"                      counted as dropped\n"
	"      --timing        print how long each step took, on standard error\n"
	"  -j, --json          errors as JSON on standard output\n"
	"  -d, --debug         libbpf and verifier logs\n"
	"  -V, --version       print the version\n"
	"  -h, --help          this text\n";

static const char exec_help[] =
	"Usage: jail-ai-block exec --policy POLICY.BIN [--cgroup-parent DIR] [--audit]\n"
	"                          [--event-rate N] -- CMD [ARGS...]\n"
	"\n"
	"Run CMD in a fresh cgroup, jailed before CMD starts; remove it when CMD exits.\n"
	"\n"
	"Options:\n"
	"  -p, --policy FILE        compiled policy (jailpolc -o)\n"
	"      --cgroup-parent DIR  where the cgroup is created (default: jailpol)\n"
	"      --audit              judge and report every denial, refuse nothing\n"
	"      --event-rate N       events per second the jail may emit (default 100)\n"
	"  -d, --debug              libbpf and verifier logs\n"
	"  -V, --version            print the version\n"
	"  -h, --help               this text\n";

static const char detach_help[] =
	"Usage: jail-ai-block detach (--cgroup PATH | --pid PID | --id ID)\n"
	"\n"
	"Detach the jail of a cgroup and remove its pins.\n"
	"\n"
	"Options:\n"
	"  -c, --cgroup PATH   cgroup v2 path, absolute or under the cgroup2 mount\n"
	"      --pid PID       the cgroup of a running process\n"
	"      --id ID         the jail of cgroup id ID (as status shows it), the cgroup\n"
	"                      gone or not\n"
	"  -j, --json          errors as JSON on standard output\n"
	"  -V, --version       print the version\n"
	"  -h, --help          this text\n";

static const char status_help[] =
	"Usage: jail-ai-block status [--json]\n"
	"\n"
	"List jails: cgroup, state, policy, hash, hooks, since when.  The state is the\n"
	"kernel's: 'jailed'; 'gone' (the cgroup was removed: gc removes the jail);\n"
	"'interrupted' (an attach stopped before its switch: nothing is enforced);\n"
	"'AUDIT' (audit mode: denials are reported, nothing is refused).\n"
	"\n"
	"Options:\n"
	"  -j, --json      JSON output\n"
	"  -V, --version   print the version\n"
	"  -h, --help      this text\n";

static const char oci_hook_help[] =
	"Usage: jail-ai-block oci-hook [--policy-dir DIR] [--default-policy NAME] <STATE\n"
	"\n"
	"An OCI runtime hook (podman, CRI-O, runc) for the stages createRuntime and\n"
	"poststop; the container's state comes on standard input.  At createRuntime\n"
	"(status 'creating') it jails the cgroup of the state's pid, read from\n"
	"/proc/PID/cgroup, with DIR/NAME.bin: NAME from the container's annotation\n"
	"io.jailpol.policy=NAME, else --default-policy.  At poststop (status\n"
	"'stopped') it removes the jails of cgroups that are gone, as gc does.  Other\n"
	"stages are refused.  Any failure exits 1, so the runtime does not start the\n"
	"container.\n"
	"\n"
	"Options:\n"
	"      --policy-dir DIR       compiled policies by name (default: " JP_OCI_POLICY_DIR ")\n"
	"      --default-policy NAME  the policy of a container without the annotation\n"
	"  -d, --debug                libbpf and verifier logs\n"
	"  -V, --version              print the version\n"
	"  -h, --help                 this text\n";

static const char watch_help[] =
	"Usage: jail-ai-block watch [--resync SECONDS] [--once]\n"
	"\n"
	"Keep the 'host' set of every jail equal to the addresses of this network\n"
	"namespace's interfaces: an address added is denied from every jail at once,\n"
	"one removed is judged by the policy again.  Runs in the foreground until\n"
	"SIGTERM or SIGINT; SIGHUP reconciles every jail now.  Each change is logged\n"
	"to standard error; systemd is told READY=1 after the first reconcile.\n"
	"\n"
	"Options:\n"
	"      --resync SECONDS  reconcile every jail this often as well (default 60;\n"
	"                        0: only on address events)\n"
	"      --once            reconcile every jail once and exit\n"
	"  -V, --version         print the version\n"
	"  -h, --help            this text\n";

static const char monitor_help[] =
	"Usage: jail-ai-block monitor [--cgroup PATH | --pid PID | --id ID] [--json]\n"
	"                             [--count N]\n"
	"\n"
	"Print the jails' events as they happen, one line each, until SIGINT or\n"
	"SIGTERM: the verdicts of 'log' rules and, with 'log denials;' or in audit\n"
	"mode, every denial, with the deciding rule's file:line and text.  Sees jails\n"
	"attached before and after it starts; says how many events a jail's rate\n"
	"limit dropped.  One monitor runs at a time.\n"
	"\n"
	"Options:\n"
	"  -c, --cgroup PATH   only this jail's events (or those of a cgroup below it)\n"
	"      --pid PID       the same, for the cgroup of a running process\n"
	"      --id ID         the same, by cgroup id\n"
	"  -j, --json          one JSON object per line\n"
	"      --count N       exit after N events\n"
	"  -V, --version       print the version\n"
	"  -h, --help          this text\n";

static const char stats_help[] =
	"Usage: jail-ai-block stats [--cgroup PATH | --pid PID | --id ID] [--json]\n"
	"\n"
	"Per-rule verdict counters of each jail (summed over CPUs), with each rule's\n"
	"file:line and text, the default's count, and the events emitted and\n"
	"dropped.  The counters belong to the policy in force: a replace starts them\n"
	"at zero, and stats says since when it counts.\n"
	"\n"
	"Options:\n"
	"  -c, --cgroup PATH   only this jail\n"
	"      --pid PID       only the jail of a running process's cgroup\n"
	"      --id ID         only the jail of cgroup id ID\n"
	"  -j, --json          JSON output\n"
	"  -V, --version       print the version\n"
	"  -h, --help          this text\n";

static const char gc_help[] =
	"Usage: jail-ai-block gc\n"
	"\n"
	"Remove the jails of cgroups that no longer exist; safe to run at any time\n"
	"(the OCI hook runs it at poststop).\n"
	"\n"
	"Options:\n"
	"  -j, --json      errors as JSON on standard output\n"
	"  -V, --version   print the version\n"
	"  -h, --help      this text\n";

static bool json_errors;

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Errors: "jail-ai-block: ..." on stderr, or {"error": ...} in JSON mode. */
static int fail(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (json_errors) {
		pol_json_error(stdout, msg);
	} else {
		fprintf(stderr, "jail-ai-block: %s\n", msg);
	}
	return EXIT_FAIL;
}

static int usage_error(const struct opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "jail-ai-block: VERB: msg" and where to read the verb's usage. */
static int usage_error(const struct opts *o, const char *fmt, ...)
{
	const char *verb = o && o->verb ? o->verb->name : NULL;
	va_list ap;

	fprintf(stderr, "jail-ai-block: %s%s", verb ? verb : "", verb ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'jail-ai-block%s%s --help'.\n", verb ? " " : "", verb ? verb : "");
	return EXIT_USAGE;
}

/* The option getopt refused: its long name (without "=value") when it
 * was spelled long, else its letter. */
static int bad_option(const struct opts *o, char **argv, int opt)
{
	const char *arg = argv[optind - 1];
	int n = (int)strcspn(arg, "=");
	bool is_long = !strncmp(arg, "--", 2) && (opt == ':' || !optopt || arg[n]);

	if (opt == ':' && is_long)
		return usage_error(o, "option '%.*s' requires an argument", n, arg);
	if (opt == ':')
		return usage_error(o, "option '-%c' requires an argument", optopt);
	if (is_long && optopt)
		return usage_error(o, "option '%.*s' takes no argument", n, arg);
	if (is_long)
		return usage_error(o, "unrecognized option '%.*s'", n, arg);
	return usage_error(o, "unrecognized option '-%c'", optopt);
}

enum {
	OPT_PID = 256,
	OPT_PARENT,
	OPT_ID,
	OPT_POLICY_DIR,
	OPT_DEFAULT_POLICY,
	OPT_RESYNC,
	OPT_ONCE,
	OPT_AUDIT,
	OPT_EVENT_RATE,
	OPT_COUNT,
	OPT_TIMING
};

/* Each verb's option table is built from these entries; -h and -V go with
 * every verb.  (clang-format would split each one-line entry over four.) */
/* clang-format off */
#define OPT_POLICY  { "policy", required_argument, NULL, 'p' }
#define OPT_CGROUP  { "cgroup", required_argument, NULL, 'c' }
#define OPT_PID_    { "pid", required_argument, NULL, OPT_PID }
#define OPT_ID_     { "id", required_argument, NULL, OPT_ID }
#define OPT_PDIR    { "policy-dir", required_argument, NULL, OPT_POLICY_DIR }
#define OPT_PDEF    { "default-policy", required_argument, NULL, OPT_DEFAULT_POLICY }
#define OPT_PARENT_ { "cgroup-parent", required_argument, NULL, OPT_PARENT }
#define OPT_RESYNC_ { "resync", required_argument, NULL, OPT_RESYNC }
#define OPT_ONCE_   { "once", no_argument, NULL, OPT_ONCE }
#define OPT_AUDIT_  { "audit", no_argument, NULL, OPT_AUDIT }
#define OPT_RATE_   { "event-rate", required_argument, NULL, OPT_EVENT_RATE }
#define OPT_COUNT_  { "count", required_argument, NULL, OPT_COUNT }
#define OPT_TIMING_ { "timing", no_argument, NULL, OPT_TIMING }
#define OPT_JSON    { "json", no_argument, NULL, 'j' }
#define OPT_DEBUG   { "debug", no_argument, NULL, 'd' }
#define OPT_COMMON  { "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' }, \
		    { NULL, 0, NULL, 0 }

static const struct option attach_opts[] = {
	OPT_POLICY, OPT_CGROUP, OPT_PID_, OPT_AUDIT_, OPT_RATE_, OPT_TIMING_, OPT_JSON, OPT_DEBUG,
	OPT_COMMON
};
/* --cgroup and --pid are there to be refused with a reason, and so that
 * getopt does not take "--cgroup" for an abbreviation of --cgroup-parent. */
static const struct option exec_opts[] = {
	OPT_POLICY, OPT_PARENT_, OPT_CGROUP, OPT_PID_, OPT_AUDIT_, OPT_RATE_, OPT_DEBUG, OPT_COMMON
};
static const struct option detach_opts[] = {
	OPT_CGROUP, OPT_PID_, OPT_ID_, OPT_JSON, OPT_COMMON
};
static const struct option status_opts[] = { OPT_JSON, OPT_COMMON };
static const struct option gc_opts[] = { OPT_JSON, OPT_COMMON };
static const struct option monitor_opts[] = {
	OPT_CGROUP, OPT_PID_, OPT_ID_, OPT_JSON, OPT_COUNT_, OPT_COMMON
};
static const struct option stats_opts[] = { OPT_CGROUP, OPT_PID_, OPT_ID_, OPT_JSON, OPT_COMMON };
static const struct option oci_hook_opts[] = { OPT_PDIR, OPT_PDEF, OPT_DEBUG, OPT_COMMON };
static const struct option watch_opts[] = { OPT_RESYNC_, OPT_ONCE_, OPT_COMMON };
/* clang-format on */

enum { PARSED = -1 };

static int parse_pid(const struct opts *o, const char *s, pid_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v > INT_MAX)
		return usage_error(o, "--pid takes a process id");
	*out = (pid_t)v;
	return PARSED;
}

static int parse_id(const struct opts *o, const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || !v || s[0] < '0' || s[0] > '9')
		return usage_error(
			o, "--id takes a cgroup id (a positive number, as status shows it)");
	*out = v;
	return PARSED;
}

static int parse_resync(const struct opts *o, const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > 86400 || s[0] < '0' || s[0] > '9')
		return usage_error(o, "--resync takes a number of seconds, 0 to 86400 "
				      "(0: only on address events)");
	*out = v;
	return PARSED;
}

/* getopt's short options for a verb, from its long ones: each letter
 * (with ':' if it takes an argument), after ':' (report a missing
 * argument as such) and, for exec, '+' (the options end at the command). */
/* A decimal number in [min, max] for option name. */
static int parse_count(const struct opts *o, const char *name, const char *s, uint64_t min,
		       uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		return usage_error(o, "%s takes a number from %llu to %llu, not '%s'", name,
				   (unsigned long long)min, (unsigned long long)max, s);
	*out = v;
	return PARSED;
}

static void short_opts(const struct verb *v, char *buf, size_t len)
{
	const struct option *lo;
	size_t n = 0;

	if (v->takes_cmd)
		buf[n++] = '+';
	buf[n++] = ':';
	for (lo = v->longopts; lo->name && n + 3 <= len; lo++) {
		if (lo->val >= 256)
			continue;
		buf[n++] = (char)lo->val;
		if (lo->has_arg == required_argument)
			buf[n++] = ':';
	}
	buf[n] = '\0';
}

/* The options of verb v (argv[0] is the verb); PARSED, or an exit code
 * once --help, --version or an error is printed. */
static int parse_opts(const struct verb *v, int argc, char **argv, struct opts *o)
{
	int opt, ret = PARSED;
	char shortopts[32];
	uint64_t v64;

	short_opts(v, shortopts, sizeof(shortopts));
	o->verb = v;
	opterr = 0;
	optind = 1;
	while (ret == PARSED &&
	       (opt = getopt_long(argc, argv, shortopts, v->longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(v->help, stdout);
			return EXIT_OK;
		case 'V':
			printf("jail-ai-block %s (policy.bin format %d)\n", JAILPOL_VERSION,
			       POL_FORMAT_VERSION);
			return EXIT_OK;
		case 'p':
			o->policy = optarg;
			break;
		case 'c':
			o->cgroup = optarg;
			break;
		case OPT_PID:
			ret = parse_pid(o, optarg, &o->pid);
			break;
		case OPT_ID:
			ret = parse_id(o, optarg, &o->id);
			break;
		case OPT_PARENT:
			o->cgroup_parent = optarg;
			break;
		case OPT_POLICY_DIR:
			o->policy_dir = optarg;
			break;
		case OPT_DEFAULT_POLICY:
			o->default_policy = optarg;
			break;
		case OPT_RESYNC:
			ret = parse_resync(o, optarg, &o->resync);
			break;
		case OPT_ONCE:
			o->once = true;
			break;
		case OPT_AUDIT:
			o->audit = true;
			break;
		case OPT_TIMING:
			o->timing = true;
			break;
		case OPT_EVENT_RATE:
			ret = parse_count(o, "--event-rate", optarg, 1, JAIL_EV_RATE_MAX, &v64);
			o->event_rate = (uint32_t)v64;
			break;
		case OPT_COUNT:
			ret = parse_count(o, "--count", optarg, 1, UINT64_MAX, &o->count);
			break;
		case 'j':
			o->json = true;
			break;
		case 'd':
			o->debug = true;
			break;
		default:
			return bad_option(o, argv, opt);
		}
	}
	if (ret != PARSED)
		return ret;
	o->cmd = argv + optind;
	if (!v->takes_cmd && o->cmd[0])
		return usage_error(o, "unexpected argument '%s'%s", o->cmd[0],
				   v->cmd_hint ? v->cmd_hint : "");
	return PARSED;
}

/* Find and open the cgroup the user named with --cgroup or --pid. */
static int target_cgroup(const struct opts *o, struct jp_cgroup *cg)
{
	char mount[PATH_MAX], err[512], rel[PATH_MAX];

	if (jp_cgroup2_mount(mount, sizeof(mount), err, sizeof(err)))
		return fail("%s", err);
	if (!!o->cgroup == !!o->pid)
		return usage_error(
			o, "name the cgroup with exactly one of --cgroup PATH or --pid PID");
	if (o->pid) {
		if (jp_cgroup_of_pid(o->pid, rel, sizeof(rel), err, sizeof(err)))
			return fail("%s", err);
		if (jp_cgroup_open(mount, rel[0] == '/' ? rel + 1 : rel, cg, err, sizeof(err)))
			return fail("%s", err);
		return EXIT_OK;
	}
	if (jp_cgroup_open(mount, o->cgroup, cg, err, sizeof(err)))
		return fail("%s", err);
	return EXIT_OK;
}

/* The exclusive lock on the pin root (pins.h): the lock's fd, or -1 with
 * a message printed. */
static int lock_pins(void)
{
	char err[512];
	int fd = jp_pins_lock(err, sizeof(err));

	if (fd < 0)
		fail("%s", err);
	return fd;
}

/* What the policy needs to know of the host: its addresses for the
 * 'host' set, its netns cookie for 'netns host' rules. */
static int learn_host(const struct pol_tables *t, struct jp_hosts *hosts, uint64_t *cookie)
{
	char err[1024];

	if ((t->consts.flags & POL_CF_USES_HOST) && jp_host_addrs(hosts, err, sizeof(err)))
		return fail("cannot list the host's addresses for the 'host' set: %s", err);
	/* Also the owner of the host set (hostset.h), which watch checks;
	 * unknown (0) on a kernel without SO_NETNS_COOKIE (before 5.14). */
	if (jp_host_netns_cookie(cookie, err, sizeof(err))) {
		if (t->consts.flags & POL_CF_USES_SCOPE)
			return fail("%s", err);
		*cookie = 0;
	}
	return EXIT_OK;
}

static void say_attached(const struct jp_cgroup *cg, const struct pol_tables *t,
			 const struct jp_attach_result *res, size_t n_hosts)
{
	char hash[65], revoked[48];

	pol_hex(hash, t->content_hash, 6);
	if (!res->swept)
		revoked[0] = '\0';
	else
		snprintf(revoked, sizeof(revoked), ", %u socket%s revoked", res->revoked,
			 res->revoked == 1 ? "" : "s");
	if (res->replaced)
		fprintf(stderr, "jail-ai-block: cgroup '%s': policy replaced by '%s' (%s)%s\n",
			cg->rel, pol_tables_string(t, t->source_name), hash, revoked);
	else
		fprintf(stderr,
			"jail-ai-block: cgroup '%s' jailed by '%s' (%s), %zu host addresses%s\n",
			cg->rel, pol_tables_string(t, t->source_name), hash, n_hosts, revoked);
	if (res->audit)
		fprintf(stderr,
			"jail-ai-block: cgroup '%s': AUDIT mode: denials are reported (jail-ai-block "
			"monitor), nothing is refused\n",
			cg->rel);
	if (res->not_revoked[0])
		fprintf(stderr,
			"jail-ai-block: cgroup '%s': warning: sockets connected before this "
			"policy were not revoked: %s\n",
			cg->rel, res->not_revoked);
}

static int keep_in_force(const uint8_t hash[32], void *arg);

/* CLOCK_MONOTONIC in milliseconds. */
static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* attach --timing: each step, then the whole attach, in milliseconds. */
static void say_timing(const struct jp_attach_result *r, double read_ms, double store_ms,
		       double total_ms)
{
	fprintf(stderr,
		"jail-ai-block: timing read=%.3fms store=%.3fms open=%.3fms load=%.3fms "
		"fill=%.3fms attach=%.3fms switch=%.3fms revoke=%.3fms finish=%.3fms "
		"total=%.3fms\n",
		read_ms, store_ms, (double)r->open_ns / 1e6, (double)r->load_ns / 1e6,
		(double)r->fill_ns / 1e6, (double)r->attach_ns / 1e6, (double)r->switch_ns / 1e6,
		(double)r->revoke_ns / 1e6, (double)r->finish_ns / 1e6, total_ms);
}

/* What no jail uses any more: the events pin with the last jail, the
 * kept policies no jail has in force.  Under the pin root's lock. */
static void tidy(void)
{
	jp_pins_tidy();
	jp_store_prune(keep_in_force, NULL);
}

/* Read the policy, learn the host, load and attach.  Fail closed: on any
 * error nothing new is attached. */
static int attach_cgroup(const struct opts *o, struct jp_cgroup *cg, bool cgroup_new)
{
	struct pol_tables t = { 0 };
	struct jp_hosts hosts = { 0 };
	struct jp_load_opts lo = { 0 };
	char err[1024], pin_dir[PATH_MAX];
	struct jp_attach_result res;
	double t_start = now_ms(), t_read, t_store = 0;
	int ret = EXIT_FAIL, lock = -1;

	if (!o->policy)
		return usage_error(o, "--policy POLICY.BIN is required");
	if (!strcmp(cg->rel, "/"))
		return fail("refusing to jail the root cgroup: that would jail every process "
			    "on the host; name a container's cgroup");
	t_read = now_ms();
	if (pol_read_file(o->policy, &t, err, sizeof(err)))
		return fail("%s", err);
	t_read = now_ms() - t_read;
	if (jp_probe_kernel(err, sizeof(err)) ||
	    jp_probe_policy(&t, pol_tables_string(&t, t.source_name), err, sizeof(err)) ||
	    jp_pins_prepare(err, sizeof(err))) {
		fail("%s", err);
		goto cleanup;
	}
	lock = lock_pins();
	if (lock < 0 || learn_host(&t, &hosts, &lo.host_netns_cookie))
		goto cleanup;
	/* Before the switch: an event of this policy can be named at once. */
	t_store = now_ms();
	if (jp_store_put(&t, err, sizeof(err)))
		fprintf(stderr,
			"jail-ai-block: warning: cannot keep a copy of the policy: %s; monitor and "
			"stats will name its rules by number\n",
			err);
	t_store = now_ms() - t_store;
	jp_pin_dir(cg->id, pin_dir, sizeof(pin_dir));
	lo.policy = &t;
	lo.hosts = &hosts;
	lo.cgroup_fd = cg->fd;
	lo.cgroup_id = cg->id;
	lo.cgroup_rel = cg->rel;
	lo.policy_path = o->policy;
	lo.pin_dir = pin_dir;
	lo.debug = o->debug;
	lo.cgroup_new = cgroup_new;
	lo.audit = o->audit;
	lo.event_rate = o->event_rate;
	if (jp_load_attach(&lo, &res, err, sizeof(err))) {
		fail("cgroup '%s': %s", cg->rel, err);
		tidy();
		goto cleanup;
	}
	say_attached(cg, &t, &res, hosts.n);
	if (o->timing)
		say_timing(&res, t_read, t_store, now_ms() - t_start);
	ret = EXIT_OK;
cleanup:
	if (lock >= 0)
		close(lock);
	jp_hosts_free(&hosts);
	pol_tables_free(&t);
	return ret;
}

static int cmd_attach(const struct opts *o)
{
	struct jp_cgroup cg = { .fd = -1 };
	int ret;

	ret = target_cgroup(o, &cg);
	if (ret)
		return ret;
	ret = attach_cgroup(o, &cg, false);
	jp_cgroup_close(&cg);
	return ret;
}

/* Detach the jail pinned at pin_dir, under the lock; name is what the
 * messages call it. */
static int detach_dir(const char *pin_dir, const char *name)
{
	char err[512];
	int ret = EXIT_OK, lock = -1;

	if (!access(JP_PIN_ROOT, F_OK) && (lock = lock_pins()) < 0)
		return EXIT_FAIL;
	if (jp_detach_pinned(pin_dir, err, sizeof(err)))
		ret = fail("%s: %s", name, err);
	else
		fprintf(stderr, "jail-ai-block: %s released\n", name);
	if (lock >= 0)
		tidy();
	if (lock >= 0)
		close(lock);
	return ret;
}

static int cmd_detach(const struct opts *o)
{
	char pin_dir[PATH_MAX], name[PATH_MAX + 16];
	struct jp_cgroup cg = { .fd = -1 };
	int ret;

	/* By id: the jail of a cgroup that may be gone. */
	if (o->id || (!o->cgroup && !o->pid)) {
		if (o->cgroup || o->pid || !o->id)
			return usage_error(o, "name the jail with exactly one of --cgroup PATH, "
					      "--pid PID or --id ID");
		jp_pin_dir(o->id, pin_dir, sizeof(pin_dir));
		snprintf(name, sizeof(name), "cgroup id %llu", (unsigned long long)o->id);
		return detach_dir(pin_dir, name);
	}
	ret = target_cgroup(o, &cg);
	if (ret)
		return ret;
	jp_pin_dir(cg.id, pin_dir, sizeof(pin_dir));
	snprintf(name, sizeof(name), "cgroup '%s'", cg.rel);
	ret = detach_dir(pin_dir, name);
	jp_cgroup_close(&cg);
	return ret;
}

static void format_time(char *buf, size_t len, uint64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The cgroup id a pin directory "cg-<id>" is for; 0 if name is not one. */
static uint64_t pin_dir_id(const char *name)
{
	const char *digits = name + strlen(JP_PIN_DIR_PREFIX);
	unsigned long long v;
	char *end;

	if (strncmp(name, JP_PIN_DIR_PREFIX, strlen(JP_PIN_DIR_PREFIX)) || *digits < '0' ||
	    *digits > '9')
		return 0;
	errno = 0;
	v = strtoull(digits, &end, 10);
	return errno || *end ? 0 : v;
}

/*
 * One jail as status shows it: what its pins say, checked against the
 * kernel.  The cgroup is the live one's path when it exists (the kernel's
 * answer for the id), else the path recorded at attach.
 */
struct jail_row {
	uint64_t id;       /* from the directory name: what the pins are keyed by */
	const char *state; /* "jailed", "gone", "interrupted", "unknown" */
	bool have_info;    /* info holds the policy in force */
	struct jp_info info;
	char cgroup[PATH_MAX];
	uint64_t path_now_id; /* gone: the cgroup now at the recorded path, or 0 */
	bool path_now_jailed;
	const char *pin_dir;
};

/* Whether the cgroup with this id has a policy in force. */
static bool has_jail(uint64_t id)
{
	char pin_dir[PATH_MAX];
	struct jp_info info;

	return !jp_pin_dir(id, pin_dir, sizeof(pin_dir)) && !jp_read_info(pin_dir, &info, NULL, 0);
}

/* Fill row for the pin directory of cgroup id; -1 to skip it (not a jail
 * this runtime reads: said on stderr when it matters). */
static int read_row(const char *mount, const char *pin_dir, uint64_t id, struct jail_row *row)
{
	char err[PATH_MAX + 128];
	struct jp_cgroup now = { .fd = -1 };
	int ret;

	memset(row, 0, sizeof(*row));
	row->id = id;
	row->pin_dir = pin_dir;
	ret = jp_read_info(pin_dir, &row->info, err, sizeof(err));
	/* A newer runtime's jail, or one of another layout: say so. */
	if (ret == -EPROTONOSUPPORT || ret == -EPROTO)
		fprintf(stderr, "jail-ai-block: %s, ignoring\n", err);
	if (ret && ret != -EINPROGRESS)
		return -1;
	row->have_info = !ret;
	row->info.source[sizeof(row->info.source) - 1] = '\0';
	row->info.policy_path[sizeof(row->info.policy_path) - 1] = '\0';
	row->info.cgroup[sizeof(row->info.cgroup) - 1] = '\0';
	snprintf(row->cgroup, sizeof(row->cgroup), "%s", row->have_info ? row->info.cgroup : "?");
	ret = jp_cgroup_by_id(mount, id, row->cgroup, sizeof(row->cgroup));
	if (ret == -ESTALE) {
		row->state = "gone";
		if (row->have_info &&
		    !jp_cgroup_open(mount, row->info.cgroup, &now, err, sizeof(err))) {
			row->path_now_id = now.id;
			row->path_now_jailed = has_jail(now.id);
			jp_cgroup_close(&now);
		}
	} else if (ret) {
		fprintf(stderr, "jail-ai-block: cannot look up cgroup id %llu: %s\n",
			(unsigned long long)id, strerror(-ret));
		row->state = "unknown";
	} else if (!row->have_info) {
		row->state = "interrupted";
	} else {
		/* Loud: a jail that refuses nothing must never read as jailed. */
		row->state = JP_INFO_AUDIT(&row->info) ? "AUDIT" : "jailed";
	}
	return 0;
}

struct keep_ctx {
	const uint8_t *hash;
	bool found;
};

static int keep_one(const char *pin_dir, const char *name, void *arg)
{
	struct keep_ctx *k = arg;
	struct jp_info info;

	(void)name;
	if (!jp_read_info(pin_dir, &info, NULL, 0) &&
	    !memcmp(info.content_hash, k->hash, sizeof(info.content_hash)))
		k->found = true;
	return k->found;
}

/* Whether some jail has the policy of this hash in force. */
static int keep_in_force(const uint8_t hash[32], void *arg)
{
	struct keep_ctx k = { hash, false };

	(void)arg;
	jp_pin_dir_foreach(JP_PIN_ROOT, JP_PIN_DIR_PREFIX, keep_one, &k);
	return k.found;
}

static void status_json(struct pol_json *j, const struct jail_row *row)
{
	const struct jp_info *info = &row->info;
	char when[64], hash[65], hashname[80];
	int h;

	pol_json_object_begin(j);
	pol_json_str_field(j, "cgroup", row->cgroup);
	pol_json_uint_field(j, "cgroup_id", row->id);
	pol_json_str_field(j, "state", row->state);
	pol_json_name(j, "path_now");
	if (row->path_now_id) {
		pol_json_object_begin(j);
		pol_json_uint_field(j, "cgroup_id", row->path_now_id);
		pol_json_bool_field(j, "jailed", row->path_now_jailed);
		pol_json_object_end(j);
	} else {
		pol_json_null(j);
	}
	pol_json_str_field(j, "pins", row->pin_dir);
	if (!row->have_info) {
		pol_json_object_end(j);
		return;
	}
	pol_hex(hash, info->content_hash, sizeof(info->content_hash));
	snprintf(hashname, sizeof(hashname), "sha256:%s", hash);
	pol_json_str_field(j, "policy", info->source);
	pol_json_str_field(j, "policy_file", info->policy_path);
	pol_json_str_field(j, "hash", hashname);
	pol_json_str_field(j, "mode", JP_INFO_AUDIT(info) ? "audit" : "enforce");
	pol_json_name(j, "hooks");
	pol_json_array_begin(j);
	for (h = 0; h < JP_HOOK_MAX; h++)
		if (info->hooks & (1u << h))
			pol_json_string(j, jp_hook_name(h));
	pol_json_array_end(j);
	pol_json_uint_field(j, "host_addresses", info->n_hosts);
	format_time(when, sizeof(when), info->attached_at);
	pol_json_str_field(j, "attached_at", when);
	pol_json_name(j, "replaced_at");
	if (info->replaced_at) {
		format_time(when, sizeof(when), info->replaced_at);
		pol_json_string(j, when);
	} else {
		pol_json_null(j);
	}
	pol_json_object_end(j);
}

static void status_text(const struct jail_row *row)
{
	const struct jp_info *info = &row->info;
	char hash[65] = "-", when[64] = "-";
	int h, n_hooks = 0;

	if (row->have_info) {
		pol_hex(hash, info->content_hash, sizeof(info->content_hash));
		for (h = 0; h < JP_HOOK_MAX; h++)
			n_hooks += !!(info->hooks & (1u << h));
		format_time(when, sizeof(when), info->attached_at);
	}
	printf("%-36s %-11s %-24s %-12.12s %-5d %s", row->cgroup, row->state,
	       row->have_info ? info->source : "-", hash, n_hooks, when);
	if (row->have_info && info->replaced_at) {
		format_time(when, sizeof(when), info->replaced_at);
		printf(" (replaced %s)", when);
	}
	if (row->path_now_id)
		printf(" (path now cgroup %llu, %s)", (unsigned long long)row->path_now_id,
		       row->path_now_jailed ? "jailed" : "not jailed");
	if (row->have_info && JP_INFO_AUDIT(info))
		printf(" AUDIT: reports denials, refuses nothing");
	putchar('\n');
}

struct status_ctx {
	struct pol_json j;
	bool json;
	const char *mount;
};

/* One line, or one JSON object, per jail. */
static int status_one(const char *pin_dir, const char *name, void *arg)
{
	struct status_ctx *c = arg;
	uint64_t id = pin_dir_id(name);
	struct jail_row row;

	if (!id || read_row(c->mount, pin_dir, id, &row))
		return 0;
	if (c->json)
		status_json(&c->j, &row);
	else
		status_text(&row);
	return 0;
}

static int cmd_status(const struct opts *o)
{
	char mount[PATH_MAX], err[512];
	struct status_ctx c = { .json = o->json, .mount = mount };

	if (jp_cgroup2_mount(mount, sizeof(mount), err, sizeof(err)))
		return fail("%s", err);
	pol_json_init(&c.j, stdout);
	if (o->json)
		pol_json_array_begin(&c.j);
	else
		printf("%-36s %-11s %-24s %-12s %-5s %s\n", "CGROUP", "STATE", "POLICY", "HASH",
		       "HOOKS", "SINCE");
	/* No pin root: nothing is jailed. */
	jp_pin_dir_foreach(JP_PIN_ROOT, JP_PIN_DIR_PREFIX, status_one, &c);
	if (o->json)
		pol_json_array_end(&c.j);
	return EXIT_OK;
}

struct gc_ctx {
	const char *mount;
	int failed;
};

/* Remove the jail of one cgroup if the kernel says it is gone. */
static int gc_one(const char *pin_dir, const char *name, void *arg)
{
	struct gc_ctx *c = arg;
	uint64_t id = pin_dir_id(name);
	char rel[PATH_MAX], err[PATH_MAX + 128];
	struct jp_info info;
	int ret;

	if (!id)
		return 0;
	ret = jp_cgroup_by_id(c->mount, id, rel, sizeof(rel));
	if (!ret)
		return 0;
	if (ret != -ESTALE) {
		fail("cannot tell whether cgroup id %llu exists: %s; keeping its jail",
		     (unsigned long long)id, strerror(-ret));
		c->failed++;
		return 0;
	}
	if (jp_read_info(pin_dir, &info, NULL, 0))
		snprintf(info.cgroup, sizeof(info.cgroup), "?");
	info.cgroup[sizeof(info.cgroup) - 1] = '\0';
	if (jp_detach_pinned(pin_dir, err, sizeof(err))) {
		fail("cgroup id %llu: %s", (unsigned long long)id, err);
		c->failed++;
		return 0;
	}
	fprintf(stderr,
		"jail-ai-block: removed the jail of cgroup '%s' (id %llu): the cgroup is gone\n",
		info.cgroup, (unsigned long long)id);
	return 0;
}

/* Remove every jail whose cgroup is gone (by id, the kernel's answer). */
static int run_gc(void)
{
	char mount[PATH_MAX], err[512];
	struct gc_ctx c = { .mount = mount };
	int lock;

	if (jp_cgroup2_mount(mount, sizeof(mount), err, sizeof(err)))
		return fail("%s", err);
	if (access(JP_PIN_ROOT, F_OK))
		return EXIT_OK;
	lock = lock_pins();
	if (lock < 0)
		return EXIT_FAIL;
	jp_pin_dir_foreach(JP_PIN_ROOT, JP_PIN_DIR_PREFIX, gc_one, &c);
	tidy();
	close(lock);
	return c.failed ? EXIT_FAIL : EXIT_OK;
}

static int cmd_gc(const struct opts *o)
{
	(void)o;
	return run_gc();
}

/* All of stdin, up to max bytes; more is refused.  A malloc'd buffer in
 * *out, or -errno. */
static int read_all(int fd, size_t max, char **out, size_t *len)
{
	size_t n = 0, cap = 4096;
	char *buf = malloc(cap), *p;
	ssize_t r;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (n == cap) {
			if (cap > max) {
				free(buf);
				return -EFBIG;
			}
			p = realloc(buf, cap * 2);
			if (!p) {
				free(buf);
				return -ENOMEM;
			}
			buf = p;
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
	if (n > max) {
		free(buf);
		return -EFBIG;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* createRuntime: the container's first process is waiting in its own
 * cgroup; jail that cgroup with the policy the container is given. */
static int hook_create(const struct opts *o, const struct jp_oci_state *st)
{
	char mount[PATH_MAX], err[512], rel[PATH_MAX], own[PATH_MAX], path[PATH_MAX];
	const char *dir = o->policy_dir ? o->policy_dir : JP_OCI_POLICY_DIR;
	const char *name = st->has_policy ? st->policy : o->default_policy;
	struct jp_cgroup cg = { .fd = -1 };
	struct opts po = *o;
	int ret;

	if (!st->pid)
		return fail("container '%s': the state has no pid: is this createRuntime?", st->id);
	if (!name)
		return fail("container '%s' has no annotation %s=NAME and the hook has no "
			    "--default-policy NAME: not starting it unjailed",
			    st->id, JP_OCI_ANNOTATION);
	if (!st->has_policy && jp_oci_name_check(name, err, sizeof(err)))
		return fail("--default-policy: %s", err);
	if (jp_oci_policy_path(dir, name, path, sizeof(path)))
		return fail("--policy-dir '%s' is too long", dir);
	if (jp_cgroup2_mount(mount, sizeof(mount), err, sizeof(err)) ||
	    jp_cgroup_of_pid(st->pid, rel, sizeof(rel), err, sizeof(err)))
		return fail("container '%s': %s", st->id, err);
	/* A container run without a cgroup of its own (podman
	 * --cgroups=disabled) shares the runtime's: jailing it would jail the
	 * runtime and whatever else lives there. */
	if (!jp_cgroup_of_pid(getpid(), own, sizeof(own), err, sizeof(err)) && !strcmp(own, rel))
		return fail("container '%s' has no cgroup of its own (it is in the runtime's, "
			    "'%s'): refusing to jail that; give the container its own cgroup",
			    st->id, rel);
	if (jp_cgroup_open(mount, rel, &cg, err, sizeof(err)))
		return fail("container '%s': %s", st->id, err);
	po.policy = path;
	ret = attach_cgroup(&po, &cg, false);
	jp_cgroup_close(&cg);
	return ret;
}

static int cmd_oci_hook(const struct opts *o)
{
	struct jp_oci_state st;
	char err[512], *text = NULL;
	size_t len = 0;
	int ret;

	ret = read_all(STDIN_FILENO, JP_OCI_STATE_MAX, &text, &len);
	if (ret == -EFBIG)
		return fail("the container state on stdin is longer than %d bytes",
			    JP_OCI_STATE_MAX);
	if (ret)
		return fail("cannot read the container state on stdin: %s", strerror(-ret));
	ret = jp_oci_state_parse(text, len, &st, err, sizeof(err));
	free(text);
	if (ret)
		return fail("%s", err);
	if (!strcmp(st.status, "creating"))
		return hook_create(o, &st);
	if (!strcmp(st.status, "stopped"))
		return run_gc();
	return fail("container '%s' is '%s': oci-hook runs at createRuntime (status 'creating') "
		    "and poststop ('stopped'); remove this stage from the hook's configuration",
		    st.id, st.status);
}

static volatile sig_atomic_t child_pid;

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

/* Start cmd already inside the cgroup: clone3(CLONE_INTO_CGROUP) puts the
 * child there atomically; on older kernels the child moves itself before
 * it execs.  Either way, not one instruction of cmd runs unjailed. */
static pid_t spawn_in_cgroup(const struct jp_cgroup *cg, char **cmd)
{
	struct clone_args args = {
		.flags = CLONE_INTO_CGROUP,
		.exit_signal = SIGCHLD,
		.cgroup = (uint64_t)cg->fd,
	};
	pid_t pid;

	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && (errno == ENOSYS || errno == E2BIG || errno == EINVAL)) {
		pid = fork();
		if (pid == 0) {
			char path[PATH_MAX + 16];
			FILE *f;

			snprintf(path, sizeof(path), "%s/cgroup.procs", cg->abs);
			f = fopen(path, "we");
			if (!f || fprintf(f, "0\n") < 0 || fclose(f) != 0) {
				fprintf(stderr, "jail-ai-block: cannot enter cgroup '%s': %s\n",
					cg->rel, strerror(errno));
				_exit(126);
			}
		}
	}
	if (pid == 0) {
		execvp(cmd[0], cmd);
		fprintf(stderr, "jail-ai-block: cannot run '%s': %s\n", cmd[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	return pid;
}

/* Run cmd in cg, passing signals on; its exit code, 128 + the signal that
 * ended it, or EXIT_FAIL with a message. */
static int run_jailed(const struct jp_cgroup *cg, char **cmd)
{
	struct sigaction sa = { .sa_handler = forward_signal };
	int status, sig;
	pid_t pid, w;

	for (sig = 1; sig < NSIG; sig++)
		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT)
			sigaction(sig, &sa, NULL);
	fflush(NULL);
	pid = spawn_in_cgroup(cg, cmd);
	if (pid < 0)
		return fail("cannot start '%s': %s", cmd[0], strerror(errno));
	child_pid = pid;
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (w < 0)
		return fail("cannot wait for '%s': %s", cmd[0], strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int cmd_exec(const struct opts *o)
{
	char mount[PATH_MAX], err[512], pin_dir[PATH_MAX];
	struct jp_cgroup cg = { .fd = -1 };
	int ret, lock;

	if (o->cgroup || o->pid)
		return usage_error(o, "--cgroup and --pid do not apply: exec creates its own "
				      "cgroup; use --cgroup-parent to place it");
	if (!o->cmd[0])
		return usage_error(o, "a command is required: exec --policy P -- CMD [ARGS...]");
	if (!o->policy)
		return usage_error(o, "--policy POLICY.BIN is required");
	if (jp_cgroup2_mount(mount, sizeof(mount), err, sizeof(err)))
		return fail("%s", err);
	if (jp_cgroup_create(mount, o->cgroup_parent ? o->cgroup_parent : "jailpol", "exec", &cg,
			     err, sizeof(err)))
		return fail("%s", err);
	ret = attach_cgroup(o, &cg, true);
	if (ret) {
		jp_cgroup_destroy(&cg);
		return ret;
	}
	jp_pin_dir(cg.id, pin_dir, sizeof(pin_dir));
	ret = run_jailed(&cg, o->cmd);
	/* The jail goes with the command: no process is left in the cgroup
	 * when its programs are detached. */
	if (jp_cgroup_destroy(&cg) < 0)
		fprintf(stderr, "jail-ai-block: cannot remove cgroup '%s'\n", cg.abs);
	lock = jp_pins_lock(err, sizeof(err));
	if (jp_detach_pinned(pin_dir, err, sizeof(err)))
		fprintf(stderr, "jail-ai-block: %s\n", err);
	if (lock >= 0) {
		tidy();
		close(lock);
	}
	return ret;
}

static int cmd_watch(const struct opts *o)
{
	struct jp_watch_opts wo = {
		.resync_s = o->resync < 0 ? JP_WATCH_RESYNC_DEFAULT : (unsigned int)o->resync,
		.once = o->once,
	};

	return jp_watch(&wo) ? EXIT_FAIL : EXIT_OK;
}

/* The jail --cgroup, --pid or --id names for monitor and stats, 0 for
 * all. */
static int jail_filter(const struct opts *o, uint64_t *id, char *name, size_t len)
{
	struct jp_cgroup cg = { .fd = -1 };
	int ret;

	*id = o->id;
	snprintf(name, len, "cgroup id %llu", (unsigned long long)o->id);
	if (!!o->cgroup + !!o->pid + !!o->id > 1)
		return usage_error(o,
				   "name the jail with one of --cgroup PATH, --pid PID or --id ID");
	if (!o->cgroup && !o->pid)
		return EXIT_OK;
	ret = target_cgroup(o, &cg);
	if (!ret) {
		*id = cg.id;
		snprintf(name, len, "cgroup '%s'", cg.rel);
	}
	jp_cgroup_close(&cg);
	return ret;
}

static int cmd_monitor(const struct opts *o)
{
	char mount[PATH_MAX], err[512];
	struct jp_monitor_opts mo = { .mount = mount, .json = o->json, .count = o->count };
	int ret;

	if (jp_cgroup2_mount(mount, sizeof(mount), err, sizeof(err)))
		return fail("%s", err);
	ret = jail_filter(o, &mo.jail_id, err, sizeof(err));
	if (ret)
		return ret;
	return jp_monitor(&mo) ? EXIT_FAIL : EXIT_OK;
}

static int cmd_stats(const struct opts *o)
{
	char mount[PATH_MAX], err[1024], name[PATH_MAX + 16];
	struct jp_stats_opts so = { .mount = mount, .json = o->json };
	int ret;

	if (jp_cgroup2_mount(mount, sizeof(mount), err, sizeof(err)))
		return fail("%s", err);
	ret = jail_filter(o, &so.jail_id, name, sizeof(name));
	if (ret)
		return ret;
	ret = jp_stats(&so, err, sizeof(err));
	if (ret == -ENOENT)
		return fail("%s is not jailed", name);
	if (ret)
		return fail("%s", err);
	return EXIT_OK;
}

static const struct verb verbs[] = {
	{ "attach", cmd_attach, attach_opts, attach_help, false,
	  "; to run a command in a jail, use exec" },
	{ "exec", cmd_exec, exec_opts, exec_help, true, NULL },
	{ "detach", cmd_detach, detach_opts, detach_help, false, NULL },
	{ "status", cmd_status, status_opts, status_help, false, NULL },
	{ "monitor", cmd_monitor, monitor_opts, monitor_help, false, NULL },
	{ "stats", cmd_stats, stats_opts, stats_help, false, NULL },
	{ "gc", cmd_gc, gc_opts, gc_help, false, NULL },
	{ "oci-hook", cmd_oci_hook, oci_hook_opts, oci_hook_help, false, NULL },
	{ "watch", cmd_watch, watch_opts, watch_help, false, NULL },
};

/* "jail-ai-block --policy P --cgroup C" is attach; its help is the overview. */
static const struct verb no_verb = {
	NULL, cmd_attach, attach_opts, overview, false, "; to run a command in a jail, use exec"
};

static const struct verb *find_verb(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(name, verbs[i].name))
			return &verbs[i];
	return NULL;
}

static int unknown_verb(const char *name)
{
	fprintf(stderr, "jail-ai-block: unknown verb '%s'\nTry 'jail-ai-block --help'.\n", name);
	return EXIT_USAGE;
}

/* "help": the overview; "help VERB": that verb's usage. */
static int cmd_help(int argc, char **argv)
{
	const struct verb *v;

	if (argc < 2) {
		fputs(overview, stdout);
		return EXIT_OK;
	}
	v = find_verb(argv[1]);
	if (!v)
		return unknown_verb(argv[1]);
	fputs(v->help, stdout);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct verb *v = &no_verb;
	struct opts o = { .resync = -1 };
	int ret;

	if (argc < 2)
		return usage_error(NULL,
				   "no verb; try 'jail-ai-block --policy P.bin --cgroup PATH'");
	if (argv[1][0] != '-') {
		if (!strcmp(argv[1], "help"))
			return cmd_help(argc - 1, argv + 1);
		v = find_verb(argv[1]);
		if (!v)
			return unknown_verb(argv[1]);
		argc--;
		argv++;
	}
	ret = parse_opts(v, argc, argv, &o);
	if (ret != PARSED)
		return ret;
	json_errors = o.json;
	return v->run(&o);
}
