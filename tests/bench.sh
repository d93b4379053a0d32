#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make bench: jailpol against its peers (issue 15), one table.  Numbers
# only, no assertion on them; it fails when an operation has another
# outcome than expected (a hit allowed, a miss refused) or a step fails.
#
#   tests/bench.sh BUILD_DIR        (make bench; as root for the runtime half)
#
# Environment:
#   BENCH_ROUNDS=N    rounds of the per-call measurements (default 5)
#   BENCH_REPLACE_ROUNDS=N  of them, how many also time two replaces per
#                     jailpol configuration and one per nft one (default 1:
#                     at 1M prefixes they take a minute and more a round)
#   BENCH_SIZES="..." prefix counts (default "10 10000 100000 1000000")
#   BENCH_QUICK=1     a smoke run of seconds: sizes 10 and 10000, one
#                     round, few operations, 1000 cold destinations
#   BENCH_TSV=FILE    every cell as median, min, max, rounds (default
#                     BUILD_DIR/bench.tsv)
#   BENCH_LIST=N      the size of the list row (default 561828; 10000 with
#                     BENCH_QUICK; 0: no list row)
#   BENCH_BASE=DIR    another build (its jailpolc and jail-ai-block) to
#                     measure beside this one in the same rounds: rows
#                     base:set-N and base:rules-N, compiled and attached by
#                     it; a change is judged by its ratio to them
#
# Rows, four per configuration: v4 or v6 destinations, hot (one address,
# again and again) or cold (10^5 addresses in turn: as many routes, trie
# paths and cache lines).  Configurations:
#   none        no program on the cgroup
#   floor       cgroup connect4/6 and sendmsg4/6 programs that only return 1
#               (tools/bench_peer.bpf.c): what any BPF design pays to run
#   naive-N     one BPF LPM_TRIE per family from the N prefixes to a deny
#               verdict, looked up at connect4/6 and sendmsg4/6
#   set-N       jailpol: `default allow;`, the N prefixes as one set, `deny
#               big;` (gen-policy --mix), attached by jail-ai-block attach
#   rules-N     jailpol: the same N prefixes as N rules `deny PREFIX;`
#   default     jailpol: policies/default.jp, misses only (its hits are
#               the host's own addresses); the misses of the largest size,
#               less the private and special ranges default.jp refuses
#   list        jailpol: issue 15's acceptance list, in a country list's
#               form: BENCH_LIST IPv4 prefixes of the same mix, in address
#               order, one `deny PREFIX;` rule each (gen-policy --v4
#               --sorted --rules); IPv4 rows only
#   nft-N       nftables: the same N prefixes in two interval sets of a
#               table of the bench's own, in an output chain, matched with
#               `socket cgroupv2 level 2 "<the bench's cgroup>"`, drop;
#               in a network namespace of its own, so no other traffic
#               (not the host's, not the other configurations') passes it
# The prefixes have the lengths of real lists (tools/gen-policy.c: IPv4
# mostly /24, IPv6 mostly /32 to /48), three in four IPv4.
#
# Measurement columns: ns per operation, "MEDIAN -A/+B% RATIO": the median
# over the rounds of each run's figure, the min and max of the rounds as
# percentages below and above it, and the ratio to the floor.  connect and
# sendto of the naive, jailpol and default configurations are timed paired
# with the floor (bench-runtime --pair: one process, batches alternating
# between a socket of the configuration's cgroup and one of the floor's,
# microseconds apart), and their ratio is the median over the rounds of
# each run's paired ratio; the others' is the median's ratio to floor's in
# the same row.  A run's figure is the 10th percentile of its batches of
# 64 operations (tools/bench-runtime.c says why).  The floor allows a hit, a
# list refuses it early: a hit's ratio below 1 is the cheaper refusal;
# compare hits between the list configurations.
#   connect  connect() of a UDP socket, to a hit (an address in one of the
#            prefixes: the call is refused, EPERM, and that is timed) or a
#            miss (in none of them: allowed); nothing is sent
#   sendto   sendto() of one byte on an unconnected UDP socket, hit or miss;
#            a miss is delivered over the namespace's loopback
#   tcp      one TCP connection over loopback: socket(), connect(), close()
#            with an RST.  nft's hit is n/a: a dropped SYN hangs connect()
# The destinations are local to the bench's network namespaces (every
# address is routed to their loopback: `ip route add local default dev
# lo`), none and floor use the 1M list's; a hit under none and floor is
# allowed.  nft has no connect column: a UDP connect() sends no packet.
# Per configuration (on its first row):
#   compile  jailpolc wall seconds, and prefixes/s
#   bin      policy.bin size, MiB
#   attach   wall ms of the first attach (jail-ai-block attach, bench-peer
#            from reading its file to attached, nft -f)
#   replace  median wall ms of attaching another policy of the same size
#            and form (seed 2) over a jailed cgroup, and back; nft: the
#            table replaced in one nft -f transaction.  With `attach
#            --timing`, its total= instead of the wall
#   switch   of that replace, the one step that changes the verdicts
#            (jail-ai-block attach --timing's switch=), median, us
#   kmem     the kernel's memlock of the jail's maps (bpftool map show of
#            the pins under /sys/fs/bpf/jailpol/cg-<id>/; the naive
#            tries' /proc/PID/fdinfo), MiB and bytes per prefix
#
# Every measurement runs on one CPU, the last this shell may use, in
# network namespaces made for the bench; its cgroups, namespaces, nft
# tables, peers and jails are removed on exit, failure and signals alike.
set -eu
out=$1
now_ms() { echo $(($(date +%s%N) / 1000000)); }
t_start=$(now_ms)
phases=
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

quick=${BENCH_QUICK:-0}
if [ "$quick" = 1 ]; then
	sizes=${BENCH_SIZES:-10 10000}
	rounds=${BENCH_ROUNDS:-1}
	ndest=1000
	declare -A count=([connect]=2000 [sendto]=1000 [tcp]=256)
else
	sizes=${BENCH_SIZES:-10 10000 100000 1000000}
	rounds=${BENCH_ROUNDS:-5}
	ndest=100000
	# Enough for a stable figure, little enough that a round of every
	# configuration takes under a minute.
	declare -A count=([connect]=20000 [sendto]=10000 [tcp]=2000)
fi
replace_rounds=${BENCH_REPLACE_ROUNDS:-1}
tsv=${BENCH_TSV:-$out/bench.tsv}
case "$rounds,$replace_rounds" in
*[!0-9,]* | 0* | ,*) echo "bench: BENCH_ROUNDS and BENCH_REPLACE_ROUNDS are numbers" >&2 && exit 2 ;;
esac
for n in $sizes; do
	case $n in *[!0-9]* | 0*) echo "bench: BENCH_SIZES: bad size '$n'" >&2 && exit 2 ;; esac
done
# The size every cold destination of none and floor comes from.
ref_size=${sizes##* }

label() { # 1000000 -> 1M
	case $1 in
	*000000) echo "${1%000000}M" ;;
	*000) echo "${1%000}k" ;;
	*) echo "$1" ;;
	esac
}

root=no
[ "$(id -u)" -ne 0 ] || root=yes
tmp=$(mktemp -d)
cgroot=$(awk '{ for (i = 7; $i != "-"; i++); if ($(i + 1) == "cgroup2") { print $5; exit } }' \
	/proc/self/mountinfo)
cgbase=/jpbench-$$ # under the cgroup2 mount
netns=()           # every namespace this run made
peers=()           # pids of the bench-peer processes
jailed=()          # cgroups (under the mount) jail-ai-block attached to
declare -A jailed_by # of them, the build directory that attached each
base=${BENCH_BASE:-}
if [ -n "$base" ]; then
	base=$(cd "$base" 2>/dev/null && pwd) || { echo "bench: BENCH_BASE: no directory '$BENCH_BASE'" >&2 && exit 2; }
	for b in jailpolc jail-ai-block; do
		[ -x "$base/$b" ] || { echo "bench: BENCH_BASE: no '$base/$b'" >&2 && exit 2; }
	done
fi
here=$(cd "$(dirname "$0")" && pwd)
# jail-ai-block creates its pin root; remove it afterwards if this run
# brought it and left it empty.
pins=/sys/fs/bpf/jailpol
had_pins=no
[ -d "$pins" ] && had_pins=yes

cleanup() {
	local rc=$? p cg
	trap '' INT TERM HUP
	for p in "${peers[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${peers[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	for cg in "${jailed[@]}"; do
		"${jailed_by[$cg]:-$out}/jail-ai-block" detach --cgroup "$cg" >/dev/null 2>&1 ||
			echo "bench: detaching '$cg' failed" >&2
	done
	for p in "${netns[@]}"; do
		# The nft peers' tables go with their namespaces; deleted first
		# all the same, by name, the bench's own.
		ip netns exec "$p" nft delete table inet jpbench 2>/dev/null || true
		ip netns del "$p" 2>/dev/null || true
	done
	if [ -n "$cgroot" ] && [ -d "$cgroot$cgbase" ]; then
		# A probe killed mid-run (by the signal that ended the bench) may
		# still be leaving its cgroup: processes of this run only.
		for cg in "$cgroot$cgbase"/*/; do
			for p in $(cat "$cg/cgroup.procs" 2>/dev/null); do
				kill "$p" 2>/dev/null || true
			done
			for _ in 1 2 3 4 5 6 7 8 9 10; do
				rmdir "$cg" 2>/dev/null && break
				sleep 0.1
			done
		done
		rmdir "$cgroot$cgbase" 2>/dev/null || echo "bench: cannot remove cgroup '$cgbase'" >&2
	fi
	[ $had_pins = yes ] || rmdir "$pins" 2>/dev/null || true
	rm -rf "$tmp"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

die() {
	echo "bench: $*" >&2
	exit 1
}

# --- the prefixes, the policies and their destinations ------------------
declare -A compile_s rate bin attach_ms kmem_b prefixes replace_samples switch_samples
for n in $sizes; do
	d=$tmp/$n
	mkdir -p "$d"
	"$out/gen-policy" -n "$n" -s 1 --mix --list --dests "$d" --dest-count $ndest >"$d/list"
	for form in set rules; do
		flag=
		[ $form = set ] || flag=--rules
		for seed in 1 2; do
			"$out/gen-policy" -n "$n" -s $seed --mix $flag >"$d/$form$seed.jp"
			for kind in $form ${base:+base:$form}; do
				by=$out
				[ "$kind" = $form ] || by=$base
				t0=$(now_ms)
				# -Wno-shadow: a /24 inside a listed /16 decides nothing.
				"$by/jailpolc" -Wno-duplicate -Wno-host-bits -Wno-shadow \
					"$d/$form$seed.jp" -o "$d/$kind$seed.bin" ||
					die "compiling the $form of $n prefixes by $by failed"
				t1=$(now_ms)
				[ $seed = 2 ] && continue
				cfg=$kind-$(label "$n")
				compile_s[$cfg]=$(echo "($t1 - $t0) / 1000" | bc -l)
				rate[$cfg]=$(echo "$n * 1000 / ($t1 - $t0 + 0.001)" | bc -l)
				bin[$cfg]=$(stat -c %s "$d/$kind$seed.bin")
			done
		done
	done
done

# policies/default.jp, and the misses it allows: the largest size's, less
# the private, shared, link-local and documentation ranges it may refuse
# (gateways, metadata, the host's addresses); IPv6 misses are global.
d=$tmp/default
mkdir -p "$d"
"$out/jailpolc" "$here/../policies/default.jp" -o "$d/default1.bin" ||
	die "compiling policies/default.jp failed"
awk -F. '!($1 == 10 || ($1 == 100 && $2 >= 64 && $2 < 128) || ($1 == 169 && $2 == 254) ||
	($1 == 172 && $2 >= 16 && $2 < 32) || ($1 == 192 && ($2 == 0 || $2 == 168)) ||
	($1 == 198 && ($2 == 18 || $2 == 19 || $2 == 51)) || ($1 == 203 && $2 == 0))' \
	"$tmp/$ref_size/miss4" >"$d/miss4"
awk '/^2/' "$tmp/$ref_size/miss6" >"$d/miss6"

# The acceptance list.
list_n=${BENCH_LIST:-$([ "$quick" = 1 ] && echo 10000 || echo 561828)}
case $list_n in *[!0-9]* | 0?*) echo "bench: BENCH_LIST: bad size '$list_n'" >&2 && exit 2 ;; esac
if [ "$list_n" != 0 ]; then
	d=$tmp/list
	mkdir -p "$d"
	"$out/gen-policy" -n "$list_n" -s 1 --mix --v4 --sorted --list --dests "$d" \
		--dest-count $ndest >"$d/list"
	"$out/gen-policy" -n "$list_n" -s 1 --mix --v4 --sorted --rules >"$d/list.jp"
	t0=$(now_ms)
	"$out/jailpolc" -Wno-duplicate -Wno-host-bits -Wno-shadow "$d/list.jp" -o "$d/list1.bin" ||
		die "compiling the list of $list_n prefixes failed"
	t1=$(now_ms)
	compile_s[list]=$(echo "($t1 - $t0) / 1000" | bc -l)
	rate[list]=$(echo "$list_n * 1000 / ($t1 - $t0 + 0.001)" | bc -l)
	bin[list]=$(stat -c %s "$d/list1.bin")
fi

# The configurations, in the order of the table.
kinds="naive set rules${base:+ base:set base:rules} nft"
cfgs="none floor default"
[ "$list_n" = 0 ] || cfgs+=" list"
for kind in $kinds; do
	for n in $sizes; do cfgs+=" $kind-$(label "$n")"; done
done
declare -A size_of kind_of
for cfg in $cfgs; do
	kind_of[$cfg]=${cfg%-*}
	size_of[$cfg]=$ref_size
done
kind_of[none]=none
kind_of[floor]=floor
kind_of[default]=default
size_of[default]=default
kind_of[list]=list
size_of[list]=list
prefixes[list]=$list_n
for n in $sizes; do
	for kind in $kinds; do
		size_of[$kind-$(label "$n")]=$n
		prefixes[$kind-$(label "$n")]=$n
	done
done

# --- the runtime half, as root -----------------------------------------
declare -A res pratio
ops="connect sendto tcp"
classes="hit miss"
fams="4 6"
temps="hot cold"
timing=no

if [ $root = yes ]; then
	[ -n "$cgroot" ] || die "no cgroup2 mount in /proc/self/mountinfo"
	command -v nft >/dev/null || die "no nft: make deps installs nftables"
	command -v bpftool >/dev/null || die "no bpftool: make deps installs it"
	! "$out/jail-ai-block" attach --help 2>&1 | grep -q -- --timing || timing=yes
	cpu=$(taskset -cp $$ | sed 's/.*: *//; s/.*[,-]//')

	# A network namespace whose every address is local: whatever the
	# probe sends stays on its loopback.
	mkns() {
		ip netns add "$1"
		netns+=("$1")
		ip -n "$1" link set lo up
		ip -n "$1" route add local default dev lo table local
		ip -n "$1" -6 route add local default dev lo table local
	}
	ns=jpbench-$$
	mkns "$ns"
	declare -A ns_of
	for cfg in $cfgs; do ns_of[$cfg]=$ns; done
	mkdir "$cgroot$cgbase"
	for cfg in $cfgs; do mkdir "$cgroot$cgbase/$cfg"; done

	# The memlock of every map pinned for the jail of cgroup $1, bytes.
	jail_kmem() {
		local id dir m sum=0 b
		id=$(stat -c %i "$cgroot$1")
		dir=$pins/cg-$id
		[ -d "$dir" ] || {
			echo "-"
			return
		}
		for m in "$dir"/map_*; do
			b=$(bpftool -j map show pinned "$m" | jq '.bytes_memlock // 0')
			sum=$((sum + b))
		done
		echo $sum
	}

	# attach_jail CGROUP POLICY [BUILD]: wall (or --timing total) ms of
	# one attach by BUILD's jail-ai-block (default: this build's).
	attach_jail() {
		local t0 t1 log=$tmp/attach.log targ=() by=${3:-$out}
		[ $timing = no ] || targ=(--timing)
		t0=$(now_ms)
		"$by/jail-ai-block" attach "${targ[@]}" --policy "$2" --cgroup "$1" >"$log" 2>&1 ||
			{
				cat "$log" >&2
				die "jail-ai-block attach '$2' to '$1' failed"
			}
		t1=$(now_ms)
		# The switch alone (a replace's one step), for the caller.
		sed -n 's/.*timing .*switch=\([0-9.]*\)ms.*/\1/p' "$log" >"$tmp/switch.last"
		sed -n 's/.*timing .*total=\([0-9.]*\)ms.*/\1/p' "$log" | grep . || echo $((t1 - t0))
	}

	# The nft peer's table: two interval sets and two rules, for cgroup $2.
	nft_conf() { # list cgroup
		local cg=${2#/}
		# Declared and deleted first: in one transaction, the reload
		# replaces the table whole.
		echo "table inet jpbench { }"
		echo "delete table inet jpbench"
		echo "table inet jpbench {"
		echo "	set d4 { type ipv4_addr; flags interval; auto-merge; elements = {"
		grep -v : "$1" | sed 's/^/		/; s/$/,/'
		echo "	} }"
		echo "	set d6 { type ipv6_addr; flags interval; auto-merge; elements = {"
		grep : "$1" | sed 's/^/		/; s/$/,/'
		echo "	} }"
		echo "	chain out { type filter hook output priority 0; policy accept;"
		echo "		socket cgroupv2 level 2 \"$cg\" ip daddr @d4 drop"
		echo "		socket cgroupv2 level 2 \"$cg\" ip6 daddr @d6 drop"
		echo "	}"
		echo "}"
	}
	# nft resolves the cgroup path under /sys/fs/cgroup: in a mount
	# namespace of its own (private propagation), cgroup2 is mounted
	# there, whatever this machine's layout.
	nft_load() { # netns conf
		local t0 t1
		t0=$(now_ms)
		nsenter --net="/run/netns/$1" unshare -m sh -c \
			'mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec nft -f "$0"' "$2" ||
			die "nft -f '$2' in '$1' failed"
		t1=$(now_ms)
		echo $((t1 - t0))
	}

	for cfg in $cfgs; do
		cg=$cgbase/$cfg
		n=${size_of[$cfg]}
		case ${kind_of[$cfg]} in
		none) ;;
		floor | naive)
			log=$tmp/peer-$cfg.out
			if [ "$cfg" = floor ]; then
				"$out/bench-peer" --cgroup "$cgroot$cg" floor >"$log" 2>&1 &
			else
				"$out/bench-peer" --cgroup "$cgroot$cg" lpm "$tmp/$n/list" >"$log" 2>&1 &
			fi
			peers+=($!)
			until grep -qs '^bench-peer: ready' "$log"; do
				kill -0 "${peers[-1]}" 2>/dev/null ||
					die "bench-peer for $cfg failed: $(cat "$log")"
				sleep 0.05
			done
			attach_ms[$cfg]=$(sed -n 's/.* total=\([0-9.]*\).*/\1/p' "$log")
			[ "$cfg" = floor ] || kmem_b[$cfg]=$(sed -n 's/.* memlock=\([0-9]*\).*/\1/p' "$log")
			;;
		set | rules | default | list | base:set | base:rules)
			by=$out
			case ${kind_of[$cfg]} in base:*) by=$base ;; esac
			jailed+=("$cg")
			jailed_by[$cg]=$by
			attach_ms[$cfg]=$(attach_jail "$cg" "$tmp/$n/${kind_of[$cfg]}1.bin" "$by")
			kmem_b[$cfg]=$(jail_kmem "$cg")
			;;
		nft)
			ns_of[$cfg]=$ns-$cfg
			mkns "${ns_of[$cfg]}"
			nft_conf "$tmp/$n/list" "$cg" >"$tmp/$n/nft1.conf"
			attach_ms[$cfg]=$(nft_load "${ns_of[$cfg]}" "$tmp/$n/nft1.conf")
			;;
		esac
	done

	# Whether a configuration's op is timed paired with the floor's
	# (bench-runtime --pair: batches alternate between the two sockets).
	paired() { # cfg op
		case ${kind_of[$1]} in none | floor | nft) return 1 ;; esac
		[ "$2" = connect ] || [ "$2" = sendto ]
	}
	# One run; prints ns per operation, and for a paired one the floor's
	# beside it.  A run with another outcome than expected fails the
	# bench, with the probe's message.
	measure() { # cfg op fam class temp
		local cfg=$1 kind=${kind_of[$1]} expect=ok hot=() n=${size_of[$1]} pair=()
		[ "$4" = miss ] || [ "$kind" = none ] || [ "$kind" = floor ] || expect=deny
		[ "$5" = cold ] || hot=(--hot)
		! paired "$cfg" "$2" || pair=(--pair "$cgroot$cgbase/floor" --pair-expect ok)
		if ! taskset -c "$cpu" nsenter --net="/run/netns/${ns_of[$cfg]}" \
			"$out/bench-runtime" --cgroup "$cgroot$cgbase/$cfg" --addrs "$tmp/$n/$4$3" \
			"${hot[@]}" --expect $expect "${pair[@]}" "$2" "${count[$2]}" \
			>"$tmp/run.out" 2>"$tmp/run.log"; then
			echo "bench: $2 v$3 $4 $5 failed under $cfg:" >&2
			cat "$tmp/run.log" >&2
			return 1
		fi
		awk -v op="$2" '$1 == op { print $2, $3; found = 1 } END { exit !found }' "$tmp/run.out"
	}
	# What a configuration cannot measure.
	na() { # cfg op class fam
		{ [ "${kind_of[$1]}" = nft ] && { [ "$2" = connect ] || [ "$2$3" = tcphit ]; }; } ||
			{ [ "${kind_of[$1]}" = default ] && [ "$3" = hit ]; } ||
			{ [ "${kind_of[$1]}" = list ] && [ "$4" = 6 ]; }
	}

	# Rounds outermost and configurations innermost: the host's noise
	# drifts over seconds, so the runs compared in a row are close in time.
	# Each round starts one configuration further, so none always runs
	# first after the replaces.
	read -r -a cfg_list <<<"$cfgs"
	t_setup=$(now_ms)
	replace_total=0
	for round in $(seq "$rounds"); do
		k=${#cfg_list[@]}
		for ((i = 0; i < k; i++)); do
			cfg=${cfg_list[$(((i + round - 1) % k))]}
			for op in $ops; do
				for fam in $fams; do
					for cls in $classes; do
						for temp in $temps; do
							na "$cfg" $op $cls $fam && continue
							read -r v f <<<"$(measure "$cfg" $op $fam $cls $temp)"
							res[$cfg,$op,$fam,$cls,$temp]+="$v "
							[ -z "$f" ] ||
								pratio[$cfg,$op,$fam,$cls,$temp]+="$(echo "$v / $f" | bc -l) "
						done
					done
				done
			done
		done
		[ "$round" -le "$replace_rounds" ] || continue
		# Another policy over each jail, then back: two replaces.
		t0=$(now_ms)
		for cfg in $cfgs; do
			n=${size_of[$cfg]}
			case ${kind_of[$cfg]} in
			set | rules | base:set | base:rules)
				for seed in 2 1; do
					replace_samples[$cfg]+="$(attach_jail "$cgbase/$cfg" \
						"$tmp/$n/${kind_of[$cfg]}$seed.bin" "${jailed_by[$cgbase/$cfg]}") "
					[ ! -s "$tmp/switch.last" ] ||
						switch_samples[$cfg]+="$(cat "$tmp/switch.last") "
				done
				;;
			nft)
				replace_samples[$cfg]+="$(nft_load "${ns_of[$cfg]}" "$tmp/$n/nft1.conf") "
				;;
			esac
		done
		replace_total=$((replace_total + $(now_ms) - t0))
	done
	phases=$(printf 'setup %ds, %d round(s) %ds, replaces %ds' $(((t_setup - t_start) / 1000)) \
		"$rounds" $((($(now_ms) - t_setup - replace_total) / 1000)) $((replace_total / 1000)))
fi

# --- the table ----------------------------------------------------------
# median, min and max of the numbers in $1.
stats() {
	printf '%s\n' $1 | sort -g | awk '{ v[NR] = $1 } END {
		if (!NR) exit 1
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		print m, v[1], v[NR] }'
}
cell() { # samples floor-samples [paired-ratios]
	local m lo hi f r
	if [ -z "$1" ]; then
		printf ' %17s' -
		return
	fi
	read -r m lo hi <<<"$(stats "$1")"
	if [ -n "${3:-}" ]; then
		r=$(stats "$3" | cut -d' ' -f1)
	else
		f=$(stats "$2" | cut -d' ' -f1)
		r=$(echo "$m / $f" | bc -l)
	fi
	printf ' %6.0f %-5s %4.2f' "$m" \
		"$(awk -v m="$m" -v lo="$lo" -v hi="$hi" \
			'BEGIN { printf "-%d/+%d%%", (m - lo) * 100 / m + 0.5, (hi - m) * 100 / m + 0.5 }')" \
		"$r"
}
num() { # width precision value-or-empty
	if [ -n "${3:-}" ] && [ "$3" != - ]; then printf ' %*.*f' "$1" "$2" "$3"; else printf ' %*s' "$1" -; fi
}

elapsed=$((($(now_ms) - t_start) / 1000))
printf '\njailpol bench (issue 15): ns per call, median -min/+max%% over %s round(s), ratio to floor\n' \
	"$([ $root = yes ] && echo "$rounds" || echo 0)"
# The load says whether something else ran beside the bench.
printf 'CPU %s of %s, Linux %s, load average %s at start, %s at end\n' "${cpu:-?}" "$(nproc)" \
	"$(uname -r)" "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)"
# What a cold row pays per line of a table the caches do not hold.
printf 'memory: a read of a random line of 16 MiB, each waiting for the last: %s ns (build/memlat 16)\n' \
	"$(taskset -c "${cpu:-0}" "$out/memlat" 16 | cut -d' ' -f3)"
[ $root = yes ] || echo "runtime: skipped, needs root (cgroups, BPF programs, network namespaces)"
printf '%-22s' configuration
for op in $ops; do
	for cls in $classes; do printf ' %17s' "$op-$cls"; done
done
printf ' %7s %8s %7s %8s %8s %7s %7s %6s\n' compile pfx/s bin attach replace switch kmem B/pfx
printf '%-22s' ''
for op in $ops; do
	for cls in $classes; do printf ' %17s' "ns -min/+max ratio"; done
done
printf ' %7s %8s %7s %8s %8s %7s %7s %6s\n' s '' MiB ms ms us MiB ''
: >"$tsv"
printf 'config\tfamily\ttemp\top\tclass\tmedian_ns\tmin_ns\tmax_ns\trounds\tpaired_ratio\n' >>"$tsv"
for cfg in $cfgs; do
	first=yes
	[ $root = yes ] || [ -n "${compile_s[$cfg]:-}" ] || continue
	for fam in $fams; do
		for temp in $temps; do
			# Without root only the compile side has numbers: one row.
			[ $root = yes ] || { [ $fam = 4 ] && [ $temp = hot ]; } || continue
			[ "${kind_of[$cfg]}" != list ] || [ $fam = 4 ] || continue
			printf '%-22s' "$cfg v$fam $temp"
			for op in $ops; do
				for cls in $classes; do
					s=${res[$cfg,$op,$fam,$cls,$temp]:-}
					cell "$s" "${res[floor,$op,$fam,$cls,$temp]:-}" \
						"${pratio[$cfg,$op,$fam,$cls,$temp]:-}"
					pr=${pratio[$cfg,$op,$fam,$cls,$temp]:-}
					[ -z "$s" ] || printf '%s\tv%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cfg" $fam $temp \
						$op $cls "$(stats "$s" | tr ' ' '\t')" "$(echo $s | wc -w)" \
						"$([ -z "$pr" ] && echo - || stats "$pr" | cut -d' ' -f1)" >>"$tsv"
				done
			done
			if [ $first = yes ]; then
				first=no
				rep=
				[ -z "${replace_samples[$cfg]:-}" ] ||
					rep=$(stats "${replace_samples[$cfg]}" | cut -d' ' -f1)
				sw=
				[ -z "${switch_samples[$cfg]:-}" ] ||
					sw=$(echo "$(stats "${switch_samples[$cfg]}" | cut -d' ' -f1) * 1000" | bc -l)
				kb=${kmem_b[$cfg]:-}
				[ "$kb" != - ] || kb=
				num 7 2 "${compile_s[$cfg]:-}"
				num 8 0 "${rate[$cfg]:-}"
				num 7 1 "$([ -z "${bin[$cfg]:-}" ] || echo "${bin[$cfg]} / 1048576" | bc -l)"
				num 8 0 "${attach_ms[$cfg]:-}"
				num 8 0 "$rep"
				num 7 0 "$sw"
				num 7 1 "$([ -z "$kb" ] || echo "$kb / 1048576" | bc -l)"
				num 6 0 "$([ -z "$kb" ] || [ -z "${prefixes[$cfg]:-}" ] ||
					echo "$kb / ${prefixes[$cfg]}" | bc -l)"
			fi
			echo
		done
	done
done
echo "total ${elapsed}s${phases:+ ($phases)}; every cell with its min and max in $tsv"
