/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#include "../bpf/templates/policy_abi.h"
#include "names.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const verdict_names[] = {
	[POL_DENY] = "deny",
	[POL_ALLOW] = "allow",
};
_Static_assert(N_ELEMS(verdict_names) == POL_VERDICT_MAX, "verdict_names");

static const char *const proto_names[] = {
	[POL_PROTO_TCP] = "tcp",
	[POL_PROTO_UDP] = "udp",
	[POL_PROTO_OTHER] = "other",
};
_Static_assert(N_ELEMS(proto_names) == POL_PROTO_MAX, "proto_names");

static const char *const scope_names[] = {
	[POL_SCOPE_HOST] = "host",
	[POL_SCOPE_CONTAINER] = "container",
};
_Static_assert(N_ELEMS(scope_names) == POL_SCOPE_MAX, "scope_names");

const char *pol_verdict_name(unsigned int v)
{
	return v < POL_VERDICT_MAX ? verdict_names[v] : "?";
}

const char *pol_proto_name(unsigned int p)
{
	return p < POL_PROTO_MAX ? proto_names[p] : "?";
}

const char *pol_scope_name(unsigned int s)
{
	return s < POL_SCOPE_MAX ? scope_names[s] : "?";
}

const char *pol_sock_kind_name(unsigned int k)
{
	static const char *const names[POL_SOCK_MAX] = {
		[POL_SOCK_RAW] = "raw",
		[POL_SOCK_PING] = "ping",
	};

	return k < POL_SOCK_MAX ? names[k] : "?";
}
