/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routine of the migration selftest (kc_migrate_io.S): one round
 * of 8259 and 8254 programming, a coalesced zone and a userspace device,
 * with each userspace access in the middle of in-kernel ones, so that
 * the test can save and restore the VM at exactly those points.
 */
#ifndef KC_MIGRATE_IO_H
#define KC_MIGRATE_IO_H

#define KC_MIG_ZONE	0x80	/* a coalesced PIO zone */
#define KC_MIG_USER	0xe9	/* no in-kernel device: the test's */

/* Accesses of one round. */
#define KC_MIG_KERNEL_IO	13	/* 8259, 8254 and zone */
#define KC_MIG_USER_IO		3	/* userspace device */

/* What a round leaves in its u32 out[KC_MIG_OUT]. */
#define KC_MIG_OUT_IN32		0	/* 32-bit value read from userspace */
#define KC_MIG_OUT_IN8		1	/* 8-bit value read from userspace */
#define KC_MIG_OUT_DEV		2	/* 8259 IMR << 8 | 8254 status */
#define KC_MIG_OUT		3

#ifndef __ASSEMBLY__
#include <linux/types.h>

/*
 * One round, @seed choosing the 8254's mode (bits 2:1):
 *
 *   OUT zone (seed); ICW1, ICW2 to the master 8259;
 *   IN (32 bits) from the userspace device: v;
 *   ICW3, ICW4; IMR = v; 8254 channel 2 control word (lobyte/hibyte);
 *   count low byte = v >> 8;
 *   OUT to the userspace device: (v >> 8) ^ seed;
 *   count high byte = v >> 16; read-back command latching channel 2's
 *   status;
 *   IN (8 bits) from the userspace device;
 *   IN the latched status (less its OUT bit), IN the IMR, OUT zone.
 *
 * Stores v, the 8-bit value and IMR << 8 | status in @out; returns the
 * last.
 */
u32 kc_mig_round(u32 seed, u32 *out);
#endif

#endif /* KC_MIGRATE_IO_H */
