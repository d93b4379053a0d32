/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ktest.h - what the kernel tests (tests/kernel/verify.c, bypass.c) and the
 * runtime benchmark (tools/bench-runtime.c) share: cgroup v2 discovery and
 * membership, errno names, socket addresses, polling, the Internet
 * checksum, loopback, rtnetlink requests and the kernel tests' lock.
 *
 * Library style: nothing here prints; functions return 0 or a negative
 * errno unless their comment says otherwise.
 */
#ifndef JAILPOL_KTEST_H
#define JAILPOL_KTEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct nlmsghdr;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The cgroup2 mount point (field 5 of /proc/self/mountinfo; the file
 * system type follows the " - " separator), copied into out[len].
 * -ENOENT when there is none (or none that fits); out is untouched then. */
int ktest_find_cgroup2(char *out, size_t len);

/* Write text to the existing file path (a cgroup or /proc file): one
 * write(2), as those files want.  A short write is -EIO. */
int ktest_write_file(const char *path, const char *text);

/* Move the calling process into the cgroup directory dir (absolute). */
int ktest_join_cgroup(const char *dir);

/* The symbolic name of errno value e ("EPERM"); zero for 0, "unknown
 * errno" for a value the C library has no name for.  Never NULL. */
const char *ktest_errno_name(int e, const char *zero);

/* Fill *ss with family's (AF_INET or AF_INET6) socket address for addr (4
 * or 16 bytes, network order) and port (host order); returns its length. */
socklen_t ktest_sockaddr(int family, const void *addr, uint16_t port, struct sockaddr_storage *ss);

/* Parse "a.b.c.d", "v6" or "v6%ifname" (the scope: an interface of the
 * current network namespace) with port into *ss and *len.  0 or -EINVAL
 * (then *ss holds the family and port, and *len is set). */
int ktest_parse_addr(const char *s, uint16_t port, struct sockaddr_storage *ss, socklen_t *len);

/* Wait up to ms milliseconds for events on fd, poll(2) restarted after a
 * signal.  0 ready, -ETIMEDOUT, or -errno. */
int ktest_wait_fd(int fd, short events, int ms);

/* The Internet checksum (RFC 1071) of p[0..n), in network byte order,
 * ready to store in an IPv4 or ICMP header. */
uint16_t ktest_inet_csum(const void *p, size_t n);

/* Bring lo of the current network namespace up. */
int ktest_lo_up(void);

/* Append attribute type with data[0..len) to the netlink message nh,
 * which has room bytes in all; -E2BIG when it does not fit. */
int ktest_nl_attr(struct nlmsghdr *nh, size_t room, int type, const void *data, size_t len);

/* Send the request req (NLM_F_ACK is added, and a sequence number) on the
 * netlink socket fd and wait for the kernel's acknowledgement: 0, the
 * kernel's negative errno, or -errno of the socket calls. */
int ktest_nl_ack(int fd, struct nlmsghdr *req);

/* Remove dir and everything below it (a temporary directory, or the pins
 * a failed detach left), without following symbolic links; what cannot be
 * removed stays. */
void ktest_remove_tree(const char *dir);

/* Take the kernel tests' lock (the host-side test addresses are shared by
 * tests/kernel/run.sh and the bypass matrix: runs take turns), waiting for
 * it.  Returns the descriptor that holds it (O_CLOEXEC; closing it or
 * exiting releases the lock), or -errno. */
int ktest_lock(void);

#endif /* JAILPOL_KTEST_H */
