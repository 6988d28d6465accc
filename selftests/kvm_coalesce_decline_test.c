// SPDX-License-Identifier: GPL-2.0
/*
 * Exits the module must leave to KVM, in each mode:
 *
 *  rexw_66  an OUT with both 0x66 and REX.W between two OUTs: CPUs and
 *           emulators disagree on its size, so it is the CPU's to run,
 *           in an exit of its own, as without the module;
 *  rf       an OUT exit with RFLAGS.RF set: the instruction after it
 *           must run on the CPU, which clears RF, as without the
 *           module, so that userspace sees RF clear at the next exit;
 *  sev      an SEV guest, whose memory KVM reads only as ciphertext:
 *           the module must see none of its exits (needs SEV).
 *
 * KVM's I/O exits, the coalesced zone's ring and RFLAGS must equal
 * mode=off's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm_util.h"
#include "processor.h"
#include "sev.h"
#include "ucall_common.h"

#include "kc_decline_io.h"
#include "kc_util.h"

#define NR_CALLS	2
#define MAX_RING	32
#define EFLAGS_RF	BIT(16)

struct run_obs {
	u64 exits;		/* I/O exits but the ucalls and user OUTs */
	int nr_ring;
	struct kvm_coalesced_mmio ring[MAX_RING];
	u64 rflags[NR_CALLS];	/* rf: at the second user OUT */
};

static void guest_rexw_66(void)
{
	int i;

	GUEST_SYNC(0);
	for (i = 0; i < NR_CALLS; i++)
		kc_decline_rexw_66();
	GUEST_DONE();
}

static void guest_rf(void)
{
	int i;

	GUEST_SYNC(0);
	for (i = 0; i < NR_CALLS; i++)
		kc_decline_rf();
	GUEST_DONE();
}

/*
 * kc_decline_rf()'s OUTs to userspace: the first sets RF, which the CPU
 * then sees at the next OUT's exit; the second notes RFLAGS.
 */
static void user_out(struct kvm_vcpu *vcpu, int n, struct run_obs *obs)
{
	struct kvm_regs regs;

	vcpu_regs_get(vcpu, &regs);
	if (n % 2 == 0) {
		regs.rflags |= EFLAGS_RF;
		vcpu_regs_set(vcpu, &regs);
	} else {
		obs->rflags[n / 2] = regs.rflags;
	}
}

static void run_mode(int mode, void *guest, struct run_obs *obs)
{
	struct kvm_vcpu *vcpu;
	struct kvm_run *run;
	struct kvm_vm *vm;
	struct ucall uc;
	u64 start;
	int n = 0;

	memset(obs, 0, sizeof(*obs));
	vm = kc_vm_create_in_mode(mode, guest, &vcpu);
	kvm_vm_register_coalesced_io(vm, KC_DECLINE_PORT, 4, true);
	start = kc_vcpu_stat(vcpu, "io_exits");
	run = vcpu->run;
	for (;;) {
		vcpu_run(vcpu);
		if (run->exit_reason != KVM_EXIT_IO ||
		    run->io.port != KC_DECLINE_USER_PORT)
			break;
		TEST_ASSERT(n < 2 * NR_CALLS, "too many OUTs to userspace");
		user_out(vcpu, n++, obs);
	}
	if (get_ucall(vcpu, &uc) == UCALL_ABORT)
		REPORT_GUEST_ASSERT(uc);
	TEST_ASSERT_EQ(uc.cmd, UCALL_DONE);
	obs->exits = kc_vcpu_stat(vcpu, "io_exits") - start - 1 - n;
	obs->nr_ring = kc_ring_take(vcpu, obs->ring, MAX_RING);
	kvm_vm_free(vm);
}

static void check(const char *what, int mode, const struct run_obs *off,
		  const struct run_obs *obs)
{
	const char *name = kc_mode_names[mode];
	int i;

	TEST_ASSERT(obs->exits == off->exits,
		    "%s, mode %s: %lu I/O exits, off: %lu", what, name,
		    obs->exits, off->exits);
	TEST_ASSERT(obs->nr_ring == off->nr_ring &&
		    !memcmp(obs->ring, off->ring,
			    obs->nr_ring * sizeof(obs->ring[0])),
		    "%s, mode %s: ring of %d entries differs from off's %d",
		    what, name, obs->nr_ring, off->nr_ring);
	for (i = 0; i < NR_CALLS; i++)
		TEST_ASSERT(obs->rflags[i] == off->rflags[i],
			    "%s, mode %s, call %d: RFLAGS 0x%lx, off: 0x%lx",
			    what, name, i, obs->rflags[i], off->rflags[i]);
}

static void test_each_mode(const char *what, void *guest, u64 off_exits)
{
	struct run_obs off, obs;
	int mode;

	run_mode(KC_MODE_OFF, guest, &off);
	TEST_ASSERT(off.exits == off_exits, "%s, off: %lu I/O exits, wanted %lu",
		    what, off.exits, off_exits);
	for (mode = KC_MODE_OFF; mode < KC_NR_MODES; mode++) {
		run_mode(mode, guest, &obs);
		check(what, mode, &off, &obs);
		ksft_test_result_pass("%s, mode=%s: as with off\n", what,
				      kc_mode_names[mode]);
	}
}

static void guest_sev(void)
{
	int i;

	for (i = 0; i < NR_CALLS; i++)
		kc_decline_burst();
	GUEST_DONE();
}

/* The module, loaded in its default mode, sees none of the exits. */
static void test_sev(void)
{
	struct kvm_vcpu *vcpu;
	struct kc_stats stats;
	struct kvm_vm *vm;
	struct ucall uc;
	u64 exits;

	if (!kvm_cpu_has(X86_FEATURE_SEV) ||
	    !(kvm_check_cap(KVM_CAP_VM_TYPES) & BIT(KVM_X86_SEV_VM))) {
		ksft_test_result_skip("sev: no SEV\n");
		return;
	}
	vm = vm_sev_create_with_one_vcpu(KVM_X86_SEV_VM, guest_sev, &vcpu);
	vm_sev_launch(vm, 0, NULL);
	kvm_vm_register_coalesced_io(vm, KC_DECLINE_PORT, 4, true);
	vcpu_run(vcpu);
	TEST_ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_DONE);
	exits = kc_vcpu_stat(vcpu, "io_exits");
	TEST_ASSERT(exits == 4 * NR_CALLS + 1, "sev: %lu I/O exits, wanted %d",
		    exits, 4 * NR_CALLS + 1);
	TEST_ASSERT(!kc_read_stats(vm, &stats),
		    "sev: the module attached to the VM");
	kvm_vm_free(vm);
	ksft_test_result_pass("sev: every OUT exits, the module saw none\n");
}

int main(int argc, char *argv[])
{
	kc_module_ensure_loaded();
	ksft_print_header();
	ksft_set_plan(2 * KC_NR_MODES + 1);
	test_each_mode("rexw_66", guest_rexw_66, 3 * NR_CALLS);
	test_each_mode("rf", guest_rf, 2 * NR_CALLS);
	test_sev();
	ksft_finished();
}
