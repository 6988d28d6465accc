/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_coalesce: execute bursts of guest I/O instructions in one VM exit.
 *
 * Internal interfaces between the units of the module: parameters
 * (main.c), per-VM state (vm.c), the KVM hook glue and the modes
 * (hook.c), fetching guest code (scan.c), decoding it into blocks
 * (decode.c, which also builds in user space: see fuzz/), the block
 * table (table.c), the block executor (exec.c), the accesses only
 * userspace takes (user_io.c) and debugfs (debugfs.c).
 */
#ifndef KVM_COALESCE_H
#define KVM_COALESCE_H

#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <asm/kvm_io_exit.h>

#include "alu.h"
#include "interface.h"

struct dentry;
struct kvm;
struct kvm_vcpu;

/* Bounds of the scan extent: instructions looked at after the exiting one. */
#define KC_EXTENT_MIN		1
#define KC_EXTENT_MAX		64
#define KC_EXTENT_DEFAULT	32

/*
 * Guest code is read at most this far from the exiting instruction, and
 * never past the end of its page, so a block lies in one guest page.
 */
#define KC_WINDOW_BYTES		256

/* Most blocks a VM's table holds; the oldest is evicted beyond. */
#define KC_TABLE_MAX		4096

/* MMIO addresses remembered as going to userspace, per VM (user_io.c). */
#define KC_USER_MMIO_SLOTS	64

/* RIPs of port I/O exits remembered as singular, per VM (singular.c). */
#define KC_SINGULAR_SLOTS	64

/* Per-VM event counters: KC_STAT_<name>, see stats.h. */
enum kc_stat {
#define KC_STAT(name)	KC_STAT_##name,
#include "stats.h"
#undef KC_STAT
	KC_NR_STATS,
};

struct kc_stats {
	u64 count[KC_NR_STATS];
};

/* A register or immediate operand of a decoded instruction. */
struct kc_opnd {
	u8 reg;			/* VCPU_REGS_* */
	bool hi8;		/* AH, CH, DH or BH */
};

enum kc_op {
	KC_OP_NOP,
	KC_OP_MOV,		/* dst = src or imm */
	KC_OP_MOVZX,		/* dst = zero-extended src */
	KC_OP_MOVSX,		/* dst = sign-extended src */
	KC_OP_ALU,		/* dst = dst <sub> (src or imm): enum kc_alu */
	KC_OP_UNARY,		/* dst = <sub> dst: enum kc_unary */
	KC_OP_SHIFT,		/* dst = dst <sub> (imm or CL): enum kc_shift */
	KC_OP_LEA,		/* dst = address of the memory operand */
	KC_OP_JCC,		/* forward jump if condition <sub> holds */
	KC_OP_IN,
	KC_OP_OUT,
	KC_OP_INS,		/* byte, word or dword from port DX to [RDI] */
	KC_OP_OUTS,		/* ... from [RSI] to port DX */
};

/* Where an instruction's memory operand is, if it has one. */
enum kc_mem_use {
	KC_MEM_NONE,
	KC_MEM_SRC,		/* the source: a load */
	KC_MEM_DST,		/* the destination: a store; CMP, TEST: a load */
};

/* No base or index register in a memory operand. */
#define KC_NO_REG		0xff

/*
 * A memory operand in 64-bit code: base + (index << scale) + disp, or
 * RIP-relative.  Segment overrides and the address-size prefix are not
 * decoded (see kc_prefixes_ok()), so segments play no part.
 */
struct kc_mem {
	s32 disp;
	u8 base;		/* VCPU_REGS_* or KC_NO_REG */
	u8 index;		/* VCPU_REGS_* or KC_NO_REG */
	u8 scale;		/* log2 of the index's scale */
	bool rip_rel;		/* relative to the next instruction */
};

/* KC_OP_JCC condition: the x86 condition code, or this for JMP. */
#define KC_CC_ALWAYS		16

/* One decoded instruction, in the form the executor runs. */
struct kc_insn {
	u8 op;			/* enum kc_op */
	u8 sub;			/* operation or condition, by op */
	u8 len;			/* bytes */
	u8 size;		/* operand size in bytes */
	u8 src_size;		/* MOVZX/MOVSX source size */
	bool has_src;		/* src is a register, else imm is the source */
	bool port_dx;		/* IN/OUT: port in DX, else in imm; INS/OUTS */
	bool io;		/* an I/O candidate: port I/O, or MMIO */
	u8 mem_use;		/* enum kc_mem_use: which operand is mem */
	bool slow;		/* memory, LEA, INS or OUTS: run out of line */
	struct kc_mem mem;
	struct kc_opnd dst, src;
	s64 imm;		/* immediate, shift count, jump displacement */
};

/*
 * INS and OUTS (no REP): their memory operand is implicit, at RDI or
 * RSI, and is not described by mem_use and mem.
 */
static inline bool kc_is_string_io(const struct kc_insn *k)
{
	return k->op == KC_OP_INS || k->op == KC_OP_OUTS;
}

#define KC_NR_GPRS		16

/*
 * The linear address of @k's memory operand (or LEA's address), with the
 * general-purpose registers @gpr; @rip is @k's own address.  Used by the
 * executor, and by the scan with the registers at the exit.
 */
static inline u64 kc_mem_linear(const struct kc_insn *k,
				const unsigned long *gpr, unsigned long rip)
{
	const struct kc_mem *m = &k->mem;
	u64 addr = (s64)m->disp;

	if (m->rip_rel)
		addr += rip + k->len;
	if (m->base != KC_NO_REG)
		addr += gpr[m->base];
	if (m->index != KC_NO_REG)
		addr += gpr[m->index] << m->scale;
	return addr;
}

/*
 * An access after a block's first instruction that no in-kernel device
 * took, an IN or OUT, or a MOV, MOVZX or MOVSX to or from MMIO: the block
 * exits to userspace for it and resumes after it.
 */
struct kc_user_exit {
	u8 len;			/* of the instruction; 0: no such access */
	bool mmio;		/* MMIO, else port I/O */
	u16 resume;		/* offset in the block of the next instruction */
	/* Port I/O: */
	u16 port;
	u8 size;
	bool in;
	/* MMIO: */
	struct kvm_io_exit_mmio m;
};

/*
 * Guest code at the exiting instruction, as read at this exit; or, when
 * a block resumes after userspace completed one of its accesses, at the
 * block's first instruction.
 */
struct kc_code {
	unsigned long rip;
	gpa_t gpa;
	gpa_t exit_gpa;		/* MMIO exit: the access's; else INVALID_GPA */
	u16 port;		/* port I/O exit: the port, */
	u8 exit_size;		/* ... the access size, */
	bool exit_in;		/* ... direction */
	bool exit_string;	/* ... and whether INS/OUTS */
	u16 start;		/* offset to run the block from: 0 at an exit */
	struct kc_user_exit user_exit;	/* set by kc_exec() */
	const void *bus;	/* the exit's bus, for user_io.c */
	unsigned long gpr[KC_NR_GPRS];	/* at this exit, for kc_scan() */
	unsigned int len;	/* bytes read so far */
	u8 bytes[KC_WINDOW_BYTES];
};

/*
 * A block: the exiting instruction through the last I/O instruction
 * found within the extent, with the instructions between them.
 *
 * Lifetime: inserted in its VM's table with one reference, taken by
 * lookups with refcount_inc_not_zero() under RCU and held while the
 * block runs, since running it may sleep.  Removal drops the table's
 * reference; the last reference frees it after an RCU grace period.
 */
struct kc_block {
	struct rhash_head node;	/* in kc_vm.table, keyed by gpa */
	struct list_head lru;	/* in kc_vm.blocks, oldest first */
	struct rcu_head rcu;
	refcount_t ref;
	gpa_t gpa;		/* of the exiting instruction */
	u64 hash;		/* siphash of the bytes and gpa, per-VM key */
	atomic_long_t hits;
	u16 len;		/* bytes */
	u16 nr_insns;
	u16 nr_io;
	u16 regs;		/* VCPU_REGS_* bits the instructions use */
	u8 extent;		/* the extent it was scanned with */
	bool singular;		/* one I/O instruction only */
	bool confirmed;		/* seen twice (confirm mode) */
	u8 *bytes;		/* the block's code, after insns[] */
	struct kc_insn insns[];
};

/* A port I/O exit's RIP whose block was singular (singular.c). */
struct kc_singular {
	unsigned long rip;
	u16 uses;		/* exits it has served */
	u8 extent;		/* the extent the block was scanned with */
};

/*
 * Per-VM state, attached to the VM by the first exit the module sees and
 * released by KVM (see asm/kvm_io_exit.h): when the VM is destroyed, or
 * when the module unregisters.  Exits of the VM's vCPUs read it without
 * locks; it cannot be released under them.
 */
struct kc_vm {
	struct kvm_io_exit_vm hook;
	struct kvm *kvm;
	struct kc_stats __percpu *stats;
	struct dentry *debugfs;	/* NULL when KVM has no debugfs for the VM */

	/* Per-VM overrides of the parameters; negative or 0: use those. */
	int mode;
	unsigned int extent;

	/*
	 * The block table: readers look blocks up under RCU; insertion and
	 * removal, and the eviction list, are under table_lock.
	 */
	struct rhashtable table;
	struct list_head blocks;	/* oldest first, under table_lock */
	unsigned int nr_blocks;		/* under table_lock */
	spinlock_t table_lock;		/* serializes table writers */
	siphash_key_t hash_key;		/* random, per VM: for kc_block_hash() */

	/*
	 * Ports and MMIO addresses whose exiting access no in-kernel device
	 * took, valid while the bus is the one recorded; read and written
	 * without locks, see user_io.c.
	 */
	unsigned long *user_ports;	/* bitmap of every port */
	const void *user_pio_bus;
	gpa_t user_mmio[KC_USER_MMIO_SLOTS];	/* INVALID_GPA: empty */
	const void *user_mmio_bus;

	/* Read and written without locks, see singular.c. */
	struct kc_singular singular[KC_SINGULAR_SLOTS];
};

/* main.c: module parameters, read locklessly at each exit */
enum kc_mode kc_param_mode(void);
unsigned int kc_param_extent(void);
int kc_parse_mode(const char *val);
int kc_parse_extent(const char *val, unsigned int *extent);
const char *kc_mode_name(enum kc_mode mode);

/* vm.c */
struct kc_vm *kc_vm_get(struct kvm *kvm);
enum kc_mode kc_vm_mode(struct kc_vm *vm);
unsigned int kc_vm_extent(struct kc_vm *vm);

static inline void kc_stat_inc(struct kc_vm *vm, enum kc_stat stat)
{
	this_cpu_inc(vm->stats->count[stat]);
}

static inline void kc_stat_add(struct kc_vm *vm, enum kc_stat stat, u64 n)
{
	this_cpu_add(vm->stats->count[stat], n);
}

u64 kc_stat_read(struct kc_vm *vm, enum kc_stat stat);

/* hook.c */
int kc_hook_register(void);
void kc_hook_unregister(void);

/* scan.c */
bool kc_vcpu_can_run(struct kvm_vcpu *vcpu);
int kc_translate(struct kvm_vcpu *vcpu, struct kc_code *code,
		 unsigned long rip);
int kc_read(struct kvm_vcpu *vcpu, struct kc_code *code, unsigned int len);

/* decode.c */
struct kc_block *kc_scan(const struct kc_code *code, unsigned int extent);

/* table.c */
int kc_table_init(struct kc_vm *vm);
void kc_table_destroy(struct kc_vm *vm);
u64 kc_block_hash(struct kc_vm *vm, const u8 *bytes, unsigned int len,
		  gpa_t gpa);
struct kc_block *kc_table_get(struct kc_vm *vm, gpa_t gpa);
void kc_table_insert(struct kc_vm *vm, struct kc_block *blk);
void kc_table_remove(struct kc_vm *vm, struct kc_block *blk);
void kc_table_flush(struct kc_vm *vm);
void kc_block_put(struct kc_block *blk);
void kc_table_show(struct kc_vm *vm, struct seq_file *m);

/* user_io.c */
int kc_user_io_init(struct kc_vm *vm);
void kc_user_io_destroy(struct kc_vm *vm);
bool kc_user_io_known(struct kc_vm *vm, struct kvm *kvm,
		      struct kc_code *code);
void kc_user_io_note(struct kc_vm *vm, struct kvm *kvm,
		     const struct kc_code *code);

/* singular.c */
void kc_singular_init(struct kc_vm *vm);
bool kc_singular_known(struct kc_vm *vm, const struct kc_code *code,
		       unsigned long rip);
void kc_singular_note(struct kc_vm *vm, const struct kc_code *code,
		      unsigned long rip, unsigned int extent);

/* exec.c */
int kc_exec(struct kc_vm *vm, struct kvm_vcpu *vcpu,
	    const struct kc_block *blk, unsigned int nr_insns,
	    struct kc_code *code);

/* debugfs.c */
void kc_debugfs_create_vm(struct kc_vm *vm);
void kc_debugfs_remove_vm(struct kc_vm *vm);

#endif /* KVM_COALESCE_H */
