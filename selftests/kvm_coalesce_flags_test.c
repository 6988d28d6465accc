// SPDX-License-Identifier: GPL-2.0
/*
 * RFLAGS wherever a block stops.  Each routine of kc_flags_io.S sets the
 * flags with an ADD that a later SUB overwrites, and between the two has
 * what stops a block: a faulting store, an OUT or MMIO access that only
 * userspace takes, a CMP with such MMIO, an OUT that makes an interrupt
 * deliverable, a store into the block's code, a write of the TPR, or a
 * jump while the guest records branches (DEBUGCTL.LBR, where KVM
 * virtualizes it).  Where the block stops, the guest (the #GP or
 * interrupt frame) or userspace (the registers at the exit) sees RFLAGS,
 * and they must be what the guest's CPU leaves there: the ADD's, all of
 * them, in every mode; the module's counters must show that the block
 * ran up to the stop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "kc_engine_io.h"
#include "kc_flags_io.h"
#include "kc_guest.h"
#include "kc_util.h"

#define NR_CALLS	2
#define NONCANONICAL	0x8000000000000000ul
#define USER_GPA	0xc1000000ul	/* MMIO for userspace: no memslot */
#define APIC_GPA	0xfee00000ul
#define APIC_TPR	0x80
#define IRQ3_VECTOR	0x23		/* kc_pic_init()'s ICW2 is 0x20 */
#define DEBUGCTL_LBR	BIT(0)

enum {
	ST_FAULT, ST_USER_PIO, ST_MMIO_STORE, ST_MMIO_CMP, ST_EVENT,
	ST_CODE_WRITE, ST_TPR, ST_JUMP, NR_STAGES
};

struct stage {
	const char *name;
	void (*routine)(void *arg);
	void *arg;
	/* The counter that shows where the block stopped. */
	size_t stat;
};

#define STAT(name)	offsetof(struct kc_stats, name)

static const struct stage stages[NR_STAGES] = {
	[ST_FAULT]	= { "fault", kc_flags_fault, (void *)NONCANONICAL,
			    STAT(stop_fault) },
	[ST_USER_PIO]	= { "user OUT", kc_flags_user_pio, NULL, STAT(user_pio) },
	[ST_MMIO_STORE]	= { "user MMIO store", kc_flags_user_mmio_store,
			    (void *)USER_GPA, STAT(user_mmio) },
	[ST_MMIO_CMP]	= { "user MMIO CMP", kc_flags_user_mmio_cmp,
			    (void *)USER_GPA, STAT(stop_user_io) },
	[ST_EVENT]	= { "event", kc_flags_event, NULL, STAT(stop_event) },
	[ST_CODE_WRITE]	= { "code write", kc_flags_code_write, NULL,
			    STAT(stop_code_write) },
	[ST_TPR]	= { "TPR", kc_flags_tpr, (void *)(APIC_GPA + APIC_TPR),
			    STAT(stop_tpr) },
	[ST_JUMP]	= { "jump, LBR on", kc_flags_jump, NULL,
			    STAT(stop_branch_record) },
};

/* The GUEST_SYNC() before call @i of stage @s; SYNC(NR_STAGES, 0) after. */
#define SYNC(s, i)	(1 + (s) * NR_CALLS + (i))

/* Where the guest, or userspace, saw the flags, per stage and call. */
struct seen {
	u64 rflags, rip;
	u64 branch_from;	/* ST_JUMP: the last branch recorded */
	int count;
};

/* Guest side: the frames of the #GP and the interrupt. */
static struct seen guest_seen[NR_STAGES][NR_CALLS];
static int cur_stage, cur_call;

static void guest_note(struct ex_regs *regs)
{
	struct seen *s = &guest_seen[cur_stage][cur_call];

	s->rflags = regs->rflags;
	s->rip = regs->rip;
	s->count++;
}

static void guest_gp(struct ex_regs *regs)
{
	guest_note(regs);
	regs->rip += 6;		/* skip the store: c7 06 imm32 */
}

static void guest_irq3(struct ex_regs *regs)
{
	guest_note(regs);
	kc_outb(0x20, 0x20);	/* EOI */
}

static void guest_code(void)
{
	int s, i;

	GUEST_SYNC(0);
	kc_pic_init();		/* all masked but the cascade */
	asm volatile("sti");
	for (s = 0; s < NR_STAGES; s++) {
		for (i = 0; i < NR_CALLS; i++) {
			cur_stage = s;
			cur_call = i;
			/* The host raises IRQ3 here, masked until the OUT. */
			GUEST_SYNC(SYNC(s, i));
			stages[s].routine(stages[s].arg);
			kc_outb(0x21, 0xfb);	/* mask IRQ3 again */
		}
	}
	GUEST_SYNC(SYNC(NR_STAGES, 0));
	GUEST_DONE();
}

/* Host side. */
struct run_obs {
	struct kc_run run;	/* a stage per call */
	struct seen guest[NR_STAGES][NR_CALLS];
	struct seen host[NR_STAGES][NR_CALLS];
	struct seen *seen;	/* where the current call's exits go */
	bool lbr;
};

static bool is_user_exit(struct kvm_run *run)
{
	if (run->exit_reason == KVM_EXIT_MMIO)
		return run->mmio.phys_addr == USER_GPA;
	return run->exit_reason == KVM_EXIT_IO &&
	       run->io.port == KC_FLAGS_USER_PORT;
}

/* An exit for the stop's access: userspace notes the registers. */
static void user_exit(struct kc_run *run)
{
	struct run_obs *obs = container_of(run, struct run_obs, run);
	struct kvm_run *r = run->vcpu->run;
	struct seen *s = obs->seen;
	struct kvm_regs regs;

	TEST_ASSERT(is_user_exit(r), "exit %s", exit_reason_str(r->exit_reason));
	TEST_ASSERT(s, "exit to userspace outside the routines");
	vcpu_regs_get(run->vcpu, &regs);
	s->rflags = regs.rflags;
	s->rip = regs.rip;
	if (vcpu_get_msr(run->vcpu, MSR_IA32_DEBUGCTLMSR) & DEBUGCTL_LBR)
		s->branch_from = vcpu_get_msr(run->vcpu,
					      MSR_IA32_LASTBRANCHFROMIP);
	s->count++;
	/* Reads of userspace MMIO return 0. */
	if (r->exit_reason == KVM_EXIT_MMIO && !r->mmio.is_write)
		memset(r->mmio.data, 0, sizeof(r->mmio.data));
}

static void run_mode(int mode, struct run_obs *obs)
{
	struct kc_run *run = &obs->run;
	int stage, call;

	kc_run_create(run, guest_code);
	run->user_exit = user_exit;
	vm_install_exception_handler(run->vm, GP_VECTOR, guest_gp);
	vm_install_exception_handler(run->vm, IRQ3_VECTOR, guest_irq3);
	kc_run_zone(run, KC_FLAGS_PORT, 1, true);
	virt_map(run->vm, USER_GPA, USER_GPA, 1);
	virt_map(run->vm, APIC_GPA, APIC_GPA, 1);
	kc_run_start(run, mode);

	for (stage = 0; stage < NR_STAGES; stage++) {
		for (call = 0; call < NR_CALLS; call++) {
			kc_run_stage(run);
			obs->seen = &obs->host[stage][call];
			if (stage == ST_EVENT) {
				/* An edge on IRQ3, latched in IRR while masked. */
				kvm_irq_line(run->vm, 3, 1);
				kvm_irq_line(run->vm, 3, 0);
			}
			if (stage == ST_JUMP) {
				_vcpu_set_msr(run->vcpu, MSR_IA32_DEBUGCTLMSR,
					      DEBUGCTL_LBR);
				obs->lbr = vcpu_get_msr(run->vcpu,
							MSR_IA32_DEBUGCTLMSR) &
					   DEBUGCTL_LBR;
			}
		}
	}
	kc_run_stage(run);
	obs->seen = NULL;
	kc_run_done(run);
	sync_global_from_guest(run->vm, guest_seen);
	memcpy(obs->guest, guest_seen, sizeof(obs->guest));
	kvm_vm_free(run->vm);
}

/* Where the flags of @stage's stop were seen: by the guest or by us. */
static const struct seen *seen_at(const struct run_obs *obs, int stage,
				  int call)
{
	if (stage == ST_FAULT || stage == ST_EVENT)
		return &obs->guest[stage][call];
	return &obs->host[stage][call];
}

/* The ADD's flags, OF SF AF, where the CPU stops; its own RF in frames. */
static void check_off(const struct run_obs *off)
{
	const struct seen *s;
	int stage, call;

	for (stage = 0; stage < NR_STAGES; stage++) {
		for (call = 0; call < NR_CALLS; call++) {
			s = seen_at(off, stage, call);
			TEST_ASSERT(s->count == 1,
				    "off, %s: flags seen %d times",
				    stages[stage].name, s->count);
			TEST_ASSERT((s->rflags & 0x8d5) == 0x890,
				    "off, %s: RFLAGS 0x%lx, not the ADD's",
				    stages[stage].name, s->rflags);
		}
	}
}

/* How much the counter of @stage's stop grew during the stage. */
static u64 stop_count(const struct run_obs *obs, int stage)
{
	struct kc_stats d = kc_stats_sub(&obs->run.stats[SYNC(stage + 1, 0)],
					 &obs->run.stats[SYNC(stage, 0)]);

	return *(u64 *)((char *)&d + stages[stage].stat);
}

static void check_mode(int mode, const struct run_obs *off,
		       const struct run_obs *obs)
{
	const char *name = kc_mode_names[mode];
	const struct seen *a, *b;
	u64 want;
	int stage, call;

	for (stage = 0; stage < NR_STAGES; stage++) {
		for (call = 0; call < NR_CALLS; call++) {
			a = seen_at(off, stage, call);
			b = seen_at(obs, stage, call);
			TEST_ASSERT(b->count == a->count &&
				    b->rflags == a->rflags && b->rip == a->rip &&
				    b->branch_from == a->branch_from,
				    "mode %s, %s, call %d: RFLAGS 0x%lx at 0x%lx (last branch 0x%lx), off: 0x%lx at 0x%lx (0x%lx)",
				    name, stages[stage].name, call, b->rflags,
				    b->rip, b->branch_from, a->rflags, a->rip,
				    a->branch_from);
		}
		if (mode == KC_MODE_OFF || (stage == ST_JUMP && !obs->lbr))
			continue;
		/*
		 * A block runs at the first call but in confirm mode; there,
		 * the TPR write then exits itself, and the module runs it.
		 */
		want = NR_CALLS;
		if (mode == KC_MODE_CONFIRM && stage != ST_TPR)
			want--;
		TEST_ASSERT(stop_count(obs, stage) == want,
			    "mode %s, %s: %lu blocks stopped there, wanted %lu",
			    name, stages[stage].name, stop_count(obs, stage),
			    want);
	}
}

static void test_mode(int mode, void *arg)
{
	struct run_obs *obs = arg;

	run_mode(mode, &obs[mode]);
	if (mode == KC_MODE_OFF)
		check_off(&obs[KC_MODE_OFF]);
	check_mode(mode, &obs[KC_MODE_OFF], &obs[mode]);
	if (!obs[mode].lbr)
		printf("# mode %s: no LBR, jump not checked\n",
		       kc_mode_names[mode]);
}

int main(int argc, char *argv[])
{
	kc_test_each_mode(test_mode, KC_NR_MODES, sizeof(struct run_obs),
			  "RFLAGS at every stop as with off");
}
