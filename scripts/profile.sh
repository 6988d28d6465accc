#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# profile.sh [WORKLOAD [MODE [CALLS]]]: where the test VM's instructions
# go in the exits of one workload of kvm_coalesce_bench (add0, add4,
# add16, add48, out4, out16, user4, pair4, read4, probe, zone, eoi,
# doorbell; default add4), with the module in MODE (off, scan, confirm,
# addr, or stock for no module; default addr), CALLS calls (default 20).
#
# Boots the test VM on one CPU, without KASLR, under -icount (its timer
# then interrupts every millisecond of its instructions, not of the
# host's time), with QEMU's monitor on a socket; scripts/exec-log.py turns on QEMU's
# "log exec,nochain,in_asm" while the workload runs, then attributes
# every translation block the test VM executed to its function
# (System.map, and /proc/kallsyms for the modules) and to the exit of
# the L2 guest that preceded it, and prints instructions per exit by
# function.  A timer interrupt of the test VM lands in the exit it hits:
# compare workloads, or exits, rather than read one number alone.
set -euo pipefail
. "$(dirname "$0")/common.sh"

workload=${1:-add4}
mode=${2:-addr}
calls=${3:-20}

# vm-run.sh builds the module and selftests; only the tree is needed here.
ksrc=$("$KC_TOP"/scripts/kernel.sh)
out="$KC_BUILD/profile"
mkdir -p "$out"
sock="$out/monitor.sock"
log="$out/exec.log"
rm -f "$sock" "$log"

python3 "$KC_TOP/scripts/exec-log.py" record "$sock" \
	"$KC_BUILD/vm-profile/job.log" "$log" &
logger=$!
KC_ICOUNT=sleep KC_SMP=1 KC_MONITOR="$sock" KC_CMDLINE=nokaslr \
	KC_JOB_ENV="KC_PROFILE_WORKLOAD=$workload KC_PROFILE_MODE=$mode KC_PROFILE_CALLS=$calls" \
	"$KC_TOP"/scripts/vm-run.sh profile >/dev/null
wait "$logger"

grep '^KC-SYM ' "$KC_BUILD/vm-profile/job.txt" | cut -d' ' -f2- \
	>"$out/modules.map"
kc_log "$workload, mode $mode, $calls calls: $(du -h "$log" | cut -f1) of exec log"
python3 "$KC_TOP/scripts/exec-log.py" report "$log" "$ksrc/System.map" \
	"$out/modules.map"
