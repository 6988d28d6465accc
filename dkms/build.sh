#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms/build.sh KERNELRELEASE KERNEL_DIR: what DKMS runs to build the
# package (dkms.conf's MAKE), in its copy of this tree.
#
# On a kernel built with the KVM series of patches/, only kvm_coalesce.ko
# is built.  On Debian's stock 6.12 kernel, KVM's modules (kvm.ko,
# kvm-amd.ko, kvm-intel.ko) are built as well, from the kernel's own
# source (Debian's linux-source-6.12) with the series applied, against
# the kernel's headers and config, as kvm-kmod once did: they replace the
# stock KVM modules.  The stock vmlinux does not export the x86
# instruction decoder (the series' first patch does), so kvm_coalesce.ko
# then carries its own build of the kernel source's decoder.
set -euo pipefail

krel=${1:?usage: build.sh KERNELRELEASE KERNEL_DIR}
kdir=${2:?usage: build.sh KERNELRELEASE KERNEL_DIR}
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/dkms/supported.sh"

if kc_kernel_has_series "$kdir"; then
	exec make -C "$kdir" M="$top" KERNELRELEASE="$krel" modules
fi
msg=$(kc_kernel_unsupported "$krel" "$kdir") && {
	echo "$msg" >&2
	exit 1
}

# linux/: the parts of the kernel's source that KVM's modules and the
# decoder are built from, with the series applied.
linux="$top/linux"
rm -rf "$linux"
mkdir -p "$linux"
tar -C "$linux" --strip-components=1 -xf "$KC_SOURCE_TARBALL" \
	"$KC_SOURCE_DIR/arch/x86/kvm" "$KC_SOURCE_DIR/virt/kvm" \
	"$KC_SOURCE_DIR/arch/x86/include/asm/kvm_host.h" \
	"$KC_SOURCE_DIR/arch/x86/lib/insn.c" \
	"$KC_SOURCE_DIR/arch/x86/lib/inat.c" \
	"$KC_SOURCE_DIR/arch/x86/lib/x86-opcode-map.txt" \
	"$KC_SOURCE_DIR/arch/x86/tools/gen-insn-attr-x86.awk"

# Every patch but the decoder's export from vmlinux, which modules
# cannot change.
grep -v -e '^#' -e '^$' "$top/patches/series" | while read -r p; do
	grep -q '^diff --git a/arch/x86/lib/' "$top/patches/$p" && continue
	patch -d "$linux" -p1 -s --no-backup-if-mismatch <"$top/patches/$p"
done

# KVM's Makefiles name their own directories from $(srctree), which is
# the kernel's headers here; make those paths relative to KVM's
# directory instead.  trace.h names itself relative to include/trace/
# of a source tree, which the headers do not have: make one.
sed -i 's|\$(srctree)/|$(src)/../../../|' "$linux/arch/x86/kvm/Makefile"
mkdir -p "$linux/include/trace"
echo 'ccflags-y += -I$(src)/../../../include/trace' >>"$linux/arch/x86/kvm/Makefile"

# DKMS puts a module in place of the kernel's only if their versions
# differ, and KVM's modules have none: give them the package's.
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
for m in kvm kvm-amd kvm-intel; do
	printf '#include <linux/module.h>\nMODULE_VERSION("%s");\n' \
		"$KC_SOURCE_VERSION+kvm-coalesce-$ver" >"$linux/arch/x86/kvm/dkms-$m.c"
	echo "$m-y += dkms-$m.o" >>"$linux/arch/x86/kvm/Makefile"
done

# The decoder's opcode tables, generated as arch/x86/lib/Makefile does.
awk -f "$linux/arch/x86/tools/gen-insn-attr-x86.awk" \
	"$linux/arch/x86/lib/x86-opcode-map.txt" >"$linux/arch/x86/lib/inat-tables.c"

exec make -C "$kdir" M="$top" KERNELRELEASE="$krel" -j"$(nproc)" modules
