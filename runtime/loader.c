/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loader.c - load the jail templates with a policy, attach them to a cgroup
 * through bpf_links and pin the result (loader.h has the contract).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "jail.skel.h"
#include "loader.h"

/* Room left in each address table for host addresses a later netlink
 * refresh adds, beyond those known now. */
#define JP_HOST_SLACK 256

static struct bpf_program *hook_prog(struct jail_bpf *skel, enum jp_hook h)
{
	switch (h) {
	case JP_HOOK_CONNECT4:
		return skel->progs.jail_connect4;
	case JP_HOOK_CONNECT6:
		return skel->progs.jail_connect6;
	case JP_HOOK_SENDMSG4:
		return skel->progs.jail_sendmsg4;
	case JP_HOOK_SENDMSG6:
		return skel->progs.jail_sendmsg6;
	case JP_HOOK_EGRESS:
	case JP_HOOK_MAX:
		break;
	}
	return skel->progs.jail_egress;
}

static struct bpf_map *skel_map(struct jail_bpf *skel, enum jp_map m)
{
	switch (m) {
	case JP_MAP_LPM4:
		return skel->maps.pol_lpm4;
	case JP_MAP_LPM6:
		return skel->maps.pol_lpm6;
	case JP_MAP_DEC:
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
 * Insert each host address as an exact entry mapping to the host_did of the
 * entry that covers it in the policy.  Loopback and unspecified addresses
 * are never inserted: the `loopback` and `unspecified` sets cover them with
 * their own netns scope, and a host entry would override that.
 */
static int fill_hosts(struct jail_bpf *skel, const struct jp_load_opts *o, uint32_t *n_inserted,
		      char *err, size_t errlen)
{
	const struct jp_hosts *h = o->hosts;
	int fd4 = bpf_map__fd(skel->maps.pol_lpm4);
	int fd6 = bpf_map__fd(skel->maps.pol_lpm6);
	size_t i;

	*n_inserted = 0;
	for (i = 0; h && i < h->n; i++) {
		const struct jp_addr *a = &h->v[i];
		struct pol_addr_val v;
		int ret;

		if ((a->family != 4 && a->family != 6) || pol_never_host(a->family, a->addr))
			continue;
		if (pol_tables_host_val(o->policy, a->family, a->addr, &v))
			goto broken;
		if (a->family == 4) {
			struct pol_lpm4_key k = { .prefixlen = 32 };

			memcpy(k.addr, a->addr, 4);
			ret = bpf_map_update_elem(fd4, &k, &v, BPF_ANY);
		} else {
			struct pol_lpm6_key k = { .prefixlen = 128 };

			memcpy(k.addr, a->addr, 16);
			ret = bpf_map_update_elem(fd6, &k, &v, BPF_ANY);
		}
		if (ret < 0) {
			ret = -errno;
			snprintf(err, errlen, "cannot add host address %zu to map '%s': %s", i,
				 a->family == 4 ? "pol_lpm4" : "pol_lpm6", strerror(-ret));
			return ret;
		}
		(*n_inserted)++;
	}
	return 0;
broken:
	snprintf(err, errlen,
		 "policy has no /0 entry covering host address %zu; recompile it with jailpolc", i);
	return -EBADMSG;
}

static size_t count_hosts(const struct jp_hosts *h, uint8_t family)
{
	size_t i, n = 0;

	for (i = 0; h && i < h->n; i++)
		n += h->v[i].family == family;
	return n;
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

/* Before load: the rodata knobs, the map sizes, whether the backstop
 * program loads at all. */
static int configure_skel(struct jail_bpf *skel, const struct jp_load_opts *o, bool egress_cookie,
			  char *err, size_t errlen)
{
	const struct pol_tables *t = o->policy;
	int ret;

	skel->rodata->host_netns_cookie = o->host_netns_cookie;
	skel->rodata->uses_scope = !!(t->consts.flags & POL_CF_USES_SCOPE);
	skel->rodata->egress_netns_cookie = egress_cookie;

	ret = set_size(skel->maps.pol_lpm4,
		       (size_t)t->n_lpm4 + count_hosts(o->hosts, 4) + JP_HOST_SLACK, err, errlen);
	if (!ret)
		ret = set_size(skel->maps.pol_lpm6,
			       (size_t)t->n_lpm6 + count_hosts(o->hosts, 6) + JP_HOST_SLACK, err,
			       errlen);
	if (!ret)
		ret = set_size(skel->maps.pol_dec, t->n_dec ? t->n_dec : 1, err, errlen);
	if (!ret)
		ret = bpf_program__set_autoload(skel->progs.jail_egress,
						!!(t->consts.flags & POL_CF_BACKSTOP));
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

/* After load: the policy's tables into the maps. */
static int fill_tables(struct jail_bpf *skel, const struct pol_tables *t, char *err, size_t errlen)
{
	const struct {
		struct bpf_map *map;
		const void *entries;
		size_t n, entry_size, key_size;
	} tables[] = {
		{ skel->maps.pol_lpm4, t->lpm4, t->n_lpm4, sizeof(*t->lpm4), sizeof(t->lpm4->key) },
		{ skel->maps.pol_lpm6, t->lpm6, t->n_lpm6, sizeof(*t->lpm6), sizeof(t->lpm6->key) },
		{ skel->maps.pol_dec, t->dec, t->n_dec, sizeof(*t->dec), sizeof(t->dec->key) },
	};
	size_t k;
	int ret;

	for (k = 0; k < sizeof(tables) / sizeof(tables[0]); k++) {
		ret = fill_map(bpf_map__fd(tables[k].map), tables[k].entries, tables[k].n,
			       tables[k].entry_size, tables[k].key_size);
		if (ret) {
			snprintf(err, errlen, "map '%s' needs %zu entries: %s",
				 bpf_map__name(tables[k].map), tables[k].n, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* Open, size and load the templates for o->policy, then fill the maps. */
static int load_skel(const struct jp_load_opts *o, bool egress_cookie, struct jail_bpf **out,
		     uint32_t *n_hosts, char *err, size_t errlen)
{
	struct jail_bpf *skel;
	int ret;

	skel = jail_bpf__open();
	if (!skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the BPF templates: %s", strerror(-ret));
		return ret;
	}
	ret = configure_skel(skel, o, egress_cookie, err, errlen);
	if (ret)
		goto fail;
	ret = jail_bpf__load(skel);
	if (ret) {
		load_error(ret, err, errlen);
		goto fail;
	}
	ret = fill_tables(skel, o->policy, err, errlen);
	if (!ret)
		ret = fill_hosts(skel, o, n_hosts, err, errlen);
	if (ret)
		goto fail;
	*out = skel;
	return 0;
fail:
	jail_bpf__destroy(skel);
	return ret;
}

/* The info map: an ARRAY of one jp_info, pinned as "info". */
static int make_info(const struct jp_info *info, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = 0);
	uint32_t key = 0;
	int fd, ret;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "jailpol_info", sizeof(key), sizeof(*info), 1,
			    &opts);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot create the info map: %s", strerror(-ret));
		return ret;
	}
	if (bpf_map_update_elem(fd, &key, info, BPF_ANY) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot fill the info map: %s", strerror(-ret));
		close(fd);
		return ret;
	}
	return fd;
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
	info->policy_flags = t->consts.flags;
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
	return hooks;
}

/* Attach a new link for each hook in hooks that has none in links yet. */
static int attach_links(const struct jp_load_opts *o, struct jail_bpf *skel, uint32_t hooks,
			struct bpf_link *links[JP_HOOK_MAX], char *err, size_t errlen)
{
	int h, ret;

	for (h = 0; h < JP_HOOK_MAX; h++) {
		if (!(hooks & 1u << h) || links[h])
			continue;
		links[h] = bpf_program__attach_cgroup(hook_prog(skel, h), o->cgroup_fd);
		if (!links[h]) {
			ret = -errno;
			snprintf(err, errlen, "cannot attach the %s hook to the cgroup: %s",
				 jp_hook_name(h), strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* Pin each link in links under its name. */
static int pin_links(const char *pin_dir, struct bpf_link *links[JP_HOOK_MAX], char *err,
		     size_t errlen)
{
	int h, ret;

	for (h = 0; h < JP_HOOK_MAX; h++) {
		if (!links[h])
			continue;
		ret = jp_pin_obj(bpf_link__fd(links[h]), pin_dir, jp_pin_link(h), "", err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

/* A policy's table pins: its maps, then the info. */
#define N_TABLE_PINS (JP_MAP_MAX + 1)

static const char *table_pin(int i)
{
	return i < JP_MAP_MAX ? jp_pin_map(i) : JP_PIN_INFO;
}

/* Pin the policy's maps and an info map holding info, the names ending
 * in suffix. */
static int pin_tables(const char *pin_dir, struct jail_bpf *skel, const struct jp_info *info,
		      const char *suffix, char *err, size_t errlen)
{
	int i, ret = 0, info_fd;

	info_fd = make_info(info, err, errlen);
	if (info_fd < 0)
		return info_fd;
	for (i = 0; i < N_TABLE_PINS && !ret; i++)
		ret = jp_pin_obj(i < JP_MAP_MAX ? bpf_map__fd(skel_map(skel, i)) : info_fd, pin_dir,
				 table_pin(i), suffix, err, errlen);
	close(info_fd);
	return ret;
}

static void destroy_links(struct bpf_link *links[JP_HOOK_MAX])
{
	int h;

	for (h = 0; h < JP_HOOK_MAX; h++) {
		bpf_link__destroy(links[h]);
		links[h] = NULL;
	}
}

static int attach_fresh(const struct jp_load_opts *o, struct jail_bpf *skel, uint32_t n_hosts,
			char *err, size_t errlen)
{
	struct bpf_link *links[JP_HOOK_MAX] = { 0 };
	uint32_t hooks = wanted_hooks(o->policy);
	struct jp_info info;
	int ret;

	ret = jp_pins_check(err, errlen);
	if (ret)
		return ret;
	ret = attach_links(o, skel, hooks, links, err, errlen);
	if (ret)
		goto cleanup;
	ret = jp_pin_dir_create(o->pin_dir, err, errlen);
	if (ret)
		goto cleanup;
	fill_info(&info, o, hooks, n_hosts);
	ret = pin_links(o->pin_dir, links, err, errlen);
	if (!ret)
		ret = pin_tables(o->pin_dir, skel, &info, "", err, errlen);
	/* Unpin first: then closing the link fds below detaches the links. */
	if (ret)
		jp_pin_dir_remove(o->pin_dir);
cleanup:
	/* Closing a pinned link's fd leaves it attached. */
	destroy_links(links);
	return ret;
}

/*
 * A replacement, step by step (replace() below): prepare what can fail
 * without touching the jail (open the old links, pin the new tables under
 * temporary names, attach links for hooks the policy adds), then install
 * (swap each old link's program, pin the added links), then commit (rename
 * the new tables over the old ones, detach hooks the policy drops).  A
 * failure before the commit rolls back to the old policy whole.
 */
struct swap {
	uint32_t hooks;                         /* what the new policy attaches */
	int old_link[JP_HOOK_MAX];              /* pinned links, or -1 */
	int old_prog[JP_HOOK_MAX];              /* the programs they ran, or -1 */
	struct bpf_link *new_link[JP_HOOK_MAX]; /* hooks the new policy adds */
	bool switched[JP_HOOK_MAX];             /* runs the new program */
	bool pinned;                            /* _new pins or added links pinned */
};

static uint32_t old_hooks(const struct swap *s)
{
	uint32_t hooks = 0;
	int h;

	for (h = 0; h < JP_HOOK_MAX; h++)
		if (s->old_link[h] >= 0)
			hooks |= 1u << h;
	return hooks;
}

static void swap_init(struct swap *s, uint32_t hooks)
{
	int h;

	memset(s, 0, sizeof(*s));
	s->hooks = hooks;
	for (h = 0; h < JP_HOOK_MAX; h++)
		s->old_link[h] = s->old_prog[h] = -1;
}

/* The program a link runs now, as an fd, or -errno. */
static int link_prog_fd(int link_fd, uint64_t cgroup_id)
{
	struct bpf_link_info li;
	uint32_t len = sizeof(li);
	int fd;

	memset(&li, 0, sizeof(li));
	if (bpf_obj_get_info_by_fd(link_fd, &li, &len) < 0)
		return -errno;
	if (li.type != BPF_LINK_TYPE_CGROUP || li.cgroup.cgroup_id != cgroup_id)
		return -ESTALE;
	fd = bpf_prog_get_fd_by_id(li.prog_id);
	return fd < 0 ? -errno : fd;
}

/* Open the pinned link of hook h and the program it runs, for a rollback;
 * no pin is fine. */
static int swap_open_old(const struct jp_load_opts *o, struct swap *s, int h, char *err,
			 size_t errlen)
{
	char path[PATH_MAX];
	int fd;

	if (jp_pin_path(path, sizeof(path), o->pin_dir, jp_pin_link(h), ""))
		return -ENAMETOOLONG;
	fd = jp_pin_get(o->pin_dir, jp_pin_link(h));
	if (fd == -ENOENT)
		return 0;
	if (fd < 0) {
		snprintf(err, errlen, "cannot open the pinned link '%s': %s", path, strerror(-fd));
		return fd;
	}
	s->old_link[h] = fd;
	fd = link_prog_fd(s->old_link[h], o->cgroup_id);
	if (fd == -ESTALE)
		snprintf(err, errlen,
			 "pinned link '%s' is not attached to this cgroup; run detach, then "
			 "attach again",
			 path);
	else if (fd < 0)
		snprintf(err, errlen, "cannot read the pinned link '%s': %s", path, strerror(-fd));
	else
		s->old_prog[h] = fd;
	return fd < 0 ? fd : 0;
}

/* Pin the new maps and info as "<name>_new": the old info's attach time
 * carries over. */
static int swap_pin_tables(const struct jp_load_opts *o, struct jail_bpf *skel, uint32_t n_hosts,
			   struct swap *s, char *err, size_t errlen)
{
	struct jp_info old_info, info;

	if (jp_read_info(o->pin_dir, &old_info, NULL, 0))
		memset(&old_info, 0, sizeof(old_info));
	fill_info(&info, o, s->hooks, n_hosts);
	if (old_info.attached_at)
		info.attached_at = old_info.attached_at;
	info.replaced_at = (uint64_t)time(NULL);
	s->pinned = true;
	return pin_tables(o->pin_dir, skel, &info, JP_PIN_NEW, err, errlen);
}

/* The switch: one atomic program swap per hook.  BPF_F_REPLACE makes the
 * swap fail if someone else changed the link meanwhile. */
static int swap_switch(struct jail_bpf *skel, struct swap *s, char *err, size_t errlen)
{
	int h, ret;

	for (h = 0; h < JP_HOOK_MAX; h++) {
		LIBBPF_OPTS(bpf_link_update_opts, uo, .flags = BPF_F_REPLACE,
			    .old_prog_fd = s->old_prog[h]);

		if (!(s->hooks & 1u << h) || s->old_link[h] < 0)
			continue;
		if (bpf_link_update(s->old_link[h], bpf_program__fd(hook_prog(skel, h)), &uo) < 0) {
			ret = -errno;
			snprintf(err, errlen,
				 "cannot switch the %s hook to the new policy: %s; the old policy "
				 "stays in force",
				 jp_hook_name(h), strerror(-ret));
			return ret;
		}
		s->switched[h] = true;
	}
	return 0;
}

/* Pin the added links; from here on the new policy holds. */
static int swap_pin_added(const struct jp_load_opts *o, struct swap *s, char *err, size_t errlen)
{
	int ret;
	size_t n;

	s->pinned = true;
	ret = pin_links(o->pin_dir, s->new_link, err, errlen);
	if (ret) {
		n = strlen(err);
		snprintf(err + n, errlen - n, "; the old policy stays in force");
	}
	return ret;
}

/* rename() the new tables over the old pins; after a failure go on, and
 * keep the first one in err. */
static int swap_commit_tables(const struct jp_load_opts *o, char *err, size_t errlen)
{
	char later[512];
	int i, ret = 0, r;

	for (i = 0; i < N_TABLE_PINS; i++) {
		r = jp_pin_commit(o->pin_dir, table_pin(i), ret ? later : err,
				  ret ? sizeof(later) : errlen);
		if (!ret)
			ret = r;
	}
	return ret;
}

/* Hooks the new policy drops go last: a detach cannot be undone.  The
 * first failure is kept in err unless err already holds one. */
static int swap_detach_dropped(const struct jp_load_opts *o, struct swap *s, int ret, char *err,
			       size_t errlen)
{
	int h;

	for (h = 0; h < JP_HOOK_MAX; h++) {
		if ((s->hooks & 1u << h) || s->old_link[h] < 0)
			continue;
		if (bpf_link_detach(s->old_link[h]) < 0 && !ret) {
			ret = -errno;
			snprintf(err, errlen,
				 "policy replaced, but the old %s hook could not be detached: %s; "
				 "run detach, then attach again",
				 jp_hook_name(h), strerror(-ret));
		}
		jp_pin_unlink(o->pin_dir, jp_pin_link(h), "");
	}
	return ret;
}

/* Roll back: old programs back onto the switched links, new pins removed,
 * added links unpinned and (by swap_free) detached. */
static void swap_rollback(const struct jp_load_opts *o, struct swap *s, char *err, size_t errlen)
{
	int h, i;

	for (h = 0; h < JP_HOOK_MAX; h++) {
		if (s->switched[h] && bpf_link_update(s->old_link[h], s->old_prog[h], NULL) < 0) {
			size_t n = strlen(err);

			snprintf(err + n, errlen - n,
				 "; rolling back the %s hook failed too (%s): run detach",
				 jp_hook_name(h), strerror(errno));
		}
	}
	if (!s->pinned)
		return;
	for (i = 0; i < N_TABLE_PINS; i++)
		jp_pin_unlink(o->pin_dir, table_pin(i), JP_PIN_NEW);
	for (h = 0; h < JP_HOOK_MAX; h++)
		if (s->new_link[h])
			jp_pin_unlink(o->pin_dir, jp_pin_link(h), "");
}

static void swap_free(struct swap *s)
{
	int h;

	destroy_links(s->new_link);
	for (h = 0; h < JP_HOOK_MAX; h++) {
		if (s->old_link[h] >= 0)
			close(s->old_link[h]);
		if (s->old_prog[h] >= 0)
			close(s->old_prog[h]);
	}
}

static int replace(const struct jp_load_opts *o, struct jail_bpf *skel, uint32_t n_hosts, char *err,
		   size_t errlen)
{
	struct swap s;
	int ret = 0, h;

	swap_init(&s, wanted_hooks(o->policy));
	/* Prepare: everything that can fail without touching the jail. */
	for (h = 0; h < JP_HOOK_MAX && !ret; h++)
		ret = swap_open_old(o, &s, h, err, errlen);
	if (!ret)
		ret = swap_pin_tables(o, skel, n_hosts, &s, err, errlen);
	/* Hooks new in this policy get their own link before any old one is
	 * switched, so a failure here leaves the old policy whole. */
	if (!ret)
		ret = attach_links(o, skel, s.hooks & ~old_hooks(&s), s.new_link, err, errlen);
	/* Install. */
	if (!ret)
		ret = swap_switch(skel, &s, err, errlen);
	if (!ret)
		ret = swap_pin_added(o, &s, err, errlen);
	if (ret == -ENAMETOOLONG && !err[0])
		snprintf(err, errlen, "pin directory '%s' is too long", o->pin_dir);
	if (ret) {
		swap_rollback(o, &s, err, errlen);
		goto cleanup;
	}
	/* Committed: nothing below rolls back. */
	ret = swap_commit_tables(o, err, errlen);
	ret = swap_detach_dropped(o, &s, ret, err, errlen);
cleanup:
	swap_free(&s);
	return ret;
}

static bool egress_has_cookie(void)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_CGROUP_SKB, BPF_FUNC_get_netns_cookie, NULL) ==
	       1;
}

int jp_load_attach(const struct jp_load_opts *o, bool *replaced, char *err, size_t errlen)
{
	libbpf_print_fn_t old_print;
	struct jail_bpf *skel = NULL;
	uint32_t n_hosts = 0;
	int ret;

	err[0] = '\0';
	log_reset(o->debug);
	old_print = libbpf_set_print(libbpf_log);

	ret = load_skel(o, egress_has_cookie(), &skel, &n_hosts, err, errlen);
	if (ret)
		goto cleanup;
	ret = jp_pin_dir_has_links(o->pin_dir);
	if (ret < 0) {
		snprintf(err, errlen, "cannot read '%s': %s", o->pin_dir, strerror(-ret));
		goto cleanup;
	}
	*replaced = ret;
	if (ret)
		ret = replace(o, skel, n_hosts, err, errlen);
	else
		ret = attach_fresh(o, skel, n_hosts, err, errlen);
cleanup:
	/* The programs stay alive through the links that use them. */
	jail_bpf__destroy(skel);
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
	struct bpf_map_info mi;
	uint32_t len = sizeof(mi), key = 0;
	char path[PATH_MAX];
	int fd, ret = 0;

	if (jp_pin_path(path, sizeof(path), pin_dir, JP_PIN_INFO, ""))
		return info_error(-ENAMETOOLONG, err, errlen, "pin directory '%s' is too long",
				  pin_dir);
	fd = jp_pin_get(pin_dir, JP_PIN_INFO);
	if (fd < 0)
		return info_error(fd, err, errlen, "pin '%s': %s", path, strerror(-fd));
	memset(&mi, 0, sizeof(mi));
	/* A pin of another jailpol version may hold a different struct. */
	if (bpf_obj_get_info_by_fd(fd, &mi, &len) < 0)
		ret = info_error(-errno, err, errlen, "pin '%s': %s", path, strerror(errno));
	else if (mi.type != BPF_MAP_TYPE_ARRAY || mi.value_size != sizeof(*out) ||
		 mi.key_size != sizeof(key))
		ret = info_error(-EPROTO, err, errlen,
				 "pin '%s': not an info map of this layout (value of %u bytes, "
				 "this jail-ai-block reads %zu)",
				 path, mi.value_size, sizeof(*out));
	else if (bpf_map_lookup_elem(fd, &key, out) < 0)
		ret = info_error(-errno, err, errlen, "pin '%s': %s", path, strerror(errno));
	/* Version 0 is the same layout, written before the field existed. */
	else if (out->version > JP_INFO_VERSION)
		ret = info_error(-EPROTONOSUPPORT, err, errlen,
				 "pin '%s': info version %u is newer than this jail-ai-block "
				 "reads (up to %d)",
				 path, out->version, JP_INFO_VERSION);
	close(fd);
	return ret;
}
