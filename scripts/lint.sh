#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lint.sh KSRC: checkpatch --strict on the module, the selftests, the
# fuzz target and the KVM patches, and sparse on the module, with the
# tools of KSRC.
set -u
. "$(dirname "$0")/common.sh"

ksrc=${1:?usage: lint.sh KSRC}
cp=("$ksrc/scripts/checkpatch.pl" --strict --no-tree --terse --show-types)
rc=0

# New files always ask whether MAINTAINERS needs an update; the new KVM
# files fall under the existing "KVM X86" entry.
out=$("${cp[@]}" --ignore FILE_PATH_CHANGES "$KC_TOP"/patches/*.patch |
      grep -v ' total: 0 errors, 0 warnings, 0 checks')
# selftests/host/ is excluded: its tables of native instructions are
# macros that checkpatch cannot tell from ones with side effects.
srcs=$(cd "$KC_TOP" && git ls-files 'kvm_coalesce/*.[ch]' 'selftests/*.[ch]' |
       grep -v '^selftests/host/')
out+=$(cd "$KC_TOP" && "${cp[@]}" -f $srcs)
# fuzz/: libFuzzer names its entry point LLVMFuzzerTestOneInput; the
# stand-ins of fuzz/include/ declare the kernel's own typedefs.
srcs=$(cd "$KC_TOP" && git ls-files 'fuzz/*.[ch]' | grep -v '^fuzz/include/')
[ -z "$srcs" ] ||
	out+=$(cd "$KC_TOP" && "${cp[@]}" --ignore CAMELCASE -f $srcs)
if [ -n "$out" ]; then
	echo "$out"
	rc=1
fi

out=$(make -s -C "$ksrc" M="$KC_TOP" C=2 modules 2>&1 | grep -E 'warning|error')
if [ -n "$out" ]; then
	echo "$out"
	rc=1
fi
exit $rc
