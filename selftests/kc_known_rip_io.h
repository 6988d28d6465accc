/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routines of the selftest of the exits known by their RIP to be
 * KVM's (kc_known_rip_io.S).
 */
#ifndef KC_KNOWN_RIP_IO_H
#define KC_KNOWN_RIP_IO_H

/* Registers of the local APIC that read the same in every run. */
#define KC_KR_LAPIC_ID		0x20
#define KC_KR_LAPIC_VERSION	0x30

/* The port of kc_kr_rep_outs(), a coalesced PIO zone. */
#define KC_KR_PORT		0x80

#ifndef __ASSEMBLY__
#include <linux/types.h>

/*
 * Loads of @base + KC_KR_LAPIC_ID and @base + KC_KR_LAPIC_VERSION, and
 * their sum: one block, whose two accesses go where @base's device
 * sends reads.
 */
u32 kc_kr_load(u64 base);

/*
 * Stores of @value to @base and @base + 8: one block, whose two accesses
 * go where @base's device sends them.
 */
void kc_kr_store(u64 base, u32 value);

/* MOVSL of *@src to the MMIO at @dst: no block starts with it. */
void kc_kr_movs(u64 dst, const u32 *src);

/* REP OUTSB of @count bytes at @src to KC_KR_PORT: nor with this. */
void kc_kr_rep_outs(const u8 *src, u32 count);
#endif

#endif /* KC_KNOWN_RIP_IO_H */
