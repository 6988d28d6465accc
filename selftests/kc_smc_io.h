/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest code of the cross-modifying code selftest (kc_smc_io.S): two
 * variants of one block, which the guest copies in turn to a code page
 * that one vCPU rewrites while another runs it.
 */
#ifndef KC_SMC_IO_H
#define KC_SMC_IO_H

#define KC_SMC_ZONE	0x80	/* a coalesced PIO zone of three ports */
#define KC_SMC_ZONE_LEN	3
#define KC_SMC_PIC_IMR	0x21

#ifndef __ASSEMBLY__
#include <linux/types.h>

/*
 * Each variant: MOV imm8 to AL, OUT to a port of the zone (the exit, and
 * the block's first access), MOV imm8 to AL, OUT to KC_SMC_ZONE + 2, ADD,
 * OUT to the master 8259's IMR, IN of it back (returned).  Variant A and
 * B differ in the two immediates and the first port; from the second OUT
 * on they are the same bytes, so that only a block starting at the first
 * OUT holds bytes of both.  Position independent, of the same length.
 */
extern const u8 kc_smc_variant_a[], kc_smc_variant_b[], kc_smc_variant_end[];
#endif

#endif /* KC_SMC_IO_H */
