// SPDX-License-Identifier: GPL-2.0
/*
 * Block executor: run a block's decoded instructions directly on the
 * vCPU's state, during the exit that the block's first instruction
 * caused, or after userspace completed one of its accesses.
 *
 * Registers are read once through KVM's register cache and written back
 * once, with RIP after the last instruction executed.  Arithmetic runs
 * as the same instruction on this CPU, flags included (alu.c), so RFLAGS
 * are the CPU's wherever a block stops.  Accesses go where access.c
 * sends them: guest RAM, an in-kernel device, or nowhere.
 *
 * INS and OUTS (no REP) move data between port DX and the memory at RDI
 * or RSI through the same paths; INS checks its destination before it
 * reads the port, whose side effects cannot be undone.
 *
 * An IN or OUT after the first instruction that no in-kernel device takes
 * ends the run at that instruction, for userspace to complete it, and so
 * does a MOV, MOVZX or MOVSX to or from MMIO that no in-kernel device
 * takes, for KVM's emulator to run it; hook.c resumes the block after it.
 *
 * A run also stops, leaving the guest to resume natively at the next
 * instruction, where policy.c says so (a pending event or signal, I/O
 * the guest's CPL may not make, a jump while branches are recorded), at
 * any other access no in-kernel device takes, at a memory access that
 * would fault (the guest's CPU then takes the fault itself, at the right
 * instruction), after a write to the block's own code, and after a write
 * to the local APIC's TPR (see kc_is_tpr()).
 */
#include <linux/kvm_host.h>

#include "kvm_cache_regs.h"
#include "x86.h"

#include "access.h"
#include "kvm_coalesce.h"

/* The decoder numbers registers as KVM does: both count RAX to R15. */
static_assert(VCPU_REGS_RAX == (int)KC_RAX);
static_assert(VCPU_REGS_R15 == (int)KC_R15);

/*
 * The guest state a block works on, loaded once and written back once;
 * only the registers the block uses are loaded.
 */
struct kc_state {
	unsigned long gpr[KC_NR_GPRS];
	unsigned long rflags;
	u16 dirty;		/* registers written */
	struct kc_access_env env;
	gpa_t code_gpa;		/* the block's code, for writes to it */
	unsigned int code_len;
	enum kc_stop stop_after;	/* stop after this instruction, why */
	s8 branches_recorded;	/* -1 until the first jump asks */
	u64 requests_seen;	/* kc_vcpu_interrupted()'s */
	bool user_known;	/* the last port was known to be userspace's */
};

/* What one out-of-line instruction did. */
enum kc_step {
	KC_STEP_RAN,		/* ran, with no device access */
	KC_STEP_RAN_IO,		/* ran, and a device took its access */
	KC_STEP_STOP,		/* did not run: the block stops before it */
	KC_STEP_USER,		/* did not run: its access is userspace's */
};

static __always_inline u64 kc_get(const struct kc_state *s, struct kc_opnd o,
				  int size)
{
	u64 v = s->gpr[o.reg];

	if (o.hi8)
		v >>= 8;
	return v & kc_width_mask(size);
}

/* Writes of 32 bits zero-extend; 8 and 16 bits keep the rest. */
static __always_inline void kc_set(struct kc_state *s, struct kc_opnd o,
				   int size, u64 v)
{
	unsigned long *r = &s->gpr[o.reg];

	if (size == 1 && o.hi8)
		*r = (*r & ~0xff00ul) | ((v & 0xff) << 8);
	else if (size == 4)
		*r = (u32)v;
	else
		*r = (*r & ~kc_width_mask(size)) | (v & kc_width_mask(size));
	s->dirty |= BIT(o.reg);
}

static __always_inline u64 kc_src(const struct kc_state *s,
				  const struct kc_insn *k)
{
	if (k->has_src)
		return kc_get(s, k->src, k->size);
	return (u64)k->imm & kc_width_mask(k->size);
}

static bool kc_alu_writes(const struct kc_insn *k)
{
	return k->sub != KC_ALU_CMP && k->sub != KC_ALU_TEST;
}

static void kc_exec_alu(struct kc_state *s, const struct kc_insn *k)
{
	u64 r = kc_alu_op(k->sub, k->size, kc_get(s, k->dst, k->size),
			  kc_src(s, k), &s->rflags);

	if (kc_alu_writes(k))
		kc_set(s, k->dst, k->size, r);
}

static void kc_exec_unary(struct kc_state *s, const struct kc_insn *k)
{
	u64 r = kc_unary_op(k->sub, k->size, kc_get(s, k->dst, k->size),
			    &s->rflags);

	kc_set(s, k->dst, k->size, r);
}

static void kc_exec_shift(struct kc_state *s, const struct kc_insn *k)
{
	u8 count = k->has_src ? (u8)s->gpr[KC_RCX] : (u8)k->imm;
	u64 r = kc_shift_op(k->sub, k->size, kc_get(s, k->dst, k->size), count,
			    &s->rflags);

	kc_set(s, k->dst, k->size, r);
}

/*
 * Whether condition @cc (the low nibble of Jcc's opcode) holds: an odd
 * @cc negates the even one below it.  Only the flags it tests are read.
 */
static bool kc_cond(u8 cc, unsigned long fl)
{
	bool sf = fl & X86_EFLAGS_SF, of = fl & X86_EFLAGS_OF;
	bool r;

	if (cc == KC_CC_ALWAYS)
		return true;
	switch (cc >> 1) {
	case 0:				/* O */
		r = of;
		break;
	case 1:				/* B */
		r = fl & X86_EFLAGS_CF;
		break;
	case 2:				/* E */
		r = fl & X86_EFLAGS_ZF;
		break;
	case 3:				/* BE */
		r = fl & (X86_EFLAGS_CF | X86_EFLAGS_ZF);
		break;
	case 4:				/* S */
		r = sf;
		break;
	case 5:				/* P */
		r = fl & X86_EFLAGS_PF;
		break;
	case 6:				/* L */
		r = sf != of;
		break;
	default:			/* LE */
		r = (fl & X86_EFLAGS_ZF) || sf != of;
		break;
	}
	return r != (cc & 1);
}

/* Whether the guest records branches; asked at a run's first jump. */
static bool kc_jump_recorded(struct kc_state *s)
{
	if (s->branches_recorded < 0)
		s->branches_recorded = kc_branches_recorded(s->env.vcpu);
	return s->branches_recorded;
}

/* The port of IN, OUT, INS or OUTS @k: DX, or the immediate. */
static u16 kc_port(const struct kc_state *s, const struct kc_insn *k)
{
	return k->port_dx ? (u16)s->gpr[KC_RDX] : (u8)k->imm;
}

/* IN or OUT @k; false if no in-kernel device takes the port. */
static bool kc_exec_io(struct kc_state *s, const struct kc_insn *k)
{
	struct kc_opnd rax = { .reg = KC_RAX };
	u16 port = kc_port(s, k);
	u64 val;

	/* Known to be userspace's: KVM's own path tries the bus anyway. */
	s->user_known = kc_user_port_known(s->env.vm, s->env.vcpu->kvm, port);
	if (s->user_known)
		return false;
	if (k->op == KC_OP_OUT)
		return kc_pio_write(&s->env, port, k->size,
				    kc_get(s, rax, k->size));
	if (!kc_pio_read(&s->env, port, k->size, &val))
		return false;
	kc_set(s, rax, k->size, val);
	return true;
}

/*
 * The step for an access that did not happen (@acc): only MMIO that
 * userspace takes can be left to KVM's emulator; else, why to stop.
 */
static enum kc_step kc_no_access(struct kc_state *s, enum kc_acc acc)
{
	if (acc == KC_ACC_USER)
		return KC_STEP_USER;
	s->stop_after = acc == KC_ACC_FAULT ? KC_STOP_FAULT : KC_STOP_USER_IO;
	return KC_STEP_STOP;
}

/* A write of @size bytes at @gpa went to RAM: maybe the block's code. */
static void kc_ram_written(struct kc_state *s, gpa_t gpa, unsigned int size)
{
	if (gpa < s->code_gpa + s->code_len && gpa + size > s->code_gpa)
		s->stop_after = KC_STOP_CODE_WRITE;
}

/*
 * The step for a store of @size bytes at @gpa that went where @acc says:
 * after a write to the block's code or to the TPR, stop.
 */
static enum kc_step kc_stored(struct kc_state *s, enum kc_acc acc, gpa_t gpa,
			      unsigned int size)
{
	if (acc == KC_ACC_RAM) {
		kc_ram_written(s, gpa, size);
		return KC_STEP_RAN;
	}
	if (kc_is_tpr(gpa))
		s->stop_after = KC_STOP_TPR;
	return KC_STEP_RAN_IO;
}

/*
 * INS or OUTS @k: port DX from or to the memory at RDI (ES) or RSI (DS),
 * whose bases are 0 in 64-bit mode (the decoder refuses segment
 * overrides and the address-size prefix), then RDI or RSI moves by the
 * access size, down if RFLAGS.DF is set.  If no in-kernel device takes
 * the port, nothing happened but, for OUTS from MMIO, the read of the
 * source, which for the in-kernel devices (local APIC, IOAPIC) has no
 * side effect.
 */
static noinline enum kc_step kc_exec_string(struct kc_state *s,
					    const struct kc_insn *k)
{
	u8 ptr = k->op == KC_OP_INS ? KC_RDI : KC_RSI;
	u16 port = kc_port(s, k);
	enum kc_acc acc;
	gpa_t gpa = INVALID_GPA;
	u64 val;

	if (k->op == KC_OP_OUTS) {
		acc = kc_access(&s->env, s->gpr[ptr], k->size, false, &val,
				&gpa);
		if (acc != KC_ACC_RAM && acc != KC_ACC_DEVICE)
			goto stop;
		if (!kc_pio_write(&s->env, port, k->size, val))
			goto stop_port;
	} else {
		acc = kc_ins_target(&s->env, s->gpr[ptr], k->size, &gpa);
		if (acc != KC_ACC_RAM)
			goto stop;
		if (!kc_pio_read(&s->env, port, k->size, &val))
			goto stop_port;
		kc_ins_store(&s->env, gpa, k->size, val);
		kc_ram_written(s, gpa, k->size);
	}
	if (s->rflags & X86_EFLAGS_DF)
		s->gpr[ptr] -= k->size;
	else
		s->gpr[ptr] += k->size;
	s->dirty |= BIT(ptr);
	return KC_STEP_RAN_IO;

stop_port:
	acc = KC_ACC_DECLINED;
stop:
	/* Only the accesses of MOV-like instructions go to the emulator. */
	return kc_no_access(s, acc == KC_ACC_USER ? KC_ACC_DECLINED : acc);
}

/* The size of @k's memory access: MOVZX and MOVSX read their source's. */
static unsigned int kc_mem_size(const struct kc_insn *k)
{
	if (k->op == KC_OP_MOVZX || k->op == KC_OP_MOVSX)
		return k->src_size;
	return k->size;
}

/*
 * Whether KVM's emulator can run @k for userspace in the middle of a
 * block: a store of MOV, or a load of MOV, MOVZX or MOVSX into a
 * register other than AH, CH, DH or BH.  Other accesses to userspace
 * MMIO stop the block before them, and the CPU exits for them.
 */
static bool kc_emulate_ok(const struct kc_insn *k)
{
	if (k->op == KC_OP_MOV && k->mem_use == KC_MEM_DST)
		return true;
	return (k->op == KC_OP_MOV || k->op == KC_OP_MOVZX ||
		k->op == KC_OP_MOVSX) && !k->dst.hi8;
}

/* A load's value @val into the destination of @k. */
static void kc_exec_loaded(struct kc_state *s, const struct kc_insn *k,
			   u64 val)
{
	u64 r;

	switch (k->op) {
	case KC_OP_MOV:
	case KC_OP_MOVZX:
		kc_set(s, k->dst, k->size, val);
		break;
	case KC_OP_MOVSX:
		kc_set(s, k->dst, k->size, kc_sign_extend(val, k->src_size));
		break;
	case KC_OP_ALU:
		if (k->mem_use == KC_MEM_DST) {		/* CMP, TEST */
			kc_alu_op(k->sub, k->size, val, kc_src(s, k), &s->rflags);
			break;
		}
		r = kc_alu_op(k->sub, k->size, kc_get(s, k->dst, k->size), val,
			      &s->rflags);
		if (kc_alu_writes(k))
			kc_set(s, k->dst, k->size, r);
		break;
	}
}

/* Whether @k, which has a memory operand, writes it. */
static bool kc_mem_store(const struct kc_insn *k)
{
	return k->op == KC_OP_MOV && k->mem_use == KC_MEM_DST;
}

/* @k, which has a memory operand or is LEA, at @rip. */
static noinline enum kc_step kc_exec_mem(struct kc_state *s,
					 const struct kc_insn *k,
					 unsigned long rip)
{
	u64 addr = kc_mem_linear(k, s->gpr, rip), val;
	unsigned int size = kc_mem_size(k);
	bool store = kc_mem_store(k);
	gpa_t gpa = INVALID_GPA;
	enum kc_acc acc;

	if (k->op == KC_OP_LEA) {
		kc_set(s, k->dst, k->size, addr);
		return KC_STEP_RAN;
	}
	if (store)
		val = kc_src(s, k);
	acc = kc_access(&s->env, addr, size, store, &val, &gpa);
	if (acc != KC_ACC_RAM && acc != KC_ACC_DEVICE) {
		if (acc == KC_ACC_USER && !kc_emulate_ok(k))
			acc = KC_ACC_DECLINED;
		return kc_no_access(s, acc);
	}
	if (store)
		return kc_stored(s, acc, gpa, size);
	kc_exec_loaded(s, k, val);
	return acc == KC_ACC_DEVICE ? KC_STEP_RAN_IO : KC_STEP_RAN;
}

/*
 * @k, the @i-th instruction, at @rip, which has a memory operand, is
 * LEA, INS or OUTS.
 */
static enum kc_step kc_exec_slow(struct kc_state *s, const struct kc_insn *k,
				 unsigned int i, unsigned long rip)
{
	if (!kc_is_string_io(k))
		return kc_exec_mem(s, k, rip);
	if (i && !kc_io_allowed(s->env.cpl, s->rflags)) {
		s->stop_after = KC_STOP_IOPL;
		return KC_STEP_STOP;
	}
	return kc_exec_string(s, k);
}

/*
 * Load the registers in @regs (BIT(kc_reg)), and the flags and CPL of
 * @exit.  The others are never read (kc_scan() computed @regs from the
 * operands).
 */
static void kc_load(struct kvm_vcpu *vcpu, const struct kc_exit *exit,
		    struct kc_state *s, u16 regs)
{
	unsigned int i;

	/* Set bits only: a block uses a few of the sixteen registers. */
	for (; regs; regs &= regs - 1) {
		i = __ffs(regs);
		s->gpr[i] = kvm_register_read_raw(vcpu, i);
	}
	s->rflags = exit->rflags;
	s->dirty = 0;
	s->env.vcpu = vcpu;
	s->env.cpl = exit->cpl;
	s->env.ac = s->rflags & X86_EFLAGS_AC;
}

static void kc_store(struct kvm_vcpu *vcpu, struct kc_state *s,
		     unsigned long rflags, unsigned long rip)
{
	unsigned int i;
	u16 dirty;

	for (dirty = s->dirty; dirty; dirty &= dirty - 1) {
		i = __ffs(dirty);
		kvm_register_write_raw(vcpu, i, s->gpr[i]);
	}
	/*
	 * kvm_set_rflags() also asks for event processing at the next entry,
	 * for a change of IF; a block changes only arithmetic flags, and
	 * those need no more than the vendor's write (guest_debug, which
	 * kvm_set_rflags() also handles, makes the module decline).
	 */
	if ((s->rflags ^ rflags) & X86_EFLAGS_IF)
		kvm_set_rflags(vcpu, s->rflags);
	else if (s->rflags != rflags)
		kvm_x86_call(set_rflags)(vcpu, s->rflags);
	kvm_rip_write(vcpu, rip);
}

/*
 * Whether @k, the block's first instruction, is the port I/O that exited:
 * the code read may not be what the CPU ran, if another vCPU rewrote it
 * meanwhile.  A string exit must be INS or OUTS (REP forms never decode)
 * and any other one IN or OUT.  The MMIO access is checked by
 * kc_access(), as KVM does.
 */
static bool kc_is_exiting_pio(const struct kc_state *s,
			      const struct kc_insn *k,
			      const struct kc_exit *exit)
{
	bool in = k->op == KC_OP_IN || k->op == KC_OP_INS;

	return kc_is_string_io(k) == (exit->kind == KC_EXIT_STRING_PIO) &&
	       in == exit->in && k->size == exit->size &&
	       kc_port(s, k) == exit->port;
}

/*
 * Whether @blk's instruction at offset @exit->start (0: the exiting one)
 * may run at this exit, and which it is.
 */
static bool kc_exec_first(const struct kc_block *blk,
			  const struct kc_exit *exit, const struct kc_state *s,
			  unsigned int *first)
{
	unsigned int i, off = 0;

	if (exit->kind == KC_EXIT_RESUME) {
		for (i = 0; i < blk->nr_insns && off < exit->start; i++)
			off += blk->insns[i].len;
		*first = i;
		return off == exit->start && i < blk->nr_insns;
	}

	/* The block must start with the kind of access that exited. */
	*first = 0;
	if (exit->kind == KC_EXIT_MMIO)
		return blk->insns[0].mem_use != KC_MEM_NONE;
	return kc_is_exiting_pio(s, &blk->insns[0], exit);
}

/* The IN or OUT @k, or the instruction @k, of @blk is RIP's. */
static void kc_exec_leave(struct kc_result *res, enum kc_outcome outcome,
			  const struct kc_state *s, const struct kc_block *blk,
			  const struct kc_insn *k)
{
	bool in = k->op == KC_OP_IN;

	res->outcome = outcome;
	res->next_insn = k - blk->insns;
	res->insn_len = k->len;
	if (outcome == KC_USER_PIO) {
		res->port = kc_port(s, k);
		res->size = k->size;
		res->in = in;
		res->user_known = s->user_known;
	}
}

/*
 * Run @blk's instructions, up to the @nr_insns-th, from RIP, which is at
 * offset @exit->start in the block: 0 at an exit for the block's first
 * instruction, later when the block resumes after userspace.  What
 * happened is in @res; if the first instruction could not run, nothing
 * changed.
 */
void kc_exec(struct kc_vm *vm, struct kvm_vcpu *vcpu,
	     const struct kc_exit *exit, const struct kc_block *blk,
	     unsigned int nr_insns, struct kc_result *res)
{
	unsigned long base = exit->rip - exit->start, rflags;
	unsigned int i, off = exit->start;
	/* A resumed block looks for events before its first instruction. */
	bool after_io = exit->kind == KC_EXIT_RESUME;
	struct kc_state s __uninitialized;
	enum kc_step step;
	u64 target;

	memset(res, 0, sizeof(*res));
	res->outcome = KC_RAN;
	s.env.vm = vm;
	kc_load(vcpu, exit, &s, blk->regs);
	if (!kc_exec_first(blk, exit, &s, &i)) {
		res->outcome = KC_DECLINED;
		return;
	}
	rflags = s.rflags;
	s.env.exit_gpa = exit->gpa;
	s.code_gpa = blk->gpa;
	s.code_len = blk->len;
	s.stop_after = KC_STOP_NONE;
	s.branches_recorded = -1;
	s.requests_seen = KC_REQUESTS_UNSEEN;
	s.user_known = false;

	while (i < nr_insns) {
		const struct kc_insn *k = &blk->insns[i];

		/*
		 * Only I/O can make an event deliverable here: the other
		 * instructions a block may hold cannot change IF, and an
		 * event from elsewhere may as well have arrived a few
		 * instructions later.  So look after each I/O instruction.
		 */
		if (after_io &&
		    kc_vcpu_interrupted(vcpu, s.rflags, &s.requests_seen)) {
			res->stop = KC_STOP_EVENT;
			break;
		}
		after_io = false;

		/* Kept out of line: register-only blocks are the hot path. */
		if (unlikely(k->slow)) {
			step = kc_exec_slow(&s, k, i, base + off);
			/* The exit's own access is KVM's to send to userspace. */
			if (step == KC_STEP_USER && !i) {
				res->stop = KC_STOP_USER_IO;
				res->user_read = !kc_mem_store(k);
				break;
			}
			if (step == KC_STEP_USER) {
				kc_exec_leave(res, KC_EMULATE, &s, blk, k);
				break;
			}
			if (step == KC_STEP_STOP) {
				res->stop = s.stop_after;
				break;
			}
			s.env.exit_gpa = INVALID_GPA;
			after_io = step == KC_STEP_RAN_IO;
			res->io += after_io;
			res->ran++;
			off += k->len;
			i++;
			/* The code that follows, or the TPR, changed. */
			if (s.stop_after != KC_STOP_NONE) {
				res->stop = s.stop_after;
				break;
			}
			continue;
		}

		switch (k->op) {
		case KC_OP_IN:
		case KC_OP_OUT:
			/* The CPU checked the exiting one before the exit. */
			if (i && !kc_io_allowed(s.env.cpl, s.rflags)) {
				res->stop = KC_STOP_IOPL;
				goto out;
			}
			if (!kc_exec_io(&s, k)) {
				if (i)
					kc_exec_leave(res, KC_USER_PIO, &s,
						      blk, k);
				else
					res->stop = KC_STOP_USER_IO;
				goto out;
			}
			res->io++;
			after_io = true;
			break;
		case KC_OP_MOV:
			kc_set(&s, k->dst, k->size, kc_src(&s, k));
			break;
		case KC_OP_MOVZX:
			kc_set(&s, k->dst, k->size, kc_get(&s, k->src, k->src_size));
			break;
		case KC_OP_MOVSX:
			kc_set(&s, k->dst, k->size,
			       kc_sign_extend(kc_get(&s, k->src, k->src_size),
					      k->src_size));
			break;
		case KC_OP_ALU:
			kc_exec_alu(&s, k);
			break;
		case KC_OP_UNARY:
			kc_exec_unary(&s, k);
			break;
		case KC_OP_SHIFT:
			kc_exec_shift(&s, k);
			break;
		case KC_OP_JCC:
			if (kc_jump_recorded(&s)) {
				res->stop = KC_STOP_BRANCH_RECORD;
				goto out;
			}
			if (!kc_cond(k->sub, s.rflags))
				break;
			/*
			 * A jump out of the block is left to the guest's CPU,
			 * which checks its target; one inside lands on an
			 * instruction boundary (kc_scan() made sure).
			 */
			target = (u64)off + k->len + k->imm;
			if (target > blk->len)
				goto out;
			res->ran++;
			off += k->len;
			i++;
			while (off < target && i < nr_insns)
				off += blk->insns[i++].len;
			/* Past the instructions this run may execute: stop there. */
			if (off < target) {
				off = target;
				goto out;
			}
			continue;
		case KC_OP_NOP:
		case KC_OP_LEA:		/* handled above, as are: */
		case KC_OP_INS:
		case KC_OP_OUTS:
			break;
		}
		res->ran++;
		off += k->len;
		i++;
	}
out:
	res->next = off;
	if (res->ran)
		kc_store(vcpu, &s, rflags, base + off);
	else if (res->outcome == KC_RAN)
		res->outcome = KC_DECLINED;
	/* The exit's own access: no in-kernel device takes it. */
	if (res->outcome == KC_DECLINED)
		res->user_io = res->stop == KC_STOP_USER_IO;
}
