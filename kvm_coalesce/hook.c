// SPDX-License-Identifier: GPL-2.0
/*
 * Glue between KVM's I/O exit hooks and kvm_coalesce.
 *
 * KVM offers every port I/O exit and every emulated MMIO fault of a TDP
 * guest to these callbacks before handling it (asm/kvm_io_exit.h).  They
 * run in vCPU context, under KVM's I/O exit SRCU, and return false for
 * exits they leave to KVM.
 */
#include <linux/kvm_host.h>
#include <linux/module.h>

#include "kvm_coalesce.h"

static bool kc_pio(struct kvm_vcpu *vcpu, int size, unsigned short port,
		   bool in, bool string, int *ret)
{
	struct kc_vm *vm = kc_vm_get(vcpu->kvm);

	if (!vm)
		return false;

	kc_stat_inc(vm, KC_STAT_EXITS);
	kc_stat_inc(vm, string ? KC_STAT_STRING_PIO_EXITS : KC_STAT_PIO_EXITS);
	return false;
}

static bool kc_mmio(struct kvm_vcpu *vcpu, gpa_t gpa, u64 error_code,
		    int *ret)
{
	struct kc_vm *vm = kc_vm_get(vcpu->kvm);

	if (!vm)
		return false;

	kc_stat_inc(vm, KC_STAT_EXITS);
	kc_stat_inc(vm, KC_STAT_MMIO_EXITS);
	return false;
}

static const struct kvm_io_exit_ops kc_hook_ops = {
	.owner = THIS_MODULE,
	.pio = kc_pio,
	.mmio = kc_mmio,
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
