#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Crash tests of attach and replace: tests/kernel/crash.sh BUILD_DIR
#
# attach and replace promise (bpf/templates/jail_abi.h) that a crash at any
# point leaves the cgroup wholly under the old policy or wholly under the
# new one, that status says which, and that attaching again finishes the
# job.  This suite kills jail-ai-block with SIGKILL at every call of every
# syscall that changes the kernel's or bpffs's state and checks all three.
#
# The kill: strace -e inject=SYSCALL:signal=KILL:when=N stops the N-th
# call of SYSCALL at its entry and sends SIGKILL, so the call never runs
# and the process dies as if the machine had lost power just before it.
# N runs from 1 to the number of calls an uninjected run makes (counted
# with strace -c), every N, no sampling: one case per (scenario, syscall,
# N), named crash/SCENARIO/SYSCALL/N.  SYSCALL is each of bpf, mkdir,
# mkdirat, rmdir, rename, renameat, renameat2, unlink and unlinkat that
# the uninjected run makes at all (the others are named, with their zero
# count, on a "crash: SCENARIO: calls" line).
#
# Scenarios, each from fresh: a new cgroup, and the FROM policy attached
# (uninjected) before the killed run:
#   attach        no jail -> NEW (backstop on: five hooks)
#   replace-add   OLD (four hooks) -> NEW (backstop on: adds egress)
#   replace-drop  OLD (backstop on) -> NEW (no backstop: drops egress)
#   rollback      OLD, then a replace by NEW (backstop on) killed just
#                 after it pinned its egress link, then OLD again: the
#                 attach that follows a crash with another policy than
#                 the crashed one
#   unix-add      OLD (four hooks) -> NEW with `unix` and `socket` rules
#                 (adds connect_unix, sendmsg_unix, sock_create, their
#                 gen_ arrays and the second BPF object)
#   unix-drop     OLD with `unix` and `socket` rules -> NEW (backstop
#                 on: drops the three, adds egress)
#   unix-replace  OLD with `unix` rules -> NEW with `unix` rules
#
# The state is read from inside the cgroup, with packets to loopback only
# (127.0.0.0/8 and ::1, never another address): OLD denies port PA and
# 127.0.0.2, NEW port PB and 127.0.0.3, and a listener on 127.0.0.1 and ::1
# answers TCP and UDP on both ports.  Each hook is probed against both:
#   connect4  connect tcp 127.0.0.1     sendmsg4  sendto udp 127.0.0.1
#   connect6  connect tcp ::1           sendmsg6  sendto udp ::1
#   egress    rawping 127.0.0.2 / 127.0.0.3 (a raw socket passes no
#             socket-address hook, only the backstop)
#   connect_unix  unix-connect stream @TAG-a / @TAG-b
#   sendmsg_unix  unix-sendto dgram @TAG-da / @TAG-db
#   sock_create   socket ping4 (the policies with `socket` rules deny
#                 ping sockets, so it tells the hook on from off only)
# and says none (both pass), OLD (PA refused with EPERM) or NEW (PB
# refused).  The four socket-address hooks must agree, and each of the
# others must say what the policy in force does on it (none without it):
# anything else is a half jail, reported naming every hook's answer, the
# pin directory and bpftool's view of the cgroup.  status --json must name
# the same policy (its "policy" is the source file given to jailpolc) and
# its hooks, or list no entry for the cgroup (or one with a "state" other
# than "jailed") when no policy is in force.  Then attach of the scenario's
# target again must exit 0 and leave the target in force on every hook and
# in status, and detach must leave nothing in bpffs or on the cgroup.
# Across the N of one syscall the state may change once only, from FROM
# to the target (crash/SCENARIO/SYSCALL/one-switch).
#
# Prints "ok NAME" or "FAIL NAME: ..." per case and "N passed, N failed"
# last.  Exit 0 all passed, 1 any failure, 77 cannot run (the reason is
# printed).  Everything it makes is named after this shell's pid (cgroups
# <cgroup2 mount>/jailpol-crash-PID-N) and removed by an EXIT trap, also
# after a failure; it takes the kernel tests' lock (tests/lib/common.sh).
set -u

out=${1:-}
if [ -z "$out" ] || [ $# -ne 1 ]; then
	echo "usage: tests/kernel/crash.sh BUILD_DIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
SUITE=crash
out=$(cd "$out" 2>/dev/null && pwd) || { echo "crash: no build directory '$1'" >&2; exit 2; }

[ "$(id -u)" -eq 0 ] || cannot_run "needs root (cgroups, BPF)"
jab=$out/jail-ai-block
jailpolc=$out/jailpolc
np=$out/tests/netprobe
[ -x "$jab" ] || cannot_run "'$jab' is not built (make $jab)"
[ -x "$jailpolc" ] || cannot_run "'$jailpolc' is not built"
[ -x "$np" ] || cannot_run "'$np' is not built (make check-build)"
command -v strace >/dev/null || cannot_run "strace is not installed (make deps)"
command -v jq >/dev/null || cannot_run "jq is not installed (make deps)"
command -v flock >/dev/null || cannot_run "flock (util-linux) is not installed"
cg2=$(cg2_mount)
[ -n "$cg2" ] || cannot_run "no cgroup2 file system in /proc/self/mountinfo"
bpftool=$(command -v bpftool || true)
[ -n "$bpftool" ] || echo "crash: bpftool is not installed (make deps): checking pins only"
pins=/sys/fs/bpf/jailpol
if ! err=$(strace -f -qq -o /dev/null -e inject=getpid:error=ENOSYS true 2>&1); then
	cannot_run "strace cannot trace here: $err"
fi

kernel_lock

id=$$
tag=jpc$id
work=$(mktemp -d /tmp/jailpol-crash.XXXXXX)
ping_range=/proc/sys/net/ipv4/ping_group_range
old_ping_range=$(cat "$ping_range")

PIDS=() CGS=()
had_pin_root=no
[ -d "$pins" ] && had_pin_root=yes

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
	echo "$old_ping_range" >"$ping_range"
	[ $had_pin_root = no ] && rmdir "$pins" 2>/dev/null
	rm -rf "$work"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Cgroups of a run that was killed with SIGKILL (no trap ran): named after
# a pid that no longer runs.  The lock guarantees no other run uses them.
for name in "$cg2"/jailpol-crash-*-*; do
	[ -d "$name" ] || continue
	n=${name##*/jailpol-crash-}
	n=${n%%-*}
	kill -0 "$n" 2>/dev/null || cg_remove "$name"
done

# new_cg: a fresh cgroup under the cgroup2 mount; its path in CG, its id
# in CGID, its pin directory in PD.
ncg=0
new_cg() {
	ncg=$((ncg + 1))
	CG=$cg2/jailpol-crash-$id-$ncg
	CGS+=("$CG")
	setup mkdir "$CG"
	CGID=$(stat -c %i "$CG")
	PD=$pins/cg-$CGID
}

# start_listener [unix-listen] tcp|udp|stream|dgram ADDR [PORT]: the
# bound port in REPLY, once the listener has said "ready".
nl=0
start_listener() {
	local f w p i verb=listen
	[ "$1" = unix-listen ] && verb=$1 && shift
	nl=$((nl + 1))
	f=$work/listener.$nl
	: >"$f"
	"$np" "$verb" "$@" >"$f" 2>&1 </dev/null {lockfd}>&- &
	PIDS+=($!)
	for ((i = 0; i < 500; i++)); do
		read -r w p <"$f"
		[ "${w:-}" = ready ] && break
		kill -0 $! 2>/dev/null || break
		sleep 0.01
	done
	[ "${w:-}" = ready ] || stop setup "expected listener '$*' to be ready got: $(cat "$f")"
	REPLY=$p
}

# What a failure report shows of the jail: the pins and the programs.
evidence() {
	local e
	e="pins: $(find "$PD" -mindepth 1 -printf '%f ' 2>&1)"
	[ -n "$bpftool" ] && e+="; bpftool cgroup tree: $("$bpftool" cgroup tree "$CG" 2>&1 | tr -s ' \n' ' ')"
	REPLY=$e
}

# ---- listeners and policies -------------------------------------------

start_listener tcp 127.0.0.1 0
PA=$REPLY
start_listener tcp ::1 "$PA"
start_listener udp 127.0.0.1 "$PA"
start_listener udp ::1 "$PA"
start_listener tcp 127.0.0.1 0
PB=$REPLY
start_listener tcp ::1 "$PB"
start_listener udp 127.0.0.1 "$PB"
start_listener udp ::1 "$PB"
for n in a b; do
	start_listener unix-listen stream "@$tag-$n"
	start_listener unix-listen dgram "@$tag-d$n"
done
# The sock_create probe makes ping sockets (restored on exit).
setup sh -c "echo '0 2147483647' >$ping_range"

# Policy keys: old* say OLD, new* say NEW.
declare -A SRC BIN HOOKS BACKSTOP LABEL UNIX SOCK SAYS
policy() { # KEY LABEL BACKSTOP(on|off) PORT ADDR [UNIX-NAME SOCKET(on|off)]
	SRC[$1]=$work/crash-$1.jp
	BIN[$1]=$work/crash-$1.bin
	LABEL[$1]=$2
	BACKSTOP[$1]=$3
	UNIX[$1]=${6:+on} SOCK[$1]=${7:-off}
	UNIX[$1]=${UNIX[$1]:-off}
	HOOKS[$1]=connect4,connect6,sendmsg4,sendmsg6
	[ "$3" = on ] && HOOKS[$1]+=,egress
	[ "${UNIX[$1]}" = on ] && HOOKS[$1]+=,connect_unix,sendmsg_unix
	[ "${SOCK[$1]}" = on ] && HOOKS[$1]+=,sock_create
	printf 'default allow;\nbackstop %s;\ndeny port %s;\ndeny %s;\n' "$3" "$4" "$5" >"${SRC[$1]}"
	[ "${UNIX[$1]}" = on ] && printf 'deny unix { "@%s", "@%s" };\n' "$tag-$6" "$tag-d$6" >>"${SRC[$1]}"
	[ "${SOCK[$1]}" = on ] && printf 'deny socket ping;\n' >>"${SRC[$1]}"
	setup "$jailpolc" "${SRC[$1]}" -o "${BIN[$1]}"
}
policy old OLD off "$PA" 127.0.0.2
policy old-backstop OLD on "$PA" 127.0.0.2
policy new NEW on "$PB" 127.0.0.3
policy new-plain NEW off "$PB" 127.0.0.3
policy old-unix OLD off "$PA" 127.0.0.2 a on
policy old-unix-only OLD off "$PA" 127.0.0.2 a off
policy new-unix NEW off "$PB" 127.0.0.3 b on
policy new-unix-only NEW off "$PB" 127.0.0.3 b off

# ---- reading the state --------------------------------------------------

# The four socket-address hooks first: they must agree.
HOOK_NAMES=(connect4 connect6 sendmsg4 sendmsg6 egress connect_unix sendmsg_unix sock_create)
PROBE_OLD=("connect tcp 127.0.0.1 $PA" "connect tcp ::1 $PA" "sendto udp 127.0.0.1 $PA"
	"sendto udp ::1 $PA" "rawping 127.0.0.2" "unix-connect stream @$tag-a"
	"unix-sendto dgram @$tag-da" "socket ping4")
PROBE_NEW=("connect tcp 127.0.0.1 $PB" "connect tcp ::1 $PB" "sendto udp 127.0.0.1 $PB"
	"sendto udp ::1 $PB" "rawping 127.0.0.3" "unix-connect stream @$tag-b"
	"unix-sendto dgram @$tag-db" "socket ping4")

# hook_says HOOK OLD-ANSWER NEW-ANSWER: none, OLD, NEW or what the probes
# said.  A socket-address hook refuses with EPERM; what the backstop drops
# fails some way or other.  sock_create says only on (both refused) or
# none.
hook_says() {
	local a=$2 b=$3
	if [ "$1" = egress ]; then
		[ "$a" = ok ] || a=EPERM
		[ "$b" = ok ] || b=EPERM
	fi
	case $1:$a:$b in
	sock_create:EPERM:EPERM) REPLY=on; return ;;
	sock_create:ok:ok) REPLY=none; return ;;
	esac
	case $a:$b in
	ok:ok) REPLY=none ;;
	EPERM:ok) REPLY=OLD ;;
	ok:EPERM) REPLY=NEW ;;
	*) REPLY="?($2/$3)" ;;
	esac
}

# read_state: STATE none, OLD or NEW when the four socket-address hooks
# agree, "half" when not; SAYS[hook] what each of the others says; SAID
# every hook's answer.  The probes run at once.
read_state() {
	local i pids=()
	for i in "${!HOOK_NAMES[@]}"; do
		# shellcheck disable=SC2086 # word lists
		timeout 5 "$np" -t 1000 -c "$CG" ${PROBE_OLD[i]} >"$work/probe.$i.old" 2>&1 </dev/null {lockfd}>&- &
		pids+=($!)
		# shellcheck disable=SC2086
		timeout 5 "$np" -t 1000 -c "$CG" ${PROBE_NEW[i]} >"$work/probe.$i.new" 2>&1 </dev/null {lockfd}>&- &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	STATE="" SAID=""
	SAYS=()
	for i in "${!HOOK_NAMES[@]}"; do
		local o n
		o=$(head -n 1 "$work/probe.$i.old") n=$(head -n 1 "$work/probe.$i.new")
		hook_says "${HOOK_NAMES[i]}" "${o:-no output}" "${n:-no output}"
		SAID+="${SAID:+ }${HOOK_NAMES[i]}=$REPLY"
		if [ "$i" -ge 4 ]; then
			SAYS[${HOOK_NAMES[i]}]=$REPLY
		elif [ -z "$STATE" ]; then
			STATE=$REPLY
		elif [ "$STATE" != "$REPLY" ]; then
			STATE=half
		fi
	done
}

# read_status: STATUS "none" when status lists no policy in force on the
# cgroup, else "POLICY HOOKS" of its entry.
read_status() {
	jab status --json
	if [ "$RC" != 0 ]; then
		STATUS="status exited $RC: $ERR"
		return
	fi
	STATUS=$(jq -r --argjson id "$CGID" '[.[] | select(.cgroup_id == $id)] |
		if length == 0 then "none"
		elif length > 1 then "\(length) entries"
		else .[0] | if has("state") and .state != "jailed" then "none"
			else "\(.policy) \(.hooks | join(","))" end
		end' <<<"$OUT" 2>&1)
}

# check_state WHEN KEY... : the state must be that of one of the policy
# keys given ("none": no jail); problems are added to PROBLEMS.  Sets
# SEEN to the label of the state found.
check_state() {
	local when=$1 k want_status match= h
	declare -A want=()
	shift
	read_state
	read_status
	SEEN=$STATE
	for k in "$@"; do
		want=([egress]=none [connect_unix]=none [sendmsg_unix]=none [sock_create]=none)
		if [ "$k" = none ]; then
			[ "$STATE" = none ] || continue
			want_status=none
		else
			[ "$STATE" = "${LABEL[$k]}" ] || continue
			[ "${BACKSTOP[$k]}" = on ] && want[egress]=${LABEL[$k]}
			[ "${UNIX[$k]}" = on ] && want[connect_unix]=${LABEL[$k]} &&
				want[sendmsg_unix]=${LABEL[$k]}
			[ "${SOCK[$k]}" = on ] && want[sock_create]=on
			want_status="${SRC[$k]} ${HOOKS[$k]}"
		fi
		match=$k
		break
	done
	if [ "$STATE" = half ]; then
		PROBLEMS+=" $when: half jail: $SAID;"
	elif [ -z "$match" ]; then
		PROBLEMS+=" $when: expected the state of one of '$*' got $STATE ($SAID);"
	else
		for h in egress connect_unix sendmsg_unix sock_create; do
			[ "${SAYS[$h]}" = "${want[$h]}" ] ||
				PROBLEMS+=" $when: half jail: the socket-address hooks say $STATE, $h says ${SAYS[$h]}, expected ${want[$h]} ($SAID);"
		done
		[ "$STATUS" = "$want_status" ] ||
			PROBLEMS+=" $when: the hooks say $STATE, status says '$STATUS', expected '$want_status';"
	fi
	if [ -n "$PROBLEMS" ] && [ -z "${EVIDENCE:-}" ]; then
		evidence
		EVIDENCE=" [$when: $REPLY]"
	fi
}

# ---- one case -----------------------------------------------------------

# fresh FROM [PRE-KEY PRE-N]: a new cgroup with FROM attached ("none":
# nothing), then, if given, an attach of PRE-KEY killed at its PRE-N-th
# bpf call.
fresh() {
	new_cg
	[ "$1" = none ] && return 0
	jab attach --policy "${BIN[$1]}" --cgroup "$CG"
	[ "$RC" = 0 ] || stop setup "expected attach of '${BIN[$1]}' to exit 0 got $RC: $ERR"
	[ $# -eq 3 ] || return 0
	{ timeout 60 strace -f -qq -o /dev/null -e "inject=bpf:signal=KILL:when=$3" \
		"$jab" attach --policy "${BIN[$2]}" --cgroup "$CG" >/dev/null 2>&1 </dev/null; RC=$?; } 2>/dev/null
	[ "$RC" = 137 ] || stop setup "expected attach of '${BIN[$2]}' killed at bpf call $3 got exit $RC"
}

# finish_case NAME TO: attach TO again, expect TO everywhere, detach,
# expect nothing left; then report the case.
finish_case() {
	local name=$1 to=$2 left
	jab attach --policy "${BIN[$to]}" --cgroup "$CG"
	if [ "$RC" != 0 ]; then
		PROBLEMS+=" attach again: expected exit 0 got $RC: ${ERR//$'\n'/ };"
	else
		check_state "attach again" "$to"
	fi
	jab detach --cgroup "$CG"
	[ "$RC" = 0 ] || PROBLEMS+=" detach: expected exit 0 got $RC: ${ERR//$'\n'/ };"
	[ -e "$PD" ] && PROBLEMS+=" detach: expected no $PD got: $(find "$PD" -mindepth 1 -printf '%f ');"
	if [ -n "$bpftool" ]; then
		left=$("$bpftool" -j cgroup show "$CG" 2>&1)
		[ "$left" = "[]" ] || [ -z "$left" ] || PROBLEMS+=" detach: expected no programs on the cgroup got $left;"
	fi
	cg_remove "$CG"
	if [ -z "$PROBLEMS" ]; then
		ok "$name"
	else
		nok "$name" "${PROBLEMS# }${EVIDENCE:-}"
	fi
}

# ranges "N:STATE N:STATE ...": "STATE for N = A-B, ..." in REPLY.
ranges() {
	local e n st first='' last='' cur=''
	REPLY=
	for e in $1; do
		n=${e%%:*} st=${e#*:}
		if [ "$st" != "$cur" ]; then
			[ -n "$cur" ] && REPLY+="${REPLY:+, }$cur for N = $first-$last"
			cur=$st first=$n
		fi
		last=$n
	done
	[ -n "$cur" ] && REPLY+="${REPLY:+, }$cur for N = $first-$last"
}

# sweep NAME FROM TO [PRE-KEY PRE-N]: every syscall, every N.
sweep() {
	local name=$1 from=$2 to=$3 s n calls seq killed
	shift 3
	local pre=("$@")
	declare -A count=()

	# The uninjected run: a case of its own, and the counts.
	PROBLEMS="" EVIDENCE=""
	fresh "$from" "${pre[@]}"
	{ timeout 60 strace -f -qq -c -o "$work/count" "$jab" attach --policy "${BIN[$to]}" \
		--cgroup "$CG" >"$work/out" 2>"$work/err" </dev/null; RC=$?; } 2>/dev/null
	if [ "$RC" != 0 ]; then
		PROBLEMS+=" expected exit 0 got $RC: $(tr '\n' ' ' <"$work/err");"
	else
		check_state uninjected "$to"
	fi
	calls=
	for s in bpf mkdir mkdirat rmdir rename renameat renameat2 unlink unlinkat; do
		count[$s]=$(awk -v s="$s" '$NF == s { print $4 }' "$work/count")
		count[$s]=${count[$s]:-0}
		calls+=" $s=${count[$s]}"
	done
	echo "crash: $name: calls of an uninjected run:$calls"
	finish_case "crash/$name/uninjected" "$to"

	for s in bpf mkdir mkdirat rmdir rename renameat renameat2 unlink unlinkat; do
		[ "${count[$s]}" -gt 0 ] || continue
		seq=
		for ((n = 1; n <= count[$s]; n++)); do
			PROBLEMS="" EVIDENCE=""
			fresh "$from" "${pre[@]}"
			{ timeout 60 strace -f -qq -o /dev/null -e "inject=$s:signal=KILL:when=$n" \
				"$jab" attach --policy "${BIN[$to]}" --cgroup "$CG" \
				>"$work/out" 2>"$work/err" </dev/null; killed=$?; } 2>/dev/null
			case $killed in
			137) ;;
			0) echo "crash: $name: $s: the run completed before call $n (an uninjected run made ${count[$s]})" ;;
			*) PROBLEMS+=" expected the run killed (exit 137) got exit $killed: $(tr '\n' ' ' <"$work/err");" ;;
			esac
			check_state "killed" "$from" "$to"
			seq+="$n:${SEEN} "
			finish_case "crash/$name/$s/$n" "$to"
			[ "$killed" = 0 ] && break
		done
		# One switch: FROM's label up to some N, the target's after it.
		local f=${LABEL[$from]:-none} t=${LABEL[$to]} re
		re="^( [0-9]+:$f)*( [0-9]+:$t)* \$"
		if [[ " $seq" =~ $re ]]; then
			ok "crash/$name/$s/one-switch"
			ranges "$seq"
			echo "crash: $name: $s: killed before call N: $REPLY"
		else
			nok "crash/$name/$s/one-switch" "expected $f up to some N, then $t, got: ${seq% }"
		fi
	done
}

# ---- scenarios ----------------------------------------------------------

sweep attach none new
sweep replace-add old new
sweep replace-drop old-backstop new-plain
# The unix-* scenarios need the cgroup Unix socket hooks (Linux 6.7+)
# and kernel BTF: on a kernel without them attach refuses their policies
# (tests/kernel/unix.sh checks how), and they are left out, said so.
new_cg
jab attach --policy "${BIN[old-unix]}" --cgroup "$CG"
unix_rc=$RC unix_err=$ERR
cg_remove "$CG"
if [ "$unix_rc" = 0 ]; then
	sweep unix-add old new-unix
	sweep unix-drop old-unix new
	sweep unix-replace old-unix-only new-unix-only
elif [[ $unix_err = *"has Unix socket rules, but this kernel has no "*": not attached" ]]; then
	echo "crash: the unix-* scenarios do not run here: ${unix_err#jail-ai-block: }"
else
	stop setup "expected attach of '${BIN[old-unix]}' to exit 0 got $RC: $unix_err"
fi

# rollback: the replace old -> new killed at the first bpf call after the
# one that pins its egress link (found in an uninjected trace), then old
# again.
new_cg
jab attach --policy "${BIN[old]}" --cgroup "$CG"
[ "$RC" = 0 ] || stop setup "expected attach of '${BIN[old]}' to exit 0 got $RC: $ERR"
setup strace -f -qq -o "$work/trace" -e trace=bpf "$jab" attach --policy "${BIN[new]}" --cgroup "$CG"
cg_remove "$CG"
pin_at=$(awk '/bpf\(/ { n++ } /bpf\(BPF_OBJ_PIN, .*link_egress/ { print n; exit }' "$work/trace")
[ -n "$pin_at" ] || stop setup "expected a bpf(BPF_OBJ_PIN, ...link_egress...) in: $(head -c 2000 "$work/trace")"
fresh old new $((pin_at + 1))
if [ -e "$PD/link_egress" ]; then
	ok crash/rollback/setup
else
	nok crash/rollback/setup "expected $PD/link_egress after the kill at bpf call $((pin_at + 1)) got: $(find "$PD" -mindepth 1 -printf '%f ')"
fi
cg_remove "$CG"
sweep rollback old old new $((pin_at + 1))

summary
