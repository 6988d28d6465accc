#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# seeds.sh OUTDIR: the fuzz target's seed corpus, from the guest routines
# of the selftests (selftests/kc_*_io.S), assembled here: one input per
# IN, OUT, INS, OUTS (which objdump prints with their memory operands)
# or memory access in them, as if it were the exiting one, with the code
# that follows it (at most 256 bytes) and a header (see kc_scan_fuzz.c)
# of the default extent, 32, and zeros for RIP and the
# registers, which puts every register in one page, as one mapped device
# would be.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: seeds.sh OUTDIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

rm -rf "$out"
mkdir -p "$out"
for src in "$top"/selftests/kc_*_io.S; do
	name=$(basename "$src" .S)
	gcc -D__ASSEMBLY__ -I"$top/selftests" -c "$src" -o "$tmp/$name.o"
	objcopy -O binary -j .text "$tmp/$name.o" "$tmp/$name.bin"
	# "  1f:	e6 80   	out    %al,$0x80": offsets of the accesses.
	objdump -d "$tmp/$name.o" |
	awk -F'\t' '$1 ~ /^ *[0-9a-f]+:$/ && NF >= 3 &&
		    ($3 ~ /^(in|out) / || $3 ~ /\(%/) && $3 !~ /^lea/ {
			sub(/:$/, "", $1); gsub(/ /, "", $1); print $1 }' |
	while read -r off; do
		{
			printf '\x1f'
			head -c 17 /dev/zero
			tail -c +$((0x$off + 1)) "$tmp/$name.bin" | head -c 256
		} >"$out/$name-$off"
	done
done
ls "$out" | wc -l
