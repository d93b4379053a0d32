#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run the libFuzzer targets of tests/fuzz/:
#   tests/fuzz/run.sh BUILD_DIR [SECONDS [TARGET...]]
# For each target: replay the saved corpus (tests/fuzz/corpus/TARGET/) and
# the past crashes (tests/fuzz/crashes/TARGET/), each input once, then fuzz
# SECONDS seconds (16 by default: make check's smoke; make fuzz passes
# FUZZ_SECONDS) from a seed corpus copied out of policies/, examples/ and
# tests/compiler/ into BUILD_DIR/fuzz/corpus-TARGET, which keeps what the
# runs find.  A crash is written to BUILD_DIR/fuzz/artifacts/TARGET/.
# Inputs in tests/fuzz/pending/ (known crashes not fixed yet) are not run.
# One case per target, plus the dictionary's; the last line is
# "N passed, N failed".
set -u
out=$1
seconds=${2:-16}
shift $(($# < 2 ? $# : 2))
targets=${*:-parse yaml compile read expect}
fuzz=$out/fuzz
here=tests/fuzz
pass=0 fail=0

count() { # name rc
	if [ "$2" -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok   $1"
	else
		fail=$((fail + 1))
		echo "FAIL $1 (exit $2)"
	fi
}

for t in $targets; do
	if [ ! -x "$fuzz/fuzz_$t" ]; then
		echo "fuzz: cannot run: no $fuzz/fuzz_$t (make fuzz-build)"
		exit 77
	fi
done

# The dictionary holds every keyword of the language.
rc=0
for kw in $(sed -n 's/^[[:space:]]*X([A-Z_]*, "\([a-z]*\)").*/\1/p' compiler/keywords.h); do
	grep -qxF "kw_$kw=\"$kw\"" $here/jailpol.dict || { rc=1; echo "fuzz: $here/jailpol.dict lacks keyword '$kw'"; }
done
count fuzz/dict $rc

# seed TARGET DIR: copy the tree's inputs for TARGET into DIR.
seed() {
	local f b
	mkdir -p "$2"
	case $1 in
	parse | compile | yaml)
		# Named after their paths: tests/compiler has several basic.jp.
		while read -r f; do
			cp "$f" "$2/${f//\//_}"
		done < <(if [ "$1" = yaml ]; then
			find examples tests/compiler \( -name '*.yaml' -o -name '*.yml' \) -type f
		else
			find policies examples tests/compiler -name '*.jp' -type f
		fi)
		;;
	expect)
		while read -r f; do
			cp "$f" "$2/${f//\//_}"
		done < <(find policies examples tests/compiler -name '*.jpt' -type f)
		;;
	read)
		# Compiled policies, each behind both mode bytes (fuzz_read.c).
		b=$(mktemp)
		for f in policies/*.jp examples/*.jp; do
			"$out/jailpolc" -o "$b" "$f" 2>/dev/null || continue
			f=${f##*/}
			{ printf '\0' && cat "$b"; } >"$2/${f%.jp}.reseal"
			{ printf '\1' && cat "$b"; } >"$2/${f%.jp}.raw"
		done
		rm -f "$b"
		;;
	esac
}

for t in $targets; do
	bin=$fuzz/fuzz_$t
	corpus=$fuzz/corpus-$t
	art=$fuzz/artifacts/$t
	log=$fuzz/fuzz_$t.log
	rc=0
	mkdir -p "$art" "$here/corpus/$t"
	seed "$t" "$corpus"
	# Regression inputs: libFuzzer given files runs each once.
	mapfile -t saved < <(find "$here/corpus/$t" "$here/crashes/$t" -type f ! -name '.*' \
		2>/dev/null | sort)
	if [ ${#saved[@]} -gt 0 ]; then
		if ! "$bin" -dict=$here/jailpol.dict "${saved[@]}" >"$log" 2>&1; then
			rc=1
			tail -n 40 "$log"
			echo "fuzz/$t: a saved input fails (replay: $bin FILE)"
		fi
	fi
	if [ $rc -eq 0 ]; then
		"$bin" -max_total_time="$seconds" -dict=$here/jailpol.dict -max_len=4096 -timeout=10 \
			-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art/" \
			"$corpus" "$here/corpus/$t" >"$log" 2>&1
		rc=$?
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
		echo "     fuzz/$t: ${#saved[@]} saved inputs replayed; ${execs:-?} executions in" \
			"${seconds} s, ${rate:-?}/s, ${cov:-cov: ?}, corpus $(find "$corpus" -type f | wc -l)"
		if [ $rc -ne 0 ]; then
			tail -n 40 "$log"
			echo "fuzz/$t: crash saved in $art/ (reproduce: $bin $art/crash-...)"
		fi
	fi
	count "fuzz/$t" $rc
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
