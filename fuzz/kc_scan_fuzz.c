// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for kvm_coalesce/decode.c and scan.c: kc_scan() on
 * arbitrary guest code and registers, and a check of each block against
 * what the executor (kvm_coalesce/exec.c) assumes of it.
 *
 * Input: one byte for the extent (1 + byte % 64), one for RIP, one per
 * general-purpose register (see kc_fuzz_reg()), then the code at RIP, at
 * most KC_WINDOW_BYTES.  Each input is scanned with its extent and with
 * the largest: scanning with all 64 would cost 30 times as much per
 * input, and the fuzzer reaches every extent anyway.
 *
 * The checks: a block starts with the exiting access (an IN, OUT, INS,
 * OUTS or memory access) and ends with an I/O candidate; its instructions tile
 * its bytes, which are the code's, within the code read and the window;
 * every instruction is one of the forms the executor implements, with
 * fields in the ranges it indexes with, and agrees with a second,
 * independent decoder (kc_raw.c) on its length, operand size, memory
 * operand, immediate and the registers its encoding names, all of
 * which the block's register mask must hold (the executor loads only
 * those); no prefix other than 66 and REX, no instruction longer than
 * 15 bytes, no read-modify-write memory operand; a taken jump inside
 * the block lands on an instruction boundary; nr_io counts the I/O
 * candidates; and whether there
 * is a block at all does not depend on the extent, nor do the
 * instructions two extents' blocks share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kernel.h>

#include "decode.h"
#include "kc_raw.h"

/* A block kc_scan() found, with what it was scanned from. */
struct kc_fuzz_block {
	struct kc_scan scan;
	unsigned int extent;
	const u8 *bytes;	/* the window's: a block is a prefix of it */
	struct kc_insn insns[KC_EXTENT_MAX + 1];
};

/* Bytes before the code: extent, RIP, then the 16 registers. */
#define KC_FUZZ_HDR	(2 + KC_NR_GPRS)

static const u8 *kc_fuzz_data;
static size_t kc_fuzz_size;

static void kc_fuzz_dump(void)
{
	size_t i;

	fprintf(stderr, "input:");
	for (i = 0; i < kc_fuzz_size; i++)
		fprintf(stderr, " %02x", kc_fuzz_data[i]);
	fprintf(stderr, "\n");
}

#define kc_check(cond, blk, i, fmt, ...)				\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "kc_scan_fuzz: extent %u insn %u: " \
				fmt " (%s)\n", (blk)->extent, (i),	\
				##__VA_ARGS__, #cond);			\
			kc_fuzz_dump();					\
			abort();					\
		}							\
	} while (0)

/*
 * Register values from one byte each: eight pages low in the address
 * space, or the top pages, where addresses wrap around; two registers
 * often share a page, so that MMIO candidates by page are found.
 */
static unsigned long kc_fuzz_reg(u8 b)
{
	if (b & 0x80)
		return ~0ul - (unsigned long)(b & 0x7f) * 0x100;
	return 0x10000 + (unsigned long)b * 0x100;
}

static u64 kc_fuzz_mask(int size)
{
	return size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static bool kc_fuzz_size_ok(int size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/* IN, OUT, INS or OUTS: always an I/O candidate. */
static bool kc_fuzz_pio(const struct kc_insn *k)
{
	return k->op == KC_OP_IN || k->op == KC_OP_OUT ||
	       k->op == KC_OP_INS || k->op == KC_OP_OUTS;
}

/* The fields exec.c indexes with or switches on. */
static void kc_fuzz_check_fields(const struct kc_fuzz_block *blk, unsigned int i)
{
	const struct kc_insn *k = &blk->insns[i];

	kc_check(k->op <= KC_OP_OUTS, blk, i, "op %u", k->op);
	kc_check(k->dst.reg < KC_NR_GPRS && k->src.reg < KC_NR_GPRS, blk, i,
		 "registers %u, %u", k->dst.reg, k->src.reg);
	kc_check(!k->dst.hi8 || (k->dst.reg < 4 && k->size == 1), blk, i,
		 "high byte register");
	kc_check(!k->src.hi8 || (k->src.reg < 4 &&
				 (k->src_size ? k->src_size : k->size) == 1),
		 blk, i, "high byte source");

	switch (k->op) {
	case KC_OP_INS:
	case KC_OP_OUTS:
		/* exec.c takes the port from DX and the address from RDI/RSI. */
		kc_check(k->port_dx, blk, i, "string I/O without DX");
		fallthrough;
	case KC_OP_IN:
	case KC_OP_OUT:
		kc_check(k->size == 1 || k->size == 2 || k->size == 4, blk, i,
			 "I/O size %u", k->size);
		break;
	case KC_OP_MOVZX:
	case KC_OP_MOVSX:
		kc_check(k->src_size == 1 || k->src_size == 2, blk, i,
			 "source size %u", k->src_size);
		kc_check(k->src_size <= k->size, blk, i, "narrowing");
		fallthrough;
	case KC_OP_LEA:
		kc_check(k->size >= 2, blk, i, "size %u", k->size);
		fallthrough;
	case KC_OP_MOV:
	case KC_OP_ALU:
	case KC_OP_UNARY:
	case KC_OP_SHIFT:
		kc_check(kc_fuzz_size_ok(k->size), blk, i, "size %u", k->size);
		break;
	case KC_OP_JCC:
		kc_check(k->sub < 16 || k->sub == KC_CC_ALWAYS, blk, i,
			 "condition %u", k->sub);
		kc_check(k->imm >= 0, blk, i, "backward jump %lld",
			 (long long)k->imm);
		break;
	}
	if (k->op == KC_OP_ALU)
		kc_check(k->sub <= KC_ALU_TEST, blk, i, "ALU %u", k->sub);
	if (k->op == KC_OP_UNARY)
		kc_check(k->sub <= KC_UN_NEG, blk, i, "unary %u", k->sub);
	if (k->op == KC_OP_SHIFT)
		kc_check(k->sub == KC_SH_SHL || k->sub == KC_SH_SHR ||
			 k->sub == KC_SH_SAR, blk, i, "shift %u", k->sub);
}

/*
 * exec.c runs a memory operand only for loads (MOV, MOVZX, MOVSX, the
 * ALU operations), stores of MOV, and CMP and TEST of memory; LEA only
 * computes the address.  Anything else would be run as if on registers.
 */
static void kc_fuzz_check_mem(const struct kc_fuzz_block *blk, unsigned int i)
{
	const struct kc_insn *k = &blk->insns[i];
	const struct kc_mem *m = &k->mem;

	kc_check(k->mem_use <= KC_MEM_DST, blk, i, "mem_use %u", k->mem_use);
	if (k->mem_use == KC_MEM_NONE && k->op != KC_OP_LEA)
		return;
	kc_check(k->op == KC_OP_MOV || k->op == KC_OP_MOVZX ||
		 k->op == KC_OP_MOVSX || k->op == KC_OP_ALU ||
		 (k->op == KC_OP_LEA && k->mem_use == KC_MEM_NONE), blk, i,
		 "memory operand on op %u", k->op);
	if (k->mem_use == KC_MEM_DST)
		kc_check(k->op == KC_OP_MOV ||
			 (k->op == KC_OP_ALU && (k->sub == KC_ALU_CMP ||
						 k->sub == KC_ALU_TEST)),
			 blk, i, "read-modify-write of memory");
	kc_check(m->base < KC_NR_GPRS || m->base == KC_NO_REG, blk, i,
		 "base %u", m->base);
	kc_check(m->index < KC_NR_GPRS || m->index == KC_NO_REG, blk, i,
		 "index %u", m->index);
	kc_check(m->scale <= 3, blk, i, "scale %u", m->scale);
	kc_check(!m->rip_rel || (m->base == KC_NO_REG &&
				 m->index == KC_NO_REG), blk, i, "RIP-relative");
}

static bool kc_fuzz_group(u8 op)
{
	return (op >= 0x80 && op <= 0x83) || op == 0xc0 || op == 0xc1 ||
	       op == 0xc6 || op == 0xc7 || (op >= 0xd0 && op <= 0xd3) ||
	       op == 0xf6 || op == 0xf7 || op == 0xfe || op == 0xff;
}

/* @k against the independent decoding of its bytes. */
static void kc_fuzz_check_raw(const struct kc_fuzz_block *blk, unsigned int i,
			      unsigned int off)
{
	const struct kc_insn *k = &blk->insns[i];
	struct kc_raw r;

	kc_check(kc_raw_decode(blk->bytes + off, blk->scan.len - off, &r), blk, i,
		 "accepted an instruction outside the supported forms");
	kc_check(r.len == k->len, blk, i, "length %u, raw %u", k->len, r.len);
	kc_check(k->len <= 15, blk, i, "longer than 15 bytes");
	kc_check((blk->scan.regs & r.regs) == r.regs, blk, i,
		 "regs %#x miss %#x", blk->scan.regs, r.regs);

	kc_check(r.nop == (k->op == KC_OP_NOP), blk, i, "NOP");
	if (r.jump) {
		kc_check(k->op == KC_OP_JCC && k->imm == r.imm, blk, i,
			 "jump displacement %lld, raw %lld",
			 (long long)k->imm, (long long)r.imm);
		kc_check(!r.opsize, blk, i, "jump with operand-size prefix");
		return;
	}
	if (r.nop)
		return;
	kc_check(k->size == r.size, blk, i, "size %u, raw %d", k->size, r.size);

	/* A memory form must run as one; LEA has no access, only the address. */
	if (r.op == 0x8d)
		kc_check(r.mem && k->op == KC_OP_LEA, blk, i, "LEA");
	else
		kc_check(r.mem == (k->mem_use != KC_MEM_NONE), blk, i,
			 "memory operand %d, raw %d", k->mem_use, r.mem);
	if (r.mem) {
		kc_check(k->mem.base == r.base && k->mem.index == r.index &&
			 k->mem.rip_rel == r.rip_rel && k->mem.disp == r.disp,
			 blk, i, "memory operand");
		kc_check(r.index == KC_NO_REG || k->mem.scale == r.scale,
			 blk, i, "scale");
	}

	if (k->op == KC_OP_IN || k->op == KC_OP_OUT) {
		kc_check(r.imm_bytes ? !k->port_dx && (u8)k->imm == (u8)r.imm :
			 k->port_dx, blk, i, "port");
		return;
	}
	/* No REP, segment or address-size prefix: see kc_raw_decode(). */
	kc_check(r.string == kc_is_string_io(k), blk, i, "string I/O");
	if (r.string) {
		kc_check(k->op == (r.op & 2 ? KC_OP_OUTS : KC_OP_INS), blk, i,
			 "INS or OUTS");
		return;
	}
	if (k->op == KC_OP_SHIFT) {
		u8 count = r.op == 0xd0 || r.op == 0xd1 ? 1 : (u8)r.imm;

		kc_check(k->has_src == (r.op == 0xd2 || r.op == 0xd3), blk, i,
			 "shift by CL");
		kc_check(k->has_src || (u8)k->imm == count, blk, i, "count");
		return;
	}
	/* Immediate sources are used at the operand size. */
	if (r.imm_bytes && !k->has_src)
		kc_check(!((k->imm ^ r.imm) & kc_fuzz_mask(k->size)), blk, i,
			 "immediate %#llx, raw %#llx",
			 (unsigned long long)k->imm, (unsigned long long)r.imm);
	kc_check(!kc_fuzz_group(r.op) || !k->has_src ||
		 k->op == KC_OP_SHIFT, blk, i, "group with register source");
}

/*
 * A taken jump leaves the block, or lands on one of its instructions or
 * its end: exec.c walks to the target one instruction at a time.
 */
static void kc_fuzz_check_jump(const struct kc_fuzz_block *blk, unsigned int i,
			       unsigned int off)
{
	const struct kc_insn *k = &blk->insns[i];
	u64 target = (u64)off + k->len + k->imm, at = off + k->len;
	unsigned int j;

	if (target > blk->scan.len)
		return;
	for (j = i + 1; j < blk->scan.nr_insns && at < target; j++)
		at += blk->insns[j].len;
	kc_check(at == target, blk, i, "jump to %llu inside an instruction",
		 (unsigned long long)target);
}

static void kc_fuzz_check_block(const struct kc_fuzz_block *blk,
				const struct kc_window *w,
				unsigned int extent)
{
	const struct kc_insn *first = &blk->insns[0];
	unsigned int i, off = 0, nr_io = 0, last = blk->scan.nr_insns - 1;
	bool io;

	kc_check(blk->extent == extent, blk, 0U, "extent");
	kc_check(blk->scan.nr_insns >= 1 && blk->scan.nr_insns <= extent + 1,
		 blk, 0U, "%u instructions", blk->scan.nr_insns);
	kc_check(blk->scan.len <= w->len && blk->scan.len <= KC_WINDOW_BYTES,
		 blk, 0U, "length %u of %u", blk->scan.len, w->len);
	kc_check(kc_fuzz_pio(first) || first->mem_use != KC_MEM_NONE, blk, 0U,
		 "block starts with op %u, no access", first->op);
	kc_check(kc_scan_is_io(&blk->scan, 0), blk, 0U,
		 "first instruction not I/O");
	kc_check(kc_scan_is_io(&blk->scan, last), blk, last,
		 "block does not end with I/O");

	for (i = 0; i < blk->scan.nr_insns; off += blk->insns[i++].len) {
		const struct kc_insn *k = &blk->insns[i];

		io = kc_scan_is_io(&blk->scan, i);
		kc_check(k->len >= 1 && off + k->len <= blk->scan.len, blk, i,
			 "instruction at %u of %u bytes overruns", off, k->len);
		kc_check(!io || kc_fuzz_pio(k) || k->mem_use != KC_MEM_NONE,
			 blk, i, "I/O without access");
		kc_check(io || !kc_fuzz_pio(k), blk, i,
			 "port I/O not a candidate");
		kc_fuzz_check_fields(blk, i);
		kc_fuzz_check_mem(blk, i);
		kc_fuzz_check_raw(blk, i, off);
		if (k->op == KC_OP_JCC)
			kc_fuzz_check_jump(blk, i, off);
		nr_io += io;
	}
	for (; i < KC_EXTENT_MAX + 1; i++)
		kc_check(!kc_scan_is_io(&blk->scan, i), blk, i,
			 "I/O past the block");
	kc_check(off == blk->scan.len, blk, 0U, "instructions %u of %u bytes",
		 off, blk->scan.len);
	kc_check(blk->scan.nr_io == nr_io, blk, 0U, "nr_io %u, counted %u",
		 blk->scan.nr_io, nr_io);
	kc_check(nr_io == 1 || (nr_io - 1) * KC_INSNS_PER_EXIT_DEFAULT >
			       blk->scan.nr_insns - nr_io,
		 blk, 0U, "%u I/O among %u instructions save less than they cost",
		 nr_io, blk->scan.nr_insns);
}

/*
 * The instructions both blocks hold must be the same: a longer block may
 * only cut a shorter one's jumps.
 */
static void kc_fuzz_check_prefix(const struct kc_fuzz_block *blk,
				 const struct kc_fuzz_block *max)
{
	unsigned int i, n = min_t(unsigned int, blk->scan.nr_insns, max->scan.nr_insns);

	for (i = 0; i < n; i++) {
		kc_check(!memcmp(&blk->insns[i], &max->insns[i],
				 sizeof(blk->insns[i])), blk, i,
			 "differs with extent %u", max->extent);
	}
}

static bool kc_fuzz_scan(const struct kc_window *w, const unsigned long *gpr,
			 unsigned int extent, struct kc_fuzz_block *blk)
{
	struct kc_limits limits = {
		.extent = extent,
		.insns_per_exit = KC_INSNS_PER_EXIT_DEFAULT,
	};

	blk->extent = extent;
	blk->bytes = w->bytes;
	return kc_scan(w, gpr, KC_CPU_64, limits, blk->insns, &blk->scan);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct kc_fuzz_block blk, max;
	unsigned long gpr[KC_NR_GPRS];
	struct kc_window w = { 0 };
	unsigned int extent, i;
	bool found, found_max;

	if (size <= KC_FUZZ_HDR)
		return 0;
	kc_fuzz_data = data;
	kc_fuzz_size = size;

	extent = KC_EXTENT_MIN + data[0] % KC_EXTENT_MAX;
	w.rip = 0x10000 + (unsigned long)data[1] * 16;
	for (i = 0; i < KC_NR_GPRS; i++)
		gpr[i] = kc_fuzz_reg(data[2 + i]);
	w.len = min_t(size_t, size - KC_FUZZ_HDR, KC_WINDOW_BYTES);
	memcpy(w.bytes, data + KC_FUZZ_HDR, w.len);

	found = kc_fuzz_scan(&w, gpr, extent, &blk);
	found_max = kc_fuzz_scan(&w, gpr, KC_EXTENT_MAX, &max);
	if (found != found_max) {
		fprintf(stderr, "kc_scan_fuzz: a block with extent %u or %u only\n",
			extent, KC_EXTENT_MAX);
		kc_fuzz_dump();
		abort();
	}
	if (found) {
		kc_fuzz_check_block(&blk, &w, extent);
		kc_fuzz_check_block(&max, &w, KC_EXTENT_MAX);
		kc_fuzz_check_prefix(&blk, &max);
	}
	return 0;
}
