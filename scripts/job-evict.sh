# SPDX-License-Identifier: GPL-2.0
# scripts/vm-run.sh evict: the smp test's EVICT phase on stock KVM, the
# module unloaded, KC_EVICT_ROUNDS times (default 16): the vCPU
# shutdowns and hangs it sometimes shows under load happen without the
# module too (Documentation/testing.rst).
/kc/kvm_coalesce_smp_test -e "${KC_EVICT_ROUNDS:-16}"
