// SPDX-License-Identifier: GPL-2.0
/*
 * Fetching unit: whether the module may run the guest's instructions at
 * this exit, and reading the guest code at the exiting instruction
 * through the guest's page tables, with the permissions of an
 * instruction fetch.  decode.c turns the code into a block.
 */
#include <linux/kvm_host.h>

#include "kvm_cache_regs.h"
#include "lapic.h"
#include "pmu.h"
#include "x86.h"

#include "kvm_coalesce.h"

/*
 * Whether a counter of the vCPU's PMU may count retired instructions or
 * branches, which KVM's emulator counts (kvm_pmu_trigger_event()) and
 * the executor does not.  Errs on the side of yes: event filters and
 * CPL matching are not looked at.
 */
static bool kc_pmu_counts_retired(struct kvm_vcpu *vcpu)
{
	struct kvm_pmu *pmu = vcpu_to_pmu(vcpu);
	struct kvm_pmc *pmc;
	u64 sel;
	int i;

	kvm_for_each_pmc(pmu, pmc, i, pmu->all_valid_pmc_idx) {
		if (!pmc_is_globally_enabled(pmc) ||
		    !pmc_speculative_in_use(pmc))
			continue;
		sel = pmc->eventsel & AMD64_RAW_EVENT_MASK_NB;
		if (sel == (kvm_pmu_eventsel.INSTRUCTIONS_RETIRED &
			    AMD64_RAW_EVENT_MASK_NB) ||
		    sel == (kvm_pmu_eventsel.BRANCH_INSTRUCTIONS_RETIRED &
			    AMD64_RAW_EVENT_MASK_NB))
			return true;
	}
	return false;
}

/*
 * Whether the module may run guest instructions at this exit.  Anything
 * that makes an instruction boundary observable (single-stepping, debug
 * breakpoints and RFLAGS.RF, the STI/MOV SS shadow, interrupts posted by
 * APICv or AVIC while IF is set, a PMU counting retired instructions;
 * recorded branches are checked at the first jump, see exec.c), that adds a
 * layer of interception (a nested guest) or another CPU mode (SMM, 16-
 * and 32-bit code) leaves the exit to KVM.
 */
bool kc_vcpu_can_run(struct kvm_vcpu *vcpu)
{
	unsigned long rflags;

	if (vcpu->guest_debug || is_guest_mode(vcpu) ||
	    (vcpu->arch.hflags & HF_SMM_MASK))
		return false;
	/* Registers or memory the host cannot read or must not touch. */
	if (vcpu->arch.guest_state_protected ||
	    kvm_arch_has_private_mem(vcpu->kvm))
		return false;
	if (!is_64_bit_mode(vcpu))
		return false;
	/*
	 * RF: the CPU clears it once the next instruction completes, and
	 * KVM's skip of the exiting one leaves it set; the first
	 * instruction that completes is then the CPU's to run.
	 */
	rflags = kvm_get_rflags(vcpu);
	if (rflags & (X86_EFLAGS_TF | X86_EFLAGS_RF))
		return false;
	/* Posted interrupts do not ask for KVM_REQ_EVENT: see exec.c. */
	if ((rflags & X86_EFLAGS_IF) && kvm_vcpu_apicv_active(vcpu))
		return false;
	if (kvm_get_dr(vcpu, 7) & DR7_BP_EN_MASK)
		return false;
	if (kc_pmu_counts_retired(vcpu))
		return false;
	return !kvm_x86_call(get_interrupt_shadow)(vcpu);
}

/*
 * Translate @rip, the address of the code to run, through the guest's
 * page tables, with the permissions of an instruction fetch at the
 * current CPL.  Nothing is read yet.
 */
int kc_translate(struct kvm_vcpu *vcpu, struct kc_code *code,
		 unsigned long rip)
{
	struct kvm_mmu *mmu = vcpu->arch.walk_mmu;
	struct x86_exception fault;
	u64 access = PFERR_FETCH_MASK;

	if (kvm_x86_call(get_cpl)(vcpu) == 3)
		access |= PFERR_USER_MASK;

	/* 64-bit mode: CS has base 0 and no limit. */
	code->rip = rip;
	code->gpa = mmu->gva_to_gpa(vcpu, mmu, code->rip, access, &fault);
	code->len = 0;
	return code->gpa == INVALID_GPA ? -EFAULT : 0;
}

/*
 * Read @len bytes of code from RIP, fewer if the page ends first; a
 * stored block needs only its own length, a scan the whole window.
 */
int kc_read(struct kvm_vcpu *vcpu, struct kc_code *code, unsigned int len)
{
	len = min3(len, (unsigned int)KC_WINDOW_BYTES,
		   (unsigned int)(PAGE_SIZE - offset_in_page(code->rip)));
	if (len <= code->len)
		return 0;
	if (kvm_vcpu_read_guest(vcpu, code->gpa + code->len,
				code->bytes + code->len, len - code->len))
		return -EFAULT;
	code->len = len;
	return 0;
}
