// SPDX-License-Identifier: GPL-2.0
/*
 * Fetching unit: the guest's code at a linear address, translated
 * through the guest's page tables with the permissions of an instruction
 * fetch at the guest's CPL, read into a window that ends at the end of
 * its page.  decode.c and scan.c turn it into a block.
 */
#include <linux/kvm_host.h>

#include "kvm_cache_regs.h"
#include "x86.h"

#include "kvm_coalesce.h"

/*
 * Translate @rip, the linear address of the code to run, into @w; nothing
 * is read yet.  In 64-bit mode CS has base 0 and no limit.
 */
int kc_fetch_start(struct kvm_vcpu *vcpu, unsigned long rip,
		   struct kc_window *w)
{
	struct kvm_mmu *mmu = vcpu->arch.walk_mmu;
	struct x86_exception fault;
	u64 access = PFERR_FETCH_MASK;

	if (kvm_x86_call(get_cpl)(vcpu) == 3)
		access |= PFERR_USER_MASK;

	w->rip = rip;
	w->gpa = mmu->gva_to_gpa(vcpu, mmu, rip, access, &fault);
	w->len = 0;
	return w->gpa == INVALID_GPA ? -EFAULT : 0;
}

/*
 * Read @len bytes of code into @w, fewer if its page ends first: a
 * stored block needs only its own length, a scan the whole window.
 */
int kc_fetch(struct kvm_vcpu *vcpu, struct kc_window *w, unsigned int len)
{
	len = min3(len, (unsigned int)KC_WINDOW_BYTES,
		   (unsigned int)(PAGE_SIZE - offset_in_page(w->rip)));
	if (len <= w->len)
		return 0;
	if (kvm_vcpu_read_guest(vcpu, w->gpa + w->len, w->bytes + w->len,
				len - w->len))
		return -EFAULT;
	w->len = len;
	return 0;
}
