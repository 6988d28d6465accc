/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for the kernel's linux/bitops.h, for alu_test. */
#ifndef KC_SHIM_LINUX_BITOPS_H
#define KC_SHIM_LINUX_BITOPS_H
#define hweight8(w) __builtin_popcount((unsigned int)(w) & 0xff)
#endif
