#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-symbols.sh [FILE]: name the guest kernel's code addresses in FILE
# (default: build/vm-guest/job.txt), e.g. the registers and stack that
# scripts/job-guest.sh prints when a guest of `make bench-guest` hangs.
# Prints one line per distinct address ffffffff8xxxxxxx found in FILE:
# the address and symbol+offset.
#
# The guest boots with nokaslr, so its addresses are those of its symbol
# table.  Debian ships no System.map outside the -dbg package (850 MB),
# so the table comes from the kernel itself: booted once under QEMU TCG
# on this machine with an initramfs that prints /proc/kallsyms, and kept
# next to the kernel in the cache (kallsyms).
set -euo pipefail
. "$(dirname "$0")/common.sh"

vm=${KC_OUT:-$KC_BUILD/vm-guest}
in=${1:-$vm/job.txt}
[ -e "$in" ] || kc_die "no $in: run make bench-guest"
kver=$(cat "$vm/root/kc/guest/kernel.txt" 2>/dev/null) ||
	kc_die "no $vm/root/kc/guest/kernel.txt: run make bench-guest"
dir="$KC_CACHE/guest/${kver% *}_${kver#* }"
[ -f "$dir/vmlinuz" ] || kc_die "no $dir/vmlinuz"

if [ ! -s "$dir/kallsyms" ]; then
	kc_log "reading the symbol table of $kver (one boot under TCG)"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp"/root/{bin,proc,dev}
	cp /bin/busybox "$tmp/root/bin/"
	cat >"$tmp/root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t devtmpfs dev /dev
echo 0 >/proc/sys/kernel/kptr_restrict
cat /proc/kallsyms >/dev/ttyS1
poweroff -f
EOF
	chmod 755 "$tmp/root/init"
	(cd "$tmp/root" && find . | cpio -o -H newc --quiet) |
		gzip -1 >"$tmp/initrd.gz"
	timeout 900 qemu-system-x86_64 -accel tcg -m 512M -nodefaults \
		-display none -no-reboot -kernel "$dir/vmlinuz" \
		-initrd "$tmp/initrd.gz" -append "console=ttyS0 nokaslr" \
		-serial "file:$tmp/console.log" -serial "file:$tmp/kallsyms" \
		</dev/null
	tr -d '\r' <"$tmp/kallsyms" | grep -E '^[0-9a-f]{16} [tTwW] ' \
		>"$tmp/kallsyms.txt"
	[ -s "$tmp/kallsyms.txt" ] || kc_die "the guest printed no symbols"
	mv "$tmp/kallsyms.txt" "$dir/kallsyms"
fi

# Addresses and symbols sorted together (16 hex digits: the text order
# is the numeric order); each address takes the symbol before it.
{
	awk '{ print $1, "S", $3 }' "$dir/kallsyms"
	{ grep -oE 'ffffffff8[0-9a-f]{7}' "$in" || :; } | sort -u | sed 's/$/ A/'
} | LC_ALL=C sort -k1,1 -k2,2r |
while read -r a t s; do
	if [ "$t" = S ]; then
		sym=$s base=$a
	elif [ -n "${sym:-}" ]; then
		printf '%s %s+0x%x\n' "$a" "$sym" $((16#$a - 16#$base))
	else
		echo "$a ?"
	fi
done
