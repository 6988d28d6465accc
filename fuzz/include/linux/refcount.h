/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for the kernel's linux/refcount.h, for fuzz/. */
#ifndef KC_SHIM_LINUX_REFCOUNT_H
#define KC_SHIM_LINUX_REFCOUNT_H
typedef struct {
	int refs;
} refcount_t;

static inline void refcount_set(refcount_t *r, int n)
{
	r->refs = n;
}
#endif
