# SPDX-License-Identifier: GPL-2.0
# make bench-guest, inside the test VM (booted with -icount): Debian's
# QEMU boots Debian's kernel under KVM (machine pc, SeaBIOS) with
# scripts/guest/init, which reads the RTC, reads the configuration space
# of every PCI function, writes to a UART and powers off.  Four machines
# (kc.machines=, default all):
#
#   serial  one CPU, no display, the kernel's console on the UART
#   vga     -vga std, the kernel's console on the VGA text console too,
#           and the workload writes kc.vga=N lines (default 1000) to it
#   xapic   the local APIC in xAPIC mode (nox2apic): its timer and EOI
#           are MMIO stores; the workload sleeps kc.sleep=N times 1 ms
#           (default 200).  One CPU: with -smp 2 the guest's boot hung
#           in 4 of 5 attempts, with and without the module, bringing up
#           its second CPU (Documentation/guest-boot.rst, "Hangs")
#   virtio  a modern virtio-blk disk (MMIO notification, ioeventfd),
#           kc.disk=N 4 KiB blocks (default 1024) read with O_DIRECT
#
# Each machine boots once without kvm_coalesce ("stock") and once with
# it loaded in each mode of kc.modes= (default: off scan confirm addr
# for serial, addr, the default mode, for the others).  For each run:
# KVM's exit statistics when the guest has stopped, the exits that
# reached QEMU, the time from starting QEMU to the guest's power-off,
# and a check that the guest did its work and printed the same as
# without the module.
#
# kc.hwclock=N and kc.lines=N size the workload (hwclock reads, lines of
# the UART write).  kc.sample=PHASE connects the guest's third UART to
# this job's output, where the guest marks that phase for
# scripts/profile-guest.sh.
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
# param NAME DEFAULT: kc.NAME= of the command line.
param() {
	local v

	v=$(sed -n "s/.*kc\.$1=\([a-z0-9,]*\).*/\1/p" /proc/cmdline | tr ',' ' ')
	echo "${v:-$2}"
}
machines=$(param machines "serial vga xapic virtio")
modes=$(param modes "off scan confirm addr")
nclock=$(param hwclock 20)
nlines=$(param lines 1000)
nvga=$(param vga 1000)
ndisk=$(param disk 1024)
nsleep=$(param sleep 200)
sampled=$(param sample "")
limit=$(param guest_timeout 10)
retries=$(param retries 2)
# The guest kernel's own options: nokaslr, so that the addresses of a
# hang's registers and stack are those of the kernel's symbol table.
gcmdline="panic=-1 nokaslr kc.hwclock=$nclock kc.lines=$nlines"
[ -n "$sampled" ] && gcmdline="$gcmdline kc.sample=$sampled"
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

# machine_args MACHINE: QEMU's options and the guest kernel's command
# line (after "--") of MACHINE.
machine_args() {
	case $1 in
	serial)
		echo "-smp 1 -vga none -- console=ttyS0,115200";;
	vga)
		echo "-smp 1 -vga std -- console=tty0 console=ttyS0,115200 vga=0x0f04" \
		     "kc.vga=$nvga";;
	xapic)
		echo "-smp 1 -vga none -- console=ttyS0,115200 nox2apic" \
		     "kc.sleep=$nsleep";;
	virtio)
		echo "-smp 1 -vga none" \
		     "-drive file=$g/disk.img,format=raw,if=none,id=d,readonly=on" \
		     "-device virtio-blk-pci,drive=d,disable-legacy=on" \
		     "-- console=ttyS0,115200 kc.disk=$ndisk";;
	esac
}

# run_qemu RUN MACHINE ATTEMPT: boot the guest of MACHINE, RUN naming its
# files.  QEMU's monitor (QMP) is on its stdin and stdout; with
# -no-shutdown the guest's power-off stops the VM but keeps it, so that
# its statistics can be read when QMP reports the stop, before "quit"
# destroys it; not the watchdog's stop.  The monitor's answers to the
# watchdog's commands go to /tmp/hmp-RUN.  With kc.sample=, the guest's
# third UART writes to this job's output.
#
# Under -icount a boot that hung would hang again at the same point if
# booted the same way (it did, three times in a row): a command line 16
# characters longer at each attempt moves what follows.
run_qemu() {
	local c=$1 args line wd sample= attempt

	attempt=kc.attempt=$(printf "%0$(($3 * 16))d" 0)
	args=$(machine_args "$2")
	[ -n "$sampled" ] && sample="-serial file:/dev/ttyS1"
	rm -f /tmp/qmp.in /tmp/t1-$c /tmp/stats-$c /tmp/hang-$c /tmp/hmp-$c
	mkfifo /tmp/qmp.in
	exec 3<>/tmp/qmp.in
	echo '{"execute": "qmp_capabilities"}' >&3
	watchdog $c &
	wd=$!
	$g/kc_clock >/tmp/t0-$c
	# $args and $sample split into words on purpose.
	# shellcheck disable=SC2086
	KC_RUN_COUNT=/tmp/runs-$c LD_PRELOAD=$g/kc_run_count.so \
	timeout -s KILL $((limit + 60)) qemu-system-x86_64 -nodefaults -no-user-config \
		-machine pc -accel kvm -m 256M ${args%% -- *} \
		-display none -no-reboot -no-shutdown \
		-kernel $g/vmlinuz -initrd $g/initrd.gz \
		-append "${args#* -- } $gcmdline $attempt" \
		-serial file:/tmp/console-$c.log -serial file:/tmp/out-$c.raw \
		$sample -qmp stdio <&3 2>/tmp/qemu-$c.err |
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

# check_output MACHINE CONFIG: the guest printed everything, hwclock
# printed times, the UART carried exactly the lines written, the disk
# read gave the image's checksum; then the output without the times must
# be the stock run's on the same machine.
check_output() {
	local m=$1 c=$1-$2 o=/tmp/out-$1-$2.log n a b p markers

	if [ ! -s "$o" ]; then
		fail "$c: the guest printed nothing"
		return
	fi
	markers="START HWCLOCK-END PCI-END SERIAL-END DONE"
	case $m in
	vga)	markers="$markers VGA-END";;
	xapic)	markers="$markers SLEEP-END";;
	esac
	for p in $markers; do
		grep -q "^KC-GUEST-$p\|^KC-$p" "$o" || fail "$c: no KC-$p marker"
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
	if [ "$m" = virtio ]; then
		a=$(sed -n '/^KC-DISK-BEGIN/,/^KC-DISK-END/p' "$o" | sed -n 2p |
		    cut -d' ' -f1)
		b=$(head -c $((ndisk * 4096)) $g/disk.img | md5sum | cut -d' ' -f1)
		[ "$a" = "$b" ] || fail "$c: the disk read gave ${a:-nothing}, not $b"
	fi
	sed -E 's/^[A-Z][a-z]{2} [A-Z][a-z]{2} .* seconds$/<time>/' "$o" \
		>/tmp/cmp-$c.log
	if [ "$2" != stock ] && ! cmp -s /tmp/cmp-$m-stock.log /tmp/cmp-$c.log; then
		fail "$c: the guest's output differs from stock:"
		diff /tmp/cmp-$m-stock.log /tmp/cmp-$c.log | head -20
	fi
}

# report MACHINE CONFIG: one readable line, one KC-RESULT line.  KVM
# counts in mmio_exits only the MMIO for userspace and emulates every
# other MMIO exit on SVM (insn_emulation), unless the module runs it.
report() {
	local c=$1-$2 s=/tmp/stats-$1-$2 ns runs uio umm w=debian-kernel-boot
	local exits io mmio emul

	if [ ! -f /tmp/t1-$c ]; then
		fail "$c: the guest did not stop"
		tail -20 /tmp/console-$c.log /tmp/qemu-$c.err
		return
	fi
	[ "$1" = serial ] || w=$w-$1
	ns=$(($(cat /tmp/t1-$c) - $(cat /tmp/t0-$c)))
	exits=$(stat_of $s exits) io=$(stat_of $s io_exits) mmio=$(stat_of $s mmio_exits)
	emul=$(stat_of $s insn_emulation)
	set -- $(head -1 /tmp/runs-$c 2>/dev/null)
	runs=${2:-0} uio=${4:-0} umm=${6:-0}
	printf '%-14s %11s %8s %8s %8s %8s %8s %8s %8s %8s\n' "$c" "$ns" \
		"$exits" "$io" "$mmio" "$emul" "$runs" "$uio" "$umm" \
		"$(stat_of $s kc_blocks)"
	echo "KC-RESULT {\"workload\": \"$w\", \"config\": \"${c#*-}\", \"iterations\": 1, \"exits\": $exits, \"userspace_exits\": $runs, \"l2_ns\": $ns, \"io_exits\": $io, \"mmio_exits\": $mmio, \"emulations\": $emul}"
}

# configs MACHINE: the runs of MACHINE.
configs() {
	if [ "$1" = serial ]; then
		echo stock $modes
	else
		echo stock addr
	fi
}

# print_symbols: for scripts/profile-guest.sh, the code addresses of
# KVM and of the module as loaded now.
print_symbols() {
	grep -E '\[(kvm|kvm_amd|kvm_coalesce)\]$' /proc/kallsyms |
		sed 's/^/KC-SYM /'
}

# boot MACHINE CONFIG: boot it, and again if it hangs.
boot() {
	local c=$1-$2 n=1

	while :; do
		if [ "$2" != stock ]; then
			insmod /kc/kvm_coalesce.ko mode=$2 ||
				fail "cannot load kvm_coalesce mode=$2"
		fi
		[ -n "$sampled" ] && print_symbols
		run_qemu $c $1 $n
		[ "$2" = stock ] || rmmod kvm_coalesce
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
}

echo "guest: $(cat $g/kernel.txt), $nclock hwclock reads, $nlines UART lines," \
     "$nvga VGA lines, $nsleep sleeps, $ndisk disk blocks"
echo "KC-GUEST-QEMU $(qemu-system-x86_64 --version | head -1)"
hangs=0
for m in $machines; do
	for c in $(configs $m); do
		boot $m $c
	done
done
echo
printf '%-14s %11s %8s %8s %8s %8s %8s %8s %8s %8s\n' run l2_ns \
	exits io_exits mmio_exi emulated user_exi user_io user_mmi kc_block
for m in $machines; do
	for c in $(configs $m); do
		report $m $c
	done
done
for m in $machines; do
	for c in $(configs $m); do
		check_output $m $c
	done
done
echo "KC-GUEST-HANGS $hangs:$(sort /tmp/hung 2>/dev/null | uniq -c | tr -s ' \n' ' ')"
echo "console of the stock run:"
sed 's/^/# /' /tmp/console-serial-stock.log 2>/dev/null | tr -d '\r' | tail -5
[ "$failed" = 0 ] && echo "KC-GUEST-PASS" || echo "KC-GUEST-FAILED"
