#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test VM's kernel, with patches/ applied, and the KVM selftests
# of the same tree, or reuse a cached build with the same key (source
# package version, patches, config).  Prints the tree's path on stdout.
set -euo pipefail
. "$(dirname "$0")/common.sh"

"$KC_TOP"/scripts/deps.sh

dir=$(kc_kernel_dir)
if [ -e "$dir/.kc-built" ]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$KC_CACHE"
exec 9>"$KC_CACHE/.lock"
flock 9
if [ -e "$dir/.kc-built" ]; then
	echo "$dir"
	exit 0
fi

kc_log "building kernel $(basename "$dir") (a few minutes)"
tmp="$dir.tmp"
rm -rf "$tmp"
mkdir -p "$tmp"
tar -C "$tmp" --strip-components=1 -xf "$KC_SRC_TARBALL"

for p in $(kc_series); do
	patch -d "$tmp" -p1 -s --no-backup-if-mismatch < "$KC_TOP/patches/$p" ||
		kc_die "patch $p does not apply"
done

mapfile -t fragments < <(kc_kernel_fragments)
make -s -C "$tmp" tinyconfig >/dev/null
(cd "$tmp" && scripts/kconfig/merge_config.sh -m .config "${fragments[@]}") >/dev/null
make -s -C "$tmp" olddefconfig >/dev/null
for f in "${fragments[@]}"; do
	grep '^CONFIG_' "$f" | while read -r opt; do
		grep -qxF "$opt" "$tmp/.config" || kc_die "kernel config lacks $opt"
	done
done

make -s -C "$tmp" -j"$KC_JOBS" bzImage modules >"$tmp/.kc-build.log" 2>&1 ||
	{ tail -30 "$tmp/.kc-build.log"; kc_die "kernel build failed"; }
make -s -C "$tmp" headers_install >/dev/null
# Under another make (make check), the selftests' lib.mk would take its
# OUTPUT from MAKELEVEL; name it.
st="$tmp/tools/testing/selftests/kvm"
env -u MAKELEVEL -u MAKEFLAGS -u MFLAGS make -s -C "$st" -j"$KC_JOBS" \
	OUTPUT="$st" EXTRA_CFLAGS=-static >"$tmp/.kc-selftests.log" 2>&1 ||
	{ tail -30 "$tmp/.kc-selftests.log"; kc_die "KVM selftests build failed"; }
[ -e "$st/lib/kvm_util.o" ] || kc_die "KVM selftest library missing in $st"

touch "$tmp/.kc-built"
rm -rf "$dir"
mv "$tmp" "$dir"
# Under the lock, any other unfinished tree is a failed build's.  Keep
# the three newest finished builds (the test kernel, the DEBUG=1 one and
# one more); a tree takes about 2 GB.
rm -rf "$KC_CACHE"/linux-*.tmp
ls -dt "$KC_CACHE"/linux-*/ | tail -n +4 | xargs -r rm -rf
echo "$dir"
