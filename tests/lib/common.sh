# SPDX-License-Identifier: GPL-2.0-or-later
# tests/lib/common.sh - what the test scripts share; sourced, not run.

# The cgroup v2 mount point from /proc/self/mountinfo (/sys/fs/cgroup, or
# /sys/fs/cgroup/unified beside v1 controllers); empty if there is none.
# Field 5 is the mount point; the file system type follows the " - ".
cg2_mount() {
	awk '{ for (i = 7; $i != "-"; i++); if ($(i + 1) == "cgroup2") { print $5; exit } }' \
		/proc/self/mountinfo
}

# The lock every run that touches the kernel takes turns on: the kernel
# tests, the JSON check's jail cases, the fresh-machine check.  The same
# path as tests/lib/ktest.c's ktest_lock().
test_lock_path() {
	if [ -w /run/lock ]; then
		echo /run/lock/jailpol-kernel-tests.lock
	else
		echo /tmp/jailpol-kernel-tests.lock
	fi
}
