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
# The root is entered in private mount and PID namespaces with pivot_root
# (a chroot would refuse the user namespaces the bypass matrix makes).  It
# gets fresh /proc, /sys, /dev, /run, cgroup2 and bpffs mounts of its own
# and no bind mount of any host directory, so nothing mounted inside can
# outlive the run or reach a host file; its processes die with its PID
# namespace.  It shares the host's network namespace: apt-get fetches from
# the mirror that this machine's own apt sources name (read at run time).
#
# REV (default HEAD) is a ref of this repository; uncommitted changes are
# not part of the check.  The debootstrap tarball is cached in
# $JAILPOL_FRESH_CACHE (default /var/cache/jailpol/fresh) and made again
# when it is older than 30 days.  Needs root, debootstrap and util-linux's
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
rev=${1:-HEAD}
suite=bookworm
cache=${JAILPOL_FRESH_CACHE:-/var/cache/jailpol/fresh}

# has_mounts DIR: something is mounted at DIR or below it, in this mount
# namespace (the roots' paths have no characters mountinfo escapes).
has_mounts() {
	awk -v r="$1" '$5 == r || index($5, r "/") == 1 { found = 1 } END { exit !found }' \
		/proc/self/mountinfo
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

# The Debian entries of this machine's apt sources, one-line format: one
# "deb URI SUITE COMPONENTS..." line per URI and bookworm suite, from
# sources.list, *.list and deb822 *.sources alike.
apt_sources() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		# Drop "[options]"; keep deb lines of bookworm suites.
		sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
			awk -v s="$suite" '$1 == "deb" && $3 ~ ("^" s "(-[a-z]+)?$") { $1 = $1; print }'
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v s="$suite" '
		function flush(   n, m, u, t, i, j, types) {
			if (k["enabled"] != "no" && (" " k["types"] " ") ~ / deb /) {
				n = split(k["uris"], u, " ")
				m = split(k["suites"], t, " ")
				for (i = 1; i <= n; i++)
					for (j = 1; j <= m; j++)
						if (t[j] ~ ("^" s "(-[a-z]+)?$"))
							print "deb", u[i], t[j], k["components"]
			}
			delete k
		}
		/^#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^[ \t]/ { if (key != "") k[key] = k[key] " " $0; next }
		{
			key = tolower(substr($0, 1, index($0, ":") - 1))
			k[key] = substr($0, index($0, ":") + 1)
		}
		END { flush() }' "$f" | awk '{ $1 = $1; print }'
	done
}
sources=$(apt_sources | awk '!seen[$0]++')
mirror=$(awk -v s="$suite" '$3 == s { print $2; exit }' <<<"$sources")
[ -n "$mirror" ] || cannot_run "no '$suite' entry in this machine's apt sources (/etc/apt/sources.list*)"

# One run at a time, and none beside the kernel tests out here: the kernel
# tests inside share this host's network namespace and use the same fixed
# test addresses.  The lock also guards the cache and the stale roots.
lock=/run/lock/jailpol-kernel-tests.lock
[ -d /run/lock ] || lock=/tmp/jailpol-kernel-tests.lock
exec {lockfd}>>"$lock"
flock -w 900 "$lockfd" || cannot_run "another kernel test run holds '$lock'"

# A run killed outright (no EXIT trap) leaves its root behind; under the
# lock, any root without mounts is such a leftover.
for old in /var/tmp/jailpol-fresh.*; do
	[ -d "$old" ] || continue
	has_mounts "$old" || rm -rf "$old"
done
# A built root with the build dependencies takes about 1.5 GB.
avail=$(df -Pk /var/tmp | awk 'NR == 2 { print $4 }')
[ "${avail:-0}" -ge $((3 * 1024 * 1024)) ] ||
	cannot_run "/var/tmp has $((${avail:-0} / 1024)) MiB free; the fresh root needs 3 GiB"

arch=$(dpkg --print-architecture)
tarball=$cache/$suite-minbase-git-$arch.tgz
mkdir -p "$cache"
if [ ! -s "$tarball" ] || [ -n "$(find "$tarball" -mtime +30)" ]; then
	echo "fresh: debootstrap --make-tarball $suite from $mirror (cached in $cache)"
	scratch=$(mktemp -d /var/tmp/jailpol-fresh-tar.XXXXXX)
	if ! debootstrap --variant=minbase --include=git,ca-certificates \
		--make-tarball="$scratch/root.tgz" "$suite" "$scratch/work" "$mirror" >"$scratch/log" 2>&1; then
		tail -n 20 "$scratch/log"
		rm -rf "$scratch"
		fail "debootstrap --make-tarball failed"
	fi
	mv "$scratch/root.tgz" "$tarball"
	rm -rf "$scratch"
fi

root=$(mktemp -d /var/tmp/jailpol-fresh.XXXXXX)
chmod 755 "$root" # it becomes /: mktemp made it 0700
cleanup() {
	local rc=$?
	# Every mount was made in the namespace that is gone by now; refuse to
	# remove a tree that still has one rather than reach through it.
	if has_mounts "$root"; then
		echo "fresh: '$root' still has mounts; not removing it" >&2
	else
		rm -rf "$root"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t0=$SECONDS
debootstrap --variant=minbase --include=git,ca-certificates \
	--unpack-tarball="$tarball" "$suite" "$root" "$mirror" >"$root.log" 2>&1 ||
	{ tail -n 20 "$root.log"; rm -f "$root.log"; fail "debootstrap --unpack-tarball failed"; }
rm -f "$root.log"
echo "fresh: $suite minbase root in $((SECONDS - t0)) s: $root"

# What a fresh install has beside the base system: the machine's apt
# sources, a resolver and /etc/hosts.
printf '%s\n' "$sources" >"$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
git -C "$repo" bundle create -q "$root/root/jailpol.bundle" "$rev" 2>/dev/null ||
	git -C "$repo" bundle create "$root/root/jailpol.bundle" "$rev"
cp "$here/inside.sh" "$root/root/inside.sh"

echo "fresh: entering the root (mount and PID namespaces, pivot_root)"
t0=$SECONDS
rc=0
timeout -k 10 "${JAILPOL_FRESH_TIMEOUT:-1800}" \
	unshare --mount --pid --fork --kill-child --propagation private \
	bash "$here/run.sh" --enter "$root" {lockfd}>&- || rc=$?
echo "fresh: the session inside ended after $((SECONDS - t0)) s (exit $rc)"

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
