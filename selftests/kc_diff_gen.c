// SPDX-License-Identifier: GPL-2.0
/*
 * Random blocks for kvm_coalesce_diff_test: see kc_diff_gen.h.
 *
 * Encodings are those kvm_coalesce/decode.c accepts: register-only
 * MOV/MOVZX/MOVSX, MOV r,imm, the eight ALU operations and TEST in all
 * their register and immediate forms, INC/DEC/NEG/NOT, SHL/SHR/SAR by 1,
 * imm8 and CL, NOP (90 and 0F 1F), forward JMP/Jcc (rel8 and rel32) and
 * IN/OUT (imm8 and DX ports, 8/16/32 bits), with 8/16/32/64-bit
 * operands, REX registers, AH-BH, the operand-size prefix and REX
 * prefixes that change nothing.
 *
 * Along every path through the block the generator tracks what the
 * architecture leaves undefined, so that the CPU and the executor can
 * only differ through a bug: which arithmetic flags are defined (AND,
 * OR, XOR and TEST leave AF undefined, shifts AF, OF unless by one and
 * CF when 8- and 16-bit operands are shifted by their width or more,
 * while a zero count changes nothing), so that no ADC, SBB or Jcc reads
 * an undefined flag and the final RFLAGS are compared in defined bits
 * only; and what CL and DX hold, for the flags of shifts by CL and the
 * ports of IN/OUT by DX.  Where paths meet (at a jump's target) a value
 * is known only if it is the same on all of them.
 */
#include <string.h>
#include <linux/kernel.h>

#include "kc_diff_gen.h"

#define DG_CF	0x001ull
#define DG_PF	0x004ull
#define DG_AF	0x010ull
#define DG_ZF	0x040ull
#define DG_SF	0x080ull
#define DG_DF	0x400ull
#define DG_OF	0x800ull
#define DG_ARITH	(DG_CF | DG_PF | DG_AF | DG_ZF | DG_SF | DG_OF)
#define DG_LOGIC	(DG_CF | DG_PF | DG_ZF | DG_SF | DG_OF)	/* not AF */

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI };
enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

const char * const dg_gpr_names[DG_NR_GPRS] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

/* The flags each condition of Jcc reads: O, B, E, BE, S, P, L, LE. */
static const u64 dg_cc_reads[8] = {
	DG_OF, DG_CF, DG_ZF, DG_CF | DG_ZF, DG_SF, DG_PF, DG_SF | DG_OF,
	DG_ZF | DG_SF | DG_OF,
};

struct dg_rng {
	u64 s;
};

/* splitmix64: small, and every (seed, index) gives its own stream. */
static u64 dg_rand(struct dg_rng *r)
{
	u64 z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned int dg_below(struct dg_rng *r, unsigned int n)
{
	return dg_rand(r) % n;
}

static bool dg_chance(struct dg_rng *r, unsigned int percent)
{
	return dg_below(r, 100) < percent;
}

/* A value worth computing with: the edges of each width, often. */
static u64 dg_value(struct dg_rng *r)
{
	u64 top = 1ull << ((8 << dg_below(r, 4)) - 1);

	switch (dg_below(r, 8)) {
	case 0:
		return dg_below(r, 4);
	case 1:
		return -(u64)dg_below(r, 4) - 1;
	case 2:
		return top - 1 + dg_below(r, 3);
	case 3:
		return (top << 1) - 1 - dg_below(r, 2);
	case 4:
		return 1ull << dg_below(r, 64);
	default:
		return dg_rand(r);
	}
}

/* What the generator knows at a point of the block. */
struct dg_state {
	bool live;	/* some path reaches this point */
	u64 defined;	/* arithmetic flags with a defined value */
	int cl;		/* CL, or -1 if unknown */
	int dx;		/* DX, or -1 if unknown */
};

static struct dg_state dg_join(struct dg_state a, struct dg_state b)
{
	if (!a.live)
		return b;
	if (!b.live)
		return a;
	a.defined &= b.defined;
	if (a.cl != b.cl)
		a.cl = -1;
	if (a.dx != b.dx)
		a.dx = -1;
	return a;
}

/* An access to an in-kernel device. */
struct dg_port {
	u16 port;
	bool in;
	u8 size;
};

struct dg_gen {
	struct dg_rng rng;
	struct dg_block *blk;
	struct dg_insn *in;		/* the instruction being encoded */
	struct dg_state st;		/* before it */
	struct dg_state pending[DG_MAX_INSNS];	/* from jumps to each index */
	int idx;
	int last;			/* index of the final OUT */
	struct dg_port io;		/* an I/O waiting for DX */
	bool io_dx;
	bool want_io;
};

/* A register operand: AH-BH are 0-3 with hi8. */
struct dg_reg {
	u8 num;
	bool hi8;
};

static struct dg_reg dg_pick(struct dg_gen *g, int size)
{
	struct dg_reg r = { .num = dg_below(&g->rng, 16) };

	if (size == 1 && dg_chance(&g->rng, 20)) {
		r.num = dg_below(&g->rng, 4);
		r.hi8 = true;
	}
	return r;
}

static int dg_pick_size(struct dg_gen *g)
{
	return 1 << dg_below(&g->rng, 4);
}

static void dg_byte(struct dg_gen *g, u8 b)
{
	g->in->bytes[g->in->len++] = b;
}

static void dg_imm(struct dg_gen *g, u64 v, int bytes)
{
	int i;

	for (i = 0; i < bytes; i++)
		dg_byte(g, v >> (8 * i));
}

/* The register's 3-bit number in ModRM or the opcode. */
static u8 dg_code(const struct dg_reg *r)
{
	return r->hi8 ? r->num + 4 : r->num & 7;
}

static void dg_modrm(struct dg_gen *g, u8 reg_field, const struct dg_reg *rm)
{
	dg_byte(g, 0xc0 | (reg_field & 7) << 3 | dg_code(rm));
}

static bool dg_needs_rex(const struct dg_reg *r, int size)
{
	return r && !r->hi8 && (r->num >= 8 || (size == 1 && r->num >= 4));
}

/*
 * The prefixes of an instruction of operand size @size with register
 * @reg in ModRM.reg and @rm in ModRM.rm or the opcode (either may be
 * NULL), of @reg_size and @rm_size bytes.  Sometimes adds a REX prefix
 * that changes nothing, or 66 before REX.W.  Returns false if they
 * cannot be encoded together: AH-BH exclude any REX prefix.
 */
static bool dg_prefixes(struct dg_gen *g, int size, const struct dg_reg *reg,
			int reg_size, const struct dg_reg *rm, int rm_size)
{
	bool hi8 = (reg && reg->hi8) || (rm && rm->hi8);
	u8 rex = 0;

	if (size == 8)
		rex |= 0x48;
	if (reg && reg->num >= 8)
		rex |= 0x44;
	if (rm && rm->num >= 8)
		rex |= 0x41;
	if (dg_needs_rex(reg, reg_size) || dg_needs_rex(rm, rm_size))
		rex |= 0x40;
	if (hi8 && rex)
		return false;
	if (!rex && !hi8 && dg_chance(&g->rng, 8))
		rex = 0x40;
	if (size == 2 || (size == 8 && dg_chance(&g->rng, 5)))
		dg_byte(g, 0x66);
	if (rex)
		dg_byte(g, rex);
	return true;
}

/* @r was written with a value the generator does not follow. */
static void dg_wrote(struct dg_gen *g, struct dg_reg r)
{
	if (r.num == RCX && !r.hi8)
		g->st.cl = -1;
	if (r.num == RDX)
		g->st.dx = -1;
}

/* @r, of @size bytes, was written with @v. */
static void dg_wrote_value(struct dg_gen *g, struct dg_reg r, int size, u64 v)
{
	dg_wrote(g, r);
	if (r.num == RCX && !r.hi8)
		g->st.cl = v & 0xff;
	if (r.num == RDX && !r.hi8 && size >= 2)
		g->st.dx = v & 0xffff;
}

static void dg_set_flags(struct dg_gen *g, u64 defined, u64 undefined)
{
	g->st.defined = (g->st.defined | defined) & ~undefined;
}

/* MOV between registers, either direction of ModRM. */
static bool dg_mov_rr(struct dg_gen *g, int size)
{
	struct dg_reg d = dg_pick(g, size), s = dg_pick(g, size);
	bool to_rm = dg_chance(&g->rng, 50);
	struct dg_reg *reg = to_rm ? &s : &d, *rm = to_rm ? &d : &s;

	if (!dg_prefixes(g, size, reg, size, rm, size))
		return false;
	dg_byte(g, (to_rm ? 0x88 : 0x8a) | (size > 1));
	dg_modrm(g, dg_code(reg), rm);
	dg_wrote(g, d);
	return true;
}

/* MOV r, imm: B0+r/B8+r (imm64 with REX.W) or C6/C7 /0. */
static bool dg_mov_imm(struct dg_gen *g, int size, struct dg_reg d, u64 v)
{
	if (!dg_prefixes(g, size, NULL, 0, &d, size))
		return false;
	if (dg_chance(&g->rng, 50)) {
		dg_byte(g, (size == 1 ? 0xb0 : 0xb8) | dg_code(&d));
		dg_imm(g, v, size);
	} else {
		dg_byte(g, size == 1 ? 0xc6 : 0xc7);
		dg_modrm(g, 0, &d);
		dg_imm(g, v, size < 4 ? size : 4);
	}
	dg_wrote_value(g, d, size, v);
	return true;
}

static bool dg_movx(struct dg_gen *g)
{
	int size = 2 << dg_below(&g->rng, 3), src_size = dg_chance(&g->rng, 50) ? 1 : 2;
	struct dg_reg d = dg_pick(g, size), s = dg_pick(g, src_size);
	bool sx = dg_chance(&g->rng, 50);

	if (!dg_prefixes(g, size, &d, size, &s, src_size))
		return false;
	dg_byte(g, 0x0f);
	dg_byte(g, (sx ? 0xbe : 0xb6) | (src_size == 2));
	dg_modrm(g, dg_code(&d), &s);
	dg_wrote(g, d);
	return true;
}

/* An immediate operand of an instruction of @size: 8-bit or iw/id. */
static void dg_imm_op(struct dg_gen *g, int size, bool imm8)
{
	u64 v = dg_value(&g->rng);

	dg_imm(g, v, imm8 ? 1 : (size < 4 ? size : 4));
}

/*
 * Opcode forms of an ALU operation @op (TEST: @test) on register @d of
 * @size with @s or an immediate: r/m,r; r,r/m; AL/eAX,imm; 80/81/83.
 */
static bool dg_alu_forms(struct dg_gen *g, int size, int op, bool test,
			 struct dg_reg *d)
{
	struct dg_reg s = dg_pick(g, size);
	int w = size > 1;

	switch (dg_below(&g->rng, test ? 3 : 4)) {
	case 0:		/* r/m, r; TEST: 84/85 */
		if (!dg_prefixes(g, size, &s, size, d, size))
			return false;
		dg_byte(g, test ? 0x84 | w : op * 8 + w);
		dg_modrm(g, dg_code(&s), d);
		return true;
	case 1:		/* AL/eAX, imm; TEST: A8/A9 */
		*d = (struct dg_reg){ .num = RAX };
		dg_prefixes(g, size, NULL, 0, NULL, 0);
		dg_byte(g, test ? 0xa8 | w : op * 8 + 4 + w);
		dg_imm_op(g, size, size == 1);
		return true;
	case 2:		/* imm: 80/81/83 /op; TEST: F6/F7 /0 */
		if (!dg_prefixes(g, size, NULL, 0, d, size))
			return false;
		if (test || size == 1 || dg_chance(&g->rng, 50)) {
			dg_byte(g, test ? 0xf6 | w : (size == 1 ? 0x80 : 0x81));
			dg_modrm(g, test ? 0 : op, d);
			dg_imm_op(g, size, size == 1);
		} else {
			dg_byte(g, 0x83);
			dg_modrm(g, op, d);
			dg_imm_op(g, size, true);
		}
		return true;
	default:	/* r, r/m */
		if (!dg_prefixes(g, size, d, size, &s, size))
			return false;
		dg_byte(g, op * 8 + 2 + w);
		dg_modrm(g, dg_code(d), &s);
		return true;
	}
}

static bool dg_alu(struct dg_gen *g, int size)
{
	int op = dg_below(&g->rng, 8);
	struct dg_reg d = dg_pick(g, size);
	bool logic;

	/* ADC and SBB read CF: not when it is undefined. */
	if (op == ALU_ADC && !(g->st.defined & DG_CF))
		op = ALU_ADD;
	if (op == ALU_SBB && !(g->st.defined & DG_CF))
		op = ALU_SUB;
	if (!dg_alu_forms(g, size, op, false, &d))
		return false;
	if (op != ALU_CMP)
		dg_wrote(g, d);
	logic = op == ALU_OR || op == ALU_AND || op == ALU_XOR;
	dg_set_flags(g, logic ? DG_LOGIC : DG_ARITH, logic ? DG_AF : 0);
	return true;
}

static bool dg_test(struct dg_gen *g, int size)
{
	struct dg_reg d = dg_pick(g, size);

	if (!dg_alu_forms(g, size, 0, true, &d))
		return false;
	dg_set_flags(g, DG_LOGIC, DG_AF);
	return true;
}

/* NOT, NEG (F6/F7 /2, /3), INC, DEC (FE/FF /0, /1). */
static bool dg_unary(struct dg_gen *g, int size)
{
	struct dg_reg d = dg_pick(g, size);
	int which = dg_below(&g->rng, 4), w = size > 1;

	if (!dg_prefixes(g, size, NULL, 0, &d, size))
		return false;
	if (which < 2) {
		dg_byte(g, 0xf6 | w);
		dg_modrm(g, 2 + which, &d);
		if (which == 1)
			dg_set_flags(g, DG_ARITH, 0);
	} else {
		dg_byte(g, 0xfe | w);
		dg_modrm(g, which - 2, &d);
		dg_set_flags(g, DG_ARITH & ~DG_CF, 0);	/* CF kept */
	}
	dg_wrote(g, d);
	return true;
}

/* Flags after a shift of @size by @count (masked), -1 if unknown. */
static void dg_shift_flags(struct dg_gen *g, int size, int count)
{
	if (count < 0) {	/* zero or not: no flag is known */
		g->st.defined = 0;
		return;
	}
	if (!count)
		return;
	dg_set_flags(g, DG_SF | DG_ZF | DG_PF, DG_AF);
	dg_set_flags(g, count == 1 ? DG_OF : 0, count == 1 ? 0 : DG_OF);
	dg_set_flags(g, count < size * 8 ? DG_CF : 0,
		     count < size * 8 ? 0 : DG_CF);
}

/* An imm8 shift count: the edges of each width, and any byte. */
static u8 dg_shift_count(struct dg_gen *g, int size)
{
	static const u8 counts[] = { 0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33,
				     63, 64, 65 };

	if (dg_chance(&g->rng, 20))
		return dg_rand(&g->rng);
	if (dg_chance(&g->rng, 30))
		return size * 8 - 1;
	return counts[dg_below(&g->rng, sizeof(counts))];
}

/* SHL, SHR, SAR by 1 (D0/D1), imm8 (C0/C1) or CL (D2/D3). */
static bool dg_shift(struct dg_gen *g, int size)
{
	static const u8 digits[] = { 4, 5, 7 };
	struct dg_reg d = dg_pick(g, size);
	int form = dg_below(&g->rng, 3), w = size > 1, count;
	u8 mask = size == 8 ? 63 : 31, imm = 1;

	if (!dg_prefixes(g, size, NULL, 0, &d, size))
		return false;
	dg_byte(g, (form == 0 ? 0xd0 : form == 1 ? 0xc0 : 0xd2) | w);
	dg_modrm(g, digits[dg_below(&g->rng, 3)], &d);
	if (form == 1) {
		imm = dg_shift_count(g, size);
		dg_byte(g, imm);
	}
	count = form == 2 ? g->st.cl : imm;
	dg_wrote(g, d);
	dg_shift_flags(g, size, count < 0 ? -1 : count & mask);
	return true;
}

static bool dg_nop(struct dg_gen *g)
{
	static const u8 nops[][9] = {	/* length, then the bytes */
		{ 1, 0x90 },
		{ 2, 0x66, 0x90 },
		{ 3, 0x0f, 0x1f, 0x00 },
		{ 4, 0x0f, 0x1f, 0x40, 0x00 },
		{ 5, 0x0f, 0x1f, 0x44, 0x00, 0x00 },
		{ 6, 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 },
		{ 7, 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 },
		{ 8, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
	};
	unsigned int i = dg_below(&g->rng, ARRAY_SIZE(nops) + 1);
	struct dg_reg r = dg_pick(g, 4);

	if (i == ARRAY_SIZE(nops)) {	/* 0F 1F /0 on a register */
		dg_prefixes(g, dg_chance(&g->rng, 30) ? 2 : 4, NULL, 0, &r, 4);
		dg_byte(g, 0x0f);
		dg_byte(g, 0x1f);
		dg_modrm(g, 0, &r);
		return true;
	}
	memcpy(g->in->bytes, &nops[i][1], nops[i][0]);
	g->in->len = nops[i][0];
	return true;
}

/* A forward JMP or Jcc to a later instruction; encoded by dg_assemble(). */
static bool dg_jump(struct dg_gen *g)
{
	int span = g->last - g->idx, tries;
	struct dg_insn *in = g->in;

	in->kind = DG_JUMP;
	in->target = g->idx + 1 +
		     dg_below(&g->rng, dg_chance(&g->rng, 70) && span > 6 ? 6 : span);
	in->near = dg_chance(&g->rng, 25);
	in->cc = DG_CC_ALWAYS;
	for (tries = 0; tries < 4 && dg_chance(&g->rng, 80); tries++) {
		u8 cc = dg_below(&g->rng, 16);

		if (!(dg_cc_reads[cc >> 1] & ~g->st.defined)) {
			in->cc = cc;
			break;
		}
	}
	g->pending[in->target] = dg_join(g->pending[in->target], g->st);
	if (in->cc == DG_CC_ALWAYS)
		g->st.live = false;
	return true;
}

static struct dg_port dg_pick_port(struct dg_gen *g)
{
	static const u16 pic_out[] = { 0x21, 0xa1, 0x4d0, 0x4d1 };
	static const u16 pic_in[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1 };
	struct dg_rng *r = &g->rng;
	struct dg_port p = { .size = 1 };
	unsigned int what = dg_below(r, 100);

	if (what < 55) {		/* OUT to the coalesced zone */
		if (dg_chance(r, 40))
			p.size = dg_chance(r, 50) ? 2 : 4;
		p.port = DG_ZONE_PORT + dg_below(r, DG_ZONE_SIZE - p.size + 1);
		return p;
	}
	/*
	 * The 8259 takes bytes only, and ignores wider accesses (IN reads 0)
	 * that fit one of its port pairs, such as 16 bits at 0x20.
	 */
	if (dg_chance(r, 8)) {
		static const u16 pairs[] = { 0x20, 0xa0, 0x4d0 };

		p.size = 2;
		p.port = pairs[dg_below(r, ARRAY_SIZE(pairs))];
		p.in = what >= 70;
		return p;
	}
	if (what < 70) {		/* OUT to the 8259's IMR or ELCR */
		p.port = pic_out[dg_below(r, ARRAY_SIZE(pic_out))];
		return p;
	}
	p.in = true;			/* IN from the 8259 */
	p.port = pic_in[dg_below(r, ARRAY_SIZE(pic_in))];
	return p;
}

/*
 * IN or OUT @p, by an immediate port or (@dx) by DX.  When DX does not
 * hold the port, this instruction loads it instead and returns false:
 * the I/O is still to come.  The first instruction gets DX from the
 * initial registers.
 */
static bool dg_io(struct dg_gen *g, struct dg_port p, bool dx)
{
	struct dg_reg rdx = { .num = RDX };
	u64 *gpr_rdx = &g->blk->gpr[RDX];

	if (dx && g->st.dx != p.port) {
		if (!g->idx) {
			*gpr_rdx = (*gpr_rdx & ~0xffffull) | p.port;
			g->st.dx = p.port;
		} else {
			while (!dg_mov_imm(g, 2 << dg_below(&g->rng, 3), rdx,
					   (dg_value(&g->rng) & ~0xffffull) | p.port))
				g->in->len = 0;
			return false;
		}
	}
	if (p.size == 2)
		dg_byte(g, 0x66);
	if (dg_chance(&g->rng, 5))	/* REX without W changes nothing */
		dg_byte(g, 0x40 | dg_below(&g->rng, 8));
	dg_byte(g, (dx ? 0xec : 0xe4) | (p.in ? 0 : 2) | (p.size > 1));
	if (!dx)
		dg_byte(g, p.port);
	g->in->kind = DG_IO;
	if (p.in)
		dg_wrote(g, (struct dg_reg){ .num = RAX });
	return true;
}

/* A new I/O instruction; false if it needs the next one too (see dg_io()). */
static bool dg_new_io(struct dg_gen *g)
{
	g->io = dg_pick_port(g);
	g->io_dx = g->io.port > 0xff || dg_chance(&g->rng, 40);
	return dg_io(g, g->io, g->io_dx);
}

/* The instruction at g->idx, other than the first and the last. */
static void dg_body_insn(struct dg_gen *g)
{
	unsigned int what;
	int size;
	bool done;

	do {
		g->in->len = 0;
		if (g->want_io) {
			g->want_io = !dg_io(g, g->io, g->io_dx);
			return;
		}
		what = dg_below(&g->rng, 100);
		size = dg_pick_size(g);
		if (what < 18) {
			g->want_io = !dg_new_io(g);
			return;
		}
		if (what < 30)
			done = dg_jump(g);
		else if (what < 40)
			done = dg_mov_rr(g, size);
		else if (what < 48)
			done = dg_mov_imm(g, size, dg_pick(g, size),
					  dg_value(&g->rng));
		else if (what < 54)
			done = dg_movx(g);
		else if (what < 76)
			done = dg_alu(g, size);
		else if (what < 80)
			done = dg_test(g, size);
		else if (what < 87)
			done = dg_unary(g, size);
		else if (what < 97)
			done = dg_shift(g, size);
		else
			done = dg_nop(g);
	} while (!done);
}

/* The OUT to DG_USER_PORT that ends the block and exits to userspace. */
static void dg_end(struct dg_gen *g)
{
	int size = 1 << dg_below(&g->rng, 3);

	if (size == 2)
		dg_byte(g, 0x66);
	dg_byte(g, size == 1 ? 0xe6 : 0xe7);
	dg_byte(g, DG_USER_PORT);
	g->in->kind = DG_END;
}

/* Lay out the instructions, with rel8 jumps made rel32 where needed. */
static void dg_assemble(struct dg_block *blk)
{
	bool changed = true;
	int i, disp;

	while (changed) {
		changed = false;
		for (i = 0; i < blk->nr_insns; i++) {
			struct dg_insn *in = &blk->insn[i];

			if (in->kind == DG_JUMP)
				in->len = !in->near ? 2 :
					  in->cc == DG_CC_ALWAYS ? 5 : 6;
			blk->off[i + 1] = blk->off[i] + in->len;
		}
		for (i = 0; i < blk->nr_insns; i++) {
			struct dg_insn *in = &blk->insn[i];

			disp = blk->off[in->target] - blk->off[i + 1];
			if (in->kind == DG_JUMP && !in->near && disp > 127) {
				in->near = true;
				changed = true;
			}
		}
	}
	blk->len = blk->off[blk->nr_insns];

	for (i = 0; i < blk->nr_insns; i++) {
		struct dg_insn *in = &blk->insn[i];
		u8 *b = in->bytes;

		if (in->kind != DG_JUMP)
			continue;
		disp = blk->off[in->target] - blk->off[i + 1];
		if (!in->near) {
			b[0] = in->cc == DG_CC_ALWAYS ? 0xeb : 0x70 | in->cc;
			b[1] = disp;
		} else if (in->cc == DG_CC_ALWAYS) {
			b[0] = 0xe9;
			memcpy(&b[1], &disp, 4);
		} else {
			b[0] = 0x0f;
			b[1] = 0x80 | in->cc;
			memcpy(&b[2], &disp, 4);
		}
	}
}

/* Generate a block of @nr_body instructions between the first and last. */
static void dg_try(struct dg_gen *g, struct dg_block *blk, int nr_body)
{
	struct dg_state dead = { .live = false };
	int i;

	memset(blk, 0, sizeof(*blk));
	g->blk = blk;
	for (i = 0; i < DG_NR_GPRS; i++)
		blk->gpr[i] = dg_value(&g->rng);
	/* Bit 1 is always set; TF, IF and the system flags stay clear. */
	blk->rflags = 0x2 | (dg_rand(&g->rng) & (DG_ARITH | DG_DF));
	g->st = (struct dg_state){ .live = true, .defined = DG_ARITH,
				   .cl = blk->gpr[RCX] & 0xff,
				   .dx = blk->gpr[RDX] & 0xffff };
	for (i = 0; i < DG_MAX_INSNS; i++)
		g->pending[i] = dead;

	g->want_io = false;
	g->last = nr_body + 1;
	blk->nr_insns = nr_body + 2;
	for (g->idx = 0; g->idx <= g->last; g->idx++) {
		g->in = &blk->insn[g->idx];
		g->st = dg_join(g->st, g->pending[g->idx]);
		if (!g->st.live)	/* dead code: anything goes */
			g->st = (struct dg_state){ .cl = -1, .dx = -1,
						   .defined = DG_ARITH };
		if (g->idx == 0) {
			dg_new_io(g);
		} else if (g->idx == g->last) {
			blk->rflags_defined = ~DG_ARITH | g->st.defined;
			dg_end(g);
		} else {
			dg_body_insn(g);
		}
	}
	dg_assemble(blk);
	if (blk->len > DG_MAX_BYTES)
		return;
	for (i = 0; i < blk->nr_insns; i++)
		memcpy(&blk->code[blk->off[i]], blk->insn[i].bytes,
		       blk->insn[i].len);
}

void dg_generate(u64 seed, u64 index, struct dg_block *blk)
{
	struct dg_gen g = { .rng.s = seed ^ (index * 0xd1b54a32d192ed03ull) };
	int nr_body;

	dg_rand(&g.rng);
	nr_body = dg_chance(&g.rng, 50) ? 1 + dg_below(&g.rng, 12) :
		  1 + dg_below(&g.rng, DG_MAX_INSNS - 2);
	for (;;) {
		dg_try(&g, blk, nr_body);
		if (blk->len <= DG_MAX_BYTES)
			return;
		nr_body = nr_body * 3 / 4;
	}
}

int dg_insn_at(const struct dg_block *blk, int off)
{
	int i;

	for (i = 0; i < blk->nr_insns; i++) {
		if (blk->off[i] == off)
			return i;
	}
	return -1;
}
