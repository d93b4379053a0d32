/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * jail-ai-block - attach a compiled jailpol policy to a cgroup, so the
 * kernel refuses the connections it denies.
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
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/sched.h>

#include "json.h"
#include "policy_read.h"
#include "sha256.h"
#include "cgroup.h"
#include "host.h"
#include "loader.h"
#include "pins.h"
#include "probe.h"

/* Exit codes, as in jail-ai-block(8); exec returns the command's. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
};

struct opts {
	const char *policy;
	const char *cgroup;
	const char *cgroup_parent;
	pid_t pid;
	bool json;
	bool debug;
	char **cmd;
};

static const char usage_text[] =
	"Usage: jail-ai-block --policy POLICY.BIN --cgroup PATH   (same as attach)\n"
	"       jail-ai-block attach --policy POLICY.BIN (--cgroup PATH | --pid PID)\n"
	"       jail-ai-block exec --policy POLICY.BIN [--cgroup-parent DIR] -- CMD [ARGS...]\n"
	"       jail-ai-block detach (--cgroup PATH | --pid PID)\n"
	"       jail-ai-block status [--json]\n"
	"\n"
	"Options:\n"
	"  -p, --policy FILE        compiled policy (jailpolc -o)\n"
	"  -c, --cgroup PATH        cgroup v2 path, absolute or under the cgroup2 mount\n"
	"      --pid PID            the cgroup of a running process\n"
	"      --cgroup-parent DIR  where exec creates its cgroup (default: jailpol)\n"
	"  -j, --json               JSON output\n"
	"  -d, --debug              libbpf and verifier logs\n"
	"  -V, --version            print the version\n"
	"  -h, --help               this text\n";

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

static int usage_error(const char *msg)
{
	fprintf(stderr, "jail-ai-block: %s\nTry 'jail-ai-block --help'.\n", msg);
	return EXIT_USAGE;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	enum { OPT_PID = 256, OPT_PARENT };
	static const struct option longopts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "cgroup-parent", required_argument, NULL, OPT_PARENT },
		{ "json", no_argument, NULL, 'j' },
		{ "debug", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long v;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+p:c:jd", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			o->policy = optarg;
			break;
		case 'c':
			o->cgroup = optarg;
			break;
		case OPT_PID:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v <= 0 || v > INT_MAX)
				return usage_error("--pid takes a process id");
			o->pid = (pid_t)v;
			break;
		case OPT_PARENT:
			o->cgroup_parent = optarg;
			break;
		case 'j':
			o->json = json_errors = true;
			break;
		case 'd':
			o->debug = true;
			break;
		default:
			return usage_error("invalid option");
		}
	}
	o->cmd = argv + optind;
	return 0;
}

/* Find the cgroup the user named with --cgroup or --pid. */
static int target_cgroup(const struct opts *o, const char *mount, struct jp_cgroup *cg)
{
	char err[512], rel[PATH_MAX];

	if (!!o->cgroup == !!o->pid)
		return usage_error("name the cgroup with exactly one of --cgroup PATH or --pid PID");
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

/* Read the policy, learn the host, load and attach.  Fail closed: on any
 * error nothing new is attached. */
static int attach_cgroup(const struct opts *o, struct jp_cgroup *cg)
{
	struct pol_tables t = { 0 };
	struct jp_hosts hosts = { 0 };
	struct jp_load_opts lo = { 0 };
	char err[1024], pin_dir[PATH_MAX], hash[65];
	uint64_t cookie = 0;
	struct jp_info info;
	int ret = EXIT_FAIL, lock = -1;

	if (!o->policy)
		return usage_error("--policy POLICY.BIN is required");
	if (!strcmp(cg->rel, "/"))
		return fail("refusing to jail the root cgroup: that would jail every process "
			    "on the host; name a container's cgroup");
	if (pol_read_file(o->policy, &t, err, sizeof(err)))
		return fail("%s", err);
	if (jp_probe_kernel(err, sizeof(err)) || jp_pins_prepare(err, sizeof(err))) {
		fail("%s", err);
		goto cleanup;
	}
	lock = lock_pins();
	if (lock < 0)
		goto cleanup;
	if ((t.consts.flags & POL_CF_USES_HOST) && jp_host_addrs(&hosts, err, sizeof(err))) {
		fail("cannot list the host's addresses for the 'host' set: %s", err);
		goto cleanup;
	}
	if ((t.consts.flags & POL_CF_USES_SCOPE) &&
	    jp_host_netns_cookie(&cookie, err, sizeof(err))) {
		fail("%s", err);
		goto cleanup;
	}
	jp_pin_dir(cg->id, pin_dir, sizeof(pin_dir));
	lo.policy = &t;
	lo.hosts = &hosts;
	lo.host_netns_cookie = cookie;
	lo.cgroup_fd = cg->fd;
	lo.cgroup_id = cg->id;
	lo.cgroup_rel = cg->rel;
	lo.policy_path = o->policy;
	lo.pin_dir = pin_dir;
	lo.debug = o->debug;
	if (jp_load_attach(&lo, err, sizeof(err))) {
		fail("cgroup '%s': %s", cg->rel, err);
		goto cleanup;
	}
	pol_hex(hash, t.content_hash, 6);
	if (!jp_read_info(pin_dir, &info, NULL, 0) && info.replaced_at)
		fprintf(stderr, "jail-ai-block: cgroup '%s': policy replaced by '%s' (%s)\n",
			cg->rel, pol_tables_string(&t, t.source_name), hash);
	else
		fprintf(stderr, "jail-ai-block: cgroup '%s' jailed by '%s' (%s), %zu host addresses\n",
			cg->rel, pol_tables_string(&t, t.source_name), hash, hosts.n);
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
	char mount[PATH_MAX], err[512];
	struct jp_cgroup cg = { .fd = -1 };
	int ret;

	if (o->cmd[0])
		return usage_error("attach takes no command; did you mean exec?");
	if (jp_cgroup2_mount(mount, sizeof(mount), err, sizeof(err)))
		return fail("%s", err);
	ret = target_cgroup(o, mount, &cg);
	if (ret)
		return ret;
	ret = attach_cgroup(o, &cg);
	jp_cgroup_close(&cg);
	return ret;
}

static int cmd_detach(const struct opts *o)
{
	char mount[PATH_MAX], err[512], pin_dir[PATH_MAX];
	struct jp_cgroup cg = { .fd = -1 };
	int ret, lock;

	if (jp_cgroup2_mount(mount, sizeof(mount), err, sizeof(err)))
		return fail("%s", err);
	ret = target_cgroup(o, mount, &cg);
	if (ret)
		return ret;
	jp_pin_dir(cg.id, pin_dir, sizeof(pin_dir));
	lock = -1;
	if (!access(JP_PIN_ROOT, F_OK) && (lock = lock_pins()) < 0) {
		jp_cgroup_close(&cg);
		return EXIT_FAIL;
	}
	if (jp_detach_pinned(pin_dir, err, sizeof(err)))
		ret = fail("cgroup '%s': %s", cg.rel, err);
	else
		fprintf(stderr, "jail-ai-block: cgroup '%s' released\n", cg.rel);
	if (lock >= 0)
		close(lock);
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

static void status_json(struct pol_json *j, const struct jp_info *info, const char *hash,
			const char *pin_dir)
{
	char when[64], hashname[80];
	int h;

	snprintf(hashname, sizeof(hashname), "sha256:%s", hash);
	pol_json_object_begin(j);
	pol_json_str_field(j, "cgroup", info->cgroup);
	pol_json_uint_field(j, "cgroup_id", info->cgroup_id);
	pol_json_str_field(j, "policy", info->source);
	pol_json_str_field(j, "policy_file", info->policy_path);
	pol_json_str_field(j, "hash", hashname);
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
	pol_json_str_field(j, "pins", pin_dir);
	pol_json_object_end(j);
}

struct status_ctx {
	struct pol_json j;
	bool json;
};

/* One line, or one JSON object, per jailed cgroup; a pin directory
 * without a readable info is skipped. */
static int status_one(const char *pin_dir, const char *name, void *arg)
{
	struct status_ctx *c = arg;
	char hash[65], when[64], err[PATH_MAX + 128];
	struct jp_info info;
	int h, n_hooks = 0, ret;

	(void)name;
	ret = jp_read_info(pin_dir, &info, err, sizeof(err));
	/* A newer runtime's jail, or one of another layout: say so. */
	if (ret == -EPROTONOSUPPORT || ret == -EPROTO)
		fprintf(stderr, "jail-ai-block: %s, ignoring\n", err);
	if (ret)
		return 0;
	info.source[sizeof(info.source) - 1] = '\0';
	info.policy_path[sizeof(info.policy_path) - 1] = '\0';
	info.cgroup[sizeof(info.cgroup) - 1] = '\0';
	pol_hex(hash, info.content_hash, sizeof(info.content_hash));
	if (c->json) {
		status_json(&c->j, &info, hash, pin_dir);
		return 0;
	}
	for (h = 0; h < JP_HOOK_MAX; h++)
		n_hooks += !!(info.hooks & (1u << h));
	format_time(when, sizeof(when), info.attached_at);
	printf("%-36s %-24s %-12.12s %-8d %s", info.cgroup, info.source, hash, n_hooks, when);
	if (info.replaced_at) {
		format_time(when, sizeof(when), info.replaced_at);
		printf(" (replaced %s)", when);
	}
	putchar('\n');
	return 0;
}

static int cmd_status(const struct opts *o)
{
	struct status_ctx c = { .json = o->json };

	pol_json_init(&c.j, stdout);
	if (o->json)
		pol_json_array_begin(&c.j);
	else
		printf("%-36s %-24s %-12s %-8s %s\n", "CGROUP", "POLICY", "HASH", "HOOKS",
		       "SINCE");
	/* No pin root: nothing is jailed. */
	jp_pin_dir_foreach(JP_PIN_ROOT, "cg-", status_one, &c);
	if (o->json)
		pol_json_array_end(&c.j);
	return EXIT_OK;
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

static int cmd_exec(const struct opts *o)
{
	char mount[PATH_MAX], err[512], pin_dir[PATH_MAX];
	struct jp_cgroup cg = { .fd = -1 };
	struct sigaction sa = { .sa_handler = forward_signal };
	int ret, status, sig;
	pid_t pid;

	if (o->cgroup || o->pid)
		return usage_error("exec creates its own cgroup; use --cgroup-parent to place it");
	if (!o->cmd[0])
		return usage_error("exec needs a command: exec --policy P -- CMD [ARGS...]");
	if (!o->policy)
		return usage_error("--policy POLICY.BIN is required");
	if (jp_cgroup2_mount(mount, sizeof(mount), err, sizeof(err)))
		return fail("%s", err);
	if (jp_cgroup_create(mount, o->cgroup_parent ? o->cgroup_parent : "jailpol", "exec",
			     &cg, err, sizeof(err)))
		return fail("%s", err);
	ret = attach_cgroup(o, &cg);
	if (ret) {
		jp_cgroup_destroy(&cg);
		return ret;
	}
	jp_pin_dir(cg.id, pin_dir, sizeof(pin_dir));

	for (sig = 1; sig < NSIG; sig++)
		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT)
			sigaction(sig, &sa, NULL);
	fflush(NULL);
	pid = spawn_in_cgroup(&cg, o->cmd);
	if (pid < 0) {
		ret = fail("cannot start '%s': %s", o->cmd[0], strerror(errno));
	} else {
		pid_t w;

		child_pid = pid;
		while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
			;
		if (w < 0)
			ret = fail("cannot wait for '%s': %s", o->cmd[0], strerror(errno));
		else
			ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	/* The jail goes with the command: no process is left in the cgroup
	 * when its programs are detached. */
	if (jp_cgroup_destroy(&cg) < 0)
		fprintf(stderr, "jail-ai-block: cannot remove cgroup '%s'\n", cg.abs);
	if (jp_detach_pinned(pin_dir, err, sizeof(err)))
		fprintf(stderr, "jail-ai-block: %s\n", err);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(const struct opts *o);
	} verbs[] = {
		{ "attach", cmd_attach },
		{ "exec", cmd_exec },
		{ "detach", cmd_detach },
		{ "status", cmd_status },
	};
	struct opts o = { 0 };
	const char *verb = "attach";
	size_t i;
	int ret;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
			 !strcmp(argv[1], "help"))) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	if (argc > 1 && (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))) {
		printf("jail-ai-block %s (policy.bin format %d)\n", JAILPOL_VERSION,
		       POL_FORMAT_VERSION);
		return EXIT_OK;
	}
	if (argc < 2)
		return usage_error("no verb; try 'jail-ai-block --policy P.bin --cgroup PATH'");
	/* "jail-ai-block --policy P --cgroup C" is attach. */
	if (argv[1][0] != '-') {
		verb = argv[1];
		argc--;
		argv++;
	}
	ret = parse_opts(argc, argv, &o);
	if (ret)
		return ret;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(verb, verbs[i].name))
			return verbs[i].run(&o);
	fprintf(stderr, "jail-ai-block: unknown verb '%s'\nTry 'jail-ai-block --help'.\n", verb);
	return EXIT_USAGE;
}
