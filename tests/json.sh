#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Every --json output stays valid JSON whatever the names it prints hold:
#   tests/json.sh BUILD_DIR
#
# The policy's source file is named with a quote, a backslash, a tab, a
# newline, 0x01, 0x1f and two bytes that are not UTF-8 (a lone 0xff, a
# truncated 0xc3), so the 'source' and every rule's 'file' string hold
# them.  Checked: jailpolc --dump --json and --explain --json (of the .jp
# and of the policy.bin); as root, jail-ai-block status --json of a jail
# attached from a policy.bin under that name (a throw-away cgroup
# <cgroup2>/jailpol-json-PID, detached and removed by an EXIT trap, also
# after a failure) and a --json error ({"error": ...}) quoting such a path.
#
# Valid means: jq parses it, it is valid UTF-8 (jq alone would replace bad
# bytes silently), no raw control character stands in it, and the names
# come back intact where they were valid.  Prints "ok NAME" or "FAIL NAME:
# ..." per case and "N passed, N failed, N skipped" last (the root cases
# are skipped, with the reason, when not root).
set -u

out=${1:-}
if [ -z "$out" ] || [ $# -ne 1 ]; then
	echo "usage: tests/json.sh BUILD_DIR" >&2
	exit 2
fi
out=$(cd "$out" 2>/dev/null && pwd) || { echo "json: no build directory '$1'" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/tests/lib/common.sh"
jailpolc=$out/jailpolc
jab=$out/jail-ai-block
command -v jq >/dev/null || { echo "json: cannot run: jq is not installed (make deps)"; exit 77; }
command -v iconv >/dev/null || { echo "json: cannot run: iconv is not installed"; exit 77; }
[ -x "$jailpolc" ] || { echo "json: cannot run: '$jailpolc' is not built"; exit 77; }

# compile, dump, 2 x 2 explain; 4 with jail-ai-block (as root).
n_cases=10 root_cases=4
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "ok $1"; }
nok() { fail=$((fail + 1)); echo "FAIL $1: $2"; }

work=$(mktemp -d /tmp/jailpol-json.XXXXXX)
cg=
# The runtime creates its pin root; remove it afterwards if this run
# brought it and left it empty.
pins=/sys/fs/bpf/jailpol had_pin_root=no
[ -d "$pins" ] && had_pin_root=yes
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$cg" ] && [ -d "$cg" ]; then
		timeout 10 "$jab" detach --cgroup "$cg" >/dev/null 2>&1 </dev/null
		rmdir "$cg" 2>/dev/null || echo "json: cleanup: cannot remove cgroup '$cg'" >&2
	fi
	[ $had_pin_root = no ] && rmdir "$pins" 2>/dev/null
	rm -rf "$work"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The hostile part of every name; what of it is valid comes back as is.
hostile=$'q"b\\t\tn\nc\x01u\x1f'
bad=$'\xff\xc3'
dir=$work/$hostile$bad
mkdir "$dir"
jp=$dir/$hostile$bad.jp
bin=$dir/$hostile$bad.bin
cp "$here/policies/default.jp" "$jp"

# valid NAME FILE [JQ-TEST]: FILE holds one valid JSON document for which
# the jq expression JQ-TEST (given $h, the valid part of the name) is true.
valid() {
	local name=$1 f=$2 test=${3:-true} why=
	if [ ! -s "$f" ]; then
		why="no output"
	elif ! iconv -f UTF-8 -t UTF-8 <"$f" >/dev/null 2>&1; then
		why="not valid UTF-8: $(od -c "$f" | head -n 5)"
	elif LC_ALL=C tr -d '\n' <"$f" | LC_ALL=C grep -q '[[:cntrl:]]'; then
		why="a raw control character: $(od -c "$f" | head -n 5)"
	elif ! jq -e . <"$f" >/dev/null 2>"$work/jq.err"; then
		why="jq: $(cat "$work/jq.err"): $(head -c 300 "$f")"
	elif ! jq -e --arg h "$hostile" "$test" <"$f" >/dev/null 2>"$work/jq.err"; then
		why="expected $test to hold got: $(head -c 300 "$f") $(cat "$work/jq.err")"
	fi
	if [ -z "$why" ]; then ok "$name"; else nok "$name" "$why"; fi
}

if ! err=$("$jailpolc" "$jp" -o "$bin" 2>&1); then
	nok compile "expected '$jp' to compile got: $err"
	echo "json: stopped: the policy did not compile; the cases after it did not run"
	echo "$pass passed, $((n_cases - pass)) failed"
	exit 1
fi
ok compile

# The name as the 'file' and 'source' strings must hold it: its valid part
# whole, each bad byte as U+FFFD.
named='contains($h + "\ufffd\ufffd")'

"$jailpolc" --dump "$bin" --json >"$work/dump.json" 2>"$work/err"
valid dump "$work/dump.json" "(.source | $named) and ([.rules[].file | $named] | all)"
for src in jp bin; do
	f=$jp
	[ $src = bin ] && f=$bin
	"$jailpolc" "$f" --explain 169.254.169.254:80/tcp --json >"$work/explain.json" 2>"$work/err"
	valid "explain-$src" "$work/explain.json" "[.cases[].file | $named] | all"
	"$jailpolc" "$f" --explain '[::1]:22/tcp' --netns host --json >"$work/explain.json" 2>"$work/err"
	valid "explain-$src-v6" "$work/explain.json" "[.cases[].file | $named] | all"
done

# ---- as root: a jail attached from that file ---------------------------

if [ "$(id -u)" -ne 0 ]; then
	echo "json: the jail-ai-block cases need root (cgroups, BPF): skipped"
	skip=$((skip + root_cases))
elif [ ! -x "$jab" ]; then
	nok jail-ai-block "'$jab' is not built"
	fail=$((fail + root_cases - 1))
elif ! { exec {lockfd}>>"$(test_lock_path)" && flock -w 300 "$lockfd"; }; then
	# Beside the kernel tests, which count the jails and pins there are,
	# in turns.
	nok jail-ai-block "expected the kernel tests' lock '$(test_lock_path)' within 300 s"
	fail=$((fail + root_cases - 1))
else
	# Under the lock, a cgroup of a run that is gone is the leftover of
	# one killed outright.
	cg2=$(cg2_mount)
	for old in "$cg2"/jailpol-json-*; do
		[ -d "$old" ] && ! kill -0 "${old##*-}" 2>/dev/null || continue
		timeout 10 "$jab" detach --cgroup "$old" >/dev/null 2>&1 </dev/null
		rmdir "$old"
	done
	cg=$cg2/jailpol-json-$$
	if [ -z "$cg2" ] || ! mkdir "$cg" 2>"$work/err"; then
		nok status-setup "expected a cgroup '$cg' got: $(cat "$work/err")"
		cg=
		fail=$((fail + root_cases - 1))
	else
		if "$jab" attach --policy "$bin" --cgroup "$cg" >"$work/out" 2>&1 </dev/null; then
			ok status-attach
		else
			nok status-attach "expected attach to succeed got: $(cat "$work/out")"
		fi
		"$jab" status --json >"$work/status.json" 2>"$work/err" </dev/null
		valid status "$work/status.json" \
			"[.[] | select(.cgroup | endswith(\"jailpol-json-$$\"))] as \$m |
			 (\$m | length) == 1 and (\$m[0].policy | $named) and (\$m[0].policy_file | $named)"
		# An error message in JSON quoting such a path.
		"$jab" attach --json --policy "$dir/missing$bad.bin" --cgroup "$cg" >"$work/error.json" \
			2>"$work/err" </dev/null
		valid error-missing-policy "$work/error.json" \
			'.error | contains($h + "\ufffd\ufffd/missing\ufffd\ufffd.bin")'
		if "$jab" detach --cgroup "$cg" >"$work/out" 2>&1 </dev/null; then
			ok status-detach
		else
			nok status-detach "expected detach to succeed got: $(cat "$work/out")"
		fi
	fi
fi

echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
