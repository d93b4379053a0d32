/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * host.h - what the runtime learns about the host it runs on: the
 * addresses of its interfaces (for the `host` set) and the cookie of its
 * network namespace (for `netns host` rules).
 */
#ifndef JAILPOL_HOST_H
#define JAILPOL_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "loader.h"

/*
 * Every address of every interface of the runtime's network namespace,
 * from a netlink RTM_GETADDR dump, canonical and without duplicates.
 * Loopback and unspecified addresses are left out: the `loopback` set
 * covers them with its own netns scope.  0 or -errno with err.
 */
int jp_host_addrs(struct jp_hosts *out, char *err, size_t errlen);

void jp_hosts_free(struct jp_hosts *h);

/* SO_NETNS_COOKIE of the runtime's network namespace (Linux 5.14+). */
int jp_host_netns_cookie(uint64_t *out, char *err, size_t errlen);

#endif /* JAILPOL_HOST_H */
