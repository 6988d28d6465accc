#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build everything the test VM runs: the kernel (cached), kvm_coalesce.ko
# out of tree against it, and the selftests.  Prints the kernel tree.
set -euo pipefail
. "$(dirname "$0")/common.sh"

ksrc=$("$KC_TOP"/scripts/kernel.sh)
kc_log "kernel $(make -s -C "$ksrc" kernelrelease) in $ksrc"

make -s -C "$ksrc" M="$KC_TOP" W=1 modules >&2
make -s -C "$KC_TOP/selftests" KSRC="$ksrc" OUTPUT="$(kc_selftests_dir "$ksrc")" >&2
echo "$ksrc"
