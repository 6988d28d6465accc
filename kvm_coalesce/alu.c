// SPDX-License-Identifier: GPL-2.0
/*
 * Integer operations of the block executor.
 *
 * Each operation runs as the same instruction on this CPU, with the
 * guest's arithmetic flags loaded before it and read back after it, as
 * KVM's emulator does (fastop in arch/x86/kvm/emulate.c).  The guest
 * runs on this CPU too, so the result and every flag, those that the
 * architecture leaves undefined included, are what the guest's own
 * execution gives, and every instruction's flags are computed: a block
 * that stops early never exposes a value the CPU would not have left.
 *
 * The host's own flags (IF, DF, AC, ...) are kept: only the six
 * arithmetic flags are taken from and given back to the guest.
 */
#include <linux/types.h>
#include <asm/processor-flags.h>

#include "alu.h"

#define KC_ARITH_FLAGS	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
			 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF)

/*
 * "insn" with the arithmetic flags of *@fl in, and back in *@fl after
 * it: pushf/popf replace only those of the host's RFLAGS.
 */
#define KC_FLAGS_IN							\
	"pushf\n\t"							\
	"andq %[keep], (%%rsp)\n\t"					\
	"orq %[flags], (%%rsp)\n\t"					\
	"popf\n\t"
#define KC_FLAGS_OUT							\
	"\n\tpushf\n\t"							\
	"popq %[flags]"

/* "insn src, dst" on operands of @type; %z gives the size suffix. */
#define KC_ASM2(insn, type, dst, src, fl) ({				\
	type __d = (dst), __s = (src);					\
	asm(KC_FLAGS_IN insn "%z[d] %[s], %[d]" KC_FLAGS_OUT		\
	    : [d] "+r" (__d), [flags] "+r" (*(fl))			\
	    : [s] "r" (__s), [keep] "e" (~KC_ARITH_FLAGS) : "cc");	\
	(u64)__d; })

/* "insn dst". */
#define KC_ASM1(insn, type, dst, fl) ({					\
	type __d = (dst);						\
	asm(KC_FLAGS_IN insn "%z[d] %[d]" KC_FLAGS_OUT			\
	    : [d] "+r" (__d), [flags] "+r" (*(fl))			\
	    : [keep] "e" (~KC_ARITH_FLAGS) : "cc");			\
	(u64)__d; })

/* "insn %cl, dst". */
#define KC_ASM_CL(insn, type, dst, count, fl) ({			\
	type __d = (dst);						\
	asm(KC_FLAGS_IN insn "%z[d] %%cl, %[d]" KC_FLAGS_OUT		\
	    : [d] "+r" (__d), [flags] "+r" (*(fl))			\
	    : "c" (count), [keep] "e" (~KC_ARITH_FLAGS) : "cc");	\
	(u64)__d; })

/* kc_x86_<op>(): @op on operands of @size bytes, 1, 2, 4 or 8. */
#define KC_DEFINE_OP2(op)						\
static u64 kc_x86_##op(int size, u64 a, u64 b, unsigned long *fl)	\
{									\
	switch (size) {							\
	case 1:								\
		return KC_ASM2(#op, u8, a, b, fl);			\
	case 2:								\
		return KC_ASM2(#op, u16, a, b, fl);			\
	case 4:								\
		return KC_ASM2(#op, u32, a, b, fl);			\
	default:							\
		return KC_ASM2(#op, u64, a, b, fl);			\
	}								\
}

#define KC_DEFINE_OP1(op)						\
static u64 kc_x86_##op(int size, u64 a, unsigned long *fl)		\
{									\
	switch (size) {							\
	case 1:								\
		return KC_ASM1(#op, u8, a, fl);				\
	case 2:								\
		return KC_ASM1(#op, u16, a, fl);			\
	case 4:								\
		return KC_ASM1(#op, u32, a, fl);			\
	default:							\
		return KC_ASM1(#op, u64, a, fl);			\
	}								\
}

#define KC_DEFINE_SHIFT(op)						\
static u64 kc_x86_##op(int size, u64 a, u8 count, unsigned long *fl)	\
{									\
	switch (size) {							\
	case 1:								\
		return KC_ASM_CL(#op, u8, a, count, fl);		\
	case 2:								\
		return KC_ASM_CL(#op, u16, a, count, fl);		\
	case 4:								\
		return KC_ASM_CL(#op, u32, a, count, fl);		\
	default:							\
		return KC_ASM_CL(#op, u64, a, count, fl);		\
	}								\
}

KC_DEFINE_OP2(add)
KC_DEFINE_OP2(or)
KC_DEFINE_OP2(adc)
KC_DEFINE_OP2(sbb)
KC_DEFINE_OP2(and)
KC_DEFINE_OP2(sub)
KC_DEFINE_OP2(xor)
KC_DEFINE_OP2(cmp)
KC_DEFINE_OP2(test)
KC_DEFINE_OP1(inc)
KC_DEFINE_OP1(dec)
KC_DEFINE_OP1(not)
KC_DEFINE_OP1(neg)
KC_DEFINE_SHIFT(shl)
KC_DEFINE_SHIFT(shr)
KC_DEFINE_SHIFT(sar)

/* The guest's arithmetic flags in, and back into its RFLAGS. */
static unsigned long kc_flags_in(unsigned long rflags)
{
	return rflags & KC_ARITH_FLAGS;
}

static void kc_flags_out(unsigned long *rflags, unsigned long fl)
{
	*rflags = (*rflags & ~KC_ARITH_FLAGS) | (fl & KC_ARITH_FLAGS);
}

u64 kc_alu_op(u8 op, int size, u64 a, u64 b, unsigned long *rflags)
{
	unsigned long fl = kc_flags_in(*rflags);
	u64 r;

	switch (op) {
	case KC_ALU_ADD:
		r = kc_x86_add(size, a, b, &fl);
		break;
	case KC_ALU_OR:
		r = kc_x86_or(size, a, b, &fl);
		break;
	case KC_ALU_ADC:
		r = kc_x86_adc(size, a, b, &fl);
		break;
	case KC_ALU_SBB:
		r = kc_x86_sbb(size, a, b, &fl);
		break;
	case KC_ALU_AND:
		r = kc_x86_and(size, a, b, &fl);
		break;
	case KC_ALU_SUB:
		r = kc_x86_sub(size, a, b, &fl);
		break;
	case KC_ALU_XOR:
		r = kc_x86_xor(size, a, b, &fl);
		break;
	case KC_ALU_CMP:
		r = kc_x86_cmp(size, a, b, &fl);
		break;
	default:
		r = kc_x86_test(size, a, b, &fl);
		break;
	}
	kc_flags_out(rflags, fl);
	return r;
}

u64 kc_unary_op(u8 op, int size, u64 a, unsigned long *rflags)
{
	unsigned long fl = kc_flags_in(*rflags);
	u64 r;

	switch (op) {
	case KC_UN_INC:
		r = kc_x86_inc(size, a, &fl);
		break;
	case KC_UN_DEC:
		r = kc_x86_dec(size, a, &fl);
		break;
	case KC_UN_NOT:
		r = kc_x86_not(size, a, &fl);
		break;
	default:
		r = kc_x86_neg(size, a, &fl);
		break;
	}
	kc_flags_out(rflags, fl);
	return r;
}

u64 kc_shift_op(u8 op, int size, u64 a, u8 count, unsigned long *rflags)
{
	unsigned long fl = kc_flags_in(*rflags);
	u64 r;

	switch (op) {
	case KC_SH_SHL:
		r = kc_x86_shl(size, a, count, &fl);
		break;
	case KC_SH_SHR:
		r = kc_x86_shr(size, a, count, &fl);
		break;
	default:
		r = kc_x86_sar(size, a, count, &fl);
		break;
	}
	kc_flags_out(rflags, fl);
	return r;
}
