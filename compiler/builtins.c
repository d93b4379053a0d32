/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * builtins.c - the built-in named sets.  Keep docs/language.md in sync.
 */
#include <string.h>

#include "builtins.h"

static const char *const pol_bi_loopback[] = { "127.0.0.0/8", "::1", NULL };
static const char *const pol_bi_unspecified[] = { "0.0.0.0/8", "::", NULL };
static const char *const pol_bi_host[] = { NULL };
static const char *const pol_bi_metadata[] = {
	"169.254.169.254", /* AWS, GCP, Azure, OpenStack, Oracle, DO IMDS */
	"169.254.170.2",   /* AWS ECS task metadata and credentials */
	"169.254.170.23",  /* EKS Pod Identity agent */
	"fd00:ec2::254",   /* AWS IMDS over IPv6 */
	"fd00:ec2::23",    /* EKS Pod Identity agent over IPv6 */
	"100.100.100.200", /* Alibaba Cloud */
	"168.63.129.16",   /* Azure WireServer */
	"192.0.0.192",     /* Oracle Cloud legacy metadata */
	NULL,
};
static const char *const pol_bi_gateways[] = {
	"10.0.2.2",       /* slirp4netns: the host's loopback */
	"fd00::2",        /* slirp4netns IPv6: the host's loopback */
	"169.254.1.2",    /* pasta / podman: the host */
	"192.168.65.254", /* Docker Desktop host.docker.internal (new) */
	"192.168.65.2",   /* Docker Desktop host.docker.internal (old) */
	"192.168.5.2",    /* Lima / Colima: the host */
	NULL,
};
static const char *const pol_bi_link_local[] = { "169.254.0.0/16", "fe80::/10", NULL };
static const char *const pol_bi_private[] = {
	"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7", NULL,
};
static const char *const pol_bi_multicast[] = { "224.0.0.0/4", "ff00::/8", NULL };
static const char *const pol_bi_broadcast[] = { "255.255.255.255", NULL };
/* IPv4-compatible IPv6 (::a.b.c.d, RFC 4291 2.5.5.1, deprecated): a SIT
 * tunnel carries them to the embedded IPv4 address.  All of ::/96 except
 * :: and ::1, which `unspecified` and `loopback` cover: ::2/127 (::0.0.0.2),
 * ::4/126, ... ::8000:0/97 (::128.0.0.0). */
static const char *const pol_bi_ipv4_compatible[] = {
	"::2/127",     "::4/126",     "::8/125",     "::10/124",     "::20/123",    "::40/122",
	"::80/121",    "::100/120",   "::200/119",   "::400/118",    "::800/117",   "::1000/116",
	"::2000/115",  "::4000/114",  "::8000/113",  "::1:0/112",    "::2:0/111",   "::4:0/110",
	"::8:0/109",   "::10:0/108",  "::20:0/107",  "::40:0/106",   "::80:0/105",  "::100:0/104",
	"::200:0/103", "::400:0/102", "::800:0/101", "::1000:0/100", "::2000:0/99", "::4000:0/98",
	"::8000:0/97", NULL,
};

static const struct pol_builtin pol_builtins[] = {
	{ "loopback", pol_bi_loopback, false },
	{ "unspecified", pol_bi_unspecified, false },
	{ "host", pol_bi_host, true },
	{ "metadata", pol_bi_metadata, false },
	{ "gateways", pol_bi_gateways, false },
	{ "link-local", pol_bi_link_local, false },
	{ "private", pol_bi_private, false },
	{ "multicast", pol_bi_multicast, false },
	{ "broadcast", pol_bi_broadcast, false },
	{ "ipv4-compatible", pol_bi_ipv4_compatible, false },
};

#define POL_N_BUILTINS (sizeof(pol_builtins) / sizeof(pol_builtins[0]))

const struct pol_builtin *pol_builtin_find(const char *name)
{
	size_t i;

	for (i = 0; i < POL_N_BUILTINS; i++)
		if (!strcmp(pol_builtins[i].name, name))
			return &pol_builtins[i];
	return NULL;
}

const struct pol_builtin *pol_builtin_get(size_t i)
{
	return i < POL_N_BUILTINS ? &pol_builtins[i] : NULL;
}

size_t pol_builtin_count(void)
{
	return POL_N_BUILTINS;
}
