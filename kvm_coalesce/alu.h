/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Integer operations of the block executor with their x86 flags.  Pure
 * functions of their arguments, which also build in user space, where
 * selftests/host/alu_test.c checks them against the CPU.
 */
#ifndef KVM_COALESCE_ALU_H
#define KVM_COALESCE_ALU_H

#include <linux/types.h>

/* The x86 encoding of the 80-83 group, and TEST. */
enum kc_alu {
	KC_ALU_ADD, KC_ALU_OR, KC_ALU_ADC, KC_ALU_SBB,
	KC_ALU_AND, KC_ALU_SUB, KC_ALU_XOR, KC_ALU_CMP,
	KC_ALU_TEST,
};

enum kc_unary { KC_UN_INC, KC_UN_DEC, KC_UN_NOT, KC_UN_NEG };

/* The x86 encoding of the C0/C1/D0-D3 group. */
enum kc_shift { KC_SH_SHL = 4, KC_SH_SHR = 5, KC_SH_SAR = 7 };

/*
 * The bits an operand of @size bytes (1, 2, 4 or 8) occupies: a load
 * rather than a shift, since the executor asks for every operand.
 */
static inline u64 kc_width_mask(int size)
{
	static const u64 masks[16] = {
		[1] = 0xff, [2] = 0xffff, [4] = 0xffffffff, [8] = ~0ull,
	};

	return masks[size & 15];
}

/* @v, an operand of @size bytes, sign-extended to 64 bits. */
static inline u64 kc_sign_extend(u64 v, int size)
{
	int shift = 64 - size * 8;

	return (u64)((s64)(v << shift) >> shift);
}

/*
 * Each returns the result of the operation on operands of @size bytes
 * (1, 2, 4 or 8), and updates the arithmetic flags in *@rflags: they are
 * those of the same instruction run on this CPU (see alu.c).
 */
u64 kc_alu_op(u8 op, int size, u64 a, u64 b, unsigned long *rflags);
u64 kc_unary_op(u8 op, int size, u64 a, unsigned long *rflags);
u64 kc_shift_op(u8 op, int size, u64 a, u8 count, unsigned long *rflags);

#endif /* KVM_COALESCE_ALU_H */
