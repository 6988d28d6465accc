#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""QEMU exec log of the test VM, for scripts/profile.sh.

exec-log.py record SOCKET JOBLOG LOGFILE
    Connect to QEMU's human monitor on SOCKET, send its log to LOGFILE,
    turn on "log exec,nochain,in_asm" once JOBLOG (the job's serial
    output) holds KC-SAMPLE-START and off once it holds KC-SAMPLE-END.

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
import re
import socket
import sys
import time

HF_GUEST_MASK = 1 << 21     # target/i386/cpu.h: in SVM guest mode
KERNEL_BASE = 0xffff800000000000
TOP_FUNCTIONS = 30


def wait_for(path, marker):
    while True:
        try:
            with open(path, errors='replace') as f:
                if marker in f.read():
                    return
        except FileNotFoundError:
            pass
        time.sleep(0.05)


def record(sock_path, joblog, logfile):
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

    command('logfile ' + logfile)
    wait_for(joblog, 'KC-SAMPLE-START')
    command('log exec,nochain,in_asm')
    wait_for(joblog, 'KC-SAMPLE-END')
    command('log none')


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


TRACE = re.compile(r'^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/([0-9a-f]+)/')
INSN = re.compile(r'^(0x[0-9a-f]+):  ')


def exit_blocks(logfile):
    """Yield (L2 address of the exit, new exit?, block address, its
    instructions) for each block the test VM's kernel ran after an L2
    exit."""
    insns = {}          # translation block address -> its instructions
    block = count = None
    l2_pc, in_l2 = None, False

    with open(logfile, errors='replace') as f:
        for line in f:
            if line.startswith('IN:'):
                block, count = None, 0
                continue
            m = INSN.match(line)
            if m:
                if block is None:
                    block = int(m.group(1), 16)
                count += 1
                continue
            if block is not None:
                insns[block] = count
                block = None
            m = TRACE.match(line)
            if not m:
                continue
            pc, flags = int(m.group(1), 16), int(m.group(2), 16)
            if flags & HF_GUEST_MASK:
                in_l2, l2_pc = True, pc
                continue
            if pc < KERNEL_BASE or l2_pc is None:
                continue        # the test program, in the test VM
            yield l2_pc, in_l2, pc, insns.get(pc, 1)
            in_l2 = False


def report(logfile, system_map, modules_map):
    addrs, names = read_symbols([system_map, modules_map])
    exits = collections.defaultdict(list)
    cur = None

    for l2_pc, new, pc, n in exit_blocks(logfile):
        if new:
            cur = collections.Counter()
            exits[l2_pc].append(cur)
        i = bisect.bisect_right(addrs, pc) - 1
        cur[names[i] if i >= 0 else hex(pc)] += n

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
    addrs, names = read_symbols([system_map, modules_map])
    entry = addrs[names.index(function)]
    exits = collections.defaultdict(list)
    caller = prev = None

    for l2_pc, new, pc, n in exit_blocks(logfile):
        if new:
            exits[l2_pc].append([0, 0])     # calls, instructions
            caller = None
        i = bisect.bisect_right(addrs, pc) - 1
        name = names[i] if i >= 0 else hex(pc)
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


def main():
    if len(sys.argv) == 5 and sys.argv[1] == 'record':
        record(*sys.argv[2:])
    elif len(sys.argv) == 5 and sys.argv[1] == 'report':
        report(*sys.argv[2:])
    elif len(sys.argv) == 6 and sys.argv[1] == 'span':
        span(*sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
