# SPDX-License-Identifier: GPL-2.0
# Not a test: the reproducer behind the stock kernel's single CPU
# (scripts/vm-run.sh).  One CPU flips a static key of the scheduler
# (sched_schedstats) while the other forks, which runs code testing that
# key; the kernel patches that code with int3 (text_poke_bp).  Under
# QEMU 7.2's multi-threaded TCG the second CPU soon dies of "Oops: int3";
# the harness kernel has no CONFIG_JUMP_LABEL, so it never patches.
#   KC_KERNEL=stock KC_SMP=2 scripts/vm-run.sh textpoke
(taskset -c 1 sh -c 'i=0; while [ $i -lt 3000 ]; do /bin/true; i=$((i + 1)); done') &
pid=$!
n=0
while kill -0 $pid 2>/dev/null; do
	echo 1 >/proc/sys/kernel/sched_schedstats
	echo 0 >/proc/sys/kernel/sched_schedstats
	n=$((n + 1))
done
echo "static key flipped $((2 * n)) times while CPU 1 forked"
