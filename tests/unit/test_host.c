/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_host.c - the host address dump's batch step (runtime/host.c) on
 * hand-built netlink replies: addresses taken, canonicalised and deduped,
 * loopback left out, other sequences skipped, NLMSG_ERROR and DONE, and a
 * batch marked NLM_F_DUMP_INTR reported as interrupted; the address events
 * watch wakes up for.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "host.h"
#include "unit.h"

/* A reply buffer built message by message; the uapi macros want
 * NLMSG_ALIGNTO alignment, which the union gives. */
struct reply {
	union {
		char b[8192];
		struct nlmsghdr align;
	} u;
	size_t len;
};

static void add_msg(struct reply *r, uint16_t type, uint16_t flags, uint32_t seq,
		    const void *payload, size_t plen)
{
	struct nlmsghdr nh = {
		.nlmsg_len = (uint32_t)NLMSG_LENGTH(plen),
		.nlmsg_type = type,
		.nlmsg_flags = flags,
		.nlmsg_seq = seq,
	};

	REQUIRE(r->len + NLMSG_SPACE(plen) <= sizeof(r->u.b), "reply buffer");
	memcpy(r->u.b + r->len, &nh, sizeof(nh));
	memcpy(r->u.b + r->len + NLMSG_HDRLEN, payload, plen);
	r->len += NLMSG_SPACE(plen);
}

/* An RTM_NEWADDR with IFA_ADDRESS (and IFA_LOCAL if local is set). */
static void add_addr_msg(struct reply *r, uint16_t flags, uint32_t seq, int family,
			 const char *address, const char *local)
{
	char payload[256] = { 0 };
	struct ifaddrmsg ifa = { .ifa_family = (uint8_t)family };
	size_t alen = family == AF_INET ? 4 : 16, off = NLMSG_ALIGN(sizeof(ifa));
	const char *text[2] = { address, local };
	uint16_t type[2] = { IFA_ADDRESS, IFA_LOCAL };
	int i;

	memcpy(payload, &ifa, sizeof(ifa));
	for (i = 0; i < 2; i++) {
		struct rtattr rta = { .rta_len = (unsigned short)RTA_LENGTH(alen),
				      .rta_type = type[i] };

		if (!text[i])
			continue;
		memcpy(payload + off, &rta, sizeof(rta));
		REQUIRE(inet_pton(family, text[i], payload + off + RTA_LENGTH(0)) == 1, "%s",
			text[i]);
		off += RTA_SPACE(alen);
	}
	add_msg(r, RTM_NEWADDR, flags, seq, payload, off);
}

/* What jp_host_dump_batch() folds a reply into. */
struct dump {
	struct jp_hosts h;
	size_t cap;
	bool intr;
	char err[256];
};

static int run_batch(struct dump *d, const struct reply *r, uint32_t seq)
{
	d->intr = false;
	d->err[0] = '\0';
	return jp_host_dump_batch(r->u.b, r->len, seq, &d->h, &d->cap, &d->intr, d->err,
				  sizeof(d->err));
}

static bool has(const struct jp_hosts *h, int family, const char *text)
{
	uint8_t a[16] = { 0 };
	size_t i;

	inet_pton(family, text, a);
	for (i = 0; i < h->n; i++)
		if (h->v[i].family == (family == AF_INET ? 4 : 6) && !memcmp(h->v[i].addr, a, 16))
			return true;
	return false;
}

static void test_addresses(void)
{
	struct reply r = { 0 };
	struct dump d = { 0 };
	int ret;

	add_addr_msg(&r, NLM_F_MULTI, 7, AF_INET, "192.0.2.1", NULL);
	/* Point-to-point: IFA_LOCAL is ours, IFA_ADDRESS the peer's. */
	add_addr_msg(&r, NLM_F_MULTI, 7, AF_INET, "198.51.100.9", "198.51.100.1");
	add_addr_msg(&r, NLM_F_MULTI, 7, AF_INET6, "::ffff:192.0.2.1", NULL);
	add_addr_msg(&r, NLM_F_MULTI, 7, AF_INET6, "2001:db8::1", NULL);
	add_addr_msg(&r, NLM_F_MULTI, 7, AF_INET, "127.0.0.1", NULL);
	add_addr_msg(&r, NLM_F_MULTI, 7, AF_INET6, "::1", NULL);
	add_addr_msg(&r, NLM_F_MULTI, 8, AF_INET, "203.0.113.5", NULL);
	ret = run_batch(&d, &r, 7);
	CHECK(ret == 0, "batch without DONE returns %d (%s)", ret, d.err);
	CHECK(!d.intr, "not interrupted");
	CHECK(d.h.n == 3, "3 addresses, got %zu", d.h.n);
	CHECK(has(&d.h, AF_INET, "192.0.2.1"), "192.0.2.1 (mapped twin deduped)");
	CHECK(has(&d.h, AF_INET, "198.51.100.1"), "IFA_LOCAL taken");
	CHECK(!has(&d.h, AF_INET, "198.51.100.9"), "the peer is not ours");
	CHECK(has(&d.h, AF_INET6, "2001:db8::1"), "2001:db8::1");
	CHECK(!has(&d.h, AF_INET, "203.0.113.5"), "another sequence is skipped");

	r.len = 0;
	add_msg(&r, NLMSG_DONE, NLM_F_MULTI, 7, &(int){ 0 }, sizeof(int));
	ret = run_batch(&d, &r, 7);
	CHECK(ret == 1 && !d.intr, "DONE returns 1, got %d", ret);
	jp_hosts_free(&d.h);
}

static void test_interrupted(void)
{
	struct reply r = { 0 };
	struct dump d = { 0 };
	int ret;

	add_addr_msg(&r, NLM_F_MULTI, 3, AF_INET, "192.0.2.1", NULL);
	add_addr_msg(&r, NLM_F_MULTI | NLM_F_DUMP_INTR, 3, AF_INET, "192.0.2.2", NULL);
	ret = run_batch(&d, &r, 3);
	CHECK(ret == 0 && d.intr, "NLM_F_DUMP_INTR on an address: ret %d, interrupted %d", ret,
	      d.intr);

	/* The kernel may mark only the final NLMSG_DONE. */
	r.len = 0;
	add_msg(&r, NLMSG_DONE, NLM_F_MULTI | NLM_F_DUMP_INTR, 3, &(int){ 0 }, sizeof(int));
	ret = run_batch(&d, &r, 3);
	CHECK(ret == 1 && d.intr, "NLM_F_DUMP_INTR on DONE: ret %d, interrupted %d", ret, d.intr);
	jp_hosts_free(&d.h);
}

static void test_error(void)
{
	struct nlmsgerr e = { .error = -EPERM };
	struct reply r = { 0 };
	struct dump d = { 0 };
	int ret;

	add_msg(&r, NLMSG_ERROR, 0, 5, &e, sizeof(e));
	ret = run_batch(&d, &r, 5);
	CHECK(ret == -EPERM, "NLMSG_ERROR gives its errno, got %d", ret);
	CHECK(strstr(d.err, "netlink address dump") != NULL, "message: '%s'", d.err);
	jp_hosts_free(&d.h);
}

/* What wakes watch: an address added or removed, in any batch. */
static void test_events(void)
{
	struct ifinfomsg ifi = { 0 };
	struct reply r = { .len = 0 };

	add_msg(&r, RTM_NEWLINK, 0, 0, &ifi, sizeof(ifi));
	CHECK(!jp_host_addr_event(r.u.b, r.len), "a link event is not an address event");
	CHECK(!jp_host_addr_event(r.u.b, 0), "an empty batch holds none");
	add_addr_msg(&r, 0, 0, AF_INET, "192.0.2.7", NULL);
	CHECK(jp_host_addr_event(r.u.b, r.len), "RTM_NEWADDR after a link event is one");
	r.len = 0;
	add_msg(&r, RTM_DELADDR, 0, 0, &ifi, sizeof(ifi));
	CHECK(jp_host_addr_event(r.u.b, r.len), "RTM_DELADDR is one");
	CHECK(!jp_host_addr_event(r.u.b, NLMSG_HDRLEN - 1), "a truncated header is none");
}

int main(void)
{
	test_addresses();
	test_interrupted();
	test_error();
	test_events();
	return unit_summary();
}
