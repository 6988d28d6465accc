// SPDX-License-Identifier: GPL-2.0
/*
 * Scanning unit: the block that starts at the exiting instruction, from
 * it through the last I/O candidate within the extent, with the
 * instructions between them (decode.c decodes them), cut where running
 * more of it would cost more than the exits it saves.
 *
 * I/O candidates are IN, OUT, INS and OUTS, and, in a block that starts
 * with an MMIO access, every memory access through the same base
 * register or to the same page, as far as the registers at this exit
 * tell: the index/data pairs and register windows that drivers program
 * through one mapped pointer, or through two that a compiler derived
 * from one constant.  Whether an access really reaches a device is only
 * known when it runs (exec.c); the candidates only decide where a block
 * ends, so a block stored here and run at a later exit, with other
 * register values, is still run correctly.  See decode.h.
 */
#include <linux/bits.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "decode.h"

/*
 * The values of the registers as the scan follows the block from the
 * exit: known at the exit, then as far as MOV reg, imm and LEA tell.
 */
struct kc_scan_regs {
	unsigned long val[KC_NR_GPRS];
	u16 known;		/* BIT(kc_reg) */
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
		r->known &= ~BIT(KC_RAX);
		return;
	/* They move by their size, up or down by RFLAGS.DF: not followed. */
	case KC_OP_INS:
		r->known &= ~BIT(KC_RDI);
		return;
	case KC_OP_OUTS:
		r->known &= ~BIT(KC_RSI);
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

/* Note instruction @i as an I/O candidate. */
static void kc_set_io(struct kc_scan *out, unsigned int i)
{
	out->io[i / 64] |= 1ull << (i % 64);
}

/*
 * Mark the I/O candidates among @n instructions at @rip: port I/O, and
 * if the first instruction is a memory access, every access through its
 * base register or, by the registers @gpr, to its page.  Returns false
 * if the first instruction is neither.
 */
static bool kc_mark_io(const struct kc_insn *insns, unsigned int n,
		       unsigned long rip, const unsigned long *gpr,
		       struct kc_scan *out)
{
	struct kc_scan_regs r = { .known = (u16)~0u };
	bool mmio = insns[0].mem_use != KC_MEM_NONE, page_known = false;
	u64 addr, page = 0;
	u8 base = KC_NO_REG;
	unsigned int i;
	bool io;

	if (!mmio && !kc_is_pio(&insns[0]))
		return false;

	memcpy(r.val, gpr, sizeof(r.val));
	if (mmio) {
		if (!insns[0].mem.rip_rel)
			base = insns[0].mem.base;
		page_known = kc_scan_addr(&r, &insns[0], rip, &page);
		page >>= KC_PAGE_SHIFT;
	}

	for (i = 0; i < n; rip += insns[i++].len) {
		const struct kc_insn *k = &insns[i];

		io = !i || kc_is_pio(k);
		if (mmio && k->mem_use != KC_MEM_NONE) {
			if (base != KC_NO_REG && k->mem.base == base &&
			    !k->mem.rip_rel)
				io = true;
			else if (page_known && kc_scan_addr(&r, k, rip, &addr))
				io |= addr >> KC_PAGE_SHIFT == page;
		}
		if (io)
			kc_set_io(out, i);
		kc_scan_write(&r, k, rip);
	}
	return true;
}

/*
 * Cut @n instructions back to the last I/O candidate.  Returns the new
 * count, and the length in *@len.
 */
static unsigned int kc_trim_to_io(const struct kc_insn *insns,
				  unsigned int n, const struct kc_scan *out,
				  unsigned int *len)
{
	unsigned int i, off = 0, end = 0, count = 0;

	for (i = 0; i < n; i++) {
		off += insns[i].len;
		if (kc_scan_is_io(out, i)) {
			end = off;
			count = i + 1;
		}
	}
	*len = end;
	return count;
}

/*
 * Cut @n instructions after the I/O candidate up to which running them
 * saves the most: each candidate after the first saves an exit, worth
 * @insns_per_exit other instructions, which each cost one.  If no block
 * of two or more candidates saves anything, only the exiting instruction
 * is left.
 */
static unsigned int kc_trim_to_gain(const struct kc_scan *out,
				    unsigned int n, unsigned int insns_per_exit)
{
	unsigned int i, count = 1;
	int gain = 0, best = 0;

	if (!insns_per_exit)
		return n;
	for (i = 1; i < n; i++) {
		if (!kc_scan_is_io(out, i)) {
			gain--;
			continue;
		}
		gain += insns_per_exit;
		if (gain > best) {
			best = gain;
			count = i + 1;
		}
	}
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
		regs |= BIT(KC_RAX);
		if (k->port_dx)
			regs |= BIT(KC_RDX);
		return regs;
	case KC_OP_INS:
		return regs | BIT(KC_RDX) | BIT(KC_RDI);
	case KC_OP_OUTS:
		return regs | BIT(KC_RDX) | BIT(KC_RSI);
	case KC_OP_SHIFT:
		if (k->has_src)		/* the count is in CL */
			regs |= BIT(KC_RCX);
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

bool kc_scan(const struct kc_window *w, const unsigned long *gpr,
	     enum kc_cpu_mode mode, struct kc_limits limits,
	     struct kc_insn *insns, struct kc_scan *out)
{
	unsigned int n = 0, off = 0, len, i, insn_len;

	memset(out, 0, sizeof(*out));
	while (n <= limits.extent && off < w->len) {
		insn_len = kc_decode(w->bytes + off, w->len - off, mode,
				     &insns[n]);
		if (!insn_len)
			break;
		/* Only forward jumps: a loop is not a burst. */
		if (insns[n].op == KC_OP_JCC && insns[n].imm < 0)
			break;
		off += insn_len;
		n++;
	}

	if (!n || !kc_mark_io(insns, n, w->rip, gpr, out))
		return false;

	n = kc_trim_to_io(insns, n, out, &len);
	n = kc_check_jumps(insns, n, len);
	n = kc_trim_to_gain(out, n, limits.insns_per_exit);
	n = kc_trim_to_io(insns, n, out, &len);
	/* Only the block's instructions are candidates. */
	for (i = n; i < ARRAY_SIZE(out->io) * 64; i++)
		out->io[i / 64] &= ~(1ull << (i % 64));
	for (i = 0; i < n; i++) {
		out->nr_io += kc_scan_is_io(out, i);
		out->regs |= kc_regs_used(&insns[i]);
	}
	out->len = len;
	out->nr_insns = n;
	return true;
}
