/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hostset.c - add and remove the `host` entries of a generation's address
 * tables on the live maps (hostset.h has the contract).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "hostset.h"
#include "tables.h"

/* The larger of the two LPM keys, for get_next_key. */
#define LPM_KEY_MAX sizeof(struct pol_lpm6_key)

/* a's exact table key, its size, and its table. */
struct at {
	int fd;
	size_t key_size;
	union {
		struct pol_lpm4_key k4;
		struct pol_lpm6_key k6;
	} key;
};

static void at_init(const struct jp_hostset *s, const struct jp_addr *a, struct at *t)
{
	memset(t, 0, sizeof(*t));
	if (a->family == 4) {
		t->fd = s->lpm4_fd;
		t->key_size = sizeof(t->key.k4);
		t->key.k4.prefixlen = 32;
		memcpy(t->key.k4.addr, a->addr, 4);
	} else {
		t->fd = s->lpm6_fd;
		t->key_size = sizeof(t->key.k6);
		t->key.k6.prefixlen = 128;
		memcpy(t->key.k6.addr, a->addr, 16);
	}
}

static void rec_key(const struct jp_addr *a, struct jp_host_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = a->family;
	memcpy(k->addr, a->addr, a->family == 4 ? 4 : 16);
}

static const char *table_name(const struct jp_addr *a)
{
	return a->family == 4 ? "pol_lpm4" : "pol_lpm6";
}

/*
 * 1 if the trie holds an entry of exactly t's key, 0 if not.  A lookup
 * cannot tell (it returns the longest match); get_next_key can without
 * changing anything: from a key the trie holds it continues after that
 * entry, from any other it starts again at the first entry (the kernel's
 * trie_get_next_key), and no entry is followed by the first.
 */
static int has_exact(const struct at *t)
{
	uint8_t first[LPM_KEY_MAX], next[LPM_KEY_MAX];

	if (bpf_map_get_next_key(t->fd, NULL, first) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (bpf_map_get_next_key(t->fd, &t->key, next) < 0)
		return errno == ENOENT ? 1 : -errno; /* t's key is the last entry */
	return memcmp(next, first, t->key_size) != 0;
}

void jp_addr_format(const struct jp_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

static int map_error(int ret, const char *what, const struct jp_addr *a, char *err, size_t errlen)
{
	char shown[JP_ADDR_STRLEN];

	jp_addr_format(a, shown, sizeof(shown));
	if (ret == -E2BIG || ret == -ENOSPC) {
		snprintf(err, errlen,
			 "no room in %s for host address %s: its spare entries are used up; "
			 "attach the policy again to make room",
			 what, shown);
		return -ENOSPC;
	}
	snprintf(err, errlen, "cannot update %s for host address %s: %s", what, shown,
		 strerror(-ret));
	return ret;
}

int jp_hostset_records(size_t max, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_NO_PREALLOC);
	int fd;

	if (max > UINT32_MAX) {
		snprintf(err, errlen, "the host records need %zu entries: more than a map holds",
			 max);
		return -E2BIG;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "jailpol_hosts", sizeof(struct jp_host_key),
			    sizeof(struct jp_host_rec), (uint32_t)(max ? max : 1), &mo);
	if (fd < 0) {
		fd = -errno;
		snprintf(err, errlen, "cannot create the host records map: %s", strerror(-fd));
	}
	return fd;
}

/* jp_hostset_add(); *added says whether a was not a host entry before. */
static int add_one(const struct jp_hostset *s, const struct jp_addr *a, bool *added, char *err,
		   size_t errlen)
{
	struct pol_addr_val cover, host;
	struct jp_host_key rk;
	struct jp_host_rec rec;
	char shown[JP_ADDR_STRLEN];
	struct at t;
	int exact;

	*added = false;
	if ((a->family != 4 && a->family != 6) || pol_never_host(a->family, a->addr))
		return 0;
	at_init(s, a, &t);
	rec_key(a, &rk);
	/* The longest match: the covering entry, or a's host entry, whose
	 * host_did is the same (both decision ids are it). */
	if (bpf_map_lookup_elem(t.fd, &t.key, &cover) < 0) {
		if (errno != ENOENT)
			return map_error(-errno, table_name(a), a, err, errlen);
		jp_addr_format(a, shown, sizeof(shown));
		snprintf(
			err, errlen,
			"no entry of the policy covers host address %s; recompile it with jailpolc",
			shown);
		return -EBADMSG;
	}
	/* The record first: killed before the table write, a later sync
	 * finds a recorded and writes the entry again. */
	if (bpf_map_lookup_elem(s->rec_fd, &rk, &rec) < 0) {
		if (errno != ENOENT)
			return map_error(-errno, "the host records", a, err, errlen);
		exact = has_exact(&t);
		if (exact < 0)
			return map_error(exact, table_name(a), a, err, errlen);
		memset(&rec, 0, sizeof(rec));
		if (exact) {
			rec.orig = cover;
			rec.had_entry = 1;
		}
		if (bpf_map_update_elem(s->rec_fd, &rk, &rec, BPF_NOEXIST) < 0)
			return map_error(-errno, "the host records", a, err, errlen);
		*added = true;
	}
	host.did = host.host_did = cover.host_did;
	/* The tables judge a so already (a covering entry whose two ids
	 * agree): no entry is spent on it. */
	if (cover.did == host.did)
		return 0;
	if (bpf_map_update_elem(t.fd, &t.key, &host, BPF_ANY) < 0)
		return map_error(-errno, table_name(a), a, err, errlen);
	return 0;
}

int jp_hostset_add(const struct jp_hostset *s, const struct jp_addr *a, char *err, size_t errlen)
{
	bool added;

	return add_one(s, a, &added, err, errlen);
}

int jp_hostset_remove(const struct jp_hostset *s, const struct jp_addr *a, char *err, size_t errlen)
{
	struct jp_host_key rk;
	struct jp_host_rec rec;
	struct at t;
	int ret;

	if (a->family != 4 && a->family != 6)
		return 0;
	rec_key(a, &rk);
	if (bpf_map_lookup_elem(s->rec_fd, &rk, &rec) < 0)
		return errno == ENOENT ? 0 : map_error(-errno, "the host records", a, err, errlen);
	at_init(s, a, &t);
	/* The table first: killed before the record goes, a later sync
	 * removes a again, which changes nothing more. */
	if (rec.had_entry)
		ret = bpf_map_update_elem(t.fd, &t.key, &rec.orig, BPF_ANY);
	else
		ret = bpf_map_delete_elem(t.fd, &t.key);
	if (ret < 0 && !(errno == ENOENT && !rec.had_entry))
		return map_error(-errno, table_name(a), a, err, errlen);
	if (bpf_map_delete_elem(s->rec_fd, &rk) < 0 && errno != ENOENT)
		return map_error(-errno, "the host records", a, err, errlen);
	return 0;
}

int jp_hostset_set_owner(const struct jp_hostset *s, uint64_t netns_cookie, char *err,
			 size_t errlen)
{
	struct jp_host_key k = { .family = JP_HOST_OWNER };
	struct jp_host_rec rec = {
		.orig = { (uint32_t)netns_cookie, (uint32_t)(netns_cookie >> 32) },
	};

	if (bpf_map_update_elem(s->rec_fd, &k, &rec, BPF_ANY) == 0)
		return 0;
	snprintf(err, errlen, "cannot record whose host addresses these are: %s", strerror(errno));
	return -errno;
}

int jp_hostset_owner(const struct jp_hostset *s, uint64_t *netns_cookie)
{
	struct jp_host_key k = { .family = JP_HOST_OWNER };
	struct jp_host_rec rec;

	if (bpf_map_lookup_elem(s->rec_fd, &k, &rec) < 0)
		return -errno;
	*netns_cookie = (uint64_t)rec.orig.host_did << 32 | rec.orig.did;
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct jp_host_key));
}

static void key_addr(const struct jp_host_key *k, struct jp_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = k->family;
	memcpy(a->addr, k->addr, sizeof(a->addr));
}

/* The recorded addresses, sorted. */
static int recorded(int rec_fd, struct jp_host_key **out, size_t *n, char *err, size_t errlen)
{
	struct jp_host_key *v = NULL, k, prev;
	size_t cap = 0;
	bool first = true;

	*n = 0;
	while (bpf_map_get_next_key(rec_fd, first ? NULL : &prev, &k) == 0) {
		first = false;
		if (*n == cap) {
			struct jp_host_key *nv;

			cap = cap ? 2 * cap : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				snprintf(err, errlen, "host records: out of memory");
				return -ENOMEM;
			}
			v = nv;
		}
		prev = k;
		if (k.family != 4 && k.family != 6)
			continue; /* the owner */
		v[(*n)++] = k;
	}
	if (errno != ENOENT) {
		int ret = -errno;

		free(v);
		snprintf(err, errlen, "cannot read the host records: %s", strerror(-ret));
		return ret;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), key_cmp);
	*out = v;
	return 0;
}

int jp_hostset_sync(const struct jp_hostset *s, const struct jp_hosts *want,
		    jp_hostset_report_fn report, void *arg, uint32_t *n, char *err, size_t errlen)
{
	struct jp_host_key *keep = NULL, *have = NULL;
	size_t i, n_keep = 0, n_have = 0;
	int ret = 0;

	*n = 0;
	keep = calloc(want && want->n ? want->n : 1, sizeof(*keep));
	if (!keep) {
		snprintf(err, errlen, "host records: out of memory");
		return -ENOMEM;
	}
	for (i = 0; want && i < want->n && !ret; i++) {
		const struct jp_addr *a = &want->v[i];
		bool added;

		if ((a->family != 4 && a->family != 6) || pol_never_host(a->family, a->addr))
			continue;
		ret = add_one(s, a, &added, err, errlen);
		if (!ret && added && report)
			report(a, true, arg);
		rec_key(a, &keep[n_keep++]);
	}
	if (!ret)
		ret = recorded(s->rec_fd, &have, &n_have, err, errlen);
	if (ret)
		goto out;
	if (n_keep)
		qsort(keep, n_keep, sizeof(*keep), key_cmp);
	for (i = 0; i < n_have && !ret; i++) {
		struct jp_addr a;

		if (n_keep && bsearch(&have[i], keep, n_keep, sizeof(*keep), key_cmp))
			continue;
		key_addr(&have[i], &a);
		ret = jp_hostset_remove(s, &a, err, errlen);
		if (!ret && report)
			report(&a, false, arg);
	}
	if (!ret) {
		free(have);
		have = NULL;
		ret = recorded(s->rec_fd, &have, &n_have, err, errlen);
		*n = (uint32_t)n_have;
	}
out:
	free(keep);
	free(have);
	return ret;
}
