// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ktest.c - helpers of the kernel tests and the runtime benchmark; see
 * ktest.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "ktest.h"

int ktest_find_cgroup2(char *out, size_t len)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char mnt[4096], fstype[64], *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (strlen(mnt) >= len)
			continue;
		strcpy(out, mnt);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

int ktest_write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

int ktest_join_cgroup(const char *dir)
{
	char path[4096 + 16], pid[24];

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	return ktest_write_file(path, pid);
}

const char *ktest_errno_name(int e, const char *zero)
{
	const char *s = e ? strerrorname_np(e) : zero;

	return s ? s : "unknown errno";
}

socklen_t ktest_sockaddr(int family, const void *addr, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		memcpy(&a->sin6_addr, addr, 16);
		return sizeof(*a);
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	memcpy(&a->sin_addr, addr, 4);
	return sizeof(*a);
}

int ktest_parse_addr(const char *s, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	unsigned char addr[16] = { 0 };
	char buf[80], *pct;
	unsigned int scope = 0;
	int family = strchr(s, ':') ? AF_INET6 : AF_INET, ok;

	snprintf(buf, sizeof(buf), "%s", s);
	pct = family == AF_INET6 ? strchr(buf, '%') : NULL;
	if (pct) {
		*pct++ = '\0';
		scope = if_nametoindex(pct);
	}
	ok = inet_pton(family, buf, addr) == 1;
	*len = ktest_sockaddr(family, addr, port, ss);
	if (family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_scope_id = scope;
	return ok ? 0 : -EINVAL;
}

int ktest_wait_fd(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	do
		n = poll(&p, 1, ms);
	while (n < 0 && errno == EINTR);
	return n > 0 ? 0 : n == 0 ? -ETIMEDOUT : -errno;
}

uint16_t ktest_inet_csum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

int ktest_lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		ret = -errno;
		goto cleanup;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		ret = -errno;
cleanup:
	close(fd);
	return ret;
}

/* The uapi netlink macros (NLMSG_NEXT, RTA_NEXT, IFA_RTA) step through a
 * char *, which clang's -Wcast-align flags; the kernel keeps every message
 * and attribute NLMSG_ALIGNTO-aligned, and the buffers here are too. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-align"

int ktest_nl_attr(struct nlmsghdr *nh, size_t room, int type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));

	if (NLMSG_ALIGN(nh->nlmsg_len) + RTA_SPACE(len) > room)
		return -E2BIG;
	rta->rta_type = (unsigned short)type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_SPACE(len);
	return 0;
}

int ktest_nl_ack(int fd, struct nlmsghdr *req)
{
	static uint32_t seq;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));

	req->nlmsg_flags |= NLM_F_ACK;
	req->nlmsg_seq = ++seq;
	if (sendto(fd, req, req->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
			struct nlmsgerr *e = NLMSG_DATA(nh);

			if (nh->nlmsg_seq == req->nlmsg_seq && nh->nlmsg_type == NLMSG_ERROR)
				return e->error;
		}
	}
}

#pragma GCC diagnostic pop

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	remove(path);
	return 0;
}

void ktest_remove_tree(const char *dir)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int ktest_lock(void)
{
	const char *path = access("/run/lock", W_OK) ? "/tmp/jailpol-kernel-tests.lock"
						     : "/run/lock/jailpol-kernel-tests.lock";
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}
