/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * jail_abi.h - what the jail's programs share with the runtime that loads
 * them, beside the policy tables (policy_abi.h): the switch that makes a
 * policy change one step.
 *
 * Generations
 * -----------
 * Every load of the templates for a jail is a generation, numbered 1, 2,
 * ... (rodata `jail_gen`).  All generations of one jail share two kinds
 * of maps, pinned in its directory and reused by every later load:
 *
 *   jail_ctl       ARRAY of one struct jail_ctl: the generation in force,
 *                  0 while none is (an attach that has not finished), and
 *                  the last generation numbered.
 *   gen_<hook>     PROG_ARRAY of JAIL_GEN_SLOTS, one per hook: slot
 *                  (gen % JAIL_GEN_SLOTS) holds generation gen's program
 *                  for that hook, or nothing if gen does not use the hook.
 *                  The arrays of the hooks added later (Unix sockets,
 *                  socket creation) are pinned by the first load that has
 *                  them, before any slot or link of theirs: without one,
 *                  no generation of the jail runs that hook.
 *
 * A program whose generation is in force judges the connection.  One
 * whose generation is not hands the connection to the program of the
 * generation that is, by a tail call into that generation's slot; when the
 * slot is empty (nothing in force, or the generation in force has no such
 * hook) the call falls through and the program allows, as the cgroup did
 * before that generation.  So a runtime installs a new generation in any
 * order - slot, info, each link's program, new links - without changing a
 * verdict, and then writes jail_ctl once: every hook switches at that
 * write, and a crash before it leaves the old policy whole.  The runtime
 * writes a generation's slots before it makes it current and never
 * reuses a slot of the generation in force, so a tail call always lands
 * on the right program.
 *
 * Numbers are never reused: a load takes the next number after `last`
 * whose slot is not the slot in force, and records it in `last` before it
 * installs anything.  A load that crashed may leave a link running its
 * program (a hook the next policy does not use, until that policy's
 * switch detaches it); with a number of its own, that program never
 * takes itself for the generation in force.
 */
/*
 * Events and counters
 * -------------------
 * Every verdict a generation's hooks reach is counted in its pol_counts
 * (n_rules + 2 slots: slot r for rule r, 0 the default;
 * JAIL_COUNT_UNMATCHED for a Unix or socket verdict no rule decided;
 * JAIL_COUNT_BROKEN for a lookup that missed).  It is an ARRAY of __u64
 * holding one stripe of slots per possible CPU, slot s of CPU c at
 * c * slots + s (a jail of before it has a PERCPU_ARRAY of the slots):
 * one allocation however many rules, where a PERCPU_ARRAY of a million
 * slots takes half a second to create.  The counters are the
 * generation's own: a replace starts them at zero.
 *
 * A verdict by a `log` rule, and with `log denials;` (or audit mode)
 * every denial, is reported as one struct jail_event in the ring buffer
 * jail_events, which every jail on the host shares (pinned once, at the
 * pin root).  Each jail spends from a token bucket (struct jail_evstate,
 * one per jail, shared by its generations): an event costs
 * event_interval_ns of credit, the bucket holds event_burst_ns, so a
 * jail emits at most burst/interval events at once and 1e9/interval per
 * second after; an event without credit, or without room in the ring,
 * is counted in `dropped` instead.
 */
#ifndef JAILPOL_JAIL_ABI_H
#define JAILPOL_JAIL_ABI_H

#include <linux/bpf.h> /* struct bpf_spin_lock */
#include <linux/types.h>

/* jail_ctl.gen while no generation is in force. */
#define JAIL_GEN_NONE 0

/* Slots per gen_<hook> array: the generation in force and the next. */
#define JAIL_GEN_SLOTS 2

/* Cgroup levels below the jailed cgroup that revocation reaches: the
 * runtime sweeps that deep, revoke.bpf.c looks that far up. */
#define JAIL_REVOKE_DEPTH_MAX 256

struct jail_ctl {
	__u32 gen;  /* generation in force, or JAIL_GEN_NONE */
	__u32 last; /* the last generation numbered: the next load's is after it */
};

_Static_assert(sizeof(struct jail_ctl) == 8, "struct jail_ctl is pinned: keep its size");

/* The hook that reported an event: the numbers of the runtime's enum
 * jp_hook (pins.h), which asserts they agree. */
enum jail_ev_hook {
	JAIL_EV_CONNECT4 = 0,
	JAIL_EV_CONNECT6 = 1,
	JAIL_EV_SENDMSG4 = 2,
	JAIL_EV_SENDMSG6 = 3,
	JAIL_EV_EGRESS = 4, /* the backstop: a packet, not a call */
	JAIL_EV_CONNECT_UNIX = 5,
	JAIL_EV_SENDMSG_UNIX = 6,
	JAIL_EV_SOCK_CREATE = 7,
	JAIL_EV_HOOK_MAX,
};

/* jail_event.flags */
#define JAIL_EVF_AUDIT 0x01   /* audit mode: a deny verdict that was allowed */
#define JAIL_EVF_LOG 0x02     /* the deciding rule has the log mark */
#define JAIL_EVF_NO_TASK 0x04 /* pid, tgid and comm are not the caller's */

/* pol_counts slots past the rules (n_rules is pol_consts.n_rules). */
#define JAIL_COUNT_UNMATCHED(n_rules) (n_rules)
#define JAIL_COUNT_BROKEN(n_rules) ((n_rules) + 1)
#define JAIL_COUNT_SLOTS(n_rules) ((n_rules) + 2)

/* Bytes of the shared ring buffer: about 5000 events. */
#define JAIL_EV_RING_SIZE (1u << 20)

/* Default and largest per-jail event rates (events per second); the
 * bucket holds one second of them. */
#define JAIL_EV_RATE_DEFAULT 100
#define JAIL_EV_RATE_MAX 100000

/* One reported verdict. */
struct jail_event {
	__u64 time_ns;    /* CLOCK_BOOTTIME */
	__u64 jail_id;    /* cgroup id of the jailed cgroup */
	__u64 cgroup_id;  /* cgroup of the caller: the jail's or one below it */
	__u64 netns;      /* netns cookie of the socket, 0 if unknown */
	__u64 policy_tag; /* first 8 bytes of policy.bin's content hash */
	__u32 pid;        /* thread id, as the kernel's pid */
	__u32 tgid;       /* process id */
	__u32 rule;       /* deciding rule (policy_abi.h numbers) */
	__u32 gen;        /* the generation that judged */
	__u8 hook;        /* enum jail_ev_hook */
	__u8 verdict;     /* enum pol_verdict, as judged (audit: not enforced) */
	__u8 flags;       /* JAIL_EVF_* */
	__u8 family;      /* 4 or 6; 0 for a Unix address */
	__u8 proto;       /* enum pol_proto */
	__u8 scope;       /* enum pol_scope */
	__u8 sock_kind;   /* enum pol_sock_kind, at JAIL_EV_SOCK_CREATE */
	__u8 reached;     /* 1: an unspecified address, judged as loopback */
	__u16 port;       /* host order */
	__u16 name_len;   /* bytes of name, for a Unix address */
	__u8 addr[16];    /* network order, canonical (IPv4 in addr[0..3]) */
	char comm[16];
	__u8 name[108]; /* the Unix address as judged */
};

_Static_assert(sizeof(struct jail_event) == 208, "struct jail_event is an ABI: keep its size");

/* One jail's event budget and losses. */
struct jail_evstate {
	struct bpf_spin_lock lock;
	__u32 reserved;
	__u64 credit;  /* ns of credit in the bucket */
	__u64 last;    /* CLOCK_BOOTTIME of the last refill */
	__u64 emitted; /* events written to the ring */
	__u64 dropped; /* events lost: no credit, or the ring was full */
};

_Static_assert(sizeof(struct jail_evstate) == 40, "struct jail_evstate is pinned: keep its size");

#endif /* JAILPOL_JAIL_ABI_H */
