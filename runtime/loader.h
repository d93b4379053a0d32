/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loader.h - load the BPF templates with a compiled policy, attach them to a
 * cgroup through bpf_links, and pin everything in bpffs so the jail
 * outlives the runtime.
 *
 * What is pinned where: pins.h.
 *
 * Loader order: open -> set rodata and map sizes -> load -> fill maps ->
 * attach links -> pin.  A replacement loads and fills the new programs
 * first, then swaps each pinned link's program with BPF_LINK_UPDATE, so
 * every connect() is judged by the old policy or the new one, never by
 * neither and never by a mix of their tables.
 */
#ifndef JAILPOL_LOADER_H
#define JAILPOL_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pins.h"
#include "tables.h"

/* One host address for the `host` set (canonical: family 4 or 6). */
struct jp_addr {
	uint8_t family;
	uint8_t addr[16];
};

struct jp_hosts {
	struct jp_addr *v;
	size_t n;
};

/*
 * Value of the pinned info map (pins.h): what `status` shows.  It is
 * persisted: a later jail-ai-block reads the pins of an earlier one, so
 * its size and layout never change (the asserts below hold them); a
 * change in what the bytes mean gets a new version:
 *
 *   0  written before the field existed (it was reserved, always 0); the
 *      same layout as 1
 *   1  a map of one value, in a jail without generations (no ctl pin)
 *   2  JP_INFO_VERSION: a map of JAIL_GEN_SLOTS values, one per
 *      generation slot; the one in force is at ctl's generation
 *      (jail_abi.h), written before that generation is switched on
 *
 * jp_read_info() accepts 0 to 2 and refuses a newer version.
 */
#define JP_INFO_VERSION 2

struct jp_info {
	uint8_t content_hash[32]; /* policy.bin's SHA-256 content hash */
	char source[256];         /* the policy's source name (.jp file) */
	char policy_path[256];    /* the policy.bin given to the runtime */
	char cgroup[1024];        /* cgroup path under the cgroup2 mount */
	uint64_t cgroup_id;
	uint64_t attached_at;  /* CLOCK_REALTIME, seconds */
	uint64_t replaced_at;  /* last policy replacement, 0 if none */
	uint32_t policy_flags; /* pol_consts.flags */
	uint32_t hooks;        /* bit (1 << enum jp_hook) per attached hook */
	uint32_t n_hosts;      /* host addresses inserted */
	uint32_t version;      /* JP_INFO_VERSION; 0 in pins of before it */
};
_Static_assert(sizeof(struct jp_info) == 1608, "struct jp_info is persisted: keep its size");
_Static_assert(offsetof(struct jp_info, source) == 32, "jp_info layout");
_Static_assert(offsetof(struct jp_info, policy_path) == 288, "jp_info layout");
_Static_assert(offsetof(struct jp_info, cgroup) == 544, "jp_info layout");
_Static_assert(offsetof(struct jp_info, cgroup_id) == 1568, "jp_info layout");
_Static_assert(offsetof(struct jp_info, attached_at) == 1576, "jp_info layout");
_Static_assert(offsetof(struct jp_info, replaced_at) == 1584, "jp_info layout");
_Static_assert(offsetof(struct jp_info, policy_flags) == 1592, "jp_info layout");
_Static_assert(offsetof(struct jp_info, hooks) == 1596, "jp_info layout");
_Static_assert(offsetof(struct jp_info, n_hosts) == 1600, "jp_info layout");
_Static_assert(offsetof(struct jp_info, version) == 1604, "jp_info layout");

struct jp_load_opts {
	const struct pol_tables *policy;
	const struct jp_hosts *hosts; /* may be NULL when unused */
	uint64_t host_netns_cookie;   /* SO_NETNS_COOKIE of the host netns, 0 if unknown */
	int cgroup_fd;                /* O_RDONLY|O_DIRECTORY|O_CLOEXEC */
	uint64_t cgroup_id;
	const char *cgroup_rel;  /* for jp_info.cgroup */
	const char *policy_path; /* for jp_info.policy_path */
	const char *pin_dir;     /* jp_pin_dir() of cgroup_id */
	bool debug;              /* libbpf and verifier logs to stderr */
	bool cgroup_new;         /* made for this attach, nothing ran in it yet (exec):
				  * no socket of it to revoke */
	bool audit;              /* judge and report, refuse nothing, as `mode audit;` */
	uint32_t event_rate;     /* events per second of this jail, at most
				  * JAIL_EV_RATE_MAX; 0: JAIL_EV_RATE_DEFAULT */
};

/* The jail judges in audit mode: by its policy or by the attach. */
#define JP_INFO_AUDIT(info) (!!((info)->policy_flags & POL_CF_AUDIT))

/* What an attach did, for its report. */
struct jp_attach_result {
	bool replaced;         /* a policy was in force before */
	bool swept;            /* the cgroup's sockets were judged (revoke.h) */
	uint32_t revoked;      /* sockets connected before the switch, destroyed (revoke.h) */
	char not_revoked[256]; /* non-empty: the kernel cannot revoke them, and why */
	bool audit;            /* in audit mode: nothing refused, nothing revoked */
	/* Nanoseconds of each step (attach --timing): open and configure the
	 * templates and the host set, load them (the verifier), fill the
	 * tables, pin and install the new generation, switch to it in one
	 * step, then revoke sockets and tidy up. */
	uint64_t open_ns, load_ns, fill_ns, attach_ns, switch_ns, revoke_ns, finish_ns;
};

/*
 * Attach o->policy to the cgroup, or replace the policy of an attachment
 * already pinned at o->pin_dir, in one step (jail_abi.h): until the switch
 * every hook judges by the old policy (none, for a first attach), after it
 * every hook by the new one, so a crash anywhere leaves one or the other
 * whole, and the next call finishes an interrupted one.  On failure the
 * old policy stays in force and what this call pinned is removed; err
 * names the cause and what to do.  Returns 0 or a negative errno; on
 * success *res says what was done.  A failure
 * after the switch (the new policy holds, tidying failed) also returns
 * an error, with err starting "policy replaced, but".
 *
 * Right after the switch, the cgroup's TCP and UDP sockets connected to
 * what the new policy denies are destroyed (revoke.h) and counted in
 * res->revoked.  On a kernel that cannot do that the attach succeeds and
 * res->not_revoked says what the kernel lacks; any other failure of it
 * returns an error with err starting "policy in force, but".
 */
int jp_load_attach(const struct jp_load_opts *o, struct jp_attach_result *res, char *err,
		   size_t errlen);

/* Detach the jail pinned at pin_dir and remove its pins.  -ENOENT if
 * there is none. */
int jp_detach_pinned(const char *pin_dir, char *err, size_t errlen);

/* With no jail left in the pin root, unpin the events ring buffer too
 * (a monitor holding it keeps it until it looks again).  Under the pin
 * root's lock; quiet. */
void jp_pins_tidy(void);

/*
 * The verdict counters of the policy in force in the jail pinned at
 * pin_dir (jail_abi.h), summed over the CPUs: v[r] for rule r, then the
 * unmatched and broken slots; and the jail's event budget.  0 or -errno:
 * -ENOENT no jail, -EINPROGRESS no policy in force, -ENODATA a jail
 * attached by a jail-ai-block without counters.  Free with
 * jp_counts_free().
 */
struct jp_counts {
	uint32_t gen;        /* the generation in force */
	struct jp_info info; /* its info */
	uint64_t *v;
	uint32_t n;       /* JAIL_COUNT_SLOTS(n_rules) */
	bool has_evstate; /* emitted and dropped were read */
	uint64_t emitted, dropped;
};

int jp_read_counts(const char *pin_dir, struct jp_counts *out, char *err, size_t errlen);
void jp_counts_free(struct jp_counts *c);

/* The events emitted and dropped by the jail pinned at pin_dir: 0, or
 * -errno (-ENOENT: no such jail, or one without events). */
int jp_read_evstate(const char *pin_dir, uint64_t *emitted, uint64_t *dropped);

/*
 * Read the info of the policy in force in the jail pinned at pin_dir.
 * 0 or -errno: -ENOENT no info pin; -EINPROGRESS no policy in force (an
 * attach stopped before its switch: nothing is enforced); -EPROTO a map
 * of another layout; -EPROTONOSUPPORT a version newer than
 * JP_INFO_VERSION (err names the pin and the version).  err may be NULL.
 */
int jp_read_info(const char *pin_dir, struct jp_info *out, char *err, size_t errlen);

/*
 * The live tables of the policy in force in the jail pinned at pin_dir,
 * for `watch` to change their host entries (hostset.h): the maps the
 * program in force uses, whatever the pins say after a crash.  0 or
 * -errno: -ENOENT no jail or no host records (a jail of an earlier
 * jail-ai-block), -EINPROGRESS no policy in force.  Hold the pin root's
 * lock while using them.
 */
struct jp_live {
	uint32_t gen;        /* the generation in force */
	struct jp_info info; /* its info */
	int info_fd;
	int rec_fd; /* its host set */
};

int jp_live_open(const char *pin_dir, struct jp_live *l, char *err, size_t errlen);

/* Record n host entries in the info of the generation in force. */
int jp_live_set_n_hosts(struct jp_live *l, uint32_t n);

void jp_live_close(struct jp_live *l);

#endif /* JAILPOL_LOADER_H */
