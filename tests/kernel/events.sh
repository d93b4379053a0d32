#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What the jail reports: denial events (monitor), per-rule counters
# (stats), audit mode:
# tests/kernel/events.sh BUILD_DIR
#
# The jails' host is a network namespace of this run (attach runs in
# it); the "metadata service" 169.254.169.254 lives in a second one, on
# the far end of a veth pair, with a TCP listener on port 80, so curl
# outside the jail reaches it and inside the jail is refused at
# connect(), before any packet.  Every other probe is a UDP connect(),
# which sends nothing.  monitor runs in the background, its output in a
# file, stopped by its pid.
#
# Everything is named after this shell's pid (netns jailpol-e-PID and
# jailpol-e-PID-md, cgroups <cgroup2 mount>/jailpol-events-PID-N) and
# removed by an EXIT trap, also after a failure.  Prints "ok NAME" /
# "FAIL NAME: ..." and "N passed, N failed"; exit 0, 1, or 77 (cannot
# run, reason printed).
set -u

out=${1:-}
if [ -z "$out" ] || [ $# -ne 1 ]; then
	echo "usage: tests/kernel/events.sh BUILD_DIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/../lib/common.sh"
SUITE=events
out=$(cd "$out" 2>/dev/null && pwd) || { echo "events: no build directory '$1'" >&2; exit 2; }

[ "$(id -u)" -eq 0 ] || cannot_run "needs root (cgroups, BPF, network namespaces)"
jab=$out/jail-ai-block
jpc=$out/jailpolc
np=$out/tests/netprobe
for f in "$jab" "$jpc" "$np"; do
	[ -x "$f" ] || cannot_run "'$f' is not built (make check-build)"
done
for t in jq curl; do
	command -v $t >/dev/null || cannot_run "needs $t (make deps)"
done
cg2=$(cg2_mount)
[ -n "$cg2" ] || cannot_run "no cgroup2 file system in /proc/self/mountinfo"
pins=/sys/fs/bpf/jailpol
store=/run/jailpol/policies

kernel_lock

id=$$
ns=jailpol-e-$id
md=$ns-md
work=$(mktemp -d /tmp/jailpol-events.XXXXXX)
CGS=() MON= LISTENER=
had_pin_root=no
[ -d "$pins" ] && had_pin_root=yes

cleanup() {
	local rc=$? i
	trap - EXIT INT TERM
	stop_monitor
	[ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null && wait "$LISTENER" 2>/dev/null
	for ((i = ${#CGS[@]} - 1; i >= 0; i--)); do
		cg_remove "${CGS[i]}"
	done
	ip netns del "$ns" 2>/dev/null
	ip netns del "$md" 2>/dev/null
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
	REPLY=$cg2/jailpol-events-$id-$ncg
	CGS+=("$REPLY")
	setup mkdir "$REPLY"
}

attach() { # CGROUP POLICY [OPTIONS...]
	local cg=$1 pol=$2
	shift 2
	setup timeout 60 nsenter --net="/run/netns/$ns" "$jab" attach --policy "$pol" --cgroup "$cg" "$@"
}

# start_monitor ARGS...: monitor in the background, its events in
# $work/mon.out and its messages in $work/mon.err.
start_monitor() {
	: >"$work/mon.out"
	: >"$work/mon.err"
	"$jab" monitor "$@" </dev/null >"$work/mon.out" 2>"$work/mon.err" {lockfd}>&- &
	MON=$!
	# It holds its lock before it reads: wait for the lock's pid.
	local i
	for ((i = 0; i < 250; i++)); do
		[ "$(cat /run/jailpol/monitor.lock 2>/dev/null)" = "$MON" ] && return 0
		kill -0 "$MON" 2>/dev/null || return 1
		sleep 0.02
	done
	return 1
}

# stop_monitor: let it read what is in the ring (it polls every 200 ms),
# then SIGTERM; its exit status in MON_RC.
stop_monitor() {
	MON_RC=
	[ -n "$MON" ] || return 0
	sleep 0.6
	kill -TERM "$MON" 2>/dev/null
	wait "$MON"
	MON_RC=$?
	MON=
}

# events FILTER: the monitor's JSON events that jq FILTER selects, one
# per line.
events() {
	jq -c "select(.verdict != null) | select($1)" "$work/mon.out" 2>/dev/null
}

probe() { # CGROUP ADDR [PORT]
	timeout 5 "$np" -n "$ns" -c "$1" connect-only udp "$2" "${3:-53}" 2>&1 </dev/null
}

count_rule() { # CGROUP LINE: stats' count of the rule on that line
	"$jab" stats --cgroup "$1" --json 2>/dev/null | jq -r ".rules[] | select(.line == $2) | .count"
}

check() { # NAME CONDITION-DESCRIPTION: ok if the last command succeeded
	local rc=$?
	if [ $rc -eq 0 ]; then ok "$1"; else nok "$1" "$2"; fi
}

# The jails' host and the metadata service, joined by a veth pair.
setup ip netns add "$ns"
setup ip netns add "$md"
setup ip -n "$ns" link set lo up
setup ip -n "$md" link set lo up
setup ip -n "$ns" link add e0 type veth peer name e1 netns "$md"
setup ip -n "$ns" addr add 169.254.0.2/16 dev e0
setup ip -n "$md" addr add 169.254.169.254/16 dev e1
setup ip -n "$ns" link set e0 up
setup ip -n "$md" link set e1 up
# A route for the UDP probes to addresses no namespace holds: their
# connect() sends nothing, and without a route it fails ENETUNREACH.
setup ip -n "$ns" route add default dev e0
"$np" -n "$md" listen tcp 169.254.169.254 80 >"$work/listener" 2>&1 &
LISTENER=$!
for ((i = 0; i < 250; i++)); do
	grep -q '^ready' "$work/listener" && break
	sleep 0.02
done
grep -q '^ready' "$work/listener" || stop setup "the metadata listener did not start: $(cat "$work/listener")"

setup "$jpc" "$root/policies/default.jp" -o "$work/default.bin"
meta_line=$(grep -n '^deny metadata' "$root/policies/default.jp" | cut -d: -f1)
[ -n "$meta_line" ] || stop setup "policies/default.jp has no 'deny metadata' rule"

# --- acceptance: curl http://169.254.169.254/ from a jailed command -----

# Control: outside the jail curl reaches the listener (any exit but 7,
# "could not connect"), so a refusal below is the jail's.
timeout 10 nsenter --net="/run/netns/$ns" curl -s -m 5 -o /dev/null http://169.254.169.254/ </dev/null
rc=$?
[ $rc -ne 7 ] && [ $rc -ne 28 ]
check control-curl-reaches "curl outside the jail could not connect (exit $rc): the test network is broken"

# monitor before the attach (and, when no jail is on the machine, before
# the ring buffer exists: it waits for the first jail).
start_monitor --json || stop setup "monitor did not start: $(cat "$work/mon.err")"
new_cg
A=$REPLY
attach "$A" "$work/default.bin"
ERR=$(timeout 10 nsenter --net="/run/netns/$ns" sh -c 'echo $$ >"$1/cgroup.procs" && echo $$ >"$2" && exec curl -sS -m 5 -o /dev/null http://169.254.169.254/' \
	sh "$A" "$work/curl.pid" 2>&1 </dev/null)
rc=$?
curl_pid=$(cat "$work/curl.pid" 2>/dev/null)
# curl says "Couldn't connect" (7) for EPERM as for a refusal: that the
# jail refused it is what the event below says.
[ $rc -eq 7 ]
check curl-refused "expected curl not to connect (exit 7), got exit $rc: $ERR"
stop_monitor
ev=$(events '.address == "169.254.169.254"')
n=$(grep -c . <<<"$ev")
[ "$n" = 1 ]
check monitor-before-attach-one-event "expected exactly one event for 169.254.169.254, got $n: $(head -c 600 "$work/mon.out") $(cat "$work/mon.err")"
# The kernel reports pids as the initial pid namespace numbers them (the
# host's view); run inside another one (the fresh-machine check's root),
# the shell's own numbers differ, and only pid == tid is checked.
host_pidns=false
[ "$(stat -L -c %i /proc/self/ns/pid)" = 4026531836 ] && host_pidns=true
jq -e --arg pid "$curl_pid" --argjson host "$host_pidns" --arg f "$root/policies/default.jp" --argjson line "$meta_line" '
	.verdict == "deny" and .enforced == true and .mode == "enforce" and .hook == "connect4" and
	.protocol == "tcp" and .family == "ipv4" and .port == 80 and .comm == "curl" and
	((.pid | tostring) == $pid or ($host | not)) and .tid == .pid and (.pid > 0) and
	.line == $line and .text == "deny metadata log;" and .decided_by == "rule" and
	(.file | endswith("policies/default.jp")) and .netns == "host" and
	.policy == .file' <<<"$ev" >/dev/null
check event-fields "event fields wrong (curl pid $curl_pid, rule line $meta_line): $ev"
cg_id=$(stat -c %i "$A")
jq -e --argjson id "$cg_id" --arg cg "${A#"$cg2"}" '.jail_id == $id and .cgroup_id == $id and .jail == $cg and .cgroup == $cg' \
	<<<"$ev" >/dev/null
check event-cgroup "expected jail and cgroup ${A#"$cg2"} (id $cg_id): $ev"
exp=$("$jpc" "$root/policies/default.jp" --explain 169.254.169.254:80/tcp --json |
	jq -c '[.cases[] | select(.netns == "host" and .host_address == false)][0] | [.file, .line, .text]')
got=$(jq -c '[.file, .line, .text]' <<<"$ev")
[ "$exp" = "$got" ]
check explain-names-the-same-rule "explain says $exp, the kernel reported $got"

[ "$(count_rule "$A" "$meta_line")" = 1 ]
check stats-counts-it "stats: $("$jab" stats --cgroup "$A" 2>&1)"
jab stats --cgroup "$A"
grep -q "^ *1  deny    .*default.jp:$meta_line: deny metadata log;" <<<"$OUT" && grep -q 'counting since' <<<"$OUT"
check stats-text "stats said: $OUT $ERR"

# --- monitor after attach; one reader at a time ---------------------------

start_monitor --json --cgroup "$A" || stop setup "monitor did not start: $(cat "$work/mon.err")"
jab monitor
[ "$RC" = 1 ] && grep -q "another monitor (pid $MON)" <<<"$ERR"
check second-monitor-refused "expected exit 1 naming pid $MON, got $RC: $ERR"
r=$(probe "$A" 127.0.0.1)
[ "$r" = EPERM ]
check loopback-refused "expected EPERM, got $r"
new_cg
B=$REPLY
attach "$B" "$work/default.bin"
r=$(probe "$B" 127.0.0.2)
stop_monitor
n=$(events '.address == "127.0.0.1" and .port == 53 and .hook == "connect4"' | grep -c .)
[ "$n" = 1 ]
check monitor-after-attach "expected one event for 127.0.0.1, got $n: $(head -c 600 "$work/mon.out")"
n=$(events '.address == "127.0.0.2"' | grep -c .)
# B did report it (to no reader here): the filter, not B, kept it out.
b_emitted=$("$jab" stats --cgroup "$B" --json | jq -r '.events.emitted')
[ "$n" = 0 ] && [ "$r" = EPERM ] && [ "$b_emitted" = 1 ]
check monitor-cgroup-filter "monitor --cgroup A showed $n events of B (B's probe $r, B emitted $b_emitted)"

# --- counters: N probes, N counted; a rule without log emits nothing ------

cat >"$work/count.jp" <<'EOF'
default allow;
deny 10.213.1.0/24;
deny 10.213.2.0/24 log;
EOF
setup "$jpc" "$work/count.jp" -o "$work/count.bin"
new_cg
C=$REPLY
attach "$C" "$work/count.bin"
start_monitor --json --cgroup "$C" || stop setup "monitor did not start: $(cat "$work/mon.err")"
N=37
for ((i = 0; i < N; i++)); do
	probe "$C" 10.213.1.$((i % 200 + 1)) >/dev/null
done
for ((i = 0; i < 5; i++)); do
	probe "$C" 10.213.9.$((i + 1)) >/dev/null
done
r=$(probe "$C" 10.213.2.1)
stop_monitor
[ "$(count_rule "$C" 2)" = $N ]
check counter-n "expected $N on count.jp:2, stats: $("$jab" stats --cgroup "$C" --json)"
[ "$("$jab" stats --cgroup "$C" --json | jq -r '.rules[] | select(.decided_by == "default") | .count')" -ge 5 ]
check counter-default "expected >= 5 on the default: $("$jab" stats --cgroup "$C" --json)"
n=$(events 'true' | grep -c .)
[ "$n" = 1 ] && [ "$(events 'true' | jq -r .line)" = 3 ]
check log-rule-only "expected the one event of the log rule (line 3), got: $(cat "$work/mon.out")"
# A replace starts the counters of the new policy at zero, and says so.
attach "$C" "$work/count.bin"
[ "$(count_rule "$C" 2)" = 0 ] && "$jab" stats --cgroup "$C" | grep -q 'since .* (its replace)'
check counters-reset-at-replace "after a replace: $("$jab" stats --cgroup "$C")"

# --- a flood of 10^5 denials: the rate limit holds ------------------------

new_cg
F=$REPLY
attach "$F" "$work/default.bin" --event-rate 100
start_monitor --json --cgroup "$F" || stop setup "monitor did not start: $(cat "$work/mon.err")"
t0=$(date +%s%N)
r=$(timeout 120 "$np" -n "$ns" -c "$F" flood udp 127.0.0.1 9 100000 2>&1 </dev/null)
t1=$(date +%s%N)
# The host still answers while the jail floods: a UDP round trip on this
# namespace's loopback, from outside the jail, right after.
"$np" -n "$ns" listen udp 127.0.0.1 0 >"$work/echo" 2>&1 &
echo_pid=$!
for ((i = 0; i < 250; i++)); do grep -q '^ready' "$work/echo" && break; sleep 0.02; done
port=$(awk '/^ready/ { print $2 }' "$work/echo")
rt=$(timeout 5 "$np" -n "$ns" connect udp 127.0.0.1 "${port:-1}" 2>&1)
kill "$echo_pid" 2>/dev/null
wait "$echo_pid" 2>/dev/null
stop_monitor
[ "$r" = "refused 100000 ok 0" ]
check flood-refused "flood: $r"
[ "$rt" = ok ]
check host-responsive "a UDP round trip outside the jail after the flood: $rt"
st=$("$jab" stats --cgroup "$F" --json)
emitted=$(jq -r '.events.emitted' <<<"$st")
dropped=$(jq -r '.events.dropped' <<<"$st")
seen=$(events '.address == "127.0.0.1"' | grep -c .)
ms=$(((t1 - t0) / 1000000))
# At most rate x elapsed + one second's burst; every event emitted was
# read.
bound=$((100 * ms / 1000 + 100 + 1))
[ $((emitted + dropped)) = 100000 ] && [ "$emitted" -le $bound ] && [ "$seen" = "$emitted" ]
check flood-rate-limited "emitted $emitted dropped $dropped seen $seen in $ms ms (bound $bound)"
d=$(jq -s '[.[] | select(.dropped != null) | .dropped] | add // 0' "$work/mon.out")
[ "$d" = "$dropped" ]
check monitor-says-dropped "monitor reported $d dropped, the jail counted $dropped"
echo "     flood: 100000 denials in $ms ms, $emitted events, $dropped dropped" >>"$work/figures"

# --- audit mode: everything allowed, every would-be denial reported -------

cat >"$work/audit.jp" <<'EOF'
default allow;
deny 10.214.1.0/24;
deny 10.214.2.0/24;
allow 10.214.3.0/24;
EOF
setup "$jpc" "$work/audit.jp" -o "$work/audit.bin"
new_cg
D=$REPLY
attach "$D" "$work/audit.bin" --audit
status_line=$("$jab" status | grep -F "${D#"$cg2"} ")
grep -q AUDIT <<<"$status_line" && [ "$(status_of "$(stat -c %i "$D")" | jq -r '.mode + " " + .state')" = "audit AUDIT" ]
check audit-status-loud "status: $status_line / $(status_of "$(stat -c %i "$D")")"
start_monitor --json --cgroup "$D" || stop setup "monitor did not start: $(cat "$work/mon.err")"
want=0 allowed=0
for a in 10.214.1.7 10.214.2.9 10.214.3.1 10.214.4.4 10.214.1.200 10.214.3.3 10.214.2.1; do
	[ "$(probe "$D" "$a")" = ok ] && allowed=$((allowed + 1))
	case $a in 10.214.1.* | 10.214.2.*) want=$((want + 1)) ;; esac
done
stop_monitor
[ $allowed = 7 ]
check audit-allows-all "allowed $allowed of 7 probes"
got=$(events '.mode == "audit" and .enforced == false and .verdict == "deny"' | jq -r .address | sort | tr '\n' ' ')
[ "$got" = "10.214.1.200 10.214.1.7 10.214.2.1 10.214.2.9 " ]
check audit-reports-denials "expected the $want would-be denials, got: $got ($(cat "$work/mon.out"))"
# Attached again without --audit, the same policy refuses again.
attach "$D" "$work/audit.bin"
r=$(probe "$D" 10.214.1.7)
[ "$r" = EPERM ] && [ "$(status_of "$(stat -c %i "$D")" | jq -r '.mode + " " + .state')" = "enforce jailed" ]
check audit-then-enforce "after an attach without --audit: probe $r, status $(status_of "$(stat -c %i "$D")")"

# A policy in audit mode by itself (`mode audit;`): the same, and loud.
cat >"$work/audit2.jp" <<'EOF'
default allow;
mode audit;
deny 10.214.1.0/24;
EOF
setup "$jpc" -Wno-audit "$work/audit2.jp" -o "$work/audit2.bin"
new_cg
D2=$REPLY
attach "$D2" "$work/audit2.bin"
start_monitor --json --cgroup "$D2" || stop setup "monitor did not start: $(cat "$work/mon.err")"
r=$(probe "$D2" 10.214.1.1)
stop_monitor
[ "$r" = ok ] && [ "$(events '.mode == "audit" and .address == "10.214.1.1"' | grep -c .)" = 1 ] &&
	[ "$(status_of "$(stat -c %i "$D2")" | jq -r .mode)" = audit ]
check mode-audit-policy "probe $r, events: $(cat "$work/mon.out"), status: $(status_of "$(stat -c %i "$D2")")"

# --- JSON for names with quotes and control characters -------------------

odd=$(printf 'q"\\\001x\tz')
cp "$np" "$work/$odd"
new_cg
U=$REPLY
attach "$U" "$work/default.bin"
start_monitor --json --cgroup "$U" || stop setup "monitor did not start: $(cat "$work/mon.err")"
timeout 5 "$work/$odd" -n "$ns" -c "$U" connect-only udp 127.0.0.1 7 >/dev/null 2>&1
timeout 5 "$np" -n "$ns" -c "$U" unix-connect stream "@jailpol\"$odd" >/dev/null 2>&1
stop_monitor
jq -e . "$work/mon.out" >/dev/null 2>&1
check json-parses "monitor --json wrote invalid JSON: $(head -c 400 "$work/mon.out" | od -c | head -5)"
c=$(events '.address == "127.0.0.1"' | jq -r .comm)
[ "$c" = "${odd:0:15}" ]
check json-comm-exact "comm '$c', expected '${odd:0:15}'"
u=$(events '.protocol == "unix"' | jq -r .unix)
[ "$u" = '@jailpol\x22q\x22\x5c\x01x\x09z' ]
check json-unix-name "unix name '$u'"

# --- explain and the kernel agree on random probes ------------------------

# Random rules over 10.215.0.0/16 (network addresses of /20 to /28),
# some with ports; every verdict is reported: each rule has the log mark,
# and the default's denials are reported by `log denials;`.
awk -v seed="$id" 'BEGIN {
	srand(seed)
	print "default deny;"
	print "log denials;"
	for (i = 0; i < 40; i++) {
		len = 20 + int(rand() * 9)
		block = 2 ^ (32 - len)
		n = int(int(rand() * 65536) / block) * block
		v = rand() < 0.5 ? "allow" : "deny"
		p = rand() < 0.3 ? sprintf(" port %d", 1 + int(rand() * 9)) : ""
		printf "%s 10.215.%d.%d/%d%s log;\n", v, int(n / 256), n % 256, len, p
	}
}' >"$work/rand.jp"
if "$jpc" -Wnone "$work/rand.jp" -o "$work/rand.bin" 2>"$work/rand.err"; then
	new_cg
	R=$REPLY
	attach "$R" "$work/rand.bin" --event-rate 100000
	start_monitor --json --cgroup "$R" || stop setup "monitor did not start: $(cat "$work/mon.err")"
	: >"$work/probes"
	# Half the probes inside a rule's prefix, half anywhere in the /16.
	mapfile -t nets < <(awk '$2 ~ /^10\.215\./ { split($2, q, "[./]"); print q[3] }' "$work/rand.jp")
	for ((i = 0; i < 150; i++)); do
		a="10.215.$((RANDOM % 256)).$((RANDOM % 256))" p=$((RANDOM % 10 + 1))
		[ $((i % 2)) = 0 ] && a="10.215.${nets[RANDOM % ${#nets[@]}]}.$((RANDOM % 256))"
		echo "$a $p" >>"$work/probes"
		probe "$R" "$a" "$p" >/dev/null
	done
	stop_monitor
	bad=0 n=0
	while read -r a p; do
		n=$((n + 1))
		exp=$("$jpc" -Wnone "$work/rand.jp" --explain "$a:$p/udp" --json 2>/dev/null |
			jq -c '[.cases[] | select(.netns == "host" and .host_address == false)][0] | [.verdict, .line]')
		got=$(events ".address == \"$a\" and .port == $p" | head -1 | jq -c '[.verdict, .line]')
		if [ -z "$exp" ] || [ "$exp" != "$got" ]; then
			bad=$((bad + 1))
			[ $bad -le 3 ] && echo "     $a:$p/udp: explain $exp, kernel $got"
		fi
	done <"$work/probes"
	[ $bad = 0 ] && [ $n = 150 ]
	check explain-agrees-on-random-probes "$bad of $n probes disagree"
else
	nok explain-agrees-on-random-probes "the random policy did not compile: $(head -3 "$work/rand.err")"
fi

# --- nothing left behind ---------------------------------------------------

hashes=()
for f in default count audit audit2 rand; do
	[ -f "$work/$f.bin" ] && hashes+=("$("$jpc" --dump "$work/$f.bin" --json 2>/dev/null | jq -r '.content_sha256 // empty')")
done
for ((i = ${#CGS[@]} - 1; i >= 0; i--)); do
	cg_remove "${CGS[i]}"
done
CGS=()
left=
[ -e "$pins/events" ] && [ -z "$(ls -d "$pins"/cg-* 2>/dev/null)" ] && left="$pins/events "
for h in "${hashes[@]}"; do
	[ -n "$h" ] && [ -e "$store/$h.bin" ] && left+="$store/$h.bin "
done
[ -z "$left" ]
check detach-leaves-nothing "left behind: $left"

[ -f "$work/figures" ] && cat "$work/figures"
summary
