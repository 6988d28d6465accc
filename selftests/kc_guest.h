/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Port I/O for guest code of the kvm_coalesce selftests.
 */
#ifndef KC_GUEST_H
#define KC_GUEST_H

#include <linux/types.h>

static inline void kc_outb(u16 port, u8 value)
{
	asm volatile("outb %%al, %%dx" : : "d"(port), "a"(value));
}

static inline void kc_outw(u16 port, u16 value)
{
	asm volatile("outw %%ax, %%dx" : : "d"(port), "a"(value));
}

static inline u8 kc_inb(u16 port)
{
	u8 value;

	asm volatile("inb %%dx, %%al" : "=a"(value) : "d"(port));
	return value;
}

#endif /* KC_GUEST_H */
