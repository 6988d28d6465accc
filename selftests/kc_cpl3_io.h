/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routines of the CPL 3 selftest (kc_cpl3_io.S): a way into user
 * mode and back for a guest that has none, and port I/O at CPL 3 and
 * CPL 0 around what the guest's privilege forbids.
 */
#ifndef KC_CPL3_IO_H
#define KC_CPL3_IO_H

#define KC_CPL3_PORT		0x80	/* a coalesced PIO zone */
#define KC_CPL3_DENIED_PORT	0x81	/* denied by the TSS I/O bitmap */
#define KC_CPL3_PIC_PORT	0x21	/* the in-kernel 8259's IMR */

/* GDT entries after the library's code, data and 16-byte TSS entries. */
#define KC_USER_DS		(0x28 | 3)
#define KC_USER_CS		(0x30 | 3)
#define KC_KERNEL_TSS		0x18

/* The vector of the DPL 3 gate user routines return through. */
#define KC_USER_RET_VECTOR	0x80

#ifndef __ASSEMBLY__
#include <linux/types.h>

/*
 * Run @fn at CPL 3 with @a0, @a1 in %rdi, %rsi, RFLAGS @rflags and the
 * stack at kc_user_rsp; returns what it left in %eax.  Callee-saved
 * registers and RFLAGS are preserved.
 */
u32 kc_user_call(u64 a0, u64 a1, void (*fn)(void), u64 rflags);
/* Top of the user stack, set by the host. */
extern u64 kc_user_rsp;
/* The DPL 3 gate's handler: back to kc_user_call()'s caller. */
void kc_user_return(void);

/* The user routines' page(s): nothing else is on them. */
extern char kc_user_begin[], kc_user_end[];

/*
 * At CPL 3: OUT @a0, OUT @a0 + 1 to the zone, IN from the 8259's IMR;
 * returns (@a0 + 1) << 8 | IMR.
 */
void kc_user_io(void);
extern char kc_user_io_out1[], kc_user_io_out2[], kc_user_io_in[];

/*
 * At CPL 3 with a TSS I/O bitmap that allows the zone and the IMR but
 * not KC_CPL3_DENIED_PORT: OUT, OUT to the zone, OUT to the denied port
 * (#GP, at kc_user_bitmap_gp), IN from the IMR; returns
 * (@a0 + 3) << 8 | IMR.
 */
void kc_user_bitmap(void);
extern char kc_user_bitmap_gp[];

/*
 * At CPL 3: OUT, a store of @a0 to the user page @a1, OUT, a store to
 * the supervisor page kc_kernel_word (#PF, at kc_user_store_pf), OUT.
 */
void kc_user_store(void);
extern char kc_user_store_pf[];
extern u32 kc_kernel_word;

/*
 * At CPL 0: OUT, a store to the user page @user (with CR4.SMAP: #PF, at
 * kc_smap_store_pf), OUT.
 */
void kc_smap_store(u32 seed, u32 *user);
extern char kc_smap_store_pf[];

/*
 * At CPL 0 with RFLAGS.AC set (STAC): OUT, a store of @seed + 1 to the
 * user page @user, which SMAP then allows, OUT.
 */
void kc_smap_ac_store(u32 seed, u32 *user);
#endif

#endif /* KC_CPL3_IO_H */
