/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loader.c - load the jail templates with a policy, attach them to a cgroup
 * through bpf_links and pin the result (loader.h has the contract).
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "jail.skel.h"
#include "loader.h"

static const char *const hook_names[] = {
	[JP_HOOK_CONNECT4] = "connect4",
	[JP_HOOK_CONNECT6] = "connect6",
	[JP_HOOK_SENDMSG4] = "sendmsg4",
	[JP_HOOK_SENDMSG6] = "sendmsg6",
	[JP_HOOK_EGRESS] = "egress",
};
_Static_assert(sizeof(hook_names) / sizeof(hook_names[0]) == JP_HOOK_MAX,
	       "hook_names and enum jp_hook differ");

/* Map pins: name in bpffs, skeleton map. */
enum jp_map {
	JP_MAP_LPM4,
	JP_MAP_LPM6,
	JP_MAP_DEC,
	JP_MAP_MAX,
};

static const char *const map_pins[] = {
	[JP_MAP_LPM4] = "map_lpm4",
	[JP_MAP_LPM6] = "map_lpm6",
	[JP_MAP_DEC] = "map_dec",
};
_Static_assert(sizeof(map_pins) / sizeof(map_pins[0]) == JP_MAP_MAX,
	       "map_pins and enum jp_map differ");

#define JP_INFO_PIN "info"
/* Suffix of the pins a replacement writes before renaming them over;
 * bpffs refuses names with a dot. */
#define JP_NEW_SUFFIX "_new"
/* Room left in each address table for host addresses a later netlink
 * refresh adds, beyond those known now. */
#define JP_HOST_SLACK 256

const char *jp_hook_name(enum jp_hook h)
{
	return (unsigned int)h < JP_HOOK_MAX ? hook_names[h] : "?";
}

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

static int pin_path(char *buf, size_t len, const char *dir, const char *name,
		    const char *suffix)
{
	int n = snprintf(buf, len, "%s/%s%s", dir, name, suffix);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
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
static int fill_map(int fd, const void *entries, size_t n, size_t entry_size,
		    size_t key_size)
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
static int fill_hosts(struct jail_bpf *skel, const struct jp_load_opts *o,
		      uint32_t *n_inserted, char *err, size_t errlen)
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

/* Open, size and load the templates for o->policy, then fill the maps. */
static int load_skel(const struct jp_load_opts *o, bool egress_cookie,
		     struct jail_bpf **out, uint32_t *n_hosts, char *err, size_t errlen)
{
	const struct pol_tables *t = o->policy;
	struct jail_bpf *skel;
	int ret;

	skel = jail_bpf__open();
	if (!skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the BPF templates: %s", strerror(-ret));
		return ret;
	}
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
	if (ret) {
		if (!err[0])
			snprintf(err, errlen, "cannot configure the BPF templates: %s",
				 strerror(-ret));
		goto fail;
	}

	ret = jail_bpf__load(skel);
	if (ret) {
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
		goto fail;
	}

	{
		const struct {
			const char *name;
			struct bpf_map *map;
			const void *entries;
			size_t n, entry_size, key_size;
		} tables[] = {
			{ "pol_lpm4", skel->maps.pol_lpm4, t->lpm4, t->n_lpm4,
			  sizeof(*t->lpm4), sizeof(t->lpm4->key) },
			{ "pol_lpm6", skel->maps.pol_lpm6, t->lpm6, t->n_lpm6,
			  sizeof(*t->lpm6), sizeof(t->lpm6->key) },
			{ "pol_dec", skel->maps.pol_dec, t->dec, t->n_dec,
			  sizeof(*t->dec), sizeof(t->dec->key) },
		};
		size_t k;

		for (k = 0; k < sizeof(tables) / sizeof(tables[0]); k++) {
			ret = fill_map(bpf_map__fd(tables[k].map), tables[k].entries,
				       tables[k].n, tables[k].entry_size, tables[k].key_size);
			if (ret) {
				snprintf(err, errlen, "map '%s' needs %zu entries: %s",
					 tables[k].name, tables[k].n, strerror(-ret));
				goto fail;
			}
		}
	}
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
}

/* bpffs must hold JP_PIN_ROOT, or the pins die with this process. */
static int check_bpffs(char *err, size_t errlen)
{
	char parent[] = JP_PIN_ROOT;
	struct statfs sfs;
	char *slash = strrchr(parent, '/');

	if (slash)
		*slash = '\0';
	if (statfs(parent, &sfs) < 0 || sfs.f_type != BPF_FS_MAGIC) {
		snprintf(err, errlen,
			 "'%s' is not a bpffs mount; mount it with "
			 "'mount -t bpf bpf %s' and try again",
			 parent, parent);
		return -ENOTDIR;
	}
	return 0;
}

/* 1 if pin_dir holds at least one link pin, 0 if not, -errno. */
static int has_link_pins(const char *pin_dir)
{
	struct dirent *de;
	DIR *d = opendir(pin_dir);
	int found = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "link_", 5)) {
			found = 1;
			break;
		}
	closedir(d);
	return found;
}

/* Unlink every entry of dir (our pins), then the directory. */
static void remove_pin_dir(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!pin_path(path, sizeof(path), dir, de->d_name, ""))
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static uint32_t wanted_hooks(const struct pol_tables *t)
{
	uint32_t hooks = 1u << JP_HOOK_CONNECT4 | 1u << JP_HOOK_CONNECT6 |
			 1u << JP_HOOK_SENDMSG4 | 1u << JP_HOOK_SENDMSG6;

	if (t->consts.flags & POL_CF_BACKSTOP)
		hooks |= 1u << JP_HOOK_EGRESS;
	return hooks;
}

static int attach_fresh(const struct jp_load_opts *o, struct jail_bpf *skel,
			uint32_t n_hosts, char *err, size_t errlen)
{
	struct bpf_link *links[JP_HOOK_MAX] = { 0 };
	uint32_t hooks = wanted_hooks(o->policy);
	bool made_dir = false;
	struct jp_info info;
	char path[PATH_MAX];
	int ret = 0, info_fd = -1, h, m;

	ret = check_bpffs(err, errlen);
	if (ret)
		return ret;
	for (h = 0; h < JP_HOOK_MAX; h++) {
		if (!(hooks & 1u << h))
			continue;
		links[h] = bpf_program__attach_cgroup(hook_prog(skel, h), o->cgroup_fd);
		if (!links[h]) {
			ret = -errno;
			snprintf(err, errlen, "cannot attach the %s hook to the cgroup: %s",
				 jp_hook_name(h), strerror(-ret));
			goto fail;
		}
	}

	if (mkdir(JP_PIN_ROOT, 0700) < 0 && errno != EEXIST) {
		ret = -errno;
		snprintf(err, errlen, "cannot create '%s': %s", JP_PIN_ROOT, strerror(-ret));
		goto fail;
	}
	/* A directory without link pins is a leftover of a crash: it enforces
	 * nothing, so its pins are replaced. */
	remove_pin_dir(o->pin_dir);
	if (mkdir(o->pin_dir, 0700) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot create '%s': %s", o->pin_dir, strerror(-ret));
		goto fail;
	}
	made_dir = true;

	for (h = 0; h < JP_HOOK_MAX; h++) {
		char name[32];

		if (!links[h])
			continue;
		snprintf(name, sizeof(name), "link_%s", jp_hook_name(h));
		ret = pin_path(path, sizeof(path), o->pin_dir, name, "");
		if (!ret && bpf_obj_pin(bpf_link__fd(links[h]), path) < 0)
			ret = -errno;
		if (ret) {
			snprintf(err, errlen, "cannot pin '%s': %s", path, strerror(-ret));
			goto fail;
		}
	}
	for (m = 0; m < JP_MAP_MAX; m++) {
		ret = pin_path(path, sizeof(path), o->pin_dir, map_pins[m], "");
		if (!ret && bpf_obj_pin(bpf_map__fd(skel_map(skel, m)), path) < 0)
			ret = -errno;
		if (ret) {
			snprintf(err, errlen, "cannot pin '%s': %s", path, strerror(-ret));
			goto fail;
		}
	}
	fill_info(&info, o, hooks, n_hosts);
	info_fd = make_info(&info, err, errlen);
	if (info_fd < 0) {
		ret = info_fd;
		goto fail;
	}
	ret = pin_path(path, sizeof(path), o->pin_dir, JP_INFO_PIN, "");
	if (!ret && bpf_obj_pin(info_fd, path) < 0)
		ret = -errno;
	if (ret) {
		snprintf(err, errlen, "cannot pin '%s': %s", path, strerror(-ret));
		goto fail;
	}
	ret = 0;
	goto out;
fail:
	/* Unpin first: then closing the link fds below detaches the links. */
	if (made_dir)
		remove_pin_dir(o->pin_dir);
out:
	if (info_fd >= 0)
		close(info_fd);
	/* Closing a pinned link's fd leaves it attached. */
	for (h = 0; h < JP_HOOK_MAX; h++)
		bpf_link__destroy(links[h]);
	return ret;
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

static int replace(const struct jp_load_opts *o, struct jail_bpf *skel, uint32_t n_hosts,
		   char *err, size_t errlen)
{
	int old_link[JP_HOOK_MAX], old_prog[JP_HOOK_MAX];
	struct bpf_link *new_link[JP_HOOK_MAX] = { 0 };
	bool switched[JP_HOOK_MAX] = { 0 }, pinned_tmp = false;
	uint32_t hooks = wanted_hooks(o->policy);
	char path[PATH_MAX], tmp[PATH_MAX], name[32];
	struct jp_info old_info, info;
	int ret = 0, info_fd = -1, h, m;

	for (h = 0; h < JP_HOOK_MAX; h++)
		old_link[h] = old_prog[h] = -1;

	/* Gather the old links and the programs they run, for a rollback. */
	for (h = 0; h < JP_HOOK_MAX; h++) {
		snprintf(name, sizeof(name), "link_%s", jp_hook_name(h));
		ret = pin_path(path, sizeof(path), o->pin_dir, name, "");
		if (ret)
			goto name_too_long;
		old_link[h] = bpf_obj_get(path);
		if (old_link[h] < 0) {
			ret = -errno;
			old_link[h] = -1;
			if (ret == -ENOENT)
				continue;
			snprintf(err, errlen, "cannot open the pinned link '%s': %s", path,
				 strerror(-ret));
			goto out;
		}
		old_prog[h] = link_prog_fd(old_link[h], o->cgroup_id);
		if (old_prog[h] < 0) {
			ret = old_prog[h];
			old_prog[h] = -1;
			if (ret == -ESTALE)
				snprintf(err, errlen,
					 "pinned link '%s' is not attached to this cgroup; run "
					 "detach, then attach again",
					 path);
			else
				snprintf(err, errlen, "cannot read the pinned link '%s': %s", path,
					 strerror(-ret));
			goto out;
		}
	}

	/* Everything that can fail without touching the jail comes first: the
	 * new maps and info are pinned under temporary names. */
	ret = jp_read_info(o->pin_dir, &old_info);
	if (ret)
		memset(&old_info, 0, sizeof(old_info));
	for (m = 0; m < JP_MAP_MAX; m++) {
		ret = pin_path(tmp, sizeof(tmp), o->pin_dir, map_pins[m], JP_NEW_SUFFIX);
		if (ret)
			goto name_too_long;
		unlink(tmp);
		pinned_tmp = true;
		if (bpf_obj_pin(bpf_map__fd(skel_map(skel, m)), tmp) < 0) {
			ret = -errno;
			snprintf(err, errlen, "cannot pin '%s': %s", tmp, strerror(-ret));
			goto out;
		}
	}
	fill_info(&info, o, hooks, n_hosts);
	if (old_info.attached_at)
		info.attached_at = old_info.attached_at;
	info.replaced_at = (uint64_t)time(NULL);
	info_fd = make_info(&info, err, errlen);
	if (info_fd < 0) {
		ret = info_fd;
		goto out;
	}
	ret = pin_path(tmp, sizeof(tmp), o->pin_dir, JP_INFO_PIN, JP_NEW_SUFFIX);
	if (ret)
		goto name_too_long;
	unlink(tmp);
	if (bpf_obj_pin(info_fd, tmp) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot pin '%s': %s", tmp, strerror(-ret));
		goto out;
	}

	/* Hooks new in this policy get their own link before any old one is
	 * switched, so a failure here leaves the old policy whole. */
	for (h = 0; h < JP_HOOK_MAX; h++) {
		if (!(hooks & 1u << h) || old_link[h] >= 0)
			continue;
		new_link[h] = bpf_program__attach_cgroup(hook_prog(skel, h), o->cgroup_fd);
		if (!new_link[h]) {
			ret = -errno;
			snprintf(err, errlen, "cannot attach the %s hook to the cgroup: %s",
				 jp_hook_name(h), strerror(-ret));
			goto out;
		}
	}

	/* The switch: one atomic program swap per hook.  BPF_F_REPLACE makes
	 * the swap fail if someone else changed the link meanwhile. */
	for (h = 0; h < JP_HOOK_MAX; h++) {
		LIBBPF_OPTS(bpf_link_update_opts, uo, .flags = BPF_F_REPLACE,
			    .old_prog_fd = old_prog[h]);

		if (!(hooks & 1u << h) || old_link[h] < 0)
			continue;
		if (bpf_link_update(old_link[h], bpf_program__fd(hook_prog(skel, h)), &uo) < 0) {
			ret = -errno;
			snprintf(err, errlen,
				 "cannot switch the %s hook to the new policy: %s; the old policy "
				 "stays in force",
				 jp_hook_name(h), strerror(-ret));
			goto out;
		}
		switched[h] = true;
	}

	/* Pin the new links; from here on the new policy holds. */
	for (h = 0; h < JP_HOOK_MAX; h++) {
		if (!new_link[h])
			continue;
		snprintf(name, sizeof(name), "link_%s", jp_hook_name(h));
		ret = pin_path(path, sizeof(path), o->pin_dir, name, "");
		if (ret)
			goto name_too_long;
		if (bpf_obj_pin(bpf_link__fd(new_link[h]), path) < 0) {
			ret = -errno;
			snprintf(err, errlen, "cannot pin '%s': %s; the old policy stays in force",
				 path, strerror(-ret));
			goto out;
		}
		pinned_tmp = true;
	}
	/* Committed: nothing below rolls back. */
	memset(switched, 0, sizeof(switched));
	pinned_tmp = false;
	ret = 0;

	/* rename() over the old pins; bpffs replaces the target. */
	for (m = 0; m <= JP_MAP_MAX; m++) {
		const char *pin = m < JP_MAP_MAX ? map_pins[m] : JP_INFO_PIN;

		if (pin_path(tmp, sizeof(tmp), o->pin_dir, pin, JP_NEW_SUFFIX) ||
		    pin_path(path, sizeof(path), o->pin_dir, pin, ""))
			continue;
		if (rename(tmp, path) < 0 && !ret) {
			ret = -errno;
			snprintf(err, errlen,
				 "policy replaced, but '%s' could not be renamed to '%s': %s",
				 tmp, path, strerror(-ret));
		}
	}

	/* Hooks the new policy drops go last: a detach cannot be undone. */
	for (h = 0; h < JP_HOOK_MAX; h++) {
		if ((hooks & 1u << h) || old_link[h] < 0)
			continue;
		snprintf(name, sizeof(name), "link_%s", jp_hook_name(h));
		if (pin_path(path, sizeof(path), o->pin_dir, name, ""))
			continue;
		if (bpf_link_detach(old_link[h]) < 0 && !ret) {
			ret = -errno;
			snprintf(err, errlen,
				 "policy replaced, but the old %s hook could not be detached: %s; "
				 "run detach, then attach again",
				 jp_hook_name(h), strerror(-ret));
		}
		unlink(path);
	}
	goto out;

name_too_long:
	ret = -ENAMETOOLONG;
	snprintf(err, errlen, "pin directory '%s' is too long", o->pin_dir);
out:
	/* Roll back: old programs back onto the switched links, new links
	 * unpinned and (by bpf_link__destroy below) detached. */
	for (h = 0; h < JP_HOOK_MAX; h++) {
		if (switched[h] && bpf_link_update(old_link[h], old_prog[h], NULL) < 0) {
			size_t n = strlen(err);

			snprintf(err + n, errlen - n,
				 "; rolling back the %s hook failed too (%s): run detach",
				 jp_hook_name(h), strerror(errno));
		}
	}
	if (pinned_tmp) {
		for (m = 0; m <= JP_MAP_MAX; m++) {
			const char *pin = m < JP_MAP_MAX ? map_pins[m] : JP_INFO_PIN;

			if (!pin_path(tmp, sizeof(tmp), o->pin_dir, pin, JP_NEW_SUFFIX))
				unlink(tmp);
		}
		for (h = 0; h < JP_HOOK_MAX; h++) {
			if (!new_link[h])
				continue;
			snprintf(name, sizeof(name), "link_%s", jp_hook_name(h));
			if (!pin_path(path, sizeof(path), o->pin_dir, name, ""))
				unlink(path);
		}
	}
	for (h = 0; h < JP_HOOK_MAX; h++) {
		bpf_link__destroy(new_link[h]);
		if (old_link[h] >= 0)
			close(old_link[h]);
		if (old_prog[h] >= 0)
			close(old_prog[h]);
	}
	if (info_fd >= 0)
		close(info_fd);
	return ret;
}

static bool egress_has_cookie(void)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_CGROUP_SKB, BPF_FUNC_get_netns_cookie,
				       NULL) == 1;
}

int jp_load_attach(const struct jp_load_opts *o, char *err, size_t errlen)
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
		goto out;
	ret = has_link_pins(o->pin_dir);
	if (ret < 0) {
		snprintf(err, errlen, "cannot read '%s': %s", o->pin_dir, strerror(-ret));
		goto out;
	}
	if (ret)
		ret = replace(o, skel, n_hosts, err, errlen);
	else
		ret = attach_fresh(o, skel, n_hosts, err, errlen);
out:
	/* The programs stay alive through the links that use them. */
	jail_bpf__destroy(skel);
	libbpf_set_print(old_print);
	return ret;
}

int jp_detach_pinned(const char *pin_dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	int ret = 0;
	DIR *d;

	if (stat(pin_dir, &st) < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			snprintf(err, errlen, "not jailed: there is no jail pinned at '%s'", pin_dir);
		else
			snprintf(err, errlen, "cannot read '%s': %s", pin_dir, strerror(-ret));
		return ret;
	}
	d = opendir(pin_dir);
	if (!d) {
		ret = -errno;
		snprintf(err, errlen, "cannot read '%s': %s", pin_dir, strerror(-ret));
		return ret;
	}
	/* Detach explicitly: a process holding a link fd would otherwise keep
	 * the jail attached after the pin is gone. */
	while ((de = readdir(d))) {
		int fd;

		if (strncmp(de->d_name, "link_", 5) ||
		    pin_path(path, sizeof(path), pin_dir, de->d_name, ""))
			continue;
		fd = bpf_obj_get(path);
		if (fd < 0 || bpf_link_detach(fd) < 0) {
			if (!ret) {
				ret = -errno;
				snprintf(err, errlen, "cannot detach '%s': %s; its pin is kept",
					 path, strerror(-ret));
			}
			if (fd >= 0)
				close(fd);
			continue;
		}
		close(fd);
		unlink(path);
	}
	closedir(d);
	if (ret)
		return ret;
	remove_pin_dir(pin_dir);
	if (access(pin_dir, F_OK) == 0) {
		snprintf(err, errlen, "jail detached, but '%s' could not be removed", pin_dir);
		return -ENOTEMPTY;
	}
	return 0;
}

int jp_read_info(const char *pin_dir, struct jp_info *out)
{
	struct bpf_map_info mi;
	uint32_t len = sizeof(mi), key = 0;
	char path[PATH_MAX];
	int fd, ret = 0;

	if (pin_path(path, sizeof(path), pin_dir, JP_INFO_PIN, ""))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	memset(&mi, 0, sizeof(mi));
	/* A pin of another jailpol version may hold a different struct. */
	if (bpf_obj_get_info_by_fd(fd, &mi, &len) < 0)
		ret = -errno;
	else if (mi.type != BPF_MAP_TYPE_ARRAY || mi.value_size != sizeof(*out) ||
		 mi.key_size != sizeof(key))
		ret = -EPROTO;
	else if (bpf_map_lookup_elem(fd, &key, out) < 0)
		ret = -errno;
	close(fd);
	return ret;
}
