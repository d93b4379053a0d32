/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loader.c - load the jail templates with a policy, attach them to a cgroup
 * through bpf_links and pin the result (loader.h has the contract).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../bpf/templates/jail_abi.h"
#include "hostset.h"
#include "jail.skel.h"
#include "loader.h"
#include "probe.h"
#include "revoke.h"
#include "unix.skel.h"

/* Room left in each address table, and in the host records per family,
 * for host addresses `watch` adds later, beyond those known now.  The
 * maps are not preallocated: room costs nothing until it is used. */
#define JP_HOST_SLACK 4096

/* The jail's hooks report events by the runtime's hook numbers. */
#define SAME_HOOK(ev, h) ((int)(ev) == (int)(h))
_Static_assert(SAME_HOOK(JAIL_EV_CONNECT4, JP_HOOK_CONNECT4) &&
		       SAME_HOOK(JAIL_EV_CONNECT6, JP_HOOK_CONNECT6) &&
		       SAME_HOOK(JAIL_EV_SENDMSG4, JP_HOOK_SENDMSG4) &&
		       SAME_HOOK(JAIL_EV_SENDMSG6, JP_HOOK_SENDMSG6) &&
		       SAME_HOOK(JAIL_EV_EGRESS, JP_HOOK_EGRESS) &&
		       SAME_HOOK(JAIL_EV_CONNECT_UNIX, JP_HOOK_CONNECT_UNIX) &&
		       SAME_HOOK(JAIL_EV_SENDMSG_UNIX, JP_HOOK_SENDMSG_UNIX) &&
		       SAME_HOOK(JAIL_EV_SOCK_CREATE, JP_HOOK_SOCK_CREATE) &&
		       SAME_HOOK(JAIL_EV_HOOK_MAX, JP_HOOK_MAX),
	       "enum jail_ev_hook and enum jp_hook differ");

/* One generation's BPF objects: the jail's hooks, and the Unix socket
 * hooks (unix.bpf.c, needs kernel BTF), loaded only for a policy with
 * `unix` rules. */
struct gen_skels {
	struct jail_bpf *jail;
	struct unix_bpf *ux; /* NULL: the policy has no Unix rules */
};

/* Hook h's program, or NULL when its object is not loaded. */
static struct bpf_program *hook_prog(const struct gen_skels *s, enum jp_hook h)
{
	switch (h) {
	case JP_HOOK_CONNECT4:
		return s->jail->progs.jail_connect4;
	case JP_HOOK_CONNECT6:
		return s->jail->progs.jail_connect6;
	case JP_HOOK_SENDMSG4:
		return s->jail->progs.jail_sendmsg4;
	case JP_HOOK_SENDMSG6:
		return s->jail->progs.jail_sendmsg6;
	case JP_HOOK_CONNECT_UNIX:
		return s->ux ? s->ux->progs.jail_connect_unix : NULL;
	case JP_HOOK_SENDMSG_UNIX:
		return s->ux ? s->ux->progs.jail_sendmsg_unix : NULL;
	case JP_HOOK_SOCK_CREATE:
		return s->jail->progs.jail_sock_create;
	case JP_HOOK_EGRESS:
	case JP_HOOK_MAX:
		break;
	}
	return s->jail->progs.jail_egress;
}

/* Hook h's gen_ array in the objects, or NULL when its object is not
 * loaded. */
static struct bpf_map *gen_map(const struct gen_skels *s, enum jp_hook h)
{
	switch (h) {
	case JP_HOOK_CONNECT4:
		return s->jail->maps.gen_connect4;
	case JP_HOOK_CONNECT6:
		return s->jail->maps.gen_connect6;
	case JP_HOOK_SENDMSG4:
		return s->jail->maps.gen_sendmsg4;
	case JP_HOOK_SENDMSG6:
		return s->jail->maps.gen_sendmsg6;
	case JP_HOOK_CONNECT_UNIX:
		return s->ux ? s->ux->maps.gen_connect_unix : NULL;
	case JP_HOOK_SENDMSG_UNIX:
		return s->ux ? s->ux->maps.gen_sendmsg_unix : NULL;
	case JP_HOOK_SOCK_CREATE:
		return s->jail->maps.gen_sock_create;
	case JP_HOOK_EGRESS:
	case JP_HOOK_MAX:
		break;
	}
	return s->jail->maps.gen_egress;
}

/* Hooks newer than the jail layout (pins.h): a jail may have no gen_
 * pin of theirs yet. */
static bool gen_optional(enum jp_hook h)
{
	return h >= JP_HOOK_CONNECT_UNIX;
}

static struct bpf_map *skel_map(struct jail_bpf *skel, enum jp_map m)
{
	switch (m) {
	case JP_MAP_ADDR:
		return skel->maps.pol_addr;
	case JP_MAP_COUNTS:
		return skel->maps.pol_counts;
	case JP_MAP_DEC:
	case JP_MAP_HOSTS:
	case JP_MAP_MAX:
		break;
	}
	return skel->maps.pol_dec;
}

/*
 * libbpf's log.  libbpf has one global print callback, so the loader sets
 * it for the duration of a call.  Quiet mode keeps the first warning and the
 * program or map it names, to say in err what the kernel refused.
 */
static bool log_debug;
static char log_last[512];
static char log_prog[128];
static char log_map[128];

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	if (log_debug)
		return vfprintf(stderr, fmt, ap);
	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	/* The verifier log comes as one long warning; keep only short ones. */
	if (strstr(line, "-- BEGIN PROG LOAD LOG --"))
		return 0;
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	/* The first warning names the cause; later ones are its echoes. */
	if (!log_last[0])
		snprintf(log_last, sizeof(log_last), "%s", line);
	if (!log_prog[0])
		sscanf(line, "libbpf: prog '%127[^']': failed to load", log_prog);
	if (!log_map[0] && sscanf(line, "libbpf: map '%127[^']': failed", log_map) != 1)
		sscanf(line, "libbpf: Error in bpf_create_map_xattr(%127[^)]", log_map);
	return 0;
}

static void log_reset(bool debug)
{
	log_debug = debug;
	log_last[0] = log_prog[0] = log_map[0] = '\0';
}

/* Fill one map from a policy table: entries are key then value. */
static int fill_map(int fd, const void *entries, size_t n, size_t entry_size, size_t key_size)
{
	const char *p = entries;
	size_t i;

	for (i = 0; i < n; i++, p += entry_size)
		if (bpf_map_update_elem(fd, p, p + key_size, BPF_NOEXIST) < 0)
			return -errno;
	return 0;
}

/*
 * The new generation's host set (hostset.h), filled with the host
 * addresses, its fd in *rec_fd: before load, for the programs to read.
 * Loopback and unspecified addresses are never host addresses: the
 * `loopback` and `unspecified` sets cover them with their own netns
 * scope.
 */
static int fill_hosts(const struct jp_load_opts *o, int *rec_fd, uint32_t *n_inserted, char *err,
		      size_t errlen)
{
	struct jp_hostset hs;
	size_t n = o->hosts ? o->hosts->n : 0;
	int ret;

	*n_inserted = 0;
	hs.rec_fd = jp_hostset_records(n + 2 * JP_HOST_SLACK, err, errlen);
	if (hs.rec_fd < 0)
		return hs.rec_fd;
	ret = jp_hostset_set_owner(&hs, o->host_netns_cookie, err, errlen);
	if (!ret)
		ret = jp_hostset_sync(&hs, o->hosts, NULL, NULL, n_inserted, err, errlen);
	if (ret) {
		close(hs.rec_fd);
		return ret;
	}
	*rec_fd = hs.rec_fd;
	return 0;
}

static int set_size(struct bpf_map *m, size_t want, char *err, size_t errlen)
{
	int ret;

	if (want > UINT32_MAX) {
		snprintf(err, errlen, "map '%s' needs %zu entries: more than a BPF map holds",
			 bpf_map__name(m), want);
		return -E2BIG;
	}
	ret = bpf_map__set_max_entries(m, (uint32_t)want);
	if (ret)
		snprintf(err, errlen, "map '%s' needs %zu entries: %s", bpf_map__name(m), want,
			 strerror(-ret));
	return ret;
}

/* The possible CPUs, the stripes of pol_counts (jail_abi.h). */
static uint32_t n_cpus(void)
{
	int n = libbpf_num_possible_cpus();

	return n > 0 ? (uint32_t)n : 1;
}

/* What jail_events.h's rodata says, the same for both objects. */
struct ev_knobs {
	uint64_t jail_id, policy_tag, interval_ns, burst_ns;
	uint32_t n_rules, events_on, report_denials, audit, task_helpers, n_cpus;
};

/* The hooks can name the task (bpf_get_current_pid_tgid(), _comm()):
 * Linux 6.1+ for cgroup sock_addr and sock programs. */
static bool has_task_helpers(void)
{
	static const enum bpf_prog_type types[] = { BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
						    BPF_PROG_TYPE_CGROUP_SOCK };
	static const enum bpf_func_id funcs[] = { BPF_FUNC_get_current_pid_tgid,
						  BPF_FUNC_get_current_comm,
						  BPF_FUNC_get_current_cgroup_id };
	/* The kernel's answer does not change: probed once per process, not
	 * once for each object of each load. */
	static int known = -1;
	size_t t, f;

	if (known >= 0)
		return known;
	known = 1;
	for (t = 0; t < sizeof(types) / sizeof(types[0]) && known; t++)
		for (f = 0; f < sizeof(funcs) / sizeof(funcs[0]) && known; f++)
			if (libbpf_probe_bpf_helper(types[t], funcs[f], NULL) != 1)
				known = 0;
	return known;
}

static void ev_knobs_of(const struct jp_load_opts *o, struct ev_knobs *k)
{
	const struct pol_tables *t = o->policy;
	uint32_t rate = o->event_rate ? o->event_rate : JAIL_EV_RATE_DEFAULT;
	bool audit = o->audit || (t->consts.flags & POL_CF_AUDIT);
	bool denials = audit || (t->consts.flags & POL_CF_LOG_DENIALS);

	memset(k, 0, sizeof(*k));
	k->jail_id = o->cgroup_id;
	memcpy(&k->policy_tag, t->content_hash, sizeof(k->policy_tag));
	k->interval_ns = 1000000000ull / rate;
	/* One second of events at once. */
	k->burst_ns = k->interval_ns * rate;
	k->n_rules = t->consts.n_rules;
	k->events_on = denials || (t->consts.flags & POL_CF_USES_LOG);
	k->report_denials = denials;
	k->audit = audit;
	k->task_helpers = has_task_helpers();
	k->n_cpus = n_cpus();
}

#define SET_EV_KNOBS(rodata, k)                                 \
	do {                                                    \
		(rodata)->jail_id = (k)->jail_id;               \
		(rodata)->policy_tag = (k)->policy_tag;         \
		(rodata)->event_interval_ns = (k)->interval_ns; \
		(rodata)->event_burst_ns = (k)->burst_ns;       \
		(rodata)->n_rules = (k)->n_rules;               \
		(rodata)->events_on = (k)->events_on;           \
		(rodata)->report_denials = (k)->report_denials; \
		(rodata)->audit = (k)->audit;                   \
		(rodata)->task_helpers = (k)->task_helpers;     \
		(rodata)->n_cpus = (k)->n_cpus;                 \
	} while (0)

/* --debug: the verifier's statistics of every program of obj (log
 * level 4), so the cost of a load shows program by program. */
static int debug_stats(const struct jp_load_opts *o, struct bpf_object *obj)
{
	struct bpf_program *p;
	int ret = 0;

	if (o->debug)
		bpf_object__for_each_program(p, obj) if (!ret)
			ret = bpf_program__set_log_level(p, 4);
	return ret;
}

/* Before load: the rodata knobs, the map sizes, whether the backstop
 * program loads at all. */
static int configure_skel(struct jail_bpf *skel, const struct jp_load_opts *o, bool egress_cookie,
			  char *err, size_t errlen)
{
	const struct pol_tables *t = o->policy;
	struct ev_knobs k;
	int ret;

	skel->rodata->host_netns_cookie = o->host_netns_cookie;
	skel->rodata->uses_scope = !!(t->consts.flags & POL_CF_USES_SCOPE);
	skel->rodata->egress_netns_cookie = egress_cookie;
	ev_knobs_of(o, &k);
	SET_EV_KNOBS(skel->rodata, &k);

	skel->rodata->pol_layout = t->layout;
	ret = set_size(skel->maps.pol_addr, t->layout.n_words, err, errlen);
	if (!ret)
		ret = set_size(skel->maps.pol_dec, t->n_dec ? t->n_dec : 1, err, errlen);
	if (!ret)
		ret = set_size(skel->maps.pol_counts,
			       (size_t)JAIL_COUNT_SLOTS(t->consts.n_rules) * k.n_cpus, err, errlen);
	if (!ret)
		ret = debug_stats(o, skel->obj);
	if (!ret)
		ret = bpf_program__set_autoload(skel->progs.jail_egress,
						!!(t->consts.flags & POL_CF_BACKSTOP));
	if (!ret)
		ret = bpf_program__set_autoload(skel->progs.jail_sock_create,
						!!(t->consts.flags & POL_CF_USES_SOCK));
	if (ret && !err[0])
		snprintf(err, errlen, "cannot configure the BPF templates: %s", strerror(-ret));
	return ret;
}

/* Why jail_bpf__load() failed, from what libbpf logged. */
static void load_error(int ret, char *err, size_t errlen)
{
	if (log_prog[0])
		snprintf(err, errlen,
			 "cannot load BPF programs: the kernel rejected '%s' (%s); run as "
			 "root or rerun with --debug for the verifier log",
			 log_prog, strerror(-ret));
	else if (log_map[0])
		snprintf(err, errlen,
			 "cannot load BPF programs: cannot create map '%s' (%s); run as "
			 "root or rerun with --debug for details",
			 log_map, strerror(-ret));
	else if (ret == -EPERM)
		snprintf(err, errlen,
			 "cannot load BPF programs: %s; run as root (CAP_BPF and "
			 "CAP_NET_ADMIN)",
			 strerror(-ret));
	else
		snprintf(err, errlen,
			 "cannot load BPF programs: %s%s%s; rerun with --debug for details",
			 strerror(-ret), log_last[0] ? ": " : "", log_last);
}

/*
 * An ARRAY map's n values, at keys 0..n-1, in one BPF_MAP_UPDATE_BATCH
 * (Linux 5.6, before the runtime's minimum): a Unix DFA has thousands of
 * entries, and a call each would make a load that many syscalls.
 */
static int fill_array(struct bpf_map *m, const void *values, uint32_t n, size_t size, char *err,
		      size_t errlen)
{
	uint32_t *keys, i, count = n;
	int ret = 0;

	if (bpf_map__value_size(m) != size) {
		snprintf(err, errlen, "map '%s' has values of %u bytes, the policy's are %zu",
			 bpf_map__name(m), bpf_map__value_size(m), size);
		return -EPROTO;
	}
	if (!n)
		return 0;
	keys = malloc(sizeof(*keys) * n);
	if (!keys) {
		snprintf(err, errlen, "map '%s': out of memory", bpf_map__name(m));
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		keys[i] = i;
	errno = 0;
	if (bpf_map_update_batch(bpf_map__fd(m), keys, values, &count, NULL) < 0 || count != n) {
		ret = errno ? -errno : -EIO;
		snprintf(err, errlen, "map '%s': cannot write its %u entries (%u written): %s",
			 bpf_map__name(m), n, count, strerror(-ret));
	}
	free(keys);
	return ret;
}

/* The address table into its map, in one copy through a mapping. */
static int fill_addr(struct bpf_map *m, const struct pol_tables *t, char *err, size_t errlen)
{
	size_t len = (size_t)t->layout.n_words * sizeof(*t->words);
	void *p;

	if (bpf_map__value_size(m) != sizeof(*t->words) ||
	    bpf_map__max_entries(m) != t->layout.n_words) {
		snprintf(err, errlen, "map '%s' is not sized for the address table",
			 bpf_map__name(m));
		return -EPROTO;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(m), 0);
	if (p == MAP_FAILED) {
		int ret = -errno;

		snprintf(err, errlen, "map '%s': cannot map its %u words: %s", bpf_map__name(m),
			 t->layout.n_words, strerror(-ret));
		return ret;
	}
	memcpy(p, t->words, len);
	munmap(p, len);
	return 0;
}

/* After load: the policy's tables into the maps. */
static int fill_tables(struct jail_bpf *skel, const struct pol_tables *t, char *err, size_t errlen)
{
	int ret;

	ret = fill_addr(skel->maps.pol_addr, t, err, errlen);
	if (ret)
		return ret;
	ret = fill_map(bpf_map__fd(skel->maps.pol_dec), t->dec, t->n_dec, sizeof(*t->dec),
		       sizeof(t->dec->key));
	if (ret) {
		snprintf(err, errlen, "map '%s' needs %u entries: %s",
			 bpf_map__name(skel->maps.pol_dec), t->n_dec, strerror(-ret));
		return ret;
	}
	return fill_array(skel->maps.pol_sock, t->sock, POL_SOCK_ENTRIES, sizeof(t->sock[0]), err,
			  errlen);
}

/* Open, size and load the templates for o->policy, then fill the maps. */
/*
 * A jail's pinned state as the loader finds it (pins.h has the layout,
 * jail_abi.h the generations), and what this call changed in it, so a
 * failure before the switch can be undone.
 */
struct jail {
	bool exists;   /* ctl is pinned: a jail of this layout */
	bool created;  /* this call made the directory */
	uint32_t gen;  /* in force before this call */
	uint32_t last; /* the last generation numbered */
	int ctl_fd;    /* the maps all generations share */
	int info_fd;
	int evstate_fd; /* -1: a jail of before events, until this call pins it */
	int events_fd;  /* the pin root's ring buffer; -1: none pinned yet */
	int rec_fd;     /* the new generation's host records (hostset.h) */
	int gen_fd[JP_HOOK_MAX];
	int link_fd[JP_HOOK_MAX];            /* pinned links, or -1 */
	int link_prog[JP_HOOK_MAX];          /* the programs they ran, or -1 */
	bool switched[JP_HOOK_MAX];          /* link now runs the new generation */
	struct bpf_link *added[JP_HOOK_MAX]; /* links this call attached and pinned */
};

static void jail_init(struct jail *j)
{
	int h;

	memset(j, 0, sizeof(*j));
	j->ctl_fd = j->info_fd = j->rec_fd = j->evstate_fd = j->events_fd = -1;
	for (h = 0; h < JP_HOOK_MAX; h++)
		j->gen_fd[h] = j->link_fd[h] = j->link_prog[h] = -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void jail_free(struct jail *j)
{
	int h;

	close_fd(&j->ctl_fd);
	close_fd(&j->info_fd);
	close_fd(&j->rec_fd);
	close_fd(&j->evstate_fd);
	close_fd(&j->events_fd);
	for (h = 0; h < JP_HOOK_MAX; h++) {
		close_fd(&j->gen_fd[h]);
		close_fd(&j->link_fd[h]);
		close_fd(&j->link_prog[h]);
		/* Closing a pinned link's fd leaves it attached. */
		bpf_link__destroy(j->added[h]);
		j->added[h] = NULL;
	}
}

/* A pinned map's fd, refused unless it is of the given shape (a pin of
 * another jailpol version may be another map); max_entries 0: any size. */
static int open_map(const char *pin_dir, const char *name, uint32_t type, uint32_t key_size,
		    uint32_t value_size, uint32_t max_entries, char *err, size_t errlen)
{
	struct bpf_map_info mi;
	uint32_t len = sizeof(mi);
	int fd = jp_pin_get(pin_dir, name), ret = 0;

	if (fd < 0) {
		snprintf(err, errlen, "cannot open the pin '%s/%s': %s", pin_dir, name,
			 strerror(-fd));
		return fd;
	}
	memset(&mi, 0, sizeof(mi));
	if (bpf_obj_get_info_by_fd(fd, &mi, &len) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot read the pin '%s/%s': %s", pin_dir, name,
			 strerror(-ret));
	} else if (mi.type != type || mi.key_size != key_size || mi.value_size != value_size ||
		   (max_entries && mi.max_entries != max_entries)) {
		ret = -EPROTO;
		snprintf(err, errlen,
			 "pin '%s/%s' is not a map of the layout this jail-ai-block uses; run "
			 "detach, then attach again",
			 pin_dir, name);
	}
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/* The generation in force, and the last one numbered, from ctl. */
static int read_ctl(int ctl_fd, uint32_t *gen, uint32_t *last)
{
	struct jail_ctl ctl;
	uint32_t key = 0;

	if (bpf_map_lookup_elem(ctl_fd, &key, &ctl) < 0)
		return -errno;
	*gen = ctl.gen;
	if (last)
		*last = ctl.last;
	return 0;
}

static int write_ctl(int ctl_fd, uint32_t gen, uint32_t last)
{
	struct jail_ctl ctl = { .gen = gen, .last = last };
	uint32_t key = 0;

	return bpf_map_update_elem(ctl_fd, &key, &ctl, BPF_ANY) < 0 ? -errno : 0;
}

/* The program a link runs now, as an fd, or -errno: -ENOLINK when the
 * link is detached (the kernel reports cgroup id 0), -ESTALE when it is
 * not a link on this cgroup. */
static int link_prog_fd(int link_fd, uint64_t cgroup_id)
{
	struct bpf_link_info li;
	uint32_t len = sizeof(li);
	int fd;

	memset(&li, 0, sizeof(li));
	if (bpf_obj_get_info_by_fd(link_fd, &li, &len) < 0)
		return -errno;
	if (li.type == BPF_LINK_TYPE_CGROUP && li.cgroup.cgroup_id == 0)
		return -ENOLINK;
	if (li.type != BPF_LINK_TYPE_CGROUP || li.cgroup.cgroup_id != cgroup_id)
		return -ESTALE;
	fd = bpf_prog_get_fd_by_id(li.prog_id);
	return fd < 0 ? -errno : fd;
}

/* The pinned link of hook h and the program it runs; no pin is fine. */
static int open_link(const struct jp_load_opts *o, struct jail *j, int h, char *err, size_t errlen)
{
	const char *name = jp_pin_link(h);
	int fd;

	fd = jp_pin_get(o->pin_dir, name);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0) {
		snprintf(err, errlen, "cannot open the pinned link '%s/%s': %s", o->pin_dir, name,
			 strerror(-fd));
		return fd;
	}
	j->link_fd[h] = fd;
	fd = link_prog_fd(fd, o->cgroup_id);
	if (fd == -ENOLINK) {
		/* Detached, pin left by a runtime killed in finish() before
		 * it unpinned first: it enforces nothing, so drop it. */
		jp_pin_unlink(o->pin_dir, name, "");
		close_fd(&j->link_fd[h]);
		return 0;
	}
	if (fd == -ESTALE)
		snprintf(err, errlen,
			 "pinned link '%s/%s' is not attached to this cgroup; run detach, then "
			 "attach again",
			 o->pin_dir, name);
	else if (fd < 0)
		snprintf(err, errlen, "cannot read the pinned link '%s/%s': %s", o->pin_dir, name,
			 strerror(-fd));
	else
		j->link_prog[h] = fd;
	return fd < 0 ? fd : 0;
}

/*
 * Read the jail pinned at o->pin_dir.  No ctl pin: no jail of this layout
 * (j->exists stays false); links without ctl were pinned by an earlier
 * jail-ai-block, whose jail cannot be changed in one step: refused.
 */
static int jail_open(const struct jp_load_opts *o, struct jail *j, char *err, size_t errlen)
{
	int h, ret;

	j->ctl_fd = open_map(o->pin_dir, JP_PIN_CTL, BPF_MAP_TYPE_ARRAY, sizeof(uint32_t),
			     sizeof(struct jail_ctl), 1, err, errlen);
	if (j->ctl_fd == -ENOENT) {
		err[0] = '\0';
		ret = jp_pin_dir_has_links(o->pin_dir);
		if (ret < 0)
			snprintf(err, errlen, "cannot read '%s': %s", o->pin_dir, strerror(-ret));
		else if (ret > 0)
			snprintf(err, errlen,
				 "the jail pinned at '%s' was made by an earlier jail-ai-block and "
				 "cannot be replaced in one step: run detach, then attach again",
				 o->pin_dir);
		return ret > 0 ? -EPROTO : ret;
	}
	if (j->ctl_fd < 0)
		return j->ctl_fd;
	ret = read_ctl(j->ctl_fd, &j->gen, &j->last);
	if (ret) {
		snprintf(err, errlen, "cannot read '%s/%s': %s", o->pin_dir, JP_PIN_CTL,
			 strerror(-ret));
		return ret;
	}
	j->info_fd = open_map(o->pin_dir, JP_PIN_INFO, BPF_MAP_TYPE_ARRAY, sizeof(uint32_t),
			      sizeof(struct jp_info), JAIL_GEN_SLOTS, err, errlen);
	if (j->info_fd < 0)
		return j->info_fd;
	/* A jail of before events gets its budget from this load. */
	j->evstate_fd = open_map(o->pin_dir, JP_PIN_EVSTATE, BPF_MAP_TYPE_ARRAY, sizeof(uint32_t),
				 sizeof(struct jail_evstate), 1, err, errlen);
	if (j->evstate_fd == -ENOENT) {
		err[0] = '\0';
		j->evstate_fd = -1;
	}
	if (j->evstate_fd < -1)
		return j->evstate_fd;
	for (h = 0; h < JP_HOOK_MAX; h++) {
		j->gen_fd[h] = open_map(o->pin_dir, jp_pin_gen(h), BPF_MAP_TYPE_PROG_ARRAY,
					sizeof(uint32_t), sizeof(uint32_t), JAIL_GEN_SLOTS, err,
					errlen);
		/* A hook no policy of this jail used yet, or one a jail-ai-block
		 * before it did not know: no generation runs it, no link can
		 * (its gen_ pin comes first); pin_gens() makes it when needed. */
		if (j->gen_fd[h] == -ENOENT && gen_optional(h)) {
			err[0] = '\0';
			j->gen_fd[h] = -1;
		}
		if (j->gen_fd[h] < -1)
			return j->gen_fd[h];
		ret = open_link(o, j, h, err, errlen);
		if (ret)
			return ret;
	}
	j->exists = true;
	return 0;
}

/* The shared maps of jail j into one object before its load: ctl_fd
 * (the jail's, or the first object's for a new jail) and the gen_
 * arrays the jail has pinned. */
static int reuse_shared(const struct jp_load_opts *o, const struct jail *j,
			const struct gen_skels *s, struct bpf_map *ctl, int ctl_fd, bool unix_hooks,
			char *err, size_t errlen)
{
	int h, ret = 0;

	if (ctl_fd >= 0)
		ret = bpf_map__reuse_fd(ctl, ctl_fd);
	for (h = 0; h < JP_HOOK_MAX && !ret; h++) {
		bool ux = h == JP_HOOK_CONNECT_UNIX || h == JP_HOOK_SENDMSG_UNIX;

		if (ux == unix_hooks && j->gen_fd[h] >= 0)
			ret = bpf_map__reuse_fd(gen_map(s, h), j->gen_fd[h]);
	}
	if (ret)
		snprintf(err, errlen, "cannot reuse the maps pinned at '%s': %s", o->pin_dir,
			 strerror(-ret));
	return ret;
}

/* The maps of events and counters, shared: the ring buffer and the
 * budget with every generation (pinned ones when there are), the
 * counters of the Unix object with the jail object's.  counts_fd -1:
 * the jail object, whose counters are its own. */
struct ev_maps {
	struct bpf_map *events, *evstate, *counts;
};

static int reuse_events(const struct ev_maps *m, int events_fd, int evstate_fd, int counts_fd,
			char *err, size_t errlen)
{
	int ret = 0;

	if (events_fd >= 0)
		ret = bpf_map__reuse_fd(m->events, events_fd);
	if (!ret && evstate_fd >= 0)
		ret = bpf_map__reuse_fd(m->evstate, evstate_fd);
	if (!ret && counts_fd >= 0)
		ret = bpf_map__reuse_fd(m->counts, counts_fd);
	if (ret)
		snprintf(err, errlen, "cannot share the event maps: %s", strerror(-ret));
	return ret;
}

/* The pin root's ring buffer into j->events_fd; none pinned is fine. */
static int open_events(struct jail *j, char *err, size_t errlen)
{
	int fd = open_map(JP_PIN_ROOT, JP_PIN_EVENTS, BPF_MAP_TYPE_RINGBUF, 0, 0, JAIL_EV_RING_SIZE,
			  err, errlen);

	if (fd == -ENOENT) {
		err[0] = '\0';
		return 0;
	}
	if (fd == -EPROTO)
		snprintf(err, errlen,
			 "the events ring buffer pinned at '%s/%s' is not of the layout this "
			 "jail-ai-block uses; it goes with the last jail (detach every jail, or "
			 "unpin it when none is left)",
			 JP_PIN_ROOT, JP_PIN_EVENTS);
	if (fd < 0)
		return fd;
	j->events_fd = fd;
	return 0;
}

/*
 * The Unix socket hooks' object, after the jail's, whose ctl it shares;
 * then the policy's DFA into its maps.  libbpf before 1.3 has no section
 * names for these hooks, so the program and attach types are set here.
 */
static int load_unix(const struct jp_load_opts *o, const struct jail *j, struct gen_skels *s,
		     uint32_t gen, char *err, size_t errlen)
{
	const struct pol_tables *t = o->policy;
	struct unix_bpf *skel;
	int ret;

	skel = unix_bpf__open();
	if (!skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the Unix socket BPF templates: %s",
			 strerror(-ret));
		return ret;
	}
	s->ux = skel;
	skel->rodata->jail_gen = gen;
	skel->rodata->host_netns_cookie = o->host_netns_cookie;
	skel->rodata->uses_scope = !!(t->consts.flags & POL_CF_USES_SCOPE);
	skel->rodata->unix_classes = t->unix_consts.n_classes;
	ret = bpf_program__set_type(skel->progs.jail_connect_unix, BPF_PROG_TYPE_CGROUP_SOCK_ADDR);
	if (!ret)
		ret = bpf_program__set_expected_attach_type(skel->progs.jail_connect_unix,
							    JP_ATTACH_UNIX_CONNECT);
	if (!ret)
		ret = bpf_program__set_type(skel->progs.jail_sendmsg_unix,
					    BPF_PROG_TYPE_CGROUP_SOCK_ADDR);
	if (!ret)
		ret = bpf_program__set_expected_attach_type(skel->progs.jail_sendmsg_unix,
							    JP_ATTACH_UNIX_SENDMSG);
	if (!ret)
		ret = debug_stats(o, skel->obj);
	if (ret) {
		snprintf(err, errlen, "cannot configure the Unix socket BPF templates: %s",
			 strerror(-ret));
		return ret;
	}
	ret = set_size(skel->maps.pol_unix_dfa, t->n_unix_dfa, err, errlen);
	if (!ret)
		ret = set_size(skel->maps.pol_unix_acc, t->n_unix_acc, err, errlen);
	if (!ret)
		ret = reuse_shared(o, j, s, skel->maps.jail_ctl,
				   j->exists ? j->ctl_fd : bpf_map__fd(s->jail->maps.jail_ctl),
				   true, err, errlen);
	if (!ret) {
		struct ev_maps m = { skel->maps.jail_events, skel->maps.jail_evstate,
				     skel->maps.pol_counts };
		struct ev_knobs k;

		ev_knobs_of(o, &k);
		SET_EV_KNOBS(skel->rodata, &k);
		ret = reuse_events(&m, bpf_map__fd(s->jail->maps.jail_events),
				   bpf_map__fd(s->jail->maps.jail_evstate),
				   bpf_map__fd(s->jail->maps.pol_counts), err, errlen);
	}
	if (ret)
		return ret;
	ret = unix_bpf__load(skel);
	if (ret) {
		load_error(ret, err, errlen);
		return ret;
	}
	ret = fill_array(skel->maps.pol_unix_dfa, t->unix_dfa, t->n_unix_dfa, sizeof(*t->unix_dfa),
			 err, errlen);
	if (!ret)
		ret = fill_array(skel->maps.pol_unix_acc, t->unix_acc, t->n_unix_acc,
				 sizeof(*t->unix_acc), err, errlen);
	return ret;
}

static void gen_skels_destroy(struct gen_skels *s)
{
	unix_bpf__destroy(s->ux);
	jail_bpf__destroy(s->jail);
	s->ux = NULL;
	s->jail = NULL;
}

/* Open, size and load the templates for o->policy as generation gen of
 * jail j (sharing its maps when it exists), then fill the tables and
 * j's new host records. */
/* CLOCK_MONOTONIC in nanoseconds, for jp_attach_result's timing. */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int load_skel(const struct jp_load_opts *o, struct jail *j, uint32_t gen, bool egress_cookie,
		     struct gen_skels *out, uint32_t *n_hosts, struct jp_attach_result *res,
		     char *err, size_t errlen)
{
	struct gen_skels s = { NULL, NULL };
	struct jail_bpf *skel;
	uint64_t t0 = now_ns(), t1, t2;
	int ret;

	skel = jail_bpf__open();
	if (!skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the BPF templates: %s", strerror(-ret));
		return ret;
	}
	s.jail = skel;
	skel->rodata->jail_gen = gen;
	ret = configure_skel(skel, o, egress_cookie, err, errlen);
	if (!ret && j->exists)
		ret = reuse_shared(o, j, &s, skel->maps.jail_ctl, j->ctl_fd, false, err, errlen);
	if (!ret)
		ret = open_events(j, err, errlen);
	if (!ret) {
		struct ev_maps m = { skel->maps.jail_events, skel->maps.jail_evstate,
				     skel->maps.pol_counts };

		ret = reuse_events(&m, j->events_fd, j->evstate_fd, -1, err, errlen);
	}
	if (!ret)
		ret = fill_hosts(o, &j->rec_fd, n_hosts, err, errlen);
	if (!ret) {
		ret = bpf_map__reuse_fd(skel->maps.pol_hosts, j->rec_fd);
		if (ret)
			snprintf(err, errlen, "cannot hand the host set to the templates: %s",
				 strerror(-ret));
	}
	if (ret)
		goto fail;
	t1 = now_ns();
	ret = jail_bpf__load(skel);
	if (ret) {
		load_error(ret, err, errlen);
		goto fail;
	}
	t2 = now_ns();
	ret = fill_tables(skel, o->policy, err, errlen);
	res->fill_ns = now_ns() - t2;
	if (!ret && (o->policy->consts.flags & POL_CF_USES_UNIX)) {
		log_reset(o->debug);
		ret = load_unix(o, j, &s, gen, err, errlen);
	}
	if (ret)
		goto fail;
	res->open_ns = t1 - t0;
	res->load_ns = now_ns() - t1 - res->fill_ns;
	*out = s;
	return 0;
fail:
	gen_skels_destroy(&s);
	return ret;
}

/* The info map: an ARRAY of one jp_info per generation slot. */
static int make_info(char *err, size_t errlen)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "jailpol_info", sizeof(uint32_t),
				sizeof(struct jp_info), JAIL_GEN_SLOTS, NULL);

	if (fd < 0) {
		fd = -errno;
		snprintf(err, errlen, "cannot create the info map: %s", strerror(-fd));
	}
	return fd;
}

static int dup_fd(int fd)
{
	int ret = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	return ret < 0 ? -errno : ret;
}

/*
 * The gen_ arrays of the loaded objects that jail j has no pin of yet
 * (all of them for a new jail; the hooks newer than it, or than its
 * last policy that used them, for an old one), pinned.  Before any slot
 * of theirs is written and before any link of their hook exists, so a
 * crash leaves at most an empty array, which the next load reuses.
 */
static int pin_gens(const struct jp_load_opts *o, const struct gen_skels *s, struct jail *j,
		    char *err, size_t errlen)
{
	struct bpf_map *m;
	int h, ret = 0;

	for (h = 0; h < JP_HOOK_MAX && !ret; h++) {
		m = gen_map(s, h);
		if (j->gen_fd[h] >= 0 || !m)
			continue;
		j->gen_fd[h] = dup_fd(bpf_map__fd(m));
		ret = j->gen_fd[h] < 0 ? j->gen_fd[h]
				       : jp_pin_obj(j->gen_fd[h], o->pin_dir, jp_pin_gen(h), "",
						    err, errlen);
	}
	return ret;
}

/*
 * The event maps this load made, pinned before any link, so every later
 * generation shares them: the jail's budget in its directory, and the
 * ring buffer in the pin root when this is the first jail.  A crash
 * leaves at most a pin nothing uses yet, which the next load reuses.
 */
static int pin_events(const struct jp_load_opts *o, const struct gen_skels *s, struct jail *j,
		      char *err, size_t errlen)
{
	int ret = 0;

	if (j->evstate_fd < 0) {
		j->evstate_fd = dup_fd(bpf_map__fd(s->jail->maps.jail_evstate));
		ret = j->evstate_fd < 0 ? j->evstate_fd
					: jp_pin_obj(j->evstate_fd, o->pin_dir, JP_PIN_EVSTATE, "",
						     err, errlen);
	}
	if (!ret && j->events_fd < 0) {
		j->events_fd = dup_fd(bpf_map__fd(s->jail->maps.jail_events));
		ret = j->events_fd < 0 ? j->events_fd
				       : jp_pin_obj(j->events_fd, JP_PIN_ROOT, JP_PIN_EVENTS, "",
						    err, errlen);
	}
	return ret;
}

/*
 * A new jail's directory and shared maps, pinned before any link: info,
 * the gen_* arrays, then ctl, whose pin says the others are there.  The
 * maps come from the loaded skeleton; ctl gets JAIL_GEN_NONE in force and
 * gen as the last numbered.
 */
static int jail_create(const struct jp_load_opts *o, const struct gen_skels *s, struct jail *j,
		       uint32_t gen, char *err, size_t errlen)
{
	int ret;

	ret = jp_pin_dir_create(o->pin_dir, err, errlen);
	if (ret)
		return ret;
	j->created = true;
	j->info_fd = make_info(err, errlen);
	if (j->info_fd < 0)
		return j->info_fd;
	ret = jp_pin_obj(j->info_fd, o->pin_dir, JP_PIN_INFO, "", err, errlen);
	if (!ret)
		ret = pin_gens(o, s, j, err, errlen);
	if (!ret)
		ret = pin_events(o, s, j, err, errlen);
	if (!ret) {
		j->ctl_fd = dup_fd(bpf_map__fd(s->jail->maps.jail_ctl));
		ret = j->ctl_fd < 0 ? j->ctl_fd : write_ctl(j->ctl_fd, JAIL_GEN_NONE, gen);
		if (!ret)
			ret = jp_pin_obj(j->ctl_fd, o->pin_dir, JP_PIN_CTL, "", err, errlen);
	}
	if (ret && !err[0])
		snprintf(err, errlen, "cannot pin the jail's maps in '%s': %s", o->pin_dir,
			 strerror(-ret));
	return ret;
}

static void fill_info(struct jp_info *info, const struct jp_load_opts *o, uint32_t hooks,
		      uint32_t n_hosts)
{
	const struct pol_tables *t = o->policy;

	memset(info, 0, sizeof(*info));
	memcpy(info->content_hash, t->content_hash, sizeof(info->content_hash));
	snprintf(info->source, sizeof(info->source), "%s", pol_tables_string(t, t->source_name));
	snprintf(info->policy_path, sizeof(info->policy_path), "%s",
		 o->policy_path ? o->policy_path : "");
	snprintf(info->cgroup, sizeof(info->cgroup), "%s", o->cgroup_rel ? o->cgroup_rel : "");
	info->cgroup_id = o->cgroup_id;
	info->attached_at = (uint64_t)time(NULL);
	info->policy_flags = t->consts.flags | (o->audit ? POL_CF_AUDIT : 0);
	info->hooks = hooks;
	info->n_hosts = n_hosts;
	info->version = JP_INFO_VERSION;
}

static uint32_t wanted_hooks(const struct pol_tables *t)
{
	uint32_t hooks = 1u << JP_HOOK_CONNECT4 | 1u << JP_HOOK_CONNECT6 | 1u << JP_HOOK_SENDMSG4 |
			 1u << JP_HOOK_SENDMSG6;

	if (t->consts.flags & POL_CF_BACKSTOP)
		hooks |= 1u << JP_HOOK_EGRESS;
	if (t->consts.flags & POL_CF_USES_UNIX)
		hooks |= 1u << JP_HOOK_CONNECT_UNIX | 1u << JP_HOOK_SENDMSG_UNIX;
	if (t->consts.flags & POL_CF_USES_SOCK)
		hooks |= 1u << JP_HOOK_SOCK_CREATE;
	return hooks;
}

/* The generation's tables, pinned as "<name>_new" until they are in
 * force. */
static int pin_tables_new(const char *pin_dir, struct jail_bpf *skel, int rec_fd, char *err,
			  size_t errlen)
{
	int m, ret = 0;

	for (m = 0; m < JP_MAP_MAX && !ret; m++)
		ret = jp_pin_obj(m == JP_MAP_HOSTS ? rec_fd : bpf_map__fd(skel_map(skel, m)),
				 pin_dir, jp_pin_map(m), JP_PIN_NEW, err, errlen);
	return ret;
}

/*
 * Stage generation gen, changing no verdict: its programs into their
 * slot (a hook it does not use: the slot emptied), its info into its
 * slot, its tables pinned as _new.  The slot is not the one in force.
 */
static int stage(const struct jp_load_opts *o, const struct gen_skels *s, struct jail *j,
		 uint32_t gen, uint32_t hooks, uint32_t n_hosts, char *err, size_t errlen)
{
	uint32_t slot = gen % JAIL_GEN_SLOTS, old = j->gen % JAIL_GEN_SLOTS;
	struct jp_info info;
	int h, ret;

	for (h = 0; h < JP_HOOK_MAX; h++) {
		/* No array: no generation has the hook, nothing to empty. */
		if (j->gen_fd[h] < 0)
			continue;
		if (hooks & 1u << h) {
			int fd = bpf_program__fd(hook_prog(s, h));

			ret = bpf_map_update_elem(j->gen_fd[h], &slot, &fd, BPF_ANY);
		} else {
			ret = bpf_map_delete_elem(j->gen_fd[h], &slot);
			if (ret < 0 && errno == ENOENT)
				ret = 0;
		}
		if (ret < 0) {
			ret = -errno;
			snprintf(err, errlen, "cannot stage the %s program in '%s/%s': %s",
				 jp_hook_name(h), o->pin_dir, jp_pin_gen(h), strerror(-ret));
			return ret;
		}
	}
	fill_info(&info, o, hooks, n_hosts);
	if (j->gen != JAIL_GEN_NONE) {
		struct jp_info in_force;

		if (bpf_map_lookup_elem(j->info_fd, &old, &in_force) == 0 && in_force.attached_at) {
			info.attached_at = in_force.attached_at;
			info.replaced_at = (uint64_t)time(NULL);
		}
	}
	if (bpf_map_update_elem(j->info_fd, &slot, &info, BPF_ANY) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot write '%s/%s': %s", o->pin_dir, JP_PIN_INFO,
			 strerror(-ret));
		return ret;
	}
	return pin_tables_new(o->pin_dir, s->jail, j->rec_fd, err, errlen);
}

/*
 * Point every hook the policy uses at the new programs, still changing
 * no verdict: a pinned link swaps its program (BPF_F_REPLACE: only if
 * nobody changed it meanwhile); a hook without one gets a new link,
 * pinned at once (until it is, the link dies with this process).
 */
static int install_links(const struct jp_load_opts *o, const struct gen_skels *s, struct jail *j,
			 uint32_t hooks, char *err, size_t errlen)
{
	int h, ret;

	for (h = 0; h < JP_HOOK_MAX; h++) {
		struct bpf_program *prog = hook_prog(s, h);

		if (!(hooks & 1u << h))
			continue;
		if (j->link_fd[h] >= 0) {
			LIBBPF_OPTS(bpf_link_update_opts, uo, .flags = BPF_F_REPLACE,
				    .old_prog_fd = j->link_prog[h]);

			if (bpf_link_update(j->link_fd[h], bpf_program__fd(prog), &uo) < 0) {
				ret = -errno;
				snprintf(err, errlen,
					 "cannot switch the %s hook to the new policy: %s",
					 jp_hook_name(h), strerror(-ret));
				return ret;
			}
			j->switched[h] = true;
			continue;
		}
		j->added[h] = bpf_program__attach_cgroup(prog, o->cgroup_fd);
		if (!j->added[h]) {
			ret = -errno;
			snprintf(err, errlen, "cannot attach the %s hook to the cgroup: %s",
				 jp_hook_name(h), strerror(-ret));
			return ret;
		}
		ret = jp_pin_obj(bpf_link__fd(j->added[h]), o->pin_dir, jp_pin_link(h), "", err,
				 errlen);
		if (ret) {
			bpf_link__destroy(j->added[h]);
			j->added[h] = NULL;
			return ret;
		}
	}
	return 0;
}

/* The switch: one write, and every hook judges by generation gen. */
static int make_current(const struct jp_load_opts *o, struct jail *j, uint32_t gen, char *err,
			size_t errlen)
{
	int ret = write_ctl(j->ctl_fd, gen, gen);

	if (!ret)
		return 0;
	snprintf(err, errlen, "cannot switch '%s/%s' to the new policy: %s", o->pin_dir, JP_PIN_CTL,
		 strerror(-ret));
	return ret;
}

/*
 * Undo what this call staged and installed; the old generation stayed in
 * force throughout, so this only tidies (a step that fails leaves a link
 * on a new program that hands over to the old one).  A jail this call
 * created goes whole: its links detach when their fds close.
 */
static void roll_back(const struct jp_load_opts *o, struct jail *j, uint32_t gen)
{
	uint32_t slot = gen % JAIL_GEN_SLOTS;
	int h, m;

	if (j->created) {
		jp_pin_dir_remove(o->pin_dir);
		return;
	}
	for (h = 0; h < JP_HOOK_MAX; h++) {
		if (j->switched[h])
			bpf_link_update(j->link_fd[h], j->link_prog[h], NULL);
		if (j->added[h])
			jp_pin_unlink(o->pin_dir, jp_pin_link(h), "");
		if (j->gen_fd[h] >= 0)
			bpf_map_delete_elem(j->gen_fd[h], &slot);
	}
	for (m = 0; m < JP_MAP_MAX; m++)
		jp_pin_unlink(o->pin_dir, jp_pin_map(m), JP_PIN_NEW);
}

/*
 * After the switch, nothing rolls back: detach the hooks the policy
 * drops (they allow everything now), rename the new tables over the old
 * pins, empty the old generation's slot.  The first failure is kept in
 * err; `attach` again redoes all of it.
 */
static int finish(const struct jp_load_opts *o, struct jail *j, uint32_t hooks, char *err,
		  size_t errlen)
{
	uint32_t old = j->gen % JAIL_GEN_SLOTS;
	char later[512];
	int h, m, ret = 0, r;

	for (h = 0; h < JP_HOOK_MAX; h++) {
		if ((hooks & 1u << h) || j->link_fd[h] < 0)
			continue;
		/* Unpin first: killed between the two, this process's fd was
		 * the link's last holder and the link detaches with it; the
		 * other way round leaves the pin of a detached link. */
		jp_pin_unlink(o->pin_dir, jp_pin_link(h), "");
		if (bpf_link_detach(j->link_fd[h]) < 0 && !ret) {
			ret = -errno;
			snprintf(err, errlen,
				 "policy replaced, but the old %s hook could not be detached: %s",
				 jp_hook_name(h), strerror(-ret));
		}
	}
	for (m = 0; m < JP_MAP_MAX; m++) {
		r = jp_pin_commit(o->pin_dir, jp_pin_map(m), ret ? later : err,
				  ret ? sizeof(later) : errlen);
		if (!ret)
			ret = r;
	}
	if (j->gen != JAIL_GEN_NONE)
		for (h = 0; h < JP_HOOK_MAX; h++)
			if (j->gen_fd[h] >= 0)
				bpf_map_delete_elem(j->gen_fd[h], &old);
	return ret;
}

/*
 * The number of the generation this call loads (jail_abi.h): never used
 * before, even by a load that crashed (a link may still run its
 * programs), and of the other slot than the generation in force.  An
 * existing jail records it in ctl before anything of it is installed.
 */
static int number_gen(const struct jp_load_opts *o, struct jail *j, uint32_t *gen, char *err,
		      size_t errlen)
{
	/* last >= gen but in a ctl written without last (it was 0). */
	uint32_t base = j->last > j->gen ? j->last : j->gen, g = base + 1;
	int ret;

	if (g % JAIL_GEN_SLOTS == j->gen % JAIL_GEN_SLOTS)
		g++;
	if (g <= base) {
		snprintf(err, errlen,
			 "the jail at '%s' has used up its generation numbers: run detach, then "
			 "attach again",
			 o->pin_dir);
		return -EOVERFLOW;
	}
	*gen = g;
	if (!j->exists)
		return 0;
	ret = write_ctl(j->ctl_fd, j->gen, g);
	if (ret)
		snprintf(err, errlen, "cannot write '%s/%s': %s", o->pin_dir, JP_PIN_CTL,
			 strerror(-ret));
	return ret;
}

static bool egress_has_cookie(void)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_CGROUP_SKB, BPF_FUNC_get_netns_cookie, NULL) ==
	       1;
}

/*
 * Right after the switch: destroy the sockets the new generation's tables
 * deny and none of its hooks judged (revoke.h).  A kernel that cannot is
 * reported in res, not as a failure: the policy is in force all the same.
 */
static int revoke_sockets(const struct jp_load_opts *o, struct jail_bpf *skel,
			  struct jp_attach_result *res, char *err, size_t errlen)
{
	struct jp_revoke_opts ro = {
		.addr_fd = bpf_map__fd(skel->maps.pol_addr),
		.hosts_fd = bpf_map__fd(skel->maps.pol_hosts),
		.dec_fd = bpf_map__fd(skel->maps.pol_dec),
		.layout = &o->policy->layout,
		.host_netns_cookie = o->host_netns_cookie,
		.uses_scope = !!(o->policy->consts.flags & POL_CF_USES_SCOPE),
		.cgroup_fd = o->cgroup_fd,
		.cgroup_id = o->cgroup_id,
	};
	struct jp_revoke_result rr;
	char why[512];
	int ret;

	/* Audit mode refuses nothing: it destroys nothing either. */
	if (o->audit || (o->policy->consts.flags & POL_CF_AUDIT)) {
		res->audit = true;
		return 0;
	}
	if (o->cgroup_new)
		return 0;
	ret = jp_revoke_sockets(&ro, &rr, why, sizeof(why));
	res->revoked = rr.revoked;
	res->swept = ret != -EOPNOTSUPP;
	if (ret == -EOPNOTSUPP) {
		snprintf(res->not_revoked, sizeof(res->not_revoked), "%.*s",
			 (int)sizeof(res->not_revoked) - 1, why);
		return 0;
	}
	if (ret)
		snprintf(err, errlen,
			 "policy in force, but sockets connected before it may remain: %s", why);
	return ret;
}

/*
 * Attach and replace are one procedure (jail_abi.h): load the next
 * generation, stage it, install it, switch.  A first attach is the step
 * from JAIL_GEN_NONE; an attach interrupted before its switch is picked
 * up where it stopped by the next one.
 */
int jp_load_attach(const struct jp_load_opts *o, struct jp_attach_result *res, char *err,
		   size_t errlen)
{
	uint32_t gen, hooks = wanted_hooks(o->policy), n_hosts = 0;
	libbpf_print_fn_t old_print;
	struct gen_skels skels = { NULL, NULL };
	char revoke_err[1024];
	struct jail j;
	uint64_t t;
	int ret, revoke_ret;

	err[0] = '\0';
	memset(res, 0, sizeof(*res));
	log_reset(o->debug);
	old_print = libbpf_set_print(libbpf_log);
	jail_init(&j);

	ret = jp_pins_check(err, errlen);
	if (!ret)
		ret = jail_open(o, &j, err, errlen);
	if (!ret)
		ret = number_gen(o, &j, &gen, err, errlen);
	if (ret)
		goto cleanup;
	ret = load_skel(o, &j, gen, egress_has_cookie(), &skels, &n_hosts, res, err, errlen);
	if (ret)
		goto cleanup;
	t = now_ns();
	if (!j.exists) {
		ret = jail_create(o, &skels, &j, gen, err, errlen);
	} else {
		ret = pin_gens(o, &skels, &j, err, errlen);
		if (!ret)
			ret = pin_events(o, &skels, &j, err, errlen);
	}
	if (!ret)
		ret = stage(o, &skels, &j, gen, hooks, n_hosts, err, errlen);
	if (!ret)
		ret = install_links(o, &skels, &j, hooks, err, errlen);
	res->attach_ns = now_ns() - t;
	t = now_ns();
	if (!ret)
		ret = make_current(o, &j, gen, err, errlen);
	res->switch_ns = now_ns() - t;
	if (ret == -ENAMETOOLONG && !err[0])
		snprintf(err, errlen, "pin directory '%s' is too long", o->pin_dir);
	if (ret) {
		roll_back(o, &j, gen);
		goto cleanup;
	}
	res->replaced = j.gen != JAIL_GEN_NONE;
	t = now_ns();
	revoke_ret = revoke_sockets(o, skels.jail, res, revoke_err, sizeof(revoke_err));
	res->revoke_ns = now_ns() - t;
	t = now_ns();
	ret = finish(o, &j, hooks, err, errlen);
	res->finish_ns = now_ns() - t;
	if (!ret && revoke_ret) {
		ret = revoke_ret;
		snprintf(err, errlen, "%s", revoke_err);
	}
cleanup:
	jail_free(&j);
	/* The programs stay alive through the links and slots that hold them. */
	gen_skels_destroy(&skels);
	libbpf_set_print(old_print);
	return ret;
}

struct detach_state {
	int ret;
	char *err;
	size_t errlen;
};

/* Detach explicitly: a process holding a link fd would otherwise keep the
 * jail attached after the pin is gone.  A pin that fails is kept. */
static int detach_link(const char *path, const char *name, void *arg)
{
	struct detach_state *st = arg;
	int fd = bpf_obj_get(path);

	(void)name;
	if (fd < 0 || bpf_link_detach(fd) < 0) {
		if (!st->ret) {
			st->ret = -errno;
			snprintf(st->err, st->errlen, "cannot detach '%s': %s; its pin is kept",
				 path, strerror(-st->ret));
		}
	} else {
		unlink(path);
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

int jp_detach_pinned(const char *pin_dir, char *err, size_t errlen)
{
	struct detach_state st = { 0, err, errlen };
	struct stat sb;
	int ret;

	if (stat(pin_dir, &sb) < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			snprintf(err, errlen, "not jailed: there is no jail pinned at '%s'",
				 pin_dir);
		else
			snprintf(err, errlen, "cannot read '%s': %s", pin_dir, strerror(-ret));
		return ret;
	}
	ret = jp_pin_dir_foreach(pin_dir, JP_PIN_LINK_PREFIX, detach_link, &st);
	if (ret < 0) {
		snprintf(err, errlen, "cannot read '%s': %s", pin_dir, strerror(-ret));
		return ret;
	}
	if (st.ret)
		return st.ret;
	jp_pin_dir_remove(pin_dir);
	if (access(pin_dir, F_OK) == 0) {
		snprintf(err, errlen, "jail detached, but '%s' could not be removed", pin_dir);
		return -ENOTEMPTY;
	}
	return 0;
}

static int info_error(int ret, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int info_error(int ret, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

int jp_read_info(const char *pin_dir, struct jp_info *out, char *err, size_t errlen)
{
	char path[PATH_MAX], msg[PATH_MAX + 128];
	uint32_t key = 0, slots = 1;
	int fd, ret = 0;

	if (jp_pin_path(path, sizeof(path), pin_dir, JP_PIN_INFO, ""))
		return info_error(-ENAMETOOLONG, err, errlen, "pin directory '%s' is too long",
				  pin_dir);
	/* A jail without ctl was pinned before generations: one info slot. */
	fd = open_map(pin_dir, JP_PIN_CTL, BPF_MAP_TYPE_ARRAY, sizeof(key), sizeof(struct jail_ctl),
		      1, msg, sizeof(msg));
	if (fd >= 0) {
		uint32_t gen = JAIL_GEN_NONE;

		ret = read_ctl(fd, &gen, NULL);
		close(fd);
		if (ret)
			return info_error(ret, err, errlen, "pin '%s/%s': %s", pin_dir, JP_PIN_CTL,
					  strerror(-ret));
		if (gen == JAIL_GEN_NONE)
			return info_error(-EINPROGRESS, err, errlen,
					  "'%s': no policy in force (an attach did not finish); "
					  "run attach again",
					  pin_dir);
		key = gen % JAIL_GEN_SLOTS;
		slots = JAIL_GEN_SLOTS;
	} else if (fd != -ENOENT) {
		return info_error(fd, err, errlen, "%s", msg);
	}
	fd = open_map(pin_dir, JP_PIN_INFO, BPF_MAP_TYPE_ARRAY, sizeof(key), sizeof(*out), slots,
		      msg, sizeof(msg));
	if (fd < 0)
		return info_error(fd, err, errlen, "%s", msg);
	if (bpf_map_lookup_elem(fd, &key, out) < 0)
		ret = info_error(-errno, err, errlen, "pin '%s': %s", path, strerror(errno));
	/* Versions 0 and 1 are the one-slot layout, 2 the slotted one. */
	else if (out->version > JP_INFO_VERSION)
		ret = info_error(-EPROTONOSUPPORT, err, errlen,
				 "pin '%s': info version %u is newer than this jail-ai-block "
				 "reads (up to %d)",
				 path, out->version, JP_INFO_VERSION);
	close(fd);
	return ret;
}

/* Whether id is one of the maps the program prog_fd uses. */
static int prog_uses_map(int prog_fd, uint32_t id)
{
	struct bpf_prog_info pi;
	uint32_t ids[64], len = sizeof(pi), i;

	memset(&pi, 0, sizeof(pi));
	pi.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	pi.map_ids = (uint64_t)(uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &pi, &len) < 0)
		return -errno;
	for (i = 0; i < pi.nr_map_ids && i < sizeof(ids) / sizeof(ids[0]); i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

static int map_id(int fd, uint32_t *id)
{
	struct bpf_map_info mi;
	uint32_t len = sizeof(mi);

	memset(&mi, 0, sizeof(mi));
	if (bpf_obj_get_info_by_fd(fd, &mi, &len) < 0)
		return -errno;
	*id = mi.id;
	return 0;
}

/* The pin name+suffix as an fd, if it is a map prog_fd uses: 1, 0 when
 * it is not (or there is no such pin), or -errno. */
static int open_used_map(const char *pin_dir, const char *name, const char *suffix, int prog_fd,
			 int *out)
{
	char full[64];
	uint32_t id = 0;
	int fd, ret;

	snprintf(full, sizeof(full), "%s%s", name, suffix);
	fd = jp_pin_get(pin_dir, full);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	ret = map_id(fd, &id);
	if (!ret)
		ret = prog_uses_map(prog_fd, id);
	if (ret <= 0) {
		close(fd);
		return ret;
	}
	*out = fd;
	return 1;
}

/* The program of generation gen for hook h, as an fd, or -errno. */
static int gen_prog_fd(const char *pin_dir, uint32_t gen, enum jp_hook h, char *err, size_t errlen)
{
	uint32_t slot = gen % JAIL_GEN_SLOTS, prog_id;
	int gen_fd, fd, ret;

	gen_fd = open_map(pin_dir, jp_pin_gen(h), BPF_MAP_TYPE_PROG_ARRAY, sizeof(uint32_t),
			  sizeof(uint32_t), JAIL_GEN_SLOTS, err, errlen);
	if (gen_fd < 0)
		return gen_fd;
	/* From user space a PROG_ARRAY slot reads as the program's id. */
	ret = bpf_map_lookup_elem(gen_fd, &slot, &prog_id) < 0 ? -errno : 0;
	close(gen_fd);
	if (ret) {
		snprintf(err, errlen, "'%s': generation %u has no %s program: %s", pin_dir, gen,
			 jp_hook_name(h), strerror(-ret));
		return ret;
	}
	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "'%s': cannot open program %u: %s", pin_dir, prog_id,
			 strerror(-ret));
		return ret;
	}
	return fd;
}

/*
 * The host set of the generation in force is the pin its programs use:
 * "map_hosts" once its attach finished, "map_hosts_new" when the attach
 * was killed between its switch and the rename.  Its connect4 and
 * connect6 programs both read it (every policy attaches both).
 */
static int open_live_tables(const char *pin_dir, uint32_t gen, struct jp_live *l, char *err,
			    size_t errlen)
{
	static const char *const suffixes[] = { "", JP_PIN_NEW };
	int prog4, prog6, ret = 0;
	size_t k;

	prog4 = gen_prog_fd(pin_dir, gen, JP_HOOK_CONNECT4, err, errlen);
	if (prog4 < 0)
		return prog4;
	prog6 = gen_prog_fd(pin_dir, gen, JP_HOOK_CONNECT6, err, errlen);
	if (prog6 < 0) {
		close(prog4);
		return prog6;
	}
	for (k = 0; k < sizeof(suffixes) / sizeof(suffixes[0]) && !ret; k++) {
		ret = open_used_map(pin_dir, jp_pin_map(JP_MAP_HOSTS), suffixes[k], prog4,
				    &l->rec_fd);
		if (ret == 1) {
			uint32_t id = 0;

			ret = map_id(l->rec_fd, &id);
			if (!ret)
				ret = prog_uses_map(prog6, id);
			if (ret == 0)
				ret = -ESTALE; /* the two programs of another generation each */
		}
	}
	close(prog4);
	close(prog6);
	if (ret == 1)
		return 0;
	if (ret == 0) {
		snprintf(err, errlen,
			 "'%s': the programs in force do not read a host set (attached by an "
			 "earlier jail-ai-block); attach the policy again",
			 pin_dir);
		return -ENOENT;
	}
	if (ret == -ESTALE) {
		snprintf(err, errlen,
			 "'%s': no pinned tables are those of the policy in force; attach the "
			 "policy again",
			 pin_dir);
		return -ESTALE;
	}
	if (!err[0])
		snprintf(err, errlen, "'%s': cannot open the tables in force: %s", pin_dir,
			 strerror(-ret));
	return ret;
}

/* The generation in force in the jail pinned at pin_dir, from its ctl. */
static int read_pinned_gen(const char *pin_dir, uint32_t *gen, char *err, size_t errlen)
{
	int ctl_fd, ret;

	ctl_fd = open_map(pin_dir, JP_PIN_CTL, BPF_MAP_TYPE_ARRAY, sizeof(uint32_t),
			  sizeof(struct jail_ctl), 1, err, errlen);
	if (ctl_fd < 0)
		return ctl_fd;
	ret = read_ctl(ctl_fd, gen, NULL);
	close(ctl_fd);
	if (ret)
		snprintf(err, errlen, "cannot read '%s/%s': %s", pin_dir, JP_PIN_CTL,
			 strerror(-ret));
	return ret;
}

int jp_live_open(const char *pin_dir, struct jp_live *l, char *err, size_t errlen)
{
	int ret;

	memset(l, 0, sizeof(*l));
	l->info_fd = l->rec_fd = -1;
	err[0] = '\0';
	ret = jp_read_info(pin_dir, &l->info, err, errlen);
	if (ret)
		return ret;
	ret = read_pinned_gen(pin_dir, &l->gen, err, errlen);
	if (ret)
		return ret;
	if (l->gen == JAIL_GEN_NONE) {
		snprintf(err, errlen, "'%s': no policy in force (an attach did not finish)",
			 pin_dir);
		return -EINPROGRESS;
	}
	l->info_fd = open_map(pin_dir, JP_PIN_INFO, BPF_MAP_TYPE_ARRAY, sizeof(uint32_t),
			      sizeof(struct jp_info), JAIL_GEN_SLOTS, err, errlen);
	if (l->info_fd < 0) {
		ret = l->info_fd;
		goto fail;
	}
	ret = open_live_tables(pin_dir, l->gen, l, err, errlen);
	if (!ret)
		return 0;
fail:
	jp_live_close(l);
	return ret;
}

int jp_live_set_n_hosts(struct jp_live *l, uint32_t n)
{
	uint32_t slot = l->gen % JAIL_GEN_SLOTS;

	if (l->info.n_hosts == n)
		return 0;
	l->info.n_hosts = n;
	return bpf_map_update_elem(l->info_fd, &slot, &l->info, BPF_EXIST) < 0 ? -errno : 0;
}

void jp_live_close(struct jp_live *l)
{
	close_fd(&l->info_fd);
	close_fd(&l->rec_fd);
}

static int no_jail_dir(const char *path, const char *name, void *arg)
{
	(void)path;
	(void)name;
	(void)arg;
	return 1;
}

void jp_pins_tidy(void)
{
	if (jp_pin_dir_foreach(JP_PIN_ROOT, JP_PIN_DIR_PREFIX, no_jail_dir, NULL) == 0)
		jp_pin_unlink(JP_PIN_ROOT, JP_PIN_EVENTS, "");
}

int jp_read_evstate(const char *pin_dir, uint64_t *emitted, uint64_t *dropped)
{
	struct jail_evstate st;
	uint32_t key = 0;
	char err[256];
	int fd, ret = 0;

	fd = open_map(pin_dir, JP_PIN_EVSTATE, BPF_MAP_TYPE_ARRAY, sizeof(key), sizeof(st), 1, err,
		      sizeof(err));
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &key, &st) < 0) {
		ret = -errno;
	} else {
		*emitted = st.emitted;
		*dropped = st.dropped;
	}
	close(fd);
	return ret;
}

/* Counter slot key of a PERCPU_ARRAY, summed over the possible CPUs. */
static int sum_percpu(int fd, uint32_t key, uint64_t *vals, int ncpu, uint64_t *out)
{
	int c;

	if (bpf_map_lookup_elem(fd, &key, vals) < 0)
		return -errno;
	*out = 0;
	for (c = 0; c < ncpu; c++)
		*out += vals[c];
	return 0;
}

/* The striped counters (jail_abi.h) of map fd, summed over the CPUs,
 * read through one mapping. */
static int sum_stripes(int fd, const struct bpf_map_info *mi, uint32_t ncpu, struct jp_counts *out)
{
	size_t len = (size_t)mi->max_entries * sizeof(uint64_t), slots, c, s;
	const uint64_t *p;

	if (mi->value_size != sizeof(uint64_t) || !mi->max_entries || mi->max_entries % ncpu)
		return -EPROTO;
	slots = mi->max_entries / ncpu;
	out->v = calloc(slots, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	out->n = (uint32_t)slots;
	for (c = 0; c < ncpu; c++)
		for (s = 0; s < slots; s++)
			out->v[s] += __atomic_load_n(&p[c * slots + s], __ATOMIC_RELAXED);
	munmap((void *)p, len);
	return 0;
}

/* The counters of generation gen, which was in force a moment ago. */
static int read_counts_once(const char *pin_dir, uint32_t gen, struct jp_counts *out, char *err,
			    size_t errlen)
{
	static const char *const suffixes[] = { "", JP_PIN_NEW };
	uint64_t *vals = NULL;
	int prog = -1, fd = -1, ncpu, ret;
	struct bpf_map_info mi;
	uint32_t len = sizeof(mi), k;
	size_t s;

	memset(out, 0, sizeof(*out));
	out->gen = gen;
	ret = jp_read_info(pin_dir, &out->info, err, errlen);
	if (ret)
		return ret;
	/* The counters the program in force counts in, as open_live_tables()
	 * finds its tables: the pin, or its _new after a crash. */
	prog = gen_prog_fd(pin_dir, out->gen, JP_HOOK_CONNECT4, err, errlen);
	if (prog < 0)
		return prog;
	for (s = 0, ret = 0; s < 2 && !ret; s++)
		ret = open_used_map(pin_dir, jp_pin_map(JP_MAP_COUNTS), suffixes[s], prog, &fd);
	close(prog);
	if (ret <= 0) {
		if (!ret)
			snprintf(err, errlen,
				 "'%s': the policy in force was attached by a jail-ai-block "
				 "without counters; attach it again to count",
				 pin_dir);
		else
			snprintf(err, errlen, "cannot open the counters in '%s': %s", pin_dir,
				 strerror(-ret));
		return ret ? ret : -ENODATA;
	}
	ret = 0;
	memset(&mi, 0, sizeof(mi));
	ncpu = libbpf_num_possible_cpus();
	if (bpf_obj_get_info_by_fd(fd, &mi, &len) < 0 || ncpu <= 0) {
		ret = ncpu <= 0 ? ncpu : -errno;
		snprintf(err, errlen, "cannot read the counters in '%s': %s", pin_dir,
			 strerror(-ret));
		goto cleanup;
	}
	if (mi.type == BPF_MAP_TYPE_ARRAY) {
		ret = sum_stripes(fd, &mi, (uint32_t)ncpu, out);
	} else {
		/* A jail of before the stripes: a PERCPU_ARRAY. */
		vals = calloc((size_t)ncpu, sizeof(*vals));
		out->v = calloc(mi.max_entries ? mi.max_entries : 1, sizeof(*out->v));
		if (!vals || !out->v) {
			ret = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto cleanup;
		}
		out->n = mi.max_entries;
		for (k = 0; k < out->n && !ret; k++)
			ret = sum_percpu(fd, k, vals, ncpu, &out->v[k]);
	}
	if (ret)
		snprintf(err, errlen, "cannot read the counters in '%s': %s", pin_dir,
			 strerror(-ret));
	else
		out->has_evstate = !jp_read_evstate(pin_dir, &out->emitted, &out->dropped);
cleanup:
	free(vals);
	close(fd);
	if (ret)
		jp_counts_free(out);
	return ret;
}

/* A replace may switch while the counters are read: then the info, the
 * program and the counters could be of two generations.  Read again
 * until the generation in force is the same before and after. */
int jp_read_counts(const char *pin_dir, struct jp_counts *out, char *err, size_t errlen)
{
	uint32_t before, after;
	char why[256];
	int tries, ret = 0;

	for (tries = 0; tries < 3; tries++) {
		ret = read_pinned_gen(pin_dir, &before, err, errlen);
		if (ret)
			return ret;
		ret = read_counts_once(pin_dir, before, out, err, errlen);
		if (read_pinned_gen(pin_dir, &after, why, sizeof(why)) || after == before)
			return ret;
		if (!ret)
			jp_counts_free(out);
	}
	snprintf(err, errlen, "'%s': the policy changed while its counters were read; try again",
		 pin_dir);
	return -EAGAIN;
}

void jp_counts_free(struct jp_counts *c)
{
	free(c->v);
	c->v = NULL;
	c->n = 0;
}
