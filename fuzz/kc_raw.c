// SPDX-License-Identifier: GPL-2.0
/*
 * A second decoder for the instructions kvm_coalesce/decode.c accepts,
 * written from the architecture manuals' encoding tables and sharing no
 * code with the kernel's decoder or with decode.c, so that the fuzz
 * target can compare the two on every instruction of a block: length,
 * operand size, memory operand, immediate and the registers the encoding
 * names.
 */
#include <string.h>
#include <linux/bits.h>
#include <linux/kernel.h>

#include "kc_raw.h"

/* Operand size of the non-byte forms: REX.W, else 66, else 32 bits. */
static int kc_raw_full(const struct kc_raw *r)
{
	if (r->rex & 8)
		return 8;
	return r->opsize ? 2 : 4;
}

/* An immediate of the full operand size, at most 32 bits. */
static int kc_raw_imm_full(const struct kc_raw *r)
{
	return kc_raw_full(r) == 2 ? 2 : 4;
}

/* Register @reg as a byte operand: AH-BH without any REX prefix. */
static int kc_raw_byte_reg(const struct kc_raw *r, int reg)
{
	return (!r->rex_present && reg >= 4 && reg < 8) ? reg - 4 : reg;
}

static void kc_raw_name(struct kc_raw *r, int reg, bool byte)
{
	if (byte)
		reg = kc_raw_byte_reg(r, reg);
	r->regs |= BIT(reg);
}

/* Classify a one-byte opcode; false if decode.c must not accept it. */
static bool kc_raw_op1(struct kc_raw *r)
{
	u8 op = r->op;
	int full = kc_raw_full(r);

	r->size = (op & 1) ? full : 1;
	if (op < 0x40 && (op & 7) < 6) {		/* ALU */
		if ((op & 7) < 4) {
			r->has_modrm = true;
			r->reg_named = true;
			return true;
		}
		r->imm_bytes = (op & 1) ? kc_raw_imm_full(r) : 1;
		kc_raw_name(r, KC_RAX, false);
		return true;
	}
	switch (op) {
	case 0x84: case 0x85: case 0x88: case 0x89: case 0x8a: case 0x8b:
		r->has_modrm = true;
		r->reg_named = true;
		return true;
	case 0x8d:					/* LEA */
		r->has_modrm = true;
		r->reg_named = true;
		r->size = full;
		return true;
	case 0xa8: case 0xa9:				/* TEST rAX, imm */
		r->imm_bytes = (op & 1) ? kc_raw_imm_full(r) : 1;
		kc_raw_name(r, KC_RAX, false);
		return true;
	case 0x90:					/* NOP */
		r->nop = true;
		return !(r->rex & 1);
	case 0xeb:
		r->imm_bytes = 1;
		r->jump = true;
		return true;
	case 0xe9:
		r->imm_bytes = 4;
		r->jump = true;
		return true;
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:	/* IN, OUT imm8 */
		r->imm_bytes = 1;
		fallthrough;
	case 0xec: case 0xed: case 0xee: case 0xef:	/* IN, OUT DX */
		/*
		 * REX.W takes precedence over 66 (SDM vol. 1, 3.6.1), and
		 * there is no 64-bit port I/O: 32 bits, as KVM's emulator
		 * and QEMU decode it.
		 */
		r->size = (op & 1) ? min_t(int, full, 4) : 1;
		kc_raw_name(r, KC_RAX, false);
		if (op >= 0xec)
			kc_raw_name(r, KC_RDX, false);
		return true;
	case 0x6c: case 0x6d: case 0x6e: case 0x6f:	/* INS, OUTS */
		/*
		 * As IN and OUT (REX.W gives 32 bits).  Port in DX; INS
		 * writes ES:[RDI], OUTS reads DS:[RSI], and the register
		 * moves on.
		 */
		r->size = (op & 1) ? min_t(int, full, 4) : 1;
		r->string = true;
		kc_raw_name(r, KC_RDX, false);
		kc_raw_name(r, op & 2 ? KC_RSI : KC_RDI, false);
		return true;
	case 0x80: case 0xc0: case 0xc6: case 0xf6:
	case 0x83: case 0xc1:
		r->imm_bytes = 1;
		r->has_modrm = true;
		return true;
	case 0x81: case 0xc7: case 0xf7:
		r->imm_bytes = kc_raw_imm_full(r);
		r->has_modrm = true;
		return true;
	case 0xd2: case 0xd3:				/* shift by CL */
		kc_raw_name(r, KC_RCX, false);
		fallthrough;
	case 0xd0: case 0xd1: case 0xfe: case 0xff:
		r->has_modrm = true;
		return true;
	}
	if (op >= 0x70 && op <= 0x7f) {			/* Jcc rel8 */
		r->imm_bytes = 1;
		r->jump = true;
		return true;
	}
	if (op >= 0xb0 && op <= 0xbf) {			/* MOV reg, imm */
		r->size = op >= 0xb8 ? full : 1;
		r->imm_bytes = op >= 0xb8 ? full : 1;
		kc_raw_name(r, (op & 7) | ((r->rex & 1) << 3), r->size == 1);
		return true;
	}
	return false;
}

/*
 * The /digit sub-operations of the group opcodes decode.c accepts; NOT
 * and NEG have no immediate, unlike TEST of the same opcodes.
 */
static bool kc_raw_digit_ok(struct kc_raw *r)
{
	int digit = (r->modrm >> 3) & 7;

	switch (r->op) {
	case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3:
		return digit == 4 || digit == 5 || digit == 7;
	case 0xc6: case 0xc7:
		return digit == 0;
	case 0xf6: case 0xf7:
		if (digit != 0)
			r->imm_bytes = 0;	/* NOT, NEG */
		return digit == 0 || digit == 2 || digit == 3;
	case 0xfe: case 0xff:
		return digit <= 1;
	}
	return !r->nop || digit == 0;
}

static bool kc_raw_op2(struct kc_raw *r)
{
	u8 op = r->op2;

	if (op >= 0x80 && op <= 0x8f) {			/* Jcc rel32 */
		r->imm_bytes = 4;
		r->jump = true;
		return true;
	}
	r->has_modrm = true;
	if (op == 0x1f) {				/* NOP r/m */
		r->nop = true;
		return true;
	}
	if (op != 0xb6 && op != 0xb7 && op != 0xbe && op != 0xbf)
		return false;
	r->reg_named = true;
	r->size = kc_raw_full(r);
	r->rm_size = (op & 1) ? 2 : 1;
	return true;
}

static u64 kc_raw_le(const u8 *p, unsigned int n)
{
	u64 v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

/* ModRM, SIB and displacement at @p; the operands they name. */
static unsigned int kc_raw_modrm(struct kc_raw *r, const u8 *p,
				 unsigned int avail)
{
	int mod, reg, rm, rm_size;
	unsigned int n = 1;

	if (avail < 1)
		return 0;
	r->modrm = p[0];
	mod = r->modrm >> 6;
	reg = ((r->modrm >> 3) & 7) | ((r->rex & 4) << 1);
	rm = r->modrm & 7;
	rm_size = r->rm_size ? r->rm_size : r->size;
	if (r->reg_named)
		kc_raw_name(r, reg, r->size == 1);
	r->mem = mod != 3;
	r->base = KC_NO_REG;
	r->index = KC_NO_REG;
	if (mod == 3) {
		if (!r->nop)
			kc_raw_name(r, rm | ((r->rex & 1) << 3), rm_size == 1);
		return n;
	}
	if (rm == 4) {
		int idx, base;

		if (avail < 2)
			return 0;
		r->sib = p[1];
		n++;
		idx = ((r->sib >> 3) & 7) | ((r->rex & 2) << 2);
		base = (r->sib & 7) | ((r->rex & 1) << 3);
		r->scale = r->sib >> 6;
		if (idx != 4)
			r->index = idx;
		if (mod != 0 || (r->sib & 7) != 5)
			r->base = base;
		else
			r->disp_bytes = 4;
	} else if (mod == 0 && rm == 5) {
		r->rip_rel = true;
		r->disp_bytes = 4;
	} else {
		r->base = rm | ((r->rex & 1) << 3);
	}
	if (mod == 1)
		r->disp_bytes = 1;
	else if (mod == 2)
		r->disp_bytes = 4;
	if (n + r->disp_bytes > avail)
		return 0;
	r->disp = r->disp_bytes == 1 ? (s8)p[n] : (s32)kc_raw_le(p + n, r->disp_bytes);
	n += r->disp_bytes;
	if (!r->nop) {
		if (r->base != KC_NO_REG)
			r->regs |= BIT(r->base);
		if (r->index != KC_NO_REG)
			r->regs |= BIT(r->index);
	}
	return n;
}

/*
 * Decode the instruction at @p, of which @avail bytes are readable.
 * Returns false if it is not one decode.c may accept, or does not fit;
 * the length is not checked against the architecture's 15 bytes.
 */
bool kc_raw_decode(const u8 *p, unsigned int avail, struct kc_raw *r)
{
	unsigned int n = 0, m;

	memset(r, 0, sizeof(*r));
	while (n < avail && p[n] == 0x66) {
		r->opsize = true;
		n++;
	}
	if (n < avail && (p[n] & 0xf0) == 0x40) {
		r->rex_present = true;
		r->rex = p[n++];
	}
	if (n >= avail)
		return false;
	r->op = p[n++];
	if (r->op == 0x0f) {
		if (n >= avail)
			return false;
		r->op2 = p[n++];
		if (!kc_raw_op2(r))
			return false;
	} else if (!kc_raw_op1(r)) {
		return false;
	}
	if (r->has_modrm) {
		m = kc_raw_modrm(r, p + n, avail - n);
		if (!m || !kc_raw_digit_ok(r))
			return false;
		n += m;
	}
	if (n + r->imm_bytes > avail)
		return false;
	/* Immediates narrower than 64 bits are sign-extended. */
	if (r->imm_bytes) {
		int shift = 64 - 8 * r->imm_bytes;

		r->imm = (s64)(kc_raw_le(p + n, r->imm_bytes) << shift) >> shift;
	}
	r->len = n + r->imm_bytes;
	return true;
}
