# SPDX-License-Identifier: GPL-2.0
# scripts/vm-run.sh evict: the smp test's EVICT phase on stock KVM, the
# module unloaded, KC_EVICT_ROUNDS times (default 16), with
# KC_EVICT_VCPUS vCPUs (default 4, twice the test VM's CPUs): the vCPU
# shutdowns and hangs it then shows happen without the module too
# (Documentation/testing.rst).
/kc/kvm_coalesce_smp_test -v "${KC_EVICT_VCPUS:-4}" -e "${KC_EVICT_ROUNDS:-16}"
