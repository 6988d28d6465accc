// SPDX-License-Identifier: GPL-2.0
/*
 * Instruction interpreter: guest code decoded with the kernel's x86
 * instruction decoder into the instructions the block executor runs
 * (struct kc_insn), each checked against the small set it supports:
 * register and immediate MOV, MOVZX, MOVSX, the ALU operations, TEST,
 * INC, DEC, NOT, NEG, SHL, SHR, SAR, LEA, NOP, forward jumps, IN, OUT,
 * and INS and OUTS without REP; loads, and stores of MOV, of memory.
 * Anything else, and any prefix but 0x66 and one REX, is not supported,
 * which ends a block.  See decode.h.
 */
#include <linux/bits.h>
#include <linux/string.h>
#include <asm/insn.h>

#include "decode.h"

/* Only the operand-size prefix and REX are allowed. */
static bool kc_prefixes_ok(const struct insn *insn)
{
	int i;

	/* No VEX, EVEX or two-byte REX2 (APX) prefix. */
	if (insn->vex_prefix.nbytes || insn->rex_prefix.nbytes > 1 ||
	    insn->emulate_prefix_size)
		return false;
	for (i = 0; i < insn->prefixes.nbytes && i < 4; i++) {
		if (insn->prefixes.bytes[i] != 0x66)
			return false;
	}
	return true;
}

/* The instruction's REX prefix, 0 if it has none. */
static u8 kc_rex(const struct insn *insn)
{
	return insn->rex_prefix.nbytes ? insn->rex_prefix.bytes[0] : 0;
}

/*
 * A general-purpose register operand: @reg, r8-r15 if @rex_ext, the REX
 * bit that extends it, is set; without any REX prefix, byte registers
 * 4-7 are AH, CH, DH, BH.
 */
static struct kc_opnd kc_reg(const struct insn *insn, int reg, bool rex_ext,
			     int size)
{
	struct kc_opnd o = { .reg = reg | (rex_ext ? 8 : 0) };

	if (size == 1 && !kc_rex(insn) && reg >= 4) {
		o.reg = reg - 4;
		o.hi8 = true;
	}
	return o;
}

static struct kc_opnd kc_modrm_reg(const struct insn *insn, int size)
{
	return kc_reg(insn, X86_MODRM_REG(insn->modrm.bytes[0]),
		      X86_REX_R(kc_rex(insn)), size);
}

static struct kc_opnd kc_modrm_rm(const struct insn *insn, int size)
{
	return kc_reg(insn, X86_MODRM_RM(insn->modrm.bytes[0]),
		      X86_REX_B(kc_rex(insn)), size);
}

static bool kc_modrm_is_reg(const struct insn *insn)
{
	return insn->modrm.nbytes &&
	       X86_MODRM_MOD(insn->modrm.bytes[0]) == 3;
}

/*
 * The memory operand of a ModRM byte with mod != 3, in 64-bit mode:
 * SIB base and index (index 4 without REX.X is none), no base with
 * mod 0 and base 5, RIP-relative with mod 0 and r/m 5.
 */
static void kc_decode_mem(const struct insn *insn, struct kc_mem *m)
{
	u8 rex = kc_rex(insn), modrm = insn->modrm.bytes[0];
	u8 sib = insn->sib.bytes[0];
	int mod = X86_MODRM_MOD(modrm), rm = X86_MODRM_RM(modrm);

	m->disp = insn->displacement.value;
	m->base = KC_NO_REG;
	m->index = KC_NO_REG;
	m->scale = 0;
	m->rip_rel = false;

	if (rm != 4) {
		if (mod == 0 && rm == 5)
			m->rip_rel = true;
		else
			m->base = rm | (X86_REX_B(rex) ? 8 : 0);
		return;
	}
	m->scale = X86_SIB_SCALE(sib);
	if (X86_SIB_INDEX(sib) != 4 || X86_REX_X(rex))
		m->index = X86_SIB_INDEX(sib) | (X86_REX_X(rex) ? 8 : 0);
	if (mod != 0 || X86_SIB_BASE(sib) != 5)
		m->base = X86_SIB_BASE(sib) | (X86_REX_B(rex) ? 8 : 0);
}

/*
 * The r/m operand of @k: a register in *@reg, or memory in @k->mem, in
 * which case @k->mem_use is set to @use.
 */
static void kc_decode_rm(const struct insn *insn, struct kc_insn *k,
			 int size, struct kc_opnd *reg, enum kc_mem_use use)
{
	if (kc_modrm_is_reg(insn)) {
		*reg = kc_modrm_rm(insn, size);
		return;
	}
	kc_decode_mem(insn, &k->mem);
	k->mem_use = use;
}

/*
 * The size of port I/O opcode @op: a byte, or 16 or 32 bits by the
 * operand-size prefix.  There is no 64-bit port I/O and REX.W alone is
 * ignored; with both REX.W and the prefix, CPUs and emulators disagree
 * (QEMU takes 32 bits, the architecture 16), so such an instruction is
 * left to the guest's CPU: 0.
 */
static int kc_io_size(const struct insn *insn, u8 op)
{
	bool opsize = insn->prefixes.nbytes;	/* only 0x66 is allowed */

	if (!(op & 1))
		return 1;
	if (opsize && X86_REX_W(kc_rex(insn)))
		return 0;
	return opsize ? 2 : 4;
}

static bool kc_decode_io(const struct insn *insn, u8 op, struct kc_insn *k)
{
	k->op = (op & 2) ? KC_OP_OUT : KC_OP_IN;
	k->size = kc_io_size(insn, op);
	k->port_dx = op >= 0xec;
	k->imm = (u8)insn->immediate.value;
	return k->size;
}

/*
 * 6C-6F: INS to [RDI], OUTS from [RSI], port in DX.  Without a REP
 * prefix, a segment override or an address-size prefix, which
 * kc_prefixes_ok() refuses: one access, 64-bit addresses, base 0.
 */
static bool kc_decode_string_io(const struct insn *insn, u8 op,
				struct kc_insn *k)
{
	k->op = (op & 2) ? KC_OP_OUTS : KC_OP_INS;
	k->size = kc_io_size(insn, op);
	k->port_dx = true;
	return k->size;
}

/* 00-3D: the eight ALU operations on r/m,r; r,r/m; AL/eAX,imm. */
static bool kc_decode_alu(const struct insn *insn, u8 op, struct kc_insn *k)
{
	int size = (op & 1) ? insn->opnd_bytes : 1;

	k->op = KC_OP_ALU;
	k->sub = op >> 3;
	k->size = size;
	switch (op & 7) {
	case 0:
	case 1:
		kc_decode_rm(insn, k, size, &k->dst, KC_MEM_DST);
		k->src = kc_modrm_reg(insn, size);
		k->has_src = true;
		return true;
	case 2:
	case 3:
		k->dst = kc_modrm_reg(insn, size);
		kc_decode_rm(insn, k, size, &k->src, KC_MEM_SRC);
		k->has_src = true;
		return true;
	case 4:
	case 5:
		k->dst.reg = KC_RAX;
		k->imm = insn->immediate.value;
		return true;
	}
	return false;
}

/* Opcodes with a register-form ModRM and a /digit sub-operation. */
static bool kc_decode_group(const struct insn *insn, u8 op, struct kc_insn *k)
{
	int size = (op & 1) ? insn->opnd_bytes : 1;
	int digit = X86_MODRM_REG(insn->modrm.bytes[0]);

	k->size = size;
	kc_decode_rm(insn, k, size, &k->dst, KC_MEM_DST);
	k->imm = insn->immediate.value;

	switch (op) {
	case 0x80: case 0x81: case 0x83:	/* ALU r/m, imm */
		k->op = KC_OP_ALU;
		k->sub = digit;
		return true;
	case 0xc6: case 0xc7:			/* MOV r/m, imm */
		k->op = KC_OP_MOV;
		return digit == 0;
	case 0xf6: case 0xf7:			/* TEST, NOT, NEG */
		if (digit == 0) {
			k->op = KC_OP_ALU;
			k->sub = KC_ALU_TEST;
			return true;
		}
		if (digit == 2 || digit == 3) {
			k->op = KC_OP_UNARY;
			k->sub = digit == 2 ? KC_UN_NOT : KC_UN_NEG;
			return true;
		}
		return false;
	case 0xfe: case 0xff:			/* INC, DEC */
		if (digit > 1)
			return false;
		k->op = KC_OP_UNARY;
		k->sub = digit ? KC_UN_DEC : KC_UN_INC;
		return true;
	}

	/* C0, C1: by imm8; D0, D1: by 1; D2, D3: by CL. */
	if (digit != KC_SH_SHL && digit != KC_SH_SHR && digit != KC_SH_SAR)
		return false;
	k->op = KC_OP_SHIFT;
	k->sub = digit;
	if (op == 0xd0 || op == 0xd1)
		k->imm = 1;
	else if (op == 0xd2 || op == 0xd3)
		k->has_src = true;	/* count in CL */
	else
		k->imm = (u8)insn->immediate.value;
	return true;
}

static bool kc_decode_mov(const struct insn *insn, u8 op, struct kc_insn *k)
{
	int size = (op & 1) ? insn->opnd_bytes : 1;

	k->op = KC_OP_MOV;
	k->size = size;
	k->has_src = true;
	if (op <= 0x89) {
		kc_decode_rm(insn, k, size, &k->dst, KC_MEM_DST);
		k->src = kc_modrm_reg(insn, size);
	} else {
		k->dst = kc_modrm_reg(insn, size);
		kc_decode_rm(insn, k, size, &k->src, KC_MEM_SRC);
	}
	return true;
}

/* LEA: the address only, no access; a register operand is #UD. */
static bool kc_decode_lea(const struct insn *insn, struct kc_insn *k)
{
	if (kc_modrm_is_reg(insn))
		return false;
	k->op = KC_OP_LEA;
	k->size = insn->opnd_bytes;
	k->dst = kc_modrm_reg(insn, k->size);
	kc_decode_mem(insn, &k->mem);
	return true;
}

static bool kc_decode_0f(const struct insn *insn, struct kc_insn *k)
{
	u8 op = insn->opcode.bytes[1];

	if (insn->opcode.nbytes != 2)
		return false;

	if (op >= 0x80 && op <= 0x8f) {		/* Jcc rel32 */
		k->op = KC_OP_JCC;
		k->sub = op & 0xf;
		k->imm = insn->immediate.value;
		return true;
	}
	if (op == 0x1f) {			/* NOP r/m */
		k->op = KC_OP_NOP;
		return !X86_MODRM_REG(insn->modrm.bytes[0]);
	}
	if (op != 0xb6 && op != 0xb7 && op != 0xbe && op != 0xbf)
		return false;

	k->op = (op & 8) ? KC_OP_MOVSX : KC_OP_MOVZX;
	k->size = insn->opnd_bytes;
	k->src_size = (op & 1) ? 2 : 1;
	k->dst = kc_modrm_reg(insn, k->size);
	kc_decode_rm(insn, k, k->src_size, &k->src, KC_MEM_SRC);
	k->has_src = true;
	return true;
}

/* The opcode's operation and operands, before the checks of kc_decode_insn(). */
static bool kc_decode_op(const struct insn *insn, struct kc_insn *k)
{
	u8 op = insn->opcode.bytes[0];

	memset(k, 0, sizeof(*k));
	k->len = insn->length;
	if (!kc_prefixes_ok(insn))
		return false;

	if (op < 0x40 && (op & 7) < 6)
		return kc_decode_alu(insn, op, k);
	if (op == 0x84 || op == 0x85) {
		bool r = kc_decode_alu(insn, 0x20 | (op & 1), k);

		k->sub = KC_ALU_TEST;
		return r;
	}
	if (op == 0xa8 || op == 0xa9) {
		bool r = kc_decode_alu(insn, 0x24 | (op & 1), k);

		k->sub = KC_ALU_TEST;
		return r;
	}
	if (op >= 0x88 && op <= 0x8b)
		return kc_decode_mov(insn, op, k);
	if (op == 0x8d)
		return kc_decode_lea(insn, k);
	if (op >= 0xb0 && op <= 0xbf) {		/* MOV reg, imm */
		k->op = KC_OP_MOV;
		k->size = op >= 0xb8 ? insn->opnd_bytes : 1;
		k->dst = kc_reg(insn, op & 7, X86_REX_B(kc_rex(insn)), k->size);
		k->imm = insn->immediate.value;
		if (k->size == 8)
			k->imm = (u32)insn->immediate1.value |
				 ((u64)insn->immediate2.value << 32);
		return true;
	}
	/* NOP, not XCHG r8, rAX */
	if (op == 0x90 && !X86_REX_B(kc_rex(insn))) {
		k->op = KC_OP_NOP;
		return true;
	}
	if (op == 0xeb || (op >= 0x70 && op <= 0x7f) || op == 0xe9) {
		k->op = KC_OP_JCC;
		k->sub = op < 0x80 ? op & 0xf : KC_CC_ALWAYS;
		k->imm = insn->immediate.value;
		return true;
	}
	if ((op >= 0xe4 && op <= 0xe7) || (op >= 0xec && op <= 0xef))
		return kc_decode_io(insn, op, k);
	if (op >= 0x6c && op <= 0x6f)
		return kc_decode_string_io(insn, op, k);
	if (op == 0x0f)
		return kc_decode_0f(insn, k);
	if (op >= 0x80 && op <= 0x83 && op != 0x82)
		return kc_decode_group(insn, op, k);
	if (op == 0xc0 || op == 0xc1 || (op >= 0xd0 && op <= 0xd3) ||
	    op == 0xc6 || op == 0xc7 || op == 0xf6 || op == 0xf7 ||
	    op == 0xfe || op == 0xff)
		return kc_decode_group(insn, op, k);
	return false;
}

/*
 * Translate one decoded instruction; false if it is not supported.
 * A memory destination is only written by MOV (CMP and TEST only read
 * theirs): read-modify-write instructions are left to the guest's CPU.
 * A jump with an operand-size prefix is left to it too: Intel CPUs
 * ignore the prefix in 64-bit mode, AMD CPUs truncate the target to 16
 * bits.
 */
static bool kc_decode_insn(const struct insn *insn, struct kc_insn *k)
{
	if (!kc_decode_op(insn, k))
		return false;
	if (k->op == KC_OP_JCC && insn->prefixes.nbytes)
		return false;

	/* One test in the executor's loop instead of three. */
	k->slow = k->mem_use != KC_MEM_NONE || k->op == KC_OP_LEA ||
		  kc_is_string_io(k);

	if (k->mem_use != KC_MEM_DST || k->op == KC_OP_MOV)
		return true;
	return k->op == KC_OP_ALU &&
	       (k->sub == KC_ALU_CMP || k->sub == KC_ALU_TEST);
}

/* The kernel decoder's mode for @mode. */
static enum insn_mode kc_insn_mode(enum kc_cpu_mode mode)
{
	return INSN_MODE_64;
}

unsigned int kc_decode(const u8 *bytes, unsigned int len,
		       enum kc_cpu_mode mode, struct kc_insn *k)
{
	struct insn insn;

	if (insn_decode(&insn, bytes, len, kc_insn_mode(mode)) ||
	    !kc_decode_insn(&insn, k))
		return 0;
	return k->len;
}
