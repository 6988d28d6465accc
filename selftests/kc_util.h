/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the kvm_coalesce selftests: the module's debugfs
 * counters for a VM, its parameters, loading and unloading it, and KVM's
 * own per-vCPU statistics.
 */
#ifndef KC_UTIL_H
#define KC_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <linux/types.h>

#include "kvm_util.h"

#include "../kvm_coalesce/interface.h"

extern const char * const kc_mode_names[KC_NR_MODES];

/*
 * Counters of a VM, as the module's debugfs "stats" file lists them: a
 * u64 for each KC_STAT() of kvm_coalesce/stats.h, made by the Makefile.
 */
struct kc_stats {
#include "kc_stats_fields.h"
};

/* Reads @vm's counters; returns false if the module has no state for it. */
bool kc_read_stats(struct kvm_vm *vm, struct kc_stats *stats);
/* As kc_read_stats(), failing the test if the counters are missing. */
struct kc_stats kc_stats(struct kvm_vm *vm);
void kc_print_stats(const char *what, const struct kc_stats *stats);
/* How much each counter grew from @before to @now. */
struct kc_stats kc_stats_sub(const struct kc_stats *now,
			     const struct kc_stats *before);
/* The sum of each counter of @a and @b. */
struct kc_stats kc_stats_add(const struct kc_stats *a,
			     const struct kc_stats *b);
/*
 * Of @exits at a lone IN or OUT the module has run once, how many @mode
 * leaves to KVM by their RIP (singular_known, kvm_coalesce/singular.c):
 * all in scan and addr, none in confirm, which scans every exit.
 */
u64 kc_singular_known_exits(int mode, u64 exits);
/*
 * A VM with one vCPU that runs @guest_code in @mode, set for this VM
 * only (its debugfs "mode"), so that the module's parameter stays as it
 * is whatever the test does.  The guest's first action must be a
 * GUEST_SYNC: the exit at which the module attaches its state to the VM.
 */
struct kvm_vm *kc_vm_create_in_mode(int mode, void *guest_code,
				    struct kvm_vcpu **vcpu);
/* Write @value to the VM's debugfs file @name: 0 or -errno. */
int kc_vm_debugfs_write(struct kvm_vm *vm, const char *name, const char *value);

/* The module's parameter @name: write returns 0 or -errno. */
int kc_param_write(const char *name, const char *value);
void kc_param_read(const char *name, char *buf, size_t len);
bool kc_module_loaded(void);

/* Load the module with default parameters unless it is loaded. */
void kc_module_ensure_loaded(void);

/* finit_module()/delete_module() of the module: 0 or -errno. */
int kc_module_load(const char *path, const char *params);
int kc_module_unload(void);
/* The module's path: $KC_MODULE, or the initramfs location. */
const char *kc_module_path(void);

/* The vCPU's coalesced MMIO/PIO ring, and how many entries it holds. */
struct kvm_coalesced_mmio_ring *kc_ring(struct kvm_vcpu *vcpu, u32 *size);
/* Move up to @max entries from the ring to @out; returns how many. */
int kc_ring_take(struct kvm_vcpu *vcpu, struct kvm_coalesced_mmio *out,
		 int max);

/* KVM's binary statistic @name of @vcpu. */
u64 kc_vcpu_stat(struct kvm_vcpu *vcpu, const char *name);

/* Both 8259s of @vm (KVM_GET_IRQCHIP, KVM_SET_IRQCHIP), master first. */
void kc_pics_get(struct kvm_vm *vm, struct kvm_pic_state pic[2]);
void kc_pics_set(struct kvm_vm *vm, struct kvm_pic_state pic[2]);

/*
 * The CPUs the test may run on, and @thread pinned to the @n-th of them
 * (modulo their number): vCPU threads pinned to different CPUs make
 * exits that really run at the same time.
 */
int kc_nr_cpus(void);
void kc_pin_thread(pthread_t thread, int n);

/*
 * A VM with a vCPU per CPU, each pinned, that run blocks of OUTs to the
 * in-kernel 8259 until kc_busy_stop(): exits of another VM that run in
 * the module at the same time as those of the test's own VMs.
 */
struct kc_busy *kc_busy_start(void);
void kc_busy_stop(struct kc_busy *busy);

/* A random seed's number, or a random one for "random". */
u64 kc_parse_seed(const char *arg);

#endif /* KC_UTIL_H */
