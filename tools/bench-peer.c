/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-peer - attach one of the peers of tools/bench_peer.bpf.c to a
 * cgroup for `make bench`, and keep it attached until killed.
 *
 *   bench-peer [-d] --cgroup DIR floor
 *   bench-peer [-d] --cgroup DIR lpm FILE
 *
 * floor attaches the allow-only programs; lpm fills one LPM_TRIE per
 * family with the prefixes of FILE (one CIDR a line, as `gen-policy --list`
 * prints them), each with the verdict deny, and attaches the programs that
 * look them up.  DIR is a cgroup v2 directory (absolute).  The links are
 * bpf_links held by this process only, never pinned: whatever ends it
 * (the bench's SIGTERM, a crash) detaches them.
 *
 * Once attached it prints one line on stdout and waits for a signal:
 *
 *   bench-peer: ready prefixes4=N prefixes6=N open=MS load=MS fill=MS
 *   attach=MS total=MS memlock=BYTES
 *
 * (one line), the milliseconds of each step and the kernel's own account
 * of the tries' memory (the memlock of their /proc/self/fdinfo entries).
 * Exits 1 with a message on any failure, nothing attached; 2 on usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench_peer.h"
#include "bench_peer.skel.h"

/* The two tries' contents, read from FILE before the maps are sized. */
struct peer_prefixes {
	struct bench_peer_key4 *k4;
	struct bench_peer_key6 *k6;
	size_t n4, n6, cap4, cap6;
};

static bool debug;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* libbpf's warnings always, the rest with --debug. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN && !debug)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Append one CIDR; 0, -EINVAL for a malformed one or -ENOMEM. */
static int peer_prefix_add(struct peer_prefixes *p, char *cidr)
{
	char *slash = strchr(cidr, '/'), *end;
	unsigned char a[16] = { 0 };
	unsigned long plen;
	bool v6;
	size_t i;

	if (!slash)
		return -EINVAL;
	*slash = '\0';
	v6 = strchr(cidr, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, cidr, a) != 1)
		return -EINVAL;
	errno = 0;
	plen = strtoul(slash + 1, &end, 10);
	if (errno || *end || end == slash + 1 || plen > (v6 ? 128u : 32u))
		return -EINVAL;
	/* Host bits cleared: the trie keeps the key as given. */
	for (i = 0; i < 16; i++) {
		unsigned int bits = plen > i * 8 ? (unsigned int)(plen - i * 8) : 0;

		if (bits < 8)
			a[i] &= (unsigned char)(0xff00u >> bits);
	}
	if (v6) {
		if (p->n6 == p->cap6) {
			void *n = realloc(p->k6, (p->cap6 = p->cap6 ? 2 * p->cap6 : 1024) *
							 sizeof(*p->k6));
			if (!n)
				return -ENOMEM;
			p->k6 = n;
		}
		p->k6[p->n6].prefixlen = (__u32)plen;
		memcpy(p->k6[p->n6++].addr, a, 16);
	} else {
		if (p->n4 == p->cap4) {
			void *n = realloc(p->k4, (p->cap4 = p->cap4 ? 2 * p->cap4 : 1024) *
							 sizeof(*p->k4));
			if (!n)
				return -ENOMEM;
			p->k4 = n;
		}
		p->k4[p->n4].prefixlen = (__u32)plen;
		memcpy(&p->k4[p->n4++].addr, a, 4);
	}
	return 0;
}

static int peer_prefixes_read(struct peer_prefixes *p, const char *path)
{
	char line[128];
	size_t lineno = 0;
	int err = 0;
	FILE *f = fopen(path, "re");

	if (!f) {
		err = -errno;
		fprintf(stderr, "bench-peer: '%s': %s\n", path, strerror(-err));
		return err;
	}
	while (!err && fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		err = peer_prefix_add(p, line);
		if (err == -EINVAL)
			fprintf(stderr, "bench-peer: '%s':%zu: not a CIDR\n", path, lineno);
		else if (err)
			fprintf(stderr, "bench-peer: out of memory\n");
	}
	if (!err && ferror(f)) {
		err = -EIO;
		fprintf(stderr, "bench-peer: '%s': read error\n", path);
	}
	fclose(f);
	return err;
}

/* Fill map with n keys of ksize bytes, each with the verdict deny: one
 * batch call where the kernel has them, one update per key otherwise. */
static int peer_fill(struct bpf_map *map, const void *keys, size_t ksize, size_t n)
{
	int fd = bpf_map__fd(map), err = 0;
	unsigned char *vals;
	__u32 count = (__u32)n;
	size_t i;

	if (!n)
		return 0;
	vals = malloc(n);
	if (!vals)
		return -ENOMEM;
	memset(vals, BENCH_PEER_DENY, n);
	if (bpf_map_update_batch(fd, keys, vals, &count, NULL) == 0 && count == n)
		goto cleanup;
	for (i = 0; i < n && !err; i++)
		if (bpf_map_update_elem(fd, (const char *)keys + i * ksize, &vals[i], BPF_ANY))
			err = -errno;
cleanup:
	free(vals);
	return err;
}

/* The kernel's memlock account of fd's map, in bytes; 0 if unknown. */
static unsigned long long peer_memlock(int fd)
{
	char path[64], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench-peer [-d] --cgroup DIR floor\n"
		   "       bench-peer [-d] --cgroup DIR lpm FILE\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cgroup", required_argument, NULL, 'c' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct peer_prefixes p = { 0 };
	struct bench_peer_bpf *skel = NULL;
	struct bpf_program *progs[4];
	struct bpf_link *links[4] = { NULL };
	const char *cgroup = NULL;
	double t0, t_open, t_load, t_fill, t_attach;
	bool lpm;
	int c, cgfd = -1, err = 0;
	size_t i;

	while ((c = getopt_long(argc, argv, "dh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cgroup = optarg;
			break;
		case 'd':
			debug = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!cgroup || optind >= argc ||
	    (strcmp(argv[optind], "floor") && strcmp(argv[optind], "lpm"))) {
		usage(stderr);
		return 2;
	}
	lpm = !strcmp(argv[optind], "lpm");
	if (argc - optind != (lpm ? 2 : 1)) {
		usage(stderr);
		return 2;
	}
	libbpf_set_print(libbpf_print);

	t0 = now_ms();
	if (lpm) {
		err = peer_prefixes_read(&p, argv[optind + 1]);
		if (err)
			goto cleanup;
	}
	cgfd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0) {
		err = -errno;
		fprintf(stderr, "bench-peer: cgroup '%s': %s\n", cgroup, strerror(-err));
		goto cleanup;
	}
	skel = bench_peer_bpf__open();
	if (!skel) {
		err = -errno;
		fprintf(stderr, "bench-peer: opening the programs: %s\n", strerror(-err));
		goto cleanup;
	}
	if (lpm) {
		progs[0] = skel->progs.lpm_connect4;
		progs[1] = skel->progs.lpm_connect6;
		progs[2] = skel->progs.lpm_sendmsg4;
		progs[3] = skel->progs.lpm_sendmsg6;
		bpf_program__set_autoload(skel->progs.floor_connect4, false);
		bpf_program__set_autoload(skel->progs.floor_connect6, false);
		bpf_program__set_autoload(skel->progs.floor_sendmsg4, false);
		bpf_program__set_autoload(skel->progs.floor_sendmsg6, false);
		/* An LPM_TRIE needs max_entries > 0. */
		bpf_map__set_max_entries(skel->maps.peer_lpm4, p.n4 ? (__u32)p.n4 : 1);
		bpf_map__set_max_entries(skel->maps.peer_lpm6, p.n6 ? (__u32)p.n6 : 1);
	} else {
		progs[0] = skel->progs.floor_connect4;
		progs[1] = skel->progs.floor_connect6;
		progs[2] = skel->progs.floor_sendmsg4;
		progs[3] = skel->progs.floor_sendmsg6;
		bpf_program__set_autoload(skel->progs.lpm_connect4, false);
		bpf_program__set_autoload(skel->progs.lpm_connect6, false);
		bpf_program__set_autoload(skel->progs.lpm_sendmsg4, false);
		bpf_program__set_autoload(skel->progs.lpm_sendmsg6, false);
	}
	t_open = now_ms();
	err = bench_peer_bpf__load(skel);
	if (err) {
		fprintf(stderr, "bench-peer: loading the programs: %s\n", strerror(-err));
		goto cleanup;
	}
	t_load = now_ms();
	err = peer_fill(skel->maps.peer_lpm4, p.k4, sizeof(*p.k4), p.n4);
	if (!err)
		err = peer_fill(skel->maps.peer_lpm6, p.k6, sizeof(*p.k6), p.n6);
	if (err) {
		fprintf(stderr, "bench-peer: filling the tries: %s\n", strerror(-err));
		goto cleanup;
	}
	t_fill = now_ms();
	for (i = 0; i < 4; i++) {
		links[i] = bpf_program__attach_cgroup(progs[i], cgfd);
		if (!links[i]) {
			err = -errno;
			fprintf(stderr, "bench-peer: attaching '%s' to '%s': %s\n",
				bpf_program__name(progs[i]), cgroup, strerror(-err));
			goto cleanup;
		}
	}
	t_attach = now_ms();
	printf("bench-peer: ready prefixes4=%zu prefixes6=%zu open=%.3f load=%.3f fill=%.3f "
	       "attach=%.3f total=%.3f memlock=%llu\n",
	       p.n4, p.n6, t_open - t0, t_load - t_open, t_fill - t_load, t_attach - t_fill,
	       t_attach - t0,
	       lpm ? peer_memlock(bpf_map__fd(skel->maps.peer_lpm4)) +
			       peer_memlock(bpf_map__fd(skel->maps.peer_lpm6))
		   : 0);
	if (fflush(stdout) || ferror(stdout)) {
		err = -EIO;
		goto cleanup;
	}
	/* Attached until a signal ends the process: its exit closes the
	 * links, which detaches them. */
	for (;;)
		pause();

cleanup:
	for (i = 0; i < 4; i++)
		bpf_link__destroy(links[i]);
	bench_peer_bpf__destroy(skel);
	if (cgfd >= 0)
		close(cgfd);
	free(p.k4);
	free(p.k6);
	return err ? 1 : 0;
}
