/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * jail_events.h - what a hook does with a verdict besides returning it:
 * count it per rule, report it as an event when the policy asks, and
 * turn a denial into an allow in audit mode (jail_abi.h describes the
 * maps and the rate limit).
 *
 * A hook calls jp_judged() with its result; a non-NULL return is an
 * event reserved in the ring with the verdict's fields filled, which the
 * hook completes with what it knows of the call (destination, task) and
 * submits.  jp_verdict() is then the hook's return value.
 *
 * The includer includes jail_gen.h and classify.h (struct pol_result)
 * first.
 */
#ifndef JAILPOL_JAIL_EVENTS_H
#define JAILPOL_JAIL_EVENTS_H

#include "jail_abi.h"
#include "policy_abi.h"

/* Every jail's events; pinned at the pin root, reused by every load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, JAIL_EV_RING_SIZE);
} jail_events SEC(".maps");

/* This jail's event budget; shared by its generations. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct jail_evstate);
} jail_evstate SEC(".maps");

/* Verdicts per rule (JAIL_COUNT_SLOTS); this generation's own. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1); /* sized by the loader: a stripe per CPU */
	__type(key, __u32);
	__type(value, __u64);
} pol_counts SEC(".maps");

/* Set by the loader before load. */
const volatile __u64 jail_id;           /* the jailed cgroup's id */
const volatile __u64 policy_tag;        /* jail_event.policy_tag */
const volatile __u64 event_interval_ns; /* credit one event costs */
const volatile __u64 event_burst_ns;    /* credit the bucket holds */
const volatile __u32 n_rules;           /* pol_consts.n_rules */
const volatile __u32 events_on;         /* some verdict can be reported */
const volatile __u32 report_denials;    /* `log denials;` or audit mode */
const volatile __u32 audit;             /* report denials, refuse nothing */
const volatile __u32 task_helpers;      /* the hook may read the current task */
const volatile __u32 n_cpus;            /* stripes of pol_counts */

static __always_inline void jp_count(__u32 rule)
{
	__u32 slot = rule, cpu = bpf_get_smp_processor_id();
	__u64 *c;

	if (rule == POL_RULE_UNMATCHED)
		slot = JAIL_COUNT_UNMATCHED(n_rules);
	else if (rule >= n_rules)
		slot = JAIL_COUNT_BROKEN(n_rules);
	/* A CPU past the stripes cannot be; it would count in the first. */
	if (cpu >= n_cpus)
		cpu = 0;
	slot += cpu * JAIL_COUNT_SLOTS(n_rules);
	c = bpf_map_lookup_elem(&pol_counts, &slot);
	/* Atomic: a sock_addr hook can be preempted on its CPU, and the
	 * egress backstop (softirq) can run in the middle of it. */
	if (c)
		__sync_fetch_and_add(c, 1);
}

/* 1 if the bucket has credit for one event (then spent), else 0 and
 * the event is counted as dropped.  No helper may run under the lock. */
static __always_inline int jp_take_credit(struct jail_evstate *st, __u64 now)
{
	int ok = 0;

	bpf_spin_lock(&st->lock);
	/* now was read before the lock: another CPU may have taken it
	 * with a later time, and time spent is never credited twice. */
	if (!st->last) {
		st->credit = event_burst_ns;
		st->last = now;
	} else if (now > st->last) {
		st->credit += now - st->last;
		if (st->credit > event_burst_ns)
			st->credit = event_burst_ns;
		st->last = now;
	}
	if (st->credit >= event_interval_ns) {
		st->credit -= event_interval_ns;
		st->emitted++;
		ok = 1;
	} else {
		st->dropped++;
	}
	bpf_spin_unlock(&st->lock);
	return ok;
}

/* An event that had credit but no room in the ring. */
static __always_inline void jp_lost(struct jail_evstate *st)
{
	bpf_spin_lock(&st->lock);
	st->emitted--;
	st->dropped++;
	bpf_spin_unlock(&st->lock);
}

/*
 * Count r, judged at hook in netns scope; if it is to be reported and
 * the jail has credit, reserve its event and fill what r says.  NULL:
 * nothing to report (or the event was dropped and counted).
 */
static __always_inline struct jail_event *jp_judged(const struct pol_result *r, __u8 hook,
						    __u8 scope)
{
	struct jail_evstate *st;
	struct jail_event *e;
	__u32 key = 0;
	__u64 now;

	jp_count(r->rule);
	if (!events_on)
		return NULL;
	if (!(r->flags & POL_RF_LOG) && !(report_denials && r->verdict != POL_ALLOW))
		return NULL;
	st = bpf_map_lookup_elem(&jail_evstate, &key);
	if (!st)
		return NULL;
	now = bpf_ktime_get_boot_ns();
	if (!jp_take_credit(st, now))
		return NULL;
	e = bpf_ringbuf_reserve(&jail_events, sizeof(*e), 0);
	if (!e) {
		jp_lost(st);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->time_ns = now;
	e->jail_id = jail_id;
	e->policy_tag = policy_tag;
	e->rule = r->rule;
	e->gen = jail_gen;
	e->hook = hook;
	e->verdict = r->verdict;
	e->scope = scope;
	e->reached = r->reached;
	if (r->flags & POL_RF_LOG)
		e->flags |= JAIL_EVF_LOG;
	if (audit && r->verdict != POL_ALLOW)
		e->flags |= JAIL_EVF_AUDIT;
	return e;
}

/* The calling task, for hooks that run in its context. */
static __always_inline void jp_event_task(struct jail_event *e)
{
	__u64 id;

	/* Before Linux 6.1 cgroup sock_addr and sock programs have neither
	 * helper: the loader says so, and the verifier prunes the calls. */
	if (!task_helpers) {
		e->flags |= JAIL_EVF_NO_TASK;
		return;
	}
	id = bpf_get_current_pid_tgid();

	e->pid = (__u32)id;
	e->tgid = (__u32)(id >> 32);
	e->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

/* What the hook returns for r: 1 allow, 0 refuse; audit refuses nothing. */
static __always_inline int jp_verdict(const struct pol_result *r)
{
	return r->verdict == POL_ALLOW || audit;
}

#endif /* JAILPOL_JAIL_EVENTS_H */
