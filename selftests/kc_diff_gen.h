/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Random straight-line blocks for the differential test of the block
 * executor (kvm_coalesce_diff_test.c): each block starts with an I/O
 * instruction to an in-kernel device, holds only instructions the
 * executor supports, with more I/O and forward jumps between them, and
 * ends with an OUT to a port no in-kernel device takes, which exits to
 * userspace.  A share of the instructions have a memory operand whose
 * address lands in a scratch buffer of guest RAM, and another share are
 * INS or OUTS between that buffer and an in-kernel device.  The
 * generator is a pure function of (seed, index, struct dg_params).
 */
#ifndef KC_DIFF_GEN_H
#define KC_DIFF_GEN_H

#include <stdbool.h>
#include <linux/types.h>

#define DG_ZONE_PORT	0x80	/* coalesced PIO zone: 0x80-0x87 */
#define DG_ZONE_SIZE	8
#define DG_USER_PORT	0xe9	/* no in-kernel device: ends a block */

/*
 * A block fits the module's scan window (256 bytes) and extent (the
 * exiting instruction and up to 64 more, the test sets 64).
 */
#define DG_MAX_INSNS	50
#define DG_MAX_BYTES	240
#define DG_INSN_MAX	15

#define DG_NR_GPRS	16

/*
 * The scratch buffer every memory operand addresses: two pages, so that
 * accesses go through more than one translation.  No access crosses a
 * page boundary: the module leaves split accesses to the CPU, which
 * would end the block early.
 */
#define DG_SCRATCH_PAGES	2
#define DG_SCRATCH_SIZE		(DG_SCRATCH_PAGES * 4096)

/* Percentage of memory-operand instructions by default; 0: none. */
#define DG_DEFAULT_MEM_SHARE	20
/* Percentage of instructions that begin an INS or OUTS by default. */
#define DG_DEFAULT_STRING_SHARE	6

/* Where the block and the scratch buffer are in the guest, and the mix. */
struct dg_params {
	u64 code;		/* guest address of the block's first byte */
	u64 scratch;		/* of the scratch buffer */
	/*
	 * Percentage of instructions (besides the first and last) with a
	 * memory operand or LEA.  With 0 the generator makes exactly the
	 * register-only blocks it made before memory operands existed.
	 */
	unsigned int mem_share;
	/*
	 * Percentage of instructions (the first included, not the last)
	 * that begin an INS or OUTS: from or to the scratch buffer, with
	 * the instructions that load DX and RSI or RDI before it where
	 * needed.  Drawn from a stream of its own: a block in which none
	 * is begun is the block the generator made before them, and with
	 * 0 every block is.
	 */
	unsigned int string_share;
};

enum dg_kind {
	DG_OTHER,
	DG_IO,		/* IN or OUT to an in-kernel device */
	DG_JUMP,	/* forward JMP or Jcc inside the block */
	DG_MEM,		/* with a memory operand (LEA too) */
	DG_STRING,	/* INS or OUTS to an in-kernel device: I/O too */
	DG_END,		/* the OUT to DG_USER_PORT */
};

struct dg_insn {
	u8 bytes[DG_INSN_MAX];
	u8 len;
	u8 kind;
	/* Jumps: the condition (low nibble of Jcc), or DG_CC_ALWAYS. */
	u8 cc;
	bool near;	/* rel32 rather than rel8 */
	int target;	/* index of the instruction jumped to */
	/*
	 * RIP-relative operands: the disp32 at bytes[rip_disp] (0: none)
	 * is set once the block is laid out, to address the scratch buffer
	 * at offset rip_target.
	 */
	u8 rip_disp;
	int rip_target;
};

#define DG_CC_ALWAYS	0x10

struct dg_block {
	int nr_insns;			/* the last one is DG_END */
	struct dg_insn insn[DG_MAX_INSNS];
	int off[DG_MAX_INSNS + 1];	/* byte offset of each instruction */
	u8 code[DG_MAX_BYTES];
	int len;
	/* Initial state; registers by their number in the encoding. */
	u64 gpr[DG_NR_GPRS];
	u64 rflags;
	/* The scratch buffer before the block. */
	u8 mem[DG_SCRATCH_SIZE];
};

/* Generate block @index of the run seeded with @seed, laid out as @p. */
void dg_generate(u64 seed, u64 index, const struct dg_params *p,
		 struct dg_block *blk);

/* Index of the instruction at byte offset @off, or -1. */
int dg_insn_at(const struct dg_block *blk, int off);

/* Names of the registers by their number in the encoding. */
extern const char * const dg_gpr_names[DG_NR_GPRS];

#endif /* KC_DIFF_GEN_H */
