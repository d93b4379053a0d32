/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pins.h - the names and paths of everything the runtime pins in bpffs,
 * and the few verbs that make, read and remove them (after bpfilter's
 * bf_link_*).  No other file spells a pin name or path.
 *
 * Pin layout (documented in jail-ai-block(8)):
 *
 *   /sys/fs/bpf/jailpol/            the pin root; attach, replace and
 *                                   detach hold an flock on it
 *     cg-<cgroup id>/               one directory per jailed cgroup
 *       ctl                         the generation in force (jail_abi.h)
 *       gen_connect4 ... gen_egress each hook's programs by generation;
 *       gen_connect_unix gen_sendmsg_unix gen_sock_create
 *                                   from the first policy that uses them
 *       info                        ARRAY map, one struct jp_info per
 *                                   generation slot (loader.h)
 *       link_connect4 link_connect6 link_sendmsg4 link_sendmsg6
 *       link_egress                 (only when the policy turns the backstop on)
 *       link_connect_unix link_sendmsg_unix  (only with `unix` rules)
 *       link_sock_create            (only with `socket` rules)
 *       map_addr map_dec            the tables of the policy in force
 *       map_hosts                   its host set (hostset.h)
 *       map_counts                  the verdicts per rule of the policy in
 *                                   force (jail_abi.h)
 *       evstate                     the jail's event budget and losses
 *     events                        every jail's events (ring buffer),
 *                                   pinned by the first attach
 *
 * ctl, gen_*, info, evstate and events are pinned before any link, so a directory with
 * links and no ctl was made by an earlier jail-ai-block; a hook's gen_
 * pin is always there before its link.  A change of
 * policy pins the new tables as "<name>_new" and renames them over the
 * old ones once the new generation is in force.
 *
 * Pins are made by path: BPF_OBJ_PIN relative to a directory fd needs
 * Linux 6.5, newer than the runtime's minimum.
 *
 * Functions return 0 or a negative errno; those taking err fill it with a
 * message naming the path.
 */
#ifndef JAILPOL_PINS_H
#define JAILPOL_PINS_H

#include <stddef.h>
#include <stdint.h>

/* bpffs, mounted there if it is not, and the runtime's pin root in it. */
#define JP_BPFFS "/sys/fs/bpf"
#define JP_PIN_ROOT JP_BPFFS "/jailpol"

/* The hooks the jail attaches to, one link pin each. */
enum jp_hook {
	JP_HOOK_CONNECT4,
	JP_HOOK_CONNECT6,
	JP_HOOK_SENDMSG4,
	JP_HOOK_SENDMSG6,
	JP_HOOK_EGRESS, /* cgroup_skb/egress backstop for ping and raw sockets */
	/* Later hooks: a jail pinned before them has no gen_ pins of
	 * theirs (loader.c makes them when a policy first uses the hook).
	 * jp_info.hooks is persisted: new hooks go at the end. */
	JP_HOOK_CONNECT_UNIX, /* `unix` rules (unix.bpf.c, Linux 6.7+) */
	JP_HOOK_SENDMSG_UNIX,
	JP_HOOK_SOCK_CREATE, /* `socket` rules: raw and ping sockets at socket() */
	JP_HOOK_MAX,
};

/* A generation's tables, one pin each. */
enum jp_map {
	JP_MAP_ADDR, /* the address table (policy_abi.h) */
	JP_MAP_DEC,
	JP_MAP_HOSTS,  /* the host set (hostset.h) */
	JP_MAP_COUNTS, /* verdicts per rule (jail_abi.h); a jail of before it has none */
	JP_MAP_MAX,
};

/* "connect4", ...; "?" out of range. */
const char *jp_hook_name(enum jp_hook h);

/* The pin names in a cgroup's directory: "link_connect4",
 * "gen_connect4", "map_addr", "map_hosts", "info", "ctl".  Out of range: "?". */
const char *jp_pin_link(enum jp_hook h);
const char *jp_pin_gen(enum jp_hook h);
const char *jp_pin_map(enum jp_map m);
#define JP_PIN_INFO "info"
#define JP_PIN_CTL "ctl"
/* The jail's event budget (jail_abi.h), in its directory. */
#define JP_PIN_EVSTATE "evstate"
/* Every jail's events, in the pin root: the ring buffer `monitor` reads,
 * removed with the last jail. */
#define JP_PIN_EVENTS "events"

/* Suffix of the pins a replacement writes before renaming them over;
 * bpffs refuses names with a dot. */
#define JP_PIN_NEW "_new"

/* Name prefixes: of a cgroup's directory in the root, of a link pin. */
#define JP_PIN_DIR_PREFIX "cg-"
#define JP_PIN_LINK_PREFIX "link_"
#define JP_PIN_GEN_PREFIX "gen_"

/* JP_PIN_ROOT "/cg-<id>" into buf. */
int jp_pin_dir(uint64_t cgroup_id, char *buf, size_t len);

/* "<dir>/<name><suffix>" into buf (suffix "" or JP_PIN_NEW);
 * -ENAMETOOLONG if it does not fit. */
int jp_pin_path(char *buf, size_t len, const char *dir, const char *name, const char *suffix);

/* Mount bpffs at /sys/fs/bpf if it is not, and create the pin root. */
int jp_pins_prepare(char *err, size_t errlen);

/* Check that the pin root's parent is bpffs, where pins outlive this
 * process (a library caller may not have run jp_pins_prepare()). */
int jp_pins_check(char *err, size_t errlen);

/* Take the exclusive lock on the pin root, so runtimes changing jails
 * take turns.  Returns the lock's fd (O_CLOEXEC; closing it releases the
 * lock) or -errno. */
int jp_pins_lock(char *err, size_t errlen);

/* Make an empty pin directory dir (and the root): a directory already
 * there without link pins is the leftover of a crash, enforces nothing,
 * and is removed first. */
int jp_pin_dir_create(const char *dir, char *err, size_t errlen);

/* Unlink every entry of dir, then dir itself; quiet. */
void jp_pin_dir_remove(const char *dir);

/* 1 if dir holds a link pin, 0 if not (or there is no dir), -errno. */
int jp_pin_dir_has_links(const char *dir);

/*
 * Call fn(path, name, arg) for each entry of dir whose name starts with
 * prefix ("" for all but "." and ".."): jailed cgroups with dir
 * JP_PIN_ROOT and prefix "cg-", link pins with "link_".  Stops at the
 * first non-zero return of fn and returns it; -errno if dir cannot be
 * read.
 */
int jp_pin_dir_foreach(const char *dir, const char *prefix,
		       int (*fn)(const char *path, const char *name, void *arg), void *arg);

/* Pin fd as dir/name+suffix.  A pin of that name is replaced when
 * suffix is JP_PIN_NEW (a leftover of an earlier try), refused otherwise. */
int jp_pin_obj(int fd, const char *dir, const char *name, const char *suffix, char *err,
	       size_t errlen);

/* The pinned object dir/name as an fd (O_CLOEXEC), or -errno (-ENOENT:
 * no such pin). */
int jp_pin_get(const char *dir, const char *name);

/* Remove dir/name+suffix; quiet, absent is fine. */
void jp_pin_unlink(const char *dir, const char *name, const char *suffix);

/* Rename dir/name JP_PIN_NEW over dir/name (bpffs replaces the target). */
int jp_pin_commit(const char *dir, const char *name, char *err, size_t errlen);

#endif /* JAILPOL_PINS_H */
