// SPDX-License-Identifier: GPL-2.0
/*
 * Per-VM state of kvm_coalesce.
 *
 * The state is created by the first exit of a VM that reaches the module,
 * so VMs created before the module was loaded are served too, and is
 * attached to the VM with kvm_io_exit_attach_vm().  KVM releases it
 * through kc_vm_release(): when the VM is destroyed, or for every VM when
 * the module unregisters.
 */
#include <linux/kvm_host.h>
#include <linux/percpu.h>
#include <linux/slab.h>

#include "kvm_coalesce.h"

static void kc_vm_free(struct kc_vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		if (vm->vcpus[i])
			kc_vcpu_put_last(vm->vcpus[i]);
		kfree(vm->vcpus[i]);
	}
	kfree(vm->vcpus);
	kc_user_io_destroy(vm);
	kc_table_destroy(vm);
	free_percpu(vm->stats);
	kfree(vm);
}

static void kc_vm_release(struct kvm *kvm, struct kvm_io_exit_vm *hook,
			  bool vm_destroyed)
{
	struct kc_vm *vm = container_of(hook, struct kc_vm, hook);

	/* A destroyed VM's debugfs directory took the module's with it. */
	if (!vm_destroyed)
		kc_debugfs_remove_vm(vm);
	kc_vm_free(vm);
}

struct kc_vm *kc_vm_create(struct kvm *kvm)
{
	struct kvm_io_exit_vm *attached;
	struct kc_vm *vm;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return NULL;

	vm->stats = alloc_percpu_gfp(struct kc_stats, GFP_KERNEL_ACCOUNT);
	if (!vm->stats)
		goto free_vm;
	if (kc_table_init(vm))
		goto free_stats;
	if (kc_user_io_init(vm))
		goto destroy_table;
	/* Fixed once the VM has a vCPU, which this exit proves. */
	vm->nr_vcpus = kvm->max_vcpus;
	vm->vcpus = kcalloc(vm->nr_vcpus, sizeof(*vm->vcpus),
			    GFP_KERNEL_ACCOUNT);
	if (!vm->vcpus)
		goto destroy_user_io;
	kc_known_rip_init(vm);
	vm->kvm = kvm;
	vm->mode = -1;
	vm->insns_per_exit = -1;
	vm->hook.release = kc_vm_release;

	attached = kvm_io_exit_attach_vm(kvm, &vm->hook);
	if (attached != &vm->hook) {
		/* Another vCPU of the VM attached its state first. */
		kc_vm_free(vm);
		return container_of(attached, struct kc_vm, hook);
	}

	kc_debugfs_create_vm(vm);
	return vm;

destroy_user_io:
	kc_user_io_destroy(vm);
destroy_table:
	kc_table_destroy(vm);
free_stats:
	free_percpu(vm->stats);
free_vm:
	kfree(vm);
	return NULL;
}

/* kc_vcpu_get() at @vcpu's first use of its state. */
struct kc_vcpu *kc_vcpu_alloc(struct kc_vm *vm, struct kvm_vcpu *vcpu)
{
	unsigned int idx = vcpu->vcpu_idx;
	struct kc_vcpu *v;

	if (WARN_ON_ONCE(idx >= vm->nr_vcpus))
		return NULL;
	v = kzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);
	vm->vcpus[idx] = v;
	return v;
}

/* Override the mode parameter for @vm; < 0 follows it again. */
void kc_vm_set_mode(struct kc_vm *vm, int mode)
{
	WRITE_ONCE(vm->mode, mode);
}

/* Override the extent parameter for @vm; 0 follows it again. */
void kc_vm_set_extent(struct kc_vm *vm, unsigned int extent)
{
	WRITE_ONCE(vm->extent, extent);
}

/* Override the insns_per_exit parameter for @vm; < 0 follows it again. */
void kc_vm_set_insns_per_exit(struct kc_vm *vm, int insns_per_exit)
{
	WRITE_ONCE(vm->insns_per_exit, insns_per_exit);
}
