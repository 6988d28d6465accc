#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# profile-guest.sh [MACHINE [MODE]]: where the test VM's instructions go
# while a real guest of make bench-guest works (machine serial, vga,
# xapic or virtio, default vga), without kvm_coalesce ("stock") and with
# it in MODE (default addr).
#
# Boots the bench-guest job (scripts/job-guest.sh) on MACHINE under
# -icount, with kc.sample= naming the phase of the guest's workload that
# exercises the machine (serial: hwclock, vga: vga, xapic: sleep, virtio:
# disk) and smaller workloads than make bench-guest's, so that QEMU's
# exec log of the two phases stays in the gigabytes.  The guest marks the
# phase on a UART that the job sends to its own output, and
# scripts/exec-log.py turns the log on and off at the marks; QEMU sees
# them some milliseconds later, so each window starts a little into the
# phase and ends a little after it.  The figures are therefore per exit
# of each kind: the test VM's instructions (KVM, the module, its
# kernel and QEMU) from an exit of the guest to its next entry, and
# those until its kernel first schedules or returns to userspace, the
# exit's own.  The stock window's exits at each run's mean cost per kind
# compare the two runs; the module's own instructions in the exits it
# declined are the declined path's cost.
set -euo pipefail
. "$(dirname "$0")/common.sh"

machine=${1:-vga}
mode=${2:-addr}
case $machine in
serial)	phase=hwclock;;
vga)	phase=vga;;
xapic)	phase=sleep;;
virtio)	phase=disk;;
*)	kc_die "no machine $machine (serial, vga, xapic, virtio)";;
esac

ksrc=$("$KC_TOP"/scripts/kernel.sh)
out="$KC_BUILD/profile-guest-$machine"
vm="$out/vm"
mkdir -p "$out"
sock="$out/monitor.sock"
log="$out/exec.log"
# vm-run.sh starts the job's log afresh; the logger must not read the last one.
rm -rf "$sock" "$log".* "$vm"

python3 "$KC_TOP/scripts/exec-log.py" record "$sock" "$vm/job.log" "$log" 2 &
logger=$!
KC_OUT="$vm" KC_ICOUNT=1 KC_MONITOR="$sock" KC_VM_TIMEOUT=3600 \
	KC_CMDLINE="nokaslr kc.machines=$machine kc.modes=$mode kc.sample=$phase kc.retries=2 kc.vga=100 kc.sleep=50 kc.disk=192 kc.lines=100 ${KC_CMDLINE:-}" \
	"$KC_TOP"/scripts/vm-run.sh guest >"$out/job.txt" || :
# A VM that stopped without finishing its job leaves the logger waiting.
sleep 1
kill "$logger" 2>/dev/null || :
if ! wait "$logger"; then
	kc_die "the job did not mark two phases ($out/job.txt)"
fi
grep -q '^KC-GUEST-PASS' "$out/job.txt" ||
	kc_die "the guest failed or hung ($out/job.txt)"

grep '^KC-SYM ' "$out/job.txt" | cut -d' ' -f2- | sort -u >"$out/modules.map"
KC_OUT="$vm" "$KC_TOP"/scripts/guest-symbols.sh /dev/null >/dev/null
kver=$(cat "$vm/root/kc/guest/kernel.txt")
gsyms="$KC_CACHE/guest/${kver% *}_${kver#* }/kallsyms"

i=1
for c in stock "$mode"; do
	kc_log "$machine, $c, phase $phase: $(du -h "$log.$i" | cut -f1) of exec log"
	python3 "$KC_TOP/scripts/exec-log.py" guest "$log.$i" \
		"$ksrc/System.map" "$out/modules.map" "$gsyms" | tee "$out/$c.txt"
	i=$((i + 1))
done
python3 - "$out/stock.txt" "$out/$mode.txt" "$machine" "$mode" <<'EOF'
import json
import sys

def profile(path):
    with open(path) as f:
        for line in f:
            if line.startswith('KC-PROFILE '):
                return json.loads(line[len('KC-PROFILE '):])
    sys.exit(f'no KC-PROFILE line in {path}')

stock, mod = profile(sys.argv[1]), profile(sys.argv[2])
machine, mode = sys.argv[3], sys.argv[4]

# The windows do not start and end at the same point of the guest's
# work, and the phase's marks are UART writes that exit too, so the
# exits of the two windows are compared kind by kind: the stock
# window's exits, each at the mean cost of its kind in either run.
def weighted(cost):
    total = {'own': 0, 'outside': 0}
    for kind, (n, own, kernel, user) in stock['kinds'].items():
        n_, own_, kernel_, user_ = cost['kinds'].get(kind, [n, own, kernel, user])
        total['own'] += n * own_ / n_
        total['outside'] += n * (kernel_ + user_) / n_
    return total

def change(a, b):
    return f'{100 * (b - a) / a:+.1f}%'

a, b = weighted(stock), weighted(mod)
print(f'{machine}: the stock window\'s {stock["exits"]} exits at the mean cost '
      f'of their kind, test VM instructions outside the guest: stock '
      f'{a["outside"]:.0f}, {mode} {b["outside"]:.0f} '
      f'({change(a["outside"], b["outside"])}; target: lower); the exits\' '
      f'own: stock {a["own"]:.0f}, {mode} {b["own"]:.0f} '
      f'({change(a["own"], b["own"])})')
a = 1000 * stock['outside'] / stock['l2']
b = 1000 * mod['outside'] / mod['l2']
print(f'{machine}: whole windows, outside the guest per 1000 guest '
      f'instructions: stock {a:.1f}, {mode} {b:.1f} ({change(a, b)})')
s_mmio = stock['kinds'].get('mmio')
m_mmio = mod['kinds'].get('mmio')
if s_mmio and m_mmio:
    a, b = s_mmio[1] / s_mmio[0], m_mmio[1] / m_mmio[0]
    print(f'{machine}: per MMIO exit, its own instructions: stock {a:.0f} '
          f'({s_mmio[0]} exits), {mode} {b:.0f} ({m_mmio[0]}) '
          f'({change(a, b)}; target: -20% or less)')
if mod['declined']:
    print(f'{machine}: the module\'s own instructions per exit it declined: '
          f'{mod["kc_declined"] / mod["declined"]:.1f} '
          f'({mod["declined"]} exits; target: at most 25)')
print('KC-PROFILE-GUEST ' + json.dumps(
    {'machine': machine, 'mode': mode, 'stock': stock, mode: mod}))
EOF
