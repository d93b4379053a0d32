#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make demo: the main job on policies/default.jp.  Compile it, ask it about
# three destinations, then jail real commands: connections the kernel
# refuses (the host's loopback, a host process's abstract Unix socket) and
# one it lets through (a container's own loopback, in a network namespace
# made for the demo).  Needs root; sends packets only over loopback.  Exits
# non-zero if the kernel does not refuse the ones and allow the other.
set -eu
out=$1
jailpolc=$out/jailpolc
jab=$out/jail-ai-block
np=$out/tests/netprobe
bin=$out/policy.bin
ns=jailpol-demo-$$
lpid=""
upid=""

cleanup() {
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
	[ -n "$upid" ] && kill "$upid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null || true
	rm -f "$out/demo-listen.out" "$out/demo-show.out" "$out/demo-unix.out"
}
trap cleanup EXIT

# quote WORD: WORD as a shell reads it back, single-quoted unless it is
# plain.
quote() {
	case $1 in
	'' | *[!A-Za-z0-9_@%+=:,./-]*) printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
	*) printf '%s' "$1" ;;
	esac
}

# show CMD ARGS...: print the command as a user would type it (ready to
# copy and paste), run it; its last output line is left in REPLY, its exit
# status returned.
show() {
	local a line='$' rc
	for a in "$@"; do
		line="$line $(quote "$a")"
	done
	printf '\n%s\n' "$line"
	"$@" 2>&1 | tee "$out/demo-show.out"
	rc=${PIPESTATUS[0]}
	REPLY=$(tail -n 1 "$out/demo-show.out")
	return "$rc"
}

show "$jailpolc" policies/default.jp -o "$bin"
for dest in 169.254.169.254:80/tcp '[::ffff:127.0.0.1]:22/tcp' 1.1.1.1:443/tcp; do
	show "$jailpolc" "$bin" --explain "$dest"
done

if [ "$(id -u)" -ne 0 ]; then
	echo; echo "(run as root to see the kernel enforce it)"
	exit 0
fi

# A server on the host's loopback, which the agent must not reach.
"$np" listen tcp 127.0.0.1 0 >"$out/demo-listen.out" &
lpid=$!
for _ in $(seq 50); do grep -q ready "$out/demo-listen.out" 2>/dev/null && break; sleep 0.1; done
port=$(awk '/ready/ {print $2}' "$out/demo-listen.out")

printf '\n# a server listens on the host at 127.0.0.1:%s; outside the jail it answers:' "$port"
show "$np" connect tcp 127.0.0.1 "$port" || true
outside=$REPLY
printf '\n# inside the jail the kernel refuses the connect() with EPERM:'
show "$jab" exec --policy "$bin" -- "$np" connect tcp 127.0.0.1 "$port" || true
refused=$REPLY
# A host process listening on an abstract Unix socket, as an X server,
# D-Bus or containerd-shim do: no file needed to reach it.
uname="@jailpol-demo-$$"
"$np" unix-listen stream "$uname" >"$out/demo-unix.out" &
upid=$!
for _ in $(seq 50); do grep -q ready "$out/demo-unix.out" 2>/dev/null && break; sleep 0.1; done
printf '\n# a host process listens on the abstract Unix socket %s; outside the jail it answers:' "$uname"
show "$np" unix-connect stream "$uname" || true
unix_outside=$REPLY
printf '\n# inside the jail (same network namespace, no mount needed) the kernel refuses it:'
show "$jab" exec --policy "$bin" -- "$np" unix-connect stream "$uname" || true
unix_refused=$REPLY
printf '\n# a container with its own network namespace keeps its own loopback:'
ip netns add "$ns"
ip -n "$ns" link set lo up
show "$jab" exec --policy "$bin" -- ip netns exec "$ns" sh -c \
	'"$0" listen tcp 127.0.0.1 8080 >/dev/null & sleep 0.2; "$0" connect tcp 127.0.0.1 8080; kill $!' \
	"$np" || true
allowed=$REPLY

# The refusal counts only if the same connection works without the jail.
if [ "$outside" != ok ] || [ "$refused" != EPERM ] || [ "$allowed" != ok ]; then
	printf '\ndemo: expected ok, EPERM and ok (outside the jail, the host loopback and a container loopback in it), got %s, %s and %s\n' \
		"$outside" "$refused" "$allowed" >&2
	exit 1
fi
if [ "$unix_outside" != ok ] || [ "$unix_refused" != EPERM ]; then
	printf '\ndemo: expected ok and EPERM (the host abstract socket outside and inside the jail), got %s and %s\n' \
		"$unix_outside" "$unix_refused" >&2
	exit 1
fi
