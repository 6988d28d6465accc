// SPDX-License-Identifier: GPL-2.0
/*
 * Glue between KVM's I/O exit hooks and kvm_coalesce, and the three ways
 * of using the block table (the modes, see Documentation/design.rst).
 *
 * KVM offers every port I/O exit and every emulated MMIO fault of a TDP
 * guest to these callbacks before handling it (asm/kvm_io_exit.h).  They
 * run in vCPU context, under KVM's I/O exit SRCU and kvm->srcu.  What
 * they decline, KVM handles as without the module; nothing has changed
 * then.
 *
 * Here an exit is described (struct kc_exit), its code fetched and its
 * block found or scanned, run by exec.c, and the result acted on towards
 * KVM and counted, in this file only.  In every mode a stored block runs
 * only after its code was compared byte for byte with the guest's code
 * at this exit, so stale code never runs.
 *
 * Blocks start at IN, OUT, INS or OUTS exits (not at REP INS or REP
 * OUTS, which KVM emulates) and at MMIO exits.  A block that reaches an
 * IN or OUT that only userspace takes exits to userspace for it as the
 * guest's own exit would have, and one that reaches a MOV, MOVZX or MOVSX
 * of MMIO that only userspace takes has KVM's emulator run it; when
 * userspace re-enters, KVM completes the access and offers the rest of
 * the block to kc_resume().
 */
#include <linux/bitfield.h>
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "kvm_cache_regs.h"

#include "kvm_coalesce.h"

/*
 * What kc_resume() needs to find a block again after userspace: its
 * address (guest physical addresses have at most 52 bits) and where in
 * it to resume; 0 for nothing to resume.
 */
#define KC_COOKIE_GPA		GENMASK_ULL(51, 0)
#define KC_COOKIE_RESUME	GENMASK_ULL(63, 52)

/* The counter of each reason to stop a run. */
static const enum kc_stat kc_stop_stats[] = {
	[KC_STOP_EVENT]		= KC_STAT_stop_event,
	[KC_STOP_USER_IO]	= KC_STAT_stop_user_io,
	[KC_STOP_IOPL]		= KC_STAT_stop_iopl,
	[KC_STOP_FAULT]		= KC_STAT_stop_fault,
	[KC_STOP_CODE_WRITE]	= KC_STAT_stop_code_write,
	[KC_STOP_TPR]		= KC_STAT_stop_tpr,
	[KC_STOP_BRANCH_RECORD]	= KC_STAT_stop_branch_record,
};

/* How many of @blk's instructions an exit runs: one if it is singular. */
static unsigned int kc_run_len(const struct kc_block *blk)
{
	return blk->singular ? 1 : blk->nr_insns;
}

/*
 * The cookie to resume @blk after @res's access; 0 if nothing is left
 * that would save an exit.
 */
static u64 kc_cookie(const struct kc_block *blk, const struct kc_result *res)
{
	unsigned int resume = res->next + res->insn_len;

	if (resume >= blk->len ||
	    !kc_block_resume_pays(blk, res->next_insn + 1))
		return 0;
	return FIELD_PREP(KC_COOKIE_GPA, blk->gpa) |
	       FIELD_PREP(KC_COOKIE_RESUME, resume);
}

/* Count what a run of @blk did at @exit. */
static void kc_account(struct kc_vm *vm, const struct kc_exit *exit,
		       const struct kc_result *res)
{
	bool resumed = exit->kind == KC_EXIT_RESUME;

	if (res->outcome == KC_USER_PIO) {
		kc_stat_inc(vm, KC_STAT_user_pio);
		if (res->user_known)
			kc_stat_inc(vm, KC_STAT_user_pio_known);
	} else if (res->outcome == KC_EMULATE) {
		kc_stat_inc(vm, KC_STAT_user_mmio);
	}
	if (!res->ran)
		return;
	kc_stat_add(vm, KC_STAT_insns, res->ran);
	kc_stat_add(vm, KC_STAT_io, res->io);
	/* Every access of a resumed block saves an exit. */
	kc_stat_add(vm, KC_STAT_io_coalesced, res->io - !resumed);
	if (res->ran > 1 && !resumed)
		kc_stat_inc(vm, KC_STAT_blocks);
	if (res->stop != KC_STOP_NONE)
		kc_stat_inc(vm, kc_stop_stats[res->stop]);
}

/*
 * Run the first @n instructions of @blk at @exit, drop the caller's
 * reference to it, and tell KVM what happened.
 */
static enum kvm_io_exit_result kc_run(struct kc_vm *vm, struct kvm_vcpu *vcpu,
				      const struct kc_exit *exit,
				      struct kc_block *blk, unsigned int n)
{
	enum kvm_io_exit_result r = KVM_IO_EXIT_HANDLED;
	bool first_exit = exit->kind != KC_EXIT_RESUME;
	struct kc_result res;

	kc_exec(vm, vcpu, exit, blk, n, &res);
	kc_account(vm, exit, &res);
	/* KVM runs a lone IN or OUT for less (known_rip.c). */
	if (res.ran && blk->singular && exit->kind == KC_EXIT_PIO)
		kc_known_rip_note(vm, exit, blk->limits, INVALID_GPA);

	switch (res.outcome) {
	case KC_DECLINED:
		/* Only an exit's own access tells where it goes. */
		if (res.user_io && first_exit) {
			kc_user_io_note(vm, vcpu->kvm, exit);
			/*
			 * A device at its page may take other accesses,
			 * but a read it refused it refuses again: zones and
			 * ioeventfds take writes only.  A write may have
			 * found a zone's ring full, or an ioeventfd that
			 * matches other values, this time only.
			 */
			if (res.user_read)
				kc_known_rip_note(vm, exit, blk->limits,
						  exit->gpa & PAGE_MASK);
		}
		r = KVM_IO_EXIT_DECLINED;
		break;
	case KC_USER_PIO:
		/* Later accesses of blocks to the port then skip the bus. */
		if (!res.user_known)
			kc_user_port_note(vm, vcpu->kvm, exit, res.port,
					  res.size);
		r = kvm_io_exit_user_pio(vcpu, res.size, res.port, res.in,
					 res.insn_len, kc_cookie(blk, &res));
		break;
	case KC_EMULATE:
		r = kvm_io_exit_emulate(vcpu, res.insn_len,
					kc_cookie(blk, &res));
		break;
	case KC_RAN:
		break;
	}
	kc_block_put(blk);
	return r;
}

/*
 * Scan the code of @w, the whole window, for a new block, with the
 * registers at this exit; counts the scan and singular results.
 */
static struct kc_block *kc_scan_code(struct kc_vm *vm, struct kvm_vcpu *vcpu,
				     const struct kc_exit *exit,
				     struct kc_window *w)
{
	struct kc_limits limits = kc_vm_limits(vm);
	unsigned long gpr[KC_NR_GPRS];
	struct kc_block *blk = NULL;
	struct kc_insn *insns;
	struct kc_scan scan;
	unsigned int i;

	if (kc_fetch(vcpu, w, KC_WINDOW_BYTES))
		return NULL;
	insns = kmalloc_array(limits.extent + 1, sizeof(*insns), GFP_KERNEL);
	if (!insns)
		return NULL;
	for (i = 0; i < KC_NR_GPRS; i++)
		gpr[i] = kvm_register_read_raw(vcpu, i);

	kc_stat_inc(vm, KC_STAT_scans);
	if (kc_scan(w, gpr, exit->mode, limits, insns, &scan))
		blk = kc_block_new(vm, w, &scan, insns, exit->mode, limits);
	kfree(insns);
	if (blk && blk->singular)
		kc_stat_inc(vm, KC_STAT_singular);
	return blk;
}

/* A new block at @exit, stored in the table, with a reference. */
static struct kc_block *kc_scan_store(struct kc_vm *vm, struct kvm_vcpu *vcpu,
				      const struct kc_exit *exit,
				      struct kc_window *w)
{
	struct kc_block *blk = kc_scan_code(vm, vcpu, exit, w);

	if (blk)
		kc_table_insert(vm, blk);
	return blk;
}

/* No block starts at @exit: leave the next exits at its RIP to KVM. */
static enum kvm_io_exit_result kc_no_block(struct kc_vm *vm,
					   const struct kc_exit *exit)
{
	kc_known_rip_note(vm, exit, kc_vm_limits(vm), INVALID_GPA);
	return KVM_IO_EXIT_DECLINED;
}

enum kc_lookup {
	KC_ABSENT,		/* no block for the address */
	KC_STALE,		/* a block whose code changed: dropped */
	KC_FOUND,
};

/* How a stored block is found to be the code at this exit. */
enum kc_check {
	KC_CHECK_CODE,		/* its bytes */
	KC_CHECK_HASH,		/* its keyed hash, then its bytes */
};

/*
 * The stored block for @w's address, with a reference, if it was
 * scanned in the exit's CPU mode and within the current limits (else it is
 * dropped and reported absent), and its code is the code at this exit,
 * by @check.
 */
static enum kc_lookup kc_lookup(struct kc_vm *vm, struct kvm_vcpu *vcpu,
				const struct kc_exit *exit, struct kc_window *w,
				enum kc_check check, struct kc_block **blkp)
{
	struct kc_block *blk;
	bool same;

	blk = kc_table_get_last(vm, kc_vcpu_get(vm, vcpu), w->gpa);
	if (!blk) {
		kc_stat_inc(vm, KC_STAT_table_misses);
		return KC_ABSENT;
	}
	if (!kc_limits_equal(blk->limits, kc_vm_limits(vm)) ||
	    blk->mode != exit->mode) {
		kc_stat_inc(vm, KC_STAT_table_misses);
		kc_table_remove(vm, blk);
		kc_block_put(blk);
		return KC_ABSENT;
	}
	kc_stat_inc(vm, KC_STAT_table_hits);

	same = !kc_fetch(vcpu, w, blk->len);
	if (same && check == KC_CHECK_HASH)
		same = kc_block_same_hash(vm, blk, w);
	if (same)
		same = kc_block_same_code(blk, w);
	if (!same) {
		kc_stat_inc(vm, KC_STAT_hash_mismatches);
		kc_table_remove(vm, blk);
		kc_block_put(blk);
		return KC_STALE;
	}
	kc_block_hit(blk);
	*blkp = blk;
	return KC_FOUND;
}

/*
 * Scan mode: address in the table and hash matching: run the block, one
 * instruction if it was singular; address absent: scan, store the block,
 * singular or not, and run it.  A block whose hash no longer matches is
 * dropped and only the exiting instruction runs.
 */
static enum kvm_io_exit_result kc_mode_scan(struct kc_vm *vm,
					    struct kvm_vcpu *vcpu,
					    const struct kc_exit *exit,
					    struct kc_window *w)
{
	struct kc_block *blk;

	switch (kc_lookup(vm, vcpu, exit, w, KC_CHECK_HASH, &blk)) {
	case KC_FOUND:
		break;
	case KC_STALE:
		blk = kc_scan_code(vm, vcpu, exit, w);
		return blk ? kc_run(vm, vcpu, exit, blk, 1) :
			     kc_no_block(vm, exit);
	default:
		blk = kc_scan_store(vm, vcpu, exit, w);
		if (!blk)
			return kc_no_block(vm, exit);
		break;
	}
	return kc_run(vm, vcpu, exit, blk, kc_run_len(blk));
}

/*
 * Confirm mode: scan at every exit; a block runs only if it was in the
 * table already, i.e. on its second sighting.  The first sighting stores
 * it and runs only the exiting instruction.
 */
static enum kvm_io_exit_result kc_mode_confirm(struct kc_vm *vm,
					       struct kvm_vcpu *vcpu,
					       const struct kc_exit *exit,
					       struct kc_window *w)
{
	struct kc_block *blk, *old;
	unsigned int n = 1;

	blk = kc_scan_code(vm, vcpu, exit, w);
	if (!blk)
		return KVM_IO_EXIT_DECLINED;

	if (!blk->singular) {
		old = kc_table_get(vm, w->gpa);
		if (old && kc_block_same(old, blk)) {
			kc_stat_inc(vm, KC_STAT_table_hits);
			kc_block_hit(old);
			n = blk->nr_insns;
		} else {
			kc_stat_inc(vm, KC_STAT_table_misses);
			if (old) {
				kc_stat_inc(vm, KC_STAT_hash_mismatches);
				kc_table_remove(vm, old);
			}
			kc_table_insert(vm, blk);
		}
		if (old)
			kc_block_put(old);
	}
	return kc_run(vm, vcpu, exit, blk, n);
}

/*
 * Address mode: the address finds the stored block, which runs after a
 * comparison of its code, without a scan or a keyed hash; a miss scans,
 * stores the block, singular or not, and runs it.  Storing a singular
 * access spares its next exits a scan, as in scan mode.
 */
static enum kvm_io_exit_result kc_mode_addr(struct kc_vm *vm,
					    struct kvm_vcpu *vcpu,
					    const struct kc_exit *exit,
					    struct kc_window *w)
{
	struct kc_block *blk;

	if (kc_lookup(vm, vcpu, exit, w, KC_CHECK_CODE, &blk) != KC_FOUND) {
		blk = kc_scan_store(vm, vcpu, exit, w);
		if (!blk)
			return kc_no_block(vm, exit);
	}
	return kc_run(vm, vcpu, exit, blk, kc_run_len(blk));
}

/*
 * Whether the module may run code at @exit, and in which CPU mode, RFLAGS
 * and CPL, which nothing changes before the block runs.
 */
static bool kc_may_run(struct kvm_vcpu *vcpu, struct kc_exit *exit)
{
	enum kc_cpu_mode mode;
	unsigned long rflags;

	if (!kc_vcpu_can_run(vcpu, &mode, &rflags))
		return false;
	exit->mode = mode;
	exit->rflags = rflags;
	exit->cpl = kvm_x86_call(get_cpl)(vcpu);
	return true;
}

/*
 * Handle @exit in the VM's mode, unless that is off (it was not when
 * the exit was counted, but may have changed since) or the vCPU's state
 * forbids.
 */
static enum kvm_io_exit_result kc_coalesce(struct kc_vm *vm,
					   struct kvm_vcpu *vcpu,
					   struct kc_exit *exit)
{
	enum kvm_io_exit_result r = KVM_IO_EXIT_DECLINED;
	enum kc_mode mode = kc_vm_mode(vm);
	struct kc_window w __uninitialized;

	exit->rip = kvm_rip_read(vcpu);
	if (mode != KC_MODE_OFF && kc_may_run(vcpu, exit) &&
	    !kc_fetch_start(vm, vcpu, exit->rip, exit->cpl, &w)) {
		switch (mode) {
		case KC_MODE_SCAN:
			r = kc_mode_scan(vm, vcpu, exit, &w);
			break;
		case KC_MODE_CONFIRM:
			r = kc_mode_confirm(vm, vcpu, exit, &w);
			break;
		default:
			r = kc_mode_addr(vm, vcpu, exit, &w);
			break;
		}
	}
	if (r == KVM_IO_EXIT_DECLINED)
		kc_stat_inc(vm, KC_STAT_declined);
	else
		kc_stat_inc(vm, KC_STAT_handled);
	return r;
}

/*
 * Count an exit of @kind of @vm; whether the module may handle it, i.e.
 * the VM's mode is not off.  This and the lookups below are all that an
 * exit the module leaves to KVM at once costs: the rest is out of line,
 * and so is the first exit of a VM, which attaches its state and offers
 * the exit again.
 */
static __always_inline bool kc_exit_counted(struct kc_vm *vm,
					    enum kc_stat kind)
{
	kc_stat_inc(vm, kind);
	return kc_vm_mode(vm) != KC_MODE_OFF;
}

/* Count an exit declined because it is known to be for KVM, for @why. */
static __always_inline void kc_count_known(struct kc_vm *vm,
					   enum kc_stat why)
{
	kc_stat_inc(vm, why);
	kc_stat_inc(vm, KC_STAT_declined);
}

/*
 * Whether RIP is in vcpu->arch.regs: SVM stores it there at every exit,
 * VMX reads it from the VMCS when first asked.  The offers below look
 * RIP up only then, and else read it one call further, so that no call
 * of theirs keeps their arguments live in saved registers.
 */
static __always_inline bool kc_rip_cached(struct kvm_vcpu *vcpu)
{
	return kvm_register_is_available(vcpu, VCPU_REGS_RIP);
}

/*
 * Whether the exit, an MMIO exit's at @gpa, is known by its RIP to be
 * for KVM (known_rip.c), but in confirm mode, which scans at every exit.
 * RIP is cached (kc_rip_cached()).
 */
static __always_inline bool kc_exit_rip_known(struct kc_vm *vm,
					      struct kvm_vcpu *vcpu,
					      gpa_t gpa)
{
	if (kc_vm_mode(vm) == KC_MODE_CONFIRM ||
	    !kc_rip_known(vm, vcpu->arch.regs[VCPU_REGS_RIP], gpa))
		return false;
	kc_count_known(vm, KC_STAT_rip_known);
	return true;
}

static enum kvm_io_exit_result kc_pio_exit(struct kvm_vcpu *vcpu, int size,
					   u16 port, bool in, bool string);
static enum kvm_io_exit_result kc_mmio_exit(struct kvm_vcpu *vcpu,
					    gpa_t gpa);
static enum kvm_io_exit_result
kc_pio_offer_read_rip(struct kc_vm *vm, struct kvm_vcpu *vcpu, int size,
		      u16 port, bool in, bool string);
static enum kvm_io_exit_result
kc_mmio_offer_read_rip(struct kc_vm *vm, struct kvm_vcpu *vcpu, gpa_t gpa);

static noinline __cold enum kvm_io_exit_result
kc_pio_exit_attach(struct kvm_vcpu *vcpu, int size, u16 port, bool in,
		   bool string)
{
	if (!kc_vm_create(vcpu->kvm))
		return KVM_IO_EXIT_DECLINED;
	return kc_pio_exit(vcpu, size, port, in, string);
}

static noinline __cold enum kvm_io_exit_result
kc_mmio_exit_attach(struct kvm_vcpu *vcpu, gpa_t gpa)
{
	if (!kc_vm_create(vcpu->kvm))
		return KVM_IO_EXIT_DECLINED;
	return kc_mmio_exit(vcpu, gpa);
}

static noinline enum kvm_io_exit_result
kc_pio_coalesce(struct kc_vm *vm, struct kvm_vcpu *vcpu, int size, u16 port,
		bool in, bool string)
{
	/*
	 * An INS or OUTS exit, REP forms included: the block's first
	 * instruction must be a non-REP INS or OUTS (exec.c), so REP forms,
	 * which the decoder never accepts, are left to KVM.
	 */
	struct kc_exit exit = {
		.kind = string ? KC_EXIT_STRING_PIO : KC_EXIT_PIO,
		.port = port,
		.size = size,
		.in = in,
		.gpa = INVALID_GPA,
		.pio_bus = kc_user_io_bus(vcpu->kvm, KVM_PIO_BUS),
	};

	return kc_coalesce(vm, vcpu, &exit);
}

/*
 * A port I/O exit of a VM whose mode is not off, for a port of devices;
 * the exit is described only once its RIP is not known to be KVM's.
 * Out of line, as what it saves would cost an exit in mode off.
 */
static noinline enum kvm_io_exit_result
kc_pio_offer(struct kc_vm *vm, struct kvm_vcpu *vcpu, int size, u16 port,
	     bool in, bool string)
{
	if (unlikely(!kc_rip_cached(vcpu)))
		return kc_pio_offer_read_rip(vm, vcpu, size, port, in, string);
	if (kc_exit_rip_known(vm, vcpu, INVALID_GPA))
		return KVM_IO_EXIT_DECLINED;
	return kc_pio_coalesce(vm, vcpu, size, port, in, string);
}

static noinline __cold enum kvm_io_exit_result
kc_pio_offer_read_rip(struct kc_vm *vm, struct kvm_vcpu *vcpu, int size,
		      u16 port, bool in, bool string)
{
	kvm_rip_read(vcpu);
	return kc_pio_offer(vm, vcpu, size, port, in, string);
}

static enum kvm_io_exit_result kc_pio_exit(struct kvm_vcpu *vcpu, int size,
					   u16 port, bool in, bool string)
{
	struct kc_vm *vm = kc_vm_attached(vcpu->kvm);

	if (unlikely(!vm))
		return kc_pio_exit_attach(vcpu, size, port, in, string);
	if (!kc_exit_counted(vm, string ? KC_STAT_string_pio_exits :
					  KC_STAT_pio_exits))
		return KVM_IO_EXIT_DECLINED;
	/* KVM tested the port of an IN or OUT itself (user_io.c). */
	if (string && kc_user_port_known(vm, vcpu->kvm, port)) {
		kc_count_known(vm, KC_STAT_user_io_known);
		return KVM_IO_EXIT_DECLINED;
	}
	return kc_pio_offer(vm, vcpu, size, port, in, string);
}

static noinline enum kvm_io_exit_result
kc_mmio_coalesce(struct kc_vm *vm, struct kvm_vcpu *vcpu, gpa_t gpa)
{
	struct kc_exit exit = {
		.kind = KC_EXIT_MMIO,
		.gpa = gpa,
		.pio_bus = kc_user_io_bus(vcpu->kvm, KVM_PIO_BUS),
		.mmio_bus = kc_user_io_bus(vcpu->kvm, KVM_MMIO_BUS),
	};

	return kc_coalesce(vm, vcpu, &exit);
}

/* An MMIO exit of a VM whose mode is not off, for an address of devices. */
static noinline enum kvm_io_exit_result
kc_mmio_offer(struct kc_vm *vm, struct kvm_vcpu *vcpu, gpa_t gpa)
{
	if (unlikely(!kc_rip_cached(vcpu)))
		return kc_mmio_offer_read_rip(vm, vcpu, gpa);
	if (kc_exit_rip_known(vm, vcpu, gpa))
		return KVM_IO_EXIT_DECLINED;
	return kc_mmio_coalesce(vm, vcpu, gpa);
}

static noinline __cold enum kvm_io_exit_result
kc_mmio_offer_read_rip(struct kc_vm *vm, struct kvm_vcpu *vcpu, gpa_t gpa)
{
	kvm_rip_read(vcpu);
	return kc_mmio_offer(vm, vcpu, gpa);
}

static enum kvm_io_exit_result kc_mmio_exit(struct kvm_vcpu *vcpu,
					    gpa_t gpa)
{
	struct kc_vm *vm = kc_vm_attached(vcpu->kvm);

	if (unlikely(!vm))
		return kc_mmio_exit_attach(vcpu, gpa);
	if (!kc_exit_counted(vm, KC_STAT_mmio_exits))
		return KVM_IO_EXIT_DECLINED;
	if (kc_user_mmio_known(vm, vcpu->kvm, gpa)) {
		kc_count_known(vm, KC_STAT_user_io_known);
		return KVM_IO_EXIT_DECLINED;
	}
	return kc_mmio_offer(vm, vcpu, gpa);
}

/*
 * Whether @blk's code is still at RIP minus @exit->start, translated
 * anew: userspace may have changed the guest's memory or page tables.
 */
static bool kc_resume_code(struct kc_vm *vm, struct kvm_vcpu *vcpu,
			   const struct kc_exit *exit,
			   const struct kc_block *blk)
{
	struct kc_window w __uninitialized;

	if (kc_fetch_start(vm, vcpu, exit->rip - exit->start, exit->cpl,
			   &w) ||
	    w.gpa != blk->gpa || kc_fetch(vcpu, &w, blk->len))
		return false;
	return w.len == blk->len && kc_block_same_code(blk, &w);
}

/*
 * Userspace completed the access that kc_run() left to it, and RIP is
 * past it: run the rest of the block, if it is still in the table, its
 * code unchanged, and the vCPU may run it.
 */
static enum kvm_io_exit_result kc_resume(struct kvm_vcpu *vcpu, u64 cookie)
{
	struct kc_vm *vm = kc_vm_attached(vcpu->kvm);
	enum kvm_io_exit_result r;
	struct kc_block *blk;
	struct kc_exit exit;

	if (!vm || kc_vm_mode(vm) == KC_MODE_OFF)
		return KVM_IO_EXIT_DECLINED;
	exit = (struct kc_exit) {
		.kind = KC_EXIT_RESUME,
		.rip = kvm_rip_read(vcpu),
		.gpa = INVALID_GPA,
		.pio_bus = kc_user_io_bus(vcpu->kvm, KVM_PIO_BUS),
		.start = FIELD_GET(KC_COOKIE_RESUME, cookie),
	};
	if (!kc_may_run(vcpu, &exit))
		return KVM_IO_EXIT_DECLINED;
	/* The block that left to userspace is the vCPU's last, usually. */
	blk = kc_table_get_last(vm, kc_vcpu_get(vm, vcpu),
				FIELD_GET(KC_COOKIE_GPA, cookie));
	if (!blk)
		return KVM_IO_EXIT_DECLINED;
	if (blk->mode != exit.mode || !kc_resume_code(vm, vcpu, &exit, blk)) {
		kc_block_put(blk);
		return KVM_IO_EXIT_DECLINED;
	}
	r = kc_run(vm, vcpu, &exit, blk, blk->nr_insns);
	if (r != KVM_IO_EXIT_DECLINED)
		kc_stat_inc(vm, KC_STAT_resumed);
	return r;
}

static const struct kvm_io_exit_ops kc_hook_ops = {
	.pio = kc_pio_exit,
	.mmio = kc_mmio_exit,
	.resume = kc_resume,
};

int kc_hook_register(void)
{
	return kvm_io_exit_register(&kc_hook_ops);
}

/* Returns once no callback runs and every VM's state is released. */
void kc_hook_unregister(void)
{
	kvm_io_exit_unregister(&kc_hook_ops);
}
