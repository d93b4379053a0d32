#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Kernel tests of `unix` and `socket` rules: tests/kernel/unix.sh BUILD_DIR
#
# The jail's Unix socket hooks (cgroup/connect_unix, cgroup/sendmsg_unix,
# unix.bpf.c) and its socket-creation hook (cgroup/sock_create), on real
# sockets, table-driven: each row names a netprobe probe, where it runs
# (host: the host's netns; ns: a network namespace of this script's own)
# and the result expected from inside the jailed cgroup and from outside
# it (the bystander, which must succeed: the row can fail only through the
# jail).
#
# Cases: abstract names denied in the host netns only (connect() of a
# stream and a datagram socket, an unconnected sendto()), an abstract name
# allowed by an earlier rule, a path under a denied directory and one
# outside it, a container netns keeping its own abstract names, raw and
# ping sockets refused at socket() (net.ipv4.ping_group_range opened for
# the test and restored), the same from `exec`; a policy of path rules;
# replaces between a Unix policy and a plain one attaching and detaching
# the new hooks' links; a jail of the layout before these hooks (no gen_
# pins of theirs) replaced in one step; a kernel before Linux 6.7
# (tests/kernel/oldkernel.so: bpf() refuses the Unix attach types) and one
# without BTF refusing a Unix policy with a message that says why, leaving
# the cgroup as it was and no pins, and attaching policies without Unix
# rules all the same.
#
# Everything is named after this shell's pid (cgroups
# <cgroup2>/jailpol-unix-PID-N, netns jpuPID, abstract names @jpuPID-*) and
# removed by an EXIT trap; processes are killed by pid.  Prints "ok NAME"
# or "FAIL NAME: ..." per case and "N passed, N failed" last; exit 77 when
# it cannot run here.
set -u

out=${1:-}
if [ -z "$out" ] || [ $# -ne 1 ]; then
	echo "usage: tests/kernel/unix.sh BUILD_DIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
SUITE=unix
out=$(cd "$out" 2>/dev/null && pwd) || { echo "unix: no build directory '$1'" >&2; exit 2; }

[ "$(id -u)" -eq 0 ] || cannot_run "needs root (cgroups, BPF, network namespaces)"
jab=$out/jail-ai-block
jailpolc=$out/jailpolc
np=$out/tests/netprobe
shim=$out/tests/oldkernel.so
[ -x "$jab" ] || cannot_run "'$jab' is not built (make $jab)"
[ -x "$jailpolc" ] || cannot_run "'$jailpolc' is not built"
[ -x "$np" ] || cannot_run "'$np' is not built (make check-build)"
[ -e "$shim" ] || cannot_run "'$shim' is not built (make check-build)"
command -v ip >/dev/null || cannot_run "ip (iproute2) is not installed"
command -v jq >/dev/null || cannot_run "jq is not installed (make deps)"
command -v flock >/dev/null || cannot_run "flock (util-linux) is not installed"
command -v unshare >/dev/null || cannot_run "unshare (util-linux) is not installed"
cg2=$(cg2_mount)
[ -n "$cg2" ] || cannot_run "no cgroup2 file system in /proc/self/mountinfo"
[ -e /sys/kernel/btf/vmlinux ] || cannot_run "the kernel has no BTF (/sys/kernel/btf/vmlinux)"
# The shim works only on a jail-ai-block that calls bpf() through the
# C library's syscall(): libbpf linked dynamically.
ldd "$jab" | grep -q 'libbpf\.so' || cannot_run "'$jab' does not link libbpf dynamically: the shim cannot reach it"
pins=/sys/fs/bpf/jailpol
ping_range=/proc/sys/net/ipv4/ping_group_range

kernel_lock

id=$$
tag=jpu$id
work=$(mktemp -d /tmp/jailpol-unix.XXXXXX)

PIDS=() CGS=() NSS=()
had_pin_root=no had_exec_parent=no
[ -d "$pins" ] && had_pin_root=yes
[ -d "$cg2/jailpol" ] && had_exec_parent=yes
old_ping_range=$(cat "$ping_range")

cleanup() {
	local rc=$? i
	trap - EXIT INT TERM
	for i in "${PIDS[@]}"; do
		kill "$i" 2>/dev/null
	done
	for i in "${PIDS[@]}"; do
		wait "$i" 2>/dev/null
	done
	for ((i = ${#CGS[@]} - 1; i >= 0; i--)); do
		cg_remove "${CGS[i]}"
	done
	for i in "${NSS[@]}"; do
		ip netns del "$i" 2>/dev/null
	done
	echo "$old_ping_range" >"$ping_range"
	[ $had_pin_root = no ] && rmdir "$pins" 2>/dev/null
	[ $had_exec_parent = no ] && rmdir "$cg2/jailpol" 2>/dev/null
	rm -rf "$work"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Leftovers of a run killed with SIGKILL: named after a pid that no
# longer runs (the lock says no other run uses them).
for name in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
	[[ $name =~ ^jpu([0-9]+)$ ]] && ! kill -0 "${BASH_REMATCH[1]}" 2>/dev/null && ip netns del "$name"
done
for name in "$cg2"/jailpol-unix-*-*; do
	[ -d "$name" ] || continue
	n=${name##*/jailpol-unix-}
	n=${n%%-*}
	kill -0 "$n" 2>/dev/null || cg_remove "$name"
done

# new_cg: a fresh cgroup; its path in CG, its pin directory in PD.
ncg=0
new_cg() {
	ncg=$((ncg + 1))
	CG=$cg2/jailpol-unix-$id-$ncg
	CGS+=("$CG")
	setup mkdir "$CG"
	PD=$pins/cg-$(stat -c %i "$CG")
}

# listener host|NETNS stream|dgram NAME: a netprobe unix-listen, ready.
nl=0
listener() {
	local ns=$1 f i w a=()
	shift
	nl=$((nl + 1))
	f=$work/listener.$nl
	: >"$f"
	[ "$ns" = host ] || a+=(-n "$ns")
	"$np" "${a[@]}" unix-listen "$@" >"$f" 2>&1 </dev/null {lockfd}>&- &
	PIDS+=($!)
	for ((i = 0; i < 500; i++)); do
		read -r w <"$f"
		[ "${w:-}" = ready ] && return 0
		kill -0 $! 2>/dev/null || break
		sleep 0.01
	done
	stop setup "expected listener '$*' in netns $ns to be ready got: $(cat "$f")"
}

# probe CGROUP|- host|NETNS ARGS...: netprobe's answer, in REPLY.
probe() {
	local cg=$1 ns=$2 a=()
	shift 2
	[ "$ns" = host ] || a+=(-n "$ns")
	[ "$cg" = - ] || a+=(-c "$cg")
	REPLY=$(timeout 5 "$np" "${a[@]}" "$@" 2>&1 </dev/null {lockfd}>&-)
	REPLY=${REPLY:-no answer}
}

expect() { # NAME EXPECTED GOT
	if [ "$3" = "$2" ]; then ok "$1"; else nok "$1" "expected $2 got $3"; fi
}

# rows NAME-PREFIX CGROUP: every row of ROWS ("name where in out probe...")
# probed from inside CGROUP and from outside any jail.
rows() {
	local prefix=$1 cg=$2 row name where in outside
	for row in "${ROWS[@]}"; do
		read -r name where in outside rest <<<"$row"
		# shellcheck disable=SC2086 # rest is the probe's words
		probe "$cg" "$where" $rest
		expect "$prefix/$name" "$in" "$REPLY"
		# shellcheck disable=SC2086
		probe - "$where" $rest
		expect "$prefix/$name/outside" "$outside" "$REPLY"
	done
}

# no_pins NAME DIR: DIR (a jail's pin directory) does not exist.
no_pins() {
	if [ -e "$2" ]; then
		nok "$1" "expected no $2 got: $(ls "$2")"
	else
		ok "$1"
	fi
}

# expect_hooks NAME HOOKS: status --json names exactly these hooks for CG.
expect_hooks() {
	local got
	got=$("$jab" status --json 2>&1 </dev/null | jq -r --arg cg "${CG#"$cg2"}" \
		'.[] | select(.cgroup == $cg) | .hooks | join(",")' 2>&1)
	expect "$1" "$2" "${got:-no entry}"
}

# expect_links NAME yes|no: the Unix and socket hooks' link pins.
expect_links() {
	local h have=
	for h in connect_unix sendmsg_unix sock_create; do
		[ -e "$PD/link_$h" ] && have+=" $h"
	done
	case $2 in
	yes) expect "$1" " connect_unix sendmsg_unix sock_create" "${have:- none}" ;;
	no) expect "$1" " none" "${have:- none}" ;;
	esac
}

# ---- network, listeners, policies --------------------------------------

NS=$tag
setup ip netns add "$NS"
NSS+=("$NS")
setup ip -n "$NS" link set lo up
setup mkdir "$work/deny"

# Abstract names are per netns: @$tag-c exists in NS only.
listener host stream "@$tag-s"
listener host dgram "@$tag-d"
listener host stream "@$tag-ok"
listener host stream "$work/deny/s.sock"
listener host stream "$work/allow.sock"
listener host stream "$work/other.sock"
listener "$NS" stream "@$tag-c"
listener "$NS" dgram "@$tag-cd"

# jailpolc's patterns take '*' and '\' specially; the work directory's
# name (mktemp) has neither.
cat >"$work/unix.jp" <<EOF
default allow;
allow unix "@$tag-ok";
deny unix abstract netns host;
deny unix "$work/deny/**";
deny socket raw;
deny socket ping;
EOF
cat >"$work/paths.jp" <<EOF
default allow;
allow unix "$work/allow.sock";
deny unix path;
EOF
cat >"$work/plain.jp" <<EOF
default allow;
deny 127.0.0.1 port 9;
EOF
for p in unix paths plain; do
	setup "$jailpolc" "$work/$p.jp" -o "$work/$p.bin"
done
P_UNIX=$work/unix.bin P_PATHS=$work/paths.bin P_PLAIN=$work/plain.bin
HOOKS_PLAIN=connect4,connect6,sendmsg4,sendmsg6
HOOKS_UNIX=$HOOKS_PLAIN,connect_unix,sendmsg_unix,sock_create

# Ping sockets for every group while the test runs (restored on exit),
# and in NS (the setting is per netns, and NS goes at exit).
setup sh -c "echo '0 2147483647' >$ping_range"
setup ip netns exec "$NS" sh -c "echo '0 2147483647' >$ping_range"

# ---- a policy of Unix and socket rules ---------------------------------

#     name              where in    out probe
ROWS=("abstract-stream host  EPERM ok  unix-connect stream @$tag-s"
	"abstract-dgram    host  EPERM ok  unix-connect dgram @$tag-d"
	"abstract-sendto   host  EPERM ok  unix-sendto dgram @$tag-d"
	"abstract-allowed  host  ok    ok  unix-connect stream @$tag-ok"
	"path-denied       host  EPERM ok  unix-connect stream $work/deny/s.sock"
	"path-allowed      host  ok    ok  unix-connect stream $work/allow.sock"
	"container-own     $NS   ok    ok  unix-connect stream @$tag-c"
	"container-sendto  $NS   ok    ok  unix-sendto dgram @$tag-cd"
	"raw4              host  EPERM ok  socket raw4"
	"raw6              host  EPERM ok  socket raw6"
	"ping4             host  EPERM ok  socket ping4"
	"ping6             host  EPERM ok  socket ping6"
	"raw4-container    $NS   EPERM ok  socket raw4"
	"ping4-container   $NS   EPERM ok  socket ping4")

new_cg
C1=$CG PD1=$PD
jab attach --policy "$P_UNIX" --cgroup "$C1"
expect_rc attach/status 0
expect_hooks attach/hooks "$HOOKS_UNIX"
expect_links attach/links yes
rows unix "$C1"

# exec: the command runs jailed from its first instruction.
jab exec --policy "$P_UNIX" -- "$np" unix-connect stream "@$tag-s"
expect exec/abstract-refused "1 EPERM" "$RC $OUT"
jab exec --policy "$P_UNIX" -- "$np" socket raw4
expect exec/raw-refused "1 EPERM" "$RC $OUT"

# ---- replace: the new hooks' links come and go with the policy --------

jab attach --policy "$P_PLAIN" --cgroup "$C1"
expect_rc replace-plain/status 0
expect_hooks replace-plain/hooks "$HOOKS_PLAIN"
expect_links replace-plain/links-detached no
probe "$C1" host unix-connect stream "@$tag-s"
expect replace-plain/abstract-allowed ok "$REPLY"
probe "$C1" host socket raw4
expect replace-plain/raw-allowed ok "$REPLY"
probe "$C1" host connect tcp 127.0.0.1 9
expect replace-plain/plain-in-force EPERM "$REPLY"

jab attach --policy "$P_UNIX" --cgroup "$C1"
expect_rc replace-unix/status 0
expect_hooks replace-unix/hooks "$HOOKS_UNIX"
expect_links replace-unix/links-attached yes
probe "$C1" host unix-connect stream "@$tag-s"
expect replace-unix/abstract-refused EPERM "$REPLY"
probe "$C1" host socket ping4
expect replace-unix/ping-refused EPERM "$REPLY"

jab detach --cgroup "$C1"
expect_rc detach/status 0
no_pins detach/no-pins "$PD1"
probe "$C1" host unix-connect stream "@$tag-s"
expect detach/abstract-allowed ok "$REPLY"

# ---- path rules --------------------------------------------------------

ROWS=("allowed-path   host ok    ok unix-connect stream $work/allow.sock"
	"other-path     host EPERM ok unix-connect stream $work/other.sock"
	"denied-dir     host EPERM ok unix-connect stream $work/deny/s.sock"
	"abstract-unmatched host ok ok unix-connect stream @$tag-s"
	"raw-unmatched  host ok    ok socket raw4")
new_cg
jab attach --policy "$P_PATHS" --cgroup "$CG"
expect_rc paths/status 0
expect_hooks paths/hooks "$HOOKS_PLAIN,connect_unix,sendmsg_unix"
rows paths "$CG"

# ---- a jail pinned before these hooks ----------------------------------
#
# A jail-ai-block without them pinned gen_connect4 ... gen_egress only:
# the replace pins the new hooks' arrays before anything switches.

new_cg
jab attach --policy "$P_PLAIN" --cgroup "$CG"
setup rm -f "$PD/gen_connect_unix" "$PD/gen_sendmsg_unix" "$PD/gen_sock_create"
jab attach --policy "$P_UNIX" --cgroup "$CG"
expect_rc old-layout/replace 0
expect_hooks old-layout/hooks "$HOOKS_UNIX"
probe "$CG" host unix-connect stream "@$tag-s"
expect old-layout/abstract-refused EPERM "$REPLY"
probe "$CG" host socket raw6
expect old-layout/raw-refused EPERM "$REPLY"
probe "$CG" host connect tcp 127.0.0.1 9
expect old-layout/ip-rules-replaced ECONNREFUSED "$REPLY"
have=
for h in connect_unix sendmsg_unix sock_create; do
	[ -e "$PD/gen_$h" ] && have+=" $h"
done
expect old-layout/gen-pins " connect_unix sendmsg_unix sock_create" "${have:- none}"

# ---- a kernel before Linux 6.7 -----------------------------------------

msg="jail-ai-block: policy '$work/unix.jp' has Unix socket rules, but this kernel has no cgroup/connect_unix hook (Linux 6.7 or later): not attached"
new_cg
C5=$CG PD5=$PD
RC=$(
	LD_PRELOAD=$shim timeout 60 "$jab" attach --policy "$P_UNIX" --cgroup "$C5" \
		>"$work/out" 2>"$work/err" </dev/null
	echo $?
)
ERR=$(cat "$work/err") OUT=
expect_rc old-kernel/refused 1
expect old-kernel/message "$msg" "$ERR"
no_pins old-kernel/no-pins "$PD5"
probe "$C5" host unix-connect stream "@$tag-s"
expect old-kernel/unjailed ok "$REPLY"
probe "$C5" host connect tcp 127.0.0.1 9
expect old-kernel/unjailed-ip ECONNREFUSED "$REPLY"
# The shim is what refused: the same attach without it succeeds.
jab attach --policy "$P_UNIX" --cgroup "$C5"
expect_rc old-kernel/without-shim 0
jab detach --cgroup "$C5"

# A policy without Unix rules attaches as before, socket rules included
# (cgroup/sock_create is far older).
RC=$(
	LD_PRELOAD=$shim timeout 60 "$jab" attach --policy "$P_PLAIN" --cgroup "$C5" \
		>"$work/out" 2>"$work/err" </dev/null
	echo $?
)
ERR=$(cat "$work/err") OUT=
expect_rc old-kernel/plain-attaches 0
probe "$C5" host connect tcp 127.0.0.1 9
expect old-kernel/plain-in-force EPERM "$REPLY"
# A replace by the Unix policy is refused and the plain one stays.
RC=$(
	LD_PRELOAD=$shim timeout 60 "$jab" attach --policy "$P_UNIX" --cgroup "$C5" \
		>"$work/out" 2>"$work/err" </dev/null
	echo $?
)
ERR=$(cat "$work/err") OUT=
expect_rc old-kernel/replace-refused 1
expect_hooks old-kernel/plain-stays "$HOOKS_PLAIN"
probe "$C5" host connect tcp 127.0.0.1 9
expect old-kernel/plain-still-in-force EPERM "$REPLY"

# ---- a kernel without BTF ----------------------------------------------

new_cg
C6=$CG PD6=$PD
ERR=$(timeout 60 unshare -m sh -c 'mount --bind /dev/null /sys/kernel/btf/vmlinux && exec "$@"' \
	sh "$jab" attach --policy "$P_UNIX" --cgroup "$C6" 2>&1 </dev/null)
RC=$? OUT=
expect_rc no-btf/refused 1
case $ERR in
*"policy '$work/unix.jp' has Unix socket rules, but this kernel has no BTF"*"/sys/kernel/btf/vmlinux"*": not attached")
	ok no-btf/message ;;
*) nok no-btf/message "expected a message naming the kernel's BTF got '$ERR'" ;;
esac
no_pins no-btf/no-pins "$PD6"
probe "$C6" host unix-connect stream "@$tag-s"
expect no-btf/unjailed ok "$REPLY"

summary
