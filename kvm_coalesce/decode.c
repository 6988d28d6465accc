// SPDX-License-Identifier: GPL-2.0
/*
 * Instruction interpreter and scanning units: decode the guest code read
 * at the exiting instruction (scan.c) with the kernel's x86 instruction
 * decoder, and group the instructions from the exiting one through the
 * last I/O instruction within the extent into a block.
 *
 * Every byte comes from the guest and is untrusted: the decoder is given
 * exact buffer bounds, every decoded field is checked against the small
 * set of instructions the executor supports, and anything else ends the
 * scan.
 *
 * I/O candidates are IN, OUT, INS and OUTS, and, in a block that starts
 * with an MMIO access, every memory access through the same base
 * register or to the same page, as far as the registers at this exit
 * tell: the index/data pairs and register windows that drivers program
 * through one mapped pointer, or through two that a compiler derived
 * from one constant.  Whether an access really reaches a device is only
 * known when it runs (exec.c); the candidates only decide where a block
 * ends, so a block stored here and run at a later exit, with other
 * register values, is still run correctly.
 *
 * Nothing here touches a vCPU: a block is a function of the code bytes,
 * the registers at the exit (struct kc_code) and the extent, so that
 * this file also builds in user space, where fuzz/ runs it on arbitrary
 * bytes.  KVM's headers give only the register numbers and PAGE_SHIFT.
 */
#include <linux/kvm_host.h>
#include <linux/slab.h>
#include <asm/insn.h>

#include "kvm_coalesce.h"

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

/*
 * A general-purpose register operand.  @rex_bit is the REX bit extending
 * @reg; without any REX prefix, byte registers 4-7 are AH, CH, DH, BH.
 */
static struct kc_opnd kc_reg(const struct insn *insn, int reg, int rex_bit,
			     int size)
{
	u8 rex = insn->rex_prefix.nbytes ? insn->rex_prefix.bytes[0] : 0;
	struct kc_opnd o = { .reg = reg | ((rex & rex_bit) ? 8 : 0) };

	if (size == 1 && !rex && reg >= 4) {
		o.reg = reg - 4;
		o.hi8 = true;
	}
	return o;
}

static struct kc_opnd kc_modrm_reg(const struct insn *insn, int size)
{
	return kc_reg(insn, X86_MODRM_REG(insn->modrm.bytes[0]), 4, size);
}

static struct kc_opnd kc_modrm_rm(const struct insn *insn, int size)
{
	return kc_reg(insn, X86_MODRM_RM(insn->modrm.bytes[0]), 1, size);
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
	u8 rex = insn->rex_prefix.nbytes ? insn->rex_prefix.bytes[0] : 0;
	u8 modrm = insn->modrm.bytes[0], sib = insn->sib.bytes[0];
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
			m->base = rm | ((rex & 1) ? 8 : 0);
		return;
	}
	m->scale = X86_SIB_SCALE(sib);
	if (X86_SIB_INDEX(sib) != 4 || (rex & 2))
		m->index = X86_SIB_INDEX(sib) | ((rex & 2) ? 8 : 0);
	if (mod != 0 || X86_SIB_BASE(sib) != 5)
		m->base = X86_SIB_BASE(sib) | ((rex & 1) ? 8 : 0);
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
	u8 rex = insn->rex_prefix.nbytes ? insn->rex_prefix.bytes[0] : 0;
	bool opsize = insn->prefixes.nbytes;	/* only 0x66 is allowed */

	if (!(op & 1))
		return 1;
	if (opsize && X86_REX_W(rex))
		return 0;
	return opsize ? 2 : 4;
}

static int kc_decode_io(const struct insn *insn, u8 op, struct kc_insn *k)
{
	k->op = (op & 2) ? KC_OP_OUT : KC_OP_IN;
	k->size = kc_io_size(insn, op);
	k->port_dx = op >= 0xec;
	k->imm = (u8)insn->immediate.value;
	return k->size ? 0 : -EOPNOTSUPP;
}

/*
 * 6C-6F: INS to [RDI], OUTS from [RSI], port in DX.  Without a REP
 * prefix, a segment override or an address-size prefix, which
 * kc_prefixes_ok() refuses: one access, 64-bit addresses, base 0.
 */
static int kc_decode_string_io(const struct insn *insn, u8 op,
			       struct kc_insn *k)
{
	k->op = (op & 2) ? KC_OP_OUTS : KC_OP_INS;
	k->size = kc_io_size(insn, op);
	k->port_dx = true;
	return k->size ? 0 : -EOPNOTSUPP;
}

/* 00-3D: the eight ALU operations on r/m,r; r,r/m; AL/eAX,imm. */
static int kc_decode_alu(const struct insn *insn, u8 op, struct kc_insn *k)
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
		return 0;
	case 2:
	case 3:
		k->dst = kc_modrm_reg(insn, size);
		kc_decode_rm(insn, k, size, &k->src, KC_MEM_SRC);
		k->has_src = true;
		return 0;
	case 4:
	case 5:
		k->dst.reg = VCPU_REGS_RAX;
		k->imm = insn->immediate.value;
		return 0;
	}
	return -EOPNOTSUPP;
}

/* Opcodes with a register-form ModRM and a /digit sub-operation. */
static int kc_decode_group(const struct insn *insn, u8 op, struct kc_insn *k)
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
		return 0;
	case 0xc6: case 0xc7:			/* MOV r/m, imm */
		k->op = KC_OP_MOV;
		return digit == 0 ? 0 : -EOPNOTSUPP;
	case 0xf6: case 0xf7:			/* TEST, NOT, NEG */
		if (digit == 0) {
			k->op = KC_OP_ALU;
			k->sub = KC_ALU_TEST;
			return 0;
		}
		if (digit == 2 || digit == 3) {
			k->op = KC_OP_UNARY;
			k->sub = digit == 2 ? KC_UN_NOT : KC_UN_NEG;
			return 0;
		}
		return -EOPNOTSUPP;
	case 0xfe: case 0xff:			/* INC, DEC */
		if (digit > 1)
			return -EOPNOTSUPP;
		k->op = KC_OP_UNARY;
		k->sub = digit ? KC_UN_DEC : KC_UN_INC;
		return 0;
	}

	/* C0, C1: by imm8; D0, D1: by 1; D2, D3: by CL. */
	if (digit != KC_SH_SHL && digit != KC_SH_SHR && digit != KC_SH_SAR)
		return -EOPNOTSUPP;
	k->op = KC_OP_SHIFT;
	k->sub = digit;
	if (op == 0xd0 || op == 0xd1)
		k->imm = 1;
	else if (op == 0xd2 || op == 0xd3)
		k->has_src = true;	/* count in CL */
	else
		k->imm = (u8)insn->immediate.value;
	return 0;
}

static int kc_decode_mov(const struct insn *insn, u8 op, struct kc_insn *k)
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
	return 0;
}

/* LEA: the address only, no access; a register operand is #UD. */
static int kc_decode_lea(const struct insn *insn, struct kc_insn *k)
{
	if (kc_modrm_is_reg(insn))
		return -EOPNOTSUPP;
	k->op = KC_OP_LEA;
	k->size = insn->opnd_bytes;
	k->dst = kc_modrm_reg(insn, k->size);
	kc_decode_mem(insn, &k->mem);
	return 0;
}

static int kc_decode_0f(const struct insn *insn, struct kc_insn *k)
{
	u8 op = insn->opcode.bytes[1];

	if (insn->opcode.nbytes != 2)
		return -EOPNOTSUPP;

	if (op >= 0x80 && op <= 0x8f) {		/* Jcc rel32 */
		k->op = KC_OP_JCC;
		k->sub = op & 0xf;
		k->imm = insn->immediate.value;
		return 0;
	}
	if (op == 0x1f) {			/* NOP r/m */
		k->op = KC_OP_NOP;
		return X86_MODRM_REG(insn->modrm.bytes[0]) ? -EOPNOTSUPP : 0;
	}
	if (op != 0xb6 && op != 0xb7 && op != 0xbe && op != 0xbf)
		return -EOPNOTSUPP;

	k->op = (op & 8) ? KC_OP_MOVSX : KC_OP_MOVZX;
	k->size = insn->opnd_bytes;
	k->src_size = (op & 1) ? 2 : 1;
	k->dst = kc_modrm_reg(insn, k->size);
	kc_decode_rm(insn, k, k->src_size, &k->src, KC_MEM_SRC);
	k->has_src = true;
	return 0;
}

/* The opcode's operation and operands, before the checks of kc_decode_insn(). */
static int kc_decode_op(const struct insn *insn, struct kc_insn *k)
{
	u8 op = insn->opcode.bytes[0];
	u8 rex = insn->rex_prefix.nbytes ? insn->rex_prefix.bytes[0] : 0;

	memset(k, 0, sizeof(*k));
	k->len = insn->length;
	if (!kc_prefixes_ok(insn))
		return -EOPNOTSUPP;

	if (op < 0x40 && (op & 7) < 6)
		return kc_decode_alu(insn, op, k);
	if (op == 0x84 || op == 0x85) {
		int r = kc_decode_alu(insn, 0x20 | (op & 1), k);

		k->sub = KC_ALU_TEST;
		return r;
	}
	if (op == 0xa8 || op == 0xa9) {
		int r = kc_decode_alu(insn, 0x24 | (op & 1), k);

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
		k->dst = kc_reg(insn, op & 7, 1, k->size);
		k->imm = insn->immediate.value;
		if (k->size == 8)
			k->imm = (u32)insn->immediate1.value |
				 ((u64)insn->immediate2.value << 32);
		return 0;
	}
	if (op == 0x90 && !(rex & 1)) {		/* NOP, not XCHG r8, rAX */
		k->op = KC_OP_NOP;
		return 0;
	}
	if (op == 0xeb || (op >= 0x70 && op <= 0x7f) || op == 0xe9) {
		k->op = KC_OP_JCC;
		k->sub = op < 0x80 ? op & 0xf : KC_CC_ALWAYS;
		k->imm = insn->immediate.value;
		return 0;
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
	return -EOPNOTSUPP;
}

/*
 * Translate one decoded instruction; -EOPNOTSUPP if it is not supported.
 * A memory destination is only written by MOV (CMP and TEST only read
 * theirs): read-modify-write instructions are left to the guest's CPU.
 * A jump with an operand-size prefix is left to it too: Intel CPUs
 * ignore the prefix in 64-bit mode, AMD CPUs truncate the target to 16
 * bits.
 */
static int kc_decode_insn(const struct insn *insn, struct kc_insn *k)
{
	int r = kc_decode_op(insn, k);

	if (!r && k->op == KC_OP_JCC && insn->prefixes.nbytes)
		return -EOPNOTSUPP;

	/* One test in the executor's loop instead of three. */
	k->slow = k->mem_use != KC_MEM_NONE || k->op == KC_OP_LEA ||
		  kc_is_string_io(k);

	if (r || k->mem_use != KC_MEM_DST || k->op == KC_OP_MOV)
		return r;
	if (k->op == KC_OP_ALU &&
	    (k->sub == KC_ALU_CMP || k->sub == KC_ALU_TEST))
		return 0;
	return -EOPNOTSUPP;
}

/* Port I/O: IN, OUT, INS or OUTS. */
static bool kc_is_pio(const struct kc_insn *k)
{
	return k->op == KC_OP_IN || k->op == KC_OP_OUT || kc_is_string_io(k);
}

static bool kc_is_io(const struct kc_insn *k)
{
	return k->io;
}

/*
 * The values of the registers as the scan follows the block from the
 * exit: known at the exit, then as far as MOV reg, imm and LEA tell.
 */
struct kc_scan_regs {
	unsigned long val[KC_NR_GPRS];
	u16 known;		/* VCPU_REGS_* bits */
};

static bool kc_reg_known(const struct kc_scan_regs *r, u8 reg)
{
	return reg == KC_NO_REG || (r->known & BIT(reg));
}

/* @k's memory address, if the registers tell it; @rip is @k's own. */
static bool kc_scan_addr(const struct kc_scan_regs *r,
			 const struct kc_insn *k, unsigned long rip, u64 *addr)
{
	if (!kc_reg_known(r, k->mem.base) || !kc_reg_known(r, k->mem.index))
		return false;
	*addr = kc_mem_linear(k, r->val, rip);
	return true;
}

/* Follow the register @k writes: a 32- or 64-bit immediate or address. */
static void kc_scan_write(struct kc_scan_regs *r, const struct kc_insn *k,
			  unsigned long rip)
{
	u8 reg = k->dst.reg;
	u64 val;

	switch (k->op) {
	case KC_OP_IN:
		r->known &= ~BIT(VCPU_REGS_RAX);
		return;
	/* They move by their size, up or down by RFLAGS.DF: not followed. */
	case KC_OP_INS:
		r->known &= ~BIT(VCPU_REGS_RDI);
		return;
	case KC_OP_OUTS:
		r->known &= ~BIT(VCPU_REGS_RSI);
		return;
	case KC_OP_NOP:
	case KC_OP_JCC:
	case KC_OP_OUT:
		return;
	case KC_OP_ALU:
		if (k->sub == KC_ALU_CMP || k->sub == KC_ALU_TEST)
			return;
		break;
	case KC_OP_MOV:
		if (k->mem_use == KC_MEM_DST)
			return;
		if (!k->has_src && k->mem_use == KC_MEM_NONE && k->size >= 4) {
			r->val[reg] = k->size == 4 ? (u32)k->imm : k->imm;
			r->known |= BIT(reg);
			return;
		}
		break;
	case KC_OP_LEA:
		if (k->size == 8 && kc_scan_addr(r, k, rip, &val)) {
			r->val[reg] = val;
			r->known |= BIT(reg);
			return;
		}
		break;
	}
	r->known &= ~BIT(reg);
}

/*
 * Mark the I/O candidates among @n instructions: port I/O, and if the
 * first instruction is a memory access, every access through its base
 * register or, by the registers of @code, to its page.  Returns false if
 * the first instruction is neither.
 */
static bool kc_mark_io(struct kc_insn *insns, unsigned int n,
		       const struct kc_code *code)
{
	struct kc_scan_regs r = { .known = (u16)~0u };
	bool mmio = insns[0].mem_use != KC_MEM_NONE, page_known = false;
	unsigned long rip = code->rip;
	u64 addr, page = 0;
	u8 base = KC_NO_REG;
	unsigned int i;

	if (!mmio && !kc_is_pio(&insns[0]))
		return false;

	memcpy(r.val, code->gpr, sizeof(r.val));
	if (mmio) {
		if (!insns[0].mem.rip_rel)
			base = insns[0].mem.base;
		page_known = kc_scan_addr(&r, &insns[0], rip, &page);
		page >>= PAGE_SHIFT;
	}

	for (i = 0; i < n; rip += insns[i++].len) {
		struct kc_insn *k = &insns[i];

		k->io = kc_is_pio(k);
		if (mmio && k->mem_use != KC_MEM_NONE) {
			if (base != KC_NO_REG && k->mem.base == base &&
			    !k->mem.rip_rel)
				k->io = true;
			else if (page_known && kc_scan_addr(&r, k, rip, &addr))
				k->io = addr >> PAGE_SHIFT == page;
		}
		kc_scan_write(&r, k, rip);
	}
	insns[0].io = true;
	return true;
}

/*
 * Cut @n instructions (of @len bytes in all) back to the last I/O
 * instruction.  Returns the new count, and the length in *@len.
 */
static unsigned int kc_trim_to_io(const struct kc_insn *insns,
				  unsigned int n, unsigned int *len)
{
	unsigned int i, off = 0, end = 0, count = 0;

	for (i = 0; i < n; i++) {
		off += insns[i].len;
		if (kc_is_io(&insns[i])) {
			end = off;
			count = i + 1;
		}
	}
	*len = end;
	return count;
}

/*
 * A jump that is taken ends the block when it leaves it, and otherwise
 * lands on one of its instructions; cut the block before any jump whose
 * target inside the block is not an instruction boundary.
 */
static unsigned int kc_check_jumps(const struct kc_insn *insns,
				   unsigned int n, unsigned int len)
{
	unsigned int i, j, off, at;
	u64 target;

	for (i = 0, off = 0; i < n; off += insns[i++].len) {
		if (insns[i].op != KC_OP_JCC)
			continue;
		/* Displacements are never negative here: see kc_scan(). */
		target = (u64)off + insns[i].len + insns[i].imm;
		if (target >= len)
			continue;
		at = off + insns[i].len;
		for (j = i + 1; j < n && at < target; j++)
			at += insns[j].len;
		if (at != target)
			return i;
	}
	return n;
}

/* The registers that form @k's memory address, if it has one. */
static u16 kc_mem_regs(const struct kc_insn *k)
{
	u16 regs = 0;

	if (k->mem_use == KC_MEM_NONE && k->op != KC_OP_LEA)
		return 0;
	if (k->mem.base != KC_NO_REG)
		regs |= BIT(k->mem.base);
	if (k->mem.index != KC_NO_REG)
		regs |= BIT(k->mem.index);
	return regs;
}

/* The general-purpose registers @k reads or writes, as a bitmask. */
static u16 kc_regs_used(const struct kc_insn *k)
{
	u16 regs = kc_mem_regs(k);

	switch (k->op) {
	case KC_OP_IN:
	case KC_OP_OUT:
		regs |= BIT(VCPU_REGS_RAX);
		if (k->port_dx)
			regs |= BIT(VCPU_REGS_RDX);
		return regs;
	case KC_OP_INS:
		return regs | BIT(VCPU_REGS_RDX) | BIT(VCPU_REGS_RDI);
	case KC_OP_OUTS:
		return regs | BIT(VCPU_REGS_RDX) | BIT(VCPU_REGS_RSI);
	case KC_OP_SHIFT:
		if (k->has_src)		/* the count is in CL */
			regs |= BIT(VCPU_REGS_RCX);
		return regs | BIT(k->dst.reg);
	case KC_OP_MOV:
	case KC_OP_MOVZX:
	case KC_OP_MOVSX:
	case KC_OP_ALU:
	case KC_OP_UNARY:
	case KC_OP_LEA:
		if (k->mem_use != KC_MEM_DST)
			regs |= BIT(k->dst.reg);
		if (k->has_src && k->mem_use != KC_MEM_SRC)
			regs |= BIT(k->src.reg);
		return regs;
	}
	return regs;
}

static struct kc_block *kc_block_alloc(const struct kc_insn *insns,
				       unsigned int n, const u8 *bytes,
				       unsigned int len)
{
	struct kc_block *blk;

	blk = kmalloc(struct_size(blk, insns, n) + len, GFP_KERNEL_ACCOUNT);
	if (!blk)
		return NULL;

	memset(blk, 0, sizeof(*blk));
	refcount_set(&blk->ref, 1);
	blk->nr_insns = n;
	blk->len = len;
	blk->bytes = (u8 *)&blk->insns[n];
	memcpy(blk->insns, insns, n * sizeof(*insns));
	memcpy(blk->bytes, bytes, len);
	return blk;
}

/*
 * Scan the code from the exiting instruction: decode it and up to
 * @extent more instructions, stopping at the first one the executor does
 * not support, at a forward jump's impossible target, or at the end of
 * the code read.  The block runs from the exiting instruction through the
 * last I/O candidate found.  Returns NULL if the exiting instruction is
 * neither port I/O nor a memory access, or memory runs out.
 */
struct kc_block *kc_scan(const struct kc_code *code, unsigned int extent)
{
	unsigned int n = 0, off = 0, len, nr_io = 0, i;
	struct kc_block *blk = NULL;
	struct kc_insn *insns;
	struct insn insn;

	insns = kmalloc_array(extent + 1, sizeof(*insns), GFP_KERNEL);
	if (!insns)
		return NULL;

	while (n <= extent && off < code->len) {
		if (insn_decode(&insn, code->bytes + off, code->len - off,
				INSN_MODE_64))
			break;
		if (kc_decode_insn(&insn, &insns[n]))
			break;
		/* Only forward jumps: a loop is not a burst. */
		if (insns[n].op == KC_OP_JCC && insns[n].imm < 0)
			break;
		off += insns[n++].len;
	}

	if (!n || !kc_mark_io(insns, n, code))
		goto out;

	n = kc_trim_to_io(insns, n, &len);
	n = kc_check_jumps(insns, n, len);
	n = kc_trim_to_io(insns, n, &len);
	blk = kc_block_alloc(insns, n, code->bytes, len);
	if (blk) {
		for (i = 0; i < n; i++) {
			nr_io += kc_is_io(&insns[i]);
			blk->regs |= kc_regs_used(&insns[i]);
		}
		blk->nr_io = nr_io;
		blk->singular = nr_io == 1;
		blk->extent = extent;
	}
out:
	kfree(insns);
	return blk;
}
