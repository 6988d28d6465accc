/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for the kernel's linux/kvm_host.h, for fuzz/: what
 * kvm_coalesce/decode.c takes from it and the headers it includes (the
 * register numbers, the page size, string and helper macros), nothing
 * of KVM itself.
 */
#ifndef KC_SHIM_LINUX_KVM_HOST_H
#define KC_SHIM_LINUX_KVM_HOST_H
#include <errno.h>
#include <string.h>
#include <linux/bits.h>
#include <linux/kvm_types.h>

/* The architectural numbers of the general-purpose registers. */
enum kvm_reg {
	VCPU_REGS_RAX, VCPU_REGS_RCX, VCPU_REGS_RDX, VCPU_REGS_RBX,
	VCPU_REGS_RSP, VCPU_REGS_RBP, VCPU_REGS_RSI, VCPU_REGS_RDI,
	VCPU_REGS_R8, VCPU_REGS_R9, VCPU_REGS_R10, VCPU_REGS_R11,
	VCPU_REGS_R12, VCPU_REGS_R13, VCPU_REGS_R14, VCPU_REGS_R15,
};

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1ul << PAGE_SHIFT)

#define min_t(type, a, b)	((type)(a) < (type)(b) ? (type)(a) : (type)(b))

/* The size of @p with @n elements of its flexible array @member. */
#define struct_size(p, member, n) \
	(sizeof(*(p)) + (size_t)(n) * sizeof((p)->member[0]))

#define fallthrough	__attribute__((__fallthrough__))

/* Named in kvm_coalesce.h's prototypes. */
struct seq_file;
#endif
