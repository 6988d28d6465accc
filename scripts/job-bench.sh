# SPDX-License-Identifier: GPL-2.0
# make bench, inside the test VM (booted with -icount): the costs of an
# exit and of the module's work, then the driver workloads, kc.iters=N
# iterations each (default 1000; KC_CMDLINE=kc.iters=N scripts/vm-run.sh).
/kc/kvm_coalesce_bench
echo
iters=$(sed -n 's/.*kc\.iters=\([0-9]*\).*/\1/p' /proc/cmdline)
/kc/kvm_coalesce_workloads -i "${iters:-1000}"
