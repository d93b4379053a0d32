#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The deployment examples hold together:
#   tests/examples.sh BUILD_DIR [EXAMPLES_DIR]     (the docs suite runs it)
#
# examples/kubernetes/*.yaml: every document parses (BUILD_DIR/yaml2json:
# libyaml, strict where YAML 1.1 and 1.2 differ) and has an apiVersion and
# kind that go together; each DaemonSet's selector matches its pod
# template's labels, every volumeMount names a declared volume, it runs on
# the host network and on every node, its main container runs
# `jail-ai-block watch` with the node's bpffs and cgroup2 tree, and the
# init container installs the binary where the hook file it installs
# (which must be one of examples/oci-hooks.d/) points, the hook where
# CRI-O's drop-in looks, the policies where the hook reads them, all from
# paths the Containerfile fills; the image is the one README.md builds.
# examples/containers.conf.d/: podman's hooks_dir lists the directory
# README.md installs the hook in, and README.md installs the drop-in.
# examples/systemd/*.service: known sections and keys (and, when
# systemd-analyze is installed, `systemd-analyze verify` says nothing), and
# the watch unit keeps what the watch needs (notify, bpffs, netlink, the
# host's network namespace, its capabilities).
#
# EXAMPLES_DIR (default examples/) lets a broken copy be checked.  Prints
# "ok NAME" or "FAIL NAME: ..." per case, "N passed, N failed" last.
set -u

out=${1:-}
if [ -z "$out" ] || [ $# -gt 2 ]; then
	echo "usage: tests/examples.sh BUILD_DIR [EXAMPLES_DIR]" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")/.." && pwd)
ex=${2:-$here/examples}
SUITE=examples
. "$here/tests/lib/common.sh"
y2j=$out/yaml2json
jab=$(realpath "$out/jail-ai-block" 2>/dev/null)
for tool in "$y2j" "$jab"; do
	[ -x "$tool" ] || { echo "examples: cannot run: no '$tool' (make)"; exit 1; }
done
command -v jq >/dev/null || { echo "examples: cannot run: no jq (make deps)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check NAME MESSAGES: ok when MESSAGES is empty, else FAIL with them.
check() {
	if [ -z "$2" ]; then
		ok "$1"
	else
		nok "$1" "$(printf '%s' "$2" | tr '\n' ';' | sed 's/;$//; s/;/; /g')"
	fi
}

# --- OCI hooks -----------------------------------------------------------

# Schema 1.0.0 (oci-hooks(5)), run as jail-ai-block oci-hook at the stages
# the hook handles.
msg=
for h in "$ex"/oci-hooks.d/*.json; do
	[ -e "$h" ] || { msg="no $ex/oci-hooks.d/*.json"; break; }
	m=$(jq -r --arg f "${h##*/}" '
		if .version != "1.0.0" then "\($f): version is not 1.0.0"
		elif (.hook.path | type) != "string" or (.hook.path | startswith("/") | not) then
			"\($f): hook.path is not an absolute path"
		elif .hook.args[0:2] != ["jail-ai-block", "oci-hook"] then
			"\($f): hook.args do not start jail-ai-block oci-hook"
		elif (.stages | sort) != ["createRuntime", "poststop"] then
			"\($f): stages are not createRuntime and poststop"
		elif (.when | type) != "object" or (.when | length) == 0 then "\($f): no when"
		else empty end' "$h" 2>&1) || m="${h##*/}: not JSON: $m"
	[ -z "$m" ] || msg+="$m"$'\n'
done
check hooks/schema "$msg"

# --- Kubernetes ----------------------------------------------------------

# Every document of every manifest, one JSON array of
# {file, doc: N, obj: ...}.
all=$tmp/all.json
echo '[]' >"$all"
manifests=("$ex"/kubernetes/*.yaml)
[ -e "${manifests[0]}" ] || manifests=()
check k8s/manifests "$([ ${#manifests[@]} -gt 0 ] || echo "no $ex/kubernetes/*.yaml")"
for f in "${manifests[@]}"; do
	name=k8s/parse/${f##*/}
	if ! "$y2j" "$f" >"$tmp/docs" 2>"$tmp/err"; then
		nok "$name" "$(cat "$tmp/err")"
		continue
	fi
	msg=$(jq -rs --arg f "${f##*/}" 'if length == 0 then "\($f): no document" else
		to_entries[] | select(.value | type != "object") |
		"\($f): document \(.key + 1) is a \(.value | type), not a mapping" end' "$tmp/docs")
	check "$name" "$msg"
	[ -z "$msg" ] || continue
	jq -s --arg f "${f##*/}" --slurpfile prev "$all" \
		'$prev[0] + (to_entries | map({file: $f, doc: (.key + 1), obj: .value}))' \
		"$tmp/docs" >"$tmp/next" && mv "$tmp/next" "$all"
done

# q FILTER: run FILTER over the documents; -r output.  (Membership is
# `index([x])`, never `inside`: that one matches substrings of strings.)
q() { jq -r "$@" "$all"; }

# The kinds these examples use, and the one apiVersion of each.
check k8s/api-versions "$(q '
	{Namespace: "v1", ServiceAccount: "v1", ConfigMap: "v1", DaemonSet: "apps/v1"} as $api |
	.[] | "\(.file) document \(.doc)" as $w | .obj |
	if (.apiVersion | type) != "string" or (.kind | type) != "string" then
		"\($w): no apiVersion or kind"
	elif $api[.kind] == null then "\($w): kind \(.kind) is not one this check knows"
	elif $api[.kind] != .apiVersion then
		"\($w): \(.kind) is \($api[.kind]), not \(.apiVersion)"
	elif (.metadata.name | type) != "string" or .metadata.name == "" then
		"\($w): no metadata.name"
	else empty end')"
check k8s/namespaces "$(q '
	[.[].obj | select(.kind == "Namespace") | .metadata.name] as $ns | .[] |
	select(.obj.kind != "Namespace") | select(.obj.metadata.namespace as $n | $ns | index([$n]) | not) |
	"\(.file): \(.obj.kind) \(.obj.metadata.name) is in namespace \(.obj.metadata.namespace // "(none)"), which no manifest makes"')"

ds_count=$(q '[.[] | select(.obj.kind == "DaemonSet")] | length')
check k8s/daemonset "$([ "$ds_count" -ge 1 ] || echo "no DaemonSet")"

# dsq [JQ OPTIONS] FILTER: FILTER for each DaemonSet, with $d the
# DaemonSet, $p its pod spec, $all_c its containers and init containers.
dsq() {
	local filter=${!#}
	jq -r "${@:1:$#-1}" '.[] | select(.obj.kind == "DaemonSet") | .obj as $d |
		($d.spec.template.spec // {}) as $p | "DaemonSet \($d.metadata.name)" as $w |
		(($p.containers // []) + ($p.initContainers // [])) as $all_c | '"$filter" "$all"
}

check k8s/selector-matches-template "$(dsq '
	($d.spec.selector.matchLabels // {}) as $sel | ($d.spec.template.metadata.labels // {}) as $lab |
	if ($sel | length) == 0 then "\($w): spec.selector.matchLabels is empty"
	elif $d.spec.selector.matchExpressions then "\($w): matchExpressions are not checked; use matchLabels"
	else $sel | to_entries[] | select($lab[.key] != .value) |
		"\($w): selector \(.key)=\(.value), template labels \(.key)=\($lab[.key] // "(unset)")" end')"

check k8s/volume-mounts "$(dsq '
	[($p.volumes // [])[].name] as $vols |
	(($vols | group_by(.)[] | select(length > 1) | "\($w): volume \(.[0]) is declared twice"),
	 ($all_c[] | .name as $c | (.volumeMounts // [])[] | select(.name as $n | $vols | index([$n]) | not) |
		"\($w): container \($c) mounts volume \(.name), which is not declared"),
	 ($vols[] | select(. as $n | [$all_c[] | (.volumeMounts // [])[].name] | index([$n]) | not) |
		"\($w): volume \(.) is mounted by no container"),
	 ($all_c[] | .name as $c | [(.volumeMounts // [])[].mountPath] | group_by(.)[] |
		select(length > 1) | "\($w): container \($c) mounts twice at \(.[0])"))')"

check k8s/host-network "$(dsq 'if $p.hostNetwork != true then
	"\($w): hostNetwork is not true: the watch must see the addresses of the node" else empty end')"

check k8s/every-node "$(dsq 'if [($p.tolerations // [])[] | select(.operator == "Exists" and
	(.key // "") == "" and (.effect // "") == "")] | length == 0 then
	"\($w): no toleration {operator: Exists}: tainted nodes would run no watch" else empty end')"

check k8s/service-account "$(dsq --slurpfile docs "$all" '
	[$docs[0][].obj | select(.kind == "ServiceAccount" and .metadata.namespace == $d.metadata.namespace) |
		.metadata.name] as $sa |
	if ($p.serviceAccountName // "default") as $n | $sa | index([$n]) | not then
		"\($w): service account \($p.serviceAccountName // "default") is in no manifest" else empty end')"

# The main container: command and args run `jail-ai-block watch` with only
# the watch's options.
check k8s/watch-command "$(dsq '
	[$p.containers[]? | select(((.command // []) + (.args // []))[0:2] as $c |
		($c[0] // "" | test("(^|/)jail-ai-block$")) and $c[1] == "watch")] as $w_c |
	if ($w_c | length) != 1 then
		"\($w): \($w_c | length) containers run jail-ai-block watch, not 1"
	else $w_c[0] | ((.command // []) + (.args // []))[2:] as $rest |
		($rest | join(" ")) as $s |
		if ($s | test("^((--resync [0-9]+|--debug|-d)( |$))*$") | not) then
			"\($w): watch takes --resync SECONDS and --debug, not \($s)"
		else empty end end')"

# The watch's node mounts: bpffs with propagation from the node, the
# cgroup2 tree; and the capabilities bpf() and open_by_handle_at() need.
check k8s/watch-mounts "$(dsq '
	[($p.volumes // [])[] | {key: .name, value: (.hostPath.path // null)}] | from_entries as $hp |
	$p.containers[]? | select(((.command // []) + (.args // []))[1] == "watch") |
	[(.volumeMounts // [])[] | . + {host: $hp[.name]}] as $m |
	(if [$m[] | select(.host == "/sys/fs/bpf" and .mountPath == "/sys/fs/bpf" and
		(.readOnly // false) == false and
		(.mountPropagation == "HostToContainer" or .mountPropagation == "Bidirectional"))] | length == 0
	 then "\($w): the watch does not mount the node /sys/fs/bpf read-write at /sys/fs/bpf with mountPropagation HostToContainer"
	 else empty end),
	(if [$m[] | select(.host == "/sys/fs/cgroup" and .mountPath == "/sys/fs/cgroup")] | length == 0
	 then "\($w): the watch does not mount the node /sys/fs/cgroup at /sys/fs/cgroup" else empty end)')"

check k8s/capabilities "$(dsq '
	($all_c[] | select((.securityContext.privileged == true or
		((.securityContext.capabilities.add // []) | index("SYS_ADMIN"))) and
		.securityContext.allowPrivilegeEscalation == false) |
		"\($w): container \(.name): Kubernetes refuses allowPrivilegeEscalation: false with privileged or SYS_ADMIN"),
	($p.containers[]? | select(((.command // []) + (.args // []))[1] == "watch") |
		select(.securityContext.privileged != true) | (.securityContext.capabilities.add // []) as $add |
		(["SYS_ADMIN", "NET_ADMIN", "DAC_READ_SEARCH"] - $add)[] |
		"\($w): the watch lacks capability \(.)")')"

# The init container's script, and what it installs where.
init_script=$(dsq '[$p.initContainers[]? | (.command // []) + (.args // []) | join("\n")] | join("\n")')
hostdir() { # PATH: "VOLUME MOUNTPATH" of the init container's mount of hostPath PATH
	dsq --arg path "$1" '[($p.volumes // [])[] | select(.hostPath.path == $path) | .name] as $v |
		$p.initContainers[]? | (.volumeMounts // [])[] | select(.name as $n | $v | index([$n])) |
		"\(.name) \(.mountPath)"' | head -n 1
}
msg=
hooks=$(grep -o 'oci-hooks\.d/[A-Za-z0-9._-]*\.json' <<<"$init_script" | sed 's|.*/||' | sort -u)
[ -n "$hooks" ] || msg+="the init container installs no oci-hooks.d/*.json"$'\n'
for h in $hooks; do
	hook=$ex/oci-hooks.d/$h
	if [ ! -f "$hook" ]; then
		msg+="the init container installs hook '$h', which is not in examples/oci-hooks.d"$'\n'
		continue
	fi
	bin=$(jq -r '.hook.path // empty' "$hook")
	read -r _ mnt < <(hostdir "$(dirname "$bin")")
	if [ -z "${mnt:-}" ]; then
		msg+="$h runs '$bin', but the init container mounts no hostPath '$(dirname "$bin")'"$'\n'
	elif ! grep -qF "$mnt/${bin##*/}" <<<"$init_script"; then
		msg+="$h runs '$bin', but the init container puts nothing at '$mnt/${bin##*/}'"$'\n'
	fi
	read -r _ mnt < <(hostdir /etc/containers/oci/hooks.d)
	if [ -z "${mnt:-}" ] || ! grep -qF "$mnt/$h" <<<"$init_script"; then
		msg+="the init container does not put $h into the node's /etc/containers/oci/hooks.d"$'\n'
	fi
	pdir=$(jq -r '.hook.args as $a | ([range(0; $a | length) | select($a[.] == "--policy-dir")] |
		first) as $i | if $i then $a[$i + 1] else "/etc/jailpol/policies" end' "$hook")
	read -r _ mnt < <(hostdir "$pdir")
	if [ -z "${mnt:-}" ] || ! grep -qF "$mnt/" <<<"$init_script"; then
		msg+="$h reads policies from '$pdir', where the init container installs none"$'\n'
	fi
done
check k8s/init-installs-hook "$msg"

msg=
cf=$ex/kubernetes/Containerfile
if [ ! -f "$cf" ]; then
	msg="no $cf"
else
	grep -qE '^(ARG BASE=|FROM )(docker\.io/library/)?debian:(12|bookworm)([-@ ]|$)' "$cf" ||
		msg+="the Containerfile does not build on Debian 12"$'\n'
	grep -q 'examples/oci-hooks\.d' "$cf" || msg+="the Containerfile does not copy examples/oci-hooks.d"$'\n'
	grep -q 'LDFLAGS=-static' "$cf" ||
		msg+="the Containerfile does not link statically: the node runs the hook outside the image"$'\n'
	# What the init script reads from the image, the Containerfile fills.
	for d in $(grep -o '/usr/local/share/jailpol/[A-Za-z0-9._-]*' <<<"$init_script" | sort -u); do
		grep -qF "$d" "$cf" || msg+="the init container reads '$d', which the Containerfile does not fill"$'\n'
	done
fi
check k8s/containerfile "$msg"

msg=
for img in $(dsq '$all_c[].image' | sort -u); do
	grep -qE "(podman|docker) build -f examples/kubernetes/Containerfile -t $img( |$)" "$here/README.md" ||
		msg+="image '$img' is not the one README.md builds (podman build -f examples/kubernetes/Containerfile -t $img .)"$'\n'
done
check k8s/image-built-by-readme "$msg"

# CRI-O's drop-in names the directory the hook goes to.
msg=
crio=$ex/kubernetes/crio-hooks.conf
if [ ! -f "$crio" ]; then
	msg="no $crio"
else
	sed -n '/^hooks_dir *= *\[/,/\]/p' "$crio" | grep -qF '"/etc/containers/oci/hooks.d"' ||
		msg="$crio: hooks_dir does not list /etc/containers/oci/hooks.d"
	grep -qx '\[crio.runtime\]' "$crio" || msg+=$'\n'"$crio: no [crio.runtime] table"
fi
check k8s/crio-hooks-dir "$msg"

# podman's drop-in names the directory README.md installs the hook in,
# beside the default one it would otherwise replace, and README.md
# installs the drop-in where podman reads it.
msg=
pod=$ex/containers.conf.d/50-jailpol-hooks.conf
if [ ! -f "$pod" ]; then
	msg="no $pod"
else
	dirs=$(sed -n '/^hooks_dir *= *\[/,/\]/p' "$pod")
	for d in /etc/containers/oci/hooks.d /usr/share/containers/oci/hooks.d; do
		grep -qF "\"$d\"" <<<"$dirs" || msg+="$pod: hooks_dir does not list $d"$'\n'
	done
	grep -qx '\[engine\]' "$pod" || msg+="$pod: no [engine] table"$'\n'
	grep -qxF "cp examples/containers.conf.d/${pod##*/} /etc/containers/containers.conf.d/" "$here/README.md" ||
		msg+="README.md does not install ${pod##*/} in /etc/containers/containers.conf.d/"$'\n'
	grep -qE '^cp examples/oci-hooks.d/jailpol.json /etc/containers/oci/hooks.d/( |$)' "$here/README.md" ||
		msg+="README.md does not install jailpol.json in /etc/containers/oci/hooks.d/"$'\n'
fi
check podman/hooks-dir "$msg"

# --- systemd -------------------------------------------------------------

# The keys these units may use, by section (systemd.unit(5), .service(5),
# .exec(5), .kill(5), .resource-control(5)); a new one goes here.
keys_Unit='Description Documentation Wants Requires Requisite BindsTo PartOf Upholds Conflicts
	Before After OnFailure OnSuccess RequiresMountsFor DefaultDependencies StartLimitIntervalSec
	StartLimitBurst ConditionPathExists ConditionPathIsMountPoint ConditionKernelVersion
	AssertPathExists AssertPathIsMountPoint AssertPathIsDirectory AssertKernelVersion'
keys_Service='Type ExecStart ExecStartPre ExecStartPost ExecReload ExecStop ExecStopPost
	Restart RestartSec TimeoutStartSec TimeoutStopSec TimeoutSec WatchdogSec NotifyAccess
	KillMode KillSignal SendSIGKILL Environment EnvironmentFile User Group
	CapabilityBoundingSet AmbientCapabilities NoNewPrivileges LimitMEMLOCK LimitNOFILE
	RestrictAddressFamilies IPAddressDeny IPAddressAllow PrivateNetwork ProtectSystem
	ReadWritePaths ReadOnlyPaths InaccessiblePaths ProtectHome PrivateTmp ProtectControlGroups
	PrivateDevices ProtectKernelModules ProtectKernelLogs ProtectKernelTunables ProtectClock
	ProtectHostname ProtectProc ProcSubset MemoryDenyWriteExecute LockPersonality
	RestrictRealtime RestrictSUIDSGID RestrictNamespaces PrivateIPC PrivateUsers UMask
	SystemCallArchitectures SystemCallFilter SystemCallErrorNumber DevicePolicy DeviceAllow
	MemoryMax CPUQuota TasksMax OOMScoreAdjust Nice SyslogIdentifier StandardOutput
	StandardError RuntimeDirectory StateDirectory'
keys_Install='WantedBy RequiredBy Alias Also'

units=("$ex"/systemd/*.service)
[ -e "${units[0]}" ] || units=()
check systemd/units "$([ ${#units[@]} -gt 0 ] || echo "no $ex/systemd/*.service")"
for u in "${units[@]}"; do
	n=${u##*/}
	check "systemd/syntax/$n" "$(awk -v ku="$keys_Unit" -v ks="$keys_Service" -v ki="$keys_Install" '
		BEGIN {
			split(ku, a); for (i in a) known["Unit", a[i]] = 1
			split(ks, a); for (i in a) known["Service", a[i]] = 1
			split(ki, a); for (i in a) known["Install", a[i]] = 1
		}
		cont { cont = /\\$/; next }
		/^[ \t]*([#;]|$)/ { next }
		/^\[[A-Za-z]+\]$/ {
			sec = substr($0, 2, length($0) - 2)
			if (sec != "Unit" && sec != "Service" && sec != "Install")
				print FILENAME ":" FNR ": unknown section [" sec "]"
			if (seen[sec]++) print FILENAME ":" FNR ": section [" sec "] twice"
			next
		}
		/^[A-Za-z][A-Za-z0-9]*=/ {
			key = substr($0, 1, index($0, "=") - 1)
			if (sec == "") print FILENAME ":" FNR ": " key "= before any section"
			else if (!known[sec, key]) print FILENAME ":" FNR ": key " key "= is not known in [" sec "] (tests/examples.sh lists the known keys)"
			cont = /\\$/
			next
		}
		{ print FILENAME ":" FNR ": not a section, key=value or comment: " $0 }' "$u")"
	if command -v systemd-analyze >/dev/null; then
		# verify wants ExecStart= to exist: the unit with the built binary.
		mkdir -p "$tmp/units"
		sed "s|^\(Exec[A-Za-z]*=[-@!+:]*\)/usr/local/bin/jail-ai-block|\1$jab|" "$u" >"$tmp/units/$n"
		v=$(systemd-analyze verify --man=no "$tmp/units/$n" 2>&1) || v="${v:-exit $?}"
		check "systemd/verify/$n" "$v"
	else
		echo "note: systemd-analyze is not installed; systemd/verify/$n not run"
	fi
done

# The watch unit: what `jail-ai-block watch` needs of its sandbox.
u=$ex/systemd/jailpol-watch.service
if [ -f "$u" ]; then
	val() { sed -n "s/^$1=//p" "$u" | tr '\n' ' '; } # every value of KEY, joined
	msg=
	bindir=$(sed -n 's/^PREFIX *?= *//p' "$here/Makefile")/bin
	hookbin=$(jq -r .hook.path "$ex/oci-hooks.d/jailpol.json")
	read -r exe verb rest <<<"$(val ExecStart)"
	[ "$exe" = "$bindir/jail-ai-block" ] && [ "$exe" = "$hookbin" ] ||
		msg+="ExecStart runs '$exe', make install puts jail-ai-block in $bindir, the hook runs $hookbin"$'\n'
	[ "$verb" = watch ] || msg+="ExecStart does not run 'jail-ai-block watch'"$'\n'
	[[ " ${rest:-}" =~ ^(\ (--resync\ [0-9]+|--debug|-d))*\ *$ ]] ||
		msg+="watch takes --resync SECONDS and --debug, not '$rest'"$'\n'
	[ "$(val Type)" = "notify " ] || msg+="Type= is not notify (the watch sends READY=1)"$'\n'
	[ "$(val Restart)" = "on-failure " ] || msg+="Restart= is not on-failure"$'\n'
	[[ " $(val After)" = *" sys-fs-bpf.mount "* ]] || msg+="not After=sys-fs-bpf.mount"$'\n'
	[[ "$(val PrivateNetwork)" =~ ^(no|false|0)?\ ?$ ]] ||
		msg+="PrivateNetwork= hides the host's network namespace"$'\n'
	[[ "$(val ProtectKernelTunables)" =~ ^(no|false|0)?\ ?$ ]] ||
		msg+="ProtectKernelTunables= makes /sys/fs/bpf read-only"$'\n'
	caps=$(val CapabilityBoundingSet)
	if [ -n "$caps" ]; then
		for c in CAP_BPF CAP_SYS_ADMIN CAP_NET_ADMIN CAP_DAC_READ_SEARCH; do
			[[ " $caps" = *" $c "* ]] || msg+="CapabilityBoundingSet= lacks $c"$'\n'
		done
	fi
	fam=$(val RestrictAddressFamilies)
	if [ -n "$fam" ]; then
		for a in AF_NETLINK AF_UNIX AF_INET AF_INET6; do
			[[ " $fam" = *" $a "* ]] || msg+="RestrictAddressFamilies= lacks $a"$'\n'
		done
	fi
	filter=$(val SystemCallFilter)
	if [ -n "$filter" ] && [[ $filter != "~"* ]] && [[ " $filter" != *" bpf "* ]]; then
		msg+="SystemCallFilter= allows no bpf()"$'\n'
	fi
	if [[ "$(val ProtectSystem)" =~ ^strict ]] && [[ " $(val ReadWritePaths)" != *" /sys/fs/bpf "* ]]; then
		msg+="ProtectSystem= without ReadWritePaths=/sys/fs/bpf"$'\n'
	fi
	check systemd/watch-unit "$msg"
else
	nok systemd/watch-unit "no $u"
fi

summary
