/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * oci.c - reading the OCI container state a runtime hands its hooks
 * (oci.h has the contract).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json_parse.h"
#include "oci.h"

int jp_oci_name_check(const char *name, char *err, size_t errlen)
{
	size_t i, n = strlen(name);
	char shown[POL_JSON_SHOWN];

	pol_json_shown(shown, sizeof(shown), name);
	if (!n || n > JP_OCI_NAME_MAX) {
		snprintf(err, errlen, "policy name '%s' must be 1 to %d characters", shown,
			 JP_OCI_NAME_MAX);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) {
			snprintf(err, errlen,
				 "policy name '%s' is not a name: use letters, digits, '.', '_' "
				 "and '-', starting with a letter or digit (a name, never a path)",
				 shown);
			return -EINVAL;
		}
	}
	return 0;
}

int jp_oci_policy_path(const char *dir, const char *name, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s.bin", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* The string member name of obj into buf; -ENOENT absent, -EINVAL not a
 * string or too long (err says which). */
static int str_member(const struct pol_jval *obj, const char *name, char *buf, size_t len,
		      char *err, size_t errlen)
{
	const struct pol_jval *v = pol_jval_member(obj, name);
	const char *s;

	if (!v)
		return -ENOENT;
	s = pol_jval_str(v);
	if (!s) {
		snprintf(err, errlen, "state: \"%s\" is not a string", name);
		return -EINVAL;
	}
	if (strlen(s) >= len) {
		snprintf(err, errlen, "state: \"%s\" is longer than %zu bytes", name, len - 1);
		return -EINVAL;
	}
	memcpy(buf, s, strlen(s) + 1);
	return 0;
}

static int read_pid(const struct pol_jval *root, pid_t *pid, char *err, size_t errlen)
{
	const struct pol_jval *v = pol_jval_member(root, "pid");
	int64_t n;

	*pid = 0;
	if (!v)
		return 0;
	if (pol_jval_int(v, &n) || n < 0 || n > INT32_MAX) {
		snprintf(err, errlen, "state: \"pid\" is not a process id");
		return -EINVAL;
	}
	*pid = (pid_t)n;
	return 0;
}

static int read_policy(const struct pol_jval *root, struct jp_oci_state *out, char *err,
		       size_t errlen)
{
	const struct pol_jval *ann = pol_jval_member(root, "annotations");
	char msg[256];
	int ret;

	if (!ann || pol_jval_type(ann) == POL_JNULL)
		return 0;
	if (pol_jval_type(ann) != POL_JOBJECT) {
		snprintf(err, errlen, "state: \"annotations\" is not an object");
		return -EINVAL;
	}
	ret = str_member(ann, JP_OCI_ANNOTATION, out->policy, sizeof(out->policy), msg,
			 sizeof(msg));
	if (ret == -ENOENT)
		return 0;
	if (!ret)
		ret = jp_oci_name_check(out->policy, msg, sizeof(msg));
	if (ret) {
		snprintf(err, errlen, "annotation '%s': %s", JP_OCI_ANNOTATION, msg);
		return ret;
	}
	out->has_policy = true;
	return 0;
}

int jp_oci_state_parse(const char *text, size_t len, struct jp_oci_state *out, char *err,
		       size_t errlen)
{
	struct jp_oci_state st;
	struct pol_jval *root = NULL;
	char msg[256];
	int ret;

	memset(&st, 0, sizeof(st));
	ret = pol_json_parse(text, len, &root, msg, sizeof(msg));
	if (ret) {
		snprintf(err, errlen, "the container state on stdin is not JSON: %s", msg);
		return ret;
	}
	if (pol_jval_type(root) != POL_JOBJECT) {
		snprintf(err, errlen, "the container state on stdin is not a JSON object");
		ret = -EINVAL;
		goto cleanup;
	}
	ret = str_member(root, "status", st.status, sizeof(st.status), err, errlen);
	if (!ret)
		ret = str_member(root, "id", st.id, sizeof(st.id), err, errlen);
	if (ret == -ENOENT)
		snprintf(err, errlen,
			 "the JSON on stdin is not an OCI container state: it has no \"status\" "
			 "or no \"id\"");
	if (!ret) {
		/* The id is only ever shown: keep it printable. */
		char shown[POL_JSON_SHOWN];

		pol_json_shown(shown, sizeof(shown), st.id);
		snprintf(st.id, sizeof(st.id), "%s", shown);
		ret = read_pid(root, &st.pid, err, errlen);
	}
	if (!ret)
		ret = read_policy(root, &st, err, errlen);
	if (!ret)
		*out = st;
cleanup:
	pol_json_free(root);
	return ret;
}
