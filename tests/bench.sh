#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Benchmarks, numbers only, no assertions.
#
# Compile speed: synthetic policies of growing size, compiled side by side in
# one run.  Prints prefixes per second for each size and the ratio of time
# per prefix against the smallest size, which stays near 1 when nothing in
# the pipeline is quadratic.
#
# Runtime cost (root only): the same probe, build/bench-runtime, times one
# socket operation with no jail, then jailed by policies/default.jp without
# and with the egress backstop, then by a policy of 1,000,000 prefixes.
# Every jail counts each verdict per rule; default.jp's log marks also
# turn the event code on, and the bench's destinations (a container's own
# loopback, allowed by the default) match no log rule, so no event is
# emitted: the cost of events that are not sent.  default-nolog is
# default.jp without its log marks (counters only, no event code).  With
# BENCH_BASELINE=DIR (another build directory, e.g. of the commit before
# a change), default.jp under DIR's jail-ai-block runs in the same rounds,
# so the two are compared side by side.
# Prints ns per operation (each run reports the 10th percentile of its
# batches of 64 operations, see tools/bench-runtime.c; the table shows the
# fastest of three runs, since this VM's noise only ever slows a run down)
# and the ratio against no jail.  The 1M column stays near the default one
# because a verdict is two LPM lookups whatever the size of the lists.  Every run is inside a network
# namespace made for the bench and sends only over its loopback.
set -eu
out=$1
tmp=$(mktemp -d)
ns=""
# jail-ai-block creates its pin root and exec's default cgroup parent;
# remove them afterwards if this run brought them and left them empty.
pins=/sys/fs/bpf/jailpol
exec_parent=$(awk '{ for (i = 7; $i != "-"; i++); if ($(i + 1) == "cgroup2") { print $5; exit } }' \
	/proc/self/mountinfo)/jailpol
had_pins=no had_parent=no
[ -d "$pins" ] && had_pins=yes
[ -d "$exec_parent" ] && had_parent=yes

cleanup() {
	[ -z "$ns" ] || ip netns del "$ns" 2>/dev/null || true
	[ $had_pins = yes ] || rmdir "$pins" 2>/dev/null || true
	[ $had_parent = yes ] || rmdir "$exec_parent" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

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

# Operations and their counts: enough for a stable figure, little enough
# that the whole section takes well under a minute on two cores.
ops="connect sendto send icmp"
declare -A count=([connect]=200000 [sendto]=200000 [send]=200000 [icmp]=100000)
cfgs="none nobackstop nolog default big"
declare -A title=([none]=no-jail [nobackstop]=default-no-backstop [nolog]=default-nolog
		  [default]=default [big]=1M-prefixes [base]=default@baseline)
baseline=${BENCH_BASELINE:-}
if [ -n "$baseline" ]; then
	[ -x "$baseline/jail-ai-block" ] || { echo "BENCH_BASELINE: no '$baseline/jail-ai-block'" >&2; exit 2; }
	cfgs="none base default nolog nobackstop big"
fi
reps=3

echo
if [ "$(id -u)" -ne 0 ]; then
	echo "runtime cost: skipped, needs root (cgroups, BPF programs, network namespaces)"
	exit 0
fi

sed 's/^backstop on;/backstop off;/' policies/default.jp >"$tmp/nobackstop.jp"
grep -q '^backstop off;' "$tmp/nobackstop.jp"
"$out/jailpolc" policies/default.jp -o "$tmp/default.bin"
"$out/jailpolc" "$tmp/nobackstop.jp" -o "$tmp/nobackstop.bin"
sed 's/ log;/;/' policies/default.jp >"$tmp/nolog.jp"
! grep -q ' log;' "$tmp/nolog.jp"
"$out/jailpolc" "$tmp/nolog.jp" -o "$tmp/nolog.bin"
cp "$tmp/default.bin" "$tmp/base.bin"
"$out/gen-policy" -n 1000000 -s 1 >"$tmp/big.jp"
grep -q '^backstop on;' "$tmp/big.jp" || sed -i 's/^default allow;$/&\nbackstop on;/' "$tmp/big.jp"
grep -q '^backstop on;' "$tmp/big.jp"
"$out/jailpolc" -Wno-duplicate -Wno-host-bits -Wno-shadow "$tmp/big.jp" -o "$tmp/big.bin"

# Every run on one CPU, the last this shell may use: a probe the scheduler
# moves between CPUs mid-run measures the moves (ICMP echo swings from 1.9
# to 3.4 us unpinned, stays within 1% pinned).  Affinity is inherited
# through jail-ai-block and ip netns exec.
cpu=$(taskset -cp $$ | sed 's/.*: *//; s/.*[,-]//')

ns=jpbench-$$
ip netns add "$ns"
ip -n "$ns" link set lo up
# The icmp probe's ping socket (per network namespace; off by default).
ip netns exec "$ns" sysctl -qw net.ipv4.ping_group_range="0 2147483647"

# One run of one operation under one configuration; prints ns per op.
# A failed operation fails the bench, with the probe's message.
measure() { # cfg op
	local jail=() log=$tmp/run.log jab=$out/jail-ai-block
	[ "$1" = base ] && jab=$baseline/jail-ai-block
	[ "$1" = none ] || jail=("$jab" exec --policy "$tmp/$1.bin" --)
	if ! taskset -c "$cpu" "${jail[@]}" ip netns exec "$ns" "$out/bench-runtime" "$2" "${count[$2]}" \
		>"$tmp/run.out" 2>"$log"; then
		echo "runtime cost: '$2' failed under ${title[$1]}:" >&2
		cat "$log" >&2
		return 1
	fi
	awk -v op="$2" '$1 == op { print $2; found = 1 } END { exit !found }' "$tmp/run.out"
}

# Repetitions outermost and configurations innermost: the host's noise
# drifts over seconds, so the runs compared in a row are close in time.
declare -A res
for rep in $(seq $reps); do
	for op in $ops; do
		for cfg in $cfgs; do
			res[$cfg,$op]+="$(measure "$cfg" "$op") "
		done
	done
done

# Noise here only adds time, so the fastest run is the least disturbed one.
fastest() { printf '%s\n' $1 | sort -g | head -n 1; }

printf 'runtime cost per operation (ns, fastest of %d runs on CPU %s; ratio vs no jail)\n' \
	$reps "$cpu"
printf '%-10s' operation
for cfg in $cfgs; do printf ' %20s' "${title[$cfg]}"; done
echo
for op in $ops; do
	base=$(fastest "${res[none,$op]}")
	printf '%-10s' "$op"
	for cfg in $cfgs; do
		m=$(fastest "${res[$cfg,$op]}")
		printf ' %13.0f %6.2f' "$m" "$(echo "$m / $base" | bc -l)"
	done
	echo
done
