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
#ifndef JAILPOL_JAIL_ABI_H
#define JAILPOL_JAIL_ABI_H

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

#endif /* JAILPOL_JAIL_ABI_H */
