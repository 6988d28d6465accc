# SPDX-License-Identifier: GPL-2.0
# make bench, inside the test VM (booted with -icount).
/kc/kvm_coalesce_bench
