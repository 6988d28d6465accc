/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routines of the concurrency selftest (kc_concurrency_io.S):
 * bursts of accesses to a coalesced PIO zone, the in-kernel 8259 and the
 * vCPU's own local APIC, as blocks the module coalesces.
 */
#ifndef KC_CONCURRENCY_IO_H
#define KC_CONCURRENCY_IO_H

#define KC_CONC_PORT	0x80	/* zone of KC_CONC_MAX_VCPUS ports */
#define KC_CONC_BURST	8	/* OUTs per kc_conc_burst() */
#define KC_CONC_PIC_IMR	0xa1	/* the slave 8259's IMR */
#define KC_LAPIC_BASE	0xfee00000ul
#define KC_LAPIC_TPR	0x80
#define KC_LAPIC_LVT0	0x350

#ifndef __ASSEMBLY__
#include <linux/types.h>

/*
 * KC_CONC_BURST OUTs to @port of the bytes @seq, @seq + 1, ...; returns
 * @seq + KC_CONC_BURST.
 */
u32 kc_conc_burst(u16 port, u32 seq);

/* Write @imr to the slave 8259's IMR and read it back. */
u8 kc_conc_pic(u8 imr);

/*
 * Write @tpr and @lvt0 to the local APIC at @base, read both back:
 * returns lvt0 << 32 | tpr.
 */
u64 kc_conc_lapic(u64 base, u32 tpr, u32 lvt0);
#endif

#endif /* KC_CONCURRENCY_IO_H */
