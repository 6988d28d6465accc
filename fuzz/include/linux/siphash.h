/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for the kernel's linux/siphash.h, for fuzz/. */
#ifndef KC_SHIM_LINUX_SIPHASH_H
#define KC_SHIM_LINUX_SIPHASH_H
#include <linux/types.h>

typedef struct {
	u64 key[2];
} siphash_key_t;
#endif
