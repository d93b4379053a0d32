#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The bench's tools, checked in a second or two without root (make check's
# "bench" suite): tests/bench.sh parses, memlat measures, gen-policy's forms and
# destinations say what they claim (every hit denied and every miss allowed
# by jailpolc --explain, the set and the rules alike), bench-runtime and
# bench-peer refuse bad usage and bench-runtime fails when the outcome is
# not the expected one.  The bench itself: BENCH_QUICK=1 make bench (root).
#
#   tests/bench-tools.sh BUILD_DIR
set -u
out=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

check() { # name cmd...
	local name=$1
	shift
	if "$@" >"$tmp/log" 2>&1; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL bench: $name"
		sed 's/^/     /' "$tmp/log" | head -n 20
	fi
}

check "tests/bench.sh parses" bash -n tests/bench.sh
check "memlat prints a figure" sh -c "'$out/memlat' 1 | grep -Eq '^memlat 1 [0-9]+\.[0-9]\$'"
check "memlat refuses a bad size" sh -c "'$out/memlat' 0; [ \$? -eq 2 ]"

n=300
"$out/gen-policy" -n $n -s 7 --mix --list --dests "$tmp" --dest-count 20 >"$tmp/list"
"$out/gen-policy" -n $n -s 7 --mix >"$tmp/set.jp"
"$out/gen-policy" -n $n -s 7 --mix --rules >"$tmp/rules.jp"

list_ok() {
	[ "$(wc -l <"$tmp/list")" -eq $n ] || { echo "not $n lines" && return 1; }
	[ "$(sort -u "$tmp/list" | wc -l)" -eq $n ] || { echo "duplicates" && return 1; }
	sed -n 1p "$tmp/list" | grep -q '^[0-9.]*/[0-9]*$' || { echo "first not IPv4" && return 1; }
	sed -n 2p "$tmp/list" | grep -q : || { echo "second not IPv6" && return 1; }
	# The mix: most IPv4 CIDRs are /24s, most IPv6 ones /32 to /48.
	awk -F/ '!/:/ { v4++; if ($2 == 24) l24++ } /:/ { v6++; if ($2 >= 32 && $2 <= 48) mid++ }
		END { if (l24 < v4 / 2 || mid < v6 / 2) { print l24 "/" v4, mid "/" v6; exit 1 } }' "$tmp/list"
}
check "gen-policy --mix --list: N distinct CIDRs, the mix" list_ok

forms_ok() {
	local a b
	a=$(sed -n 's/^\t\(.*\),$/\1/p' "$tmp/set.jp")
	b=$(sed -n 's/^deny \(.*\);$/\1/p' "$tmp/rules.jp")
	[ "$a" = "$(cat "$tmp/list")" ] || { echo "set differs from list" && return 1; }
	[ "$b" = "$(cat "$tmp/list")" ] || { echo "rules differ from list" && return 1; }
	grep -q '^deny big;$' "$tmp/set.jp" && grep -q '^default allow;$' "$tmp/rules.jp"
}
check "gen-policy: the set, the rules and the list hold the same CIDRs" forms_ok

for form in set rules; do
	check "jailpolc compiles the $form" "$out/jailpolc" -Wno-duplicate -Wno-host-bits -Wno-shadow \
		"$tmp/$form.jp" -o "$tmp/$form.bin"
done

dests_ok() { # form
	local f a want got
	for f in hit4 miss4 hit6 miss6; do
		[ "$(wc -l <"$tmp/$f")" -eq 20 ] || { echo "$f: not 20 lines" && return 1; }
		want=allow
		[ "${f#hit}" = "$f" ] || want=deny
		while read -r a; do
			[ "${f%6}" = "$f" ] || a="[$a]"
			got=$("$out/jailpolc" "$tmp/$1.bin" --explain "$a:40000/udp" | head -n 1)
			[ "${got##*: }" = $want ] || { echo "$f: $got, expected $want" && return 1; }
		done <"$tmp/$f"
	done
}
for form in set rules; do
	check "gen-policy --dests: hits denied, misses allowed by the $form" dests_ok $form
done

# The list row's form: IPv4 only, in address order, the same CIDRs as
# the list and the rules of the same seed, its destinations IPv4 only.
mkdir -p "$tmp/v4"
"$out/gen-policy" -n $n -s 7 --mix --v4 --sorted --list --dests "$tmp/v4" --dest-count 20 \
	>"$tmp/v4/list"
"$out/gen-policy" -n $n -s 7 --mix --v4 --sorted --rules >"$tmp/v4/rules.jp"
v4_ok() {
	[ "$(wc -l <"$tmp/v4/list")" -eq $n ] || { echo "not $n lines" && return 1; }
	! grep -q : "$tmp/v4/list" || { echo "an IPv6 CIDR" && return 1; }
	sort -s -c -t. -k1,1n -k2,2n -k3,3n -k4,4n "$tmp/v4/list" || { echo "not sorted" && return 1; }
	[ "$(sed -n 's/^deny \(.*\);$/\1/p' "$tmp/v4/rules.jp")" = "$(cat "$tmp/v4/list")" ] ||
		{ echo "rules differ from list" && return 1; }
	[ -s "$tmp/v4/hit4" ] && [ -s "$tmp/v4/miss4" ] && [ ! -e "$tmp/v4/hit6" ] ||
		{ echo "destinations: $(ls "$tmp/v4")" && return 1; }
}
check "gen-policy --v4 --sorted: IPv4 in address order, the same in each form" v4_ok

status_is() { # rc cmd...
	local want=$1
	shift
	"$@"
	[ $? -eq "$want" ]
}
check "gen-policy: --rules without --mix is usage" status_is 2 "$out/gen-policy" -n 3 --rules
check "gen-policy: --v4 without --mix is usage" status_is 2 "$out/gen-policy" -n 3 --v4
check "bench-runtime: --hot without --addrs is usage" status_is 2 "$out/bench-runtime" --hot connect 64
check "bench-runtime: --addrs with icmp is usage" status_is 2 "$out/bench-runtime" --addrs "$tmp/hit4" icmp 64
check "bench-runtime: unknown mode is usage" status_is 2 "$out/bench-runtime" bind 64
check "bench-runtime: --pair with tcp is usage" status_is 2 "$out/bench-runtime" --pair / tcp 64
check "bench-runtime: --pair-expect without --pair is usage" \
	status_is 2 "$out/bench-runtime" --pair-expect ok connect 64
check "bench-peer: lpm without a file is usage" status_is 2 "$out/bench-peer" --cgroup / lpm
check "bench-peer: unknown peer is usage" status_is 2 "$out/bench-peer" --cgroup / ceiling
# UDP connect() to the loopback sends nothing: safe anywhere.
runtime_ok() {
	"$out/bench-runtime" connect 640 >"$tmp/rt.out" &&
		grep -Eq '^connect [0-9]+\.[0-9]$' "$tmp/rt.out"
}
check "bench-runtime connect: one figure" runtime_ok
check "bench-runtime --expect deny fails where nothing denies" \
	status_is 1 "$out/bench-runtime" --expect deny connect 64
# --pair into the cgroup this shell is in already: two sockets, two
# figures, where cgroup v2 is mounted (root or not, joining one's own
# cgroup is allowed).
pair_ok() {
	local cg
	cg=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") break }
		$(i + 1) == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	[ -n "$cg" ] || return 0
	cg=$cg$(sed -n 's/^0:://p' /proc/self/cgroup)
	"$out/bench-runtime" --pair "$cg" connect 640 >"$tmp/rt.out" &&
		grep -Eq '^connect [0-9]+\.[0-9] [0-9]+\.[0-9]$' "$tmp/rt.out"
}
check "bench-runtime --pair: two figures" pair_ok
cat "$tmp/hit4" "$tmp/hit6" >"$tmp/mixed"
check "bench-runtime: an address file of two families is refused" \
	status_is 1 "$out/bench-runtime" --addrs "$tmp/mixed" connect 64

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
