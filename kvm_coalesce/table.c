// SPDX-License-Identifier: GPL-2.0
/*
 * Hashing unit: the per-VM table of blocks, keyed by the guest physical
 * address of the instruction that starts each block.
 *
 * Locking: lookups run under RCU and take a reference on the block they
 * return, because running a block may sleep.  Insertion, removal and the
 * eviction list are serialized by kc_vm.table_lock.  A removed block is
 * freed when its last reference goes, after an RCU grace period.  The
 * table is bounded: inserting into a full table evicts the oldest block.
 * Each vCPU keeps a reference to the block it last found (kc_vcpu.last),
 * used while the block is not marked removed.
 */
#include <linux/kvm_host.h>
#include <linux/random.h>
#include <linux/rhashtable.h>
#include <linux/seq_file.h>
#include <linux/siphash.h>
#include <linux/slab.h>

#include "kvm_coalesce.h"

static const struct rhashtable_params kc_table_params = {
	.head_offset = offsetof(struct kc_block, node),
	.key_offset = offsetof(struct kc_block, gpa),
	.key_len = sizeof(gpa_t),
	.automatic_shrinking = true,
};

int kc_table_init(struct kc_vm *vm)
{
	spin_lock_init(&vm->table_lock);
	INIT_LIST_HEAD(&vm->blocks);
	get_random_bytes(&vm->hash_key, sizeof(vm->hash_key));
	return rhashtable_init(&vm->table, &kc_table_params);
}

void kc_block_put(struct kc_block *blk)
{
	if (refcount_dec_and_test(&blk->ref))
		kfree_rcu(blk, rcu);
}

/*
 * The keyed hash of a block: its code and the address it starts at, so
 * that the same code elsewhere, or other code here, hashes differently.
 */
static u64 kc_block_hash(struct kc_vm *vm, const u8 *bytes, unsigned int len,
			 gpa_t gpa)
{
	u64 h = siphash(bytes, len, &vm->hash_key);

	return siphash_2u64(h, gpa, &vm->hash_key);
}

/*
 * Which of @blk's instructions a run resumed at, after an access that
 * went to userspace, saves an exit from: those from which it reaches
 * another of @scan's I/O candidates before any jump out of the block.
 * A jump out may end the run without one, having cost a whole resume
 * for nothing, as a probe loop's branch past an absent device does; the
 * guest's CPU runs that code for free.
 */
static void kc_block_mark_resumes(struct kc_block *blk,
				  const struct kc_scan *scan)
{
	unsigned int i = blk->nr_insns, end = blk->len;
	const struct kc_insn *k;
	bool pays = false;

	/* Backwards; end is the offset just past the i-th instruction. */
	while (i--) {
		k = &blk->insns[i];
		if (kc_scan_is_io(scan, i))
			pays = true;
		else if (k->op == KC_OP_JCC && (u64)end + k->imm >= blk->len)
			pays = false;
		if (pays && i < 64)
			blk->resume_pays |= BIT_ULL(i);
		end -= k->len;
	}
}

/*
 * A new block, not in the table, with one reference: the instructions
 * @insns that kc_scan() found in @w, decoded in @mode, within @limits.
 */
struct kc_block *kc_block_new(struct kc_vm *vm, const struct kc_window *w,
			      const struct kc_scan *scan,
			      const struct kc_insn *insns, enum kc_cpu_mode mode,
			      struct kc_limits limits)
{
	unsigned int n = scan->nr_insns;
	struct kc_block *blk;

	blk = kmalloc(struct_size(blk, insns, n) + scan->len,
		      GFP_KERNEL_ACCOUNT);
	if (!blk)
		return NULL;

	memset(blk, 0, sizeof(*blk));
	refcount_set(&blk->ref, 1);
	blk->gpa = w->gpa;
	blk->mode = mode;
	blk->len = scan->len;
	blk->nr_insns = n;
	blk->nr_io = scan->nr_io;
	blk->regs = scan->regs;
	blk->limits = limits;
	blk->singular = scan->nr_io == 1;
	blk->bytes = (u8 *)&blk->insns[n];
	memcpy(blk->insns, insns, n * sizeof(*insns));
	memcpy(blk->bytes, w->bytes, scan->len);
	kc_block_mark_resumes(blk, scan);
	blk->hash = kc_block_hash(vm, blk->bytes, blk->len, blk->gpa);
	return blk;
}

/* Whether the code in @w is @blk's, byte for byte. */
bool kc_block_same_code(const struct kc_block *blk, const struct kc_window *w)
{
	return w->len >= blk->len && !memcmp(blk->bytes, w->bytes, blk->len);
}

/* Whether the code in @w has @blk's keyed hash (scan mode checks). */
bool kc_block_same_hash(struct kc_vm *vm, const struct kc_block *blk,
			const struct kc_window *w)
{
	return w->len >= blk->len &&
	       kc_block_hash(vm, w->bytes, blk->len, w->gpa) == blk->hash;
}

/* Whether @a and @b are the same block, scanned at different exits. */
bool kc_block_same(const struct kc_block *a, const struct kc_block *b)
{
	return a->hash == b->hash && a->len == b->len &&
	       kc_limits_equal(a->limits, b->limits) && a->mode == b->mode &&
	       !memcmp(a->bytes, b->bytes, a->len);
}

/* The block ran from the table: for debugfs. */
void kc_block_hit(struct kc_block *blk)
{
	atomic_long_inc(&blk->hits);
}

/* The block at @gpa with a reference held, or NULL. */
struct kc_block *kc_table_get(struct kc_vm *vm, gpa_t gpa)
{
	struct kc_block *blk;

	rcu_read_lock();
	blk = rhashtable_lookup(&vm->table, &gpa, kc_table_params);
	if (blk && !refcount_inc_not_zero(&blk->ref))
		blk = NULL;
	rcu_read_unlock();
	return blk;
}

/*
 * The block at @gpa with a reference held, or NULL: @v's last one if the
 * table still holds it, else the table's, which becomes @v's last.  @v is
 * the vCPU's own state, only used by its exits, or NULL.  A block removed
 * after the check is one a lookup just before the removal would have
 * found: the caller checks its code either way.
 */
struct kc_block *kc_table_get_last(struct kc_vm *vm, struct kc_vcpu *v,
				   gpa_t gpa)
{
	struct kc_block *blk = v ? v->last : NULL;

	if (blk && blk->gpa == gpa && !READ_ONCE(blk->removed)) {
		refcount_inc(&blk->ref);
		kc_stat_inc(vm, KC_STAT_last_block_hits);
		return blk;
	}
	blk = kc_table_get(vm, gpa);
	if (blk && v) {
		kc_vcpu_put_last(v);
		refcount_inc(&blk->ref);
		v->last = blk;
	}
	return blk;
}

/* Drop @v's reference to its last block: another replaces it, or @v goes. */
void kc_vcpu_put_last(struct kc_vcpu *v)
{
	if (v->last)
		kc_block_put(v->last);
	v->last = NULL;
}

static void __kc_table_remove(struct kc_vm *vm, struct kc_block *blk)
{
	lockdep_assert_held(&vm->table_lock);

	WRITE_ONCE(blk->removed, true);
	rhashtable_remove_fast(&vm->table, &blk->node, kc_table_params);
	list_del(&blk->lru);
	vm->nr_blocks--;
	kc_block_put(blk);
}

/*
 * Insert @blk, which the caller keeps a reference to; the table takes
 * its own.  If another vCPU inserted a block at the same address first,
 * the table keeps that one.
 */
void kc_table_insert(struct kc_vm *vm, struct kc_block *blk)
{
	struct kc_block *old;

	spin_lock(&vm->table_lock);
	if (vm->nr_blocks >= KC_TABLE_MAX) {
		old = list_first_entry(&vm->blocks, struct kc_block, lru);
		__kc_table_remove(vm, old);
		kc_stat_inc(vm, KC_STAT_table_evictions);
	}
	refcount_inc(&blk->ref);
	if (rhashtable_lookup_insert_fast(&vm->table, &blk->node,
					  kc_table_params)) {
		refcount_dec(&blk->ref);
	} else {
		list_add_tail(&blk->lru, &vm->blocks);
		vm->nr_blocks++;
	}
	spin_unlock(&vm->table_lock);
}

/* Remove @blk if it is still in the table. */
void kc_table_remove(struct kc_vm *vm, struct kc_block *blk)
{
	spin_lock(&vm->table_lock);
	if (rhashtable_lookup_fast(&vm->table, &blk->gpa,
				   kc_table_params) == blk)
		__kc_table_remove(vm, blk);
	spin_unlock(&vm->table_lock);
}

static void kc_table_flush(struct kc_vm *vm)
{
	struct kc_block *blk, *tmp;

	spin_lock(&vm->table_lock);
	list_for_each_entry_safe(blk, tmp, &vm->blocks, lru)
		__kc_table_remove(vm, blk);
	spin_unlock(&vm->table_lock);
}

/*
 * Called when no exit can run any more and the vCPUs dropped their last
 * blocks: no reference but the table's.
 */
void kc_table_destroy(struct kc_vm *vm)
{
	kc_table_flush(vm);
	rhashtable_destroy(&vm->table);
}

/* debugfs: one line per block, oldest first. */
void kc_table_show(struct kc_vm *vm, struct seq_file *m)
{
	struct kc_block *blk;

	seq_puts(m, "gpa size insns ios singular extent hits\n");
	spin_lock(&vm->table_lock);
	list_for_each_entry(blk, &vm->blocks, lru)
		seq_printf(m, "%#llx %u %u %u %d %u %lu\n", blk->gpa,
			   blk->len, blk->nr_insns, blk->nr_io, blk->singular,
			   blk->limits.extent, atomic_long_read(&blk->hits));
	spin_unlock(&vm->table_lock);
}
