// SPDX-License-Identifier: GPL-2.0
/*
 * Integer operations of the block executor, with every flag the x86
 * architecture defines for them: CF, PF, AF, ZF, SF and OF.
 */
#include <linux/bitops.h>
#include <linux/types.h>
#include <asm/processor-flags.h>

#include "alu.h"

#define KC_ARITH_FLAGS	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
			 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF)

static u64 kc_sign_bit(int size)
{
	return 1ull << (size * 8 - 1);
}

/* SF, ZF and PF of the result @r. */
static unsigned long kc_szp(u64 r, int size)
{
	unsigned long fl = 0;

	if (!r)
		fl |= X86_EFLAGS_ZF;
	if (r & kc_sign_bit(size))
		fl |= X86_EFLAGS_SF;
	if (!(hweight8(r & 0xff) & 1))
		fl |= X86_EFLAGS_PF;
	return fl;
}

static void kc_set_flags(unsigned long *rflags, unsigned long mask,
			 unsigned long fl)
{
	*rflags = (*rflags & ~mask) | (fl & mask);
}

/* a + b + c: the result, and the flags but SF, ZF, PF. */
static u64 kc_add(int size, u64 a, u64 b, bool c, unsigned long *fl)
{
	u64 sign = kc_sign_bit(size), r, t;
	bool carry;

	if (size == 8) {
		carry = __builtin_add_overflow(a, b, &t);
		carry |= __builtin_add_overflow(t, (u64)c, &r);
	} else {
		r = a + b + c;
		carry = r >> (size * 8);
		r &= kc_width_mask(size);
	}
	*fl = (carry ? X86_EFLAGS_CF : 0) |
	      (((a ^ r) & (b ^ r) & sign) ? X86_EFLAGS_OF : 0) |
	      (((a ^ b ^ r) & 0x10) ? X86_EFLAGS_AF : 0);
	return r;
}

/* a - b - c: the result, and the flags but SF, ZF, PF. */
static u64 kc_sub(int size, u64 a, u64 b, bool c, unsigned long *fl)
{
	u64 sign = kc_sign_bit(size);
	u64 r = (a - b - c) & kc_width_mask(size);
	bool borrow = a < b || (a - b < (u64)c);

	*fl = (borrow ? X86_EFLAGS_CF : 0) |
	      (((a ^ b) & (a ^ r) & sign) ? X86_EFLAGS_OF : 0) |
	      (((a ^ b ^ r) & 0x10) ? X86_EFLAGS_AF : 0);
	return r;
}

u64 kc_alu_op(u8 op, int size, u64 a, u64 b, unsigned long *rflags)
{
	bool cin = *rflags & X86_EFLAGS_CF;
	unsigned long fl = 0;
	u64 r;

	a &= kc_width_mask(size);
	b &= kc_width_mask(size);

	switch (op) {
	case KC_ALU_ADD:
	case KC_ALU_ADC:
		r = kc_add(size, a, b, op == KC_ALU_ADC && cin, &fl);
		break;
	case KC_ALU_SUB:
	case KC_ALU_SBB:
	case KC_ALU_CMP:
		r = kc_sub(size, a, b, op == KC_ALU_SBB && cin, &fl);
		break;
	default:	/* OR, AND, XOR, TEST: CF, OF and AF clear */
		r = kc_alu_result(op, size, a, b, false);
		break;
	}
	kc_set_flags(rflags, KC_ARITH_FLAGS, fl | kc_szp(r, size));
	return r;
}

u64 kc_unary_op(u8 op, int size, u64 a, unsigned long *rflags)
{
	unsigned long fl;
	u64 r;

	a &= kc_width_mask(size);

	switch (op) {
	case KC_UN_NOT:
		return ~a & kc_width_mask(size);
	case KC_UN_NEG:
		r = kc_sub(size, 0, a, false, &fl);
		kc_set_flags(rflags, KC_ARITH_FLAGS, fl | kc_szp(r, size));
		return r;
	case KC_UN_INC:
		r = kc_add(size, a, 1, false, &fl);
		break;
	default:	/* DEC */
		r = kc_sub(size, a, 1, false, &fl);
		break;
	}
	/* INC and DEC leave CF alone. */
	kc_set_flags(rflags, KC_ARITH_FLAGS & ~X86_EFLAGS_CF,
		     fl | kc_szp(r, size));
	return r;
}

u64 kc_shift_op(u8 op, int size, u64 a, u8 count, unsigned long *rflags)
{
	unsigned int bits = size * 8, c = count & (size == 8 ? 0x3f : 0x1f);
	u64 sign = kc_sign_bit(size), r;
	unsigned long fl = 0;
	bool cf, of;
	s64 sa;

	a &= kc_width_mask(size);
	/* A masked count of zero changes neither the operand nor the flags. */
	if (!c)
		return a;

	switch (op) {
	case KC_SH_SHL:
		r = c < bits ? (a << c) & kc_width_mask(size) : 0;
		cf = c <= bits && ((a >> (bits - c)) & 1);
		of = !!(r & sign) != cf;
		break;
	case KC_SH_SHR:
		r = c < bits ? a >> c : 0;
		cf = c <= bits && ((a >> (c - 1)) & 1);
		of = a & sign;
		break;
	default:	/* SAR */
		sa = kc_sign_extend(a, size);
		r = (u64)(sa >> (c < bits ? c : bits - 1)) & kc_width_mask(size);
		cf = (sa >> (c <= bits ? c - 1 : bits - 1)) & 1;
		of = false;
		break;
	}
	if (cf)
		fl |= X86_EFLAGS_CF;
	/* OF is defined for one-bit shifts only. */
	if (c == 1 && of)
		fl |= X86_EFLAGS_OF;
	kc_set_flags(rflags, KC_ARITH_FLAGS, fl | kc_szp(r, size));
	return r;
}

u64 kc_alu_result(u8 op, int size, u64 a, u64 b, bool cf)
{
	u64 r;

	switch (op) {
	case KC_ALU_ADD:
		r = a + b;
		break;
	case KC_ALU_ADC:
		r = a + b + cf;
		break;
	case KC_ALU_SUB:
	case KC_ALU_CMP:
		r = a - b;
		break;
	case KC_ALU_SBB:
		r = a - b - cf;
		break;
	case KC_ALU_OR:
		r = a | b;
		break;
	case KC_ALU_XOR:
		r = a ^ b;
		break;
	default:	/* AND, TEST */
		r = a & b;
		break;
	}
	return r & kc_width_mask(size);
}

u64 kc_unary_result(u8 op, int size, u64 a)
{
	u64 r;

	switch (op) {
	case KC_UN_NOT:
		r = ~a;
		break;
	case KC_UN_NEG:
		r = -a;
		break;
	case KC_UN_INC:
		r = a + 1;
		break;
	default:	/* DEC */
		r = a - 1;
		break;
	}
	return r & kc_width_mask(size);
}

u64 kc_shift_result(u8 op, int size, u64 a, u8 count)
{
	unsigned long rflags = 0;

	return kc_shift_op(op, size, a, count, &rflags);
}
