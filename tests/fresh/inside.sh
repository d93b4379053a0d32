#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The user's session on the fresh machine, run by tests/fresh/run.sh inside
# the new root as root: clone the commit under test, then type the README's
# first two commands as written.  Each command's output goes to the console
# and to /root/cmdN.log, its exit status to /root/cmdN.rc, for run.sh to
# judge once the root's namespaces are gone.
set -u
cd /root || exit 1
git -c advice.detachedHead=false clone -q /root/jailpol.bundle jailpol
cd jailpol || { echo "fresh: the clone failed"; exit 1; }
echo "fresh: cloned $(git log -1 --format='%h %s')"

# The first two lines of README.md's first ```sh block.
mapfile -t cmds < <(awk '/^```sh[[:space:]]*$/ { f = 1; next } f && /^```/ { exit } f' README.md | head -n 2)
if [ ${#cmds[@]} -ne 2 ]; then
	echo "fresh: README.md has no \`\`\`sh block with two commands"
	exit 1
fi
for i in 1 2; do
	t0=$SECONDS
	echo "fresh: command $i: ${cmds[i - 1]}"
	bash -c "${cmds[i - 1]}" 2>&1 </dev/null | tee "/root/cmd$i.log"
	rc=${PIPESTATUS[0]}
	echo "$rc" >"/root/cmd$i.rc"
	echo "fresh: command $i exited $rc after $((SECONDS - t0)) s"
done
