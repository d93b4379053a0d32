#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run jailpol's test suites:
#   tests/run-tests.sh BUILD_DIR [unit|golden|bad|valgrind|policies|docs|layers|bench|install|json|fuzz|kernel|revoke|unix|crash|oci|watch|events|podman|bypass|verify]...
# A test that exits 77 was skipped; under CI a skip is a failure.  The last
# line is "N passed, N failed, N skipped"; a suite that stopped before its
# end is named on the line before it, so the summary never hides cases that
# did not run.
set -u
out=$1
shift
suites=${*:-unit golden bad valgrind policies docs layers bench install json fuzz kernel revoke unix crash oci watch events podman verify bypass}
pass=0 fail=0 skip=0
unfinished=()

count() { # name rc
	case $2 in
	0) pass=$((pass + 1)); echo "ok   $1" ;;
	77) skip=$((skip + 1)); echo "SKIP $1" ;;
	*) fail=$((fail + 1)); echo "FAIL $1 (exit $2)" ;;
	esac
}

# run_counted NAME CMD...: a suite that ends with "N passed, N failed[, N
# skipped]"; each of its cases counts as one test.  A suite that knows its
# cases counts those it could not run as failed (or skipped, when it cannot
# run at all); one that prints no summary counts as one skipped or failed
# test.  A suite that says "NAME: stopped: ..." or "NAME: cannot run: ..."
# did not reach its end.
run_counted() {
	local name=$1 log rc p f s why
	shift
	log=$(mktemp)
	"$@" | tee "$log"
	rc=${PIPESTATUS[0]}
	read -r p f s < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed\(, \([0-9]*\) skipped\)\{0,1\}$/\1 \2 \4/p' \
		"$log" | tail -n 1)
	why=$(sed -n "s/^$name: \(stopped\|cannot run\): //p" "$log" | head -n 1)
	rm -f "$log"
	[ -z "$why" ] || unfinished+=("$name ($why)")
	if [ -z "${p:-}" ]; then
		count "$name" "$rc"
		return
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + ${s:-0}))
	# A failing exit with no failed or skipped case still fails once.
	[ "$rc" -eq 0 ] || [ "$f" -ne 0 ] || [ "${s:-0}" -ne 0 ] || count "$name" "$rc"
}

for suite in $suites; do
	case $suite in
	unit)
		for t in "$out"/san/tests/test_*; do
			[ -x "$t" ] || continue
			log=$(mktemp)
			"$t" >"$log" 2>&1
			rc=$?
			tail -n 1 "$log" | sed "s|^|     $(basename "$t"): |"
			[ $rc -eq 0 ] || tail -n 30 "$log"
			rm -f "$log"
			count "unit/$(basename "$t")" $rc
		done
		;;
	golden)
		# Each golden case counts as one test.
		log=$(mktemp)
		tests/golden.sh "$out/jailpolc" | tee "$log"
		read -r gp gf < <(sed -n 's/^golden: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$log")
		rm -f "$log"
		if [ -z "${gp:-}" ]; then
			count golden 1
		else
			pass=$((pass + gp)) fail=$((fail + gf))
		fi
		;;
	bad)
		# The bad-input catalogue (tests/bad/): malformed policies and
		# forged policy.bin files, each refused with its exact message;
		# the forged ones also by jail-ai-block attach, as root.  Each
		# case counts as one test.
		run_counted bad tests/bad/run.sh "$out"
		;;
	valgrind)
		# jailpolc's golden cases and jail-ai-block's error paths under
		# memcheck: no invalid access, no definite or indirect leak.
		run_counted valgrind tests/valgrind.sh "$out"
		;;
	policies)
		# Every shipped policy and example compiles cleanly, warnings as errors.
		for jp in policies/*.jp examples/*.jp; do
			"$out/jailpolc" -Werror --check "$jp"
			count "policy/$jp" $?
		done
		# ... and has its tests beside it, which hold against the
		# source and against the policy.bin it compiles to.
		bin=$(mktemp)
		for jp in policies/*.jp examples/*.jp; do
			jpt=${jp%.jp}.jpt
			if [ ! -f "$jpt" ]; then
				echo "FAIL $jpt: $jp has no tests beside it"
				count "policy-tests/$jpt" 1
				continue
			fi
			"$out/jailpolc" --test "$jpt"
			count "policy-tests/$jpt" $?
			"$out/jailpolc" "$jp" -o "$bin" && "$out/jailpolc" --test "$jpt" "$bin"
			count "policy-tests/$jpt/bin" $?
		done
		rm -f "$bin"
		;;
	docs)
		# jailpol(5) lists every element of every built-in set.
		missing=
		while read -r e; do
			re=${e//./\\.}
			grep -qE -- "(^|[[:space:](,])$re([[:space:]),.;]|\$)" man/jailpol.5 || missing="$missing $e"
		done < <(sed -n '/^static const char \*const pol_bi_/,/;$/p' compiler/builtins.c |
			grep -o '"[^"]*"' | tr -d '"')
		[ -z "$missing" ] || echo "man/jailpol.5 does not list these built-in set elements:$missing"
		count docs/jailpol.5-builtins "$([ -z "$missing" ] && echo 0 || echo 1)"
		# docs/language.md lists the keywords of compiler/keywords.h, in
		# its order.
		table=$(sed -n 's/^[[:space:]]*X([A-Z_]*, "\([a-z]*\)").*/\1/p' compiler/keywords.h | tr '\n' ' ')
		listed=$(sed -n 's/^| keywords | `\([^`]*\)`.*/\1 /p' docs/language.md)
		rc=0
		if [ -z "$table" ] || [ "$table" != "$listed" ]; then
			echo "docs/language.md lists the keywords '$listed', compiler/keywords.h has '$table'"
			rc=1
		fi
		# parser.y declares a token for each of them and for no other word.
		tokens=$(sed -n "s/^%token [A-Z_]* \"'\([a-z]*\)'\"\$/\1/p" compiler/parser.y | tr '\n' ' ')
		if [ "$table" != "$tokens" ]; then
			echo "compiler/parser.y has the keyword tokens '$tokens', compiler/keywords.h '$table'"
			rc=1
		fi
		# ... and the scanner's name syntax.
		ident=$(sed -n 's/^IDENT[[:space:]]*//p' compiler/scanner.l)
		if [ -z "$ident" ] || ! grep -qF "| name | \`$ident\`" docs/language.md; then
			echo "docs/language.md does not give the scanner's name syntax '$ident'"
			rc=1
		fi
		count docs/language.md-keywords $rc
		# README's layout tables name every source file of the layers and
		# only files that exist.
		rc=0
		named=$(sed -n '/^## Layout/,/^## /p' README.md | grep '^|' | grep -o '`[a-z0-9/_.]*\.[a-z]*`' |
			tr -d '`' | sort -u)
		for f in $named; do
			[ -e "$f" ] || { rc=1; echo "README.md's layout names '$f', which does not exist"; }
		done
		for f in lib/*.c compiler/*.c compiler/*.l compiler/*.y runtime/*.c bpf/templates/*.c \
			tests/lib/*.c tests/bad/*.c; do
			grep -qxF "$f" <<<"$named" || { rc=1; echo "README.md's layout does not name '$f'"; }
		done
		count docs/README-layout $rc
		# The deployment examples (examples/kubernetes/, examples/systemd/)
		# parse and hold together with the hook files, the Containerfile,
		# make install and README.md.  Each check counts as one test.
		run_counted examples tests/examples.sh "$out"
		;;
	layers)
		# compiler/ and runtime/ both stand on lib/, never on each other
		# (docs/design.md): what each directory's sources include, and
		# what jail-ai-block links.
		gen=$(realpath --relative-to=. "$out")
		for dir in lib compiler runtime; do
			case $dir in
			lib) allowed='lib bpf/templates' ;;
			compiler) allowed="compiler lib bpf/templates $gen/compiler" ;;
			runtime) allowed="runtime lib bpf/templates $gen/bpf" ;;
			esac
			bad=
			while IFS=: read -r file inc; do
				where=
				for d in "$(dirname "$file")" $allowed; do
					if [ -e "$d/$inc" ]; then
						where=$(realpath --relative-to=. "$(dirname "$d/$inc")")
						break
					fi
				done
				[[ " $allowed " = *" ${where:-none} "* ]] || bad="$bad $file:\"$inc\""
			done < <(grep -o '^#include "[^"]*"' "$dir"/*.[chly] | sed 's/:#include "\(.*\)"$/:\1/')
			[ -z "$bad" ] || echo "layers: $dir/ includes what it may not:$bad"
			count "layers/$dir-includes" "$([ -z "$bad" ] && echo 0 || echo 1)"
		done
		rc=0
		if ldd "$out/jail-ai-block" | grep -q libyaml; then
			rc=1
			echo "layers: jail-ai-block links libyaml"
		fi
		objs=$(for c in compiler/*.c compiler/parser.y compiler/scanner.l; do
			n=${c##*/}
			[ "$n" = main.c ] || echo "$out/compiler/${n%.*}.o"
		done)
		leaked=$(comm -12 <(nm --defined-only -g $objs | awk 'NF == 3 { print $3 }' | sort -u) \
			<(nm --defined-only "$out/jail-ai-block" | awk 'NF == 3 { print $3 }' | sort -u))
		if [ -n "$leaked" ]; then
			rc=1
			echo "layers: jail-ai-block holds compiler objects:" $leaked
		fi
		count layers/jail-ai-block-links-runtime-and-lib $rc
		;;
	install)
		# make install puts in place every file the man pages name under
		# FILES, and the installed compiler checks the installed policies.
		d=$(mktemp -d)
		rc=0
		make -s --no-print-directory OUTPUT="$out" DESTDIR="$d" PREFIX=/opt/jailpol install \
			>"$d.log" 2>&1 || { rc=1; cat "$d.log"; }
		for f in bin/jailpolc bin/jail-ai-block share/man/man1/jailpolc.1 \
			share/man/man5/jailpol.5 share/man/man8/jail-ai-block.8; do
			[ -e "$d/opt/jailpol/$f" ] || { rc=1; echo "make install: no /opt/jailpol/$f"; }
		done
		while read -r f; do
			if [ ! -e "$d$f" ]; then
				rc=1
				echo "make install: a man page names '$f', which is not installed"
			elif [[ $f = *.jp ]]; then
				"$d/opt/jailpol/bin/jailpolc" -Werror --check "$d$f" || rc=1
			fi
		done < <(sed -n '/^\.SH FILES/,/^\.SH/s|^\.I \(/opt/jailpol/[^ ]*\)$|\1|p' \
			"$d"/opt/jailpol/share/man/man*/*)
		rm -rf "$d" "$d.log"
		count install $rc
		;;
	bench)
		# The bench's tools (tests/bench-tools.sh), a second without
		# root; the bench itself is make bench (BENCH_QUICK=1: a smoke).
		run_counted bench tests/bench-tools.sh "$out"
		;;
	json)
		# Every --json output is valid JSON when the names it prints
		# hold quotes, control characters and invalid UTF-8; the
		# jail-ai-block cases need root.  Each case counts as one test.
		run_counted json tests/json.sh "$out"
		;;
	fuzz)
		# The libFuzzer targets of tests/fuzz/: the saved corpus and
		# past crashes replayed, then FUZZ_SECONDS (16) of fuzzing each.
		# Each target counts as one test.
		run_counted fuzz tests/fuzz/run.sh "$out" "${FUZZ_SECONDS:-16}"
		;;
	kernel)
		# Real programs on the real kernel: throw-away cgroups, network
		# namespaces and sockets.  Each case counts as one test.
		run_counted kernel tests/kernel/run.sh "$out"
		;;
	revoke)
		# Sockets connected before a policy and denied by it, destroyed
		# by attach and replace; accepted ones, allowed ones and
		# bystanders kept; a container's netns swept too.  Each case
		# counts as one test.
		run_counted revoke tests/kernel/revoke.sh "$out"
		;;
	unix)
		# `unix` and `socket` rules on real Unix, raw and ping sockets:
		# the host's abstract names and paths refused, a container's own
		# netns kept, replace attaching and detaching the hooks, a kernel
		# before Linux 6.7 or without BTF refusing the policy whole.
		# Each case counts as one test.
		run_counted unix tests/kernel/unix.sh "$out"
		;;
	oci)
		# The OCI hook's protocol with a process standing in for the
		# container, and the jail's life cycle: status, gc, detach --id.
		run_counted oci tests/kernel/oci.sh "$out"
		;;
	watch)
		# watch keeps every jail's host set current as addresses come
		# and go, in a network namespace of the test's own.
		run_counted watch tests/kernel/watch.sh "$out"
		;;
	events)
		# What the jail reports: monitor's events (fields, rate limit,
		# JSON of odd names), stats' counters, audit mode, and explain
		# naming the rule the kernel reports.  Each case counts as one
		# test.
		run_counted events tests/kernel/events.sh "$out"
		;;
	podman)
		# The hook and a jailed parent under a real podman (runc, a
		# busybox root file system, private configuration and storage).
		run_counted podman tests/kernel/podman.sh "$out"
		;;
	crash)
		# attach and replace killed at every call of every syscall that
		# changes the jail: the old policy or the new one on every hook,
		# status agreeing, attach again finishing.  Each case counts as
		# one test.
		run_counted crash tests/kernel/crash.sh "$out"
		;;
	verify)
		# Kernel verdicts against the reference evaluator: random policies
		# attached to a throw-away cgroup, probed with real sockets from
		# private network namespaces.  One test; it prints its seed.
		"$out/tests/verify" --probes "${VERIFY_PROBES:-100000}" "$out"
		count verify $?
		;;
	bypass)
		# The bypass matrix: each row counts as one test.
		run_counted bypass "$out/tests/bypass" "$out"
		;;
	*)
		echo "unknown suite '$suite'" >&2
		exit 2
		;;
	esac
done

for u in "${unfinished[@]}"; do
	echo "did not run to its end: $u"
done
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] || exit 1
if [ $skip -ne 0 ] && [ "${CI:-}" = true ]; then
	echo "a skipped test counts as a failure in CI" >&2
	exit 1
fi
exit 0
