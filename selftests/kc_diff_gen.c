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
 * A share of the instructions (dg_params.mem_share) have a memory
 * operand instead: MOV loads and stores (of a register or an
 * immediate), MOVZX/MOVSX loads, the eight ALU operations with a memory
 * source, CMP and TEST against memory, and LEA, addressed through ModRM
 * and SIB (base, index, scale, no base, disp8, disp32) or RIP-relative.
 * Every access lands in the scratch buffer and crosses no page, so that
 * no access faults or touches the block's code: the generator follows
 * the values of the registers (all known at the start, then through
 * MOV with an immediate, MOV between registers and LEA) and only
 * addresses through registers whose value it knows, some of them set by
 * the block itself.  These draws come after every draw of the
 * register-only generator, and only when the share is not 0, so that
 * with 0 it makes exactly the blocks it made before.
 *
 * Another share (dg_params.string_share) begin an INS or OUTS: OUTS of
 * 8, 16 or 32 bits from the scratch buffer to the coalesced zone, INSB
 * from an 8259's IMR or INSW from one of its port pairs (which reads 0)
 * into the buffer, sometimes with a REX prefix (REX.W too, which keeps
 * 32 bits, but never with 66), going up or down as the block's initial RFLAGS.DF says (STD
 * and CLD are not executor instructions).  MOV instructions load DX
 * with the port and RSI or RDI with an address in the buffer before it
 * where the registers do not hold them; the first instruction gets them
 * from the initial registers.  All of it is drawn from a stream of its
 * own, so that a block in which no string I/O is begun is the block of
 * before.
 *
 * A share of the blocks (dg_params.stop_share) have one to three
 * stoppers, each at an instruction index drawn uniformly after the first:
 * an OUT of 8, 16 or 32 bits, by imm8 or DX, to DG_MID_PORT, which no
 * in-kernel device takes; a MOV load or store of 1 to 8 bytes, MOVZX or
 * MOVSX with the MMIO page after the buffer, which no memslot backs; an
 * ALU operation, CMP or TEST with it; a RIP-relative MOV of a byte of the
 * block's own code, the byte already there; an access to a non-canonical
 * address (through a register a MOV may load first) or to the page after
 * the MMIO page, which the guest does not map; an OUT to the master
 * 8259's IMR that unmasks DG_EVENT_IRQ, whose interrupt the test makes
 * pending (MOV AL first; the block then runs with IF set).  Their
 * operands go through the same code as the others'.  Whether a block has
 * stoppers, where and which, and everything drawn for them come from a
 * stream of their own: a block that gets none is the block of before.
 *
 * Along every path through the block the generator tracks which
 * arithmetic flags the architecture leaves defined (AND, OR, XOR and
 * TEST leave AF undefined, shifts AF, OF unless by one and CF when 8-
 * and 16-bit operands are shifted by their width or more, while a zero
 * count changes nothing), so that no ADC, SBB or Jcc reads an undefined
 * flag, and what CL and DX hold, for the flags of shifts by CL and the
 * ports of IN/OUT by DX.  Where paths meet (at a jump's target) a value
 * is known only if it is the same on all of them.  The test compares
 * RFLAGS whole, undefined flags included: the executor runs each
 * operation as the same instruction on the CPU (kvm_coalesce/alu.c), so
 * its flags must be the guest's CPU's, bit for bit.  Keeping ADC, SBB
 * and Jcc off undefined flags is no longer needed for that; it keeps
 * each seed's blocks as they were.
 */
#include <stdint.h>
#include <string.h>
#include <linux/kernel.h>

#include "kc_diff_gen.h"

#define DG_CF	0x001ull
#define DG_PF	0x004ull
#define DG_AF	0x010ull
#define DG_ZF	0x040ull
#define DG_SF	0x080ull
#define DG_IF	0x200ull
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
	/* Registers for addresses: val[i] is valid if bit i of known is. */
	u16 known;
	u64 val[DG_NR_GPRS];
};

static struct dg_state dg_join(struct dg_state a, struct dg_state b)
{
	int i;

	if (!a.live)
		return b;
	if (!b.live)
		return a;
	a.defined &= b.defined;
	if (a.cl != b.cl)
		a.cl = -1;
	if (a.dx != b.dx)
		a.dx = -1;
	a.known &= b.known;
	for (i = 0; i < DG_NR_GPRS; i++) {
		if (a.val[i] != b.val[i])
			a.known &= ~(1u << i);
	}
	return a;
}

/* An access to an in-kernel device. */
struct dg_port {
	u16 port;
	bool in;
	u8 size;
};

struct dg_addr;

struct dg_gen {
	struct dg_rng rng;
	const struct dg_params *params;
	struct dg_block *blk;
	struct dg_insn *in;		/* the instruction being encoded */
	struct dg_state st;		/* before it */
	struct dg_state pending[DG_MAX_INSNS];	/* from jumps to each index */
	int idx;
	int last;			/* index of the final OUT */
	struct dg_port io;		/* an I/O waiting for DX */
	bool io_dx;
	bool want_io;
	int hot;			/* scratch offset many accesses go near */
	struct dg_rng srng;		/* the draws of string I/O */
	struct dg_port str;		/* an INS or OUTS waiting for registers */
	bool want_string;
	/*
	 * Accesses go to scratch offsets [lo, hi): the scratch buffer, or
	 * for a stopper the MMIO or the absent page, unless fixed_addr gives
	 * the operand (a non-canonical one).  no_hi8: no AH-BH operands.
	 */
	int lo, hi;
	const struct dg_addr *fixed_addr;
	bool no_hi8;
	struct dg_rng trng;		/* the draws of stoppers */
	bool stopping;			/* this block has stoppers */
	u64 stop_at;			/* BIT(index) of each planned stopper */
	u8 stop_kind[DG_MAX_INSNS];	/* enum dg_stop, at those indexes */
	u8 stop;			/* the stopper under way */
	bool want_stop;			/* it needs more instructions */
	struct dg_port stop_port;	/* its OUT */
	bool stop_dx;
	bool stop_ready;		/* AL is loaded for the event's OUT */
	bool stop_absent;		/* a fault: at the absent page */
	int stop_reg;			/* a fault: non-canonical base */
	s32 stop_disp;
	int stop_disp_size;
};

/* A register operand: AH-BH are 0-3 with hi8. */
struct dg_reg {
	u8 num;
	bool hi8;
};

static struct dg_reg dg_pick(struct dg_gen *g, int size)
{
	struct dg_reg r = { .num = dg_below(&g->rng, 16) };

	if (size == 1 && !g->no_hi8 && dg_chance(&g->rng, 20)) {
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

/*
 * A memory operand: [base + (index << scale) + disp], or RIP-relative
 * to offset @target of the scratch buffer.
 */
struct dg_addr {
	int base;		/* register number, or -1 */
	int index;		/* register number, not RSP, or -1 */
	int scale;		/* also encoded, and ignored, without index */
	bool rip_rel;
	bool sib;		/* a SIB byte, needed or not */
	int disp_size;		/* 0, 1 or 4; 4 whenever there is no base */
	s32 disp;
	int target;		/* scratch offset of an access, or -1 */
	u8 rex_noise;		/* REX.X or REX.B bits that change nothing */
};

/* The REX bits the operand's registers need, and those that change nothing. */
static u8 dg_addr_rex(const struct dg_addr *a)
{
	u8 rex = a->rex_noise;

	if (a->base >= 8)
		rex |= 0x41;
	if (a->index >= 8)
		rex |= 0x42;
	return rex;
}

/* ModRM (with @reg_field), SIB and displacement of memory operand @a. */
static void dg_mem_modrm(struct dg_gen *g, u8 reg_field, const struct dg_addr *a)
{
	u8 mod = a->disp_size == 4 ? 2 : a->disp_size, reg = (reg_field & 7) << 3;

	g->in->kind = DG_MEM;
	if (a->rip_rel) {
		dg_byte(g, reg | 5);
		/* Set by dg_assemble(), which knows where the block ends. */
		g->in->rip_disp = g->in->len;
		g->in->rip_target = a->target;
		dg_imm(g, 0, 4);
		return;
	}
	if (a->base < 0)	/* SIB base 5 with mod 0: disp32, no base */
		mod = 0;
	if (!a->sib) {
		dg_byte(g, mod << 6 | reg | (a->base & 7));
	} else {
		dg_byte(g, mod << 6 | reg | 4);
		dg_byte(g, a->scale << 6 | (a->index < 0 ? 4 : a->index & 7) << 3 |
			   (a->base < 0 ? 5 : a->base & 7));
	}
	dg_imm(g, a->disp, a->base < 0 ? 4 : a->disp_size);
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
static bool dg_prefixes_rex(struct dg_gen *g, int size, const struct dg_reg *reg,
			    int reg_size, const struct dg_reg *rm, int rm_size,
			    u8 rex_more)
{
	bool hi8 = (reg && reg->hi8) || (rm && rm->hi8);
	u8 rex = rex_more ? 0x40 | rex_more : 0;

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

static bool dg_prefixes(struct dg_gen *g, int size, const struct dg_reg *reg,
			int reg_size, const struct dg_reg *rm, int rm_size)
{
	return dg_prefixes_rex(g, size, reg, reg_size, rm, rm_size, 0);
}

/* The prefixes of an instruction with register @reg and memory operand @a. */
static bool dg_mem_prefixes(struct dg_gen *g, int size, const struct dg_reg *reg,
			    int reg_size, const struct dg_addr *a)
{
	return dg_prefixes_rex(g, size, reg, reg_size, NULL, 0, dg_addr_rex(a));
}

static u64 dg_width_mask(int size)
{
	return size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* The value of @r, of @size bytes, if the generator knows it. */
static bool dg_val_get(const struct dg_state *st, struct dg_reg r, int size,
		       u64 *v)
{
	if (!(st->known & (1u << r.num)))
		return false;
	*v = (st->val[r.num] >> (r.hi8 ? 8 : 0)) & dg_width_mask(size);
	return true;
}

/*
 * @r, of @size bytes, now holds @v, merged as the CPU merges it: 32-bit
 * writes zero-extend, 8- and 16-bit ones keep the rest, which must be
 * known for the whole to be.
 */
static void dg_val_set(struct dg_state *st, struct dg_reg r, int size, u64 v)
{
	u64 *cur = &st->val[r.num], mask = dg_width_mask(size);

	if (size >= 4) {
		*cur = v & mask;
		st->known |= 1u << r.num;
	} else if (r.hi8) {
		*cur = (*cur & ~0xff00ull) | (v & 0xff) << 8;
	} else {
		*cur = (*cur & ~mask) | (v & mask);
	}
}

/* @r was written: what the generator knew of CL and DX through it is gone. */
static void dg_forget_cl_dx(struct dg_gen *g, struct dg_reg r)
{
	if (r.num == RCX && !r.hi8)
		g->st.cl = -1;
	if (r.num == RDX)
		g->st.dx = -1;
}

/* @r was written with a value the generator does not follow. */
static void dg_wrote(struct dg_gen *g, struct dg_reg r)
{
	dg_forget_cl_dx(g, r);
	g->st.known &= ~(1u << r.num);
}

/* @r, of @size bytes, was written with @v. */
static void dg_wrote_value(struct dg_gen *g, struct dg_reg r, int size, u64 v)
{
	dg_forget_cl_dx(g, r);
	if (r.num == RCX && !r.hi8)
		g->st.cl = v & 0xff;
	if (r.num == RDX && !r.hi8 && size >= 2)
		g->st.dx = v & 0xffff;
	dg_val_set(&g->st, r, size, v);
}

/*
 * @d, of @size bytes, was written with @s.  CL and DX are forgotten as
 * before register values were followed, which keeps the register-only
 * blocks as they were; only the values for addresses follow the copy.
 */
static void dg_wrote_copy(struct dg_gen *g, struct dg_reg d, struct dg_reg s,
			  int size)
{
	u64 v;

	if (!dg_val_get(&g->st, s, size, &v)) {
		dg_wrote(g, d);
		return;
	}
	dg_forget_cl_dx(g, d);
	dg_val_set(&g->st, d, size, v);
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
	dg_wrote_copy(g, d, s, size);
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
		if (size == 8)		/* C7 sign-extends its imm32 */
			v = (s64)(s32)v;
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
			g->st.val[RDX] = *gpr_rdx;
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
	g->in->imr_write = !p.in && p.size == 1 &&
			   (p.port == 0x21 || p.port == 0xa1);
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

/* ---- memory operands ---- */

/* An access of @size bytes at scratch offset @t stays in one page of it. */
static bool dg_target_ok(int t, int size)
{
	return t >= 0 && t + size <= DG_SCRATCH_SIZE && t % 4096 + size <= 4096;
}

/* The same within the pages accesses go to now (g->lo, g->hi). */
static bool dg_region_ok(const struct dg_gen *g, int t, int size)
{
	return t >= g->lo && t + size <= g->hi && t % 4096 + size <= 4096;
}

/*
 * A scratch offset for an access of @size: half of them near the block's
 * hot spot, so that loads often read what stores of the block wrote;
 * some at the edges of a page; aligned or not.
 */
static int dg_pick_target(struct dg_gen *g, int size)
{
	struct dg_rng *r = &g->rng;
	int t, page;

	if (g->lo) {	/* a stopper's page: anywhere in it */
		t = g->lo + dg_below(r, 4096 - size + 1);
		return dg_chance(r, 50) ? t & ~(size - 1) : t;
	}
	page = dg_below(r, DG_SCRATCH_PAGES) * 4096;
	switch (dg_below(r, 4)) {
	case 0:
	case 1:
		t = g->hot + dg_below(r, 32);
		break;
	case 2:
		t = page + (dg_chance(r, 50) ? (int)dg_below(r, 8) :
			    4096 - size - (int)dg_below(r, 8));
		break;
	default:
		t = dg_below(r, DG_SCRATCH_SIZE);
		break;
	}
	if (dg_chance(r, 30))
		t &= ~(size - 1);
	if (t % 4096 + size > 4096)	/* back into its page */
		t -= t % 4096 + size - 4096;
	return t;
}

/*
 * Whether a disp32 can take an address of @v to anywhere in the buffer,
 * or the pages after it accesses go to now.
 */
static bool dg_reaches(const struct dg_gen *g, u64 v)
{
	s64 d = (s64)(g->params->scratch - v);

	return d > INT32_MIN + g->hi && d < INT32_MAX - g->hi;
}

/*
 * A register whose known value, shifted by @scale, a disp32 can take from
 * @sum (what the address holds so far) to the buffer; -1 if there is none.
 * An index cannot be RSP.
 */
static int dg_pick_addr_reg(struct dg_gen *g, u64 sum, int scale, bool index)
{
	int cand[DG_NR_GPRS], n = 0, i;

	for (i = 0; i < DG_NR_GPRS; i++) {
		if (!(g->st.known & (1u << i)) || (index && i == RSP))
			continue;
		if (dg_reaches(g, sum + (g->st.val[i] << scale)))
			cand[n++] = i;
	}
	return n ? cand[dg_below(&g->rng, n)] : -1;
}

/* The displacement from @sum to scratch offset @a->target: disp32. */
static void dg_disp32_to_target(struct dg_gen *g, struct dg_addr *a, u64 sum)
{
	a->disp = (s32)(g->params->scratch + a->target - sum);
	a->disp_size = 4;
}

/*
 * Base and maybe index for an access of @size near their value: a disp8,
 * or none, when what they add up to is near the buffer; else a disp32.
 */
static void dg_based_addr(struct dg_gen *g, struct dg_addr *a, int size)
{
	struct dg_rng *r = &g->rng;
	u64 sum = g->st.val[a->base];
	s64 near;
	s8 d8 = dg_rand(r);

	if (dg_chance(r, 40)) {
		a->scale = dg_below(r, 4);
		a->index = dg_pick_addr_reg(g, sum, a->scale, true);
		if (a->index >= 0)
			sum += g->st.val[a->index] << a->scale;
	}
	a->sib = a->index >= 0 || (a->base & 7) == RSP || dg_chance(r, 15);
	near = (s64)(sum - g->params->scratch);
	if (dg_chance(r, 60) && near >= g->lo - 128 && near < g->hi + 128) {
		/* No disp: mod 0, but base 5 (RBP, R13) means no base there. */
		if (dg_chance(r, 30) && (a->base & 7) != 5)
			d8 = 0;
		if (dg_region_ok(g, near + d8, size)) {
			a->target = near + d8;
			a->disp = d8;
			a->disp_size = (d8 || (a->base & 7) == 5) ? 1 : 0;
			return;
		}
	}
	dg_disp32_to_target(g, a, sum);
}

/*
 * The memory operand of an access of @size into the scratch buffer, or
 * the page a stopper's access goes to (g->lo): RIP-relative, no base
 * (disp32, maybe with an index), or through a base register with a known
 * value.  Only registers whose value the generator knows at this point
 * take part.  A stopper may give the operand itself (g->fixed_addr).
 */
static void dg_pick_addr(struct dg_gen *g, int size, struct dg_addr *a)
{
	struct dg_rng *r = &g->rng;
	unsigned int form;

	if (g->fixed_addr) {
		*a = *g->fixed_addr;
		return;
	}
	/* One draw per statement: the order of a seed's draws is fixed. */
	form = dg_below(r, 100);
	*a = (struct dg_addr){ .base = -1, .index = -1 };
	a->scale = dg_below(r, 4);
	a->target = dg_pick_target(g, size);
	if (form >= 25)
		a->base = dg_pick_addr_reg(g, 0, 0, false);
	if (a->base >= 0) {
		dg_based_addr(g, a, size);
	} else if (form >= 15) {	/* no base: [index << scale + disp32] */
		a->sib = true;
		if (dg_chance(r, 60))
			a->index = dg_pick_addr_reg(g, 0, a->scale, true);
		dg_disp32_to_target(g, a, a->index < 0 ? 0 :
				    g->st.val[a->index] << a->scale);
	} else {
		a->rip_rel = true;
		a->disp_size = 4;
	}
	/* REX.X without a SIB byte, REX.B on RIP: both ignored. */
	if (!a->sib && dg_chance(r, 10))
		a->rex_noise = a->rip_rel && dg_chance(r, 50) ? 0x01 : 0x02;
}

/* What @a adds up to, if the generator knows it (LEA). */
static bool dg_addr_value(const struct dg_gen *g, const struct dg_addr *a,
			  u64 *v)
{
	u16 regs = 0;

	if (a->rip_rel) {
		*v = g->params->scratch + a->target;
		return true;
	}
	*v = (s64)a->disp;
	if (a->base >= 0) {
		regs |= 1u << a->base;
		*v += g->st.val[a->base];
	}
	if (a->index >= 0) {
		regs |= 1u << a->index;
		*v += g->st.val[a->index] << a->scale;
	}
	return (g->st.known & regs) == regs;
}

/* A LEA operand that addresses nothing: any registers, any displacement. */
static void dg_any_addr(struct dg_gen *g, struct dg_addr *a)
{
	struct dg_rng *r = &g->rng;

	*a = (struct dg_addr){ .base = -1, .index = -1, .target = -1 };
	a->scale = dg_below(r, 4);
	a->disp = dg_value(r);
	if (dg_chance(r, 85))
		a->base = dg_below(r, DG_NR_GPRS);
	if (dg_chance(r, 50)) {
		a->index = dg_below(r, DG_NR_GPRS - 1);
		a->index += a->index >= RSP;
	}
	a->disp_size = dg_below(r, 3);
	a->disp_size += a->disp_size == 2 ? 2 : 0;
	if (a->base < 0 || (!a->disp_size && (a->base & 7) == 5))
		a->disp_size = 4;
	if (a->disp_size == 1)
		a->disp = (s8)a->disp;
	if (!a->disp_size)
		a->disp = 0;
	a->sib = a->base < 0 || a->index >= 0 || (a->base & 7) == RSP ||
		 dg_chance(r, 15);
}

/*
 * LEA of an address into the buffer or of anything, or MOV of a buffer
 * address: a register the block sets, which later accesses may address
 * through.
 */
static bool dg_lea(struct dg_gen *g)
{
	struct dg_rng *r = &g->rng;
	int size = 2 << dg_below(r, 3);
	struct dg_reg d = dg_pick(g, size);
	struct dg_addr a;
	u64 v;

	if (dg_chance(r, 20)) {
		size = 4 << dg_below(r, 2);
		v = g->params->scratch + dg_pick_target(g, 1);
		return dg_mov_imm(g, size, d, v);
	}
	if (dg_chance(r, 60))
		dg_pick_addr(g, 1, &a);
	else
		dg_any_addr(g, &a);
	if (!dg_mem_prefixes(g, size, &d, size, &a))
		return false;
	dg_byte(g, 0x8d);
	dg_mem_modrm(g, dg_code(&d), &a);
	if (dg_addr_value(g, &a, &v))
		dg_wrote_value(g, d, size, v);
	else
		dg_wrote(g, d);
	return true;
}

/* MOV r, m; MOV m, r; MOV m, imm. */
static bool dg_mem_mov(struct dg_gen *g, int size)
{
	struct dg_reg reg = dg_pick(g, size);
	int form = dg_below(&g->rng, 3), w = size > 1;
	struct dg_addr a;

	dg_pick_addr(g, size, &a);
	if (!dg_mem_prefixes(g, size, form == 2 ? NULL : &reg, size, &a))
		return false;
	if (form == 2) {
		dg_byte(g, 0xc6 | w);
		dg_mem_modrm(g, 0, &a);
		dg_imm_op(g, size, size == 1);
		return true;
	}
	dg_byte(g, (form ? 0x88 : 0x8a) | w);
	dg_mem_modrm(g, dg_code(&reg), &a);
	if (!form)
		dg_wrote(g, reg);
	return true;
}

/* MOVZX, MOVSX r, m8/m16. */
static bool dg_mem_movx(struct dg_gen *g)
{
	struct dg_rng *r = &g->rng;
	int size = 2 << dg_below(r, 3), src_size = dg_chance(r, 50) ? 1 : 2;
	struct dg_reg d = dg_pick(g, size);
	bool sx = dg_chance(r, 50);
	struct dg_addr a;

	dg_pick_addr(g, src_size, &a);
	if (!dg_mem_prefixes(g, size, &d, size, &a))
		return false;
	dg_byte(g, 0x0f);
	dg_byte(g, (sx ? 0xbe : 0xb6) | (src_size == 2));
	dg_mem_modrm(g, dg_code(&d), &a);
	dg_wrote(g, d);
	return true;
}

/* The eight ALU operations, r, m (02, 03, ... 3A, 3B). */
static bool dg_mem_alu(struct dg_gen *g, int size)
{
	int op = dg_below(&g->rng, 8);
	struct dg_reg d = dg_pick(g, size);
	struct dg_addr a;
	bool logic;

	if (op == ALU_ADC && !(g->st.defined & DG_CF))
		op = ALU_ADD;
	if (op == ALU_SBB && !(g->st.defined & DG_CF))
		op = ALU_SUB;
	dg_pick_addr(g, size, &a);
	if (!dg_mem_prefixes(g, size, &d, size, &a))
		return false;
	dg_byte(g, op * 8 + 2 + (size > 1));
	dg_mem_modrm(g, dg_code(&d), &a);
	if (op != ALU_CMP)
		dg_wrote(g, d);
	logic = op == ALU_OR || op == ALU_AND || op == ALU_XOR;
	dg_set_flags(g, logic ? DG_LOGIC : DG_ARITH, logic ? DG_AF : 0);
	return true;
}

/*
 * CMP and TEST with memory as their first operand, the only forms with
 * a memory destination the executor runs besides MOV: CMP m, r (38, 39)
 * and m, imm (80, 81, 83 /7), TEST m, r (84, 85) and m, imm (F6, F7 /0).
 */
static bool dg_mem_cmp_test(struct dg_gen *g, int size)
{
	struct dg_rng *r = &g->rng;
	bool test = dg_chance(r, 40), imm = dg_chance(r, 50);
	struct dg_reg s = dg_pick(g, size);
	int w = size > 1;
	struct dg_addr a;

	dg_pick_addr(g, size, &a);
	if (!dg_mem_prefixes(g, size, imm ? NULL : &s, size, &a))
		return false;
	if (!imm) {
		dg_byte(g, test ? 0x84 | w : 0x38 | w);
		dg_mem_modrm(g, dg_code(&s), &a);
	} else if (test || size == 1 || dg_chance(r, 50)) {
		dg_byte(g, test ? 0xf6 | w : (size == 1 ? 0x80 : 0x81));
		dg_mem_modrm(g, test ? 0 : ALU_CMP, &a);
		dg_imm_op(g, size, size == 1);
	} else {
		dg_byte(g, 0x83);
		dg_mem_modrm(g, ALU_CMP, &a);
		dg_imm_op(g, size, true);
	}
	dg_set_flags(g, test ? DG_LOGIC : DG_ARITH, test ? DG_AF : 0);
	return true;
}

/* An instruction with a memory operand, or LEA. */
static bool dg_mem_insn(struct dg_gen *g)
{
	unsigned int what = dg_below(&g->rng, 100);
	int size = dg_pick_size(g);

	if (what < 20)
		return dg_lea(g);
	if (what < 55)
		return dg_mem_mov(g, size);
	if (what < 67)
		return dg_mem_movx(g);
	if (what < 87)
		return dg_mem_alu(g, size);
	return dg_mem_cmp_test(g, size);
}

/*
 * With memory operands, some registers start as addresses in the buffer
 * and some as small indexes, for addresses with a disp8 or none.
 */
static void dg_address_registers(struct dg_gen *g)
{
	struct dg_rng *r = &g->rng;
	u64 *gpr = g->blk->gpr;
	int i, reg;

	for (i = 0; i < 3; i++) {
		reg = dg_below(r, DG_NR_GPRS);
		gpr[reg] = g->params->scratch + dg_below(r, DG_SCRATCH_SIZE);
	}
	for (i = 0; i < 2; i++) {
		reg = dg_below(r, DG_NR_GPRS);
		gpr[reg] = (s64)dg_below(r, 129) - 64;
	}
	g->hot = dg_below(r, DG_SCRATCH_SIZE - 32);
}

/* ---- string I/O ---- */

/*
 * OUTS from the buffer to the zone, of 8, 16 or 32 bits; INSB from an
 * 8259's IMR, or INSW from one of its port pairs, which reads 0.  (The
 * 8259 takes no 32-bit access, which would go to userspace.)
 */
static struct dg_port dg_pick_string_port(struct dg_rng *r)
{
	static const u16 pairs[] = { 0x20, 0xa0, 0x4d0 };
	struct dg_port p = { .size = 1 };

	if (dg_chance(r, 60)) {
		if (dg_chance(r, 50))
			p.size = dg_chance(r, 50) ? 2 : 4;
		p.port = DG_ZONE_PORT + dg_below(r, DG_ZONE_SIZE - p.size + 1);
		return p;
	}
	p.in = true;
	if (dg_chance(r, 15)) {
		p.size = 2;
		p.port = pairs[dg_below(r, ARRAY_SIZE(pairs))];
		return p;
	}
	p.port = dg_chance(r, 50) ? 0x21 : 0xa1;
	return p;
}

/* Whether @reg holds a buffer address an access of @size may start at. */
static bool dg_holds_target(const struct dg_gen *g, struct dg_reg reg,
			    int size)
{
	u64 v, t;

	if (!dg_val_get(&g->st, reg, 8, &v))
		return false;
	t = v - g->params->scratch;
	return t < DG_SCRATCH_SIZE && dg_target_ok((int)t, size);
}

/*
 * INS or OUTS g->str, or the MOV that loads DX with its port or RSI/RDI
 * with a buffer address, if the register does not hold it: then it
 * returns false, the string I/O is still to come.  The first instruction
 * gets them from the initial registers.
 */
static bool dg_string_step(struct dg_gen *g)
{
	struct dg_port p = g->str;
	struct dg_reg rdx = { .num = RDX }, ptr = { .num = p.in ? RDI : RSI };
	struct dg_rng *r = &g->rng;
	bool rex_w;
	u64 v;

	if (g->st.dx != p.port) {
		v = (dg_value(r) & ~0xffffull) | p.port;
		if (g->idx) {
			while (!dg_mov_imm(g, 2 << dg_below(r, 3), rdx, v))
				g->in->len = 0;
			return false;
		}
		g->blk->gpr[RDX] = (g->blk->gpr[RDX] & ~0xffffull) | p.port;
		g->st.dx = p.port;
		g->st.val[RDX] = g->blk->gpr[RDX];
	}
	if (!dg_holds_target(g, ptr, p.size)) {
		v = g->params->scratch + dg_pick_target(g, p.size);
		if (g->idx) {
			dg_mov_imm(g, dg_chance(r, 50) ? 4 : 8, ptr, v);
			return false;
		}
		g->blk->gpr[ptr.num] = v;
		g->st.val[ptr.num] = v;
	}

	/*
	 * REX.W changes nothing.  Never with 66: CPUs and emulators disagree
	 * on the size of port I/O with both, and the module leaves such an
	 * instruction to the CPU (kc_io_size()), which would end the block.
	 */
	rex_w = p.size != 2 && dg_chance(r, 20);
	if (p.size == 2)
		dg_byte(g, 0x66);
	if (rex_w || dg_chance(r, 5))
		dg_byte(g, 0x40 | (rex_w ? 8 : 0) | dg_below(r, 8));
	dg_byte(g, (p.in ? 0x6c : 0x6e) | (p.size > 1));
	g->in->kind = DG_STRING;
	/* RSI or RDI moves by the size: DF is the block's throughout. */
	if (g->blk->rflags & DG_DF)
		g->st.val[ptr.num] -= p.size;
	else
		g->st.val[ptr.num] += p.size;
	return true;
}

/*
 * Whether the instruction at g->idx begins or goes on with string I/O,
 * and then it, from the string stream.
 */
static bool dg_string(struct dg_gen *g)
{
	struct dg_rng main = g->rng;

	if (!g->want_string && (!g->params->string_share ||
				!dg_chance(&g->srng, g->params->string_share)))
		return false;
	g->rng = g->srng;
	if (!g->want_string)
		g->str = dg_pick_string_port(&g->rng);
	g->want_string = !dg_string_step(g);
	g->srng = g->rng;
	g->rng = main;
	return true;
}

/* ---- stoppers ---- */

const char * const dg_stop_names[DG_NR_STOPS] = {
	[DG_STOP_NONE]		= "none",
	[DG_STOP_USER_PIO]	= "user OUT",
	[DG_STOP_USER_MMIO]	= "user MMIO MOV",
	[DG_STOP_MMIO_ALU]	= "user MMIO ALU",
	[DG_STOP_CODE_WRITE]	= "code write",
	[DG_STOP_FAULT]		= "fault",
	[DG_STOP_EVENT]		= "event",
};

/*
 * Which of the @nr_body instructions between the first and the last are
 * stoppers, and of which kind, from the stoppers' stream, in a block that
 * has them (g->stopping).  A block with an event stopper runs with IF
 * set, so that the interrupt its OUT unmasks is delivered there.
 */
static void dg_plan_stops(struct dg_gen *g, int nr_body)
{
	struct dg_rng *r = &g->trng;
	int i, n, at;

	g->stop_at = 0;
	g->want_stop = false;
	if (!g->stopping)
		return;
	n = 1 + dg_below(r, DG_MAX_STOPS);
	for (i = 0; i < n; i++) {
		at = 1 + dg_below(r, nr_body);
		g->stop_at |= 1ull << at;
		g->stop_kind[at] = 1 + dg_below(r, DG_NR_STOPS - 1);
	}
	for (at = 1; at <= nr_body; at++) {
		if ((g->stop_at & (1ull << at)) &&
		    g->stop_kind[at] == DG_STOP_EVENT)
			g->blk->rflags |= DG_IF;
	}
}

/* What the stopper's instruction returns (dg_stop_insn()). */
enum { DG_STOP_RETRY, DG_STOP_BEFORE, DG_STOP_DONE };

/* The stopper's own instruction is out. */
static int dg_stopper(struct dg_gen *g)
{
	g->in->kind = DG_STOPPER;
	g->in->stop = g->stop;
	g->blk->stops |= 1u << g->stop;
	return DG_STOP_DONE;
}

/* The first instruction of a stopper: draw what does not change. */
static void dg_stop_begin(struct dg_gen *g)
{
	struct dg_rng *r = &g->rng;

	g->stop_ready = false;
	g->stop_reg = -1;
	switch (g->stop) {
	case DG_STOP_USER_PIO:
		g->stop_port = (struct dg_port){ .port = DG_MID_PORT,
						 .size = 1 << dg_below(r, 3) };
		g->stop_dx = dg_chance(r, 50);
		break;
	case DG_STOP_EVENT:
		g->stop_port = (struct dg_port){ .port = 0x21, .size = 1 };
		g->stop_dx = dg_chance(r, 50);
		break;
	case DG_STOP_FAULT:
		g->stop_absent = dg_chance(r, 50);
		g->stop_disp_size = dg_below(r, 3);
		g->stop_disp_size += g->stop_disp_size == 2 ? 2 : 0;
		g->stop_disp = g->stop_disp_size == 1 ? (s8)dg_rand(r) :
			       g->stop_disp_size ? (s32)dg_rand(r) : 0;
		break;
	}
}

/* A load, store, ALU, CMP or TEST with memory: not LEA, which reads none. */
static bool dg_mem_access(struct dg_gen *g)
{
	unsigned int what = dg_below(&g->rng, 100);
	int size = dg_pick_size(g);

	if (what < 40)
		return dg_mem_mov(g, size);
	if (what < 55)
		return dg_mem_movx(g);
	if (what < 80)
		return dg_mem_alu(g, size);
	return dg_mem_cmp_test(g, size);
}

/* An access of the next instruction to the page at scratch offset @off. */
static bool dg_access_page(struct dg_gen *g, int off, bool (*fn)(struct dg_gen *))
{
	bool ok;

	g->lo = off;
	g->hi = off + 4096;
	ok = fn(g);
	g->lo = 0;
	g->hi = DG_SCRATCH_SIZE;
	return ok;
}

/*
 * MOV, MOVZX or MOVSX with MMIO: the module exits to userspace for it.
 * Not into AH-BH, which KVM cannot complete for it (the module stops
 * before such a load instead, as for DG_STOP_MMIO_ALU).
 */
static bool dg_mmio_mov(struct dg_gen *g)
{
	bool ok;

	g->no_hi8 = true;
	ok = dg_chance(&g->rng, 70) ? dg_mem_mov(g, dg_pick_size(g)) :
				      dg_mem_movx(g);
	g->no_hi8 = false;
	return ok;
}

/* ALU r, m; CMP or TEST m, r/imm with MMIO: left to the CPU and KVM. */
static bool dg_mmio_alu(struct dg_gen *g)
{
	int size = dg_pick_size(g);

	if (dg_chance(&g->rng, 50))
		return dg_mem_alu(g, size);
	return dg_mem_cmp_test(g, size);
}

static bool dg_noncanonical(u64 v)
{
	return (u64)((s64)(v << 16) >> 16) != v;
}

/*
 * An access through g->stop_reg plus g->stop_disp, which must be
 * non-canonical on every path here (a jump may land between the MOV that
 * loads the register and this): else the MOV comes (again) first.
 */
static int dg_stop_noncanonical(struct dg_gen *g)
{
	struct dg_reg reg = { .num = g->stop_reg };
	struct dg_addr a = { .base = g->stop_reg, .index = -1, .target = -1 };
	u64 v;

	if (!dg_val_get(&g->st, reg, 8, &v) ||
	    !dg_noncanonical(v + g->stop_disp)) {
		/* REX.W B8+r imm64: bits 63:62 = 10, so any disp32 keeps it so. */
		v = 1ull << 63 | dg_rand(&g->rng) >> 2;
		dg_byte(g, 0x48 | (reg.num >= 8));
		dg_byte(g, 0xb8 | (reg.num & 7));
		dg_imm(g, v, 8);
		dg_wrote_value(g, reg, 8, v);
		return DG_STOP_BEFORE;
	}
	a.disp = g->stop_disp;
	a.disp_size = g->stop_disp_size;
	/* mod 0 with base 5 (RBP, R13) means no base: a disp8 of 0. */
	if (!a.disp_size && (a.base & 7) == 5)
		a.disp_size = 1;
	a.sib = (a.base & 7) == RSP || dg_chance(&g->rng, 15);
	g->fixed_addr = &a;
	if (!dg_mem_access(g)) {
		g->fixed_addr = NULL;
		return DG_STOP_RETRY;
	}
	g->fixed_addr = NULL;
	return dg_stopper(g);
}

/*
 * A fault: an access to the page the guest does not map (#PF), or to a
 * non-canonical address (#GP, #SS through RSP or RBP), through a known
 * register whose value makes it so or one a MOV loads first.
 */
static int dg_stop_fault(struct dg_gen *g)
{
	int i, cand[DG_NR_GPRS], n = 0;
	struct dg_reg reg;
	u64 v;

	if (g->stop_absent)
		return dg_access_page(g, DG_ABSENT_OFF, dg_mem_access) ?
		       dg_stopper(g) : DG_STOP_RETRY;
	if (g->stop_reg < 0) {
		for (i = 0; i < DG_NR_GPRS; i++) {
			reg.num = i;
			reg.hi8 = false;
			if (dg_val_get(&g->st, reg, 8, &v) &&
			    dg_noncanonical(v + g->stop_disp))
				cand[n++] = i;
		}
		if (n && dg_chance(&g->rng, 50))
			g->stop_reg = cand[dg_below(&g->rng, n)];
		else
			g->stop_reg = dg_below(&g->rng, DG_NR_GPRS);
	}
	return dg_stop_noncanonical(g);
}

/*
 * MOV byte [RIP + disp32], imm8 into the block's own code, with the
 * byte already there: dg_assemble() sets both.  A REX prefix with B or
 * X changes nothing for RIP-relative operands.
 */
static int dg_stop_code_write(struct dg_gen *g)
{
	if (dg_chance(&g->rng, 15))
		dg_byte(g, 0x40 | dg_below(&g->rng, 4));
	dg_byte(g, 0xc6);
	dg_byte(g, 0x05);
	g->in->code_disp = g->in->len;
	g->in->code_pick = dg_rand(&g->rng);
	dg_imm(g, 0, 5);
	return dg_stopper(g);
}

/* An OUT of AL to the master 8259's IMR that unmasks DG_EVENT_IRQ. */
static int dg_stop_event(struct dg_gen *g)
{
	struct dg_reg al = { .num = RAX };

	if (!g->stop_ready) {
		g->stop_ready = true;
		dg_mov_imm(g, 1, al, dg_rand(&g->rng) & ~(1u << DG_EVENT_IRQ));
		return DG_STOP_BEFORE;
	}
	return dg_io(g, g->stop_port, g->stop_dx) ? dg_stopper(g) :
						     DG_STOP_BEFORE;
}

/* The next instruction of stopper g->stop, or one it needs before it. */
static int dg_stop_insn(struct dg_gen *g)
{
	switch (g->stop) {
	case DG_STOP_USER_PIO:
		return dg_io(g, g->stop_port, g->stop_dx) ? dg_stopper(g) :
							     DG_STOP_BEFORE;
	case DG_STOP_USER_MMIO:
		return dg_access_page(g, DG_MMIO_OFF, dg_mmio_mov) ?
		       dg_stopper(g) : DG_STOP_RETRY;
	case DG_STOP_MMIO_ALU:
		return dg_access_page(g, DG_MMIO_OFF, dg_mmio_alu) ?
		       dg_stopper(g) : DG_STOP_RETRY;
	case DG_STOP_CODE_WRITE:
		return dg_stop_code_write(g);
	case DG_STOP_FAULT:
		return dg_stop_fault(g);
	default:
		return dg_stop_event(g);
	}
}

/*
 * Whether the instruction at g->idx is a stopper, or one it needs first,
 * and then it, from the stoppers' stream.
 */
static bool dg_stop(struct dg_gen *g)
{
	struct dg_rng main = g->rng;
	int r;

	if (!g->want_stop) {
		if (!(g->stop_at & (1ull << g->idx)))
			return false;
		g->stop = g->stop_kind[g->idx];
	}
	g->rng = g->trng;
	if (!g->want_stop)
		dg_stop_begin(g);
	do {
		g->in->len = 0;
		g->in->rip_disp = 0;
		g->in->kind = DG_OTHER;
		r = dg_stop_insn(g);
	} while (r == DG_STOP_RETRY);
	g->want_stop = r == DG_STOP_BEFORE;
	g->trng = g->rng;
	g->rng = main;
	return true;
}

/* ---- blocks ---- */

/* The instruction at g->idx, other than the first and the last. */
static void dg_body_insn(struct dg_gen *g)
{
	unsigned int what;
	int size;
	bool done;

	do {
		g->in->len = 0;
		g->in->rip_disp = 0;
		if (dg_stop(g))
			return;
		if (g->want_io) {
			g->want_io = !dg_io(g, g->io, g->io_dx);
			return;
		}
		if (dg_string(g))
			return;
		if (g->params->mem_share &&
		    dg_chance(&g->rng, g->params->mem_share)) {
			done = dg_mem_insn(g);
			continue;
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

/*
 * Code write @i stores the byte at offset code_pick modulo the block's
 * length, which must be set already: not one of the displacement or
 * immediate of a code write, for which it takes that instruction's first
 * byte instead.
 */
static void dg_code_write(struct dg_block *blk, int i)
{
	struct dg_insn *in = &blk->insn[i], *t;
	int at = in->code_pick % blk->len, j = 0, disp;

	while (blk->off[j + 1] <= at)
		j++;
	t = &blk->insn[j];
	if (t->code_disp && at - blk->off[j] >= t->code_disp)
		at = blk->off[j];
	disp = at - blk->off[i + 1];
	memcpy(&in->bytes[in->code_disp], &disp, 4);
	in->bytes[in->code_disp + 4] = t->bytes[at - blk->off[j]];
}

/*
 * Lay out the instructions, with rel8 jumps made rel32 where needed, then
 * set the displacements of jumps, RIP-relative operands and code writes.
 */
static void dg_assemble(struct dg_block *blk, const struct dg_params *p)
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

		if (in->rip_disp) {
			disp = p->scratch + in->rip_target - (p->code + blk->off[i + 1]);
			memcpy(&b[in->rip_disp], &disp, 4);
		}
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
	for (i = 0; i < blk->nr_insns; i++) {
		if (blk->insn[i].code_disp)
			dg_code_write(blk, i);
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
	dg_plan_stops(g, nr_body);
	if (g->params->mem_share)
		dg_address_registers(g);
	g->st = (struct dg_state){ .live = true, .defined = DG_ARITH,
				   .cl = blk->gpr[RCX] & 0xff,
				   .dx = blk->gpr[RDX] & 0xffff,
				   .known = (u16)~0u };
	memcpy(g->st.val, blk->gpr, sizeof(g->st.val));
	for (i = 0; i < DG_MAX_INSNS; i++)
		g->pending[i] = dead;

	g->want_io = false;
	g->want_string = false;
	g->last = nr_body + 1;
	blk->nr_insns = nr_body + 2;
	for (g->idx = 0; g->idx <= g->last; g->idx++) {
		g->in = &blk->insn[g->idx];
		g->st = dg_join(g->st, g->pending[g->idx]);
		if (!g->st.live)	/* dead code: anything goes */
			g->st = (struct dg_state){ .cl = -1, .dx = -1,
						   .defined = DG_ARITH };
		if (g->idx == 0) {
			if (!dg_string(g))
				dg_new_io(g);
		} else if (g->idx == g->last) {
			dg_end(g);
		} else {
			dg_body_insn(g);
		}
	}
	dg_assemble(blk, g->params);
	if (blk->len > DG_MAX_BYTES)
		return;
	for (i = 0; i < blk->nr_insns; i++)
		memcpy(&blk->code[blk->off[i]], blk->insn[i].bytes,
		       blk->insn[i].len);
}

/*
 * The scratch buffer before block @index: values worth computing with,
 * from a stream of their own, which leaves the blocks' draws alone.
 */
static void dg_fill_scratch(u64 seed, u64 index, struct dg_block *blk)
{
	struct dg_rng r = { .s = ~seed ^ (index * 0x9e6c63d0676a9a99ull) };
	u64 v;
	int i;

	for (i = 0; i < DG_SCRATCH_SIZE; i += sizeof(v)) {
		v = dg_value(&r);
		memcpy(&blk->mem[i], &v, sizeof(v));
	}
}

void dg_generate(u64 seed, u64 index, const struct dg_params *p,
		 struct dg_block *blk)
{
	struct dg_gen g = { .rng.s = seed ^ (index * 0xd1b54a32d192ed03ull),
			    .srng.s = seed ^ 0x5851f42d4c957f2dull ^
				      (index * 0xe7037ed1a0b428dbull),
			    .trng.s = seed ^ 0x2545f4914f6cdd1dull ^
				      (index * 0x8cb92ba72f3d8dd7ull),
			    .params = p, .hi = DG_SCRATCH_SIZE };
	int nr_body;

	dg_rand(&g.rng);
	g.stopping = p->stop_share && dg_chance(&g.trng, p->stop_share);
	nr_body = dg_chance(&g.rng, 50) ? 1 + dg_below(&g.rng, 12) :
		  1 + dg_below(&g.rng, DG_MAX_INSNS - 2);
	for (;;) {
		dg_try(&g, blk, nr_body);
		if (blk->len <= DG_MAX_BYTES)
			break;
		nr_body = nr_body * 3 / 4;
	}
	dg_fill_scratch(seed, index, blk);
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
