/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Random straight-line blocks for the differential test of the block
 * executor (kvm_coalesce_diff_test.c): each block starts with an I/O
 * instruction to an in-kernel device, holds only instructions the
 * executor supports, with more I/O and forward jumps between them, and
 * ends with an OUT to a port no in-kernel device takes, which exits to
 * userspace.  A share of the instructions have a memory operand whose
 * address lands in a scratch buffer of guest RAM, and another share are
 * INS or OUTS between that buffer and an in-kernel device.  A share of
 * the blocks have stoppers at random positions after the first
 * instruction, where the block stops early or exits to userspace in its
 * middle (enum dg_stop).  The generator is a pure function of (seed,
 * index, struct dg_params).
 */
#ifndef KC_DIFF_GEN_H
#define KC_DIFF_GEN_H

#include <stdbool.h>
#include <linux/types.h>

#define DG_ZONE_PORT	0x80	/* coalesced PIO zone: 0x80-0x87 */
#define DG_ZONE_SIZE	8
#define DG_USER_PORT	0xe9	/* no in-kernel device: ends a block */
#define DG_MID_PORT	0xea	/* no in-kernel device: a stopper's OUT */
#define DG_HANDLER_PORT	0xeb	/* the guest's fault and interrupt handler */

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

/*
 * After the scratch buffer, and addressed as it is: a page the guest maps
 * to guest-physical memory no memslot covers (MMIO only userspace takes),
 * then a page the guest does not map.  Only stoppers address them.
 */
#define DG_MMIO_OFF		DG_SCRATCH_SIZE
#define DG_ABSENT_OFF		(DG_SCRATCH_SIZE + 4096)
#define DG_REGION_END		(DG_ABSENT_OFF + 4096)

/* The master 8259's line an event stopper unmasks: always edge-triggered. */
#define DG_EVENT_IRQ		1
#define DG_MAX_STOPS		3

/* Percentage of memory-operand instructions by default; 0: none. */
#define DG_DEFAULT_MEM_SHARE	20
/* Percentage of instructions that begin an INS or OUTS by default. */
#define DG_DEFAULT_STRING_SHARE	6
/* Percentage of blocks with stoppers by default. */
#define DG_DEFAULT_STOP_SHARE	30

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
	/*
	 * Percentage of blocks with stoppers: 1 to DG_MAX_STOPS instructions
	 * at random positions after the first that make the module stop the
	 * block, or exit to userspace in its middle, there.  Drawn from a
	 * stream of their own: a block without stoppers is the block the
	 * generator made before them, and with 0 every block is.
	 */
	unsigned int stop_share;
};

/*
 * What makes a block stop before its final OUT, and the module's counter
 * that says so.  Positions are instruction indexes; a stopper may need
 * MOVs before it (DX, AL, a base register), which come first.
 */
enum dg_stop {
	DG_STOP_NONE,
	DG_STOP_USER_PIO,	/* OUT to DG_MID_PORT: user_pio, resumed */
	DG_STOP_USER_MMIO,	/* MOV, MOVZX, MOVSX with MMIO: user_mmio */
	DG_STOP_MMIO_ALU,	/* ALU, CMP, TEST with MMIO: stop_user_io */
	DG_STOP_CODE_WRITE,	/* the code's own byte, stored: stop_code_write */
	DG_STOP_FAULT,		/* non-canonical or absent: stop_fault */
	DG_STOP_EVENT,		/* OUT unmasking DG_EVENT_IRQ: stop_event */
	DG_NR_STOPS,
};

extern const char * const dg_stop_names[DG_NR_STOPS];

enum dg_kind {
	DG_OTHER,
	DG_IO,		/* IN or OUT to an in-kernel device */
	DG_JUMP,	/* forward JMP or Jcc inside the block */
	DG_MEM,		/* with a memory operand (LEA too) */
	DG_STRING,	/* INS or OUTS to an in-kernel device: I/O too */
	DG_END,		/* the OUT to DG_USER_PORT */
	DG_STOPPER,	/* a stopper: see dg_insn.stop */
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
	u8 stop;	/* enum dg_stop, with DG_STOPPER */
	/* An 8-bit OUT to an 8259's IMR, which makes KVM look for events. */
	bool imr_write;
	/*
	 * Code writes: the disp32 at bytes[code_disp], then the imm8, are
	 * set once the block is laid out, to store the byte already at
	 * offset code_pick modulo the block's length.
	 */
	u8 code_disp;
	u32 code_pick;
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
	u64 rflags;		/* IF set with an event stopper */
	u8 stops;		/* BIT(enum dg_stop) of the stoppers it has */
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
