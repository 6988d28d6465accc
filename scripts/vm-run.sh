#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm-run.sh JOB: boot the test VM (QEMU, TCG emulating AMD SVM) with the
# patched kernel, KVM, kvm_coalesce and the selftests in an initramfs, run
# JOB (scripts/job-JOB.sh) in it, and print the job's output.
#
# QEMU's human monitor is a Unix socket, KC_MONITOR or build/vm-JOB/
# monitor.sock (for "info registers -a" when the VM hangs).  With
# KC_STALL_TIMEOUT=S, scripts/vm-watch.py stops a VM whose job printed
# nothing for S seconds, and keeps its CPUs' state in stall.txt.
#
# KC_ICOUNT=1 runs with -icount shift=0,sleep=off: the guest's clock then
# counts executed instructions, 1 ns each, and timings are deterministic.
# KC_ICOUNT=sleep runs with -icount shift=0,sleep=on: the same, but the
# guest's clock keeps up with the host's while it is idle, so that a
# sleep in the job lasts as long for an observer on the host.
# KC_JOB_ENV="NAME=VALUE ..." exports these variables to the job.
# KC_TESTS="NAME ..." runs these tests instead of scripts/tests-JOB.list.
# KC_SMP=N gives the VM N CPUs (default 2, 1 with KC_ICOUNT); the job
# fails unless its kernel brought up all of them.
# KC_KERNEL=stock boots Debian's stock kernel instead of the harness's,
# with the KVM modules and kvm_coalesce.ko the DKMS package built for it
# (scripts/stock-kernel.sh), on one CPU (see below); logs then go to
# build/vm-stock-JOB/.
#
# Fails if the job did not finish or the kernel log holds a WARN, BUG,
# oops, lockdep, KASAN or hung-task report.  Logs are kept in
# build/vm-JOB/, or KC_OUT (console.log: kernel; job.log: the job;
# kernel-reports.txt: the report lines of console.log).
set -euo pipefail
. "$(dirname "$0")/common.sh"

job=${1:?usage: vm-run.sh JOB}
[ -f "$KC_TOP/scripts/job-$job.sh" ] || kc_die "no job $job"

ksrc=$("$KC_TOP"/scripts/build.sh)
out="${KC_OUT:-$KC_BUILD/vm-$job}"
kernel="$ksrc/arch/x86/boot/bzImage"
if [ "${KC_KERNEL:-}" = stock ]; then
	out="${KC_OUT:-$KC_BUILD/vm-stock-$job}"
	kernel="$("$KC_TOP"/scripts/stock-kernel.sh fetch)/vmlinuz"
	stock="$KC_BUILD/stock-modules"
	# Built again when what goes into them changed.
	if [ ! -f "$stock/kvm-modules.list" ] ||
	   [ -n "$(find "$KC_TOP"/{Kbuild,dkms.conf,dkms,kvm_coalesce,patches} \
		   -newer "$stock/kvm-modules.list" -print -quit)" ]; then
		"$KC_TOP"/scripts/stock-kernel.sh modules >&2
	fi
fi
root="$out/root"
rm -rf "$out"
mkdir -p "$root"/{bin,kc,proc,sys,dev,tmp}

cp /bin/busybox "$root/bin/busybox"
install -m 755 "$KC_TOP/scripts/init" "$root/init"
# KVM's modules, in load order, and kvm_coalesce.
if [ -n "${stock:-}" ]; then
	cp "$stock"/*.ko "$stock/kvm-modules.list" "$root/kc/"
else
	kvm_mods=(virt/lib/irqbypass.ko arch/x86/kvm/kvm.ko arch/x86/kvm/kvm-amd.ko)
	for m in "${kvm_mods[@]}"; do
		cp "$ksrc/$m" "$root/kc/"
		basename "$m" >>"$root/kc/kvm-modules.list"
	done
	cp "$KC_TOP"/kvm_coalesce/kvm_coalesce.ko "$root/kc/"
fi
cp "$KC_TOP/scripts/job-$job.sh" "$(kc_selftests_dir "$ksrc")"/kvm_coalesce_* "$root/kc/"
rm -f "$root"/kc/*.o "$root"/kc/*.d
for v in ${KC_JOB_ENV:-}; do
	echo "export $v" >>"$root/kc/job.env"
done
if [ -n "${KC_TESTS:-}" ]; then
	printf '%s\n' $KC_TESTS >"$root/kc/tests.list"
elif [ -f "$KC_TOP/scripts/tests-$job.list" ]; then
	cp "$KC_TOP/scripts/tests-$job.list" "$root/kc/tests.list"
fi
# The upstream KVM selftests the job runs, from the same tree.
if [ -n "${KC_UPSTREAM_TESTS:-}" ]; then
	mkdir -p "$root/kc/upstream"
	for t in $KC_UPSTREAM_TESTS; do
		cp "$ksrc/tools/testing/selftests/kvm/$t" "$root/kc/upstream/"
		basename "$t" >>"$root/kc/upstream.list"
	done
fi
# What only this job needs (scripts/root-JOB.sh ROOT), so that the other
# jobs' initramfs stays small.
if [ -f "$KC_TOP/scripts/root-$job.sh" ]; then
	bash "$KC_TOP/scripts/root-$job.sh" "$root"
fi
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out/initramfs.gz"

# TCG is too slow for the kernel to calibrate the TSC against the PIT,
# which leaves KVM without a TSC frequency; state one (1 GHz: with icount
# shift=0 that is the guest's own clock).
# No printk timestamps (Debian's kernel has them), so that the checks
# below read the same lines from both kernels.
cmdline="tsc_early_khz=1000000 tsc=reliable printk.time=0 ${KC_CMDLINE:-}"
# QEMU 7.2's SVM emulation can lose the request of an interrupt that the
# local APIC raised while a nested guest was entered: its VMRUN sets a
# bit of the CPU's interrupt requests without the lock that guards them,
# so the APIC timer's request from QEMU's main thread is overwritten.
# The vector stays in IRR and the CPU halts forever unless another
# interrupt comes.  A periodic tick is one (Documentation/testing.rst,
# "Lost vCPUs"); -icount runs keep the tickless kernel their figures
# were measured on.
[ "${KC_ICOUNT:-0}" = 0 ] && cmdline="highres=off nohz=off $cmdline"

# Two CPUs, so that exits run in parallel; one under -icount unless
# KC_SMP says otherwise: its figures then count the instructions of the
# exits measured, not a second CPU's ticks, and compare with earlier runs.
#
# Debian's kernel gets one CPU.  It patches its code with int3 while
# other CPUs run it (jump labels: CONFIG_JUMP_LABEL, which the harness
# kernel leaves out), and QEMU's multi-threaded TCG lets another vCPU
# trap on an int3 already gone (scripts/job-textpoke.sh reproduces it
# without KVM); with two vCPUs on one host thread instead, an interrupt
# the L2 guest took was at times delivered again inside its handler,
# with IF clear.  Parallel exits are the harness kernel's to test.
if [ "${KC_ICOUNT:-0}" = 0 ] && [ "${KC_KERNEL:-}" != stock ]; then
	smp=${KC_SMP:-2}
else
	smp=${KC_SMP:-1}
fi
# KC_TCG=multi|single chooses QEMU's TCG threading (-icount is
# single-threaded anyway).
tcg=tcg
[ -n "${KC_TCG:-}" ] && tcg=tcg,thread=$KC_TCG
qemu=(qemu-system-x86_64 -accel "$tcg" -cpu EPYC,+svm,+npt -m 2G
      -smp "$smp" -no-reboot -display none
      -kernel "$kernel" -initrd "$out/initramfs.gz"
      -append "console=ttyS0 reboot=t panic=-1 loglevel=7 $cmdline kc.job=$job"
      -serial "file:$out/console.log" -serial "file:$out/job.log")
[ "${KC_ICOUNT:-0}" = 1 ] && qemu+=(-icount shift=0,sleep=off)
[ "${KC_ICOUNT:-0}" = sleep ] && qemu+=(-icount shift=0,sleep=on)
monitor=${KC_MONITOR:-$out/monitor.sock}
qemu+=(-monitor "unix:$monitor,server,nowait")

kc_log "booting the test VM for '$job'"
rc=0
timeout "${KC_VM_TIMEOUT:-1200}" "${qemu[@]}" </dev/null &
qemu_pid=$!
"$KC_TOP"/scripts/vm-watch.py "$monitor" "$out/job.log" "$out" \
	"${KC_STALL_TIMEOUT:-0}" &
watch_pid=$!
wait $qemu_pid || rc=$?
kill $watch_pid 2>/dev/null || :
wait $watch_pid || :
if [ -s "$out/stall.txt" ]; then
	kc_log "the job printed nothing for $KC_STALL_TIMEOUT s: QEMU" \
	       "stopped; $(head -1 "$out/stall.txt") ($out/stall.txt)"
fi

# The serial port ends lines with CR LF.
tr -d '\r' <"$out/job.log" >"$out/job.txt"
cat "$out/job.txt"

fail=0
if ! grep -q '^KC-END' "$out/job.txt"; then
	kc_log "the VM did not finish the job (qemu exit $rc); console:"
	tail -40 "$out/console.log" >&2
	fail=1
fi
# Every CPU QEMU gives must be up, or no two exits run at the same time.
# grep reads all of tr's output (no -q): under pipefail, tr killed by
# SIGPIPE would fail the test with a console log larger than a pipe.
if ! tr -d '\r' <"$out/console.log" |
     grep -E "^smp: Brought up [0-9]+ nodes?, $smp CPUs?\$" >/dev/null; then
	kc_log "the test VM's kernel did not bring up its $smp CPUs:"
	grep -E '^smp: Brought up' "$out/console.log" >&2
	fail=1
fi
reports='WARNING:|BUG:|Oops|Kernel panic|general protection|KASAN|UBSAN|'
reports+='possible circular locking|possible recursive locking|'
reports+='inconsistent lock state|suspicious RCU usage|INFO: task .* blocked|'
reports+='INFO: rcu_.* stall|Call Trace:'
# Debian's kernel states its choice of SRSO mitigation (no microcode
# for it under TCG) as "WARNING: See ...": advice, not a kernel warning.
advice='^Speculative Return Stack Overflow: WARNING: See '
# Kept in kernel-reports.txt (empty if none), for check.sh to tell a
# VM that stopped on a report from one that only stopped.
grep -v "$advice" "$out/console.log" | grep -E "$reports" >"$out/kernel-reports.txt" || :
if [ -s "$out/kernel-reports.txt" ]; then
	kc_log "kernel reports in $out/console.log:"
	grep -v "$advice" "$out/console.log" | grep -E -A20 "$reports" | head -60 >&2
	fail=1
fi
exit $fail
