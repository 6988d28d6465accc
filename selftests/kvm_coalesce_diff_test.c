// SPDX-License-Identifier: GPL-2.0
/*
 * Differential test of the block executor: random blocks (kc_diff_gen.c)
 * run on the guest's CPU (mode=off, the reference) and through the module
 * in scan, confirm and addr modes; everything the guest or userspace can
 * see must be the same.
 *
 * One VM per mode, all with the same memory layout, in-kernel 8259 and
 * coalesced PIO zone.  Each block is copied to a fresh 256-byte slot of
 * guest code in every VM.  The reference runs it once, single-stepped,
 * so that the path it took is known.  Every other mode runs it twice
 * from the same registers and the same 8259 state (restored before the
 * second run): the first run is the block's first sighting (scan and
 * addr scan it, confirm runs only the exiting instruction and leaves the
 * rest to the CPU), the second runs it from the table (scan compares the
 * hash, addr only the code, confirm runs it whole).  The blocks' memory
 * operands, and their INS and OUTS, all address a scratch buffer of
 * guest RAM, which every run starts with the block's initial contents.
 *
 * A share of the blocks have stoppers (enum dg_stop), which make the
 * module exit to userspace in the middle of the block (an OUT to a port,
 * a MOV with MMIO only userspace takes; the test completes the access,
 * loads read a function of the address, and re-enters, and the module
 * goes on with the block) or stop it (an ALU operation with such MMIO,
 * a store into the block's code, a faulting access, an OUT that makes an
 * interrupt deliverable).  Faults and the interrupt go to a handler on
 * an IST stack (the blocks' RSP is random) that notes the frame and the
 * registers and ends the run with an OUT to userspace.
 *
 * Compared with the reference after each run: every exit to userspace,
 * in order (port or address, size, direction, data written) with the 16
 * GPRs, RIP and all of RFLAGS userspace saw there (undefined flags
 * included: the module runs each operation as the same instruction on
 * the CPU), the last being where the run ended; what the guest's handler
 * saw; the coalesced ring (port, size, data, in order), the state of
 * both 8259s, which the blocks write and read, and the whole scratch
 * buffer.
 *
 * From the reference's paths, the module's counters in each mode must
 * be exactly what executing every block without stoppers in the module
 * gives (blocks, instructions, I/O, exits), so the test cannot pass by
 * the module declining the blocks; around each block with stoppers, the
 * counter of where the module must stop first must grow in every run
 * that runs the block.
 *
 * Usage: kvm_coalesce_diff_test [-s SEED|random] [-n BLOCKS] [-f FIRST]
 * [-m MEM%] [-S STRING%] [-t STOP%] (or KC_DIFF_SEED, KC_DIFF_BLOCKS,
 * KC_DIFF_MEM, KC_DIFF_STRING, KC_DIFF_STOP); -m 0 -S 0 -t 0 makes the
 * register-only blocks of before memory operands, -S 0 -t 0 the blocks
 * of before string I/O, -t 0 those of before stoppers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"

#include "kc_diff_gen.h"
#include "kc_util.h"

#define DT_DEFAULT_SEED		1
#define DT_DEFAULT_BLOCKS	5000
#define DT_RUNS			2	/* in each mode but off */
#define DT_SLOT_SIZE		256
/* A slot is reused only after the table (4096 blocks) forgot it. */
#define DT_NR_SLOTS		8192
#define DT_CODE_PAGES		(DT_NR_SLOTS * DT_SLOT_SIZE / 4096)
/* The slots, in a memory slot of their own, mapped at the same address. */
#define DT_CODE_GPA		0x40000000ull
#define DT_CODE_MEMSLOT		1
/*
 * The scratch buffer, after the slots, also identity-mapped: within a
 * disp32 of the code for RIP-relative operands, and below 2 GiB for
 * absolute ones.  After it, the guest maps one more page, to
 * guest-physical memory no memslot covers (MMIO only userspace takes),
 * and leaves the next one unmapped (kc_diff_gen.h).
 */
#define DT_SCRATCH_GPA		(DT_CODE_GPA + DT_CODE_PAGES * 4096ull)
#define DT_SCRATCH_MEMSLOT	2
#define DT_MMIO_GPA		(DT_SCRATCH_GPA + DG_MMIO_OFF)
#define DT_MAX_RING		64
/* Runs of differing scratch bytes printed for a mismatch. */
#define DT_MAX_MEM_LINES	16
/* Exits to userspace of one run: one per stopper, and the one that ends it. */
#define DT_MAX_EXITS		(2 * DG_MAX_STOPS + 2)
#define DT_NR_VECTORS		256
/* The 8259s' vectors: DG_EVENT_IRQ's interrupt is DT_EVENT_VECTOR. */
#define DT_IRQ_BASE		0x20
#define DT_EVENT_VECTOR		(DT_IRQ_BASE + DG_EVENT_IRQ)
#define DT_TSS_IST1		0x24
#define DT_EFLAGS_TF		BIT(8)
#define DT_EFLAGS_IF		BIT(9)

struct dt_vm {
	int mode;
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	vm_vaddr_t code;		/* DT_NR_SLOTS slots */
	u8 *scratch;			/* host view of the scratch buffer */
	struct kc_stats start;		/* counters before the first block */
	/* What blocks with stoppers added to the counters. */
	struct kc_stats stopped;
	struct kvm_pic_state pic[2];	/* the 8259s after the last run */
	/* Blocks whose first stop was of each kind, and its counter's growth. */
	u64 first_stops[DG_NR_STOPS];
	u64 stop_growth[DG_NR_STOPS];
	u64 resumed;		/* after a first stop exiting to userspace */
};

/*
 * What the guest's handler of a fault or of the event's interrupt saw:
 * the frame and the registers at the stop (RSP from the frame).
 */
struct dt_frame {
	__u64 vector, error_code, rip, cs, rflags, rsp, ss, cr2;
	__u64 gpr[DG_NR_GPRS];
};

/* The guest's copy, one per VM. */
static struct dt_frame dt_guest_frame;

/* An exit to userspace, and the registers userspace saw there. */
struct dt_exit {
	__u32 reason;
	__u32 size;		/* of the port I/O or the MMIO access */
	__u64 addr;		/* port or guest-physical address */
	bool write;		/* OUT, MMIO write */
	__u64 data;		/* written */
	struct kvm_regs regs;
};

/* What one run of a block left. */
struct dt_obs {
	/* Every exit to userspace, in order; the last ended the run. */
	int nr_exits;
	struct dt_exit exits[DT_MAX_EXITS];
	struct dt_frame frame;	/* if the guest's handler ended the run */
	int nr_ring;
	struct kvm_coalesced_mmio ring[DT_MAX_RING];
	struct kvm_pic_state pic[2];
	u8 mem[DG_SCRATCH_SIZE];
	/*
	 * Reference only: the instructions completed, and the one the run
	 * stopped at (the final OUT, the one that faulted, the one before
	 * which the interrupt came).
	 */
	int nr_steps;
	int path[DG_MAX_INSNS];
	int stopped_at;
	int nr_io;
	int nr_string;
	int nr_mem;
};

/* The reference's paths, summed over all blocks without stoppers. */
struct dt_totals {
	u64 blocks;
	u64 first_string;	/* blocks that start with INS or OUTS */
	u64 steps;	/* instructions before the final OUT */
	u64 io;		/* ... of which IN, OUT, INS or OUTS */
	u64 string;	/* ... of which INS or OUTS */
	u64 mem;	/* ... with a memory operand or LEA */
	/* Blocks with stoppers; on their paths, stoppers of each kind. */
	u64 stop_blocks;
	u64 stops[DG_NR_STOPS];
	u64 faults;	/* runs the guest's handler ended */
	u64 events;
	u64 first_at;	/* BIT(index) of the instructions stopped first at */
};

static u64 *dt_gpr(struct kvm_regs *r, int i)
{
	u64 *const gprs[DG_NR_GPRS] = {
		(u64 *)&r->rax, (u64 *)&r->rcx, (u64 *)&r->rdx, (u64 *)&r->rbx,
		(u64 *)&r->rsp, (u64 *)&r->rbp, (u64 *)&r->rsi, (u64 *)&r->rdi,
		(u64 *)&r->r8, (u64 *)&r->r9, (u64 *)&r->r10, (u64 *)&r->r11,
		(u64 *)&r->r12, (u64 *)&r->r13, (u64 *)&r->r14, (u64 *)&r->r15,
	};

	return gprs[i];
}

static bool dt_has_stoppers(const struct dg_block *blk)
{
	return blk->stops || (blk->rflags & DT_EFLAGS_IF);
}

/* ---- the guest ---- */

static void dt_guest_unused(void)
{
	GUEST_ASSERT(0);
}

/*
 * Every exception and the event's interrupt: note the frame and the
 * registers, and end the run.  On the IST stack: RSP is random.
 */
static void dt_guest_stop(struct ex_regs *regs)
{
	const u64 *hw = &regs->rip;	/* RIP, CS, RFLAGS, RSP, SS */
	struct dt_frame *f = &dt_guest_frame;
	u64 cr2;

	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	f->vector = regs->vector;
	f->error_code = regs->error_code;
	f->rip = hw[0];
	f->cs = hw[1];
	f->rflags = hw[2];
	f->rsp = hw[3];
	f->ss = hw[4];
	f->cr2 = regs->vector == PF_VECTOR ? cr2 : 0;
	f->gpr[0] = regs->rax;
	f->gpr[1] = regs->rcx;
	f->gpr[2] = regs->rdx;
	f->gpr[3] = regs->rbx;
	f->gpr[4] = hw[3];
	f->gpr[5] = regs->rbp;
	f->gpr[6] = regs->rsi;
	f->gpr[7] = regs->rdi;
	f->gpr[8] = regs->r8;
	f->gpr[9] = regs->r9;
	f->gpr[10] = regs->r10;
	f->gpr[11] = regs->r11;
	f->gpr[12] = regs->r12;
	f->gpr[13] = regs->r13;
	f->gpr[14] = regs->r14;
	f->gpr[15] = regs->r15;
	for (;;)
		asm volatile("outb %%al, %0" : : "i"(DG_HANDLER_PORT), "a"(0));
}

/* ---- runner ---- */

static void dt_expect_user_exit(struct dt_vm *v, const char *what)
{
	struct kvm_run *run = v->vcpu->run;

	TEST_ASSERT(run->exit_reason == KVM_EXIT_IO &&
		    run->io.port == DG_USER_PORT &&
		    run->io.direction == KVM_EXIT_IO_OUT,
		    "mode %s, %s: exit %s (port 0x%x), wanted OUT to 0x%x",
		    kc_mode_names[v->mode], what,
		    exit_reason_str(run->exit_reason), run->io.port,
		    DG_USER_PORT);
}

/*
 * Faults and interrupts go to dt_guest_stop() on a stack of their own
 * (IST 1 of the library's TSS): the blocks' RSP is random.
 */
static void dt_vm_handlers(struct dt_vm *v)
{
	struct idt_entry *idt = addr_gva2hva(v->vm, v->vm->arch.idt);
	u64 top = vm_vaddr_alloc_page(v->vm) + 4096;
	int i;

	memcpy((u8 *)addr_gva2hva(v->vm, v->vm->arch.tss) + DT_TSS_IST1, &top,
	       sizeof(top));
	for (i = 0; i < DT_NR_VECTORS; i++)
		idt[i].ist = 1;
	for (i = 0; i < 32; i++)
		vm_install_exception_handler(v->vm, i, dt_guest_stop);
	vm_install_exception_handler(v->vm, DT_EVENT_VECTOR, dt_guest_stop);
}

/*
 * The module's per-VM directory appears at the VM's first exit: make one,
 * from code outside the slots, then set the VM's mode and extent.
 */
static void dt_vm_create(struct dt_vm *v, int mode)
{
	static const u8 user_out[] = { 0xe6, DG_USER_PORT, 0xcc };
	struct kvm_regs regs;
	vm_vaddr_t start;

	v->mode = mode;
	/* The extra pages count towards the page tables to map them. */
	v->vm = __vm_create_with_one_vcpu(&v->vcpu,
					  DT_CODE_PAGES + DG_SCRATCH_PAGES,
					  dt_guest_unused);
	vm_userspace_mem_region_add(v->vm, VM_MEM_SRC_ANONYMOUS, DT_CODE_GPA,
				    DT_CODE_MEMSLOT, DT_CODE_PAGES, 0);
	virt_map(v->vm, DT_CODE_GPA, DT_CODE_GPA, DT_CODE_PAGES);
	v->code = DT_CODE_GPA;
	vm_userspace_mem_region_add(v->vm, VM_MEM_SRC_ANONYMOUS, DT_SCRATCH_GPA,
				    DT_SCRATCH_MEMSLOT, DG_SCRATCH_PAGES, 0);
	virt_map(v->vm, DT_SCRATCH_GPA, DT_SCRATCH_GPA, DG_SCRATCH_PAGES);
	virt_map(v->vm, DT_MMIO_GPA, DT_MMIO_GPA, 1);
	v->scratch = addr_gpa2hva(v->vm, DT_SCRATCH_GPA);
	kvm_vm_register_coalesced_io(v->vm, DG_ZONE_PORT, DG_ZONE_SIZE, true);
	dt_vm_handlers(v);

	start = vm_vaddr_alloc_page(v->vm);
	memcpy(addr_gva2hva(v->vm, start), user_out, sizeof(user_out));
	vcpu_regs_get(v->vcpu, &regs);
	regs.rip = start;
	vcpu_regs_set(v->vcpu, &regs);
	vcpu_run(v->vcpu);
	dt_expect_user_exit(v, "first exit");

	TEST_ASSERT_EQ(kc_vm_debugfs_write(v->vm, "mode", kc_mode_names[mode]), 0);
	TEST_ASSERT_EQ(kc_vm_debugfs_write(v->vm, "extent", "64"), 0);
	/* Blocks as long as the extent, whatever they would save. */
	TEST_ASSERT_EQ(kc_vm_debugfs_write(v->vm, "insns_per_exit", "0"), 0);
	v->start = kc_stats(v->vm);
	/* Vectors for the 8259s' interrupts, which only events raise. */
	kc_pics_get(v->vm, v->pic);
	v->pic[0].irq_base = DT_IRQ_BASE;
	v->pic[1].irq_base = DT_IRQ_BASE + 8;
	kc_pics_set(v->vm, v->pic);
}

static vm_vaddr_t dt_slot(const struct dt_vm *v, u64 index)
{
	return v->code + (index % DT_NR_SLOTS) * DT_SLOT_SIZE;
}

/* INT3 after the block: unsupported, so it ends the module's scan. */
static void dt_load(struct dt_vm *v, const struct dg_block *blk, u64 index)
{
	u8 *hva = addr_gva2hva(v->vm, dt_slot(v, index));

	memset(hva, 0xcc, DT_SLOT_SIZE);
	memcpy(hva, blk->code, blk->len);
}

/*
 * For a block that runs with IF set: an edge of DG_EVENT_IRQ latched in
 * the master 8259's IRR while the line is masked, and nothing in
 * service, so that the OUT that unmasks it makes its interrupt
 * deliverable.  The same in every VM, whose 8259s are all alike.
 */
static void dt_arm_event(struct dt_vm *v)
{
	v->pic[0].imr |= BIT(DG_EVENT_IRQ);
	v->pic[0].irr |= BIT(DG_EVENT_IRQ);
	v->pic[0].isr = 0;
	v->pic[1].isr = 0;
	kc_pics_set(v->vm, v->pic);
}

/* What userspace MMIO reads: a function of the address. */
static void dt_mmio_data(u64 gpa, u8 *data, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++)
		data[i] = (u8)((gpa + i) * 0x9d) ^ 0x5a;
}

/*
 * Note exit @e and complete it for the guest (an IN reads ones, an MMIO
 * read dt_mmio_data(); e->data is what was written or read); returns
 * whether the run ends there: at any other exit than a stopper's, the
 * final OUT and the guest handler's included.
 */
static bool dt_exit_complete(struct kvm_run *run, struct dt_exit *e)
{
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		e->addr = run->io.port;
		e->size = run->io.size;
		e->write = run->io.direction == KVM_EXIT_IO_OUT;
		if (run->io.count != 1 || e->size > sizeof(e->data))
			return true;
		if (!e->write)
			memset((u8 *)run + run->io.data_offset, 0xff, e->size);
		memcpy(&e->data, (u8 *)run + run->io.data_offset, e->size);
		return e->addr != DG_MID_PORT;
	case KVM_EXIT_MMIO:
		e->addr = run->mmio.phys_addr;
		e->size = run->mmio.len;
		e->write = run->mmio.is_write;
		if (e->size > sizeof(e->data))
			return true;
		if (!e->write)
			dt_mmio_data(e->addr, run->mmio.data, e->size);
		memcpy(&e->data, run->mmio.data, e->size);
		return (e->addr & ~0xfffull) != DT_MMIO_GPA;
	default:
		return true;
	}
}

/*
 * Note the exit to userspace @v just made, with the registers there, and
 * complete it; returns whether the run ends there, or at the last exit
 * there is room for.
 */
static bool dt_exit(struct dt_vm *v, struct dt_obs *obs, bool trace)
{
	struct kvm_run *run = v->vcpu->run;
	struct dt_exit *e = &obs->exits[obs->nr_exits++];

	memset(e, 0, sizeof(*e));
	e->reason = run->exit_reason;
	if (trace)
		vcpu_regs_get(v->vcpu, &e->regs);
	else
		e->regs = run->s.regs.regs;
	return dt_exit_complete(run, e) || obs->nr_exits == DT_MAX_EXITS;
}

static bool dt_exit_is(const struct dt_exit *e, u16 port)
{
	return e->reason == KVM_EXIT_IO && e->addr == port && e->write;
}

/* The exit that ended the run. */
static const struct dt_exit *dt_last_exit(const struct dt_obs *obs)
{
	return &obs->exits[obs->nr_exits - 1];
}

static void dt_debug_arm(struct dt_vm *v)
{
	struct kvm_guest_debug debug = {
		.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP,
	};

	vcpu_guest_debug_set(v->vcpu, &debug);
}

/*
 * Instructions KVM emulates, writing RFLAGS afterwards without the TF of
 * single-stepping, which it keeps only at the RIP it was asked at
 * (__kvm_set_rflags()): INS and OUTS, and accesses to userspace MMIO.
 */
static bool dt_emulated(const struct dg_insn *in)
{
	return in->kind == DG_STRING ||
	       (in->kind == DG_STOPPER && (in->stop == DG_STOP_USER_MMIO ||
					  in->stop == DG_STOP_MMIO_ALU));
}

/* The reference completed instruction @at and is at @pc: the next one. */
static int dt_step(const struct dg_block *blk, vm_vaddr_t start,
		   struct dt_obs *obs, int at, u64 pc)
{
	int next = dg_insn_at(blk, pc - start);

	TEST_ASSERT(obs->nr_steps < DG_MAX_INSNS, "Path too long");
	obs->path[obs->nr_steps++] = at;
	obs->nr_io += blk->insn[at].kind == DG_IO ||
		      blk->insn[at].kind == DG_STRING;
	obs->nr_string += blk->insn[at].kind == DG_STRING;
	obs->nr_mem += blk->insn[at].kind == DG_MEM;
	TEST_ASSERT(next > 0, "Step to 0x%llx, not an instruction of the block",
		    (unsigned long long)pc);
	return next;
}

/*
 * Single-step from RIP, recording each instruction completed, through
 * the exits to userspace, until the run ends.  KVM completes a store to
 * userspace MMIO, RIP past it, before it exits, and without a step: the
 * store is recorded at the exit, and single-stepping asked for again.
 */
static void dt_trace(struct dt_vm *v, const struct dg_block *blk,
		     vm_vaddr_t start, struct dt_obs *obs)
{
	struct kvm_run *run = v->vcpu->run;
	int at = 0, done;

	/* After setting RIP: KVM sets TF for the RIP it sees now. */
	dt_debug_arm(v);
	for (;;) {
		vcpu_run(v->vcpu);
		if (run->exit_reason == KVM_EXIT_DEBUG) {
			done = at;
			at = dt_step(blk, start, obs, at, run->debug.arch.pc);
			if (dt_emulated(&blk->insn[done]))
				dt_debug_arm(v);
			continue;
		}
		if (dt_exit(v, obs, true))
			break;
		if (run->exit_reason == KVM_EXIT_MMIO && run->mmio.is_write) {
			at = dt_step(blk, start, obs, at,
				     dt_last_exit(obs)->regs.rip);
			dt_debug_arm(v);
		}
	}
	obs->stopped_at = at;
}

/*
 * Run the block in slot @index of @v once; single-step it if @trace.
 * Registers go in and out through kvm_run (KVM_CAP_SYNC_REGS) when not
 * single-stepping: two ioctls fewer per run.  Single-stepping needs RIP
 * set before KVM_SET_GUEST_DEBUG, which sets TF for the RIP it sees.
 */
static void dt_run(struct dt_vm *v, const struct dg_block *blk, u64 index,
		   bool trace, struct dt_obs *obs)
{
	struct kvm_run *run = v->vcpu->run;
	struct kvm_regs regs = {};
	vm_vaddr_t start = dt_slot(v, index);
	int i;

	obs->nr_exits = 0;
	obs->nr_steps = 0;
	obs->nr_io = 0;
	obs->nr_string = 0;
	obs->nr_mem = 0;
	for (i = 0; i < DG_NR_GPRS; i++)
		*dt_gpr(&regs, i) = blk->gpr[i];
	regs.rip = start;
	regs.rflags = blk->rflags;
	memcpy(v->scratch, blk->mem, DG_SCRATCH_SIZE);

	if (trace) {
		vcpu_regs_set(v->vcpu, &regs);
		dt_trace(v, blk, start, obs);
	} else {
		run->s.regs.regs = regs;
		run->kvm_valid_regs = KVM_SYNC_X86_REGS;
		run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
		do {
			vcpu_run(v->vcpu);
			/* Re-entries complete the exit's access. */
			run->kvm_dirty_regs = 0;
		} while (!dt_exit(v, obs, false));
	}
	if (dt_exit_is(dt_last_exit(obs), DG_HANDLER_PORT))
		memcpy(&obs->frame,
		       addr_gva2hva(v->vm, (vm_vaddr_t)&dt_guest_frame),
		       sizeof(obs->frame));
	obs->nr_ring = kc_ring_take(v->vcpu, obs->ring, DT_MAX_RING);
	kc_pics_get(v->vm, obs->pic);
	memcpy(v->pic, obs->pic, sizeof(v->pic));
	memcpy(obs->mem, v->scratch, DG_SCRATCH_SIZE);
}

/* ---- comparer ---- */

struct dt_diff {
	char text[8192];
	size_t len;
};

static __printf(2, 3) void dt_note(struct dt_diff *d, const char *fmt, ...)
{
	va_list ap;

	if (d->len >= sizeof(d->text))
		return;
	va_start(ap, fmt);
	d->len += vsnprintf(d->text + d->len, sizeof(d->text) - d->len, fmt, ap);
	va_end(ap);
}

static __u64 dt_ring_data(const struct kvm_coalesced_mmio *e)
{
	__u64 v = 0;

	memcpy(&v, e->data, e->len < sizeof(v) ? e->len : sizeof(v));
	return v;
}

static void dt_compare_ring(const struct dt_obs *ref, const struct dt_obs *obs,
			    struct dt_diff *d)
{
	const struct kvm_coalesced_mmio *a, *b;
	int i;

	if (ref->nr_ring != obs->nr_ring)
		dt_note(d, "#   ring: %d entries, off: %d\n", obs->nr_ring,
			ref->nr_ring);
	for (i = 0; i < ref->nr_ring && i < obs->nr_ring; i++) {
		a = &ref->ring[i];
		b = &obs->ring[i];
		if (a->phys_addr == b->phys_addr && a->len == b->len &&
		    a->pio == b->pio && a->len <= sizeof(a->data) &&
		    !memcmp(a->data, b->data, a->len))
			continue;
		dt_note(d, "#   ring[%d]: port 0x%llx size %u data 0x%llx,",
			i, b->phys_addr, b->len, dt_ring_data(b));
		dt_note(d, " off: port 0x%llx size %u data 0x%llx\n",
			a->phys_addr, a->len, dt_ring_data(a));
	}
}

static void dt_note_bytes(struct dt_diff *d, const char *what, const u8 *b,
			  int n)
{
	int i;

	dt_note(d, "%s", what);
	for (i = 0; i < n; i++)
		dt_note(d, " %02x", b[i]);
}

/* How many bytes from @i on differ, up to 16. */
static int dt_mem_run(const struct dt_obs *ref, const struct dt_obs *obs,
		      int i)
{
	int n = 0;

	while (n < 16 && i + n < DG_SCRATCH_SIZE &&
	       ref->mem[i + n] != obs->mem[i + n])
		n++;
	return n;
}

/*
 * The scratch buffer: each run of differing bytes (cut at 16), as this
 * mode left it, as the reference did and as it was before the block.
 */
static void dt_compare_mem(const struct dg_block *blk, const struct dt_obs *ref,
			   const struct dt_obs *obs, struct dt_diff *d)
{
	int i = 0, n, runs = 0;

	while (i < DG_SCRATCH_SIZE) {
		n = dt_mem_run(ref, obs, i);
		if (!n) {
			i++;
			continue;
		}
		if (runs++ < DT_MAX_MEM_LINES) {
			dt_note(d, "#   scratch+0x%04x (0x%llx):", i,
				DT_SCRATCH_GPA + i);
			dt_note_bytes(d, "", &obs->mem[i], n);
			dt_note_bytes(d, ", off:", &ref->mem[i], n);
			dt_note_bytes(d, ", before:", &blk->mem[i], n);
			dt_note(d, "\n");
		}
		i += n;
	}
	if (runs > DT_MAX_MEM_LINES)
		dt_note(d, "#   and %d more runs of differing scratch bytes\n",
			runs - DT_MAX_MEM_LINES);
}

/* What an exit was, for a person. */
static void dt_note_exit(struct dt_diff *d, const struct dt_exit *e)
{
	if (e->reason == KVM_EXIT_IO)
		dt_note(d, "%s port 0x%llx size %u data 0x%llx", e->write ?
			"OUT" : "IN", e->addr, e->size, e->data);
	else if (e->reason == KVM_EXIT_MMIO)
		dt_note(d, "MMIO %s 0x%llx size %u data 0x%llx", e->write ?
			"write" : "read", e->addr, e->size, e->data);
	else
		dt_note(d, "exit %s", exit_reason_str(e->reason));
	dt_note(d, " at rip 0x%llx", e->regs.rip);
}

/* The 16 GPRs, RIP and all of RFLAGS, under @what. */
static void dt_compare_regs(const char *what, struct kvm_regs a,
			    struct kvm_regs b, struct dt_diff *d)
{
	int i;

	for (i = 0; i < DG_NR_GPRS; i++) {
		if (*dt_gpr(&a, i) != *dt_gpr(&b, i))
			dt_note(d, "#   %s%s: 0x%llx, off: 0x%llx\n", what,
				dg_gpr_names[i],
				(unsigned long long)*dt_gpr(&b, i),
				(unsigned long long)*dt_gpr(&a, i));
	}
	if (a.rip != b.rip)
		dt_note(d, "#   %srip: 0x%llx, off: 0x%llx\n", what, b.rip, a.rip);
	if (a.rflags != b.rflags)
		dt_note(d, "#   %srflags: 0x%llx, off: 0x%llx\n", what, b.rflags,
			a.rflags);
}

/*
 * Every exit to userspace, in order: what it was and the registers
 * userspace saw.  The last one is where the run ended: its registers are
 * the final ones (not named as an exit's).
 */
static void dt_compare_exits(const struct dt_obs *ref, const struct dt_obs *obs,
			     struct dt_diff *d)
{
	const struct dt_exit *a, *b;
	char what[32];
	int i;

	if (ref->nr_exits != obs->nr_exits)
		dt_note(d, "#   %d exits to userspace, off: %d\n",
			obs->nr_exits, ref->nr_exits);
	for (i = 0; i < ref->nr_exits && i < obs->nr_exits; i++) {
		a = &ref->exits[i];
		b = &obs->exits[i];
		if (a->reason != b->reason || a->addr != b->addr ||
		    a->size != b->size || a->write != b->write ||
		    a->data != b->data) {
			dt_note(d, "#   exit %d: ", i);
			dt_note_exit(d, b);
			dt_note(d, ", off: ");
			dt_note_exit(d, a);
			dt_note(d, "\n");
		}
		snprintf(what, sizeof(what), "exit %d: ", i);
		dt_compare_regs(i == ref->nr_exits - 1 && i == obs->nr_exits - 1 ?
				"" : what, a->regs, b->regs, d);
	}
}

static void dt_note_frame(struct dt_diff *d, const struct dt_frame *f)
{
	dt_note(d, "vector %llu error 0x%llx rip 0x%llx cs 0x%llx", f->vector,
		f->error_code, f->rip, f->cs);
	dt_note(d, " rflags 0x%llx rsp 0x%llx ss 0x%llx cr2 0x%llx", f->rflags,
		f->rsp, f->ss, f->cr2);
}

/*
 * What the guest's handler saw of a fault or an interrupt.  The
 * reference single-steps: KVM sets TF in RFLAGS for that, and the CPU
 * pushes it in the frame, so TF alone is not compared there.
 */
static void dt_compare_frame(const struct dt_frame *a, const struct dt_frame *b,
			     struct dt_diff *d)
{
	int i;

	if (a->vector != b->vector || a->error_code != b->error_code ||
	    a->rip != b->rip || a->cs != b->cs || a->ss != b->ss ||
	    a->cr2 != b->cr2 || (a->rflags ^ b->rflags) & ~DT_EFLAGS_TF) {
		dt_note(d, "#   frame: ");
		dt_note_frame(d, b);
		dt_note(d, ",\n#     off: ");
		dt_note_frame(d, a);
		dt_note(d, " (TF not compared)\n");
	}
	for (i = 0; i < DG_NR_GPRS; i++) {
		if (a->gpr[i] != b->gpr[i])
			dt_note(d, "#   frame %s: 0x%llx, off: 0x%llx\n",
				dg_gpr_names[i], b->gpr[i], a->gpr[i]);
	}
}

/* Everything the guest and userspace can see, as after the reference. */
static bool dt_compare(const struct dg_block *blk, const struct dt_obs *ref,
		       const struct dt_obs *obs, struct dt_diff *d)
{
	int i;

	d->len = 0;
	dt_compare_exits(ref, obs, d);
	if (dt_exit_is(dt_last_exit(ref), DG_HANDLER_PORT) &&
	    dt_exit_is(dt_last_exit(obs), DG_HANDLER_PORT))
		dt_compare_frame(&ref->frame, &obs->frame, d);
	dt_compare_ring(ref, obs, d);
	for (i = 0; i < 2; i++) {
		const struct kvm_pic_state *p = &obs->pic[i], *q = &ref->pic[i];

		if (!memcmp(p, q, sizeof(*p)))
			continue;
		dt_note(d, "#   8259 %s: imr 0x%x elcr 0x%x irr 0x%x isr 0x%x,",
			i ? "slave" : "master", p->imr, p->elcr, p->irr, p->isr);
		dt_note(d, " off: imr 0x%x elcr 0x%x irr 0x%x isr 0x%x\n",
			q->imr, q->elcr, q->irr, q->isr);
	}
	dt_compare_mem(blk, ref, obs, d);
	return !d->len;
}

/* The block, its initial state and the reference's path and exits. */
static void dt_print_block(u64 seed, u64 index, const struct dg_params *p,
			   const struct dg_block *blk, const struct dt_obs *ref)
{
	struct dt_diff exits = {};
	int i, j;

	printf("# seed %llu, block %llu: code at 0x%llx, %d bytes, %d instructions;",
	       (unsigned long long)seed, (unsigned long long)index,
	       (unsigned long long)p->code, blk->len, blk->nr_insns);
	printf(" scratch buffer at 0x%llx, %d bytes:\n",
	       (unsigned long long)p->scratch, DG_SCRATCH_SIZE);
	for (i = 0; i < blk->nr_insns; i++) {
		printf("#   %3d +%-3d", i, blk->off[i]);
		for (j = 0; j < blk->insn[i].len; j++)
			printf(" %02x", blk->insn[i].bytes[j]);
		if (blk->insn[i].kind == DG_STOPPER)
			printf("  (stopper: %s)", dg_stop_names[blk->insn[i].stop]);
		printf("\n");
	}
	printf("# as hex (xxd -r -p | objdump -D -b binary -mi386:x86-64): ");
	for (i = 0; i < blk->len; i++)
		printf("%02x", blk->code[i]);
	printf("\n# initial registers:\n");
	for (i = 0; i < DG_NR_GPRS; i++)
		printf("#   %-3s 0x%016llx\n", dg_gpr_names[i],
		       (unsigned long long)blk->gpr[i]);
	printf("#   rflags 0x%llx\n", (unsigned long long)blk->rflags);
	printf("# reference path (instructions completed):");
	for (i = 0; i < ref->nr_steps; i++)
		printf(" %d", ref->path[i]);
	printf("; stopped at %d\n# reference exits to userspace:\n",
	       ref->stopped_at);
	for (i = 0; i < ref->nr_exits; i++) {
		exits.len = 0;
		dt_note_exit(&exits, &ref->exits[i]);
		printf("#   %s\n", exits.text);
	}
	if (dt_exit_is(dt_last_exit(ref), DG_HANDLER_PORT)) {
		exits.len = 0;
		dt_note_frame(&exits, &ref->frame);
		printf("# reference's handler: %s\n", exits.text);
	}
}

static void dt_print_replay(u64 seed, u64 index, const struct dg_params *p)
{
	printf("# replay: kvm_coalesce_diff_test -s %llu -f %llu -n 1 -m %u -S %u -t %u\n",
	       (unsigned long long)seed, (unsigned long long)index,
	       p->mem_share, p->string_share, p->stop_share);
	printf("# (the 8259 then starts as at VM creation, not as before the block)\n");
}

/* What a person needs to replay and read a mismatch. */
static void dt_report(u64 seed, u64 index, int run, int mode,
		      const struct dg_params *p, const struct dg_block *blk,
		      const struct dt_obs *ref, const struct dt_diff *d)
{
	printf("# MISMATCH: seed %llu, block %llu, mode %s, run %d of %d\n",
	       (unsigned long long)seed, (unsigned long long)index,
	       kc_mode_names[mode], run + 1, DT_RUNS);
	dt_print_block(seed, index, p, blk, ref);
	printf("# differences:\n%s", d->text);
	dt_print_replay(seed, index, p);
}

/*
 * The reference must end where the generator meant: at the final OUT, or
 * in the guest's handler, for a fault at a fault stopper or for the
 * event's interrupt in a block with IF set.  Else the generator made a
 * block the test cannot compare.
 */
static void dt_check_reference(u64 seed, u64 index, const struct dg_params *p,
			       const struct dg_block *blk,
			       const struct dt_obs *ref)
{
	const struct dt_exit *e = dt_last_exit(ref);
	const struct dg_insn *in = &blk->insn[ref->stopped_at];
	u64 v = ref->frame.vector;
	bool ok;

	if (dt_exit_is(e, DG_USER_PORT))
		ok = in->kind == DG_END;
	else if (!dt_exit_is(e, DG_HANDLER_PORT))
		ok = false;
	else if (v == GP_VECTOR || v == SS_VECTOR || v == PF_VECTOR)
		ok = in->kind == DG_STOPPER && in->stop == DG_STOP_FAULT &&
		     ref->frame.rip == p->code + blk->off[ref->stopped_at];
	else
		ok = v == DT_EVENT_VECTOR && (blk->rflags & DT_EFLAGS_IF);
	if (ok)
		return;
	dt_print_block(seed, index, p, blk, ref);
	TEST_FAIL("The reference stopped at %d, not as meant: seed %llu, block %llu",
		  ref->stopped_at, (unsigned long long)seed,
		  (unsigned long long)index);
}

/* ---- the module's counters ---- */

/* The counter of each kind of stop. */
static const size_t dt_stop_stat[DG_NR_STOPS] = {
	[DG_STOP_USER_PIO]	= offsetof(struct kc_stats, user_pio),
	[DG_STOP_USER_MMIO]	= offsetof(struct kc_stats, user_mmio),
	[DG_STOP_MMIO_ALU]	= offsetof(struct kc_stats, stop_user_io),
	[DG_STOP_CODE_WRITE]	= offsetof(struct kc_stats, stop_code_write),
	[DG_STOP_FAULT]		= offsetof(struct kc_stats, stop_fault),
	[DG_STOP_EVENT]		= offsetof(struct kc_stats, stop_event),
};

static const char * const dt_stop_stat_names[DG_NR_STOPS] = {
	[DG_STOP_USER_PIO]	= "user_pio",
	[DG_STOP_USER_MMIO]	= "user_mmio",
	[DG_STOP_MMIO_ALU]	= "stop_user_io",
	[DG_STOP_CODE_WRITE]	= "stop_code_write",
	[DG_STOP_FAULT]		= "stop_fault",
	[DG_STOP_EVENT]		= "stop_event",
};

static u64 dt_stat(const struct kc_stats *s, size_t off)
{
	return *(const u64 *)((const char *)s + off);
}

/*
 * Where the module must stop a block first, from the reference's path:
 * the first stopper on it (the faulting one included), or with IF set
 * the first write of an 8259's IMR before it, after which KVM asks for
 * event processing (pic_unlock()) and the module stops for it.  The
 * module runs every instruction up to there, whatever comes next.
 */
static int dt_first_stop(const struct dg_block *blk, const struct dt_obs *ref,
			 int *at)
{
	bool fault = dt_exit_is(dt_last_exit(ref), DG_HANDLER_PORT) &&
		     ref->frame.vector != DT_EVENT_VECTOR;
	const struct dg_insn *in;
	int i;

	for (i = 0; i < ref->nr_steps + fault; i++) {
		*at = i < ref->nr_steps ? ref->path[i] : ref->stopped_at;
		in = &blk->insn[*at];
		if ((blk->rflags & DT_EFLAGS_IF) && in->imr_write)
			return DG_STOP_EVENT;
		if (in->kind == DG_STOPPER)
			return in->stop;
	}
	return DG_STOP_NONE;
}

/*
 * A block with stoppers, whose runs grew @v's counters from @before:
 * keep its part out of the exact checks (dt_check_counters()), and check
 * that the module stopped where it first had to, in every run that runs
 * the block (confirm mode: the second), and the counter of that stop
 * grew.  After a first stop that exits to userspace, KVM completes the
 * access and the module resumes the block (resumed), checked in sum.
 */
static void dt_check_stops(struct dt_vm *v, const struct kc_stats *before,
			   int first, u64 seed, u64 index,
			   const struct dg_params *p, const struct dg_block *blk,
			   const struct dt_obs *ref)
{
	struct kc_stats now = kc_stats(v->vm), s = kc_stats_sub(&now, before);
	u64 want = v->mode == KC_MODE_CONFIRM ? 1 : DT_RUNS, got;

	v->stopped = kc_stats_add(&v->stopped, &s);
	if (v->mode == KC_MODE_OFF || first == DG_STOP_NONE)
		return;
	got = dt_stat(&s, dt_stop_stat[first]);
	v->first_stops[first]++;
	v->stop_growth[first] += got;
	if (first == DG_STOP_USER_PIO || first == DG_STOP_USER_MMIO)
		v->resumed += s.resumed;
	if (got >= want)
		return;
	dt_print_block(seed, index, p, blk, ref);
	dt_print_replay(seed, index, p);
	TEST_FAIL("mode %s: block %llu stops first at a %s, %s grew by %llu, wanted %llu or more",
		  kc_mode_names[v->mode], (unsigned long long)index,
		  dg_stop_names[first], dt_stop_stat_names[first],
		  (unsigned long long)got, (unsigned long long)want);
}

/*
 * Per kind of first stop, the counter's growth in sum; and that blocks
 * went on after the userspace exits they stopped at first.
 */
static void dt_check_stop_sums(struct dt_vm *v)
{
	int k;

	if (v->mode == KC_MODE_OFF)
		return;
	printf("# %s: first stops:", kc_mode_names[v->mode]);
	for (k = DG_STOP_NONE + 1; k < DG_NR_STOPS; k++)
		printf(" %s %llu (%s +%llu)", dg_stop_names[k],
		       (unsigned long long)v->first_stops[k],
		       dt_stop_stat_names[k],
		       (unsigned long long)v->stop_growth[k]);
	printf("; resumed after userspace +%llu\n",
	       (unsigned long long)v->resumed);
	for (k = DG_STOP_NONE + 1; k < DG_NR_STOPS; k++) {
		TEST_ASSERT(!v->first_stops[k] || v->stop_growth[k],
			    "mode %s: %s did not grow", kc_mode_names[v->mode],
			    dt_stop_stat_names[k]);
	}
	TEST_ASSERT(!v->first_stops[DG_STOP_USER_PIO] || v->resumed,
		    "mode %s: no block resumed after userspace",
		    kc_mode_names[v->mode]);
}

static void dt_expect(int mode, const char *counter, u64 got, u64 want)
{
	TEST_ASSERT(got == want, "mode %s: %s grew by %llu, wanted %llu",
		    kc_mode_names[mode], counter, (unsigned long long)got,
		    (unsigned long long)want);
}

/*
 * Every run of a block without stoppers is two exits in scan and addr
 * modes: the block, which the module runs up to the final OUT and stops
 * there (no in-kernel device takes it), and that OUT, which the guest
 * re-executes and the module declines.  In confirm mode the first run
 * is an exit per I/O instruction, each run alone, and the second like
 * scan's.  The reference exits at each I/O instruction.  INS and OUTS
 * exits count as string_pio_exits, all others as pio_exits.  What blocks
 * with stoppers added is left out.
 */
static void dt_check_counters(struct dt_vm *v, const struct dt_totals *t)
{
	struct kc_stats now = kc_stats(v->vm), s = kc_stats_sub(&now, &v->start);
	u64 n = t->blocks, runs = DT_RUNS * n;
	u64 first_string = t->first_string, pio = t->io - t->string;
	int m = v->mode;

	kc_print_stats(kc_mode_names[m], &now);
	s = kc_stats_sub(&s, &v->stopped);

	switch (m) {
	case KC_MODE_OFF:
		dt_expect(m, "pio_exits", s.pio_exits, pio + n);
		dt_expect(m, "string_pio_exits", s.string_pio_exits, t->string);
		dt_expect(m, "handled", s.handled, 0);
		dt_expect(m, "insns", s.insns, 0);
		return;
	case KC_MODE_CONFIRM:
		/*
		 * First sighting: each I/O exits and runs alone, the final
		 * OUT exits and goes to userspace; second: one exit, and the
		 * block exits to userspace for its final OUT itself.
		 */
		dt_expect(m, "pio_exits", s.pio_exits,
			  pio + n + n - first_string);
		dt_expect(m, "string_pio_exits", s.string_pio_exits,
			  t->string + first_string);
		dt_expect(m, "handled", s.handled, t->io + n);
		dt_expect(m, "blocks", s.blocks, n);
		dt_expect(m, "insns", s.insns, t->io + t->steps);
		dt_expect(m, "io_coalesced", s.io_coalesced, t->io - n);
		dt_expect(m, "user_pio", s.user_pio, n);
		dt_expect(m, "declined", s.declined, n);
		break;
	default:
		/* One exit per run: the block exits for its final OUT. */
		dt_expect(m, "pio_exits", s.pio_exits,
			  runs - DT_RUNS * first_string);
		dt_expect(m, "string_pio_exits", s.string_pio_exits,
			  DT_RUNS * first_string);
		dt_expect(m, "handled", s.handled, runs);
		dt_expect(m, "blocks", s.blocks, runs);
		dt_expect(m, "insns", s.insns, DT_RUNS * t->steps);
		dt_expect(m, "io_coalesced", s.io_coalesced,
			  DT_RUNS * t->io - runs);
		dt_expect(m, "user_pio", s.user_pio, runs);
		dt_expect(m, "declined", s.declined, 0);
		break;
	}
	dt_expect(m, "io", s.io, DT_RUNS * t->io);
	dt_expect(m, "stop_user_io", s.stop_user_io, 0);
	/* The next run sets RIP: no block resumes after its final OUT. */
	dt_expect(m, "resumed", s.resumed, 0);
	dt_expect(m, "stop_event", s.stop_event, 0);
	/* Every access is to RAM, within a page, away from the code. */
	dt_expect(m, "stop_fault", s.stop_fault, 0);
	dt_expect(m, "stop_code_write", s.stop_code_write, 0);
	dt_expect(m, "user_mmio", s.user_mmio, 0);
}

/* ---- main ---- */

/* The reference's path of a block without stoppers, for the counters. */
static void dt_count(struct dt_totals *t, const struct dg_block *blk,
		     const struct dt_obs *ref)
{
	t->steps += ref->nr_steps;
	t->io += ref->nr_io;
	t->string += ref->nr_string;
	t->first_string += blk->insn[0].kind == DG_STRING;
	t->mem += ref->nr_mem;
	t->blocks++;
}

/* The stoppers on the reference's path, and how its runs ended. */
static void dt_count_stops(struct dt_totals *t, const struct dg_block *blk,
			   const struct dt_obs *ref)
{
	const struct dg_insn *in;
	int i;

	t->stop_blocks++;
	for (i = 0; i <= ref->nr_steps; i++) {
		in = &blk->insn[i < ref->nr_steps ? ref->path[i] :
				ref->stopped_at];
		if (in->kind == DG_STOPPER &&
		    (i < ref->nr_steps || in->stop == DG_STOP_FAULT))
			t->stops[in->stop]++;
	}
	if (dt_exit_is(dt_last_exit(ref), DG_HANDLER_PORT)) {
		if (ref->frame.vector == DT_EVENT_VECTOR)
			t->events++;
		else
			t->faults++;
	}
}

/* Run block @i of @seed in every mode and compare; fails at a mismatch. */
static void dt_block(struct dt_vm *vms, u64 seed, u64 i, struct dg_params *p,
		     struct dt_totals *t)
{
	static struct dt_obs ref, obs;
	static struct dg_block blk;
	static struct dt_diff diff;
	struct kc_stats before[KC_NR_MODES];
	struct kvm_pic_state pic_before[2];
	int mode, run, first, at;
	bool stoppers;

	/* Every VM has the same layout: the slot's address is theirs. */
	p->code = dt_slot(&vms[KC_MODE_OFF], i);
	dg_generate(seed, i, p, &blk);
	stoppers = dt_has_stoppers(&blk);
	for (mode = 0; mode < KC_NR_MODES; mode++) {
		dt_load(&vms[mode], &blk, i);
		if (blk.rflags & DT_EFLAGS_IF)
			dt_arm_event(&vms[mode]);
		if (stoppers)
			before[mode] = kc_stats(vms[mode].vm);
	}

	dt_run(&vms[KC_MODE_OFF], &blk, i, true, &ref);
	dt_check_reference(seed, i, p, &blk, &ref);
	if (stoppers)
		dt_count_stops(t, &blk, &ref);
	else
		dt_count(t, &blk, &ref);
	first = dt_first_stop(&blk, &ref, &at);
	if (first != DG_STOP_NONE)
		t->first_at |= 1ull << at;

	for (mode = KC_MODE_OFF + 1; mode < KC_NR_MODES; mode++) {
		struct dt_vm *v = &vms[mode];

		memcpy(pic_before, v->pic, sizeof(pic_before));
		for (run = 0; run < DT_RUNS; run++) {
			if (run)
				kc_pics_set(v->vm, pic_before);
			dt_run(v, &blk, i, false, &obs);
			if (dt_compare(&blk, &ref, &obs, &diff))
				continue;
			dt_report(seed, i, run, mode, p, &blk, &ref, &diff);
			TEST_FAIL("mode %s differs from off: seed %llu, block %llu",
				  kc_mode_names[mode], (unsigned long long)seed,
				  (unsigned long long)i);
		}
	}
	for (mode = 0; stoppers && mode < KC_NR_MODES; mode++)
		dt_check_stops(&vms[mode], &before[mode], first, seed, i, p,
			       &blk, &ref);
}

static void dt_print_totals(const struct dt_totals *t)
{
	int k;

	printf("# reference: %llu blocks without stoppers:",
	       (unsigned long long)t->blocks);
	printf(" %llu instructions before the final OUTs, %llu in-kernel I/O",
	       (unsigned long long)t->steps, (unsigned long long)t->io);
	printf(" (%llu INS or OUTS, %llu blocks starting with one),",
	       (unsigned long long)t->string,
	       (unsigned long long)t->first_string);
	printf(" %llu with a memory operand or LEA\n",
	       (unsigned long long)t->mem);
	printf("# reference: %llu blocks with stoppers,",
	       (unsigned long long)t->stop_blocks);
	printf(" %llu runs ended by a fault, %llu by the event; stoppers on the paths:",
	       (unsigned long long)t->faults, (unsigned long long)t->events);
	for (k = DG_STOP_NONE + 1; k < DG_NR_STOPS; k++)
		printf(" %s %llu", dg_stop_names[k],
		       (unsigned long long)t->stops[k]);
	printf("\n# reference: first stops at %d instruction indexes, %d to %d\n",
	       __builtin_popcountll(t->first_at),
	       t->first_at ? __builtin_ffsll(t->first_at) - 1 : 0,
	       t->first_at ? 63 - __builtin_clzll(t->first_at) : 0);
}

static unsigned int dt_share(const char *what, const char *arg)
{
	unsigned long v = strtoul(arg, NULL, 0);

	TEST_ASSERT(v <= 100, "%s %s: not a percentage", what, arg);
	return v;
}

static void dt_usage(const char *prog)
{
	printf("usage: %s [-s SEED|random] [-n BLOCKS] [-f FIRST]", prog);
	printf(" [-m MEM%%] [-S STRING%%] [-t STOP%%]\n");
	exit(KSFT_FAIL);
}

int main(int argc, char *argv[])
{
	const char *env_seed = getenv("KC_DIFF_SEED");
	const char *env_blocks = getenv("KC_DIFF_BLOCKS");
	const char *env_mem = getenv("KC_DIFF_MEM");
	const char *env_string = getenv("KC_DIFF_STRING");
	const char *env_stop = getenv("KC_DIFF_STOP");
	struct dg_params params = { .scratch = DT_SCRATCH_GPA,
				    .mem_share = DG_DEFAULT_MEM_SHARE,
				    .string_share = DG_DEFAULT_STRING_SHARE,
				    .stop_share = DG_DEFAULT_STOP_SHARE };
	u64 seed = DT_DEFAULT_SEED, first = 0, nr = DT_DEFAULT_BLOCKS, i;
	struct dt_vm vms[KC_NR_MODES] = {};
	struct dt_totals totals = {};
	int opt, mode;

	if (env_seed)
		seed = kc_parse_seed(env_seed);
	if (env_blocks)
		nr = strtoull(env_blocks, NULL, 0);
	if (env_mem)
		params.mem_share = dt_share("KC_DIFF_MEM", env_mem);
	if (env_string)
		params.string_share = dt_share("KC_DIFF_STRING", env_string);
	if (env_stop)
		params.stop_share = dt_share("KC_DIFF_STOP", env_stop);
	while ((opt = getopt(argc, argv, "s:n:f:m:S:t:")) != -1) {
		switch (opt) {
		case 's':
			seed = kc_parse_seed(optarg);
			break;
		case 'n':
			nr = strtoull(optarg, NULL, 0);
			break;
		case 'f':
			first = strtoull(optarg, NULL, 0);
			break;
		case 'm':
			params.mem_share = dt_share("-m", optarg);
			break;
		case 'S':
			params.string_share = dt_share("-S", optarg);
			break;
		case 't':
			params.stop_share = dt_share("-t", optarg);
			break;
		default:
			dt_usage(argv[0]);
		}
	}

	TEST_REQUIRE(kvm_has_cap(KVM_CAP_COALESCED_PIO));
	TEST_REQUIRE(kvm_check_cap(KVM_CAP_SYNC_REGS) & KVM_SYNC_X86_REGS);
	kc_module_ensure_loaded();

	ksft_print_header();
	ksft_set_plan(KC_NR_MODES);
	printf("# seed %llu, blocks %llu-%llu, memory operands in %u%% of instructions,",
	       (unsigned long long)seed, (unsigned long long)first,
	       (unsigned long long)(first + nr - 1), params.mem_share);
	printf(" string I/O begun in %u%%, stoppers in %u%% of blocks\n",
	       params.string_share, params.stop_share);
	printf("# off (the reference) runs each block once, scan, confirm and addr %d times\n",
	       DT_RUNS);

	for (mode = 0; mode < KC_NR_MODES; mode++)
		dt_vm_create(&vms[mode], mode);

	for (i = first; i < first + nr; i++)
		dt_block(vms, seed, i, &params, &totals);

	dt_print_totals(&totals);
	for (mode = 0; mode < KC_NR_MODES; mode++) {
		dt_check_counters(&vms[mode], &totals);
		dt_check_stop_sums(&vms[mode]);
		ksft_test_result_pass("mode=%s: %llu blocks%s\n",
				      kc_mode_names[mode],
				      (unsigned long long)(totals.blocks +
							   totals.stop_blocks),
				      mode == KC_MODE_OFF ? ", the reference: exits as its paths" :
				      ", each run as off; counters as the paths and stops");
		kvm_vm_free(vms[mode].vm);
	}
	ksft_finished();
}
