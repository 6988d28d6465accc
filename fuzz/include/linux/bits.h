/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for the kernel's linux/bits.h, for fuzz/. */
#ifndef KC_SHIM_LINUX_BITS_H
#define KC_SHIM_LINUX_BITS_H
#define BIT(nr)		(1ul << (nr))
#endif
