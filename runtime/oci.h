/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * oci.h - the OCI runtime hook's input: the container state a runtime
 * (runc, crun, podman, CRI-O) writes on the hook's stdin, and the choice
 * of policy it implies.
 *
 * The state is JSON (runtime-spec "State"): ociVersion, id, status, pid,
 * bundle, annotations.  The hook acts on two statuses:
 *
 *   creating   createRuntime (and the deprecated prestart): the container's
 *              first process exists, stopped before the entrypoint, in its
 *              final cgroup and network namespace; pid names it.
 *   stopped    poststop: the container is gone.
 *
 * The policy is named by the annotation JP_OCI_ANNOTATION, or by the
 * hook's configured default, and is the file "<dir>/<name>.bin": a name
 * only, never a path, since the annotations come from the container's
 * configuration.
 */
#ifndef JAILPOL_OCI_H
#define JAILPOL_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define JP_OCI_ANNOTATION "io.jailpol.policy"

/* Where compiled policies are looked up by name (--policy-dir). */
#define JP_OCI_POLICY_DIR "/etc/jailpol/policies"

/* The state is small; a longer stdin is refused, not read on. */
#define JP_OCI_STATE_MAX (1024 * 1024)

/* Longest policy name: letters, digits, '.', '_', '-', a letter or digit
 * first. */
#define JP_OCI_NAME_MAX 64

struct jp_oci_state {
	char id[256];    /* the container's id */
	char status[16]; /* "creating", "stopped", ... */
	pid_t pid;       /* 0 when the state has none */
	bool has_policy; /* the annotation is there */
	char policy[JP_OCI_NAME_MAX + 1];
};

/*
 * Parse the state in text (len bytes).  Refuses what is not a state
 * object: not JSON, no "status" or "id" string, a "pid" that is not a
 * positive process id, an annotation JP_OCI_ANNOTATION that is not a
 * string or not a valid policy name (err names the problem).  0 or -errno.
 */
int jp_oci_state_parse(const char *text, size_t len, struct jp_oci_state *out, char *err,
		       size_t errlen);

/* 0 if name is a valid policy name, else -EINVAL with err saying why. */
int jp_oci_name_check(const char *name, char *err, size_t errlen);

/* "<dir>/<name>.bin" into out; name must have passed jp_oci_name_check. */
int jp_oci_policy_path(const char *dir, const char *name, char *out, size_t len);

#endif /* JAILPOL_OCI_H */
