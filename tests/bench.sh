#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Compile-speed benchmark: synthetic policies of growing size, compiled side
# by side in one run.  Prints prefixes per second for each size and the
# ratio of time per prefix against the smallest size, which stays near 1
# when nothing in the pipeline is quadratic.  No assertions: numbers only.
set -eu
out=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }

printf '%-10s %-8s %12s %14s %10s %12s\n' prefixes format seconds prefixes/s ratio policy.bin
base=""
for n in 10000 100000 1000000; do
	for fmt in jp yaml; do
		if [ $fmt = yaml ]; then
			"$out/gen-policy" -n $n -s 1 --yaml >"$tmp/big.yaml"
			printf 'default allow;\ninclude "big.yaml";\ndeny big log;\n' >"$tmp/p.jp"
		else
			"$out/gen-policy" -n $n -s 1 >"$tmp/p.jp"
		fi
		t0=$(now)
		"$out/jailpolc" -Wno-duplicate -Wno-host-bits -Wno-shadow "$tmp/p.jp" -o "$tmp/p.bin"
		t1=$(now)
		secs=$(echo "$t1 - $t0" | bc -l)
		rate=$(echo "$n / $secs" | bc -l)
		per=$(echo "$secs / $n" | bc -l)
		[ -n "$base" ] || base=$per
		printf '%-10s %-8s %12.3f %14.0f %10.2f %12s\n' $n $fmt "$secs" "$rate" \
			"$(echo "$per / $base" | bc -l)" "$(stat -c %s "$tmp/p.bin")"
	done
done
