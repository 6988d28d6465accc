#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""QEMU exec log of the test VM, for scripts/profile.sh.

exec-log.py record SOCKET JOBLOG LOGFILE
    Connect to QEMU's human monitor on SOCKET, send its log to LOGFILE,
    turn on "log exec,nochain,in_asm" once JOBLOG (the job's serial
    output) holds KC-SAMPLE-START and off once it holds KC-SAMPLE-END.

exec-log.py record SOCKET JOBLOG LOGFILE N
    The same for the N windows between the job's KC-SAMPLE-START and
    KC-SAMPLE-END lines, into LOGFILE.1 ... LOGFILE.N, with QEMU in
    singlestep mode: one instruction per translation block.  QEMU's
    listing of a block (in_asm) reads its code through the test VM's
    own page tables and cannot list an L2 guest's ("unable to read
    memory"), so a block's instructions are only known that way.

exec-log.py report LOGFILE SYSTEM_MAP MODULES_MAP
    Attribute every translation block the test VM executed, counted
    with its instructions, to a function of the kernel or of a module,
    and to the exit of the L2 guest that preceded it: the blocks QEMU
    ran in SVM guest mode (hflags HF_GUEST_MASK) are the L2 guest's,
    and the L2 address of the last of them names the exit.  Prints, per
    exit address, the exits seen and the instructions per exit of the
    functions that run most.
"""
import bisect
import collections
import json
import re
import socket
import sys
import time

HF_GUEST_MASK = 1 << 21     # target/i386/cpu.h: in SVM guest mode
KERNEL_BASE = 0xffff800000000000
TOP_FUNCTIONS = 30


def wait_for(path, marker, times=1):
    """Wait until PATH holds MARKER TIMES times; fail if the job ended
    (KC-END, which scripts/init prints last) before."""
    while True:
        try:
            with open(path, errors='replace') as f:
                text = f.read()
            if text.count(marker) >= times:
                return
            if 'KC-END' in text:
                sys.exit(f'exec-log.py: the job ended without {marker}')
        except FileNotFoundError:
            pass
        time.sleep(0.05)


def record(sock_path, joblog, logfile, windows=None):
    mon = socket.socket(socket.AF_UNIX)
    deadline = time.time() + 600
    while True:
        try:
            mon.connect(sock_path)
            break
        except OSError:
            if time.time() > deadline:
                sys.exit('exec-log.py: no monitor at ' + sock_path)
            time.sleep(0.1)
    mon.settimeout(1)

    def command(text):
        mon.sendall(text.encode() + b'\n')
        time.sleep(0.05)
        try:
            mon.recv(65536)
        except socket.timeout:
            pass

    if windows is None:
        command('logfile ' + logfile)
        wait_for(joblog, 'KC-SAMPLE-START')
        command('log exec,nochain,in_asm')
        wait_for(joblog, 'KC-SAMPLE-END')
        command('log none')
        return
    for i in range(1, int(windows) + 1):
        wait_for(joblog, 'KC-SAMPLE-START', i)
        command(f'logfile {logfile}.{i}')
        command('singlestep on')
        command('log exec,nochain')
        wait_for(joblog, 'KC-SAMPLE-END', i)
        command('log none')
        command('singlestep off')


def read_symbols(paths):
    syms = []
    for path in paths:
        with open(path, errors='replace') as f:
            for line in f:
                p = line.split()
                if len(p) >= 3 and p[1] in 'tTwW':
                    syms.append((int(p[0], 16), p[2]))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def function_at(symbols, pc):
    """The function of read_symbols()' SYMBOLS that holds PC."""
    addrs, names = symbols
    i = bisect.bisect_right(addrs, pc) - 1
    return names[i] if i >= 0 else hex(pc)


TRACE = re.compile(r'^Trace \d+: (0x[0-9a-f]+) '
                   r'\[[0-9a-f]+/([0-9a-f]+)/([0-9a-f]+)/')
INSN = re.compile(r'^(0x[0-9a-f]+):  ')


def blocks(logfile):
    """Yield (address, hflags, instructions) for each translation block
    the test VM executed.  The log's flags (nochain) are part of what
    QEMU looks its translations up by, so every block run while it logs
    is translated, and listed (in_asm), just before it first runs; its
    instructions are then known by its host code address, which unlike
    its guest address is not shared by an L1 and an L2 block.  A block
    without a listing counts one instruction, as in singlestep mode."""
    insns = {}          # host code address -> instructions
    count = None        # instructions of the block being listed

    with open(logfile, errors='replace') as f:
        for line in f:
            if line.startswith('IN:'):
                count = 0
                continue
            if INSN.match(line):
                count += 1
                continue
            m = TRACE.match(line)
            if not m:
                continue
            host = m.group(1)
            if count:
                insns[host] = count
                count = None
            yield (int(m.group(2), 16), int(m.group(3), 16),
                   insns.get(host, 1))


def exit_blocks(logfile):
    """Yield (L2 address of the exit, new exit?, block address, its
    instructions) for each block the test VM's kernel ran after an L2
    exit."""
    l2_pc, in_l2 = None, False

    for pc, flags, n in blocks(logfile):
        if flags & HF_GUEST_MASK:
            in_l2, l2_pc = True, pc
            continue
        if pc < KERNEL_BASE or l2_pc is None:
            continue        # the test program, in the test VM
        yield l2_pc, in_l2, pc, n
        in_l2 = False


def report(logfile, system_map, modules_map):
    symbols = read_symbols([system_map, modules_map])
    exits = collections.defaultdict(list)
    cur = None

    for l2_pc, new, pc, n in exit_blocks(logfile):
        if new:
            cur = collections.Counter()
            exits[l2_pc].append(cur)
        cur[function_at(symbols, pc)] += n

    for pc, runs in sorted(exits.items(), key=lambda e: -len(e[1])):
        total = collections.Counter()
        for c in runs:
            total.update(c)
        n = len(runs)
        print(f'exit after L2 block {pc:#x}: {n} exits, '
              f'{sum(total.values()) / n:.0f} instructions per exit')
        for name, v in total.most_common(TOP_FUNCTIONS):
            print(f'  {name:44s} {v / n:9.1f}')


def span(logfile, system_map, modules_map, function):
    symbols = read_symbols([system_map, modules_map])
    addrs, names = symbols
    entry = addrs[names.index(function)]
    exits = collections.defaultdict(list)
    caller = prev = None

    for l2_pc, new, pc, n in exit_blocks(logfile):
        if new:
            exits[l2_pc].append([0, 0])     # calls, instructions
            caller = None
        name = function_at(symbols, pc)
        if caller is None and pc == entry:
            caller = prev
            exits[l2_pc][-1][0] += 1
        elif caller is not None and name == caller:
            caller = None
        if caller is not None:
            exits[l2_pc][-1][1] += n
        prev = name

    for pc, runs in sorted(exits.items(), key=lambda e: -len(e[1])):
        calls = sum(c for c, _ in runs)
        n = len(runs)
        print(f'exit after L2 block {pc:#x}: {n} exits, {calls / n:.2f} '
              f'calls of {function} and {sum(i for _, i in runs) / n:.1f} '
              f'instructions under it per exit')


# The KVM functions that tell the kind of an exit, first match wins.
EXIT_KINDS = (
    ({'kvm_fast_pio', 'io_interception'}, 'pio'),
    ({'kvm_emulate_halt', 'kvm_emulate_halt_noskip'}, 'hlt'),
    ({'kvm_emulate_wrmsr', 'kvm_emulate_rdmsr'}, 'msr'),
    ({'kvm_emulate_cpuid'}, 'cpuid'),
    ({'interrupt_window_interception'}, 'vintr'),
    ({'intr_interception'}, 'intr'),
)
# KVM's emulator runs MMIO, and without NRIP-save (TCG) it also skips
# the instruction of other exits.
MMIO_FUNCTIONS = {'x86_emulate_instruction', 'kc_mmio_exit'}


def exit_kind(functions):
    """A nested page fault is an MMIO exit if KVM's emulator or the
    module ran it, else a fault the MMU fixed."""
    if 'kvm_mmu_page_fault' in functions:
        return 'mmio' if MMIO_FUNCTIONS & functions else 'npf'
    for names, kind in EXIT_KINDS:
        if names & functions:
            return kind
    return 'other'


def module_functions(modules_map, module):
    with open(modules_map, errors='replace') as f:
        return {line.split()[2] for line in f
                if line.rstrip().endswith(f'[{module}]')}


class Exit:
    """An exit of the L2 guest: the test VM's blocks from the first after
    the guest's to the guest's next."""

    def __init__(self, l2_pc):
        self.l2_pc = l2_pc      # the guest's last block before it
        self.functions = set()  # of the test VM's kernel
        self.user = 0           # instructions of QEMU (userspace)
        self.kernel = 0         # of the test VM's kernel
        self.module = 0         # of which kvm_coalesce's
        self.own = 0            # the kernel's until it first schedules
        self.left = False       # or returns to userspace: has it?

    def add(self, name, n, module):
        """N instructions of function NAME (None: userspace)."""
        if name is None:
            self.user += n
            self.left = True
            return
        self.kernel += n
        self.functions.add(name)
        if module:
            self.module += n
        if name == '__schedule':
            self.left = True
        if not self.left:
            self.own += n


def guest(logfile, system_map, modules_map, guest_symbols):
    symbols = read_symbols([system_map, modules_map])
    guest_syms = read_symbols([guest_symbols])
    kc = module_functions(modules_map, 'kvm_coalesce')
    l2 = 0
    exits = []
    cur = None

    for pc, flags, n in blocks(logfile):
        if flags & HF_GUEST_MASK:
            l2 += n
            l2_pc, cur = pc, None
            continue
        if cur is None:
            if not l2:
                continue        # before the first L2 block: no exit
            cur = Exit(l2_pc)
            exits.append(cur)
        name = function_at(symbols, pc) if pc >= KERNEL_BASE else None
        cur.add(name, n, name in kc)

    user = sum(e.user for e in exits)
    kernel = sum(e.kernel for e in exits)
    outside = kernel + user
    print(f'L2 guest: {l2} instructions; outside it: {outside} '
          f'(kernel {kernel}, userspace {user}); '
          f'{1000 * outside / max(l2, 1):.1f} per 1000 of the guest\'s')
    # The module declined an exit it ran in but did not execute.
    declined = [e for e in exits if e.module and 'kc_exec' not in e.functions]
    kc_declined = sum(e.module for e in declined)
    # kind -> [exits, the exits' own instructions, test VM kernel
    # instructions, QEMU's]
    by_kind = collections.defaultdict(lambda: [0, 0, 0, 0])
    sites = collections.defaultdict(lambda: [0, 0, 0, 0])
    for e in exits:
        kind = exit_kind(e.functions)
        for entry in [by_kind[kind]] + (
                [sites[function_at(guest_syms, e.l2_pc)]]
                if kind == 'mmio' else []):
            entry[0] += 1
            entry[1] += e.own
            entry[2] += e.kernel
            entry[3] += e.user
    print('exits by kind: exits; per exit, the instructions until the test '
          'VM\'s kernel first schedules or returns to userspace (the '
          'exit\'s own), of its kernel in all, and of QEMU, before the '
          'guest ran again')
    for k, v in sorted(by_kind.items(), key=lambda x: -x[1][2]):
        print(f'  {k:8s} {v[0]:8d} {v[1] / v[0]:9.1f} {v[2] / v[0]:9.1f} '
              f'{v[3] / v[0]:9.1f}')
    print('MMIO exits, by guest function:')
    for k, v in sorted(sites.items(), key=lambda x: -x[1][0])[:10]:
        print(f'  {k:32s} {v[0]:8d} {v[1] / v[0]:9.1f} {v[2] / v[0]:9.1f} '
              f'{v[3] / v[0]:9.1f}')
    if any(e.module for e in exits):
        print(f'exits the module declined: {len(declined)}, the module\'s '
              f'own instructions per declined exit: '
              f'{kc_declined / max(len(declined), 1):.1f}')
    print('KC-PROFILE ' + json.dumps({
        'l2': l2, 'outside': outside, 'exits': len(exits),
        'kinds': by_kind, 'declined': len(declined),
        'kc_declined': kc_declined}))


def main():
    if len(sys.argv) in (5, 6) and sys.argv[1] == 'record':
        record(*sys.argv[2:])
    elif len(sys.argv) == 5 and sys.argv[1] == 'report':
        report(*sys.argv[2:])
    elif len(sys.argv) == 6 and sys.argv[1] == 'span':
        span(*sys.argv[2:])
    elif len(sys.argv) == 6 and sys.argv[1] == 'guest':
        guest(*sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
