#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build and run the tests that need no VM, printing their TAP lines:
# selftests/host/alu_test checks the executor's arithmetic against the
# CPU this runs on.
set -euo pipefail
. "$(dirname "$0")/common.sh"

mkdir -p "$KC_BUILD/host"
gcc -O2 -Wall -Werror -I"$KC_TOP/selftests/host/include" \
	-o "$KC_BUILD/host/alu_test" "$KC_TOP/selftests/host/alu_test.c"
"$KC_BUILD/host/alu_test"
