/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routine of the migration selftest (kc_migrate_io.S): one round
 * of 8259 and 8254 programming, a coalesced zone and userspace devices
 * (ports and MMIO), with each userspace access in the middle of
 * in-kernel ones, so that the test can save and restore the VM at
 * exactly those points.
 */
#ifndef KC_MIGRATE_IO_H
#define KC_MIGRATE_IO_H

#define KC_MIG_ZONE	0x80	/* a coalesced PIO zone */
#define KC_MIG_USER	0xe9	/* no in-kernel device: the test's */
#define KC_MIG_MMIO	0xc1000000	/* no memslot: the test's MMIO */

/* Accesses of one round. */
#define KC_MIG_KERNEL_IO	13	/* 8259, 8254 and zone */
#define KC_MIG_USER_IO		3	/* userspace device, ports */
#define KC_MIG_USER_MMIO	2	/* userspace device, MMIO */

/* What a round leaves in its u32 out[KC_MIG_OUT]. */
#define KC_MIG_OUT_IN32		0	/* 32-bit value read from userspace */
#define KC_MIG_OUT_IN8		1	/* 8-bit value read from userspace */
#define KC_MIG_OUT_DEV		2	/* 8259 IMR << 8 | 8254 status */
#define KC_MIG_OUT_MMIO		3	/* 32-bit value read from MMIO */
#define KC_MIG_OUT		4

#ifndef __ASSEMBLY__
#include <linux/types.h>

/*
 * One round, @seed choosing the 8254's mode (bits 2:1):
 *
 *   OUT zone (seed); ICW1 to the master 8259;
 *   MOV (32 bits) of seed to KC_MIG_MMIO; ICW2;
 *   IN (32 bits) from the userspace device: v;
 *   ICW3, ICW4; MOV (32 bits) from KC_MIG_MMIO + 4: m;
 *   IMR = v; 8254 channel 2 control word (lobyte/hibyte);
 *   count low byte = v >> 8;
 *   OUT to the userspace device: (v >> 8) ^ seed;
 *   count high byte = v >> 16; read-back command latching channel 2's
 *   status;
 *   IN (8 bits) from the userspace device;
 *   IN the latched status (less its OUT bit), IN the IMR, OUT zone.
 *
 * Stores v, the 8-bit value, IMR << 8 | status and m in @out; returns
 * IMR << 8 | status.
 */
u32 kc_mig_round(u32 seed, u32 *out);

/* The MMIO store's end, and the MMIO load and its end, in the round. */
extern const char kc_mig_mmio_store_end[], kc_mig_mmio_load[],
	kc_mig_mmio_load_end[];
#endif

#endif /* KC_MIGRATE_IO_H */
