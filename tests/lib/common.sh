# SPDX-License-Identifier: GPL-2.0-or-later
# tests/lib/common.sh - what the test scripts share; sourced, not run.

# The cgroup v2 mount point from /proc/self/mountinfo (/sys/fs/cgroup, or
# /sys/fs/cgroup/unified beside v1 controllers); empty if there is none.
# Field 5 is the mount point; the file system type follows the " - ".
cg2_mount() {
	awk '{ for (i = 7; $i != "-"; i++); if ($(i + 1) == "cgroup2") { print $5; exit } }' \
		/proc/self/mountinfo
}

# The lock every run that touches the kernel takes turns on: the kernel
# tests, the JSON check's jail cases, the fresh-machine check.  The same
# path as tests/lib/ktest.c's ktest_lock().
test_lock_path() {
	if [ -w /run/lock ]; then
		echo /run/lock/jailpol-kernel-tests.lock
	else
		echo /tmp/jailpol-kernel-tests.lock
	fi
}

# Counting cases, in the suites run-tests.sh counts; SUITE names the suite.
#   ok NAME / nok NAME MESSAGE    one case passed / failed
#   summary                       "N passed, N failed", and the status
#   stop CASE MESSAGE             a failed setup step: it ends the suite,
#                                 said so for run-tests.sh to name it
#   setup CMD...                  a step that must succeed, or stop
#   cannot_run REASON             the suite cannot run here: exit 77
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok $1"; }
nok() { fail=$((fail + 1)); echo "FAIL $1: $2"; }

summary() {
	echo "$pass passed, $fail failed"
	[ $fail -eq 0 ]
}

stop() {
	nok "$1" "$2"
	echo "$SUITE: stopped: $1 failed; the cases after it did not run"
	summary
	exit 1
}

setup() {
	local err
	if ! err=$("$@" 2>&1); then
		stop setup "expected '$*' to succeed got: $err"
	fi
}

cannot_run() {
	echo "$SUITE: cannot run: $*"
	exit 77
}

# cg_remove DIR: undo one cgroup directory and its descendants: detach
# each one's jail by cgroup id (so also when the CLI could not open it),
# remove the pins in case that failed, move stray processes to the root,
# remove it.  Uses $jab, $pins and $cg2 of the calling suite.
cg_remove() {
	local d cgid p
	[ -d "$1" ] || return 0
	while read -r d; do
		cgid=$(stat -c %i "$d")
		timeout 10 "$jab" detach --id "$cgid" >/dev/null 2>&1 </dev/null
		[ -e "$pins/cg-$cgid" ] && rm -rf "${pins:?}/cg-$cgid"
		while read -r p; do
			echo "$p" >"$cg2/cgroup.procs" 2>/dev/null
		done <"$d/cgroup.procs"
		rmdir "$d" 2>/dev/null || echo "$SUITE: cleanup: cannot remove cgroup '$d'" >&2
	done < <(find "$1" -depth -type d 2>/dev/null)
}

# Take the kernel tests' lock (test_lock_path), waiting up to 5 minutes,
# or cannot_run; the fd stays open in $lockfd until the suite exits.
kernel_lock() {
	local lock
	lock=$(test_lock_path)
	exec {lockfd}>>"$lock"
	flock -w 300 "$lockfd" || cannot_run "another kernel test run holds '$lock'"
}

# jab ARGS...: run jail-ai-block ($jab); RC, OUT and ERR hold the result
# (the files under $work).
jab() {
	timeout 60 "$jab" "$@" >"$work/out" 2>"$work/err" </dev/null
	RC=$?
	OUT=$(cat "$work/out")
	ERR=$(cat "$work/err")
}

# expect_rc NAME EXPECTED: checks RC of the last jab call.
expect_rc() {
	if [ "$RC" = "$2" ]; then
		ok "$1"
	else
		nok "$1" "expected exit $2 got $RC (stdout: '${OUT//$'\n'/ }' stderr: '${ERR//$'\n'/ }')"
	fi
}

# status_of CGID: the status --json object of the jail of that cgroup id
# (one line), empty if status lists none.  Needs jq.
status_of() {
	"$jab" status --json 2>/dev/null </dev/null | jq -c ".[] | select(.cgroup_id == $1)"
}
