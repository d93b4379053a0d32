#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The OCI hook's protocol and the jail's life cycle, with no container
# engine: tests/kernel/oci.sh BUILD_DIR
#
# A runtime runs `jail-ai-block oci-hook` with the container's state on
# stdin.  Here the container is a process held in a fresh cgroup and the
# state is built for it, as runc writes it at createRuntime (status
# "creating", the pid of its waiting init) and at poststop (status
# "stopped").  Then: status by the kernel's cgroup ids (a removed cgroup is
# "gone", a path re-created names another cgroup), gc, detach --id, and the
# "/a/b" cgroup form.  tests/kernel/podman.sh runs the same hook under a
# real podman.
#
# Packets go only to loopback: the two test policies deny one loopback port
# each.  Everything is named after this shell's pid (cgroups
# <cgroup2 mount>/jailpol-oci-PID-N) and removed by an EXIT trap, also after
# a failure.  Prints "ok NAME" / "FAIL NAME: ..." and "N passed, N failed";
# exit 0, 1, or 77 (cannot run, reason printed).
set -u

out=${1:-}
if [ -z "$out" ] || [ $# -ne 1 ]; then
	echo "usage: tests/kernel/oci.sh BUILD_DIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
SUITE=oci
out=$(cd "$out" 2>/dev/null && pwd) || { echo "oci: no build directory '$1'" >&2; exit 2; }

[ "$(id -u)" -eq 0 ] || cannot_run "needs root (cgroups, BPF)"
jab=$out/jail-ai-block
np=$out/tests/netprobe
for f in "$jab" "$out/jailpolc" "$np"; do
	[ -x "$f" ] || cannot_run "'$f' is not built (make check-build)"
done
cg2=$(cg2_mount)
[ -n "$cg2" ] || cannot_run "no cgroup2 file system in /proc/self/mountinfo"
pins=/sys/fs/bpf/jailpol

kernel_lock

id=$$
work=$(mktemp -d /tmp/jailpol-oci.XXXXXX)
PIDS=() CGS=()
had_pin_root=no
[ -d "$pins" ] && had_pin_root=yes

cleanup() {
	local rc=$? i
	trap - EXIT INT TERM
	for i in "${PIDS[@]}"; do
		kill "$i" 2>/dev/null
		wait "$i" 2>/dev/null
	done
	for ((i = ${#CGS[@]} - 1; i >= 0; i--)); do
		cg_remove "${CGS[i]}"
	done
	# Jails of this run's removed cgroups: gc takes them (and only gone ones).
	timeout 10 "$jab" gc >/dev/null 2>&1 </dev/null
	[ $had_pin_root = no ] && rmdir "$pins" 2>/dev/null
	rm -rf "$work"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ncg=0
new_cg() {
	ncg=$((ncg + 1))
	REPLY=$cg2/jailpol-oci-$id-$ncg
	CGS+=("$REPLY")
	setup mkdir "$REPLY"
}

# hold CGROUP: a process waiting in the cgroup, as runc init does; its pid
# in REPLY.
hold() {
	sleep 600 </dev/null >/dev/null 2>&1 &
	local p=$!
	PIDS+=("$p")
	echo "$p" >"$1/cgroup.procs" || stop setup "cannot move $p into '$1'"
	REPLY=$p
}

# state STATUS PID [POLICY]: an OCI state as runc writes it, in $work/state.
state() {
	local ann=
	[ $# -ge 3 ] && ann=", \"annotations\": {\"io.jailpol.policy\": \"$3\", \"org.example\": \"x\"}"
	printf '{"ociVersion": "1.0.2", "id": "ctr-%s", "status": "%s", "pid": %s, "bundle": "/run/b"%s}\n' \
		"$id" "$1" "$2" "$ann" >"$work/state"
}

# hook ARGS...: the hook with $work/state on stdin.
hook() {
	timeout 60 "$jab" oci-hook --policy-dir "$work/policies" "$@" <"$work/state" \
		>"$work/out" 2>"$work/err"
	RC=$?
	OUT=$(cat "$work/out")
	ERR=$(cat "$work/err")
}

expect_err() {
	case $ERR in
	*"$2"*) ok "$1" ;;
	*) nok "$1" "expected a message with '$2' got '$ERR'" ;;
	esac
}

# verdicts NAME CGROUP A B: TCP connects from the cgroup to 127.0.0.1 on
# the two ports give A and B ("ok" or "EPERM").
verdicts() {
	local got_a got_b
	got_a=$(timeout 5 "$np" -t 2000 -c "$2" connect tcp 127.0.0.1 "$PA" 2>&1 </dev/null)
	got_b=$(timeout 5 "$np" -t 2000 -c "$2" connect tcp 127.0.0.1 "$PB" 2>&1 </dev/null)
	if [ "$got_a $got_b" = "$3 $4" ]; then
		ok "$1"
	else
		nok "$1" "expected port A $3, port B $4 got $got_a, $got_b"
	fi
}

expect_status() { # NAME CGID JQ-EXPR (true when it holds)
	local got
	got=$(status_of "$2")
	if [ -n "$got" ] && jq -e "$3" <<<"$got" >/dev/null 2>&1; then
		ok "$1"
	else
		nok "$1" "expected status of cgroup id $2 to satisfy '$3' got '${got:-no entry}'"
	fi
}

expect_no_jail() { # NAME CGID
	if [ -z "$(status_of "$2")" ] && [ ! -e "$pins/cg-$2" ]; then
		ok "$1"
	else
		nok "$1" "expected no jail of cgroup id $2 got '$(status_of "$2")' ($(ls "$pins/cg-$2" 2>&1 | tr '\n' ' '))"
	fi
}

command -v jq >/dev/null || cannot_run "jq is not installed (make deps)"

# Listeners on two loopback ports, and a policy denying each.
for v in A B; do
	"$np" listen tcp 127.0.0.1 0 >"$work/listen$v" 2>&1 </dev/null &
	PIDS+=($!)
done
for v in A B; do
	for ((i = 0; i < 100; i++)); do
		grep -q '^ready' "$work/listen$v" && break
		sleep 0.05
	done
done
PA=$(sed -n 's/^ready //p' "$work/listenA")
PB=$(sed -n 's/^ready //p' "$work/listenB")
[ -n "$PA" ] && [ -n "$PB" ] || stop setup "listeners did not start"
mkdir -p "$work/policies"
printf 'default allow;\ndeny 127.0.0.1 port %s proto tcp;\n' "$PA" >"$work/deny-a.jp"
printf 'default allow;\ndeny 127.0.0.1 port %s proto tcp;\n' "$PB" >"$work/deny-b.jp"
setup "$out/jailpolc" "$work/deny-a.jp" -o "$work/policies/deny-a.bin"
setup "$out/jailpolc" "$work/deny-b.jp" -o "$work/policies/deny-b.bin"

# createRuntime, the policy named by the annotation.
new_cg
C1=$REPLY
C1ID=$(stat -c %i "$C1")
hold "$C1"
P1=$REPLY
verdicts hook/before "$C1" ok ok
state creating "$P1" deny-a
hook --default-policy deny-b
expect_rc hook/create 0
verdicts hook/create/annotation-policy "$C1" EPERM ok
expect_status hook/create/status "$C1ID" \
	".state == \"jailed\" and (.policy | endswith(\"deny-a.jp\")) and .cgroup == \"/${C1##*/}\""

# No annotation: the configured default.
new_cg
C2=$REPLY
C2ID=$(stat -c %i "$C2")
hold "$C2"
state creating "$REPLY"
hook --default-policy deny-b
expect_rc hook/default 0
verdicts hook/default/policy "$C2" ok EPERM

# Refusals: exit 1, a message naming the problem, nothing attached.
new_cg
C3=$REPLY
C3ID=$(stat -c %i "$C3")
hold "$C3"
P3=$REPLY
refused() { # NAME MESSAGE
	expect_rc "$1" 1
	expect_err "$1/message" "$2"
	expect_no_jail "$1/nothing-attached" "$C3ID"
	verdicts "$1/verdicts" "$C3" ok ok
}
state creating "$P3"
hook
refused hook/no-policy "has no annotation io.jailpol.policy=NAME and the hook has no --default-policy"
state creating "$P3" ../../etc/passwd
hook
refused hook/path-not-name "is not a name"
state creating "$P3" /tmp/x
hook
refused hook/absolute-path "is not a name"
state creating "$P3" missing
hook
refused hook/missing-policy "$work/policies/missing.bin"
state creating "$P3"
hook --default-policy ../x
refused hook/bad-default "--default-policy"
state running "$P3" deny-a
hook
refused hook/other-stage "runs at createRuntime (status 'creating') and poststop"
state created "$P3" deny-a
hook
refused hook/startContainer-stage "remove this stage"
printf '{"ociVersion": "1.0.2", "id": "x", "status": "creating", "bundle": "/b"}' >"$work/state"
hook --default-policy deny-a
refused hook/no-pid "has no pid"
printf '{"ociVersion": "1.0.2", "id": "x", "status": "creating", "pid": "%s"}' "$P3" >"$work/state"
hook --default-policy deny-a
refused hook/pid-string "\"pid\" is not a process id"
printf '{"id": "x", "status": "creating", "status": "stopped", "pid": %s}' "$P3" >"$work/state"
hook --default-policy deny-a
refused hook/duplicate-key "duplicate"
printf 'not json' >"$work/state"
hook --default-policy deny-a
refused hook/not-json "not JSON"
: >"$work/state"
hook --default-policy deny-a
refused hook/empty-stdin "not JSON"
printf '{"ociVersion": "1.0.2", "pid": %s}' "$P3" >"$work/state"
hook --default-policy deny-a
refused hook/not-a-state "not an OCI container state"
head -c 2000000 /dev/zero | tr '\0' ' ' >"$work/state"
hook --default-policy deny-a
refused hook/huge-stdin "longer than"
state creating 999999999 deny-a
hook
refused hook/no-such-process "no such process"
# A container without a cgroup of its own: the hook runs in the cgroup
# the state's pid is in.
state creating "$P3" deny-a
(
	echo "$BASHPID" >"$C3/cgroup.procs" &&
		exec timeout 60 "$jab" oci-hook --policy-dir "$work/policies" <"$work/state" \
			>"$work/out" 2>"$work/err"
)
RC=$? OUT=$(cat "$work/out") ERR=$(cat "$work/err")
refused hook/shared-cgroup "has no cgroup of its own"

# poststop while the cgroup lives: nothing is removed.
state stopped 0
hook
expect_rc hook/poststop-live 0
expect_status hook/poststop-live/kept "$C1ID" '.state == "jailed"'

# The container ends: its cgroup goes.  status says "gone" (the kernel has
# no cgroup of that id), then poststop removes the jail and no other.
kill "$P1"
wait "$P1" 2>/dev/null
setup rmdir "$C1"
expect_status status/gone "$C1ID" '.state == "gone" and .path_now == null'
jab status
case $OUT in
*"/${C1##*/} "*" gone "*) ok status/gone/text ;;
*) nok status/gone/text "expected a line '/${C1##*/} ... gone' got '$OUT'" ;;
esac
# A restart: the same path, a new cgroup; the old jail must not pass for
# the new cgroup's.
setup mkdir "$C1"
C1NEW=$(stat -c %i "$C1")
expect_status status/path-reused "$C1ID" \
	".state == \"gone\" and .path_now.cgroup_id == $C1NEW and .path_now.jailed == false"
hold "$C1"
state creating "$REPLY" deny-b
hook
expect_rc hook/restart 0
verdicts hook/restart/jailed "$C1" ok EPERM
expect_status status/path-reused/jailed "$C1ID" ".path_now.jailed == true"
state stopped 0
hook
expect_rc hook/poststop 0
expect_no_jail hook/poststop/removed "$C1ID"
expect_status hook/poststop/kept-restarted "$C1NEW" '.state == "jailed"'
expect_status hook/poststop/kept-other "$C2ID" '.state == "jailed"'
jab gc
expect_rc gc/idempotent 0

# detach --id: also for a jail whose cgroup is gone.
PID2=$(cat "$C2/cgroup.procs")
kill "$PID2"
wait "$PID2" 2>/dev/null
setup rmdir "$C2"
jab detach --id "$C2ID"
expect_rc detach-id/gone 0
expect_no_jail detach-id/gone/removed "$C2ID"
jab detach --id "$C2ID"
expect_rc detach-id/again 1
expect_err detach-id/again/message "not jailed"
jab detach --id 0
expect_rc detach-id/zero 2
jab detach --id 12x
expect_rc detach-id/garbage 2

# "/a/b" is a path under the cgroup2 mount when it is not a directory on
# the file system root, as /proc/PID/cgroup and status print it.
jab attach --policy "$work/policies/deny-a.bin" --cgroup "/${C3##*/}"
expect_rc cgroup-form/leading-slash 0
verdicts cgroup-form/leading-slash/jailed "$C3" EPERM ok
jab detach --cgroup "/${C3##*/}"
expect_rc cgroup-form/detach 0
verdicts cgroup-form/detach/released "$C3" ok ok
jab attach --policy "$work/policies/deny-a.bin" --cgroup "/jailpol-oci-$id-nonexistent"
expect_rc cgroup-form/missing 1
expect_err cgroup-form/missing/message "no cgroup '/jailpol-oci-$id-nonexistent'"
jab attach --policy "$work/policies/deny-a.bin" --cgroup /tmp
expect_rc cgroup-form/fs-dir 1
expect_err cgroup-form/fs-dir/message "is not a cgroup in the cgroup v2 tree"

summary
