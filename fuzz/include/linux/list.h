/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for the kernel's linux/list.h, for fuzz/. */
#ifndef KC_SHIM_LINUX_LIST_H
#define KC_SHIM_LINUX_LIST_H
struct list_head {
	struct list_head *next, *prev;
};
#endif
