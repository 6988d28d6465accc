/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for the kernel's linux/types.h, for fuzz/: the
 * system's UAPI header (__u32, __le32, for asm/byteorder.h) and the
 * kernel's own names.
 */
#ifndef KC_SHIM_LINUX_TYPES_H
#define KC_SHIM_LINUX_TYPES_H
#include_next <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

typedef struct {
	long counter;
} atomic_long_t;

struct rcu_head {
	void *next;
};
#endif
