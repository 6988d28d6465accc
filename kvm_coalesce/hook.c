// SPDX-License-Identifier: GPL-2.0
/*
 * Glue between KVM's I/O exit hooks and kvm_coalesce, and the three ways
 * of using the block table (the modes).
 *
 * KVM offers every port I/O exit and every emulated MMIO fault of a TDP
 * guest to these callbacks before handling it (asm/kvm_io_exit.h).  They
 * run in vCPU context, under KVM's I/O exit SRCU and kvm->srcu, and
 * return false for exits they leave to KVM, having changed nothing.
 *
 * In every mode a stored block runs only after its code was compared
 * byte for byte with the guest's code at this exit, so stale code never
 * runs.
 *
 * Blocks start at IN, OUT, INS or OUTS exits (not at REP INS or REP
 * OUTS, which KVM emulates) and at MMIO exits.
 *
 * A block that reaches an IN or OUT, or a MOV, MOVZX or MOVSX to or from
 * MMIO, that only userspace takes exits to userspace for it, as the
 * guest's own exit would have, and when userspace re-enters, KVM
 * completes the access and offers the rest of the block to kc_resume().
 */
#include <linux/bitfield.h>
#include <linux/kvm_host.h>
#include <linux/module.h>

#include "kvm_cache_regs.h"

#include "kvm_coalesce.h"

/* How many of @blk's instructions an exit runs: one if it is singular. */
static unsigned int kc_run_len(const struct kc_block *blk)
{
	return blk->singular ? 1 : blk->nr_insns;
}

/*
 * What kc_resume() needs to find a block again after userspace: its
 * address (guest physical addresses have at most 52 bits) and where in
 * it to resume, 0 for nowhere.
 */
#define KC_COOKIE_GPA		GENMASK_ULL(51, 0)
#define KC_COOKIE_RESUME	GENMASK_ULL(63, 52)

/*
 * The block ran up to an access that only userspace takes: exit to
 * userspace for it.  Returns the exit handler's value.
 */
static int kc_exit_user(struct kc_vm *vm, struct kvm_vcpu *vcpu, gpa_t gpa,
			const struct kc_user_exit *u)
{
	u64 cookie = FIELD_PREP(KC_COOKIE_GPA, gpa) |
		     FIELD_PREP(KC_COOKIE_RESUME, u->resume);

	if (u->mmio) {
		kc_stat_inc(vm, KC_STAT_user_mmio);
		return kvm_io_exit_user_mmio(vcpu, &u->m, cookie);
	}
	kc_stat_inc(vm, KC_STAT_user_pio);
	return kvm_io_exit_user_pio(vcpu, u->size, u->port, u->in, u->len,
				    cookie);
}

/*
 * Run the first @n instructions of @blk, drop the caller's reference to
 * it and account for the result.
 */
static bool kc_run(struct kc_vm *vm, struct kvm_vcpu *vcpu,
		   struct kc_code *code, struct kc_block *blk,
		   unsigned int n, int *ret)
{
	int ran = kc_exec(vm, vcpu, blk, n, code);
	gpa_t gpa = blk->gpa;

	/* Nothing to resume after the block's last instruction. */
	if (code->user_exit.len && code->user_exit.resume >= blk->len)
		code->user_exit.resume = 0;
	if (ran > 0 && blk->singular && !code->start)
		kc_singular_note(vm, code, code->rip, blk->extent);
	kc_block_put(blk);
	if (code->user_exit.len) {
		*ret = kc_exit_user(vm, vcpu, gpa, &code->user_exit);
		return true;
	}
	if (ran <= 0) {
		/* Only an exit's own access tells where its port goes. */
		if (ran == -EOPNOTSUPP && !code->start)
			kc_user_io_note(vm, vcpu->kvm, code);
		return false;
	}
	*ret = 1;
	return true;
}

/*
 * Scan the code at this exit; counts the scan and singular results.
 * @hash: the block will be stored or compared, compute its keyed hash.
 */
static struct kc_block *kc_scan_code(struct kc_vm *vm, struct kvm_vcpu *vcpu,
				     struct kc_code *code, bool hash)
{
	struct kc_block *blk;

	int i;

	if (kc_read(vcpu, code, KC_WINDOW_BYTES))
		return NULL;
	for (i = 0; i < KC_NR_GPRS; i++)
		code->gpr[i] = kvm_register_read_raw(vcpu, i);
	blk = kc_scan(code, kc_vm_extent(vm));
	kc_stat_inc(vm, KC_STAT_scans);
	if (!blk)
		return NULL;
	blk->gpa = code->gpa;
	if (hash)
		blk->hash = kc_block_hash(vm, blk->bytes, blk->len, blk->gpa);
	if (blk->singular)
		kc_stat_inc(vm, KC_STAT_singular);
	return blk;
}

enum kc_lookup {
	KC_ABSENT,		/* no block for the address */
	KC_STALE,		/* a block whose code changed: dropped */
	KC_FOUND,
};

/*
 * Look up the block for this exit's address, with a reference.  It is
 * found if it was scanned with the current extent (else it is dropped
 * and reported absent) and its code is the code at this exit: compared
 * byte for byte, after the keyed hashes when @hash is set.
 */
static enum kc_lookup kc_lookup(struct kc_vm *vm, struct kvm_vcpu *vcpu,
				struct kc_code *code, bool hash,
				struct kc_block **blkp)
{
	struct kc_block *blk = kc_table_get(vm, code->gpa);
	bool same;

	if (!blk) {
		kc_stat_inc(vm, KC_STAT_table_misses);
		return KC_ABSENT;
	}
	if (blk->extent != kc_vm_extent(vm)) {
		kc_stat_inc(vm, KC_STAT_table_misses);
		kc_table_remove(vm, blk);
		kc_block_put(blk);
		return KC_ABSENT;
	}
	kc_stat_inc(vm, KC_STAT_table_hits);

	same = !kc_read(vcpu, code, blk->len) && blk->len <= code->len;
	if (same && hash)
		same = kc_block_hash(vm, code->bytes, blk->len, code->gpa) ==
		       blk->hash;
	if (same)
		same = !memcmp(blk->bytes, code->bytes, blk->len);
	if (!same) {
		kc_stat_inc(vm, KC_STAT_hash_mismatches);
		kc_table_remove(vm, blk);
		kc_block_put(blk);
		return KC_STALE;
	}
	atomic_long_inc(&blk->hits);
	*blkp = blk;
	return KC_FOUND;
}

/*
 * Figure 5: address in the table and hash matching: run the block, one
 * instruction if it was singular; address absent: scan, store the block,
 * singular or not, and run it.  A block whose hash no longer matches is
 * dropped and only the exiting instruction runs.
 */
static bool kc_mode_scan(struct kc_vm *vm, struct kvm_vcpu *vcpu,
			 struct kc_code *code, int *ret)
{
	struct kc_block *blk;

	switch (kc_lookup(vm, vcpu, code, true, &blk)) {
	case KC_FOUND:
		return kc_run(vm, vcpu, code, blk, kc_run_len(blk), ret);
	case KC_STALE:
		blk = kc_scan_code(vm, vcpu, code, false);
		return blk && kc_run(vm, vcpu, code, blk, 1, ret);
	default:
		blk = kc_scan_code(vm, vcpu, code, true);
		if (!blk)
			return false;
		blk->confirmed = true;
		kc_table_insert(vm, blk);
		return kc_run(vm, vcpu, code, blk, kc_run_len(blk), ret);
	}
}

/*
 * Figure 6: scan at every exit; a block runs only if its hash was in the
 * table already, i.e. on its second sighting.  The first sighting stores
 * the hash and runs only the exiting instruction.
 */
static bool kc_mode_confirm(struct kc_vm *vm, struct kvm_vcpu *vcpu,
			    struct kc_code *code, int *ret)
{
	struct kc_block *blk, *old;
	unsigned int n = 1;

	blk = kc_scan_code(vm, vcpu, code, true);
	if (!blk)
		return false;

	if (!blk->singular) {
		old = kc_table_get(vm, code->gpa);
		if (old && old->hash == blk->hash && old->len == blk->len &&
		    old->extent == blk->extent &&
		    !memcmp(old->bytes, blk->bytes, blk->len)) {
			kc_stat_inc(vm, KC_STAT_table_hits);
			atomic_long_inc(&old->hits);
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
	return kc_run(vm, vcpu, code, blk, n, ret);
}

/*
 * Figure 7: the hashed physical address finds the stored block, which
 * runs without a scan; a miss scans, stores the block, singular or not,
 * and runs it.  Storing a singular access spares its next exits a scan
 * (about ten thousand instructions of the test VM for an extent of 32),
 * as in scan mode.
 */
static bool kc_mode_addr(struct kc_vm *vm, struct kvm_vcpu *vcpu,
			 struct kc_code *code, int *ret)
{
	struct kc_block *blk;

	if (kc_lookup(vm, vcpu, code, false, &blk) != KC_FOUND) {
		/* Stored blocks carry their hash, for the other modes. */
		blk = kc_scan_code(vm, vcpu, code, true);
		if (!blk)
			return false;
		blk->confirmed = true;
		kc_table_insert(vm, blk);
	}
	return kc_run(vm, vcpu, code, blk, kc_run_len(blk), ret);
}

/*
 * Handle the exit of @code (its exit_gpa and port set) in @mode, unless
 * it is known to go to userspace or to be singular (confirm mode scans
 * at every exit, as Figure 6 does), or the vCPU's state forbids.
 */
static bool kc_coalesce(struct kc_vm *vm, struct kvm_vcpu *vcpu,
			enum kc_mode mode, struct kc_code *code, int *ret)
{
	unsigned long rip = kvm_rip_read(vcpu);
	bool handled = false;

	code->start = 0;
	if (kc_user_io_known(vm, vcpu->kvm, code)) {
		kc_stat_inc(vm, KC_STAT_user_io_known);
	} else if (mode != KC_MODE_CONFIRM &&
		   kc_singular_known(vm, code, rip)) {
		kc_stat_inc(vm, KC_STAT_singular_known);
	} else if (kc_vcpu_can_run(vcpu) && !kc_translate(vcpu, code, rip)) {
		switch (mode) {
		case KC_MODE_SCAN:
			handled = kc_mode_scan(vm, vcpu, code, ret);
			break;
		case KC_MODE_CONFIRM:
			handled = kc_mode_confirm(vm, vcpu, code, ret);
			break;
		default:
			handled = kc_mode_addr(vm, vcpu, code, ret);
			break;
		}
	}
	if (handled)
		kc_stat_inc(vm, KC_STAT_handled);
	else
		kc_stat_inc(vm, KC_STAT_declined);
	return handled;
}

static bool kc_pio(struct kvm_vcpu *vcpu, int size, unsigned short port,
		   bool in, bool string, int *ret)
{
	struct kc_vm *vm = kc_vm_get(vcpu->kvm);
	struct kc_code code __uninitialized;
	enum kc_mode mode;

	if (!vm)
		return false;

	kc_stat_inc(vm, KC_STAT_exits);
	kc_stat_inc(vm, string ? KC_STAT_string_pio_exits : KC_STAT_pio_exits);

	mode = kc_vm_mode(vm);
	if (mode == KC_MODE_OFF)
		return false;
	/*
	 * An INS or OUTS exit, REP forms included: the block's first
	 * instruction must be a non-REP INS or OUTS (kc_exec()), so REP
	 * forms, which kc_scan() never decodes, are left to KVM.
	 */
	code.exit_gpa = INVALID_GPA;
	code.port = port;
	code.exit_size = size;
	code.exit_in = in;
	code.exit_string = string;
	return kc_coalesce(vm, vcpu, mode, &code, ret);
}

static bool kc_mmio(struct kvm_vcpu *vcpu, gpa_t gpa, u64 error_code,
		    int *ret)
{
	struct kc_vm *vm = kc_vm_get(vcpu->kvm);
	struct kc_code code __uninitialized;
	enum kc_mode mode;

	if (!vm)
		return false;

	kc_stat_inc(vm, KC_STAT_exits);
	kc_stat_inc(vm, KC_STAT_mmio_exits);

	mode = kc_vm_mode(vm);
	if (mode == KC_MODE_OFF)
		return false;
	code.exit_gpa = gpa;
	return kc_coalesce(vm, vcpu, mode, &code, ret);
}

/*
 * Read the code of @blk, whose instruction at offset @code->start is at
 * RIP, and check that it is still the block's.
 */
static bool kc_resume_code(struct kvm_vcpu *vcpu, const struct kc_block *blk,
			   struct kc_code *code)
{
	if (kc_translate(vcpu, code, kvm_rip_read(vcpu) - code->start) ||
	    code->gpa != blk->gpa || kc_read(vcpu, code, blk->len))
		return false;
	return code->len == blk->len && !memcmp(code->bytes, blk->bytes,
						 blk->len);
}

/*
 * Userspace completed the access kc_exit_user() exited for, and RIP
 * is past it: run the rest of the block, if it is still in the table and
 * its code unchanged, and the vCPU may run it.  Not if userspace asked
 * KVM_RUN only to complete the access (immediate_exit), which must not
 * start another exit to userspace.
 */
static bool kc_resume(struct kvm_vcpu *vcpu, u64 cookie, int *ret)
{
	unsigned int resume = FIELD_GET(KC_COOKIE_RESUME, cookie);
	struct kc_block *blk;
	struct kc_code code __uninitialized;
	struct kc_vm *vm;
	bool handled;

	if (!resume || !vcpu->wants_to_run)
		return false;
	vm = kc_vm_get(vcpu->kvm);
	if (!vm || kc_vm_mode(vm) == KC_MODE_OFF || !kc_vcpu_can_run(vcpu))
		return false;
	blk = kc_table_get(vm, FIELD_GET(KC_COOKIE_GPA, cookie));
	if (!blk)
		return false;

	code.exit_gpa = INVALID_GPA;
	code.exit_string = false;
	code.start = resume;
	if (!kc_resume_code(vcpu, blk, &code)) {
		kc_block_put(blk);
		return false;
	}
	handled = kc_run(vm, vcpu, &code, blk, blk->nr_insns, ret);
	if (handled)
		kc_stat_inc(vm, KC_STAT_resumed);
	return handled;
}

static const struct kvm_io_exit_ops kc_hook_ops = {
	.owner = THIS_MODULE,
	.pio = kc_pio,
	.mmio = kc_mmio,
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
