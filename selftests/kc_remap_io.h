/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest code of the remapping selftest (kc_remap_io.S): two variants of
 * one block, which the test puts in different pages and reaches at one
 * linear address through changing translations.
 */
#ifndef KC_REMAP_IO_H
#define KC_REMAP_IO_H

#define KC_REMAP_ZONE		0x80	/* a coalesced PIO zone of 3 ports */
#define KC_REMAP_ZONE_LEN	3
#define KC_REMAP_PIC_IMR	0x21

#ifndef __ASSEMBLY__
#include <linux/types.h>

/*
 * Each variant: MOV imm8 to AL, OUT to KC_REMAP_ZONE (the exit, the same
 * instruction in both), MOV imm8 to AL, OUT to KC_REMAP_ZONE + 2, ADD,
 * OUT to the master 8259's IMR, IN of it back (returned).  The variants
 * differ in their immediates only, after the exiting OUT: a block of one
 * variant run where the other is would start as the exit says and show
 * in the zone's accesses and the IMR.  Variant A writes 0xa0, 0xa1 and
 * IMR 0xa2; B 0xb0, 0xb1 and 0xb2.
 */
extern const u8 kc_remap_variant_a[], kc_remap_variant_b[],
		kc_remap_variant_end[];
#endif

#endif /* KC_REMAP_IO_H */
