/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest code as the block executor sees it: the instructions it runs
 * (decode.c) and the blocks they form (scan.c).
 *
 * Both are functions of the code bytes, the registers at the exit, the
 * CPU mode and the extent: no vCPU, no allocation, no kernel service,
 * so that they also build in user space with the kernel tree's tools/
 * headers, where fuzz/ runs them on arbitrary bytes.
 *
 * Every byte comes from the guest and is untrusted: the decoder is given
 * exact buffer bounds, and anything but the small set of instructions
 * the executor supports ends a block.
 */
#ifndef KVM_COALESCE_DECODE_H
#define KVM_COALESCE_DECODE_H

#include <linux/types.h>

#include "alu.h"

/* The CPU mode of the guest code: how it is decoded and run. */
enum kc_cpu_mode {
	KC_CPU_64,		/* 64-bit mode */
	KC_NR_CPU_MODES,
};

/*
 * The general-purpose registers, numbered as in x86 encodings (and as
 * KVM's VCPU_REGS_*).
 */
enum kc_reg {
	KC_RAX, KC_RCX, KC_RDX, KC_RBX, KC_RSP, KC_RBP, KC_RSI, KC_RDI,
	KC_R8, KC_R9, KC_R10, KC_R11, KC_R12, KC_R13, KC_R14, KC_R15,
	KC_NR_GPRS,
};

/* No base or index register in a memory operand. */
#define KC_NO_REG		0xff

/* Bounds of the scan extent: instructions looked at after the exiting one. */
#define KC_EXTENT_MIN		1
#define KC_EXTENT_MAX		64
#define KC_EXTENT_DEFAULT	32

/*
 * What one exit saved is worth, in instructions the executor runs in the
 * guest's place: an exit that KVM handles costs about as much as the
 * access itself run in a block plus this many other instructions
 * (Documentation/bench.rst measures both).  The guest's CPU runs them
 * for next to nothing, so a block that saves one exit by running more
 * of them costs the guest more than the exit.  0 lifts the limit.
 */
#define KC_INSNS_PER_EXIT_DEFAULT	6
#define KC_INSNS_PER_EXIT_MAX		KC_EXTENT_MAX

/*
 * What a scan may put in a block: the extent, and the instructions other
 * than I/O candidates that it may run per exit it saves.  A block is
 * kept with the limits it was scanned with, and scanned again when they
 * change.
 */
struct kc_limits {
	u8 extent;
	u8 insns_per_exit;
};

static inline bool kc_limits_equal(struct kc_limits a, struct kc_limits b)
{
	return a.extent == b.extent && a.insns_per_exit == b.insns_per_exit;
}

/*
 * Guest code is read at most this far from the exiting instruction, and
 * never past the end of its page, so a block lies in one guest page.
 */
#define KC_WINDOW_BYTES		256
#define KC_PAGE_SHIFT		12	/* x86's base page */

/* Guest code at a linear address, as one exit read it: fetch.c's. */
struct kc_window {
	unsigned long rip;	/* linear address of bytes[0] */
	u64 gpa;		/* ... and its guest physical address */
	unsigned long hva;	/* ... and host address, 0 if not known */
	unsigned int len;	/* bytes read */
	u8 bytes[KC_WINDOW_BYTES];
};

/* A register operand of a decoded instruction. */
struct kc_opnd {
	u8 reg;			/* enum kc_reg */
	bool hi8;		/* AH, CH, DH or BH */
};

enum kc_op {
	KC_OP_NOP,
	KC_OP_MOV,		/* dst = src or imm */
	KC_OP_MOVZX,		/* dst = zero-extended src */
	KC_OP_MOVSX,		/* dst = sign-extended src */
	KC_OP_ALU,		/* dst = dst <sub> (src or imm): enum kc_alu */
	KC_OP_UNARY,		/* dst = <sub> dst: enum kc_unary */
	KC_OP_SHIFT,		/* dst = dst <sub> (imm or CL): enum kc_shift */
	KC_OP_LEA,		/* dst = address of the memory operand */
	KC_OP_JCC,		/* forward jump if condition <sub> holds */
	KC_OP_IN,
	KC_OP_OUT,
	KC_OP_INS,		/* byte, word or dword from port DX to [RDI] */
	KC_OP_OUTS,		/* ... from [RSI] to port DX */
};

/* Where an instruction's memory operand is, if it has one. */
enum kc_mem_use {
	KC_MEM_NONE,
	KC_MEM_SRC,		/* the source: a load */
	KC_MEM_DST,		/* the destination: a store; CMP, TEST: a load */
};

/*
 * A memory operand in 64-bit code: base + (index << scale) + disp, or
 * RIP-relative.  Segment overrides and the address-size prefix are not
 * decoded, so segments play no part.
 */
struct kc_mem {
	s32 disp;
	u8 base;		/* enum kc_reg or KC_NO_REG */
	u8 index;		/* enum kc_reg or KC_NO_REG */
	u8 scale;		/* log2 of the index's scale */
	bool rip_rel;		/* relative to the next instruction */
};

/* KC_OP_JCC condition: the x86 condition code, or this for JMP. */
#define KC_CC_ALWAYS		16

/* One decoded instruction, as the executor runs it.  Written by decode.c. */
struct kc_insn {
	u8 op;			/* enum kc_op */
	u8 sub;			/* operation or condition, by op */
	u8 len;			/* bytes */
	u8 size;		/* operand size in bytes */
	u8 src_size;		/* MOVZX/MOVSX source size */
	bool has_src;		/* src is a register, else imm is the source */
	bool port_dx;		/* IN/OUT: port in DX, else in imm; INS/OUTS */
	u8 mem_use;		/* enum kc_mem_use: which operand is mem */
	bool slow;		/* memory, LEA, INS or OUTS: run out of line */
	struct kc_mem mem;
	struct kc_opnd dst, src;
	s64 imm;		/* immediate, shift count, jump displacement */
};

/*
 * INS and OUTS (no REP): their memory operand is implicit, at RDI or
 * RSI, and is not described by mem_use and mem.
 */
static inline bool kc_is_string_io(const struct kc_insn *k)
{
	return k->op == KC_OP_INS || k->op == KC_OP_OUTS;
}

/* IN, OUT, INS or OUTS. */
static inline bool kc_is_pio(const struct kc_insn *k)
{
	return k->op == KC_OP_IN || k->op == KC_OP_OUT || kc_is_string_io(k);
}

/*
 * The linear address of @k's memory operand (or LEA's address), with the
 * general-purpose registers @gpr; @rip is @k's own address.  Used by the
 * executor, and by the scan with the registers at the exit.
 */
static inline u64 kc_mem_linear(const struct kc_insn *k,
				const unsigned long *gpr, unsigned long rip)
{
	const struct kc_mem *m = &k->mem;
	u64 addr = (s64)m->disp;

	if (m->rip_rel)
		addr += rip + k->len;
	if (m->base != KC_NO_REG)
		addr += gpr[m->base];
	if (m->index != KC_NO_REG)
		addr += gpr[m->index] << m->scale;
	return addr;
}

/*
 * Decode the instruction at @bytes, at most @len of them, in @mode into
 * @k.  Returns its length, or 0 if the executor does not support it.
 */
unsigned int kc_decode(const u8 *bytes, unsigned int len,
		       enum kc_cpu_mode mode, struct kc_insn *k);

/* What kc_scan() found, a block whose instructions it wrote: scan.c's. */
struct kc_scan {
	u16 len;		/* bytes */
	u16 nr_insns;
	u16 nr_io;		/* I/O candidates */
	u16 regs;		/* registers the instructions use: BIT(kc_reg) */
	u64 io[2];		/* which instructions are I/O candidates */
};

/*
 * The block that starts at the exiting instruction, the first of @w, at
 * an exit where the registers are @gpr, within @limits: into @insns,
 * which has room for @limits.extent + 1 instructions.  False if there is
 * none.
 */
bool kc_scan(const struct kc_window *w, const unsigned long *gpr,
	     enum kc_cpu_mode mode, struct kc_limits limits,
	     struct kc_insn *insns, struct kc_scan *out);

static inline bool kc_scan_is_io(const struct kc_scan *s, unsigned int i)
{
	return s->io[i / 64] & (1ull << (i % 64));
}

#endif /* KVM_COALESCE_DECODE_H */
