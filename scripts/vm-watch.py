#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""vm-watch.py MONITOR JOB_LOG OUT_DIR STALL: watch the test VM's job
from the host; vm-run.sh stops this when QEMU exits.  If the job prints
nothing for STALL seconds (every test has a shorter limit of its own
inside the VM), QEMU's view of the CPUs, read through its human monitor
at the Unix socket MONITOR, goes to OUT_DIR/stall.txt, with a first line
that says whether CPU 0 waits on an interrupt QEMU lost
(Documentation/testing.rst, "Lost vCPUs"), and QEMU quits.
"""
import os
import re
import socket
import sys
import time

LOOK = 5	# seconds between looks at the job's output


class Monitor:
    """QEMU's human monitor: one command at a time, its answer as text."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(10)
        self.sock.connect(path)
        self.read_prompt()

    def read_prompt(self):
        out = b''
        while not out.endswith(b'(qemu) '):
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            out += data
        return out.decode(errors='replace').replace('\r', '')

    def run(self, cmd):
        self.sock.sendall(cmd.encode() + b'\n')
        # The first line echoes the command, with terminal escapes.
        return '\n'.join(self.read_prompt().split('\n')[1:-1])


def lost_interrupt(mon):
    """Whether CPU 0 is halted, IF set, with a deliverable vector in IRR."""
    regs = mon.run('info registers')
    lapic = mon.run('info lapic 0')
    rfl = re.search(r'RFL=([0-9a-f]+)', regs)
    irr = re.search(r'^IRR\s+([0-9 ]*)$', lapic, re.M)
    ppr = re.search(r'PPR (0x[0-9a-f]+)', lapic)
    if not (rfl and irr and ppr) or 'HLT=1' not in regs:
        return False
    vectors = [int(v) for v in irr.group(1).split()]
    return (int(rfl.group(1), 16) & 0x200 != 0 and vectors != [] and
            max(vectors) >> 4 > int(ppr.group(1), 16) >> 4)


def watch(monitor, job_log, out_dir, stall):
    size, quiet = -1, 0
    while quiet < stall:
        time.sleep(LOOK)
        now = os.path.getsize(job_log) if os.path.exists(job_log) else 0
        quiet = 0 if now != size else quiet + LOOK
        size = now
    mon = Monitor(monitor)
    with open(os.path.join(out_dir, 'stall.txt'), 'w') as f:
        if lost_interrupt(mon):
            f.write('CPU 0 halted, IF set, a deliverable vector in IRR\n')
        else:
            f.write('CPU 0 not waiting on a lost interrupt\n')
        f.write(mon.run('info registers -a') + '\n')
        f.write(mon.run('info lapic') + '\n')
    mon.run('quit')


def main():
    monitor, job_log, out_dir, stall = sys.argv[1:5]
    if int(stall) <= 0:
        return
    try:
        watch(monitor, job_log, out_dir, int(stall))
    except (EOFError, OSError):
        pass	# QEMU exited meanwhile


if __name__ == '__main__':
    main()
