// SPDX-License-Identifier: GPL-2.0
/*
 * When the module may run guest instructions: at an exit at all (the
 * vCPU's state, and the CPU mode of its code), before each instruction
 * of a block (events, signals), and for some instructions (I/O at the
 * guest's CPL, jumps while the guest records branches).  Whatever the
 * module does not run, the guest's CPU or KVM does, as without it.
 */
#include <linux/kvm_host.h>
#include <linux/sched/signal.h>

#include "cpuid.h"
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
 * The CPU mode of the vCPU's code, in *@mode, if the module runs code in
 * it: 64-bit mode only so far.  Other modes are added here, and in the
 * decoder (decode.c) and the executor's address computation (exec.c).
 */
static bool kc_vcpu_cpu_mode(struct kvm_vcpu *vcpu, enum kc_cpu_mode *mode)
{
	if (!is_64_bit_mode(vcpu))
		return false;
	*mode = KC_CPU_64;
	return true;
}

/*
 * Whether the module may run guest instructions at this exit, in which
 * CPU mode, and with which RFLAGS.  Anything that makes an instruction
 * boundary observable (single-stepping, debug breakpoints and RFLAGS.RF,
 * the STI/MOV SS shadow, interrupts posted by APICv or AVIC while IF is
 * set, a PMU counting retired instructions), or that adds a layer of
 * interception (a nested guest, SMM), leaves the exit to KVM.
 */
bool kc_vcpu_can_run(struct kvm_vcpu *vcpu, enum kc_cpu_mode *mode,
		     unsigned long *rflags_out)
{
	unsigned long rflags;

	if (vcpu->guest_debug || is_guest_mode(vcpu) ||
	    (vcpu->arch.hflags & HF_SMM_MASK))
		return false;
	/* Registers or memory the host cannot read or must not touch. */
	if (vcpu->arch.guest_state_protected ||
	    kvm_arch_has_private_mem(vcpu->kvm))
		return false;
	if (!kc_vcpu_cpu_mode(vcpu, mode))
		return false;
	/*
	 * RF: the CPU clears it once the next instruction completes, and
	 * KVM's skip of the exiting one leaves it set; the first
	 * instruction that completes is then the CPU's to run.
	 */
	rflags = kvm_get_rflags(vcpu);
	if (rflags & (X86_EFLAGS_TF | X86_EFLAGS_RF))
		return false;
	/* Posted interrupts do not ask for KVM_REQ_EVENT: see below. */
	if ((rflags & X86_EFLAGS_IF) && kvm_vcpu_apicv_active(vcpu))
		return false;
	if (kvm_get_dr(vcpu, 7) & DR7_BP_EN_MASK)
		return false;
	if (kc_pmu_counts_retired(vcpu))
		return false;
	*rflags_out = rflags;
	return !kvm_x86_call(get_interrupt_shadow)(vcpu);
}

/*
 * Whether an event may be delivered before the next instruction, so that
 * an interrupt an OUT made deliverable is taken where the guest's CPU
 * would take it.  NMIs, SMIs, INIT/SIPI and exceptions are delivered
 * whatever IF says.  Maskable interrupts make KVM ask for event
 * processing (KVM_REQ_EVENT), which it also does more often than one is
 * deliverable, e.g. after every write to the 8259: with IF clear that
 * does not stop a block.  With APICv or AVIC, interrupts are posted
 * without KVM_REQ_EVENT; kc_vcpu_can_run() leaves IF=1 exits to KVM then.
 */
static bool kc_event_pending(struct kvm_vcpu *vcpu, unsigned long rflags)
{
	if (vcpu->arch.nmi_pending || atomic_read(&vcpu->arch.nmi_queued) ||
	    vcpu->arch.smi_pending || kvm_test_request(KVM_REQ_SMI, vcpu) ||
	    vcpu->arch.exception.pending ||
	    vcpu->arch.exception_vmexit.pending ||
	    kvm_apic_has_pending_init_or_sipi(vcpu))
		return true;
	return (rflags & X86_EFLAGS_IF) &&
	       kvm_test_request(KVM_REQ_EVENT, vcpu);
}

/*
 * Whether to stop before the next instruction of a block, the guest's
 * RFLAGS being @rflags: for a deliverable event, and for a signal, as
 * KVM's own loop over invalid guest state (vmx.c) does.  A reschedule
 * request does not stop a block: a block is bounded by the extent, like
 * the iterations of a REP INS/OUTS that KVM emulates in one exit, and
 * KVM reschedules before it re-enters the guest.
 *
 * *@seen is the vCPU's request word when the block last looked and
 * found no event (KC_REQUESTS_UNSEEN before).  Each event that can come
 * since, from another thread or from the block's own device accesses,
 * sets a request bit (KVM_REQ_NMI, KVM_REQ_SMI, or KVM_REQ_EVENT, which
 * exceptions and INIT/SIPI set too), and only the vCPU's thread, which
 * runs the block, clears them: while the word is unchanged, only a
 * signal can be new.  RFLAGS.IF does not change within a block.
 */
bool kc_vcpu_interrupted(struct kvm_vcpu *vcpu, unsigned long rflags,
			 u64 *seen)
{
	u64 requests = READ_ONCE(vcpu->requests);

	if (requests != *seen) {
		if (kc_event_pending(vcpu, rflags))
			return true;
		*seen = requests;
	}
	return signal_pending(current);
}

/*
 * Whether the guest records the branches it executes: last branch
 * records or single-stepping on branches (DEBUGCTL.LBR, .BTF), or Intel
 * PT tracing (RTIT_CTL.TraceEn), which notes every conditional branch,
 * taken or not.  The executor records none, so a block stops before its
 * first jump then; its other instructions leave no trace.
 */
bool kc_branches_recorded(struct kvm_vcpu *vcpu)
{
	u64 debugctl = 0, rtit_ctl = 0;

	kvm_get_msr(vcpu, MSR_IA32_DEBUGCTLMSR, &debugctl);
	if (guest_cpuid_has(vcpu, X86_FEATURE_INTEL_PT))
		kvm_get_msr(vcpu, MSR_IA32_RTIT_CTL, &rtit_ctl);
	return (debugctl & (DEBUGCTLMSR_LBR | DEBUGCTLMSR_BTF)) ||
	       (rtit_ctl & RTIT_CTL_TRACEEN);
}
