/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_coalesce: execute bursts of guest I/O instructions in one VM exit.
 *
 * Internal interfaces between the units of the module: parameters
 * (main.c), per-VM state (vm.c), the KVM hook glue (hook.c) and debugfs
 * (debugfs.c).
 */
#ifndef KVM_COALESCE_H
#define KVM_COALESCE_H

#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/types.h>
#include <asm/kvm_io_exit.h>

struct dentry;
struct kvm;

/* What the module does with an I/O exit; see Documentation/. */
enum kc_mode {
	KC_MODE_OFF,		/* count exits, let KVM handle them */
	KC_NR_MODES,
};

/* Bounds of the scan extent, in instructions. */
#define KC_EXTENT_MIN		1
#define KC_EXTENT_MAX		256
#define KC_EXTENT_DEFAULT	16

/* Per-VM event counters; names in debugfs.c. */
enum kc_stat {
	KC_STAT_EXITS,		/* exits offered to the module */
	KC_STAT_PIO_EXITS,	/* ... of which IN/OUT */
	KC_STAT_STRING_PIO_EXITS, /* ... of which INS/OUTS */
	KC_STAT_MMIO_EXITS,	/* ... of which emulated MMIO faults */
	KC_STAT_BLOCKS,		/* blocks executed */
	KC_STAT_INSNS,		/* instructions executed by the module */
	KC_STAT_TABLE_HITS,	/* block table lookups that found a block */
	KC_STAT_TABLE_MISSES,	/* ... that did not */
	KC_NR_STATS,
};

struct kc_stats {
	u64 count[KC_NR_STATS];
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
};

/* main.c: module parameters, read locklessly at each exit */
enum kc_mode kc_param_mode(void);
unsigned int kc_param_extent(void);

/* vm.c */
struct kc_vm *kc_vm_get(struct kvm *kvm);

static inline void kc_stat_inc(struct kc_vm *vm, enum kc_stat stat)
{
	this_cpu_inc(vm->stats->count[stat]);
}

u64 kc_stat_read(struct kc_vm *vm, enum kc_stat stat);

/* hook.c */
int kc_hook_register(void);
void kc_hook_unregister(void);

/* debugfs.c */
void kc_debugfs_create_vm(struct kc_vm *vm);
void kc_debugfs_remove_vm(struct kc_vm *vm);

#endif /* KVM_COALESCE_H */
