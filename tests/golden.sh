#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Golden tests of jailpolc, run from the top of the tree:
#
#   tests/compiler/<area>/<name>.jp    compiled with `jailpolc NAME.jp -o X`;
#       <name>.err   expected stderr (diagnostics, carets included); a case
#                    with an .err and no .dump must fail to compile
#       <name>.dump  expected `jailpolc --dump X` of the compiled policy
#   tests/compiler/cli/<name>.args     one jailpolc command line per line
#                    (run from the top; $T is a scratch directory; a line
#                    starting with ! is a shell command preparing inputs);
#       <name>.out   expected stdout+stderr and exit status of each
#
#   tests/golden.sh JAILPOLC          compare, print one line per case
#                                     (GOLDEN_SKIP_HEAVY=1: not the #heavy ones)
#   tests/golden.sh JAILPOLC update   rewrite the expected files (`make golden`)
set -u
jailpolc=$1
mode=${2:-check}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
T=$tmp

report() { # name status [detail file]
	if [ "$2" = ok ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL golden $1"
		[ -n "${3:-}" ] && sed 's/^/    /' "$3" | head -40
	fi
}

compare() { # name expected actual
	if [ "$mode" = update ]; then
		if [ -s "$3" ]; then cp "$3" "$2"; else rm -f "$2"; fi
		return 0
	fi
	local want=$2
	[ -e "$want" ] || want=/dev/null
	diff -u "$want" "$3" >"$tmp/diff" 2>&1
}

for jp in tests/compiler/*/*.jp; do
	name=${jp%.jp}
	rm -f "$tmp/out.bin"
	"$jailpolc" "$jp" -o "$tmp/out.bin" >"$tmp/stdout" 2>"$tmp/err"
	rc=$?
	: >"$tmp/dump"
	if [ $rc -eq 0 ]; then
		"$jailpolc" --dump "$tmp/out.bin" >"$tmp/dump" 2>&1 || echo "dump failed: $?" >>"$tmp/dump"
	fi
	if [ "$mode" = update ]; then
		compare "$name" "$name.err" "$tmp/err"
		compare "$name" "$name.dump" "$tmp/dump"
		continue
	fi
	if [ -e "$name.err" ] && [ ! -e "$name.dump" ] && [ $rc -eq 0 ]; then
		echo "expected a compile error, got exit 0" >"$tmp/diff"
		report "$jp" bad "$tmp/diff"
		continue
	fi
	if [ ! -e "$name.err" ] && [ $rc -ne 0 ]; then
		report "$jp" bad "$tmp/err"
		continue
	fi
	if compare "$name" "$name.err" "$tmp/err" && compare "$name" "$name.dump" "$tmp/dump"; then
		report "$jp" ok
	else
		report "$jp" bad "$tmp/diff"
	fi
done

heavy=0
for args in tests/compiler/cli/*.args; do
	[ -e "$args" ] || continue
	# GOLDEN_SKIP_HEAVY=1 (tests/valgrind.sh) leaves out the cases marked
	# "#heavy" on a line of their own: inputs of millions of rules or
	# elements, seconds natively and far longer under memcheck.
	if [ -n "${GOLDEN_SKIP_HEAVY:-}" ] && grep -q '^#heavy' "$args"; then
		heavy=$((heavy + 1))
		continue
	fi
	name=${args%.args}
	: >"$tmp/out"
	while IFS= read -r line; do
		case $line in '#'* | '') continue ;; esac
		case $line in
		'!'*)
			# A shell command preparing inputs; only failures are shown.
			(eval "${line#!}") >>"$tmp/out" 2>&1 </dev/null || echo "[prepare failed: $line]" >>"$tmp/out"
			continue
			;;
		esac
		echo "\$ jailpolc $line" >>"$tmp/out"
		eval "set -- $line"
		"$jailpolc" "$@" >>"$tmp/out" 2>&1 </dev/null
		echo "[exit $?]" >>"$tmp/out"
	done <"$args"
	# Paths under the scratch directory differ per run.
	sed -i "s|$tmp|TMP|g" "$tmp/out"
	if [ "$mode" = update ]; then
		cp "$tmp/out" "$name.out"
	elif compare "$name" "$name.out" "$tmp/out"; then
		report "$args" ok
	else
		report "$args" bad "$tmp/diff"
	fi
done

[ "$mode" = update ] && { echo "golden files rewritten; review with git diff"; exit 0; }
[ $heavy -eq 0 ] || echo "golden: $heavy heavy cases left out (GOLDEN_SKIP_HEAVY)"
echo "golden: $pass passed, $fail failed"
[ $fail -eq 0 ]
