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
#
# A boot takes about 7.2 s of the test VM's time.  One that has not
# stopped after kc.guest_timeout=S seconds (default 10) has hung: the
# job pauses it, dumps the guest's registers, code, stack and local APIC
# through QEMU's monitor (KC-GUEST-HANG lines), quits it and boots the same
# configuration again, at most kc.retries=N more times (default 2).
# Every hang is reported; see "Hangs" in Documentation/guest-boot.rst.
# The limit is short because a hung guest spins on PAUSE, which TCG
# turns into an exit of its CPU loop each time: the test VM's -icount
# clock then crawls (about 7 ms per second of wall time).
g=/kc/guest
export PATH=/bin:/usr/bin
modes=$(sed -n 's/.*kc\.modes=\([a-z,]*\).*/\1/p' /proc/cmdline | tr ',' ' ')
modes=${modes:-off scan confirm addr}
nclock=$(sed -n 's/.*kc\.hwclock=\([0-9]*\).*/\1/p' /proc/cmdline)
nclock=${nclock:-20}
nlines=$(sed -n 's/.*kc\.lines=\([0-9]*\).*/\1/p' /proc/cmdline)
nlines=${nlines:-1000}
limit=$(sed -n 's/.*kc\.guest_timeout=\([0-9]*\).*/\1/p' /proc/cmdline)
limit=${limit:-10}
retries=$(sed -n 's/.*kc\.retries=\([0-9]*\).*/\1/p' /proc/cmdline)
retries=${retries:-2}
# The guest kernel's own options: nokaslr, so that the addresses of a
# hang's registers and stack are those of the kernel's symbol table.
gcmdline=nokaslr
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

# hmp COMMAND: a QMP request for the human monitor's COMMAND.
hmp() {
	printf '{"execute": "human-monitor-command", "arguments": {"command-line": "%s"}}\n' "$1"
}

# watchdog CONFIG: if the guest of CONFIG has not stopped after $limit
# seconds, note the hang, pause the guest (QEMU kicks the vCPU out of
# KVM_RUN), ask QEMU's monitor for its state and quit.  Run in the
# background by run_qemu, which kills it when the guest stops in time.
watchdog() {
	local c=$1 s

	trap 'kill $s 2>/dev/null; exit 0' TERM
	sleep "$limit" &
	s=$!
	wait $s
	[ -f /tmp/t1-$c ] && exit 0
	$g/kc_clock >/tmp/hang-$c
	echo '{"execute": "stop"}' >&3
	for cmd in 'info registers' 'x/12i $pc' 'x/96gx $esp' 'info lapic' \
		   'info pic'; do
		hmp "$cmd"
	done >&3
	sleep 2
	echo '{"execute": "quit"}' >&3
}

# run_qemu CONFIG: boot the guest.  QEMU's monitor (QMP) is on its
# stdin and stdout; with -no-shutdown the guest's power-off stops the VM
# but keeps it, so that its statistics can be read when QMP reports the
# stop, before "quit" destroys it; not the watchdog's stop.  The
# monitor's answers to the watchdog's commands go to /tmp/hmp-CONFIG.
run_qemu() {
	local c=$1 line wd

	rm -f /tmp/qmp.in /tmp/t1-$c /tmp/stats-$c /tmp/hang-$c /tmp/hmp-$c
	mkfifo /tmp/qmp.in
	exec 3<>/tmp/qmp.in
	echo '{"execute": "qmp_capabilities"}' >&3
	watchdog $c &
	wd=$!
	$g/kc_clock >/tmp/t0-$c
	KC_RUN_COUNT=/tmp/runs-$c LD_PRELOAD=$g/kc_run_count.so \
	timeout -s KILL $((limit + 60)) qemu-system-x86_64 -nodefaults -no-user-config \
		-machine pc -accel kvm -smp 1 -m 256M -vga none \
		-display none -no-reboot -no-shutdown \
		-kernel $g/vmlinuz -initrd $g/initrd.gz \
		-append "console=ttyS0,115200 panic=-1 $gcmdline kc.hwclock=$nclock kc.lines=$nlines" \
		-serial file:/tmp/console-$c.log -serial file:/tmp/out-$c.raw \
		-qmp stdio <&3 2>/tmp/qemu-$c.err |
	while read -r line; do
		case $line in
		*'"event": "STOP"'*)
			[ -f /tmp/hang-$c ] && continue
			$g/kc_clock >/tmp/t1-$c
			read_stats >/tmp/stats-$c
			echo '{"execute": "quit"}' >&3
			;;
		*'"return": "'*)
			echo "$line" >>/tmp/hmp-$c
			;;
		esac
	done
	kill $wd 2>/dev/null
	wait $wd 2>/dev/null
	exec 3>&-
	tr -d '\r' </tmp/out-$c.raw >/tmp/out-$c.log 2>/dev/null
}

# report_hang CONFIG ATTEMPT: what the watchdog saw, as KC-GUEST-HANG lines.
report_hang() {
	local c=$1 n=$2

	echo "KC-GUEST-HANG $c attempt $n: not stopped after ${limit} s" \
	     "($(($(cat /tmp/hang-$c) - $(cat /tmp/t0-$c))) ns);" \
	     "the guest's state:"
	sed -e 's/^{"return": "//' -e 's/"}$//' -e 's/\\r\\n/\n/g' \
	    -e 's/\\t/ /g' /tmp/hmp-$c 2>/dev/null |
	grep -v -E '^$|^"}$|^(FPR|XMM|FCW|DR[0-7]|[ECSDFG]S =|LDT|TR |GDT|IDT)' |
	sed 's/^/KC-GUEST-HANG   /'
	echo "KC-GUEST-HANG   guest console, last lines:"
	tr -d '\r' </tmp/console-$c.log | tail -5 | sed 's/^/KC-GUEST-HANG   /'
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
hangs=0
for c in stock $modes; do
	n=1
	while :; do
		if [ "$c" != stock ]; then
			insmod /kc/kvm_coalesce.ko mode=$c ||
				fail "cannot load kvm_coalesce mode=$c"
		fi
		run_qemu $c
		[ "$c" = stock ] || rmmod kvm_coalesce
		[ -f /tmp/hang-$c ] || break
		report_hang $c $n
		hangs=$((hangs + 1))
		echo "$c" >>/tmp/hung
		[ "$n" -gt "$retries" ] && break
		n=$((n + 1))
	done
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
echo "KC-GUEST-HANGS $hangs:$(sort /tmp/hung 2>/dev/null | uniq -c | tr -s ' \n' ' ')"
echo "console of the stock run:"
sed 's/^/# /' /tmp/console-stock.log | tr -d '\r' | tail -5
[ "$failed" = 0 ] && echo "KC-GUEST-PASS" || echo "KC-GUEST-FAILED"
