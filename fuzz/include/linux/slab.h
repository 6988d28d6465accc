/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for the kernel's linux/slab.h, for fuzz/. */
#ifndef KC_SHIM_LINUX_SLAB_H
#define KC_SHIM_LINUX_SLAB_H
#include <stdlib.h>

#define GFP_KERNEL		0
#define GFP_KERNEL_ACCOUNT	0

#define kmalloc(size, gfp)		malloc(size)
#define kmalloc_array(n, size, gfp)	calloc(n, size)
#define kfree(p)			free(p)
#endif
