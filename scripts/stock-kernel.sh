#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian's stock kernel (dkms/supported.sh names it) for the test VM,
# with the modules the DKMS package builds for it.
#
#   stock-kernel.sh fetch    download Debian's packages of that kernel
#                            once into the cache: its vmlinuz, KVM's stock
#                            modules and what they need, its headers;
#                            prints the directory
#   stock-kernel.sh modules  dkms add, build, install and remove the
#                            package for that kernel, as a user would, and
#                            check that installing it puts its KVM in
#                            place of the stock one and removing it brings
#                            the stock one back; keeps in
#                            build/stock-modules/ the modules modprobe
#                            loaded for kvm_amd while it was installed,
#                            and in its dkms/ the four modules DKMS built
#   stock-kernel.sh refuse   dkms build for a kernel the package does not
#                            support, and for the stock one without its
#                            source: each must stop with one line saying
#                            why, before any compiler runs
#
# The build machine does not run that kernel: dkms runs in a mount
# namespace where /lib/modules holds only that kernel's directory (with
# the headers as its build/) and /var/lib/dkms is empty, so that nothing
# of the machine's own is read or changed.
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$KC_TOP/dkms/supported.sh"

krel=$KC_STOCK_RELEASE
abi=${krel%-amd64}
ver=$KC_SOURCE_VERSION
dir="$KC_CACHE/stock-$krel-$ver"
mods="$KC_BUILD/stock-modules"
name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"/\1/p' "$KC_TOP/dkms.conf")
pver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$KC_TOP/dkms.conf")

# Of the kernel's modules: KVM's and those they depend on.
stock_modules=(kernel/arch/x86/kvm kernel/virt/lib kernel/drivers/crypto/ccp
	       modules.order modules.builtin modules.builtin.modinfo)

fetch() {
	local tmp p

	[ -e "$dir/.kc-fetched" ] && return
	if ! apt-cache show "linux-image-$krel" >/dev/null 2>&1; then
		sudo=
		[ "$(id -u)" = 0 ] || sudo=sudo
		$sudo apt-get update -qq
	fi
	kc_log "downloading Debian's $krel $ver"
	tmp="$dir.tmp"
	rm -rf "$tmp"
	mkdir -p "$tmp/debs" "$tmp/root"
	(cd "$tmp/debs" && apt-get download -qq "linux-image-$krel=$ver" \
		"linux-headers-$krel=$ver" "linux-headers-$abi-common=$ver" \
		"linux-kbuild-$abi=$ver" 2>/dev/null) ||
		kc_die "cannot download Debian's $krel $ver"
	for p in "$tmp"/debs/linux-{headers,kbuild}-*.deb; do
		dpkg-deb -x "$p" "$tmp/root"
	done
	dpkg-deb --fsys-tarfile "$tmp"/debs/linux-image-*.deb |
		tar -x -C "$tmp/root" "./boot/vmlinuz-$krel" \
		    "${stock_modules[@]/#/./lib/modules/$krel/}"
	mv "$tmp/root/boot/vmlinuz-$krel" "$tmp/vmlinuz"
	# The headers' Makefile includes the common part by its installed
	# path; it is extracted elsewhere here.
	sed -i "s|^include /usr/src/|include $dir/root/usr/src/|" \
		"$tmp/root/usr/src/linux-headers-$krel/Makefile"
	rm -rf "$tmp/debs" "$tmp/root/boot"
	touch "$tmp/.kc-fetched"
	rm -rf "$dir"
	mv "$tmp" "$dir"
}

# show_depends KEEP: what modprobe would load for kvm_amd, as paths
# relative to the kernel's module directory; with KEEP, also copied,
# uncompressed, to $mods in load order.
show_depends() {
	local p

	modprobe -S "$krel" --show-depends kvm_amd |
		sed -n "s|^insmod /lib/modules/$krel/\([^ ]*\).*|\1|p" |
		while read -r p; do
			echo "$p"
			[ -n "$1" ] || continue
			xz -dcf "/lib/modules/$krel/$p" >"$mods/$(basename "${p%.xz}")"
			basename "${p%.xz}" >>"$mods/kvm-modules.list"
		done
}

# In the mount namespace: the package's whole life for that kernel.
dkms_cycle() {
	local tmp=$1 src dkms deps p

	mount -t tmpfs kc-modules /lib/modules
	mount -t tmpfs kc-dkms /var/lib/dkms
	cp -a "$dir/root/lib/modules/$krel" /lib/modules/
	# The headers' links point at where their package installs them.
	ln -sfn "$dir/root/usr/src/linux-headers-$krel" "/lib/modules/$krel/build"
	ln -sfn "$dir/root/usr/src/linux-headers-$abi-common" "/lib/modules/$krel/source"
	depmod "$krel"

	src="$tmp/src/$name-$pver"
	mkdir -p "$src"
	cp -a "$KC_TOP"/{Kbuild,dkms.conf,dkms,kvm_coalesce,patches} "$src/"
	rm -f "$src"/kvm_coalesce/*.{o,ko,mod,mod.c,mod.o} "$src"/kvm_coalesce/.*.cmd
	dkms=(dkms --sourcetree "$tmp/src")
	"${dkms[@]}" add -m "$name" -v "$pver" >/dev/null
	"${dkms[@]}" install -m "$name" -v "$pver" -k "$krel" ||
		{ cat /var/lib/dkms/"$name/$pver"/build/make.log 2>/dev/null; return 1; }

	deps=$(show_depends keep)
	echo "installed: modprobe kvm_amd loads:" $deps
	grep -qx "updates/dkms/kvm.ko.xz" <<<"$deps" &&
		grep -qx "updates/dkms/kvm-amd.ko.xz" <<<"$deps" ||
		{ kc_log "dkms install did not replace KVM's modules"; return 1; }
	mkdir -p "$mods/dkms"
	for p in /var/lib/dkms/"$name/$pver/$krel"/x86_64/module/*.ko.xz; do
		xz -dc "$p" >"$mods/dkms/$(basename "${p%.xz}")"
	done
	cp "$mods/dkms/kvm_coalesce.ko" "$mods/"

	"${dkms[@]}" remove -m "$name" -v "$pver" -k "$krel" >/dev/null
	deps=$(show_depends "")
	echo "removed: modprobe kvm_amd loads:" $deps
	grep -qx "kernel/arch/x86/kvm/kvm.ko.xz" <<<"$deps" &&
		grep -qx "kernel/arch/x86/kvm/kvm-amd.ko.xz" <<<"$deps" ||
		{ kc_log "dkms remove did not bring KVM's stock modules back"; return 1; }
}

# In the mount namespace: dkms build for kernel $2 (with the headers of
# the stock kernel), with KC_SOURCE_TARBALL=$3 if set, must refuse in one
# line and build nothing.
dkms_refuse() {
	local tmp=$1 krel=$2 src err rc=0

	mount -t tmpfs kc-dkms /var/lib/dkms
	src="$tmp/src/$name-$pver"
	mkdir -p "$src"
	cp -a "$KC_TOP"/{Kbuild,dkms.conf,dkms,kvm_coalesce,patches} "$src/"
	dkms --sourcetree "$tmp/src" add -m "$name" -v "$pver" >/dev/null
	err=$(KC_SOURCE_TARBALL=${3:-} dkms --sourcetree "$tmp/src" build \
	      -m "$name" -v "$pver" -k "$krel" \
	      --kernelsourcedir "$dir/root/usr/src/linux-headers-$KC_STOCK_RELEASE" \
	      2>&1 >/dev/null) || rc=$?
	grep '^kvm-coalesce:' <<<"$err"
	[ "$rc" = 77 ] && [ "$(grep -c '^kvm-coalesce: not built: ' <<<"$err")" = 1 ] &&
		[ ! -e "/var/lib/dkms/$name/$pver/build/make.log" ]
}

case ${1:-} in
fetch)
	fetch
	echo "$dir"
	;;
modules)
	fetch
	rm -rf "$mods"
	mkdir -p "$mods"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	# Mount points of the namespace (a fresh machine may have neither).
	mkdir -p /lib/modules /var/lib/dkms
	unshare -m "$0" dkms-cycle "$tmp"
	;;
refuse)
	fetch
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p /var/lib/dkms
	unshare -m "$0" dkms-refuse "$tmp/a" 6.1.0-99-amd64 &&
	unshare -m "$0" dkms-refuse "$tmp/b" "$krel" /nonexistent/linux-source-6.12.tar.xz
	;;
dkms-cycle)	# run by "modules", in its mount namespace
	dkms_cycle "$2"
	;;
dkms-refuse)	# run by "refuse", in its mount namespace
	dkms_refuse "$2" "$3" "${4:-}"
	;;
*)
	kc_die "usage: stock-kernel.sh fetch|modules|refuse"
	;;
esac
