// SPDX-License-Identifier: GPL-2.0
/*
 * Block executor: run a block's decoded instructions directly on the
 * vCPU's state, during the exit that the block's first instruction
 * caused.
 *
 * Registers are read once through KVM's register cache and written back
 * once, with RIP after the last instruction executed.  Arithmetic runs
 * as the same instruction on this CPU, flags included (alu.c), so RFLAGS
 * are the CPU's wherever a block stops.  Port I/O goes through
 * KVM's PIO bus, i.e. to the in-kernel devices only.  Memory operands are
 * translated by KVM's walk of the guest's page tables, with the
 * permissions of the access at the guest's CPL (SMAP, SMEP and protection
 * keys included), and then go to guest RAM through KVM's guest memory
 * helpers (which mark the page dirty) or, where no RAM is, to the local
 * APIC and KVM's MMIO bus, as KVM's emulator sends them.
 *
 * INS and OUTS (no REP) move data between port DX and the memory at RDI
 * or RSI through the same paths; INS checks its destination before it
 * reads the port, whose side effects cannot be undone.
 *
 * An IN or OUT after the first instruction that no in-kernel device takes
 * ends this run of the block at that instruction, and so does a MOV,
 * MOVZX or MOVSX to or from MMIO that no in-kernel device takes; the
 * caller exits to userspace for it and resumes the block after it
 * (hook.c).
 *
 * Execution stops, leaving the guest to resume natively at the next
 * instruction, when the vCPU has an event to inject or a signal pending
 * (so that an interrupt an OUT made deliverable is taken where the
 * guest's CPU would take it), at any other MMIO access, INS or OUTS no
 * in-kernel device accepts, at an I/O instruction the guest's CPL may not
 * execute, at a memory access that would fault (the guest's CPU then
 * takes the fault itself, at the right instruction), after a write to the
 * block's own code, and after a write to the local APIC's TPR (see
 * kc_mmio()).
 */
#include <linux/kvm_host.h>
#include <linux/sched/signal.h>

#include "cpuid.h"
#include "kvm_cache_regs.h"
#include "lapic.h"
#include "mmu.h"
#include "mmu/page_track.h"
#include "x86.h"

#include "kvm_coalesce.h"

/*
 * The guest state a block works on, loaded once and written back once;
 * only the registers the block uses are loaded.
 */
struct kc_state {
	unsigned long gpr[KC_NR_GPRS];
	unsigned long rflags;
	u16 dirty;		/* registers written */
	int cpl;
	gpa_t exit_gpa;		/* MMIO exit, until the exiting access ran */
	gpa_t code_gpa;		/* the block's code, for writes to it */
	unsigned int code_len;
	enum kc_stat stop_after;	/* stop after this instruction, why */
	gpa_t user_gpa;		/* of an access no in-kernel device took */
	s8 branches_recorded;	/* -1 until the first jump asks */
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
	u8 count = k->has_src ? (u8)s->gpr[VCPU_REGS_RCX] : (u8)k->imm;
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

/*
 * Whether the guest records the branches it executes: last branch
 * records or single-stepping on branches (DEBUGCTL.LBR, .BTF), or Intel
 * PT tracing (RTIT_CTL.TraceEn), which notes every conditional branch,
 * taken or not.  The executor records none, so a block stops before its
 * first jump then; its other instructions leave no trace.
 */
static bool kc_branches_recorded(struct kvm_vcpu *vcpu, struct kc_state *s)
{
	u64 debugctl = 0, rtit_ctl = 0;

	if (s->branches_recorded < 0) {
		kvm_get_msr(vcpu, MSR_IA32_DEBUGCTLMSR, &debugctl);
		if (guest_cpuid_has(vcpu, X86_FEATURE_INTEL_PT))
			kvm_get_msr(vcpu, MSR_IA32_RTIT_CTL, &rtit_ctl);
		s->branches_recorded =
			(debugctl & (DEBUGCTLMSR_LBR | DEBUGCTLMSR_BTF)) ||
			(rtit_ctl & RTIT_CTL_TRACEEN);
	}
	return s->branches_recorded;
}

/* The port of IN or OUT @k: DX, or the immediate. */
static u16 kc_port(const struct kc_state *s, const struct kc_insn *k)
{
	return k->port_dx ? (u16)s->gpr[VCPU_REGS_RDX] : (u8)k->imm;
}

/*
 * IN or OUT through the PIO bus.  Returns 0, or -EOPNOTSUPP if no
 * in-kernel device takes the port, in which case nothing happened.
 */
static int kc_exec_io(struct kvm_vcpu *vcpu, struct kc_state *s,
		      const struct kc_insn *k)
{
	u16 port = kc_port(s, k);
	struct kc_opnd rax = { .reg = VCPU_REGS_RAX };
	u64 val = 0;

	if (k->op == KC_OP_OUT) {
		val = kc_get(s, rax, k->size);
		return kvm_io_bus_write(vcpu, KVM_PIO_BUS, port, k->size, &val);
	}
	if (kvm_io_bus_read(vcpu, KVM_PIO_BUS, port, k->size, &val))
		return -EOPNOTSUPP;
	kc_set(s, rax, k->size, val);
	return 0;
}

/*
 * Translate a data access of @size bytes at @addr as the guest's CPU
 * would, at the guest's CPL.  -EFAULT where the CPU would fault (or
 * split the access across pages, which is left to it as well).
 */
static int kc_translate_data(struct kvm_vcpu *vcpu, const struct kc_state *s,
			     u64 addr, unsigned int size, bool write,
			     gpa_t *gpa)
{
	struct kvm_mmu *mmu = vcpu->arch.walk_mmu;
	struct x86_exception fault;
	u64 access = write ? PFERR_WRITE_MASK : 0;

	if (is_noncanonical_address(addr, vcpu, 0) ||
	    offset_in_page(addr) + size > PAGE_SIZE)
		return -EFAULT;
	if (s->cpl == 3) {
		access |= PFERR_USER_MASK;
		/* Alignment checking: #AC. */
		if ((addr & (size - 1)) && (s->rflags & X86_EFLAGS_AC) &&
		    kvm_is_cr0_bit_set(vcpu, X86_CR0_AM))
			return -EFAULT;
	}
	*gpa = mmu->gva_to_gpa(vcpu, mmu, addr, access, &fault);
	return *gpa == INVALID_GPA ? -EFAULT : 0;
}

/* The APIC page is MMIO whatever backs it (see vcpu_is_mmio_gpa()). */
static bool kc_is_apic_page(gpa_t gpa)
{
	return (gpa & PAGE_MASK) == APIC_DEFAULT_PHYS_BASE;
}

/*
 * Whether writes to guest RAM must be seen by KVM's write tracking: the
 * shadow pages of a nested guest's page tables, or an external user such
 * as KVMGT.  KVM's emulator tells them (kvm_page_track_write(), not
 * available to modules); such writes are left to the guest's CPU.
 */
static bool kc_ram_write_tracked(struct kvm *kvm)
{
	return READ_ONCE(kvm->arch.indirect_shadow_pages) ||
	       kvm_page_track_has_external_user(kvm);
}

/*
 * As vcpu_mmio_read() and vcpu_mmio_write(): local APIC, then the bus.
 *
 * KVM keeps the TPR in step with CR8 at every exit and entry (SVM's
 * V_TPR, VMX's TPR shadow), which drops its low four bits on SVM: the
 * guest must go through an entry after a TPR write, as with stock KVM,
 * before it can read the TPR again, so the block stops after one.
 */
static int kc_mmio(struct kvm_vcpu *vcpu, struct kc_state *s, gpa_t gpa,
		   unsigned int size, bool write, u64 *val)
{
	struct kvm_lapic *apic = lapic_in_kernel(vcpu) ? vcpu->arch.apic : NULL;

	if (write) {
		if (apic && !kvm_iodevice_write(vcpu, &apic->dev, gpa, size,
						val)) {
			if ((gpa & 0xff0) == APIC_TASKPRI)
				s->stop_after = KC_STAT_stop_tpr;
			return 0;
		}
		return kvm_io_bus_write(vcpu, KVM_MMIO_BUS, gpa, size, val);
	}
	if (apic && !kvm_iodevice_read(vcpu, &apic->dev, gpa, size, val))
		return 0;
	return kvm_io_bus_read(vcpu, KVM_MMIO_BUS, gpa, size, val);
}

/*
 * Whether an access to @gpa, which neither RAM nor an in-kernel device
 * took, is one that KVM leaves to userspace as MMIO: no memslot, or a
 * write to a read-only one.  Not a memslot being changed: KVM retries
 * the guest's access until the change is done.
 */
static bool kc_is_user_mmio(struct kvm_vcpu *vcpu, gpa_t gpa, bool write)
{
	struct kvm_memory_slot *slot;

	/* Address space 0: kc_vcpu_can_run() refuses SMM. */
	slot = gfn_to_memslot(vcpu->kvm, gpa_to_gfn(gpa));
	if (!slot)
		return true;
	return write && (slot->flags & KVM_MEM_READONLY) &&
	       !(slot->flags & KVM_MEMSLOT_INVALID);
}

/*
 * The host address of the guest RAM at @gpa, for a read or a @write, or
 * an error hva where there is none (MMIO, or a write to ROM).
 */
static unsigned long kc_ram_hva(struct kvm_vcpu *vcpu, gpa_t gpa, bool write)
{
	bool writable;
	unsigned long hva;

	hva = kvm_vcpu_gfn_to_hva_prot(vcpu, gpa_to_gfn(gpa), &writable);
	if (kvm_is_error_hva(hva) || (write && !writable))
		return KVM_HVA_ERR_BAD;
	return hva + offset_in_page(gpa);
}

/*
 * Load or store @size bytes of guest RAM at @hva with one instruction,
 * as the guest's own access does: an aligned access, or one within a
 * cache line, is then single-copy atomic for other vCPUs as the
 * architecture promises, which a byte-wise copy (copy_from_user() of a
 * short length) is not.  -EFAULT if the host's mapping is gone.
 */
static int kc_ram_load(unsigned long hva, unsigned int size, u64 *val)
{
	int r;

	switch (size) {
	case 1: {
		u8 v;

		r = __get_user(v, (u8 __user *)hva);
		*val = v;
		break;
	}
	case 2: {
		u16 v;

		r = __get_user(v, (u16 __user *)hva);
		*val = v;
		break;
	}
	case 4: {
		u32 v;

		r = __get_user(v, (u32 __user *)hva);
		*val = v;
		break;
	}
	default:
		r = __get_user(*val, (u64 __user *)hva);
		break;
	}
	return r;
}

static int kc_ram_store(unsigned long hva, unsigned int size, u64 val)
{
	switch (size) {
	case 1:
		return __put_user((u8)val, (u8 __user *)hva);
	case 2:
		return __put_user((u16)val, (u16 __user *)hva);
	case 4:
		return __put_user((u32)val, (u32 __user *)hva);
	default:
		return __put_user(val, (u64 __user *)hva);
	}
}

/* Store to guest RAM at @gpa, @hva: the page is dirty, maybe the code. */
static int kc_ram_write(struct kvm_vcpu *vcpu, struct kc_state *s, gpa_t gpa,
			unsigned long hva, unsigned int size, u64 val)
{
	if (kc_ram_write_tracked(vcpu->kvm) || kc_ram_store(hva, size, val))
		return -EOPNOTSUPP;
	kvm_vcpu_mark_page_dirty(vcpu, gpa_to_gfn(gpa));
	if (gpa < s->code_gpa + s->code_len && gpa + size > s->code_gpa)
		s->stop_after = KC_STAT_stop_code_write;
	return 0;
}

/*
 * kc_access() past the translation: @gpa, which the access's linear
 * address translated to with its permissions, is RAM, else the local
 * APIC or the MMIO bus.  Returns as kc_access().
 */
static int kc_access_gpa(struct kvm_vcpu *vcpu, struct kc_state *s,
			 gpa_t gpa, unsigned int size, bool write, u64 *val)
{
	unsigned long hva = KVM_HVA_ERR_BAD;

	if (!kc_is_apic_page(gpa))
		hva = kc_ram_hva(vcpu, gpa, write);
	if (!kvm_is_error_hva(hva)) {
		if (write)
			return kc_ram_write(vcpu, s, gpa, hva, size, *val);
		return kc_ram_load(hva, size, val) ? -EOPNOTSUPP : 0;
	}
	if (kc_mmio(vcpu, s, gpa, size, write, val)) {
		if (!kc_is_user_mmio(vcpu, gpa, write))
			return -EOPNOTSUPP;
		s->user_gpa = gpa;
		return -ENODEV;
	}
	return 1;
}

/*
 * Access @size bytes at linear address @addr: *@val is written, or read
 * (zero-extended).  Returns 1 if a device took the access, 0 if RAM did,
 * -EFAULT if the guest's CPU would fault, -ENODEV if it is MMIO that no
 * in-kernel device takes, at @s->user_gpa, -EOPNOTSUPP if it is left to
 * KVM for another reason (the exiting access included), -EAGAIN if it is
 * not the access that caused the MMIO exit it should be.  Nothing
 * happened unless it returns 0 or 1.
 */
static int kc_access(struct kvm_vcpu *vcpu, struct kc_state *s, u64 addr,
		     unsigned int size, bool write, u64 *val)
{
	gpa_t gpa;
	int r;

	if (!write)
		*val = 0;
	/*
	 * The exiting access: its address is the faulting one, as in KVM's
	 * emulator (emulator_read_write_onepage()), if the page offsets
	 * agree; else the code is not what faulted.
	 */
	if (s->exit_gpa != INVALID_GPA) {
		if (offset_in_page(addr) != offset_in_page(s->exit_gpa) ||
		    offset_in_page(addr) + size > PAGE_SIZE)
			return -EAGAIN;
		if (kc_mmio(vcpu, s, s->exit_gpa, size, write, val))
			return -EOPNOTSUPP;
		return 1;
	}

	r = kc_translate_data(vcpu, s, addr, size, write, &gpa);
	if (r)
		return r;
	return kc_access_gpa(vcpu, s, gpa, size, write, val);
}

/*
 * The destination of INS, checked before the port is read, since a port
 * read may have side effects (the 8259's IRR/ISR, a UART's FIFO) that
 * cannot be undone: translated for a write at the guest's CPL (-EFAULT
 * where the CPU would fault, as kc_access()), and writable guest RAM
 * that KVM does not track.  Anything else, the APIC page, MMIO, ROM or
 * tracked RAM, is -EOPNOTSUPP: left to the CPU, and then to KVM's
 * emulator, which alone can complete a port read into such memory.
 */
static int kc_ins_dest(struct kvm_vcpu *vcpu, struct kc_state *s, u64 addr,
		       unsigned int size, gpa_t *gpa)
{
	int r;

	r = kc_translate_data(vcpu, s, addr, size, true, gpa);
	if (r)
		return r;
	if (kc_is_apic_page(*gpa) || kc_ram_write_tracked(vcpu->kvm) ||
	    kvm_is_error_hva(kc_ram_hva(vcpu, *gpa, true)))
		return -EOPNOTSUPP;
	return 0;
}

/*
 * INS or OUTS @k: port DX from or to the memory at RDI (ES) or RSI (DS),
 * whose bases are 0 in 64-bit mode (kc_prefixes_ok() refuses segment
 * overrides and the address-size prefix), then RDI or RSI moves by the
 * access size, down if RFLAGS.DF is set.  Returns 1 if it ran, else as
 * kc_access(), with -EOPNOTSUPP also if no in-kernel device takes the
 * port; then nothing happened but, for OUTS from MMIO, the read of the
 * source, which for the in-kernel devices (local APIC, IOAPIC) has no
 * side effect.
 */
static noinline int kc_exec_string(struct kvm_vcpu *vcpu, struct kc_state *s,
				   const struct kc_insn *k)
{
	u8 ptr = k->op == KC_OP_INS ? VCPU_REGS_RDI : VCPU_REGS_RSI;
	u16 port = kc_port(s, k);
	u64 val = 0;
	gpa_t gpa;
	int r;

	if (k->op == KC_OP_OUTS) {
		r = kc_access(vcpu, s, s->gpr[ptr], k->size, false, &val);
		if (r < 0)
			return r;
		if (kvm_io_bus_write(vcpu, KVM_PIO_BUS, port, k->size, &val))
			return -EOPNOTSUPP;
	} else {
		r = kc_ins_dest(vcpu, s, s->gpr[ptr], k->size, &gpa);
		if (r)
			return r;
		if (kvm_io_bus_read(vcpu, KVM_PIO_BUS, port, k->size, &val))
			return -EOPNOTSUPP;
		/*
		 * The port was read, so the instruction has happened: RAM
		 * checked above fails only if userspace unmapped it under the
		 * memslot, and then the data is lost as KVM's emulator would
		 * lose it.
		 */
		kc_access_gpa(vcpu, s, gpa, k->size, true, &val);
	}
	if (s->rflags & X86_EFLAGS_DF)
		s->gpr[ptr] -= k->size;
	else
		s->gpr[ptr] += k->size;
	s->dirty |= BIT(ptr);
	return 1;
}

/* The size of @k's memory access: MOVZX and MOVSX read their source's. */
static unsigned int kc_mem_size(const struct kc_insn *k)
{
	if (k->op == KC_OP_MOVZX || k->op == KC_OP_MOVSX)
		return k->src_size;
	return k->size;
}

/*
 * Execute @k, which has a memory operand or is LEA; @rip is its address.
 * Returns as kc_access().
 */
static noinline int kc_exec_mem(struct kvm_vcpu *vcpu, struct kc_state *s,
				const struct kc_insn *k, unsigned long rip)
{
	u64 addr = kc_mem_linear(k, s->gpr, rip), val, r;
	unsigned int size = kc_mem_size(k);
	int ret;

	if (k->op == KC_OP_LEA) {
		kc_set(s, k->dst, k->size, addr);
		return 0;
	}
	if (k->op == KC_OP_MOV && k->mem_use == KC_MEM_DST) {
		val = kc_src(s, k);
		return kc_access(vcpu, s, addr, size, true, &val);
	}

	ret = kc_access(vcpu, s, addr, size, false, &val);
	if (ret < 0)
		return ret;

	switch (k->op) {
	case KC_OP_MOV:
	case KC_OP_MOVZX:
		kc_set(s, k->dst, k->size, val);
		break;
	case KC_OP_MOVSX:
		kc_set(s, k->dst, k->size, kc_sign_extend(val, size));
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
	return ret;
}

static bool kc_io_allowed(const struct kc_state *s)
{
	return s->cpl <= ((s->rflags & X86_EFLAGS_IOPL) >> X86_EFLAGS_IOPL_BIT);
}

/*
 * Load the registers in @regs (VCPU_REGS_* bits) and the flags.  The
 * others are never read (kc_scan() computed @regs from the operands).
 */
static void kc_load(struct kvm_vcpu *vcpu, struct kc_state *s, u16 regs)
{
	unsigned int i;

	/* Set bits only: a block uses a few of the sixteen registers. */
	for (; regs; regs &= regs - 1) {
		i = __ffs(regs);
		s->gpr[i] = kvm_register_read_raw(vcpu, i);
	}
	s->rflags = kvm_get_rflags(vcpu);
	s->dirty = 0;
	s->cpl = kvm_x86_call(get_cpl)(vcpu);
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
	if (s->rflags != rflags)
		kvm_set_rflags(vcpu, s->rflags);
	kvm_rip_write(vcpu, rip);
}

/*
 * Whether an event may be delivered before the next instruction, so that
 * an interrupt an OUT made deliverable is taken where the guest's CPU
 * would take it.  NMIs, SMIs, INIT/SIPI and exceptions are delivered
 * whatever IF says.  Maskable interrupts make KVM ask for event
 * processing (KVM_REQ_EVENT), which it also does more often than one is
 * deliverable, e.g. after every write to the 8259: with IF clear that
 * does not stop a block.  With APICv or AVIC, interrupts are posted
 * without KVM_REQ_EVENT; kc_vcpu_can_run() leaves IF=1 exits to KVM then.
 */
static bool kc_event_pending(struct kvm_vcpu *vcpu, const struct kc_state *s)
{
	if (vcpu->arch.nmi_pending || atomic_read(&vcpu->arch.nmi_queued) ||
	    vcpu->arch.smi_pending || kvm_test_request(KVM_REQ_SMI, vcpu) ||
	    vcpu->arch.exception.pending ||
	    vcpu->arch.exception_vmexit.pending ||
	    kvm_apic_has_pending_init_or_sipi(vcpu))
		return true;
	return (s->rflags & X86_EFLAGS_IF) &&
	       kvm_test_request(KVM_REQ_EVENT, vcpu);
}

/*
 * Whether to stop before the next instruction: for a deliverable event,
 * and for a signal, as KVM's own loop over invalid guest state (vmx.c)
 * does.  A reschedule request does not stop a block: a block is bounded
 * by the extent, like the iterations of a REP INS/OUTS that KVM emulates
 * in one exit, and KVM reschedules before it re-enters the guest.
 */
static bool kc_vcpu_interrupted(struct kvm_vcpu *vcpu, const struct kc_state *s)
{
	return kc_event_pending(vcpu, s) || signal_pending(current);
}

/* The reason to stop for an error of kc_exec_mem(), or -EPERM. */
static enum kc_stat kc_mem_stop(int err)
{
	if (err == -EFAULT)
		return KC_STAT_stop_fault;
	return err == -EPERM ? KC_STAT_stop_iopl : KC_STAT_stop_user_io;
}

/*
 * Run @k, the @i-th instruction, which has a memory operand, is LEA, INS
 * or OUTS.  INS and OUTS that the CPL may not execute are left to the
 * CPU, which checks the TSS I/O bitmap; it checked the exiting one
 * before the exit.  Returns as kc_exec_mem() or kc_exec_string(), or
 * -EPERM.
 */
static int kc_exec_mem_io(struct kvm_vcpu *vcpu, struct kc_state *s,
			  const struct kc_insn *k, unsigned int i,
			  unsigned long rip)
{
	if (!kc_is_string_io(k))
		return kc_exec_mem(vcpu, s, k, rip);
	if (i && !kc_io_allowed(s))
		return -EPERM;
	return kc_exec_string(vcpu, s, k);
}

/*
 * Whether @k, the block's first instruction, is the port I/O that exited:
 * the code read may not be what the CPU ran, if another vCPU rewrote it
 * meanwhile.  A string exit must be INS or OUTS (REP forms never decode)
 * and any other one IN or OUT.  The MMIO access is checked in
 * kc_access(), as KVM does.
 */
static bool kc_is_exiting_pio(const struct kc_state *s,
			      const struct kc_insn *k,
			      const struct kc_code *code)
{
	bool in = k->op == KC_OP_IN || k->op == KC_OP_INS;

	return kc_is_string_io(k) == code->exit_string &&
	       in == code->exit_in && k->size == code->exit_size &&
	       kc_port(s, k) == code->port;
}

/*
 * Whether @blk's instruction at offset @code->start (0: the exiting one)
 * may run at this exit, and which it is.
 */
static bool kc_exec_first(const struct kc_block *blk,
			  const struct kc_code *code, const struct kc_state *s,
			  unsigned int *first)
{
	bool mmio_exit = code->exit_gpa != INVALID_GPA;
	unsigned int i, off = 0;

	if (code->start) {
		for (i = 0; i < blk->nr_insns && off < code->start; i++)
			off += blk->insns[i].len;
		*first = i;
		return off == code->start && i < blk->nr_insns;
	}

	/* The block must start with the kind of access that exited. */
	*first = 0;
	if (mmio_exit)
		return blk->insns[0].mem_use != KC_MEM_NONE;
	return kc_is_exiting_pio(s, &blk->insns[0], code);
}

/* Note the IN or OUT @k at offset @off for the caller to exit to userspace. */
static void kc_exec_user_pio(const struct kc_state *s, const struct kc_insn *k,
			     unsigned int off, struct kc_code *code)
{
	struct kc_user_exit *u = &code->user_exit;

	u->mmio = false;
	u->port = kc_port(s, k);
	u->size = k->size;
	u->in = k->op == KC_OP_IN;
	u->len = k->len;
	u->resume = off + k->len;
}

/*
 * Note the MMIO access of @k at offset @off, which no in-kernel device
 * took, for the caller to exit to userspace, if KVM can complete it:
 * a store of MOV, or a load of MOV, MOVZX or MOVSX into a register other
 * than AH, CH, DH or BH.  Returns whether it can.
 */
static bool kc_exec_user_mmio(const struct kc_state *s,
			      const struct kc_insn *k, unsigned int off,
			      struct kc_code *code)
{
	struct kc_user_exit *u = &code->user_exit;
	struct kvm_io_exit_mmio *m = &u->m;

	if (k->op == KC_OP_MOV && k->mem_use == KC_MEM_DST) {
		m->write = true;
		m->len = k->size;
		m->data = kc_src(s, k);
	} else if ((k->op == KC_OP_MOV || k->op == KC_OP_MOVZX ||
		    k->op == KC_OP_MOVSX) && !k->dst.hi8) {
		m->write = false;
		m->len = kc_mem_size(k);
		m->reg = k->dst.reg;
		m->reg_size = k->size;
		m->sign = k->op == KC_OP_MOVSX;
	} else {
		return false;
	}
	m->gpa = s->user_gpa;
	m->insn_len = k->len;
	u->mmio = true;
	u->len = k->len;
	u->resume = off + k->len;
	return true;
}

/*
 * Execute @blk's instructions, up to the @nr_insns-th, from offset
 * @code->start, which is RIP: from the exiting instruction at the exit of
 * @code (port I/O, or MMIO at @code->exit_gpa), or from a later one when
 * the block resumes after userspace.  Returns how many ran; 0 if the
 * first could not run in the kernel, -EOPNOTSUPP if that is because no
 * in-kernel device takes the exit's access; then nothing changed and the
 * exit is KVM's to handle.  If @code->user_exit.len is set on return, the
 * block stopped at an access for userspace to complete.
 */
int kc_exec(struct kc_vm *vm, struct kvm_vcpu *vcpu,
	    const struct kc_block *blk, unsigned int nr_insns,
	    struct kc_code *code)
{
	unsigned long rip = kvm_rip_read(vcpu) - code->start, rflags;
	unsigned int i, off = code->start, nr_io = 0, ran = 0;
	enum kc_stat stop = KC_NR_STATS;
	/* A resumed block looks for events before its first instruction. */
	bool after_io = code->start;
	struct kc_state s __uninitialized;
	u64 target;
	int r;

	code->user_exit.len = 0;
	kc_load(vcpu, &s, blk->regs);
	if (!kc_exec_first(blk, code, &s, &i))
		return 0;
	rflags = s.rflags;
	s.exit_gpa = code->exit_gpa;
	s.code_gpa = blk->gpa;
	s.code_len = blk->len;
	s.stop_after = KC_NR_STATS;
	s.branches_recorded = -1;

	while (i < nr_insns) {
		const struct kc_insn *k = &blk->insns[i];

		/*
		 * Only I/O can make an event deliverable here: the other
		 * instructions a block may hold cannot change IF, and an
		 * event from elsewhere may as well have arrived a few
		 * instructions later.  So look after each I/O instruction.
		 */
		if (after_io && kc_vcpu_interrupted(vcpu, &s)) {
			stop = KC_STAT_stop_event;
			break;
		}
		after_io = false;

		/* Kept out of line: register-only blocks are the hot path. */
		if (unlikely(k->slow)) {
			r = kc_exec_mem_io(vcpu, &s, k, i, rip + off);
			if (r == -ENODEV && kc_exec_user_mmio(&s, k, off, code))
				goto out;
			if (r < 0) {
				stop = kc_mem_stop(r);
				goto out;
			}
			s.exit_gpa = INVALID_GPA;
			nr_io += r;
			after_io = r;
			ran++;
			off += k->len;
			i++;
			/* The code that follows, or the TPR, changed. */
			if (s.stop_after != KC_NR_STATS) {
				stop = s.stop_after;
				goto out;
			}
			continue;
		}

		switch (k->op) {
		case KC_OP_IN:
		case KC_OP_OUT:
			/* The CPU checked the exiting one before the exit. */
			if (i && !kc_io_allowed(&s)) {
				stop = KC_STAT_stop_iopl;
				goto out;
			}
			if (kc_exec_io(vcpu, &s, k)) {
				if (i)
					kc_exec_user_pio(&s, k, off, code);
				else
					stop = KC_STAT_stop_user_io;
				goto out;
			}
			nr_io++;
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
			if (kc_branches_recorded(vcpu, &s)) {
				stop = KC_STAT_stop_branch_record;
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
			ran++;
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
		ran++;
		off += k->len;
		i++;
	}
out:
	if (!ran)
		return stop == KC_STAT_stop_user_io ? -EOPNOTSUPP : 0;

	kc_store(vcpu, &s, rflags, rip + off);
	kc_stat_add(vm, KC_STAT_insns, ran);
	kc_stat_add(vm, KC_STAT_io, nr_io);
	/* Every access of a resumed block saves an exit. */
	kc_stat_add(vm, KC_STAT_io_coalesced, nr_io - !code->start);
	if (ran > 1 && !code->start)
		kc_stat_inc(vm, KC_STAT_blocks);
	if (stop != KC_NR_STATS)
		kc_stat_inc(vm, stop);
	return ran;
}
