/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Integer operations of the block executor with their x86 flags.  Pure
 * functions of their arguments, so that they can be checked against the
 * CPU in user space (selftests/host/alu_test.c).
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
 * (1, 2, 4 or 8) and updates the arithmetic flags in *@rflags as the
 * CPU does.  Flags the architecture leaves undefined get a fixed value:
 * AF is cleared by logical operations and shifts, OF by shifts of more
 * than one bit.
 */
u64 kc_alu_op(u8 op, int size, u64 a, u64 b, unsigned long *rflags);
u64 kc_unary_op(u8 op, int size, u64 a, unsigned long *rflags);
u64 kc_shift_op(u8 op, int size, u64 a, u8 count, unsigned long *rflags);

/*
 * The same results without the flags, for instructions whose flags no
 * later instruction reads (see kc_mark_flags_live() in decode.c).  @cf is
 * the carry flag ADC and SBB read.
 */
u64 kc_alu_result(u8 op, int size, u64 a, u64 b, bool cf);
u64 kc_unary_result(u8 op, int size, u64 a);
u64 kc_shift_result(u8 op, int size, u64 a, u8 count);

#endif /* KVM_COALESCE_ALU_H */
