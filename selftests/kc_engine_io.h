/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routines of the engine selftest (kc_engine_io.S): short
 * sequences of I/O instructions with other instructions between them,
 * written in assembly so that the instruction stream is exactly the one
 * the test expects the module to scan.
 */
#ifndef KC_ENGINE_IO_H
#define KC_ENGINE_IO_H

#define KC_ZONE_PORT	0x80	/* a coalesced PIO zone */
#define KC_USER_PORT2	0xe9	/* no in-kernel device */

#ifndef __ASSEMBLY__
#include <linux/types.h>

/*
 * The example of Figure 8 of the patent: thirteen instructions, the
 * third, fifth, eighth and eleventh of them OUTs to KC_ZONE_PORT.
 */
u32 kc_fig8(u32 seed);
/* The immediate of the ADD that is instruction 4 of kc_fig8(). */
extern u8 kc_fig8_add_imm[];

u32 kc_single(u32 seed);	/* one OUT among other instructions */
/* Two OUTs with eight ADDs between them: more than one exit is worth. */
u32 kc_sparse(u32 seed);
u32 kc_pic_imr(u32 mask);	/* OUT to the master PIC's IMR, IN back */
u32 kc_user_read(u32 seed);	/* OUT, IN from userspace, OUT */
/*
 * OUT, IN from userspace, ADD, OUT, OUT to userspace, IN from userspace,
 * OUT: three userspace accesses inside one block.
 */
u32 kc_user_mix(u32 seed);
/*
 * OUT, IN from userspace, a JE past the block's end unless the value
 * read is 0xff, OUT: no resume after the IN, which could save no exit
 * if the JE were taken.
 */
u32 kc_user_branch(u32 seed);
/*
 * OUT; JZ inside the block over an ADD; OUT; JA past the block's end
 * over a third OUT: three OUTs or two, one block.
 */
u32 kc_jumps(u32 seed);

/*
 * A block from an OUTSB exit: OUTSB, OUTSW, OUTSD from @buf to
 * KC_ZONE_PORT, @seed + 1 to the master 8259's IMR and INSB of it to
 * @buf[8], OUTSB.  Returns where RSI (low byte) and RDI (next byte)
 * ended, relative to @buf.  kc_string_io_down() runs it with RFLAGS.DF
 * set.
 */
u32 kc_string_io(u8 *buf, u32 seed);
u32 kc_string_io_down(u8 *buf, u32 seed);
/*
 * OUT @seed to KC_ZONE_PORT (the exit), INSB from KC_USER_PORT2 to @bad,
 * which must fault (at kc_string_fault_ins, one byte), OUT.
 */
void kc_string_fault(u8 *bad, u32 seed);
extern char kc_string_fault_ins[];

/*
 * Unmask IRQ3 at the master 8259, then two OUTs to KC_ZONE_PORT; the
 * first of them is at kc_unmask_next, where a pending IRQ3 is taken.
 */
void kc_unmask_irq3(void);
extern char kc_unmask_next[];

/* 8259 initialisation: ICW1-ICW4 on both controllers, then the masks. */
void kc_pic_init(void);
/* 8254 channel 0, mode 2, count 0x2e9c; latch and read the count back. */
u32 kc_pit_program(void);
#endif

#endif /* KC_ENGINE_IO_H */
