# SPDX-License-Identifier: GPL-2.0
# Which kernels the DKMS package builds for; sourced by dkms.conf and
# dkms/build.sh, not run.
#
# A kernel built with the series of patches/ needs only kvm_coalesce.ko.
# Debian's stock 6.12.118 kernel gets KVM's modules too, built from
# Debian's linux-source-6.12 of the same version: the one source the
# series is known to apply to and the kernel's own.

KC_SOURCE_PACKAGE=linux-source-6.12
KC_SOURCE_VERSION=6.12.118-1~deb12u1
KC_SOURCE_DIR=linux-source-6.12
# KC_SOURCE_TARBALL may point elsewhere (the tests use it to take the
# source away).
KC_SOURCE_TARBALL=${KC_SOURCE_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
KC_STOCK_RELEASE=6.12.118+deb12-amd64
KC_SUPPORTED="Debian's $KC_STOCK_RELEASE with $KC_SOURCE_PACKAGE $KC_SOURCE_VERSION installed, or a kernel built with its patches/"

# kc_kernel_has_series DIR: the kernel tree DIR carries the KVM series.
kc_kernel_has_series() {
	[ -e "$1/arch/x86/include/asm/kvm_io_exit.h" ]
}

# kc_kernel_unsupported RELEASE DIR: print why the package cannot be
# built for kernel RELEASE with headers DIR, in one line, and succeed;
# fail (print nothing) if it can be.
kc_kernel_unsupported() {
	local why= ver

	if [ "$1" != "$KC_STOCK_RELEASE" ]; then
		why="kernel $1 is not supported"
	elif ! grep -qs "Debian $KC_SOURCE_VERSION " "$2/include/generated/utsversion.h"; then
		why="the headers in $2 are not those of Debian's $KC_SOURCE_VERSION"
	elif ! grep -qs '^CONFIG_KVM=m$' "$2/.config"; then
		why="the kernel in $2 does not build KVM as modules"
	elif [ ! -r "$KC_SOURCE_TARBALL" ]; then
		why="$KC_SOURCE_TARBALL is missing (apt install $KC_SOURCE_PACKAGE)"
	else
		ver=$(dpkg-query -W -f='${Version}' "$KC_SOURCE_PACKAGE" 2>/dev/null) || ver=
		if [ "$KC_SOURCE_TARBALL" = /usr/src/$KC_SOURCE_DIR.tar.xz ] &&
		   [ "$ver" != "$KC_SOURCE_VERSION" ]; then
			why="$KC_SOURCE_PACKAGE is ${ver:-not installed}, not $KC_SOURCE_VERSION"
		fi
	fi
	[ -n "$why" ] || return 1
	echo "kvm-coalesce: not built: $why; supported: $KC_SUPPORTED"
}
