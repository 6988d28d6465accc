/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_coalesce: execute bursts of guest I/O instructions in one VM exit.
 *
 * The units, from the top: main.c (module init and exit), hook.c (KVM's
 * I/O exit callbacks and the modes), policy.c (whether guest code may
 * run in the module at all), fetch.c (guest code), scan.c and decode.c
 * (blocks and instructions, see decode.h), table.c (the per-VM block
 * table), exec.c (the executor) over access.c (where each access goes)
 * and alu.c (arithmetic), user_io.c and known_rip.c (exits known to go
 * to KVM at once), vm.c (per-VM state), debugfs.c, params.c (module
 * parameters, a leaf).
 *
 * An exit's data flows one way: hook.c describes the exit (struct
 * kc_exit, read-only below it), fetch.c reads the code (struct
 * kc_window), scan.c and table.c give the block, exec.c runs it and
 * returns what happened (struct kc_result), and hook.c alone acts on
 * that towards KVM and counts it.
 *
 * Who writes what: each struct below is written only by the file named
 * at it; other files read it, or call that file's functions.
 */
#ifndef KVM_COALESCE_H
#define KVM_COALESCE_H

#include <linux/bitops.h>
#include <linux/hash.h>
#include <linux/kvm_host.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <asm/kvm_io_exit.h>

#include "decode.h"
#include "interface.h"

struct dentry;
struct seq_file;

/* Most blocks a VM's table holds; the oldest is evicted beyond. */
#define KC_TABLE_MAX		4096

/* MMIO addresses remembered as going to userspace, per VM (user_io.c). */
#define KC_USER_MMIO_SLOTS	64
/* Addresses per bus whose device is remembered (bus.c). */
#define KC_BUS_SLOTS_BITS	6
#define KC_BUS_SLOTS		BIT(KC_BUS_SLOTS_BITS)
/* The buses the module's accesses go to: KVM_MMIO_BUS and KVM_PIO_BUS. */
#define KC_NR_BUSES		(KVM_PIO_BUS + 1)
static_assert(KVM_MMIO_BUS < KC_NR_BUSES);

/* RIPs of exits remembered as KVM's, per VM (known_rip.c). */
#define KC_KNOWN_RIP_SLOTS	64

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

/* The exit the module is asked about.  Written by hook.c. */
enum kc_exit_kind {
	KC_EXIT_PIO,		/* IN or OUT */
	KC_EXIT_STRING_PIO,	/* INS or OUTS, REP or not */
	KC_EXIT_MMIO,		/* a TDP fault KVM would emulate */
	KC_EXIT_RESUME,		/* userspace completed a block's access */
};

struct kc_exit {
	enum kc_exit_kind kind;
	enum kc_cpu_mode mode;	/* of the code at RIP (policy.c) */
	unsigned long rip;	/* linear address of the exit's instruction */
	/* The vCPU's, read once: each read is a call into the vendor */
	unsigned long rflags;
	int cpl;
	u16 port;		/* port I/O: the port, */
	u8 size;		/* ... the access's size */
	bool in;		/* ... and direction */
	gpa_t gpa;		/* MMIO: the access; else INVALID_GPA */
	/* KVM's buses as the exit began (user_io.c); MMIO's for MMIO only */
	const void *pio_bus;
	const void *mmio_bus;
	u16 start;		/* resume: offset in the block of RIP */
};

/*
 * A block: the exiting instruction through the last I/O candidate found
 * within the extent, with the instructions between them.  Written by
 * table.c (whose functions hook.c calls), read by exec.c.
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
	enum kc_cpu_mode mode;	/* the code was decoded in */
	u16 len;		/* bytes */
	u16 nr_insns;
	u16 nr_io;
	u16 regs;		/* BIT(kc_reg) of the registers used */
	struct kc_limits limits;	/* it was scanned with */
	bool singular;		/* one I/O instruction only */
	bool removed;		/* from the table; set under table_lock */
	/*
	 * Which instructions a resume after userspace saves exits from (the
	 * 65th of a block scanned with an extent of 64 never does).
	 */
	u64 resume_pays;
	u8 *bytes;		/* the block's code, after insns[] */
	struct kc_insn insns[];
};

/*
 * Why a run of a block stopped before its end, other than at an access
 * for userspace.
 */
enum kc_stop {
	KC_STOP_NONE,
	KC_STOP_EVENT,		/* an event to deliver, or a signal */
	KC_STOP_USER_IO,	/* an access no in-kernel device takes */
	KC_STOP_IOPL,		/* I/O the guest's CPL may not make */
	KC_STOP_FAULT,		/* an access the CPU would fault on */
	KC_STOP_CODE_WRITE,	/* after a store into the block's code */
	KC_STOP_TPR,		/* after a write of the local APIC's TPR */
	KC_STOP_BRANCH_RECORD,	/* a jump while the guest records branches */
};

/* What running a block did.  Written by exec.c. */
enum kc_outcome {
	/* The first instruction could not run: nothing changed. */
	KC_DECLINED,
	/* Ran up to the end, or to where it stopped; RIP is there. */
	KC_RAN,
	/* Ran up to an IN or OUT at RIP that userspace must complete. */
	KC_USER_PIO,
	/* Ran up to an access at RIP that KVM's emulator must run. */
	KC_EMULATE,
};

struct kc_result {
	enum kc_outcome outcome;
	enum kc_stop stop;
	bool user_io;		/* KC_DECLINED: no in-kernel device takes it */
	bool user_read;		/* ... and it is an MMIO read */
	u16 ran;		/* instructions run */
	u16 io;			/* accesses made */
	u16 next;		/* offset in the block of RIP after the run */
	/* KC_USER_PIO, KC_EMULATE: the instruction at RIP, and its index */
	u16 next_insn;
	u8 insn_len;
	u8 size;
	bool in;
	u16 port;
	bool user_known;	/* KC_USER_PIO: known, the bus not tried */
};

/* The RIP of an exit known to be KVM's.  Written by known_rip.c. */
struct kc_known_rip {
	unsigned long rip;
	gpa_t page;		/* of MMIO, or INVALID_GPA: any exit */
	u16 uses;		/* exits it has served */
	struct kc_limits limits;	/* the module worked with */
};

/* Paging-structure levels of 5-level paging, the most a walk reads. */
#define KC_MAX_LEVELS		5

/*
 * The translation of the code page a vCPU last fetched from, and what
 * it was derived from: the linear page, user or supervisor fetch, the
 * paging mode and controls (the MMU's CPU role), CR3, the memslots'
 * generation, and each paging-structure entry read on the way, with its
 * host address.  Written by fetch.c.
 */
struct kc_code_tlb {
	unsigned long page;	/* linear; 0 with levels 0: empty */
	bool user;
	u8 levels;		/* entries read, 0 if the entry is empty */
	u64 role;
	unsigned long cr3;
	u64 generation;
	gpa_t gpa;		/* of the page */
	unsigned long hva;	/* of the page */
	u64 __user *ptep[KC_MAX_LEVELS];
	u64 pte[KC_MAX_LEVELS];
};

/*
 * Per-vCPU state, allocated by vm.c at the vCPU's first exit that needs
 * it.  Only the vCPU's own exits, which KVM serializes, use it.
 */
struct kc_vcpu {
	struct kc_code_tlb tlb;
	/*
	 * The block the vCPU last found in the table, with a reference:
	 * lone accesses repeat at one RIP (a driver's register write, an
	 * EOI), and finding the block here spares the table's lookup.
	 */
	struct kc_block *last;
};

/*
 * Per-VM state, attached to the VM by the first exit the module sees and
 * released by KVM (see asm/kvm_io_exit.h): when the VM is destroyed, or
 * when the module unregisters.  Exits of the VM's vCPUs read it without
 * locks; it cannot be released under them.  Written by vm.c, and each
 * group of fields by the file named at it.
 */
struct kc_vm {
	struct kvm_io_exit_vm hook;
	struct kvm *kvm;
	struct kc_stats __percpu *stats;
	struct dentry *debugfs;	/* debugfs.c; NULL without KVM's */
	/* Per vCPU, by vcpu_idx; each slot set by its vCPU only. */
	struct kc_vcpu **vcpus;
	unsigned int nr_vcpus;

	/* Overrides of the parameters, < 0 or 0: use those. */
	int mode;
	unsigned int extent;
	int insns_per_exit;

	/*
	 * The block table (table.c): readers look blocks up under RCU;
	 * insertion and removal, and the eviction list, are under
	 * table_lock.
	 */
	struct rhashtable table;
	struct list_head blocks;	/* oldest first, under table_lock */
	unsigned int nr_blocks;		/* under table_lock */
	spinlock_t table_lock;		/* serializes table writers */
	siphash_key_t hash_key;		/* random, per VM */

	/*
	 * Ports and MMIO addresses whose exiting access no in-kernel device
	 * took, valid while the bus is the one recorded (user_io.c); read
	 * and written without locks.  The ports are hook.declined_ports (a
	 * bitmap of every port) and their bus hook.declined_ports_bus, which
	 * KVM tests before it offers an IN or OUT exit.
	 */
	gpa_t user_mmio[KC_USER_MMIO_SLOTS];	/* INVALID_GPA: empty */
	const void *user_mmio_bus;

	/*
	 * Per bus and address, the entry of the bus whose device took the
	 * last access (bus.c): used only while it lies in the current bus;
	 * read and written without locks.
	 */
	const struct kvm_io_range *bus_dev[KC_NR_BUSES][KC_BUS_SLOTS];

	/* known_rip.c; read and written without locks. */
	struct kc_known_rip known_rips[KC_KNOWN_RIP_SLOTS];
};

/* params.c: module parameters, read locklessly at each exit */
extern unsigned int kc_mode_param;
extern unsigned int kc_extent_param;
extern unsigned int kc_insns_per_exit_param;

static inline enum kc_mode kc_param_mode(void)
{
	return READ_ONCE(kc_mode_param);
}

static inline unsigned int kc_param_extent(void)
{
	return READ_ONCE(kc_extent_param);
}

int kc_parse_mode(const char *val);
int kc_parse_extent(const char *val, unsigned int *extent);
int kc_parse_insns_per_exit(const char *val);
const char *kc_mode_name(enum kc_mode mode);

/* vm.c */
struct kc_vm *kc_vm_create(struct kvm *kvm);
struct kc_vcpu *kc_vcpu_alloc(struct kc_vm *vm, struct kvm_vcpu *vcpu);

/*
 * @vcpu's state, allocated at its first use; NULL if it could not be.
 * Only @vcpu's exits, which KVM serializes, set or read its slot.
 * Inline: each block's exit asks for it.
 */
static inline struct kc_vcpu *kc_vcpu_get(struct kc_vm *vm,
					  struct kvm_vcpu *vcpu)
{
	unsigned int idx = vcpu->vcpu_idx;

	if (likely(idx < vm->nr_vcpus && vm->vcpus[idx]))
		return vm->vcpus[idx];
	return kc_vcpu_alloc(vm, vcpu);
}

void kc_vm_set_mode(struct kc_vm *vm, int mode);
void kc_vm_set_extent(struct kc_vm *vm, unsigned int extent);
void kc_vm_set_insns_per_exit(struct kc_vm *vm, int insns_per_exit);

/*
 * The state attached to @kvm, or NULL: the VM's first exit creates it
 * (kc_vm_create()).  For exit callbacks, which it cannot be released
 * under.
 */
static inline struct kc_vm *kc_vm_attached(struct kvm *kvm)
{
	struct kvm_io_exit_vm *hook = kvm_io_exit_get_vm(kvm);

	return hook ? container_of(hook, struct kc_vm, hook) : NULL;
}

/* The VM's mode: its override, else the module parameter. */
static inline enum kc_mode kc_vm_mode(struct kc_vm *vm)
{
	int mode = READ_ONCE(vm->mode);

	return mode < 0 ? kc_param_mode() : mode;
}

/* The VM's extent: its override, else the module parameter. */
static inline unsigned int kc_vm_extent(struct kc_vm *vm)
{
	unsigned int extent = READ_ONCE(vm->extent);

	return extent ? extent : kc_param_extent();
}

/* The limits of the VM's scans: its overrides, else the parameters. */
static inline struct kc_limits kc_vm_limits(struct kc_vm *vm)
{
	int insns_per_exit = READ_ONCE(vm->insns_per_exit);

	if (insns_per_exit < 0)
		insns_per_exit = READ_ONCE(kc_insns_per_exit_param);
	return (struct kc_limits){
		.extent = kc_vm_extent(vm),
		.insns_per_exit = insns_per_exit,
	};
}

static inline void kc_stat_inc(struct kc_vm *vm, enum kc_stat stat)
{
	this_cpu_inc(vm->stats->count[stat]);
}

static inline void kc_stat_add(struct kc_vm *vm, enum kc_stat stat, u64 n)
{
	this_cpu_add(vm->stats->count[stat], n);
}

/* hook.c */
int kc_hook_register(void);
void kc_hook_unregister(void);

/* policy.c */
bool kc_vcpu_can_run(struct kvm_vcpu *vcpu, enum kc_cpu_mode *mode,
		     unsigned long *rflags);
/* A request word that never occurs: KVM's requests use fewer bits. */
#define KC_REQUESTS_UNSEEN	U64_MAX
bool kc_vcpu_interrupted(struct kvm_vcpu *vcpu, unsigned long rflags,
			 u64 *seen);
bool kc_branches_recorded(struct kvm_vcpu *vcpu);

/*
 * Whether IN, OUT, INS or OUTS may run at @cpl with @rflags; if not, the
 * CPU also checks the TSS I/O bitmap, so the instruction is the CPU's.
 * The exiting instruction was checked before the exit.  Inline: the
 * executor asks at each one.
 */
static inline bool kc_io_allowed(int cpl, unsigned long rflags)
{
	return cpl <= ((rflags & X86_EFLAGS_IOPL) >> X86_EFLAGS_IOPL_BIT);
}

/* fetch.c */
int kc_fetch_start(struct kc_vm *vm, struct kvm_vcpu *vcpu,
		   unsigned long rip, int cpl, struct kc_window *w);
int kc_fetch(struct kvm_vcpu *vcpu, struct kc_window *w, unsigned int len);

/* table.c */
int kc_table_init(struct kc_vm *vm);
void kc_table_destroy(struct kc_vm *vm);
struct kc_block *kc_block_new(struct kc_vm *vm, const struct kc_window *w,
			      const struct kc_scan *scan,
			      const struct kc_insn *insns, enum kc_cpu_mode mode,
			      struct kc_limits limits);
bool kc_block_same_code(const struct kc_block *blk, const struct kc_window *w);

/* Whether a resume of @blk at its @i-th instruction can save an exit. */
static inline bool kc_block_resume_pays(const struct kc_block *blk,
					unsigned int i)
{
	return i < 64 && (blk->resume_pays & BIT_ULL(i));
}

bool kc_block_same_hash(struct kc_vm *vm, const struct kc_block *blk,
			const struct kc_window *w);
bool kc_block_same(const struct kc_block *a, const struct kc_block *b);
void kc_block_hit(struct kc_block *blk);
void kc_block_put(struct kc_block *blk);
struct kc_block *kc_table_get(struct kc_vm *vm, gpa_t gpa);
struct kc_block *kc_table_get_last(struct kc_vm *vm, struct kc_vcpu *v,
				   gpa_t gpa);
void kc_vcpu_put_last(struct kc_vcpu *v);
void kc_table_insert(struct kc_vm *vm, struct kc_block *blk);
void kc_table_remove(struct kc_vm *vm, struct kc_block *blk);
void kc_table_show(struct kc_vm *vm, struct seq_file *m);

/*
 * user_io.c; the lookups, which every exit makes, inline here.  They
 * read entries without locks (see user_io.c).
 */
int kc_user_io_init(struct kc_vm *vm);
void kc_user_io_destroy(struct kc_vm *vm);
void kc_user_port_note(struct kc_vm *vm, struct kvm *kvm,
		       const struct kc_exit *exit, u16 port, int size);
void kc_user_io_note(struct kc_vm *vm, struct kvm *kvm,
		     const struct kc_exit *exit);

/* The bus @idx of @kvm, to compare with an entry's, never dereferenced. */
static inline const void *kc_user_io_bus(struct kvm *kvm, enum kvm_bus idx)
{
	return rcu_access_pointer(kvm->buses[idx]);
}

static inline unsigned int kc_user_mmio_slot(gpa_t gpa)
{
	return hash_64(gpa, ilog2(KC_USER_MMIO_SLOTS));
}

/*
 * Whether an access to @port is known to go to userspace.  The bit
 * first: blocks ask for every port of an in-kernel device, which has
 * none.
 */
static inline bool kc_user_port_known(struct kc_vm *vm, struct kvm *kvm,
				      u16 port)
{
	return test_bit(port, vm->hook.declined_ports) &&
	       READ_ONCE(vm->hook.declined_ports_bus) ==
	       kc_user_io_bus(kvm, KVM_PIO_BUS);
}

/* ... to @gpa. */
static inline bool kc_user_mmio_known(struct kc_vm *vm, struct kvm *kvm,
				      gpa_t gpa)
{
	return READ_ONCE(vm->user_mmio_bus) ==
	       kc_user_io_bus(kvm, KVM_MMIO_BUS) &&
	       READ_ONCE(vm->user_mmio[kc_user_mmio_slot(gpa)]) == gpa;
}

/* known_rip.c; the lookup inline, as above. */
void kc_known_rip_init(struct kc_vm *vm);
void kc_known_rip_note(struct kc_vm *vm, const struct kc_exit *exit,
		       struct kc_limits limits, gpa_t page);

/* Exits an entry serves before the full path looks at its code again. */
#define KC_KNOWN_RIP_USES	64

/* No RIP: non-canonical in 4- and 5-level paging. */
#define KC_NO_RIP		BIT_ULL(63)

static inline struct kc_known_rip *kc_known_rip_slot(struct kc_vm *vm,
						     unsigned long rip)
{
	return &vm->known_rips[hash_64(rip, ilog2(KC_KNOWN_RIP_SLOTS))];
}

/*
 * Whether the exit at @rip, for MMIO at @gpa (else INVALID_GPA), is known
 * to be KVM's: it was noted with the current limits, for any exit or
 * for MMIO in @gpa's page, and the entry has not served its exits yet.
 */
static inline bool kc_rip_known(struct kc_vm *vm, unsigned long rip,
				gpa_t gpa)
{
	struct kc_known_rip *e = kc_known_rip_slot(vm, rip);
	gpa_t page = READ_ONCE(e->page);
	unsigned int uses;

	if (READ_ONCE(e->rip) != rip ||
	    (page != INVALID_GPA && page != (gpa & PAGE_MASK)) ||
	    !kc_limits_equal(READ_ONCE(e->limits), kc_vm_limits(vm)))
		return false;
	uses = READ_ONCE(e->uses) + 1;
	if (uses >= KC_KNOWN_RIP_USES) {
		WRITE_ONCE(e->rip, KC_NO_RIP);
		return false;
	}
	WRITE_ONCE(e->uses, uses);
	return true;
}

/* exec.c */
void kc_exec(struct kc_vm *vm, struct kvm_vcpu *vcpu,
	     const struct kc_exit *exit, const struct kc_block *blk,
	     unsigned int nr_insns, struct kc_result *res);

/* debugfs.c */
void kc_debugfs_create_vm(struct kc_vm *vm);
void kc_debugfs_remove_vm(struct kc_vm *vm);

#endif /* KVM_COALESCE_H */
