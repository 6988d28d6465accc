/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routines of the stop selftest (kc_stop_io.S): OUTs to a
 * coalesced PIO zone with, between them, what must stop a block or keep
 * the module from running one.
 */
#ifndef KC_STOP_IO_H
#define KC_STOP_IO_H

#define KC_STOP_PORT	0x80	/* a coalesced PIO zone */

#ifndef __ASSEMBLY__
#include <linux/types.h>

/* Three OUTs with ADDs between them, single-stepped (RFLAGS.TF). */
u32 kc_stop_steps_tf(u32 seed);

/* Two OUTs; a hardware breakpoint is set at kc_stop_bp, between them. */
u32 kc_stop_dr7(u32 seed);
extern char kc_stop_bp[];

/* Two OUTs around a store to the non-canonical address @bad: #GP. */
u32 kc_stop_noncanonical(u32 seed, u32 *bad);
extern char kc_stop_gp_store[];

/* Two OUTs around a LOCK ADD to @counter, which the module does not run. */
u32 kc_stop_lock(u32 seed, u32 *counter);

/* Four OUTs of @seed, @seed + 1, ... */
void kc_stop_burst(u32 seed);
#endif

#endif /* KC_STOP_IO_H */
