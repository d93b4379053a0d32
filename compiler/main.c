/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * jailpolc - compile a jailpol policy (.jp) into policy.bin, check it,
 * explain its verdicts, or dump a compiled policy.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/file.h"
#include "../lib/policy_read.h"
#include "decide.h"
#include "diag.h"
#include "dump.h"
#include "emit.h"
#include "expect.h"
#include "explain.h"
#include "frontend.h"
#include "source.h"

/* Exit codes, as in jailpolc(1). */
enum {
	EXIT_OK = 0,
	EXIT_INPUT = 1, /* the policy or policy.bin has errors */
	EXIT_USAGE = 2,
	EXIT_SYSTEM = 3, /* cannot write, out of memory */
};

static const char usage_text[] =
	"Usage: jailpolc [OPTIONS] FILE -o OUT   compile FILE into a policy.bin\n"
	"       jailpolc [OPTIONS] --check FILE  check FILE, write nothing\n"
	"       jailpolc FILE --explain DEST     the verdict for DEST and the rule deciding it\n"
	"       jailpolc --dump POLICY.BIN       list what the kernel will be given\n"
	"       jailpolc --test FILE.jpt [POLICY] check the verdicts FILE.jpt expects\n"
	"\n"
	"Options:\n"
	"  -o, --output OUT       write the compiled policy to OUT (atomically)\n"
	"  -c, --check            validate only\n"
	"  -e, --explain DEST     DEST is ADDR[:PORT][/tcp|udp|icmp], IPv6 as [ADDR]:PORT;\n"
	"                         FILE may be a .jp policy or a compiled policy.bin\n"
	"      --netns SCOPE      with --explain: only the 'host' or 'container' netns\n"
	"  -d, --dump POLICY.BIN  readable listing of a compiled policy\n"
	"  -t, --test FILE.jpt    run a policy's tests: its 'expect' statements, against\n"
	"                         POLICY (a .jp or a policy.bin) or the one FILE.jpt names\n"
	"  -j, --json             JSON output for --dump and --explain\n"
	"  -W NAME, -Wno-NAME     enable/disable a warning: shadow, duplicate,\n"
	"                         host-bits, mapped, audit; -Wall, -Wnone, -Werror\n"
	"  -fmax-errors=N         show at most N errors and warnings (default 20,\n"
	"                         0: all); a long line is shown around the caret\n"
	"  -V, --version          print the version\n"
	"  -h, --help             this text\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "jailpolc: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'jailpolc --help'.\n");
	return EXIT_USAGE;
}

/* Say which option getopt_long() just refused (opterr is off).  A long
 * option is argv[optind - 1]; a short one is optopt, and may sit in a group
 * ("-cx") that optind has not left yet, so argv[optind - 1] can be the word
 * before it.  optopt is also set, to the option's value, for a long option
 * given an argument it does not take ("--json=yes"). */
static int bad_option(char **argv, int c)
{
	const char *word = argv[optind - 1];
	bool is_long = !strncmp(word, "--", 2);

	if (c == ':')
		return is_long ? usage_error("option '%s' needs an argument", word)
			       : usage_error("option '-%c' needs an argument", optopt);
	if (!optopt)
		return usage_error("unrecognized option '%s'", word);
	if (is_long && strchr(word, '='))
		return usage_error("option '%.*s' takes no argument",
				   (int)(strchr(word, '=') - word), word);
	return usage_error("unrecognized option '-%c'", optopt);
}

/* A file named on the command line that cannot be read is a usage error
 * (exit 2, as jailpolc(1) says); errors inside it are input errors. */
static int cannot_read(const char *path, int err)
{
	fprintf(stderr, "jailpolc: cannot read '%s': %s\n", path, strerror(err));
	return EXIT_USAGE;
}

/* --dump's POLICY.BIN, and its size for the listing.  stat() first: it
 * neither blocks on a FIFO nor reads anything. */
static int dump_input(const char *path, size_t *size)
{
	struct stat st;

	if (stat(path, &st) < 0 || access(path, R_OK) < 0)
		return cannot_read(path, errno);
	if (S_ISDIR(st.st_mode))
		return cannot_read(path, EISDIR);
	*size = (size_t)st.st_size;
	return EXIT_OK;
}

static int out_of_memory(const char *path)
{
	fprintf(stderr, "jailpolc: '%s': out of memory\n", path);
	return EXIT_SYSTEM;
}

/* Compile a .jp into tables; diagnostics go to stderr. */
static int compile(const char *path, struct pol_diag *d, struct pol_tables *t)
{
	struct pol_policy *p = NULL;
	const char *kind;
	struct stat st;
	int err;

	/* A FIFO or a device named on the command line is a usage error, as
	 * a missing file is; source.c refuses one named by an include.  Only
	 * /dev/stdin may be a pipe. */
	if (!stat(path, &st) && !S_ISDIR(st.st_mode) &&
	    (!S_ISFIFO(st.st_mode) || strcmp(path, "/dev/stdin"))) {
		kind = pol_file_kind(st.st_mode);
		if (kind) {
			fprintf(stderr, "jailpolc: cannot read '%s': is %s, not a regular file\n",
				path, kind);
			return EXIT_USAGE;
		}
	}
	err = pol_compile_file(path, d, &p);
	if (err == -ENOMEM)
		return out_of_memory(path);
	if (err == -EINVAL)
		return EXIT_INPUT;
	if (err == -EFBIG) {
		fprintf(stderr,
			"jailpolc: cannot read '%s': larger than the %s limit for a policy source\n",
			path, POL_SOURCE_MAX_SIZE_TEXT);
		return EXIT_USAGE;
	}
	if (err)
		return cannot_read(path, -err);
	err = pol_decide(p, d, t);
	pol_policy_free(p);
	if (err == -ENOMEM)
		return out_of_memory(path);
	if (err == -EINVAL) /* reported */
		return EXIT_INPUT;
	if (err) {
		fprintf(stderr, "jailpolc: '%s': %s\n", path, strerror(-err));
		return EXIT_SYSTEM;
	}
	if (pol_diag_failed(d)) {
		pol_tables_free(t);
		return EXIT_INPUT;
	}
	return EXIT_OK;
}

static bool is_policy_bin(const char *path)
{
	char magic[sizeof(POL_MAGIC)] = "";
	struct stat st;
	bool yes;
	int fd;

	/* Not fopen(): that would wait for a FIFO's writer. */
	fd = pol_file_open(path, &st);
	if (fd < 0)
		return false;
	yes = S_ISREG(st.st_mode) && read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic) &&
	      !memcmp(magic, POL_MAGIC, sizeof(magic));
	close(fd);
	return yes;
}

static int read_bin(const char *path, struct pol_tables *t)
{
	char err[256];
	int ret;

	ret = pol_read_file(path, t, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "jailpolc: %s\n", err);
		return ret == -ENOMEM ? EXIT_SYSTEM : EXIT_INPUT;
	}
	return EXIT_OK;
}

/* Explain against exactly the bytes the kernel would get: emit, re-read. */
static int load_for_explain(const char *path, struct pol_diag *d, struct pol_tables *t)
{
	struct pol_tables compiled = { 0 };
	void *buf = NULL;
	size_t len = 0;
	char err[256];
	int ret;

	if (is_policy_bin(path))
		return read_bin(path, t);
	ret = compile(path, d, &compiled);
	if (ret)
		return ret;
	if (pol_emit(&compiled, &buf, &len)) {
		pol_tables_free(&compiled);
		return out_of_memory(path);
	}
	pol_tables_free(&compiled);
	ret = pol_read_buf(buf, len, t, err, sizeof(err));
	free(buf);
	if (ret) {
		fprintf(stderr, "jailpolc: internal error: compiled policy fails validation: %s\n",
			err);
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

/* --test: the .jpt file's statements against POLICY, or against the
 * policy the file names.  Failures and the summary go to stdout. */
static int run_tests(const char *jpt, const char *policy, struct pol_diag *d, struct pol_tables *t)
{
	struct pol_expect_file f;
	struct pol_diag report;
	unsigned passed = 0, failed = 0;
	const char *text;
	int ret, err;

	err = pol_expect_parse(d, jpt, &f);
	if (err == -ENOMEM) {
		ret = out_of_memory(jpt);
		goto out;
	}
	if (err == -EINVAL) {
		ret = EXIT_INPUT;
		goto out;
	}
	if (err) {
		ret = cannot_read(jpt, -err);
		goto out;
	}
	if (!policy && f.policy && access(f.policy, R_OK) < 0) {
		/* The file's own statement is wrong: an error in it. */
		pol_error(d, &f.policy_loc, "cannot read the policy '%s': %s", f.policy,
			  strerror(errno));
		ret = EXIT_INPUT;
		goto out;
	}
	if (!policy)
		policy = f.policy;
	if (!policy) {
		ret = usage_error(
			"'%s' names no policy: give POLICY, or add 'policy \"FILE\";' to it", jpt);
		goto out;
	}
	ret = load_for_explain(policy, d, t);
	if (ret)
		goto out;
	/* The report quotes the .jpt file's lines: it gets its own copy. */
	pol_diag_init(&report, stdout);
	report.color = d->color;
	text = pol_diag_file_text(d, f.name);
	if (!text || !pol_diag_add_file(&report, f.name, text, strlen(text)))
		err = -ENOMEM;
	else
		err = pol_expect_run(&report, &f, t, &passed, &failed);
	pol_diag_free(&report);
	if (err) {
		ret = out_of_memory(jpt);
		goto out;
	}
	printf("%u passed, %u failed\n", passed, failed);
	ret = failed ? EXIT_INPUT : EXIT_OK;
out:
	pol_expect_free(&f);
	return ret;
}

int main(int argc, char **argv)
{
	enum { OPT_NETNS = 256 };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "check", no_argument, NULL, 'c' },
		{ "explain", required_argument, NULL, 'e' },
		{ "netns", required_argument, NULL, OPT_NETNS },
		{ "dump", required_argument, NULL, 'd' },
		{ "test", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL, *explain = NULL, *dump = NULL, *netns = NULL, *test = NULL;
	struct pol_tables t = { 0 };
	bool check = false, json = false;
	struct pol_probe probe;
	struct pol_diag d;
	struct stat st;
	int opt, ret = EXIT_OK, err;
	char errbuf[256];

	pol_diag_init(&d, stderr);
	opterr = 0; /* getopt's own messages name argv[0]; ours say 'jailpolc:' */
	while ((opt = getopt_long(argc, argv, ":o:ce:d:t:jW:f:Vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			output = optarg;
			break;
		case 'c':
			check = true;
			break;
		case 'e':
			explain = optarg;
			break;
		case OPT_NETNS:
			netns = optarg;
			break;
		case 'd':
			dump = optarg;
			break;
		case 't':
			test = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'W': {
			char w[128];

			snprintf(w, sizeof(w), "-W%s", optarg);
			if (pol_diag_option(&d, w)) {
				ret = usage_error("unknown warning option '%s'", w);
				goto out;
			}
			break;
		}
		case 'f': {
			char f[128];

			snprintf(f, sizeof(f), "-f%s", optarg);
			if (strncmp(optarg, "max-errors=", 11) || pol_diag_option(&d, f)) {
				ret = usage_error("unknown option '%s'", f);
				goto out;
			}
			break;
		}
		case 'V':
			printf("jailpolc %s (policy.bin format %d)\n", JAILPOL_VERSION,
			       POL_FORMAT_VERSION);
			goto out;
		case 'h':
			fputs(usage_text, stdout);
			goto out;
		default:
			ret = bad_option(argv, opt);
			goto out;
		}
	}

	if (dump) {
		size_t size = 0;

		if (optind != argc || output || check || explain || test) {
			ret = usage_error("%s", "--dump takes one POLICY.BIN and no other mode");
			goto out;
		}
		ret = dump_input(dump, &size);
		if (!ret)
			ret = read_bin(dump, &t);
		if (!ret)
			pol_dump(stdout, &t, size, json);
		goto out;
	}
	if (test) {
		if (output || check || explain || netns || json) {
			ret = usage_error("%s",
					  "--test takes FILE.jpt and a POLICY, and no other mode");
			goto out;
		}
		if (optind + 1 < argc) {
			ret = usage_error("unexpected argument '%s'", argv[optind + 1]);
			goto out;
		}
		ret = run_tests(test, optind < argc ? argv[optind] : NULL, &d, &t);
		goto out;
	}
	if (optind == argc) {
		ret = usage_error("%s", "no input file");
		goto out;
	}
	if (optind + 1 != argc) {
		ret = usage_error("unexpected argument '%s'", argv[optind + 1]);
		goto out;
	}
	if (explain) {
		if (output || check) {
			ret = usage_error("%s",
					  "--explain does not write a policy; drop -o/--check");
			goto out;
		}
		if (pol_probe_parse(explain, &probe, errbuf, sizeof(errbuf))) {
			ret = usage_error("--explain: %s", errbuf);
			goto out;
		}
		if (netns) {
			if (!strcmp(netns, "host"))
				probe.scope = POL_SCOPE_HOST;
			else if (!strcmp(netns, "container"))
				probe.scope = POL_SCOPE_CONTAINER;
			else {
				ret = usage_error("--netns: '%s' is neither 'host' nor 'container'",
						  netns);
				goto out;
			}
		}
		ret = load_for_explain(argv[optind], &d, &t);
		if (!ret && pol_explain(stdout, &t, &probe, json))
			ret = EXIT_SYSTEM;
		goto out;
	}
	if (netns || json) {
		ret = usage_error("%s", "--netns and --json go with --explain or --dump");
		goto out;
	}
	if (!output && !check) {
		ret = usage_error("%s", "nothing to do: give -o OUT, --check or --explain");
		goto out;
	}
	if (output && check) {
		ret = usage_error("%s", "--check writes nothing; drop -o or --check");
		goto out;
	}

	/* The output is renamed over OUT: a device or FIFO there would be
	 * replaced by a regular file (as root, -o /dev/null would destroy
	 * /dev/null).  Refuse it before anything is written. */
	if (output && !stat(output, &st) && !S_ISREG(st.st_mode)) {
		fprintf(stderr, "jailpolc: cannot write '%s': is %s, not a regular file\n", output,
			pol_file_kind(st.st_mode));
		ret = EXIT_USAGE;
		goto out;
	}
	ret = compile(argv[optind], &d, &t);
	if (ret || check)
		goto out;
	err = pol_emit_file(&t, output);
	if (err) {
		fprintf(stderr, "jailpolc: cannot write '%s': %s\n", output, strerror(-err));
		ret = EXIT_SYSTEM;
	}
out:
	pol_diag_finish(&d);
	pol_tables_free(&t);
	pol_diag_free(&d);
	return ret;
}
