#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# root-guest.sh ROOT: add to the test VM's initramfs in ROOT what
# scripts/job-guest.sh needs to boot a real guest under KVM in it:
# Debian's qemu-system-x86_64 with its shared libraries and firmware,
# Debian's kernel (linux-image-amd64) and a busybox initramfs for the
# guest (scripts/guest/init), and two helpers built here
# (scripts/guest/*.c).  Called by vm-run.sh for the job "guest" only.
set -euo pipefail
. "$(dirname "$0")/common.sh"

root=${1:?usage: root-guest.sh ROOT}
g="$root/kc/guest"
mkdir -p "$g"

# The guest's kernel: the one package linux-image-amd64 depends on,
# downloaded once into the cache, $kdir: vmlinuz (serial 8250, PCI, the
# CMOS RTC, VGA text console, initramfs and devtmpfs are built in) and
# the modules of a virtio-pci disk.
guest_kernel() {
	local pkg ver dir

	if ! apt-cache show linux-image-amd64 >/dev/null 2>&1; then
		sudo=
		[ "$(id -u)" = 0 ] || sudo=sudo
		$sudo apt-get update -qq
	fi
	pkg=$(apt-cache depends linux-image-amd64 |
	      sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -1)
	[ -n "$pkg" ] || kc_die "linux-image-amd64 depends on no kernel"
	ver=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: //p')
	dir="$KC_CACHE/guest/${pkg}_$ver"
	if [ ! -f "$dir/vmlinuz" ] || [ ! -d "$dir/modules" ]; then
		kc_log "downloading $pkg $ver for the guest"
		rm -rf "$dir.tmp"
		mkdir -p "$dir.tmp"
		(cd "$dir.tmp" && apt-get download -qq "$pkg=$ver" 2>/dev/null)
		dpkg-deb --fsys-tarfile "$dir.tmp"/*.deb |
			tar -x -C "$dir.tmp" --wildcards './boot/vmlinuz-*' \
			    './lib/modules/*/kernel/drivers/virtio/virtio*.ko' \
			    './lib/modules/*/kernel/drivers/block/virtio_blk.ko'
		mv "$dir.tmp"/boot/vmlinuz-* "$dir.tmp/vmlinuz"
		mkdir "$dir.tmp/modules"
		find "$dir.tmp/lib" -name '*.ko' -exec mv {} "$dir.tmp/modules/" \;
		rm -rf "$dir.tmp/boot" "$dir.tmp/lib" "$dir.tmp"/*.deb
		rm -rf "$dir"
		mv "$dir.tmp" "$dir"
	fi
	cp "$dir/vmlinuz" "$g/vmlinuz"
	echo "$pkg $ver" >"$g/kernel.txt"
	kdir=$dir
}

# The guest's initramfs: busybox, its /init and the virtio modules.
guest_initramfs() {
	local tmp

	tmp=$(mktemp -d)
	mkdir -p "$tmp"/{bin,proc,sys,dev,lib/modules}
	cp /bin/busybox "$tmp/bin/busybox"
	cp "$kdir"/modules/*.ko "$tmp/lib/modules/"
	install -m 755 "$KC_TOP/scripts/guest/init" "$tmp/init"
	(cd "$tmp" && find . | cpio -o -H newc --quiet) | gzip -1 >"$g/initrd.gz"
	rm -rf "$tmp"
}

# The virtio machine's disk: 4 MiB of text.
guest_disk() {
	{ seq 1 1000000 || :; } | head -c 4M >"$g/disk.img"
}

# QEMU, every library ldd lists (with the dynamic loader) at the same
# path, and the firmware a pc machine booting with -kernel loads (and
# the VGA BIOS of -vga std).
guest_qemu() {
	local qemu f

	qemu=$(command -v qemu-system-x86_64)
	mkdir -p "$root/usr/bin"
	cp "$qemu" "$root/usr/bin/"
	ldd "$qemu" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }
			   $1 ~ /^\// { print $1 }' |
	while read -r f; do
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
	done
	# QEMU looks for firmware in these (qemu-system-x86_64 -L help).
	for f in seabios/bios-256k.bin seabios/vgabios-stdvga.bin \
		 qemu/linuxboot_dma.bin qemu/kvmvapic.bin; do
		mkdir -p "$root/usr/share/$(dirname $f)"
		cp -L "/usr/share/$f" "$root/usr/share/$f"
	done
}

# Built with the host's compiler: the preloaded library must match the
# C library QEMU runs with, which is the host's.
guest_helpers() {
	local src="$KC_TOP/scripts/guest"

	gcc -O2 -Wall -shared -fPIC -o "$g/kc_run_count.so" \
		"$src/kc_run_count.c" -ldl
	gcc -O2 -Wall -static -o "$g/kc_clock" "$src/kc_clock.c"
}

guest_kernel
guest_initramfs
guest_disk
guest_qemu
guest_helpers
