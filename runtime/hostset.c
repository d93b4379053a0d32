/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hostset.c - add and remove the addresses of a generation's host set on
 * the live map (hostset.h has the contract).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "hostset.h"
#include "tables.h"

static void rec_key(const struct jp_addr *a, struct pol_host_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = a->family;
	memcpy(k->addr, a->addr, a->family == 4 ? 4 : 16);
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
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "jailpol_hosts", sizeof(struct pol_host_key),
			    sizeof(struct jp_host_rec), (uint32_t)(max ? max : 1), &mo);
	if (fd < 0) {
		fd = -errno;
		snprintf(err, errlen, "cannot create the host records map: %s", strerror(-fd));
	}
	return fd;
}

/* jp_hostset_add(); *added says whether a was not a host address before. */
static int add_one(const struct jp_hostset *s, const struct jp_addr *a, bool *added, char *err,
		   size_t errlen)
{
	struct jp_host_rec rec = { 0 };
	struct pol_host_key rk;

	*added = false;
	if ((a->family != 4 && a->family != 6) || pol_never_host(a->family, a->addr))
		return 0;
	rec_key(a, &rk);
	if (bpf_map_update_elem(s->rec_fd, &rk, &rec, BPF_NOEXIST) == 0) {
		*added = true;
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	return map_error(-errno, "the host set", a, err, errlen);
}

int jp_hostset_add(const struct jp_hostset *s, const struct jp_addr *a, char *err, size_t errlen)
{
	bool added;

	return add_one(s, a, &added, err, errlen);
}

int jp_hostset_remove(const struct jp_hostset *s, const struct jp_addr *a, char *err, size_t errlen)
{
	struct pol_host_key rk;

	if (a->family != 4 && a->family != 6)
		return 0;
	rec_key(a, &rk);
	if (bpf_map_delete_elem(s->rec_fd, &rk) < 0 && errno != ENOENT)
		return map_error(-errno, "the host set", a, err, errlen);
	return 0;
}

int jp_hostset_set_owner(const struct jp_hostset *s, uint64_t netns_cookie, char *err,
			 size_t errlen)
{
	struct pol_host_key k = { .family = JP_HOST_OWNER };
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
	struct pol_host_key k = { .family = JP_HOST_OWNER };
	struct jp_host_rec rec;

	if (bpf_map_lookup_elem(s->rec_fd, &k, &rec) < 0)
		return -errno;
	*netns_cookie = (uint64_t)rec.orig.host_did << 32 | rec.orig.did;
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct pol_host_key));
}

static void key_addr(const struct pol_host_key *k, struct jp_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = k->family;
	memcpy(a->addr, k->addr, sizeof(a->addr));
}

/* The recorded addresses, sorted. */
static int recorded(int rec_fd, struct pol_host_key **out, size_t *n, char *err, size_t errlen)
{
	struct pol_host_key *v = NULL, k, prev;
	size_t cap = 0;
	bool first = true;

	*n = 0;
	while (bpf_map_get_next_key(rec_fd, first ? NULL : &prev, &k) == 0) {
		first = false;
		if (*n == cap) {
			struct pol_host_key *nv;

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
	struct pol_host_key *keep = NULL, *have = NULL;
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
