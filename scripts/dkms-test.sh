#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-test.sh KSRC: build kvm_coalesce with DKMS against the kernel tree
# KSRC, in a private DKMS tree, as a user of dkms.conf would.
set -euo pipefail
. "$(dirname "$0")/common.sh"

ksrc=${1:?usage: dkms-test.sh KSRC}
krel=$(make -s -C "$ksrc" kernelrelease)
name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"/\1/p' "$KC_TOP/dkms.conf")
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$KC_TOP/dkms.conf")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src="$tmp/src/$name-$ver"
mkdir -p "$src/kvm_coalesce" "$tmp/tree"
cp -r "$KC_TOP"/Kbuild "$KC_TOP"/dkms.conf "$KC_TOP"/dkms "$KC_TOP"/patches "$src/"
cp "$KC_TOP"/kvm_coalesce/Kbuild "$KC_TOP"/kvm_coalesce/*.[ch] "$src/kvm_coalesce/"

dkms=(dkms --dkmstree "$tmp/tree" --sourcetree "$tmp/src")
"${dkms[@]}" add -m "$name" -v "$ver" >/dev/null
"${dkms[@]}" build -m "$name" -v "$ver" -k "$krel" --kernelsourcedir "$ksrc" ||
	{ cat "$tmp/tree/$name/$ver/build/make.log" 2>/dev/null; exit 1; }
ko=$(find "$tmp/tree/$name/$ver/$krel" -name kvm_coalesce.ko | head -1)
[ -n "$ko" ] || kc_die "dkms built no kvm_coalesce.ko"
modinfo -F vermagic "$ko" | grep -q "^$krel " ||
	kc_die "vermagic of $ko is not $krel"
echo "dkms built $ko for $krel"
