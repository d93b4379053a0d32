#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run jailpol's test suites:
#   tests/run-tests.sh BUILD_DIR [unit|golden|policies|kernel|bypass|verify]...
# A test that exits 77 was skipped; under CI a skip is a failure.  The last
# line is "N passed, N failed, N skipped".
set -u
out=$1
shift
suites=${*:-unit golden policies kernel verify bypass}
pass=0 fail=0 skip=0

count() { # name rc
	case $2 in
	0) pass=$((pass + 1)); echo "ok   $1" ;;
	77) skip=$((skip + 1)); echo "SKIP $1" ;;
	*) fail=$((fail + 1)); echo "FAIL $1 (exit $2)" ;;
	esac
}

# run_counted NAME CMD...: a suite that ends with "N passed, N failed";
# each of its cases counts as one test.  A run that cannot start (77) or
# prints no summary counts as one skipped or failed test.
run_counted() {
	local name=$1 log rc p f
	shift
	log=$(mktemp)
	"$@" | tee "$log"
	rc=${PIPESTATUS[0]}
	read -r p f < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*$/\1 \2/p' "$log" | tail -n 1)
	rm -f "$log"
	if [ "$rc" -eq 77 ] || [ -z "${p:-}" ]; then
		count "$name" "$rc"
	else
		pass=$((pass + p)) fail=$((fail + f))
		[ "$rc" -eq 0 ] || [ "${f:-0}" -ne 0 ] || count "$name" "$rc"
	fi
}

for suite in $suites; do
	case $suite in
	unit)
		for t in "$out"/san/tests/test_*; do
			[ -x "$t" ] || continue
			log=$(mktemp)
			"$t" >"$log" 2>&1
			rc=$?
			tail -n 1 "$log" | sed "s|^|     $(basename "$t"): |"
			[ $rc -eq 0 ] || tail -n 30 "$log"
			rm -f "$log"
			count "unit/$(basename "$t")" $rc
		done
		;;
	golden)
		# Each golden case counts as one test.
		log=$(mktemp)
		tests/golden.sh "$out/jailpolc" | tee "$log"
		read -r gp gf < <(sed -n 's/^golden: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$log")
		rm -f "$log"
		if [ -z "${gp:-}" ]; then
			count golden 1
		else
			pass=$((pass + gp)) fail=$((fail + gf))
		fi
		;;
	policies)
		# Every shipped policy and example compiles cleanly, warnings as errors.
		for jp in policies/*.jp examples/*.jp; do
			"$out/jailpolc" -Werror --check "$jp"
			count "policy/$jp" $?
		done
		;;
	kernel)
		# Real programs on the real kernel: throw-away cgroups, network
		# namespaces and sockets.  Each case counts as one test.
		run_counted kernel tests/kernel/run.sh "$out"
		;;
	verify)
		# Kernel verdicts against the reference evaluator: random policies
		# attached to a throw-away cgroup, probed with real sockets from
		# private network namespaces.  One test; it prints its seed.
		"$out/tests/verify" --probes "${VERIFY_PROBES:-100000}" "$out"
		count verify $?
		;;
	bypass)
		# The bypass matrix: each row counts as one test.
		run_counted bypass "$out/tests/bypass" "$out"
		;;
	*)
		echo "unknown suite '$suite'" >&2
		exit 2
		;;
	esac
done

echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] || exit 1
if [ $skip -ne 0 ] && [ "${CI:-}" = true ]; then
	echo "a skipped test counts as a failure in CI" >&2
	exit 1
fi
exit 0
