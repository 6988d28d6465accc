# SPDX-License-Identifier: GPL-2.0
# make profile, inside the test VM (run by scripts/profile.sh, without
# -icount): one workload of kvm_coalesce_bench between the markers the
# host's logger waits for, then the symbols of KVM and the module.
if [ "${KC_PROFILE_MODE:-addr}" != stock ]; then
	insmod /kc/kvm_coalesce.ko mode="${KC_PROFILE_MODE:-addr}"
fi
/kc/kvm_coalesce_bench -p "${KC_PROFILE_WORKLOAD:-add4}" \
	-n "${KC_PROFILE_CALLS:-20}"
grep -E '\[(kvm|kvm_amd|kvm_coalesce)\]$' /proc/kallsyms | sed 's/^/KC-SYM /'
