/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for the kernel's linux/spinlock.h, for fuzz/. */
#ifndef KC_SHIM_LINUX_SPINLOCK_H
#define KC_SHIM_LINUX_SPINLOCK_H
typedef struct {
	int locked;
} spinlock_t;
#endif
