#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/kernel/splice-table.sh DOC TABLE: replace the lines between
# "<!-- bypass-matrix: begin -->" and "<!-- bypass-matrix: end -->" in DOC
# with the contents of TABLE (written by tests/kernel/bypass --markdown).
set -eu
doc=$1 table=$2
grep -q '^<!-- bypass-matrix: begin -->$' "$doc" || { echo "splice-table: no begin marker in '$doc'" >&2; exit 1; }
grep -q '^<!-- bypass-matrix: end -->$' "$doc" || { echo "splice-table: no end marker in '$doc'" >&2; exit 1; }
tmp=$(mktemp "$doc.XXXXXX")
awk -v table="$table" '
	/^<!-- bypass-matrix: begin -->$/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
	/^<!-- bypass-matrix: end -->$/ { skip = 0 }
	!skip { print }
' "$doc" >"$tmp"
mv "$tmp" "$doc"
