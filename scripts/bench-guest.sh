#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-guest.sh: make bench-guest.  Debian's QEMU boots Debian's kernel
# in the test VM on each machine of scripts/job-guest.sh, without the
# module and with it (exits by kind, time, the guest's output compared);
# then scripts/profile-guest.sh measures on each machine
# (KC_PROFILE_MACHINES, default all four) the test VM's instructions
# outside the guest, stock against the default mode, and this prints
# them against issue 13's target 7.  KC_PROFILE_MACHINES= (empty) skips
# the profiles.
set -euo pipefail
. "$(dirname "$0")/common.sh"

KC_ICOUNT=1 KC_VM_TIMEOUT=${KC_VM_TIMEOUT:-3600} "$KC_TOP"/scripts/vm-run.sh guest
grep -q '^KC-GUEST-PASS' "$KC_BUILD/vm-guest/job.txt" ||
	kc_die "the guest boots failed ($KC_BUILD/vm-guest/job.txt)"

machines=${KC_PROFILE_MACHINES-serial vga xapic virtio}
for m in $machines; do
	"$KC_TOP"/scripts/profile-guest.sh "$m" addr >"$KC_BUILD/profile-guest-$m.txt" ||
		kc_die "make profile-guest MACHINE=$m failed ($KC_BUILD/profile-guest-$m.txt)"
done
[ -n "$machines" ] || exit 0
echo
echo "Target 7 (issue 13), from make profile-guest MACHINE=M (QEMU's exec log"
echo "of the test VM while the guest works, stock against the default mode):"
for m in $machines; do
	grep "^$m: " "$KC_BUILD/profile-guest-$m.txt"
done
