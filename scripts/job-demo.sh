# SPDX-License-Identifier: GPL-2.0
# make demo, inside the test VM.
/kc/kvm_coalesce_demo
