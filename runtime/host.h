/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * host.h - what the runtime learns about the host it runs on: the
 * addresses of its interfaces (for the `host` set) and the cookie of its
 * network namespace (for `netns host` rules).
 */
#ifndef JAILPOL_HOST_H
#define JAILPOL_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader.h"

/* Dumps jp_host_addrs() makes before it gives up on a host whose
 * addresses keep changing. */
#define JP_HOST_DUMP_TRIES 8

/*
 * Every address of every interface of the runtime's network namespace,
 * from a netlink RTM_GETADDR dump, canonical and without duplicates.
 * Loopback and unspecified addresses are left out: the `loopback` set
 * covers them with its own netns scope.  A dump the kernel marks
 * interrupted (NLM_F_DUMP_INTR: the addresses changed while it ran, so it
 * may have skipped one) is thrown away and made again, up to
 * JP_HOST_DUMP_TRIES times after pauses of 1, 2, 4 ... 64 ms; then
 * -EAGAIN.  0 or -errno with err.
 */
int jp_host_addrs(struct jp_hosts *out, char *err, size_t errlen);

/*
 * Fold one recv()'d batch of an RTM_GETADDR dump reply (messages of
 * sequence seq; others are skipped) into h, whose capacity is *cap.  Sets
 * *interrupted when a message carries NLM_F_DUMP_INTR.  Returns 1 at
 * NLMSG_DONE, 0 when more batches follow, or a negative errno with err
 * (the dump's NLMSG_ERROR, -ENOMEM).  jp_host_addrs()'s step, exposed for
 * its unit test.
 */
int jp_host_dump_batch(const void *buf, size_t len, uint32_t seq, struct jp_hosts *h, size_t *cap,
		       bool *interrupted, char *err, size_t errlen);

/* Whether one recv()'d batch of rtnetlink messages holds an address
 * event (RTM_NEWADDR, RTM_DELADDR): what watch wakes up for. */
bool jp_host_addr_event(const void *buf, size_t len);

void jp_hosts_free(struct jp_hosts *h);

/* SO_NETNS_COOKIE of the runtime's network namespace (Linux 5.14+). */
int jp_host_netns_cookie(uint64_t *out, char *err, size_t errlen);

#endif /* JAILPOL_HOST_H */
