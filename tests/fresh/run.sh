#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The fresh-machine check: tests/fresh/run.sh [REV]   (make check-fresh)
#
# Does what a new user does on a fresh Debian 12 machine: a minbase
# bookworm root (debootstrap, plus git and ca-certificates to clone), the
# commit under test cloned into it, then the README's first two commands,
# read from that commit's README.md and run as written, as root.  It passes
# only if command 1 exits 0 and shows a refused and an allowed connection,
# and command 2 exits 0 ending with "N passed, 0 failed, 0 skipped".
#
# The root is entered in private mount, PID and cgroup namespaces with
# pivot_root (a chroot would refuse the user namespaces the bypass matrix
# makes).  It gets fresh /proc, /sys, /dev, /run, cgroup2 and bpffs mounts
# of its own and no bind mount of any host directory, so nothing mounted
# inside can outlive the run or reach a host file; its processes die with
# its PID namespace, the cgroups its tests make with its cgroup (a child of
# the cgroup2 root, jailpol-fresh.PID), its pins with its bpffs.  It shares the host's network namespace: apt-get fetches from
# the mirror that this machine's own apt sources name (read at run time).
#
# REV (default HEAD) is a ref of this repository (a branch, a tag, HEAD);
# uncommitted changes are not part of the check.  The debootstrap tarball is cached in
# $JAILPOL_FRESH_CACHE (default /var/cache/jailpol/fresh) and made again
# when it is older than 30 days.  The session inside (both commands: the
# install and build, then the whole suite, whose crash suite alone runs
# some 1,360 cases, each attaching about three times) is bounded by
# $JAILPOL_FRESH_TIMEOUT seconds, default 3600: well over what it takes on
# this project's 2-core VM, so that only a hang ends it.  Needs root, debootstrap and util-linux's
# unshare (make deps-fresh).  Exit 0 passed, 1 failed, 77 cannot run.
set -euo pipefail

if [ "${1:-}" = --enter ]; then
	# In the new mount and PID namespaces: mount what a booted Debian 12
	# has, pivot into the root and run the user's session there.
	root=$2
	mount --bind "$root" "$root"
	mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
	mount -t sysfs -o nosuid,nodev,noexec sysfs "$root/sys"
	mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$root/sys/fs/cgroup"
	mount -t bpf -o nosuid,nodev,noexec,mode=700 bpf "$root/sys/fs/bpf"
	mount -t tmpfs -o nosuid,mode=755 tmpfs "$root/run"
	mkdir -m 1777 "$root/run/lock"
	# /dev: a tmpfs with the usual nodes, not the host's devtmpfs (whose
	# nodes a test could remove).
	mount -t tmpfs -o nosuid,mode=755 tmpfs "$root/dev"
	for node in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
		IFS=: read -r name major minor <<<"$node"
		mknod -m 666 "$root/dev/$name" c "$major" "$minor"
	done
	# /dev/net/tun, as udev makes it: slirp4netns (the podman tests) opens it.
	mkdir "$root/dev/net"
	mknod -m 666 "$root/dev/net/tun" c 10 200
	mkdir "$root/dev/pts" "$root/dev/shm"
	mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$root/dev/pts"
	ln -s pts/ptmx "$root/dev/ptmx"
	mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$root/dev/shm"
	ln -s /proc/self/fd "$root/dev/fd"
	ln -s /proc/self/fd/0 "$root/dev/stdin"
	ln -s /proc/self/fd/1 "$root/dev/stdout"
	ln -s /proc/self/fd/2 "$root/dev/stderr"
	cd "$root"
	mkdir .old-root
	pivot_root . .old-root
	umount -l /.old-root
	rmdir /.old-root
	# A root login's environment, nothing of the caller's.
	exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM=dumb \
		/bin/bash /root/inside.sh </dev/null
fi

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/../lib/common.sh"
rev=${1:-HEAD}
suite=bookworm
cache=${JAILPOL_FRESH_CACHE:-/var/cache/jailpol/fresh}
root="" session="" sessioncg="" bundle="" scratch=""

# has_mounts DIR: something is mounted at DIR or below it, in this mount
# namespace (the roots' paths have no characters mountinfo escapes).
has_mounts() {
	awk -v r="$1" '$5 == r || index($5, r "/") == 1 { found = 1 } END { exit !found }' \
		/proc/self/mountinfo
}

# cg_remove DIR: kill everything in the cgroup DIR and below, wait until
# it is empty (cgroup.events: populated 0), remove it depth-first.
cg_remove() {
	echo 1 >"$1/cgroup.kill" 2>/dev/null
	for _ in $(seq 50); do
		grep -qx 'populated 0' "$1/cgroup.events" 2>/dev/null && break
		sleep 0.1
	done
	find "$1" -depth -type d -exec rmdir {} + 2>/dev/null ||
		echo "fresh: cannot remove cgroup '$1'" >&2
}

cannot_run() {
	echo "fresh: cannot run: $*"
	exit 77
}
fail() {
	echo "fresh: FAIL: $*"
	exit 1
}

[ "$(id -u)" -eq 0 ] || cannot_run "needs root (debootstrap, mount and PID namespaces)"
for tool in debootstrap unshare pivot_root git flock; do
	command -v "$tool" >/dev/null || cannot_run "'$tool' is not installed (make deps-fresh)"
done
commit=$(git -C "$repo" rev-parse --verify -q "$rev^{commit}") || cannot_run "no commit '$rev' in '$repo'"
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	echo "fresh: note: uncommitted changes are not checked, only $commit"
fi
cg2=$(cg2_mount)
[ -n "$cg2" ] || cannot_run "no cgroup2 file system in /proc/self/mountinfo"

# The Debian archive entries of this machine's apt sources, one-line
# format ("deb URI SUITE COMPONENTS..."), from sources.list, *.list and
# deb822 *.sources alike: the bookworm suites of the mirror that serves
# bookworm main, and bookworm-security.  Other repositories are left out:
# their keys are not in a fresh root.
apt_sources() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		# Drop comments and "[options]".
		sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk '$1 == "deb" { $1 = $1; print }'
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
		function flush(   n, m, u, t, i, j) {
			if (tolower(k["enabled"]) != "no" && (" " k["types"] " ") ~ / deb /) {
				n = split(k["uris"], u, " ")
				m = split(k["suites"], t, " ")
				for (i = 1; i <= n; i++)
					for (j = 1; j <= m; j++)
						print "deb", u[i], t[j], k["components"]
			}
			delete k
			key = ""
		}
		/^#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^[ \t]/ { if (key != "") k[key] = k[key] " " $0; next }
		{
			key = tolower(substr($0, 1, index($0, ":") - 1))
			v = substr($0, index($0, ":") + 1)
			gsub(/^[ \t]+|[ \t]+$/, "", v)
			k[key] = v
		}
		END { flush() }' "$f" | awk '{ $1 = $1; print }'
	done
}
all_sources=$(apt_sources)
mirror=$(awk -v s="$suite" '$3 == s && (" " $0 " ") ~ / main / { print $2; exit }' <<<"$all_sources")
[ -n "$mirror" ] || cannot_run "no '$suite main' entry in this machine's apt sources (/etc/apt/sources.list*)"
sources=$(awk -v s="$suite" -v m="$mirror" \
	'($2 == m && $3 ~ ("^" s "(-[a-z]+)?$")) || $3 == s "-security" { if (!seen[$0]++) print }' \
	<<<"$all_sources")

# One run at a time, and none beside the kernel tests out here: the kernel
# tests inside share this host's network namespace and use the same fixed
# test addresses.  The lock also guards the cache and the stale roots; the
# session inside keeps it open, so it is held as long as anything runs.
lock=$(test_lock_path)
exec {lockfd}>>"$lock"
flock -w 900 "$lockfd" || cannot_run "another kernel test run holds '$lock'"

# From here on everything this run makes goes on an interrupt or failure
# too: the bundle, a half-made tarball, the root, the session.
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$session" ]; then
		kill "$session" 2>/dev/null
		wait "$session" 2>/dev/null
	fi
	# The session's cgroup namespace held every cgroup its tests made.
	[ -n "$sessioncg" ] && [ -d "$sessioncg" ] && cg_remove "$sessioncg"
	# Every mount was made in the namespace that is gone by now; refuse to
	# remove a tree that still has one rather than reach through it.
	if [ -z "$root" ]; then
		:
	elif has_mounts "$root"; then
		echo "fresh: '$root' still has mounts; not removing it" >&2
	else
		rm -rf "$root" "$root.log"
	fi
	[ -z "$scratch" ] || rm -rf "$scratch"
	[ -z "$bundle" ] || rm -f "$bundle" "$bundle.err"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# What a run killed outright (no EXIT trap) left: its root and log, its
# cgroup.  Under the lock, any of them is such a leftover.
for old in /var/tmp/jailpol-fresh.* /var/tmp/jailpol-fresh-tar.* "$cache"/make.*; do
	[ -e "$old" ] || continue
	has_mounts "$old" || rm -rf "$old"
done
for old in "$cg2"/jailpol-fresh.*; do
	[ -d "$old" ] && cg_remove "$old"
done
# A built root with the build dependencies takes about 1.5 GB.
avail=$(df -Pk /var/tmp | awk 'NR == 2 { print $4 }')
[ "${avail:-0}" -ge $((3 * 1024 * 1024)) ] ||
	cannot_run "/var/tmp has $((${avail:-0} / 1024)) MiB free; the fresh root needs 3 GiB"

# The commit, as a bundle the root clones from: made first, so a REV that
# cannot be bundled stops the run before anything is built.
bundle=$(mktemp /var/tmp/jailpol-fresh.XXXXXX)
if ! git -C "$repo" bundle create -q "$bundle" "$rev" 2>"$bundle.err"; then
	err=$(cat "$bundle.err")
	cannot_run "cannot bundle '$rev' (give a ref: a branch, a tag or HEAD): $err"
fi
rm -f "$bundle.err"

arch=$(dpkg --print-architecture)
tarball=$cache/$suite-minbase-git-$arch.tgz
mkdir -p "$cache"
if [ ! -s "$tarball" ] || [ -n "$(find "$tarball" -mtime +30)" ]; then
	echo "fresh: debootstrap --make-tarball $suite from $mirror (cached in $cache)"
	# Made beside the cache, so the rename below is atomic.
	scratch=$(mktemp -d "$cache/make.XXXXXX")
	if ! debootstrap --variant=minbase --include=git,ca-certificates \
		--make-tarball="$scratch/root.tgz" "$suite" "$scratch/work" "$mirror" >"$scratch/log" 2>&1; then
		tail -n 20 "$scratch/log"
		fail "debootstrap --make-tarball failed"
	fi
	mv "$scratch/root.tgz" "$tarball"
	rm -rf "$scratch"
	scratch=
fi

root=$(realpath "$(mktemp -d /var/tmp/jailpol-fresh.XXXXXX)")
chmod 755 "$root" # it becomes /: mktemp made it 0700

t0=$SECONDS
if ! debootstrap --variant=minbase --include=git,ca-certificates \
	--unpack-tarball="$tarball" "$suite" "$root" "$mirror" >"$root.log" 2>&1; then
	tail -n 20 "$root.log"
	rm -f "$tarball" # perhaps cut short: made anew next time
	fail "debootstrap --unpack-tarball failed"
fi
rm -f "$root.log"
echo "fresh: $suite minbase root in $((SECONDS - t0)) s: $root"

# What a fresh install has beside the base system: the machine's apt
# sources, a resolver and /etc/hosts.
printf '%s\n' "$sources" >"$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
mv "$bundle" "$root/root/jailpol.bundle"
chmod 644 "$root/root/jailpol.bundle"
cp "$here/inside.sh" "$root/root/inside.sh"

# The session runs in a cgroup of its own, as the root of a cgroup
# namespace: the cgroups its tests make live below it and go with it.
sessioncg=$cg2/jailpol-fresh.$$
mkdir "$sessioncg"
echo "fresh: entering the root (mount, PID and cgroup namespaces, pivot_root)"
t0=$SECONDS
rc=0
# In the background and waited for, so INT and TERM reach the traps at
# once (they end the session through cleanup).
timeout -k 10 "${JAILPOL_FRESH_TIMEOUT:-3600}" bash -c \
	'echo $$ >"$1/cgroup.procs" && exec unshare --mount --pid --cgroup --fork --kill-child \
		--propagation private bash "$2" --enter "$3"' \
	bash "$sessioncg" "$here/run.sh" "$root" &
session=$!
wait "$session" || rc=$?
session=""
echo "fresh: the session inside ended after $((SECONDS - t0)) s (exit $rc)"
[ "$rc" -ne 124 ] || echo "fresh: the session ran out of time (JAILPOL_FRESH_TIMEOUT=${JAILPOL_FRESH_TIMEOUT:-3600} s)"

# Judge from what the session left in the root.
errors=()
for i in 1 2; do
	[ -e "$root/root/cmd$i.rc" ] || errors+=("command $i did not run to its end")
done
[ ${#errors[@]} -eq 0 ] || fail "${errors[*]}"
rc1=$(cat "$root/root/cmd1.rc") rc2=$(cat "$root/root/cmd2.rc")
[ "$rc1" = 0 ] || errors+=("command 1 exited $rc1")
# A refused and an allowed connection: after a jailed command ("$ ...
# jail-ai-block exec ..."), netprobe's verdict alone on a line.
read -r refused allowed < <(awk '
	/^\$ / { jailed = ($0 ~ /jail-ai-block exec /); next }
	jailed && $0 == "EPERM" { r++ }
	jailed && $0 == "ok" { a++ }
	END { print r + 0, a + 0 }' "$root/root/cmd1.log")
[ "$refused" -ge 1 ] || errors+=("command 1 showed no refused connection (EPERM) from a jailed command")
[ "$allowed" -ge 1 ] || errors+=("command 1 showed no allowed connection (ok) from a jailed command")
[ "$rc2" = 0 ] || errors+=("command 2 exited $rc2")
last=$(tail -n 1 "$root/root/cmd2.log")
[[ $last =~ ^[0-9]+\ passed,\ 0\ failed,\ 0\ skipped$ ]] ||
	errors+=("command 2 did not end with 'N passed, 0 failed, 0 skipped' but with '$last'")
[ ${#errors[@]} -eq 0 ] || fail "$(printf '%s; ' "${errors[@]}")"
echo "fresh: passed: command 1 refused $refused and allowed $allowed jailed connections; command 2: $last"
