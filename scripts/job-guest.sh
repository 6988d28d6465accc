# SPDX-License-Identifier: GPL-2.0
# make bench-guest, inside the test VM (booted with -icount): Debian's
# QEMU boots Debian's kernel under KVM (machine pc, SeaBIOS) with
# scripts/guest/init, which reads the RTC, reads the configuration space
# of every PCI function, writes to a UART and powers off.  It runs once
# without kvm_coalesce ("stock") and once with it loaded in each mode of
# kc.modes= (default: off scan confirm addr).  For each run: KVM's exit
# statistics when the guest has stopped, the exits that reached QEMU,
# the time from starting QEMU to the guest's power-off, and a check
# that the guest did its work and printed the same as without the
# module.
#
# kc.hwclock=N and kc.lines=N size the workload (hwclock reads, lines of
# the UART write).
g=/kc/guest
export PATH=/bin:/usr/bin
modes=$(sed -n 's/.*kc\.modes=\([a-z,]*\).*/\1/p' /proc/cmdline | tr ',' ' ')
modes=${modes:-off scan confirm addr}
nclock=$(sed -n 's/.*kc\.hwclock=\([0-9]*\).*/\1/p' /proc/cmdline)
nclock=${nclock:-20}
nlines=$(sed -n 's/.*kc\.lines=\([0-9]*\).*/\1/p' /proc/cmdline)
nlines=${nlines:-1000}
kstats="exits io_exits mmio_exits halt_exits irq_exits signal_exits"
kstats="$kstats insn_emulation"
failed=0

fail() {
	echo "KC-GUEST-FAIL $*"
	failed=1
}

# KVM's statistics, summed over the VMs (QEMU's is the only one), and
# the module's counters for the VM if it is loaded.
read_stats() {
	for s in $kstats; do
		echo "$s $(cat /sys/kernel/debug/kvm/$s)"
	done
	cat /sys/kernel/debug/kvm/*-*/kvm_coalesce/stats 2>/dev/null |
		sed 's/^/kc_/'
}

# stat_of FILE NAME: the value of "NAME value" in FILE.
stat_of() {
	sed -n "s/^$2 //p" "$1"
}

# run_qemu CONFIG: boot the guest.  QEMU's monitor (QMP) is on its
# stdin and stdout; with -no-shutdown the guest's power-off stops the VM
# but keeps it, so that its statistics can be read when QMP reports the
# stop, before "quit" destroys it.
run_qemu() {
	local c=$1 line

	rm -f /tmp/qmp.in
	mkfifo /tmp/qmp.in
	exec 3<>/tmp/qmp.in
	echo '{"execute": "qmp_capabilities"}' >&3
	$g/kc_clock >/tmp/t0-$c
	KC_RUN_COUNT=/tmp/runs-$c LD_PRELOAD=$g/kc_run_count.so \
	timeout -s KILL 120 qemu-system-x86_64 -nodefaults -no-user-config \
		-machine pc -accel kvm -smp 1 -m 256M -vga none \
		-display none -no-reboot -no-shutdown \
		-kernel $g/vmlinuz -initrd $g/initrd.gz \
		-append "console=ttyS0,115200 panic=-1 kc.hwclock=$nclock kc.lines=$nlines" \
		-serial file:/tmp/console-$c.log -serial file:/tmp/out-$c.raw \
		-qmp stdio <&3 2>/tmp/qemu-$c.err |
	while read -r line; do
		case $line in
		*'"event": "STOP"'*)
			$g/kc_clock >/tmp/t1-$c
			read_stats >/tmp/stats-$c
			echo '{"execute": "quit"}' >&3
			;;
		esac
	done
	exec 3>&-
	tr -d '\r' </tmp/out-$c.raw >/tmp/out-$c.log 2>/dev/null
}

# check_output CONFIG: the guest printed everything, hwclock printed
# times, the UART carried exactly the lines written; then the output
# without the times must be the stock run's.
check_output() {
	local c=$1 o=/tmp/out-$1.log n

	if [ ! -s "$o" ]; then
		fail "$c: the guest printed nothing"
		return
	fi
	for m in START HWCLOCK-END PCI-END SERIAL-END DONE; do
		grep -q "^KC-GUEST-$m\|^KC-$m" "$o" || fail "$c: no KC-$m marker"
	done
	n=$(sed -n '/^KC-HWCLOCK-BEGIN/,/^KC-HWCLOCK-END/p' "$o" |
	    grep -Ec '^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} [0-9]{4} ')
	[ "$n" = "$nclock" ] || fail "$c: $n hwclock reads, not $nclock"
	n=$(sed -n '/^KC-PCI-BEGIN/,/^KC-PCI-END/p' "$o" | grep -c '^0000:')
	[ "$n" -gt 0 ] || fail "$c: no PCI function"
	a=$(sed -n '/^KC-SERIAL-BEGIN/,/^KC-SERIAL-END/p' "$o" | sed '1d;$d' |
	    md5sum | cut -d' ' -f1)
	b=$(seq 1 "$nlines" | md5sum | cut -d' ' -f1)
	[ "$a" = "$b" ] || fail "$c: the UART did not carry lines 1-$nlines"
	sed -E 's/^[A-Z][a-z]{2} [A-Z][a-z]{2} .* seconds$/<time>/' "$o" \
		>/tmp/cmp-$c.log
	if [ "$c" != stock ] && ! cmp -s /tmp/cmp-stock.log /tmp/cmp-$c.log; then
		fail "$c: the guest's output differs from stock:"
		diff /tmp/cmp-stock.log /tmp/cmp-$c.log | head -20
	fi
}

# report CONFIG: one readable line, one KC-RESULT line.
report() {
	local c=$1 s=/tmp/stats-$1 ns runs uio
	local exits io mmio

	if [ ! -f /tmp/t1-$c ]; then
		fail "$c: the guest did not stop"
		tail -20 /tmp/console-$c.log /tmp/qemu-$c.err
		return
	fi
	ns=$(($(cat /tmp/t1-$c) - $(cat /tmp/t0-$c)))
	exits=$(stat_of $s exits) io=$(stat_of $s io_exits) mmio=$(stat_of $s mmio_exits)
	set -- $(head -1 /tmp/runs-$c 2>/dev/null)
	runs=${2:-0} uio=${4:-0} umm=${6:-0}
	printf '%-8s %12s %10s %10s %10s %10s %10s %10s %10s\n' "$c" "$ns" \
		"$exits" "$io" "$mmio" "$runs" "$uio" "$umm" \
		"$(stat_of $s kc_blocks)"
	echo "KC-RESULT {\"workload\": \"debian-kernel-boot\", \"config\": \"$c\", \"iterations\": 1, \"exits\": $exits, \"userspace_exits\": $runs, \"l2_ns\": $ns, \"io_exits\": $io, \"mmio_exits\": $mmio}"
}

echo "guest: $(cat $g/kernel.txt), $nclock hwclock reads, $nlines UART lines"
echo "KC-GUEST-QEMU $(qemu-system-x86_64 --version | head -1)"
for c in stock $modes; do
	if [ "$c" != stock ]; then
		insmod /kc/kvm_coalesce.ko mode=$c ||
			fail "cannot load kvm_coalesce mode=$c"
	fi
	run_qemu $c
	[ "$c" = stock ] || rmmod kvm_coalesce
	echo "# $c: $(tr '\n' ' ' </tmp/stats-$c 2>/dev/null)"
	echo "# $c: to QEMU: $(head -1 /tmp/runs-$c 2>/dev/null)"
	echo "# $c: to QEMU, most frequent ports:" \
	     "$(grep '^port' /tmp/runs-$c | sort -k4 -n -r | head -6 |
		cut -d' ' -f2- | tr '\n' ',')"
done
echo
printf '%-8s %12s %10s %10s %10s %10s %10s %10s %10s\n' config l2_ns \
	exits io_exits mmio_exits user_exits user_io user_mmio kc_blocks
for c in stock $modes; do
	report $c
done
for c in stock $modes; do
	check_output $c
done
echo "console of the stock run:"
sed 's/^/# /' /tmp/console-stock.log | tr -d '\r' | tail -5
[ "$failed" = 0 ] && echo "KC-GUEST-PASS" || echo "KC-GUEST-FAILED"
