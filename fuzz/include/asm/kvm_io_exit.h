/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for asm/kvm_io_exit.h of patches/, for fuzz/: the
 * per-VM state that struct kc_vm embeds.
 */
#ifndef KC_SHIM_ASM_KVM_IO_EXIT_H
#define KC_SHIM_ASM_KVM_IO_EXIT_H
#include <linux/kvm_types.h>

struct kvm;
struct kvm_io_exit_vm {
	void (*release)(struct kvm *kvm, struct kvm_io_exit_vm *vm,
			bool vm_destroyed);
};
#endif
