/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routines of the decline selftest (kc_decline_io.S): OUTs to a
 * coalesced PIO zone around what the module must leave to the CPU.
 */
#ifndef KC_DECLINE_IO_H
#define KC_DECLINE_IO_H

#define KC_DECLINE_PORT		0x80	/* a coalesced PIO zone */
#define KC_DECLINE_USER_PORT	0xe9	/* no in-kernel device */

#ifndef __ASSEMBLY__
/*
 * OUT; OUT of AX with both 0x66 and REX.W, whose size CPUs and
 * emulators disagree on; OUT.
 */
void kc_decline_rexw_66(void);
/*
 * OUT to userspace, which sets RFLAGS.RF; OUT (the exit, with RF set);
 * ADD; OUT to userspace, which reads RFLAGS; OUT.
 */
void kc_decline_rf(void);
/* Four OUTs. */
void kc_decline_burst(void);
#endif

#endif /* KC_DECLINE_IO_H */
