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
#define EFLAGS_RF	BIT(16)

struct run_obs {
	struct kc_run run;
	u64 exits;		/* I/O exits but the ucalls and user OUTs */
	int nr_user;
	u64 rflags[NR_CALLS];	/* rf: at the second user OUT */
};

/* A routine of kc_decline_io.S, run in each mode. */
struct decline_test {
	const char *name;
	const char *what;	/* its TAP result */
	void *guest;
	u64 off_exits;
	struct run_obs off, obs;
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
static void user_out(struct kc_run *run)
{
	struct run_obs *obs = container_of(run, struct run_obs, run);
	struct kvm_run *r = run->vcpu->run;
	int n = obs->nr_user++;
	struct kvm_regs regs;

	TEST_ASSERT(r->exit_reason == KVM_EXIT_IO &&
		    r->io.port == KC_DECLINE_USER_PORT,
		    "exit %s, port 0x%x", exit_reason_str(r->exit_reason),
		    r->io.port);
	TEST_ASSERT(n < 2 * NR_CALLS, "too many OUTs to userspace");
	vcpu_regs_get(run->vcpu, &regs);
	if (n % 2 == 0) {
		regs.rflags |= EFLAGS_RF;
		vcpu_regs_set(run->vcpu, &regs);
	} else {
		obs->rflags[n / 2] = regs.rflags;
	}
}

static void run_mode(int mode, void *guest, struct run_obs *obs)
{
	struct kc_run *run = &obs->run;

	memset(obs, 0, sizeof(*obs));
	kc_run_create(run, guest);
	run->user_exit = user_out;
	kc_run_zone(run, KC_DECLINE_PORT, 4, true);
	kc_run_start(run, mode);
	kc_run_done(run);
	obs->exits = run->exits[1] - obs->nr_user;
	kvm_vm_free(run->vm);
}

static void check(const char *what, int mode, const struct run_obs *off,
		  const struct run_obs *obs)
{
	const char *name = kc_mode_names[mode];
	int i;

	TEST_ASSERT(obs->exits == off->exits,
		    "%s, mode %s: %lu I/O exits, off: %lu", what, name,
		    obs->exits, off->exits);
	kc_check_same_ring(&off->run, &obs->run);
	for (i = 0; i < NR_CALLS; i++)
		TEST_ASSERT(obs->rflags[i] == off->rflags[i],
			    "%s, mode %s, call %d: RFLAGS 0x%lx, off: 0x%lx",
			    what, name, i, obs->rflags[i], off->rflags[i]);
}

static void test_mode(int mode, void *arg)
{
	struct decline_test *t = arg;

	if (mode == KC_MODE_OFF) {
		run_mode(KC_MODE_OFF, t->guest, &t->off);
		TEST_ASSERT(t->off.exits == t->off_exits,
			    "%s, off: %lu I/O exits, wanted %lu", t->name,
			    t->off.exits, t->off_exits);
	}
	run_mode(mode, t->guest, &t->obs);
	check(t->name, mode, &t->off, &t->obs);
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
	static struct decline_test tests[] = {
		{ "rexw_66", "rexw_66 as with off", guest_rexw_66, 3 * NR_CALLS },
		{ "rf", "rf as with off", guest_rf, 2 * NR_CALLS },
	};
	int i;

	kc_module_ensure_loaded();
	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(tests) * KC_NR_MODES + 1);
	for (i = 0; i < ARRAY_SIZE(tests); i++)
		kc_each_mode(test_mode, &tests[i], tests[i].what);
	test_sev();
	ksft_finished();
}
