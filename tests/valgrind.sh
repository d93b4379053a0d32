#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The command lines under valgrind's memcheck: tests/valgrind.sh BUILD_DIR
#
# Every golden case of jailpolc (tests/golden.sh: each tests/compiler .jp
# compiled and dumped, each cli .args line, error paths included) runs
# with jailpolc under memcheck (but the few marked #heavy), through a wrapper that tests/golden.sh
# takes for the compiler; then jail-ai-block's error paths that need no
# kernel (usage, a corrupt or missing policy, a missing cgroup, the OCI
# hook's refusals, watch's) and its read-only status.  A case fails when
# its output differs from the golden file (memcheck's --error-exitcode
# shows as another exit status) or when memcheck reports anything: an
# invalid read or write, an uninitialised value, a definite or indirect
# leak.  Memory still reachable at exit is not a leak.  Prints "ok NAME" /
# "FAIL NAME: ..." and "N passed, N failed"; exit 0, 1, or 77.
set -u

out=${1:-}
if [ -z "$out" ] || [ $# -ne 1 ]; then
	echo "usage: tests/valgrind.sh BUILD_DIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"
SUITE=valgrind
out=$(cd "$out" 2>/dev/null && pwd) || { echo "valgrind: no build directory '$1'" >&2; exit 2; }
command -v valgrind >/dev/null || cannot_run "valgrind is not installed (make deps installs it)"
for f in "$out/jailpolc" "$out/jail-ai-block"; do
	[ -x "$f" ] || cannot_run "'$f' is not built"
done

work=$(mktemp -d /tmp/jailpol-valgrind.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/logs"

# One log per process, kept only when memcheck had something to say.
VG=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
	--show-leak-kinds=definite,indirect "--log-file=$work/logs/vg.%p")

# Run plain: a case that caps the address space (ulimit -v, to see "out
# of memory"), which leaves memcheck no room of its own.  The limit cases
# marked #heavy (millions of rules or elements: seconds natively, a
# hundred times that under memcheck) are left out of this suite.
cat >"$work/jailpolc" <<EOF
#!/bin/sh
[ "\$(ulimit -v)" = unlimited ] || exec "$out/jailpolc" "\$@"
exec ${VG[*]} "$out/jailpolc" "\$@"
EOF
chmod +x "$work/jailpolc"

# Reports of memcheck since the last call, as failures of case $1.
check_logs() {
	local f bad=
	for f in "$work"/logs/vg.*; do
		[ -e "$f" ] || continue
		if [ -s "$f" ]; then
			bad=1
			nok "$1" "memcheck: $(head -n 12 "$f" | tr '\n' ' ')"
		fi
		rm -f "$f"
	done
	[ -n "$bad" ]
}

# 1. Every golden case under memcheck: one case each.
(cd "$here/.." && GOLDEN_SKIP_HEAVY=1 tests/golden.sh "$work/jailpolc") >"$work/golden.out" 2>&1
while read -r _ _ name; do
	nok "golden/$name" "differs under memcheck: $(sed -n "/^FAIL golden ${name//\//\\/}\$/,/^FAIL/p" "$work/golden.out" | sed -n '2,8p' | tr '\n' ' ')"
done < <(grep '^FAIL golden ' "$work/golden.out")
read -r gp gf < <(sed -n 's/^golden: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$work/golden.out")
if [ -z "${gp:-}" ]; then
	nok golden "tests/golden.sh printed no summary: $(tail -n 5 "$work/golden.out" | tr '\n' ' ')"
else
	pass=$((pass + gp))
	check_logs golden/memcheck || ok golden/memcheck
fi

# 2. jail-ai-block's paths that need no kernel, and status.
jab_vg() { # NAME WANT-RC ARGS...: with stdin from $work/stdin
	local name=$1 want=$2 rc
	shift 2
	"${VG[@]}" "$out/jail-ai-block" "$@" >"$work/out" 2>"$work/err" <"$work/stdin"
	rc=$?
	if check_logs "jab/$name"; then
		return
	elif [ "$rc" != "$want" ]; then
		nok "jab/$name" "expected exit $want got $rc: $(head -c 300 "$work/err")"
	else
		ok "jab/$name"
	fi
}
: >"$work/stdin"
"$out/jailpolc" "$here/../policies/default.jp" -o "$work/default.bin" 2>/dev/null ||
	stop setup "cannot compile policies/default.jp"
head -c 200 "$work/default.bin" >"$work/truncated.bin"
cp "$work/default.bin" "$work/flipped.bin"
printf '\x55' | dd of="$work/flipped.bin" bs=1 seek=300 conv=notrunc status=none
jab_vg help 0 --help
jab_vg help-verb 0 help attach
jab_vg unknown-verb 2 frobnicate
jab_vg attach-no-cgroup 2 attach
jab_vg attach-missing-cgroup 1 attach --policy "$work/default.bin" --cgroup /nonexistent
jab_vg attach-missing-policy 1 attach --policy "$work/none.bin" --cgroup /nonexistent
jab_vg attach-truncated 1 attach --policy "$work/truncated.bin" --cgroup /nonexistent
jab_vg attach-flipped 1 attach --policy "$work/flipped.bin" --cgroup /nonexistent
jab_vg watch-bad-resync 2 watch --resync x
printf '{"ociVersion": "1.0.2", "id": "x", "status": "running", "pid": 1}' >"$work/stdin"
jab_vg oci-hook-stage 1 oci-hook --default-policy default --policy-dir "$work"
printf '{"ociVersion": "1.0.2", "id": "x", "status": "creating", "pid": 1, "pid": 2}' >"$work/stdin"
jab_vg oci-hook-duplicate-key 1 oci-hook --default-policy default --policy-dir "$work"
printf '{"ociVersion": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[' >"$work/stdin"
jab_vg oci-hook-deep 1 oci-hook --default-policy default --policy-dir "$work"
: >"$work/stdin"
if [ "$(id -u)" -eq 0 ]; then
	jab_vg status 0 status --json
fi

summary
