/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where each memory and port access of a block goes (access.c), for the
 * executor (exec.c): guest RAM, an in-kernel device, userspace, or back
 * to the guest's CPU.  A new in-kernel device path plugs in here.
 */
#ifndef KVM_COALESCE_ACCESS_H
#define KVM_COALESCE_ACCESS_H

#include <linux/kvm_host.h>

struct kc_vm;

/* Where an access went, or why it did not happen. */
enum kc_acc {
	KC_ACC_RAM,		/* guest RAM took it */
	KC_ACC_DEVICE,		/* an in-kernel device took it */
	/* Nothing happened: */
	KC_ACC_FAULT,		/* the guest's CPU would fault */
	KC_ACC_USER,		/* only userspace takes it (at the gpa) */
	KC_ACC_DECLINED,	/* left to the guest's CPU for another reason */
	KC_ACC_NOT_EXIT,	/* not the access that caused the MMIO exit */
};

/* Who makes the accesses of a block: set by the executor, read here. */
struct kc_access_env {
	struct kc_vm *vm;
	struct kvm_vcpu *vcpu;
	int cpl;
	bool ac;		/* RFLAGS.AC, for alignment checks at CPL 3 */
	gpa_t exit_gpa;		/* the MMIO exit's access, until it ran */
};

enum kc_acc kc_access(const struct kc_access_env *env, u64 addr,
		      unsigned int size, bool write, u64 *val, gpa_t *gpa);
enum kc_acc kc_ins_target(const struct kc_access_env *env, u64 addr,
			  unsigned int size, gpa_t *gpa);
void kc_ins_store(const struct kc_access_env *env, gpa_t gpa,
		  unsigned int size, u64 val);
bool kc_is_tpr(gpa_t gpa);

/* KVM's buses, through the device each address last went to (bus.c). */
const struct kvm_io_range *kc_bus_first(const struct kvm_io_bus *bus,
					gpa_t addr, int len);
bool kc_bus_write(struct kc_vm *vm, struct kvm_vcpu *vcpu, enum kvm_bus idx,
		  gpa_t addr, int len, const void *val);
bool kc_bus_read(struct kc_vm *vm, struct kvm_vcpu *vcpu, enum kvm_bus idx,
		 gpa_t addr, int len, void *val);

/*
 * OUT through KVM's PIO bus: whether an in-kernel device took it.  Port
 * accesses go to the in-kernel devices only; inline, at every IN and OUT.
 */
static inline bool kc_pio_write(const struct kc_access_env *env, u16 port,
				unsigned int size, u64 val)
{
	return kc_bus_write(env->vm, env->vcpu, KVM_PIO_BUS, port, size, &val);
}

/* IN through KVM's PIO bus, as above; *@val is zero-extended. */
static inline bool kc_pio_read(const struct kc_access_env *env, u16 port,
			       unsigned int size, u64 *val)
{
	*val = 0;
	return kc_bus_read(env->vm, env->vcpu, KVM_PIO_BUS, port, size, val);
}

#endif /* KVM_COALESCE_ACCESS_H */
