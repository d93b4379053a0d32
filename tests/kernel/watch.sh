#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `jail-ai-block watch` keeps the host set of every jail current:
# tests/kernel/watch.sh BUILD_DIR
#
# The "host" is a network namespace of this run: attach and watch run in
# it (nsenter), and so do the jailed probes (netprobe -n).  Its addresses
# live on a veth pair inside it, so a probe's packets never leave it;
# the probe is a UDP connect(), which sends nothing.  Each case adds or
# removes an address with ip and polls the verdict from a jailed cgroup
# every 20 ms, for at most 1 s: the issue's bound, which watch meets with
# room to spare (the log says how long each change took).
#
# Everything is named after this shell's pid (netns jailpol-w-PID, cgroups
# <cgroup2 mount>/jailpol-watch-PID-N) and removed by an EXIT trap, also
# after a failure; watch is stopped by its pid.  Prints "ok NAME" /
# "FAIL NAME: ..." and "N passed, N failed"; exit 0, 1, or 77 (cannot run,
# reason printed).
set -u

out=${1:-}
if [ -z "$out" ] || [ $# -ne 1 ]; then
	echo "usage: tests/kernel/watch.sh BUILD_DIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
SUITE=watch
out=$(cd "$out" 2>/dev/null && pwd) || { echo "watch: no build directory '$1'" >&2; exit 2; }

[ "$(id -u)" -eq 0 ] || cannot_run "needs root (cgroups, BPF, network namespaces)"
jab=$out/jail-ai-block
np=$out/tests/netprobe
for f in "$jab" "$out/jailpolc" "$np"; do
	[ -x "$f" ] || cannot_run "'$f' is not built (make check-build)"
done
cg2=$(cg2_mount)
[ -n "$cg2" ] || cannot_run "no cgroup2 file system in /proc/self/mountinfo"
pins=/sys/fs/bpf/jailpol

kernel_lock

id=$$
ns=jailpol-w-$id
work=$(mktemp -d /tmp/jailpol-watch.XXXXXX)
CGS=() WATCH=
had_pin_root=no
[ -d "$pins" ] && had_pin_root=yes

cleanup() {
	local rc=$? i
	trap - EXIT INT TERM
	stop_watch
	for ((i = ${#CGS[@]} - 1; i >= 0; i--)); do
		cg_remove "${CGS[i]}"
	done
	ip netns del "$ns" 2>/dev/null
	ip netns del "$ns-2" 2>/dev/null
	[ $had_pin_root = no ] && rmdir "$pins" 2>/dev/null
	rm -rf "$work"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ncg=0
new_cg() {
	ncg=$((ncg + 1))
	REPLY=$cg2/jailpol-watch-$id-$ncg
	CGS+=("$REPLY")
	setup mkdir "$REPLY"
}

# in_ns CMD...: run CMD in the test namespace, the jails' host.
in_ns() {
	nsenter --net="/run/netns/$ns" "$@"
}

# attach CGROUP POLICY: jail the cgroup with the test namespace as host.
attach() {
	setup timeout 60 nsenter --net="/run/netns/$ns" "$jab" attach --policy "$2" --cgroup "$1"
}

# start_watch ARGS...: watch in the background, its log in $work/watch.log;
# waits (at most 10 s) for its first round, said by "watching:".
start_watch() {
	: >"$work/watch.log"
	nsenter --net="/run/netns/$ns" "$jab" watch "$@" </dev/null >/dev/null \
		2>>"$work/watch.log" {lockfd}>&- &
	WATCH=$!
	local i
	for ((i = 0; i < 500; i++)); do
		grep -q 'watch: watching:' "$work/watch.log" && return 0
		kill -0 "$WATCH" 2>/dev/null || break
		sleep 0.02
	done
	return 1
}

# stop_watch: SIGTERM, then its exit status in WATCH_RC.
stop_watch() {
	WATCH_RC=
	[ -n "$WATCH" ] || return 0
	kill -TERM "$WATCH" 2>/dev/null
	wait "$WATCH"
	WATCH_RC=$?
	WATCH=
}

# probe CGROUP ADDR: the verdict of a UDP connect() from the cgroup,
# inside the test namespace: "ok", "EPERM", or another errno name.
probe() {
	timeout 5 "$np" -n "$ns" -c "$1" connect-only udp "$2" 53 2>&1 </dev/null
}

# until_verdict CGROUP ADDR WANT: poll every 20 ms for at most 1 s until
# the verdict is WANT ("EPERM") or, with "!EPERM", anything else.  Sets
# GOT and MS (how long it took).
until_verdict() {
	local t0 t i
	t0=$(date +%s%N)
	for ((i = 0; i < 50; i++)); do
		GOT=$(probe "$1" "$2")
		t=$(date +%s%N)
		MS=$(((t - t0) / 1000000))
		case $3 in
		'!'*) [ "$GOT" != "${3#!}" ] && [ $MS -le 1000 ] && return 0 ;;
		*) [ "$GOT" = "$3" ] && [ $MS -le 1000 ] && return 0 ;;
		esac
		[ $MS -gt 1000 ] && break
		sleep 0.02
	done
	return 1
}

# expect_within NAME CGROUP ADDR WANT: until_verdict as a case.
expect_within() {
	if until_verdict "$2" "$3" "$4"; then
		ok "$1"
		echo "     $1: ${MS} ms" >>"$work/latency"
	else
		nok "$1" "expected $4 for $3 within 1 s got $GOT after ${MS} ms (watch log: $(tail -n 3 "$work/watch.log" | tr '\n' ' '))"
	fi
}

expect_now() { # NAME CGROUP ADDR WANT
	GOT=$(probe "$2" "$3")
	if [ "$GOT" = "$4" ]; then
		ok "$1"
	else
		nok "$1" "expected $4 for $3 got $GOT"
	fi
}

host_addresses() { # CGROUP: status's host_addresses of its jail
	jq -r '.host_addresses' <<<"$(status_of "$(stat -c %i "$1")")"
}

setup ip netns add "$ns"
setup ip -n "$ns" link set lo up
setup ip -n "$ns" link add w0 type veth peer name w1
setup ip -n "$ns" link set w0 up
setup ip -n "$ns" link set w1 up
setup ip -n "$ns" addr add 10.210.0.2/24 dev w0
setup ip -n "$ns" addr add 2001:db8:210::2/64 dev w0 nodad

# The policies: deny the host set, allow the rest; one whose exact entry
# for an address differs for host and non-host (allowed unless it is a
# host address, under a default deny); one without the host set.
cat >"$work/host.jp" <<'EOF'
default allow;
deny host;
EOF
cat >"$work/exact.jp" <<'EOF'
default deny;
deny host;
allow 10.210.0.7;
allow 10.210.0.2;
EOF
cat >"$work/nohost.jp" <<'EOF'
default allow;
deny 10.210.9.0/24;
EOF
for p in host exact nohost; do
	setup "$out/jailpolc" "$work/$p.jp" -o "$work/$p.bin"
done

new_cg
A=$REPLY
new_cg
B=$REPLY
new_cg
C=$REPLY
new_cg
E=$REPLY
new_cg
N=$REPLY
attach "$A" "$work/host.bin"
attach "$B" "$work/host.bin"
attach "$C" "$work/host.bin"
attach "$E" "$work/exact.bin"
attach "$N" "$work/nohost.bin"

# Before watch: an address added after the attach is not denied (the
# hole watch closes).
setup ip -n "$ns" addr add 10.210.0.5/24 dev w0
expect_now before/added-not-denied "$A" 10.210.0.5 ok

start_watch --resync 0 || stop watch/start "expected watch to start got: $(cat "$work/watch.log")"
ok watch/start
# Its first round took in the address added before it started.
expect_now start/reconciled "$A" 10.210.0.5 EPERM
case $(cat "$work/watch.log") in
*"cgroup '${A#"$cg2"}' "*"host address 10.210.0.5 added"*) ok start/logged ;;
*) nok start/logged "expected a line for 10.210.0.5 in '${A#"$cg2"}' got: $(cat "$work/watch.log")" ;;
esac

# IPv4: added -> denied within 1 s, in every jail; removed -> judged by
# the policy again.
setup ip -n "$ns" addr add 10.210.0.9/24 dev w0
expect_within v4/added "$A" 10.210.0.9 EPERM
expect_now v4/added/jail-2 "$B" 10.210.0.9 EPERM
expect_now v4/added/jail-3 "$C" 10.210.0.9 EPERM
got=$(host_addresses "$A")
want=$(in_ns ip -o addr show | grep -cv ' lo ')
# The host set is the addresses of w0 and w1 (IPv6 link-local included)
# and w0's broadcast; loopback is never in it.
if [ -n "$got" ] && [ "$got" -ge "$want" ]; then
	ok v4/added/status-count
else
	nok v4/added/status-count "expected host_addresses >= $want got '$got'"
fi
setup ip -n "$ns" addr del 10.210.0.9/24 dev w0
expect_within v4/removed "$A" 10.210.0.9 '!EPERM'
expect_now v4/removed/jail-3 "$C" 10.210.0.9 ok

# IPv6, the same.
setup ip -n "$ns" addr add 2001:db8:210::9/64 dev w0 nodad
expect_within v6/added "$A" 2001:db8:210::9 EPERM
expect_now v6/added/jail-2 "$B" 2001:db8:210::9 EPERM
setup ip -n "$ns" addr del 2001:db8:210::9/64 dev w0
expect_within v6/removed "$A" 2001:db8:210::9 '!EPERM'

# A subnet's broadcast address comes and goes with its address.
setup ip -n "$ns" addr add 10.211.0.1/24 brd + dev w0
expect_within broadcast/added "$B" 10.211.0.255 EPERM
setup ip -n "$ns" addr del 10.211.0.1/24 dev w0
expect_within broadcast/removed "$B" 10.211.0.255 '!EPERM'

# Many at once (one burst of events, more than one read of the records):
# 300 IPv4 and 300 IPv6 addresses in one ip -batch, then all removed.
for ((i = 1; i <= 300; i++)); do
	printf 'address add 10.212.%d.%d/32 dev w0\naddress add 2001:db8:212::%x/128 dev w0 nodad\n' \
		$((i / 256)) $((i % 256)) "$i"
done >"$work/many.add"
sed 's/^address add/address del/; s/ nodad$//' "$work/many.add" >"$work/many.del"
before=$(host_addresses "$A")
setup ip -n "$ns" -batch "$work/many.add"
expect_within many/added/last "$A" 10.212.1.44 EPERM
expect_now many/added/first "$A" 10.212.0.1 EPERM
expect_now many/added/v6 "$C" 2001:db8:212::96 EPERM
got=$(host_addresses "$A")
if [ -n "$got" ] && [ -n "$before" ] && [ "$got" -eq $((before + 600)) ]; then
	ok many/added/status
else
	nok many/added/status "expected host_addresses $before + 600 got '$got'"
fi
setup ip -n "$ns" -batch "$work/many.del"
expect_within many/removed/last "$A" 2001:db8:212::12c '!EPERM'
# No route is left to a /32 once it is gone: the kernel's answer, not EPERM.
expect_now many/removed/first "$B" 10.212.0.1 ENETUNREACH
got=$(host_addresses "$A")
if [ "$got" = "$before" ]; then
	ok many/removed/status
else
	nok many/removed/status "expected host_addresses back to '$before' got '$got'"
fi

# A policy's own entry for an address is restored when the address stops
# being the host's: allowed, denied while host, allowed again.
expect_now exact/before "$E" 10.210.0.7 ok
setup ip -n "$ns" addr add 10.210.0.7/24 dev w0
expect_within exact/added "$E" 10.210.0.7 EPERM
setup ip -n "$ns" addr del 10.210.0.7/24 dev w0
expect_within exact/restored "$E" 10.210.0.7 ok
# ... and for one that was a host address at attach (10.210.0.2).
expect_now exact/host-at-attach "$E" 10.210.0.2 EPERM

# A policy without the host set is left alone.
before=$(host_addresses "$N")
setup ip -n "$ns" addr add 10.210.0.11/24 dev w0
until_verdict "$A" 10.210.0.11 EPERM
expect_now nohost/untouched "$N" 10.210.0.11 ok
after=$(host_addresses "$N")
if [ "$before" = "$after" ]; then
	ok nohost/status
else
	nok nohost/status "expected host_addresses to stay '$before' got '$after'"
fi
setup ip -n "$ns" addr del 10.210.0.11/24 dev w0

# A replace under a running watch: the new generation has the addresses
# of its attach, and watch keeps the new tables current.
attach "$B" "$work/host.bin"
setup ip -n "$ns" addr add 10.210.0.13/24 dev w0
expect_within replace/added "$B" 10.210.0.13 EPERM
setup ip -n "$ns" addr del 10.210.0.13/24 dev w0
expect_within replace/removed "$B" 10.210.0.13 '!EPERM'

# SIGTERM ends it with status 0; events while it is down are missed ...
stop_watch
if [ "$WATCH_RC" = 0 ] && grep -q 'watch: stopped' "$work/watch.log"; then
	ok stop/sigterm
else
	nok stop/sigterm "expected exit 0 and 'stopped' got exit $WATCH_RC: $(tail -n 2 "$work/watch.log")"
fi
setup ip -n "$ns" addr add 10.210.0.15/24 dev w0
setup ip -n "$ns" addr add 2001:db8:210::15/64 dev w0 nodad
setup ip -n "$ns" addr del 10.210.0.5/24 dev w0
expect_now restart/missed "$A" 10.210.0.15 ok
# ... and a restarted watch reconciles every jail at start.
start_watch --resync 0 || stop restart/start "expected watch to start again got: $(cat "$work/watch.log")"
for cg in "$A" "$B" "$C"; do
	n=${cg##*-}
	expect_now "restart/added-v4/jail-$n" "$cg" 10.210.0.15 EPERM
	expect_now "restart/added-v6/jail-$n" "$cg" 2001:db8:210::15 EPERM
	expect_now "restart/removed/jail-$n" "$cg" 10.210.0.5 ok
done
stop_watch

# systemd's readiness protocol: READY=1 on $NOTIFY_SOCKET once the first
# round is done (the unit is Type=notify), with a STATUS= line.
"$np" notify-recv "$work/notify" >"$work/notify.out" 2>&1 </dev/null {lockfd}>&- &
NOTIFYD=$!
for ((i = 0; i < 250; i++)); do
	grep -q '^ready$' "$work/notify.out" && break
	sleep 0.02
done
NOTIFY_SOCKET=$work/notify start_watch --resync 0
for ((i = 0; i < 250; i++)); do
	grep -q 'READY=1' "$work/notify.out" && break
	sleep 0.02
done
stop_watch
for ((i = 0; i < 250; i++)); do
	grep -q 'STOPPING=1' "$work/notify.out" && break
	sleep 0.02
done
kill "$NOTIFYD" 2>/dev/null
wait "$NOTIFYD" 2>/dev/null
if grep -q '^READY=1$' "$work/notify.out" && grep -q '^STATUS=5 jails, 4 kept current, 0 failed$' "$work/notify.out" &&
	grep -q '^STOPPING=1$' "$work/notify.out"; then
	ok notify/ready
else
	nok notify/ready "expected READY=1, STATUS=5 jails, 4 kept current, 0 failed and STOPPING=1 got: $(tr '\n' '|' <"$work/notify.out")"
fi

# --once: one round, exit 0.
setup ip -n "$ns" addr add 10.210.0.17/24 dev w0
timeout 30 nsenter --net="/run/netns/$ns" "$jab" watch --once >/dev/null 2>"$work/once.err" </dev/null
RC=$?
if [ $RC = 0 ] && grep -q 'watch: reconciled 5 jails, 4 kept current, 0 failed; 4 changes' "$work/once.err"; then
	ok once/exit
else
	nok once/exit "expected exit 0 and 'reconciled 5 jails, 4 kept current, 0 failed; 4 changes' got $RC: $(cat "$work/once.err")"
fi
expect_now once/reconciled "$C" 10.210.0.17 EPERM

# A watch in another network namespace leaves these jails alone: their
# host set is this namespace's addresses, not that one's.
setup ip netns add "$ns-2"
timeout 30 nsenter --net="/run/netns/$ns-2" "$jab" watch --once >/dev/null 2>"$work/other.err" </dev/null
RC=$?
ip netns del "$ns-2"
if [ $RC = 0 ] && grep -q "cgroup '${A#"$cg2"}' .*attached in another network namespace" "$work/other.err"; then
	ok other-netns/left-alone
else
	nok other-netns/left-alone "expected exit 0 and '${A#"$cg2"}' left alone got $RC: $(cat "$work/other.err")"
fi
expect_now other-netns/still-denied "$A" 10.210.0.2 EPERM
expect_now other-netns/still-denied-v6 "$B" 2001:db8:210::2 EPERM

# Refusals: a bad --resync; no bpffs where the pins are (a private mount
# namespace without it): watch says so and exits 1 rather than watch an
# empty directory.
timeout 10 "$jab" watch --resync x >/dev/null 2>"$work/err" </dev/null
RC=$?
if [ $RC = 2 ] && grep -q -- '--resync' "$work/err"; then ok error/resync; else nok error/resync "expected exit 2 naming --resync got $RC: $(cat "$work/err")"; fi
timeout 10 unshare -m sh -c 'while mountpoint -q /sys/fs/bpf; do umount -l /sys/fs/bpf || exit 9; done
	exec "$0" watch --once' "$jab" >/dev/null 2>"$work/err" </dev/null
RC=$?
if [ $RC = 1 ] && grep -q 'not a bpffs mount' "$work/err"; then
	ok error/no-bpffs
else
	nok error/no-bpffs "expected exit 1 saying bpffs is not mounted got $RC: $(cat "$work/err")"
fi

[ -f "$work/latency" ] && cat "$work/latency"
summary
