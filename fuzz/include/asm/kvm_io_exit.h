/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for asm/kvm_io_exit.h of patches/, for fuzz/: the
 * per-VM state that struct kc_vm embeds and the MMIO access that
 * struct kc_code describes.
 */
#ifndef KC_SHIM_ASM_KVM_IO_EXIT_H
#define KC_SHIM_ASM_KVM_IO_EXIT_H
#include <linux/kvm_types.h>

struct kvm;
struct kvm_io_exit_vm {
	void (*release)(struct kvm *kvm, struct kvm_io_exit_vm *vm,
			bool vm_destroyed);
};

struct kvm_io_exit_mmio {
	gpa_t gpa;
	u64 data;
	u8 len;
	bool write;
	u8 insn_len;
	u8 reg;
	u8 reg_size;
	bool sign;
};
#endif
