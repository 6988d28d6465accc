/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routines of the SMP selftest (kc_smp_io.S).  Their OUTs write
 * 0xff to the slave 8259's mask, an in-kernel device that keeps no log,
 * so that vCPUs on several CPUs can make them without end.
 */
#ifndef KC_SMP_IO_H
#define KC_SMP_IO_H

#define KC_SMP_PORT	0xa1	/* the slave 8259's IMR */

/*
 * kc_smp_block(): OUT; MOV $imm32, %eax; MOV %eax, (%rdi); OUT; RET,
 * copied to code pages by the test; the byte at KC_SMP_BLOCK_IMM is the
 * immediate's lowest.  Blocks are placed KC_SMP_BLOCK_STRIDE apart.
 */
#define KC_SMP_BLOCK_IMM	3
#define KC_SMP_BLOCK_STRIDE	16

#ifndef __ASSEMBLY__
#include <linux/types.h>

/* Store @v at @cell (8 bytes), @cell + 8 (4), @cell + 12 (2), in a block. */
void kc_smp_store(void *cell, u64 v);
/* Load them in a block: 8 bytes in @out[0], 4 in @out[1], 2 in @out[2]. */
void kc_smp_load(void *cell, u64 *out);

extern u8 kc_smp_block[], kc_smp_block_end[];
#endif

#endif /* KC_SMP_IO_H */
