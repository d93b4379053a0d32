# SPDX-License-Identifier: GPL-2.0-or-later
# tests/lib/podman.sh - a real podman for the OCI hook tests; sourced, not
# run.  Bash; set -u (and set -e) safe.
#
#	why=$(podman_available) || { echo "x: cannot run: $why"; exit 77; }
#	podman_setup || exit 1		# or: podman_setup DIR
#	trap podman_cleanup EXIT	# safe twice, and after a failed setup;
#					# fails, saying why, if something stays
#	podman_hook 50-log createRuntime,poststop always /path/to/hook ARG...
#	jp_podman_run --name c1 -- /bin/true
#	jp_podman rm -f -t 0 c1
#
# Made for Debian 12's podman 4.3.1 with runc (crun refuses a hybrid cgroup
# host) as root, cgroup manager cgroupfs (no systemd as PID 1 here).  Only
# private files are used: a containers.conf (CONTAINERS_CONF) and a
# storage.conf (CONTAINERS_STORAGE_CONF, driver vfs: no overlay mounts),
# both under the work directory, so the machine's configuration and
# /var/lib/containers are never touched.  The default network is "none";
# CNI plugins are looked up in an empty directory, so the bridge network
# fails before it changes anything (no ip_forward, no NAT rules).  Use
# --network none, host, ns:/run/netns/NAME or slirp4netns (add
# :allow_host_loopback=true to reach the host's 127.0.0.1 as 10.0.2.2).
#
# podman_setup exports:
#	PODMAN_WORK	the work directory
#	PODMAN_ROOTFS	a busybox root file system (/bin/busybox, its applets)
#	PODMAN_HOOKS	the hooks.d directory (the only one podman reads)
#	PODMAN_CGPARENT	the cgroup parent jp_podman gives run and create,
#			/jailpol-podman-XXXXXX, under every hierarchy
#	CONTAINERS_CONF, CONTAINERS_STORAGE_CONF	the private files
#
# What podman does here (see the pitfalls too):
# - hooks.d hooks run at createRuntime, run by runc in the host's
#   namespaces; the state's pid is "runc init", already in its cgroup (0::
#   line: $PODMAN_CGPARENT/libpod-ID) and its network namespace; the
#   state holds the annotations.  A hook that exits non-zero stops the
#   container: "podman run" exits 126 and prints the hook's stderr.
# - poststop hooks are run by podman ("podman container cleanup"), once
#   per stop, when the cgroup is already gone; the state has status
#   "stopped", no pid, the id and the annotations.  Not run when the
#   container never started (a failed create).
# - each start (podman start, restart, --restart=always) runs createRuntime
#   again: same cgroup path, a new cgroup (new inode).
#
# Pitfalls:
# - --rootfs is a flag without a value: the root file system is the first
#   argument ("run --rootfs OPTIONS... DIR CMD"); jp_podman_run does that.
# - A hook whose path does not exist, a "when" with no condition and a
#   hooks directory that does not exist are skipped without a word: check
#   that a hook ran.  A malformed hook file fails every run.
# - Hook files are read when a container starts; the poststop hooks kept
#   then are the ones run at its stop.
# - A hook without "env" inherits podman's environment (podman_hook sets
#   PATH only).
# - podman rm -f returns before conmon and slirp4netns are gone (a second
#   or two: conmon waits for its "podman container cleanup");
#   podman_cleanup waits for them.
# - podman rm -f without -t 0 waits for SIGTERM to work (busybox sleep as
#   PID 1 ignores it); stop_timeout is 1 s here.
# - The cgroup parent (and, under the v1 hierarchies, PARENT/conmon) stays
#   after the containers are gone; podman_cleanup removes $PODMAN_CGPARENT.
#   A test that passes its own --cgroup-parent removes it with
#   podman_rm_cgroup.
# - Do not give runc another state directory (--runtime-flag root=...):
#   the cleanup podman started by conmon does not get it and leaks the
#   cgroups.  runc keeps its state in /run/runc.
# - --log-level debug makes conmon wait 20 s for a container's exit.

declare -F cg2_mount >/dev/null || . "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PODMAN_WORK=""	# not inherited: the cleanup removes it
_podman_made_work=no _podman_ip_forward='' _podman_had_runc_dir=yes

# Prints why this machine cannot run the podman tests and fails, or prints
# nothing.  Arguments name optional tools also needed (slirp4netns).
podman_available() {
	local t
	[ "$EUID" -eq 0 ] || { echo "needs root (rootful podman, cgroups)"; return 1; }
	for t in podman runc conmon busybox "$@"; do
		command -v "$t" >/dev/null 2>&1 ||
			{ echo "$t is not installed (apt-get install podman runc busybox-static slirp4netns)"; return 1; }
	done
	# Debian's busybox is dynamic; busybox-static is what a bare rootfs runs.
	if ldd "$(command -v busybox)" >/dev/null 2>&1; then
		echo "busybox is not static (apt-get install busybox-static)"; return 1
	fi
	[ -n "$(cg2_mount)" ] || { echo "no cgroup v2 mount"; return 1; }
	return 0
}

# Makes the work directory (DIR, made if missing; a new /tmp one without
# DIR): rootfs/, hooks.d/, containers.conf, storage.conf, storage/, run/,
# tmp/, cni/, no-cni-plugins/.  podman_cleanup removes these, and DIR if
# podman_setup made it.
podman_setup() {
	local w=${1:-} id
	if [ -n "$PODMAN_WORK" ]; then
		echo "podman_setup: already set up in $PODMAN_WORK" >&2
		return 1
	fi
	_podman_made_work=no
	if [ -z "$w" ]; then
		w=$(mktemp -d /tmp/jailpol-podman.XXXXXX) || return 1
		_podman_made_work=yes
	elif [ ! -e "$w" ]; then
		mkdir -p "$w" || return 1
		_podman_made_work=yes
	fi
	w=$(cd "$w" && pwd) || return 1
	PODMAN_WORK=$w PODMAN_CGPARENT=
	_podman_ip_forward=$(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null) || _podman_ip_forward=
	[ -d /run/runc ] || _podman_had_runc_dir=no
	id=$(basename "$(mktemp -u XXXXXX)")
	export PODMAN_WORK PODMAN_ROOTFS=$w/rootfs PODMAN_HOOKS=$w/hooks.d \
		PODMAN_CGPARENT=/jailpol-podman-$id \
		CONTAINERS_CONF=$w/containers.conf CONTAINERS_STORAGE_CONF=$w/storage.conf
	mkdir -p "$w"/rootfs/{bin,etc,dev,proc,sys,tmp,run} "$w"/{hooks.d,storage,run,tmp,cni,no-cni-plugins} &&
		cp "$(command -v busybox)" "$w/rootfs/bin/busybox" &&
		chroot "$w/rootfs" /bin/busybox --install -s /bin &&
		printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
			>"$w/rootfs/etc/passwd" &&
		printf 'root:x:0:\nnobody:x:65534:\n' >"$w/rootfs/etc/group" || {
		echo "podman_setup: cannot make the busybox rootfs in $w" >&2
		return 1
	}
	# Ulimits: podman's defaults (nofile 1048576) are more than this
	# machine allows.
	cat >"$CONTAINERS_CONF" <<-EOF || return 1
	[containers]
	default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
	netns = "none"
	# No pids.max: where the pids controller is bound to a v1 hierarchy
	# (the fresh-machine check's cgroup2-only view of this host), runc
	# cannot write it.
	pids_limit = 0

	[network]
	network_backend = "cni"
	network_config_dir = "$w/cni"
	cni_plugin_dirs = ["$w/no-cni-plugins"]

	[engine]
	runtime = "runc"
	cgroup_manager = "cgroupfs"
	events_logger = "file"
	events_logfile_path = "$w/events.log"
	hooks_dir = ["$w/hooks.d"]
	tmp_dir = "$w/tmp"
	static_dir = "$w/storage/libpod"
	volume_path = "$w/storage/volumes"
	stop_timeout = 1
	EOF
	cat >"$CONTAINERS_STORAGE_CONF" <<-EOF || return 1
	[storage]
	driver = "vfs"
	graphroot = "$w/storage"
	runroot = "$w/run"
	EOF
	jp_podman info --format '{{.Host.OCIRuntime.Name}}' >/dev/null || {
		echo "podman_setup: podman info fails with the private configuration" >&2
		return 1
	}
}

# podman with the private configuration and storage; run and create get
# --cgroup-parent $PODMAN_CGPARENT unless an argument holds --cgroup-parent.
jp_podman() {
	[ -n "$PODMAN_WORK" ] || { echo "jp_podman: no podman_setup" >&2; return 2; }
	local sub=${1:-}
	if { [ "$sub" = run ] || [ "$sub" = create ]; } && [[ " $* " != *" --cgroup-parent"* ]]; then
		shift
		set -- "$sub" --cgroup-parent "$PODMAN_CGPARENT" "$@"
	fi
	CONTAINERS_CONF=$PODMAN_WORK/containers.conf \
		CONTAINERS_STORAGE_CONF=$PODMAN_WORK/storage.conf podman "$@"
}

# jp_podman_run [RUN OPTIONS...] -- CMD [ARG...]: podman run of the busybox
# rootfs.
jp_podman_run() {
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	[ $# -gt 1 ] || { echo "jp_podman_run: OPTIONS... -- CMD [ARG...]" >&2; return 2; }
	shift
	jp_podman run "${opts[@]}" --rootfs "$PODMAN_ROOTFS" "$@"
}

# The container's cgroup v2 directory (stat -c %i of it is the cgroup id).
podman_cgroup2() {
	local p
	p=$(jp_podman inspect -f '{{.State.CgroupPath}}' "$1") && [ -n "$p" ] || return 1
	echo "$(cg2_mount)$p"
}

# podman_hook NAME STAGE[,STAGE...] WHEN PATH [ARG...]: writes
# $PODMAN_HOOKS/NAME.json.  WHEN is "always" or KEY_REGEX=VALUE_REGEX for
# when.annotations (e.g. '^io\.jailpol\.policy$=.+').  PATH is absolute;
# ARG... follow argv[0], which is PATH.
podman_hook() {
	[ $# -ge 4 ] || { echo "podman_hook: NAME STAGES WHEN PATH [ARG...]" >&2; return 2; }
	local name=$1 stages=$2 when=$3 path=$4 a args stj=
	shift 4
	args=$(_podman_json "$path")
	for a in "$@"; do args+=", $(_podman_json "$a")"; done
	for a in ${stages//,/ }; do stj+="${stj:+, }$(_podman_json "$a")"; done
	if [ "$when" = always ]; then
		when='"always": true'
	else
		when="\"annotations\": { $(_podman_json "${when%%=*}"): $(_podman_json "${when#*=}") }"
	fi
	cat >"$PODMAN_HOOKS/$name.json" <<-EOF
	{ "version": "1.0.0",
	  "hook": { "path": $(_podman_json "$path"), "args": [$args],
	            "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"] },
	  "when": { $when },
	  "stages": [$stj] }
	EOF
}

# _podman_names TEXT WORD...: whether TEXT holds one of the WORDs.
_podman_names() {
	local t=$1 x
	shift
	for x in "$@"; do [[ $t == *"$x"* ]] && return 0; done
	return 1
}

_podman_json() {
	local s=${1//\\/\\\\}
	s=${s//\"/\\\"}
	printf '"%s"' "$s"
}

# Removes cgroup PATH (as under the cgroup v2 mount, e.g. /jailpol-x) and
# what is below it from every hierarchy, v1 and v2; processes still in it
# are killed by pid first.  Fails if some directory stays.
podman_rm_cgroup() {
	local rel=${1#/} m p i ok=0 cg2
	[ -n "$rel" ] || return 0
	cg2=$(cg2_mount)
	for i in $(seq 20); do
		[ -n "$cg2" ] && [ -d "$cg2/$rel" ] || break
		p=$(find "$cg2/$rel" -name cgroup.procs -exec cat {} + 2>/dev/null) || p=
		[ -n "$p" ] || break
		kill -9 $p 2>/dev/null || :
		sleep 0.1
	done
	for m in $(awk '{ for (i = 7; $i != "-"; i++); if ($(i + 1) ~ /^cgroup2?$/) print $5 }' /proc/self/mountinfo); do
		[ -d "$m/$rel" ] || continue
		find "$m/$rel" -depth -type d -exec rmdir {} + 2>/dev/null || :
		[ ! -d "$m/$rel" ] || { echo "podman: cannot remove cgroup $m/$rel" >&2; ok=1; }
	done
	return $ok
}

# Removes every container of the private storage, waits for their conmon
# and slirp4netns, unmounts what is left under the work directory, removes
# the cgroup parent and the work directory.  Also after a failed or no
# setup, and a second time (then it does nothing).
podman_cleanup() {
	local w=$PODMAN_WORK ok=0 ids keys='' k pids p i cmd args
	[ -n "$w" ] || return 0
	# timeout cannot run a function: podman with the private files.
	local pm=(env "CONTAINERS_CONF=$w/containers.conf" "CONTAINERS_STORAGE_CONF=$w/storage.conf" podman)
	# The containers, and the network namespaces podman made for them
	# (slirp4netns), from the storage: also when podman fails.
	ids=$(ls "$w/storage/vfs-containers" 2>/dev/null) || ids=
	for i in $ids; do
		k=$(grep -o '"/run/netns/netns-[0-9a-f-]*"' \
			"$w/storage/vfs-containers/$i/userdata/config.json" 2>/dev/null) || k=
		keys+=" ${k//\"/}"
	done
	if [ -n "$ids" ]; then
		timeout 60 "${pm[@]}" rm -a -f -t 0 >/dev/null 2>&1 ||
			{ echo "podman: podman rm -a -f failed" >&2; ok=1; }
	fi
	# conmon, podman (container cleanup), runc, slirp4netns of ours: their
	# command lines name the work directory or a network namespace of ours.
	# They may take some seconds: conmon waits for its "podman container
	# cleanup".
	i=$((SECONDS + 20))
	while :; do
		pids=
		for p in /proc/[0-9]*; do
			read -r cmd 2>/dev/null <"$p/comm" || continue
			case $cmd in
			conmon | podman | runc* | slirp4netns) ;;
			*) continue ;;
			esac
			mapfile -d '' args 2>/dev/null <"$p/cmdline" || continue
			_podman_names "${args[*]}" "$w/" $keys && pids+=" ${p#/proc/}"
		done
		[ -n "$pids" ] || break
		if [ $SECONDS -ge $i ]; then
			for p in $pids; do
				echo "podman: killing $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" >&2
			done
			kill -9 $pids 2>/dev/null || :
			ok=1
			sleep 0.5
			break
		fi
		sleep 0.1
	done
	# What podman did not clean up: runc's state, the network namespaces.
	for i in $ids; do
		[ ! -d "/run/runc/$i" ] || timeout 30 runc delete -f "$i" >/dev/null 2>&1 ||
			{ echo "podman: runc delete -f $i failed" >&2; ok=1; }
	done
	for k in $keys; do
		[ -e "$k" ] || continue
		umount "$k" 2>/dev/null || umount -l "$k" 2>/dev/null || :
		rm -f "$k" || ok=1
	done
	for p in $(awk -v w="$w/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount "$p" 2>/dev/null || umount -l "$p" 2>/dev/null ||
			{ echo "podman: cannot unmount $p" >&2; ok=1; }
	done
	podman_rm_cgroup "${PODMAN_CGPARENT:-}" || ok=1
	if [ -n "$_podman_ip_forward" ] &&
		[ "$(cat /proc/sys/net/ipv4/ip_forward)" != "$_podman_ip_forward" ]; then
		echo "podman: ip_forward changed; set back to $_podman_ip_forward" >&2
		echo "$_podman_ip_forward" >/proc/sys/net/ipv4/ip_forward || :
		ok=1
	fi
	[ $_podman_had_runc_dir = yes ] || rmdir /run/runc 2>/dev/null || :
	if [ $_podman_made_work = yes ]; then
		rm -rf --one-file-system "$w" || ok=1
	else
		rm -rf --one-file-system "$w"/{rootfs,hooks.d,storage,run,tmp,cni,no-cni-plugins} \
			"$w"/{containers.conf,storage.conf,events.log,events.log.lock} || ok=1
	fi
	PODMAN_WORK='' _podman_made_work=no _podman_had_runc_dir=yes
	unset PODMAN_ROOTFS PODMAN_HOOKS PODMAN_CGPARENT CONTAINERS_CONF CONTAINERS_STORAGE_CONF
	return $ok
}
