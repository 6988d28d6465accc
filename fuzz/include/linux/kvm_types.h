/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for the kernel's linux/kvm_types.h, for fuzz/. */
#ifndef KC_SHIM_LINUX_KVM_TYPES_H
#define KC_SHIM_LINUX_KVM_TYPES_H
#include <linux/types.h>

typedef u64 gpa_t;
#define INVALID_GPA	(~(gpa_t)0)
#endif
