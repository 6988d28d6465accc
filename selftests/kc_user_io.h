/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routines whose I/O instruction exits to userspace, each at a
 * known address (kc_user_io.S), so that tests can check the RIP that
 * userspace sees at the exit.
 */
#ifndef KC_USER_IO_H
#define KC_USER_IO_H

#define KC_USER_PORT		0xe9		/* no in-kernel device */
#define KC_USER_MMIO_GPA	0x100001000	/* no memslot, no device */

#ifndef __ASSEMBLY__
#include <linux/types.h>

void kc_user_out(u32 value);		/* outl to KC_USER_PORT */
u8 kc_user_in(void);			/* inb from KC_USER_PORT */
void kc_user_mmio(u32 value);		/* movl to KC_USER_MMIO_GPA */
void kc_user_outs(const void *buf, u64 len);	/* rep outsb */

/* The I/O instruction of each routine. */
extern char kc_user_out_insn[], kc_user_in_insn[], kc_user_mmio_insn[],
	    kc_user_outs_insn[];
#endif

#endif /* KC_USER_IO_H */
