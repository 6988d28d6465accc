/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for the kernel's linux/rhashtable-types.h, for
 * fuzz/: the types only, since table.c is not built there.
 */
#ifndef KC_SHIM_LINUX_RHASHTABLE_TYPES_H
#define KC_SHIM_LINUX_RHASHTABLE_TYPES_H
struct rhash_head {
	struct rhash_head *next;
};

struct rhashtable {
	void *tbl;
};
#endif
