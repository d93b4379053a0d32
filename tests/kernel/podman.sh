#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# jail-ai-block under a real container engine: tests/kernel/podman.sh BUILD_DIR
#
# Rootful podman with runc and a busybox root file system (no registry),
# with a private configuration and storage (tests/lib/podman.sh).  The OCI
# hook is installed from the shipped examples/oci-hooks.d files (their path
# and policy directory rewritten to this build), so what is tested is what
# a user installs.  From inside the containers, with netprobe linked
# statically into the rootfs:
#
#   - the host's loopback through slirp4netns (10.0.2.2 is the host's
#     127.0.0.1), from the entrypoint's first connect() on;
#   - in a network namespace this script makes (podman --network ns:...),
#     routed to a peer namespace of its own: cloud metadata 169.254.169.254
#     (held by the peer, with a UDP echo) and an address of the host's own
#     (on a host-side veth of this run; probed by UDP connect(), which sends
#     nothing) are refused, an allowed peer 10.99.x.1 is reached;
#   - a stop/start and a restart are jailed again (a new cgroup each time),
#     status follows the live cgroup, and after podman rm nothing is left
#     in bpffs or in status;
#   - the annotation-gated hook: a container without the annotation runs
#     unjailed (the control that shows each probe would pass), one with it
#     is jailed, one naming a missing policy does not start;
#   - a jailed parent cgroup (podman --cgroup-parent) jails containers
#     created under it, with no hook;
#   - README.md's "With the OCI hook" commands as written (make install,
#     the hook in /etc/containers/oci/hooks.d, the containers.conf.d
#     drop-in), in a mount namespace whose /etc and /usr/local are
#     overlays: the container is jailed from its first connect(), and
#     without the drop-in podman never reads the hook (the control);
#   - podman run -d, then attach --pid: the TCP connection and connected
#     UDP socket the container made to the host's loopback before the
#     attach are revoked by it.
#
# Network safety: no bridge network (the private configuration has no CNI
# plugins; podman_cleanup checks ip_forward), packets only to loopback and
# to this run's namespaces.  Everything is removed by an EXIT trap.  Prints
# "ok NAME" / "FAIL NAME: ..." and "N passed, N failed"; exit 0, 1, or 77.
set -u

out=${1:-}
if [ -z "$out" ] || [ $# -ne 1 ]; then
	echo "usage: tests/kernel/podman.sh BUILD_DIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/../lib/common.sh"
SUITE=podman
. "$here/../lib/podman.sh"
out=$(cd "$out" 2>/dev/null && pwd) || { echo "podman: no build directory '$1'" >&2; exit 2; }

why=$(podman_available slirp4netns jq) || cannot_run "$why"
jab=$out/jail-ai-block
np=$out/tests/netprobe
for f in "$jab" "$out/jailpolc" "$np" "$out/tests/netprobe-static"; do
	[ -x "$f" ] || cannot_run "'$f' is not built (make check-build)"
done
cg2=$(cg2_mount)
pins=/sys/fs/bpf/jailpol

kernel_lock

id=$$
tag=jpp$id
work=$(mktemp -d /tmp/jailpol-podman-test.XXXXXX)
PIDS=() NSS=() LINKS=() CGS=() SEEN_IDS=()
had_pin_root=no
[ -d "$pins" ] && had_pin_root=yes

cleanup() {
	local rc=$? i
	trap - EXIT INT TERM
	podman_cleanup || echo "podman: cleanup of podman was not complete" >&2
	for i in "${PIDS[@]}"; do
		kill "$i" 2>/dev/null
		wait "$i" 2>/dev/null
	done
	for i in "${CGS[@]}"; do
		timeout 10 "$jab" detach --cgroup "$i" >/dev/null 2>&1 </dev/null
		podman_rm_cgroup "$i"
	done
	for i in "${SEEN_IDS[@]}"; do
		[ -e "$pins/cg-$i" ] && timeout 10 "$jab" detach --id "$i" >/dev/null 2>&1 </dev/null
	done
	for i in "${LINKS[@]}"; do
		ip link del "$i" 2>/dev/null
	done
	for i in "${NSS[@]}"; do
		ip netns del "$i" 2>/dev/null
	done
	[ $had_pin_root = no ] && rmdir "$pins" 2>/dev/null
	rm -rf "$work"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

expect() { # NAME EXPECTED GOT
	if [ "$3" = "$2" ]; then ok "$1"; else nok "$1" "expected $2 got $3"; fi
}

# trun SECONDS [RUN OPTIONS...] -- CMD [ARG...]: jp_podman_run under a
# timeout (podman_setup exported the private configuration; the cgroup
# parent is podman_setup's unless the options name one).
trun() {
	local t=$1 opts=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	[[ " ${opts[*]} " == *" --cgroup-parent "* ]] || opts+=(--cgroup-parent "$PODMAN_CGPARENT")
	timeout "$t" podman run "${opts[@]}" --rootfs "$PODMAN_ROOTFS" "$@"
}

# inside CONTAINER PROBE...: netprobe inside a running container; the first
# line of its answer in REPLY.
inside() {
	local c=$1
	shift
	# podman's warnings go to stderr (on a cgroup2-only view of a hybrid
	# host it warns about conmon's cgroup): the answer is on stdout.
	REPLY=$(timeout 20 podman exec "$c" /bin/netprobe -t 1500 "$@" 2>"$work/exec.err" </dev/null)
	REPLY=${REPLY%%$'\n'*}
	[ -n "$REPLY" ] || REPLY="no output ($(tr '\n' ' ' <"$work/exec.err"))"
}

# The cgroup id of a running container, remembered for the cleanup.
ctr_cgid() {
	local d
	d=$(podman_cgroup2 "$1") && [ -d "$d" ] || { REPLY=; return 1; }
	REPLY=$(stat -c %i "$d")
	SEEN_IDS+=("$REPLY")
}

expect_jailed() { # NAME CGID
	local got
	got=$(status_of "$2")
	if jq -e '.state == "jailed" and (.policy | endswith("default.jp"))' <<<"$got" >/dev/null 2>&1; then
		ok "$1"
	else
		nok "$1" "expected cgroup id $2 jailed by default.jp in status got '${got:-no entry}'"
	fi
}

expect_gone() { # NAME CGID...: no pins and no status entry for any of them
	local name=$1 left= i
	shift
	for i in "$@"; do
		[ -e "$pins/cg-$i" ] && left+=" pins of $i"
		[ -n "$(status_of "$i")" ] && left+=" status entry of $i"
	done
	if [ -z "$left" ]; then ok "$name"; else nok "$name" "expected nothing left got:$left"; fi
}

podman_setup "$work/podman" 2>"$work/setup.err" || stop setup "podman_setup: $(cat "$work/setup.err")"
setup cp "$out/tests/netprobe-static" "$PODMAN_ROOTFS/bin/netprobe"

# The network: netns C (given to containers) -- veth -- netns P (the peer,
# which also holds 169.254.169.254 with a UDP echo); a host-side veth of
# this run holds a host address, HOSTADDR, in the host's netns.
NS_C=$tag-c NS_P=$tag-p
HOSTADDR=198.18.99.1
setup ip netns add "$NS_C"
NSS+=("$NS_C")
setup ip netns add "$NS_P"
NSS+=("$NS_P")
setup ip -n "$NS_C" link add "${tag}c" type veth peer name "${tag}p" netns "$NS_P"
setup ip -n "$NS_C" addr add 10.99.0.2/24 dev "${tag}c"
setup ip -n "$NS_C" link set "${tag}c" up
setup ip -n "$NS_C" link set lo up
setup ip -n "$NS_C" route add default via 10.99.0.1
setup ip -n "$NS_P" addr add 10.99.0.1/24 dev "${tag}p"
setup ip -n "$NS_P" addr add 169.254.169.254/32 dev "${tag}p"
setup ip -n "$NS_P" link set "${tag}p" up
setup ip link add "${tag}h" type veth peer name "${tag}i" netns "$NS_P"
LINKS+=("${tag}h")
setup ip addr add "$HOSTADDR/32" dev "${tag}h"

# start_listener NETNS|host tcp|udp ADDR [VERB]: a netprobe listen (or
# VERB: echo) server; the port in REPLY.
nl=0
start_listener() {
	local ns=$1 f i a=() verb=${4:-listen}
	shift
	nl=$((nl + 1))
	f=$work/listen$nl
	[ "$ns" = host ] || a=(-n "$ns")
	: >"$f"
	"$np" "${a[@]}" "$verb" "$1" "$2" 0 >"$f" 2>&1 </dev/null &
	PIDS+=($!)
	for ((i = 0; i < 100; i++)); do
		grep -q '^ready' "$f" && break
		sleep 0.05
	done
	REPLY=$(sed -n 's/^ready //p' "$f")
	[ -n "$REPLY" ] || stop setup "listener $* in $ns did not start: $(cat "$f")"
}
start_listener host tcp 127.0.0.1
PLO=$REPLY
start_listener "$NS_P" tcp 10.99.0.1
PPEER=$REPLY
start_listener "$NS_P" udp 169.254.169.254
PMETA=$REPLY
start_listener host tcp 127.0.0.1 echo
PECHO=$REPLY
start_listener host udp 127.0.0.1
PUDP=$REPLY

# The policies the hook attaches by name, and the shipped hook files with
# this build's binary and policy directory.
mkdir -p "$work/policies"
setup "$out/jailpolc" "$repo/policies/default.jp" -o "$work/policies/default.bin"
install_hook() { # EXAMPLE-FILE
	jq --arg p "$jab" --arg d "$work/policies" \
		'.hook.path = $p | .hook.args += ["--policy-dir", $d]' \
		"$repo/examples/oci-hooks.d/$1" >"$PODMAN_HOOKS/$1" ||
		stop setup "cannot install the hook $1"
}
remove_hooks() { rm -f "$PODMAN_HOOKS"/*.json; }

# The probes of a container in netns C, each with what a jailed container
# gets; an unjailed one gets the control's answers.
probe_all() { # PREFIX CONTAINER JAILED(yes|no)
	local want_meta=ok want_host=ok
	[ "$3" = yes ] && want_meta=EPERM want_host=EPERM
	inside "$2" connect udp 169.254.169.254 "$PMETA"
	expect "$1/metadata_udp" "$want_meta" "$REPLY"
	inside "$2" connect-only udp "$HOSTADDR" 53
	expect "$1/host_address_udp" "$want_host" "$REPLY"
	inside "$2" connect tcp 10.99.0.1 "$PPEER"
	expect "$1/allowed_peer_tcp" ok "$REPLY"
	inside "$2" connect tcp 127.0.0.1 1
	expect "$1/own_loopback_tcp" ECONNREFUSED "$REPLY"
}

# 1. Every container (jailpol.json, when.always, the default policy).
install_hook jailpol.json

# The entrypoint connects to the host's loopback (10.0.2.2 through
# slirp4netns) in a loop, from its first instruction: every attempt is
# refused, the first included.
LOOP='i=0; while [ $i -lt 20 ]; do /bin/netprobe -t 500 connect tcp 10.0.2.2 '$PLO'; i=$((i+1)); done'
OUT=$(trun 120 --rm --network slirp4netns:allow_host_loopback=true \
	-- /bin/sh -c "$LOOP" 2>"$work/run.err" </dev/null)
RC=$?
expect first-instruction/rc 0 "$RC"
expect first-instruction/first-attempt EPERM "$(head -n 1 <<<"$OUT")"
expect first-instruction/all-refused 20 "$(grep -cx EPERM <<<"$OUT")"

setup jp_podman_run -d --name "${tag}-a" --network "ns:/run/netns/$NS_C" -- /bin/sleep 600
ctr_cgid "${tag}-a" || stop setup "no cgroup for ${tag}-a"
A1=$REPLY
probe_all hook/run "${tag}-a" yes
expect_jailed hook/run/status "$A1"

# Stop: poststop removes the jail of the gone cgroup.  Start: a new
# cgroup, jailed again.
setup jp_podman stop -t 0 "${tag}-a"
expect_gone hook/stop/cleaned "$A1"
setup jp_podman start "${tag}-a"
ctr_cgid "${tag}-a" || stop setup "no cgroup for ${tag}-a after start"
A2=$REPLY
if [ "$A2" != "$A1" ]; then ok hook/start/new-cgroup; else nok hook/start/new-cgroup "expected a new cgroup id got $A2 again"; fi
probe_all hook/start "${tag}-a" yes
expect_jailed hook/start/status "$A2"
setup jp_podman restart -t 0 "${tag}-a"
ctr_cgid "${tag}-a" || stop setup "no cgroup for ${tag}-a after restart"
A3=$REPLY
probe_all hook/restart "${tag}-a" yes
expect_jailed hook/restart/status "$A3"
expect_gone hook/restart/old-cleaned "$A2"
setup jp_podman rm -f -t 0 "${tag}-a"
# podman rm runs the cleanup (poststop) before it returns, or conmon does
# right after: wait for it a little.
for ((i = 0; i < 50; i++)); do
	[ -e "$pins/cg-$A3" ] || break
	sleep 0.1
done
expect_gone hook/rm/nothing-left "$A1" "$A2" "$A3"

# 2. The annotation-gated hook.
remove_hooks
install_hook jailpol-annotated.json
setup jp_podman_run -d --name "${tag}-n" --network "ns:/run/netns/$NS_C" -- /bin/sleep 600
ctr_cgid "${tag}-n" || stop setup "no cgroup for ${tag}-n"
N1=$REPLY
probe_all annotated/without "${tag}-n" no
expect annotated/without/status "" "$(status_of "$N1")"
setup jp_podman rm -f -t 0 "${tag}-n"
setup jp_podman_run -d --name "${tag}-y" --annotation io.jailpol.policy=default \
	--network "ns:/run/netns/$NS_C" -- /bin/sleep 600
ctr_cgid "${tag}-y" || stop setup "no cgroup for ${tag}-y"
Y1=$REPLY
probe_all annotated/with "${tag}-y" yes
expect_jailed annotated/with/status "$Y1"
setup jp_podman rm -f -t 0 "${tag}-y"

# A policy that is not there: the hook fails, the container never runs its
# entrypoint, podman says why.
OUT=$(trun 120 --rm --annotation io.jailpol.policy=missing --network none \
	-- /bin/echo ENTRYPOINT-RAN 2>&1 </dev/null)
RC=$?
if [ "$RC" -ne 0 ]; then ok hook-fails/refused; else nok hook-fails/refused "expected podman run to fail got 0: $OUT"; fi
case $OUT in
*ENTRYPOINT-RAN*) nok hook-fails/not-started "the entrypoint ran: $OUT" ;;
*) ok hook-fails/not-started ;;
esac
case $OUT in
*"$work/policies/missing.bin"*) ok hook-fails/message ;;
*) nok hook-fails/message "expected the message to name missing.bin got: $OUT" ;;
esac
for ((i = 0; i < 50; i++)); do
	[ -z "$(jp_podman ps -a -q 2>/dev/null)" ] && break
	sleep 0.1
done

# 3. A jailed parent, no hook: containers created under it are jailed from
# their first instruction.
remove_hooks
PARENT=/jailpol-podman-parent-$id
CGS+=("$PARENT")
setup mkdir "$cg2$PARENT"
setup "$jab" attach --policy "$work/policies/default.bin" --cgroup "$PARENT"
OUT=$(trun 120 --rm --cgroup-parent "$PARENT" \
	--network slirp4netns:allow_host_loopback=true -- /bin/sh -c "$LOOP" 2>"$work/run.err" </dev/null)
expect parent/first-attempt EPERM "$(head -n 1 <<<"$OUT")"
expect parent/all-refused 20 "$(grep -cx EPERM <<<"$OUT")"
setup jp_podman_run -d --name "${tag}-p" --cgroup-parent "$PARENT" \
	--network "ns:/run/netns/$NS_C" -- /bin/sleep 600
probe_all parent/run "${tag}-p" yes
setup jp_podman rm -f -t 0 "${tag}-p"

# 4. README.md's "With the OCI hook" commands, as written, in a mount
# namespace of their own whose /etc and /usr/local are overlays: the
# commands write there, and the machine's own files stay as they were.
# podman there has no CONTAINERS_CONF: it reads the machine's
# containers.conf files, then /etc/containers/containers.conf.d, where
# this run puts its private settings (podman_setup's file without its
# hooks_dir) beside whatever the commands installed.  Every command of the
# block runs but the interactive `podman run`, whose annotation and
# options this run keeps and whose command becomes the connect loop.
# The control: the same without the README's containers.conf.d file,
# where podman 4.3.1 never reads /etc/containers/oci/hooks.d and the
# container reaches the host's loopback.
readme_block=$(sed -n '/^\*\*With the OCI hook\*\*/,/^```$/p' "$repo/README.md" |
	sed -n '/^```sh$/,/^```$/p' | sed '1d;$d')
readme_run=$(grep '^podman run .* --rootfs ROOTFS /bin/sh$' <<<"$readme_block")
readme_cmds=$(grep -v '^podman ' <<<"$readme_block")
[ -n "$readme_run" ] && [ -n "$readme_cmds" ] ||
	stop setup "README.md's 'With the OCI hook' block has no commands and 'podman run ... --rootfs ROOTFS /bin/sh' line"
readme() { # yes|no: whether the README's containers.conf.d file stays
	local up=$work/readme-$1
	mkdir -p "$up"/{etc,etc.w,local,local.w} || return 1
	REPO=$repo UP=$up KEEP=$1 CMDS=$readme_cmds CONF=$PODMAN_WORK/containers.conf \
		RUN="${readme_run% --rootfs ROOTFS /bin/sh} --cgroup-parent $PODMAN_CGPARENT" \
		CGP=$PODMAN_CGPARENT ROOTFS=$PODMAN_ROOTFS LOOP=$LOOP OUTPUT=$out \
		timeout 600 unshare -m --propagation private bash -c '
		set -u
		unset CONTAINERS_CONF
		mount -t overlay overlay -o "lowerdir=/etc,upperdir=$UP/etc,workdir=$UP/etc.w" /etc &&
			mount -t overlay overlay -o "lowerdir=/usr/local,upperdir=$UP/local,workdir=$UP/local.w" \
				/usr/local || { echo "setup: no overlays on /etc and /usr/local"; exit 1; }
		cd "$REPO" || exit 1
		while IFS= read -r c; do
			eval "$c" >>"$UP/commands.log" 2>&1 </dev/null || { echo "command failed: $c"; exit 1; }
		done <<<"$CMDS"
		mkdir -p /etc/containers/containers.conf.d &&
			grep -v "^hooks_dir" "$CONF" >/etc/containers/containers.conf.d/00-jailpol-test.conf || exit 1
		[ "$KEEP" = yes ] || rm /etc/containers/containers.conf.d/50-jailpol-hooks.conf || exit 1
		podman --log-level=debug run --rm --network none --cgroup-parent "$CGP" \
			--rootfs "$ROOTFS" /bin/true 2>&1 </dev/null | grep -o "reading hooks from [^\"]*"
		timeout 120 $RUN --network slirp4netns:allow_host_loopback=true --rootfs "$ROOTFS" \
			/bin/sh -c "$LOOP" 2>>"$UP/run.err" </dev/null
		# The stop runs poststop (conmon starts it): wait for it here.
		for i in $(seq 100); do
			[ -z "$(podman ps -a -q 2>/dev/null </dev/null)" ] && break
			sleep 0.1
		done'
}
left_under_parent() { # the status entries of cgroups under PODMAN_CGPARENT
	"$jab" status --json 2>/dev/null </dev/null |
		jq -r --arg p "$PODMAN_CGPARENT/" '.[] | select(.cgroup | startswith($p)) | .cgroup'
}
readme_files() { # what the README's commands write outside the overlays' view
	ls -d /etc/jailpol /etc/containers/containers.conf.d /etc/containers/oci/hooks.d \
		/usr/local/bin/jail-ai-block /usr/local/bin/jailpolc 2>/dev/null | tr '\n' ' '
}
readme_before=$(readme_files)
OUT=$(readme yes)
expect readme/reads-etc-hooks-dir "reading hooks from /etc/containers/oci/hooks.d" \
	"$(grep -x 'reading hooks from /etc/containers/oci/hooks.d' <<<"$OUT")"
expect readme/first-attempt EPERM "$(grep -v '^reading hooks' <<<"$OUT" | head -n 1)"
expect readme/all-refused 20 "$(grep -cx EPERM <<<"$OUT")"
expect readme/rm/nothing-left "" "$(left_under_parent)"
OUT=$(readme no)
expect readme/control/reads-etc-hooks-dir "" "$(grep -x 'reading hooks from /etc/containers/oci/hooks.d' <<<"$OUT")"
expect readme/control/first-attempt ok "$(grep -v '^reading hooks' <<<"$OUT" | head -n 1)"
expect readme/machine-untouched "$readme_before" "$(readme_files)"

# 5. podman run -d, then attach --pid: what the container connected in the
# window before the jail is revoked by the attach.  The container holds a
# TCP connection and a connected UDP socket to the host's loopback
# (10.0.2.2 through slirp4netns, a round trip each), then probes both
# again once /tmp/go exists.
HOLD='go() { while [ ! -e /tmp/go ]; do sleep 0.05; done; echo x; }
go | /bin/netprobe -t 1500 hold tcp 10.0.2.2 '$PECHO' >/tmp/tcp.out 2>&1 &
go | /bin/netprobe -t 1500 hold udp 10.0.2.2 '$PUDP' >/tmp/udp.out 2>&1 &
wait; sleep 600'
setup jp_podman_run -d --name "${tag}-w" --network slirp4netns:allow_host_loopback=true \
	-- /bin/sh -c "$HOLD"
for ((i = 0; i < 100; i++)); do
	t=$(timeout 10 podman exec "${tag}-w" cat /tmp/tcp.out /tmp/udp.out 2>/dev/null </dev/null | grep -c '^ok$')
	[ "$t" = 2 ] && break
	sleep 0.1
done
expect window/connected-before 2 "$t"
W_PID=$(jp_podman inspect -f '{{.State.Pid}}' "${tag}-w" 2>/dev/null)
ctr_cgid "${tag}-w" || stop setup "no cgroup for ${tag}-w"
jab attach --policy "$work/policies/default.bin" --pid "$W_PID"
expect_rc window/attach 0
case $ERR in
*", 2 sockets revoked"*) ok window/attach/count ;;
*) nok window/attach/count "expected ', 2 sockets revoked' got '$ERR'" ;;
esac
setup timeout 10 podman exec "${tag}-w" touch /tmp/go
for ((i = 0; i < 100; i++)); do
	t=$(timeout 10 podman exec "${tag}-w" cat /tmp/tcp.out 2>/dev/null </dev/null | sed -n 2p)
	u=$(timeout 10 podman exec "${tag}-w" cat /tmp/udp.out 2>/dev/null </dev/null | sed -n 2p)
	[ -n "$t" ] && [ -n "$u" ] && break
	sleep 0.1
done
expect window/tcp-after ECONNABORTED "$t"
expect window/udp-after EDESTADDRREQ "$u"
timeout 10 "$jab" detach --pid "$W_PID" >/dev/null 2>&1 </dev/null
setup jp_podman rm -f -t 0 "${tag}-w"

# The control: the same loop with no hook and no jailed parent reaches the
# host's loopback (so the refusals above are the jail's).
OUT=$(trun 120 --rm --network slirp4netns:allow_host_loopback=true \
	-- /bin/sh -c "$LOOP" 2>"$work/run.err" </dev/null)
expect control/first-attempt ok "$(head -n 1 <<<"$OUT")"

summary
