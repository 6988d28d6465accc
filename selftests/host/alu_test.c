// SPDX-License-Identifier: GPL-2.0
/*
 * Check the block executor's integer operations (kvm_coalesce/alu.c)
 * against this CPU: every operation, every operand size, exhaustively
 * for 8-bit operands and on edge and random values for wider ones.  The
 * result and all six arithmetic flags must be equal, those the
 * architecture leaves undefined included: a guest reads them too.
 *
 * Built and run on the host by make check; prints kselftest-style TAP.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../kvm_coalesce/alu.h"
#include "../../kvm_coalesce/alu.c"

#define ARITH	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
		 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF)

/* Run "insn src, dst" on this CPU with the arithmetic flags in *fl. */
#define NATIVE2(insn, type, d, s, fl) do {					\
	type __d = (d), __s = (s);						\
	unsigned long __f = (*(fl) & ARITH) | 0x202;				\
	asm("push %[flg]; popf; " insn " %[src], %[dst]; pushf; pop %[flg]"		\
	    : [dst] "+r" (__d), [flg] "+r" (__f) : [src] "r" (__s) : "cc");		\
	(d) = __d; *(fl) = __f & ARITH;						\
} while (0)

#define NATIVE1(insn, type, d, fl) do {						\
	type __d = (d);								\
	unsigned long __f = (*(fl) & ARITH) | 0x202;				\
	asm("push %[flg]; popf; " insn " %[dst]; pushf; pop %[flg]"			\
	    : [dst] "+r" (__d), [flg] "+r" (__f) : : "cc");				\
	(d) = __d; *(fl) = __f & ARITH;						\
} while (0)

#define NATIVE_CL(insn, type, d, c, fl) do {					\
	type __d = (d);								\
	unsigned long __f = (*(fl) & ARITH) | 0x202;				\
	asm("push %[flg]; popf; " insn " %%cl, %[dst]; pushf; pop %[flg]"		\
	    : [dst] "+r" (__d), [flg] "+r" (__f) : "c" ((u8)(c)) : "cc");		\
	(d) = __d; *(fl) = __f & ARITH;						\
} while (0)

#define BY_SIZE(size, M, insn, ...) do {					\
	switch (size) {								\
	case 1: M(insn "b", u8, __VA_ARGS__); break;				\
	case 2: M(insn "w", u16, __VA_ARGS__); break;				\
	case 4: M(insn "l", u32, __VA_ARGS__); break;				\
	default: M(insn "q", u64, __VA_ARGS__); break;				\
	}									\
} while (0)

static const char * const alu_names[] = {
	"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test",
};

static u64 native_alu(int op, int size, u64 a, u64 b, unsigned long *fl)
{
	switch (op) {
	case KC_ALU_ADD: BY_SIZE(size, NATIVE2, "add", a, b, fl); break;
	case KC_ALU_OR:  BY_SIZE(size, NATIVE2, "or", a, b, fl); break;
	case KC_ALU_ADC: BY_SIZE(size, NATIVE2, "adc", a, b, fl); break;
	case KC_ALU_SBB: BY_SIZE(size, NATIVE2, "sbb", a, b, fl); break;
	case KC_ALU_AND: BY_SIZE(size, NATIVE2, "and", a, b, fl); break;
	case KC_ALU_SUB: BY_SIZE(size, NATIVE2, "sub", a, b, fl); break;
	case KC_ALU_XOR: BY_SIZE(size, NATIVE2, "xor", a, b, fl); break;
	case KC_ALU_CMP: BY_SIZE(size, NATIVE2, "cmp", a, b, fl); break;
	default:         BY_SIZE(size, NATIVE2, "test", a, b, fl); break;
	}
	return a;
}

static u64 native_unary(int op, int size, u64 a, unsigned long *fl)
{
	switch (op) {
	case KC_UN_INC: BY_SIZE(size, NATIVE1, "inc", a, fl); break;
	case KC_UN_DEC: BY_SIZE(size, NATIVE1, "dec", a, fl); break;
	case KC_UN_NOT: BY_SIZE(size, NATIVE1, "not", a, fl); break;
	default:        BY_SIZE(size, NATIVE1, "neg", a, fl); break;
	}
	return a;
}

static u64 native_shift(int op, int size, u64 a, u8 c, unsigned long *fl)
{
	switch (op) {
	case KC_SH_SHL: BY_SIZE(size, NATIVE_CL, "shl", a, c, fl); break;
	case KC_SH_SHR: BY_SIZE(size, NATIVE_CL, "shr", a, c, fl); break;
	default:        BY_SIZE(size, NATIVE_CL, "sar", a, c, fl); break;
	}
	return a;
}

static u64 mask_of(int size)
{
	return size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static long failures, checks;

static void report(const char *what, int size, u64 a, u64 b, unsigned long fl,
		   u64 r1, unsigned long f1, u64 r2, unsigned long f2)
{
	if (failures++ < 10)
		printf("# %s/%d a=%#llx b=%#llx flags=%#lx: got %#llx/%#lx, cpu %#llx/%#lx\n",
		       what, size, (unsigned long long)a, (unsigned long long)b,
		       fl, (unsigned long long)r1, f1, (unsigned long long)r2, f2);
}

static void check_alu(int op, int size, u64 a, u64 b, unsigned long fl)
{
	unsigned long f1 = fl, f2 = fl;
	u64 r1, r2;

	r1 = kc_alu_op(op, size, a, b, &f1);
	r2 = native_alu(op, size, a, b, &f2) & mask_of(size);
	if (op == KC_ALU_CMP || op == KC_ALU_TEST)
		r1 = r2 = 0;
	checks++;
	if (r1 != r2 || ((f1 ^ f2) & ARITH))
		report(alu_names[op], size, a, b, fl, r1, f1, r2, f2);
}

static void check_unary(int op, int size, u64 a, unsigned long fl)
{
	unsigned long f1 = fl, f2 = fl;
	u64 r1, r2;

	r1 = kc_unary_op(op, size, a, &f1);
	r2 = native_unary(op, size, a, &f2) & mask_of(size);
	checks++;
	if (r1 != r2 || ((f1 ^ f2) & ARITH))
		report("unary", size, a, op, fl, r1, f1, r2, f2);
}

static void check_shift(int op, int size, u64 a, u8 c, unsigned long fl)
{
	unsigned long f1 = fl, f2 = fl;
	u64 r1, r2;

	r1 = kc_shift_op(op, size, a, c, &f1);
	r2 = native_shift(op, size, a, c, &f2) & mask_of(size);
	checks++;
	if (r1 != r2 || ((f1 ^ f2) & ARITH))
		report("shift", size, a, (u64)op << 8 | c, fl, r1, f1, r2, f2);
}

static u64 rnd64(void)
{
	return (u64)random() << 62 ^ (u64)random() << 31 ^ random();
}

static const u64 edges[] = {
	0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff,
	0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffffull,
	0x8000000000000000ull, 0xffffffffffffffffull, 0x0f, 0x10, 0xf0,
};

int main(void)
{
	static const int sizes[] = { 1, 2, 4, 8 };
	static const int unary[] = { KC_UN_INC, KC_UN_DEC, KC_UN_NOT, KC_UN_NEG };
	static const int shifts[] = { KC_SH_SHL, KC_SH_SHR, KC_SH_SAR };
	unsigned long fl;
	int op, s, i, j, k;
	u64 a, b;

	srandom(1);
	printf("TAP version 13\n1..3\n");

	for (op = KC_ALU_ADD; op <= KC_ALU_TEST; op++) {
		for (fl = 0; fl <= ARITH; fl += ARITH)
			for (a = 0; a < 256; a++)
				for (b = 0; b < 256; b++)
					check_alu(op, 1, a, b, fl);
		for (s = 1; s < 4; s++) {
			for (i = 0; i < (int)(sizeof(edges) / 8); i++)
				for (j = 0; j < (int)(sizeof(edges) / 8); j++)
					check_alu(op, sizes[s], edges[i], edges[j], i & 1 ? ARITH : 0);
			for (k = 0; k < 200000; k++)
				check_alu(op, sizes[s], rnd64(), rnd64(), k & 1 ? ARITH : 0);
		}
	}
	printf("%s 1 alu: %ld checks\n", failures ? "not ok" : "ok", checks);

	failures = checks = 0;
	for (i = 0; i < 4; i++)
		for (s = 0; s < 4; s++)
			for (fl = 0; fl <= ARITH; fl += ARITH) {
				for (a = 0; a < 256; a++)
					check_unary(unary[i], sizes[s], a, fl);
				for (j = 0; j < (int)(sizeof(edges) / 8); j++)
					check_unary(unary[i], sizes[s], edges[j], fl);
				for (k = 0; k < 20000; k++)
					check_unary(unary[i], sizes[s], rnd64(), fl);
			}
	printf("%s 2 inc, dec, not, neg: %ld checks\n", failures ? "not ok" : "ok", checks);

	failures = checks = 0;
	for (i = 0; i < 3; i++)
		for (s = 0; s < 4; s++)
			for (k = 0; k < 256; k++) {
				for (a = 0; a < 256; a++)
					check_shift(shifts[i], sizes[s], sizes[s] == 1 ? a : rnd64(), k, k & 1 ? ARITH : 0);
				for (j = 0; j < (int)(sizeof(edges) / 8); j++)
					check_shift(shifts[i], sizes[s], edges[j], k, k & 2 ? ARITH : 0);
			}
	printf("%s 3 shl, shr, sar: %ld checks\n", failures ? "not ok" : "ok", checks);
	return 0;
}
