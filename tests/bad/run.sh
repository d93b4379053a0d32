#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The bad-input catalogue (issue 12), run from the top of the tree:
#
#   tests/bad/run.sh BUILD_DIR          check every case, one line each
#   tests/bad/run.sh BUILD_DIR update   rewrite the policies' .err files
#
# tests/bad/policies/NAME.jp: a malformed policy, compiled from a copy of
#   tests/bad/policies in a scratch directory as `jailpolc policies/NAME.jp
#   -o out.bin`; it must exit 1 (not crash), print exactly NAME.err and
#   write nothing to out.bin; NAME.flags, if any, holds options to add.  policies/gen/ is made here (gen_inputs): a
#   FIFO, include chains, huge lines, an over-size source.
# tests/bad/forged.txt: CASE STATUS MESSAGE; build/tests/forge makes CASE
#   from a fresh policies/default.jp, and `jailpolc --dump CASE.bin` must
#   exit STATUS printing exactly MESSAGE.  As root with cgroup v2, also
#   `jail-ai-block attach` of each must exit 1 with a message and leave
#   nothing attached to a throw-away cgroup.
# Cases known to be mishandled are in tests/bad/KNOWN.md; a policy with a
# NAME.pending file is one of them, kept as a reproducer and not run.
set -u
out=$1
mode=${2:-check}
SUITE=bad
. tests/lib/common.sh
jailpolc=$(realpath "$out/jailpolc")
forge=$(realpath "$out/tests/forge")
jab=$(realpath "$out/jail-ai-block")
top=$PWD
tmp=$(mktemp -d)
T=$tmp
cg=
pins=/sys/fs/bpf/jailpol
cleanup() {
	[ -n "$cg" ] && cg_remove "$cg"
	rm -rf "$tmp"
}
trap cleanup EXIT
[ -x "$jailpolc" ] && [ -x "$forge" ] || stop setup "no '$out/jailpolc' or '$out/tests/forge': build first"

gen_inputs() { # DIR
	local g=$1/gen i
	mkdir -p "$g"
	mkfifo "$g/fifo.jp"
	# 17 levels below the top file, one too many; 16, the limit, reached.
	for i in $(seq 1 17); do echo "include \"d$((i + 1)).jp\";" >"$g/d$i.jp"; done
	: >"$g/d18.jp"
	for i in $(seq 1 15); do echo "include \"e$((i + 1)).jp\";" >"$g/e$i.jp"; done
	echo 'allow 1.1.1.1 port 0;' >"$g/e16.jp"
	# An error a megabyte into one line: the caret window, not the line.
	printf 'allow %1048576s 1.1.1.1 port 0;\n' '' >"$g/huge-line.jp"
	# One byte over the 64 MiB source limit, all comments.
	yes '#' | head -c $(((64 << 20) + 1)) >"$g/too-big.jp"
}

cp -r tests/bad/policies "$tmp/policies"
gen_inputs "$tmp/policies"
for jp in tests/bad/policies/*.jp; do
	name=$(basename "$jp" .jp)
	if [ -e "${jp%.jp}.pending" ]; then
		echo "pending policy/$name: $(cat "${jp%.jp}.pending")"
		continue
	fi
	rm -f "$tmp/out.bin"
	flags=$(cat "${jp%.jp}.flags" 2>/dev/null)
	# shellcheck disable=SC2086 # the flags are words
	(cd "$tmp" && "$jailpolc" $flags "policies/$name.jp" -o out.bin) >"$tmp/stdout" 2>"$tmp/err" </dev/null
	rc=$?
	if [ "$mode" = update ]; then
		cp "$tmp/err" "${jp%.jp}.err"
		continue
	fi
	if [ $rc -ne 1 ]; then
		nok "policy/$name" "expected exit 1 got $rc: $(head -c 300 "$tmp/err")"
	elif [ -e "$tmp/out.bin" ]; then
		nok "policy/$name" "wrote out.bin"
	elif [ -s "$tmp/stdout" ]; then
		nok "policy/$name" "printed on stdout: $(head -c 300 "$tmp/stdout")"
	elif ! diff -u "${jp%.jp}.err" "$tmp/err" >"$tmp/diff"; then
		nok "policy/$name" "stderr differs:"
		sed 's/^/    /' "$tmp/diff" | head -20
	else
		ok "policy/$name"
	fi
done
[ "$mode" = update ] && { echo "tests/bad/policies/*.err rewritten; review with git diff"; exit 0; }
rm -rf "$tmp/policies"

setup "$jailpolc" policies/default.jp -o "$tmp/default.bin"
cases=$(grep -v '^#' tests/bad/forged.txt | cut -d' ' -f1)
listed=$("$forge" --list)
[ "$cases" = "$listed" ] || stop forged.txt "tests/bad/forged.txt and '$forge --list' name different cases"
while read -r name status msg; do
	case $name in '#'* | '') continue ;; esac
	setup "$forge" "$tmp/default.bin" "$tmp/$name.bin" "$name"
	(cd "$tmp" && "$jailpolc" --dump "$name.bin") >"$tmp/stdout" 2>"$tmp/err" </dev/null
	rc=$?
	if [ "$rc" != "$status" ]; then
		nok "bin/$name" "expected exit $status got $rc: $(head -c 300 "$tmp/err")"
	elif [ -s "$tmp/stdout" ]; then
		nok "bin/$name" "printed on stdout: $(head -c 300 "$tmp/stdout")"
	elif [ "$(cat "$tmp/err")" != "$msg" ]; then
		nok "bin/$name" "expected '$msg' got '$(cat "$tmp/err")'"
	else
		ok "bin/$name"
	fi
done <tests/bad/forged.txt

# The same files offered to the runtime: refused, nothing attached.
cg2=$(cg2_mount)
if [ "$(id -u)" != 0 ] || [ -z "$cg2" ] || [ ! -x "$jab" ]; then
	echo "bad: the attach cases need root, cgroup v2 and '$out/jail-ai-block'; not run"
	summary
	exit
fi
kernel_lock
work=$tmp
cg=$cg2/jailpol-bad-$$
setup mkdir "$cg"
cgid=$(stat -c %i "$cg")
for f in "$tmp"/*.bin; do
	name=$(basename "$f" .bin)
	[ "$name" = default ] && continue
	jab attach --policy "$f" --cgroup "$cg"
	progs=$(bpftool cgroup show "$cg" 2>/dev/null | tail -n +2)
	if [ "$RC" != 1 ]; then
		nok "attach/$name" "expected exit 1 got $RC (stderr: '${ERR//$'\n'/ }')"
		timeout 10 "$jab" detach --cgroup "$cg" >/dev/null 2>&1 </dev/null
	elif [ -z "$ERR" ]; then
		nok "attach/$name" "exit 1 without a message"
	elif [ -e "$pins/cg-$cgid" ]; then
		nok "attach/$name" "left pins in '$pins/cg-$cgid'"
		rm -rf "${pins:?}/cg-$cgid"
	elif [ -n "$progs" ]; then
		nok "attach/$name" "left programs attached: $progs"
	else
		ok "attach/$name"
	fi
done
cd "$top" || exit 1
summary
