// SPDX-License-Identifier: GPL-2.0
/*
 * Where each access of a block goes, for the executor.
 *
 * Memory operands are translated by KVM's walk of the guest's page
 * tables, with the permissions of the access at the guest's CPL (SMAP,
 * SMEP and protection keys included), and then go to guest RAM, with one
 * load or store of the operand's size, or, where no RAM is, to the local
 * APIC and KVM's MMIO bus, as KVM's emulator sends them.  Port accesses
 * go to KVM's PIO bus, i.e. to the in-kernel devices only.  What no
 * in-kernel device takes is userspace's, and what the module cannot make
 * as the CPU would is the CPU's: then nothing happened.
 */
#include <linux/kvm_host.h>
#include <linux/uaccess.h>

#include "lapic.h"
#include "mmu.h"
#include "mmu/page_track.h"
#include "x86.h"

#include "access.h"

/*
 * Translate a data access of @size bytes at @addr as the guest's CPU
 * would, at the guest's CPL.  False where the CPU would fault (or split
 * the access across pages, which is left to it as well).
 */
static bool kc_translate_data(const struct kc_access_env *env, u64 addr,
			      unsigned int size, bool write, gpa_t *gpa)
{
	struct kvm_vcpu *vcpu = env->vcpu;
	struct kvm_mmu *mmu = vcpu->arch.walk_mmu;
	struct x86_exception fault;
	u64 access = write ? PFERR_WRITE_MASK : 0;

	if (is_noncanonical_address(addr, vcpu, 0) ||
	    offset_in_page(addr) + size > PAGE_SIZE)
		return false;
	if (env->cpl == 3) {
		access |= PFERR_USER_MASK;
		/* Alignment checking: #AC. */
		if ((addr & (size - 1)) && env->ac &&
		    kvm_is_cr0_bit_set(vcpu, X86_CR0_AM))
			return false;
	}
	*gpa = mmu->gva_to_gpa(vcpu, mmu, addr, access, &fault);
	return *gpa != INVALID_GPA;
}

/* The APIC page is MMIO whatever backs it (see vcpu_is_mmio_gpa()). */
static bool kc_is_apic_page(gpa_t gpa)
{
	return (gpa & PAGE_MASK) == APIC_DEFAULT_PHYS_BASE;
}

/*
 * Whether @gpa is the local APIC's TPR.  KVM keeps the TPR in step with
 * CR8 at every exit and entry (SVM's V_TPR, VMX's TPR shadow), which
 * drops its low four bits on SVM: the guest must go through an entry
 * after a TPR write, as with stock KVM, before it can read the TPR again.
 */
bool kc_is_tpr(gpa_t gpa)
{
	return kc_is_apic_page(gpa) && (gpa & 0xff0) == APIC_TASKPRI;
}

/*
 * Whether writes to guest RAM must be seen by KVM's write tracking: the
 * shadow pages of a nested guest's page tables, or an external user such
 * as KVMGT.  KVM's emulator tells them (kvm_page_track_write(), not
 * available to modules); such writes are left to the guest's CPU.
 */
static bool kc_ram_write_tracked(struct kvm *kvm)
{
	return READ_ONCE(kvm->arch.indirect_shadow_pages) ||
	       kvm_page_track_has_external_user(kvm);
}

/* As vcpu_mmio_read() and vcpu_mmio_write(): local APIC, then the bus. */
static bool kc_mmio(const struct kc_access_env *env, gpa_t gpa,
		    unsigned int size, bool write, u64 *val)
{
	struct kvm_vcpu *vcpu = env->vcpu;
	struct kvm_lapic *apic = lapic_in_kernel(vcpu) ? vcpu->arch.apic : NULL;

	if (write) {
		if (apic && !kvm_iodevice_write(vcpu, &apic->dev, gpa, size,
						val))
			return true;
		return kc_bus_write(env->vm, vcpu, KVM_MMIO_BUS, gpa, size, val);
	}
	if (apic && !kvm_iodevice_read(vcpu, &apic->dev, gpa, size, val))
		return true;
	return kc_bus_read(env->vm, vcpu, KVM_MMIO_BUS, gpa, size, val);
}

/*
 * Whether an access to @gpa, which neither RAM nor an in-kernel device
 * took, is one that KVM leaves to userspace as MMIO: no memslot, or a
 * write to a read-only one.  Not a memslot being changed: KVM retries
 * the guest's access until the change is done.
 */
static bool kc_is_user_mmio(struct kvm_vcpu *vcpu, gpa_t gpa, bool write)
{
	struct kvm_memory_slot *slot;

	/* Address space 0: kc_vcpu_can_run() refuses SMM. */
	slot = gfn_to_memslot(vcpu->kvm, gpa_to_gfn(gpa));
	if (!slot)
		return true;
	return write && (slot->flags & KVM_MEM_READONLY) &&
	       !(slot->flags & KVM_MEMSLOT_INVALID);
}

/*
 * The host address of the guest RAM at @gpa, for a read or a @write, or
 * an error hva where there is none (MMIO, or a write to ROM).
 */
static unsigned long kc_ram_hva(struct kvm_vcpu *vcpu, gpa_t gpa, bool write)
{
	bool writable;
	unsigned long hva;

	hva = kvm_vcpu_gfn_to_hva_prot(vcpu, gpa_to_gfn(gpa), &writable);
	if (kvm_is_error_hva(hva) || (write && !writable))
		return KVM_HVA_ERR_BAD;
	return hva + offset_in_page(gpa);
}

/*
 * Load or store @size bytes of guest RAM at @hva with one instruction,
 * as the guest's own access does: an aligned access, or one within a
 * cache line, is then single-copy atomic for other vCPUs as the
 * architecture promises, which a byte-wise copy (copy_from_user() of a
 * short length) is not.  Non-zero if the host's mapping is gone.
 */
static int kc_ram_load(unsigned long hva, unsigned int size, u64 *val)
{
	int r;

	switch (size) {
	case 1: {
		u8 v;

		r = __get_user(v, (u8 __user *)hva);
		*val = v;
		break;
	}
	case 2: {
		u16 v;

		r = __get_user(v, (u16 __user *)hva);
		*val = v;
		break;
	}
	case 4: {
		u32 v;

		r = __get_user(v, (u32 __user *)hva);
		*val = v;
		break;
	}
	default:
		r = __get_user(*val, (u64 __user *)hva);
		break;
	}
	return r;
}

static int kc_ram_store(unsigned long hva, unsigned int size, u64 val)
{
	switch (size) {
	case 1:
		return __put_user((u8)val, (u8 __user *)hva);
	case 2:
		return __put_user((u16)val, (u16 __user *)hva);
	case 4:
		return __put_user((u32)val, (u32 __user *)hva);
	default:
		return __put_user(val, (u64 __user *)hva);
	}
}

/* A store to guest RAM at @gpa, @hva, which marks the page dirty. */
static enum kc_acc kc_ram_write(struct kvm_vcpu *vcpu, gpa_t gpa,
				unsigned long hva, unsigned int size, u64 val)
{
	if (kc_ram_write_tracked(vcpu->kvm) || kc_ram_store(hva, size, val))
		return KC_ACC_DECLINED;
	kvm_vcpu_mark_page_dirty(vcpu, gpa_to_gfn(gpa));
	return KC_ACC_RAM;
}

/*
 * kc_access() past the translation: @gpa, which the access's linear
 * address translated to with its permissions, is RAM, else the local
 * APIC or the MMIO bus.
 */
static enum kc_acc kc_access_gpa(const struct kc_access_env *env, gpa_t gpa,
				 unsigned int size, bool write, u64 *val)
{
	struct kvm_vcpu *vcpu = env->vcpu;
	unsigned long hva = KVM_HVA_ERR_BAD;

	if (!kc_is_apic_page(gpa))
		hva = kc_ram_hva(vcpu, gpa, write);
	if (!kvm_is_error_hva(hva)) {
		if (write)
			return kc_ram_write(vcpu, gpa, hva, size, *val);
		return kc_ram_load(hva, size, val) ? KC_ACC_DECLINED :
						     KC_ACC_RAM;
	}
	if (kc_mmio(env, gpa, size, write, val))
		return KC_ACC_DEVICE;
	return kc_is_user_mmio(vcpu, gpa, write) ? KC_ACC_USER :
						   KC_ACC_DECLINED;
}

/*
 * The access that caused an MMIO exit: its address is the faulting one,
 * as in KVM's emulator (emulator_read_write_onepage()), if the page
 * offsets agree; else the code is not what faulted.  What no in-kernel
 * device takes, KVM's emulator sends to userspace.
 */
static enum kc_acc kc_access_exit(const struct kc_access_env *env, u64 addr,
				  unsigned int size, bool write, u64 *val,
				  gpa_t *gpa)
{
	if (offset_in_page(addr) != offset_in_page(env->exit_gpa) ||
	    offset_in_page(addr) + size > PAGE_SIZE)
		return KC_ACC_NOT_EXIT;
	*gpa = env->exit_gpa;
	if (kc_mmio(env, *gpa, size, write, val))
		return KC_ACC_DEVICE;
	return KC_ACC_USER;
}

/*
 * Access @size bytes at linear address @addr: *@val is written, or read
 * (zero-extended).  The access's guest physical address is in *@gpa if
 * it went somewhere, or only userspace takes it.
 */
enum kc_acc kc_access(const struct kc_access_env *env, u64 addr,
		      unsigned int size, bool write, u64 *val, gpa_t *gpa)
{
	if (!write)
		*val = 0;
	if (env->exit_gpa != INVALID_GPA)
		return kc_access_exit(env, addr, size, write, val, gpa);
	if (!kc_translate_data(env, addr, size, write, gpa))
		return KC_ACC_FAULT;
	return kc_access_gpa(env, *gpa, size, write, val);
}

/*
 * The destination of INS, checked before the port is read, since a port
 * read may have side effects (the 8259's IRR/ISR, a UART's FIFO) that
 * cannot be undone: translated for a write at the guest's CPL, and
 * writable guest RAM that KVM does not track.  Anything else, the APIC
 * page, MMIO, ROM or tracked RAM, is left to the CPU, and then to KVM's
 * emulator, which alone can complete a port read into such memory.
 */
enum kc_acc kc_ins_target(const struct kc_access_env *env, u64 addr,
			  unsigned int size, gpa_t *gpa)
{
	struct kvm_vcpu *vcpu = env->vcpu;

	if (!kc_translate_data(env, addr, size, true, gpa))
		return KC_ACC_FAULT;
	if (kc_is_apic_page(*gpa) || kc_ram_write_tracked(vcpu->kvm) ||
	    kvm_is_error_hva(kc_ram_hva(vcpu, *gpa, true)))
		return KC_ACC_DECLINED;
	return KC_ACC_RAM;
}

/*
 * Store the data INS read to its destination, which kc_ins_target()
 * checked: the port was read, so the instruction has happened.  It fails
 * only if userspace unmapped the RAM under the memslot, and then the data
 * is lost as KVM's emulator would lose it.
 */
void kc_ins_store(const struct kc_access_env *env, gpa_t gpa,
		  unsigned int size, u64 val)
{
	kc_access_gpa(env, gpa, size, true, &val);
}
