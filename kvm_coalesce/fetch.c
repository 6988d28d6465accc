// SPDX-License-Identifier: GPL-2.0
/*
 * Fetching unit: the guest's code at a linear address, translated
 * through the guest's page tables with the permissions of an instruction
 * fetch at the guest's CPL, read into a window that ends at the end of
 * its page.  decode.c and scan.c turn it into a block.
 *
 * Translating RIP through KVM's walker costs more than the rest of a
 * table hit: a walk of four levels, each a memslot lookup.  So each vCPU
 * remembers the translation of the code page it last fetched from
 * (struct kc_code_tlb), with everything the translation was derived
 * from, and reuses it only if all of it is unchanged: the linear page,
 * a user or supervisor fetch, the paging mode and its controls (the
 * MMU's CPU role: CR0.WP, CR4.SMEP, EFER.NX...), CR3, the memslots'
 * generation (the host addresses below stay valid with it), and each
 * paging-structure entry on the way, read again through its host
 * address.  An architectural walk that reads the same entries under the
 * same controls gives the same translation and permits the same fetch,
 * and needs no accessed bit set: the entries were read after KVM's
 * walker had set them.  So a hit is that walk, without the memslot
 * lookups and the permission checks; any difference is a miss, and KVM's
 * walker translates again.  The host addresses are those of memslots,
 * which KVM checked, and are read with __get_user() and
 * __copy_from_user() as KVM reads guest memory.
 */
#include <linux/kvm_host.h>
#include <linux/uaccess.h>

#include "kvm_cache_regs.h"
#include "x86.h"

#include "kvm_coalesce.h"

/* Address bits of a paging-structure entry, and its entries per table. */
#define KC_PTE_ADDR		GENMASK_ULL(51, PAGE_SHIFT)
#define KC_PTE_INDEX_BITS	9

/* The host address of the guest physical @gpa, or 0. */
static unsigned long kc_gpa_to_hva(struct kvm_vcpu *vcpu, gpa_t gpa)
{
	unsigned long hva = kvm_vcpu_gfn_to_hva_prot(vcpu, gpa_to_gfn(gpa),
						     NULL);

	return kvm_is_error_hva(hva) ? 0 : hva + offset_in_page(gpa);
}

/* The first address bit that the entry at @level translates. */
static unsigned int kc_level_shift(int level)
{
	return PAGE_SHIFT + KC_PTE_INDEX_BITS * (level - 1);
}

/* Whether @t translates @page; CR3 is cached (kc_fetch_start()). */
static bool kc_tlb_valid(struct kvm_vcpu *vcpu, const struct kc_code_tlb *t,
			 unsigned long page, bool user)
{
	unsigned int i;
	u64 pte;

	if (!t->levels || t->page != page || t->user != user ||
	    t->generation != kvm_vcpu_memslots(vcpu)->generation ||
	    t->role != vcpu->arch.walk_mmu->cpu_role.as_u64 ||
	    t->cr3 != vcpu->arch.cr3)
		return false;
	for (i = 0; i < t->levels; i++) {
		if (__get_user(pte, t->ptep[i]) || pte != t->pte[i])
			return false;
	}
	return true;
}

/*
 * Remember the translation of @page into @gpa that KVM's walker just
 * made, walking the guest's page tables again to record the entries;
 * left empty unless that walk ends at the same page.
 */
static void kc_tlb_fill(struct kvm_vcpu *vcpu, struct kc_code_tlb *t,
			unsigned long page, bool user, gpa_t gpa)
{
	struct kvm_mmu *mmu = vcpu->arch.walk_mmu;
	int level = mmu->cpu_role.base.level;
	unsigned long cr3 = kvm_read_cr3(vcpu);
	unsigned int i, shift, index;
	gpa_t table, pte_gpa;
	unsigned long hva;
	u64 pte;

	t->levels = 0;
	if (level < 4 || level > KC_MAX_LEVELS || !is_long_mode(vcpu))
		return;
	table = cr3 & KC_PTE_ADDR;
	for (i = 0; level > 0; i++, level--) {
		shift = kc_level_shift(level);
		index = (page >> shift) & GENMASK(KC_PTE_INDEX_BITS - 1, 0);
		pte_gpa = table + index * sizeof(u64);
		hva = kc_gpa_to_hva(vcpu, pte_gpa);
		if (!hva || __get_user(pte, (u64 __user *)hva) ||
		    !(pte & _PAGE_PRESENT))
			return;
		t->ptep[i] = (u64 __user *)hva;
		t->pte[i] = pte;
		if (level == 1 || (pte & _PAGE_PSE))
			break;
		table = pte & KC_PTE_ADDR;
	}
	/* The page's frame: a large page's, plus the 4K page in it. */
	if ((pte & GENMASK_ULL(51, shift)) +
	    (page & GENMASK_ULL(shift - 1, 0)) != (gpa & PAGE_MASK))
		return;
	hva = kc_gpa_to_hva(vcpu, gpa & PAGE_MASK);
	if (!hva)
		return;

	t->page = page;
	t->user = user;
	t->role = mmu->cpu_role.as_u64;
	t->cr3 = cr3;
	t->generation = kvm_vcpu_memslots(vcpu)->generation;
	t->gpa = gpa & PAGE_MASK;
	t->hva = hva;
	t->levels = i + 1;
}

/*
 * Translate @w->rip with KVM's walker, and remember the translation in
 * @v if there is one.  Out of line: its locals and calls would cost a
 * hit of the vCPU's translation a frame of saved registers.
 */
static noinline int kc_fetch_walk(struct kc_vm *vm, struct kvm_vcpu *vcpu,
				  struct kc_vcpu *v, bool user,
				  struct kc_window *w)
{
	struct kvm_mmu *mmu = vcpu->arch.walk_mmu;
	unsigned long page = w->rip & PAGE_MASK;
	u64 access = PFERR_FETCH_MASK;
	struct x86_exception fault;

	if (user)
		access |= PFERR_USER_MASK;
	kc_stat_inc(vm, KC_STAT_code_tlb_misses);
	w->gpa = mmu->gva_to_gpa(vcpu, mmu, w->rip, access, &fault);
	w->hva = 0;
	if (w->gpa == INVALID_GPA)
		return -EFAULT;
	if (v) {
		kc_tlb_fill(vcpu, &v->tlb, page, user, w->gpa);
		if (v->tlb.levels)
			w->hva = v->tlb.hva + offset_in_page(w->rip);
	}
	return 0;
}

static noinline __cold int
kc_fetch_start_read_cr3(struct kc_vm *vm, struct kvm_vcpu *vcpu,
			unsigned long rip, int cpl, struct kc_window *w)
{
	kvm_read_cr3(vcpu);
	return kc_fetch_start(vm, vcpu, rip, cpl, w);
}

/*
 * Translate @rip, the linear address of the code to run at @cpl, into
 * @w; nothing is read yet.  In 64-bit mode CS has base 0 and no limit.
 */
int kc_fetch_start(struct kc_vm *vm, struct kvm_vcpu *vcpu,
		   unsigned long rip, int cpl, struct kc_window *w)
{
	struct kc_vcpu *v = kc_vcpu_get(vm, vcpu);
	bool user = cpl == 3;

	/*
	 * VMX reads CR3 from the VMCS when first asked: read it one call
	 * further, so that no call keeps a hit's arguments live.
	 */
	if (unlikely(!kvm_register_is_available(vcpu, VCPU_EXREG_CR3)))
		return kc_fetch_start_read_cr3(vm, vcpu, rip, cpl, w);

	w->rip = rip;
	w->len = 0;
	if (!v || !kc_tlb_valid(vcpu, &v->tlb, rip & PAGE_MASK, user))
		return kc_fetch_walk(vm, vcpu, v, user, w);

	kc_stat_inc(vm, KC_STAT_code_tlb_hits);
	w->gpa = v->tlb.gpa + offset_in_page(rip);
	w->hva = v->tlb.hva + offset_in_page(rip);
	return 0;
}

/*
 * Read @len bytes of code into @w, fewer if its page ends first: a
 * stored block needs only its own length, a scan the whole window.
 */
int kc_fetch(struct kvm_vcpu *vcpu, struct kc_window *w, unsigned int len)
{
	unsigned int n;

	len = min3(len, (unsigned int)KC_WINDOW_BYTES,
		   (unsigned int)(PAGE_SIZE - offset_in_page(w->rip)));
	if (len <= w->len)
		return 0;
	n = len - w->len;
	if (w->hva ? __copy_from_user(w->bytes + w->len,
				      (const void __user *)(w->hva + w->len),
				      n) :
		     kvm_vcpu_read_guest(vcpu, w->gpa + w->len,
					 w->bytes + w->len, n))
		return -EFAULT;
	w->len = len;
	return 0;
}
