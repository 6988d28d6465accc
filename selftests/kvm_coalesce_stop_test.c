// SPDX-License-Identifier: GPL-2.0
/*
 * What must stop a block, or keep the module from running one, checked
 * by the guest, in each mode.  Each routine (kc_stop_io.S) is called
 * twice; between OUTs to a coalesced PIO zone it has:
 *
 *  STEPS     nothing special, but the guest single-steps it (RFLAGS.TF):
 *            every instruction must trap, as without the module;
 *  DR7       an instruction with a hardware execution breakpoint on it:
 *            the #DB must come at that instruction;
 *  NONCANON  a store to a non-canonical address: the guest's CPU must
 *            raise the #GP itself, at the store;
 *  LOCK      a LOCK ADD to memory, which the executor does not run: the
 *            block ends before it and the guest's CPU runs it;
 *  RING      bursts of four OUTs until the zone's ring is full, more than
 *            once: the block stops where KVM must exit to userspace,
 *            and once userspace has emptied the ring, bursts must be
 *            coalesced again (a full zone is not a userspace port).
 *
 * The traps and faults the guest records, the values the routines
 * return, the zone's ring and KVM's I/O exits must equal mode=off's; the
 * module's counters must show why it did what it did.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "kc_stop_io.h"
#include "kc_util.h"

#define NR_CALLS	2
#define MAX_TRAPS	64
#define RING_CALLS	100	/* 400 OUTs: the ring holds 169 */

#define EFLAGS_RF	BIT(16)
#define DR7_FIXED1	0x400ul
#define DR7_L0		0x1ul		/* DR0 enabled, execute, 1 byte */
#define NONCANONICAL	0x8000000000000000ul

enum {
	ST_START, ST_STEPS, ST_DR7, ST_NONCANON, ST_LOCK, ST_RING, NR_STAGES
};

/*
 * KVM's I/O exits per stage, besides the ucall: the same in every mode
 * (RING: depends on the mode, not checked).
 */
static const int expected_exits[NR_STAGES] = { 0, 6, 4, 4, 4, -1 };

struct guest_obs {
	u64 db_rip[MAX_TRAPS];
	int nr_db;
	u64 gp_rip, gp_err;
	int nr_gp;
	u32 ret[NR_STAGES][NR_CALLS];
	u32 counter;
};

static struct guest_obs g;

static void guest_debug(struct ex_regs *regs)
{
	if (g.nr_db < MAX_TRAPS)
		g.db_rip[g.nr_db] = regs->rip;
	g.nr_db++;
	/* Resume past an instruction breakpoint (no effect after a trap). */
	regs->rflags |= EFLAGS_RF;
}

static void guest_gp(struct ex_regs *regs)
{
	g.gp_rip = regs->rip;
	g.gp_err = regs->error_code;
	g.nr_gp++;
	regs->rip += 6;		/* skip the store: c7 06 imm32 */
}

static void guest_code(void)
{
	int i;

	GUEST_SYNC(ST_START);
	for (i = 0; i < NR_CALLS; i++)
		g.ret[ST_STEPS][i] = kc_stop_steps_tf(0x10 + i);
	GUEST_SYNC(ST_STEPS);

	asm volatile("mov %0, %%dr0" : : "r"(kc_stop_bp));
	asm volatile("mov %0, %%dr7" : : "r"(DR7_FIXED1 | DR7_L0));
	for (i = 0; i < NR_CALLS; i++)
		g.ret[ST_DR7][i] = kc_stop_dr7(0x20 + i);
	asm volatile("mov %0, %%dr7" : : "r"(DR7_FIXED1));
	GUEST_SYNC(ST_DR7);

	for (i = 0; i < NR_CALLS; i++)
		g.ret[ST_NONCANON][i] =
			kc_stop_noncanonical(0x30 + i, (u32 *)NONCANONICAL);
	GUEST_SYNC(ST_NONCANON);

	for (i = 0; i < NR_CALLS; i++)
		g.ret[ST_LOCK][i] = kc_stop_lock(0x40 + i, &g.counter);
	GUEST_SYNC(ST_LOCK);

	for (i = 0; i < RING_CALLS; i++)
		kc_stop_burst(i);
	GUEST_SYNC(ST_RING);
	GUEST_DONE();
}

struct run_obs {
	struct kc_run run;
	struct guest_obs guest;
};

/*
 * A full ring sends the zone's OUT to userspace, which the run logs
 * after what the ring holds, as a VMM would.
 */
static void run_mode(int mode, struct run_obs *obs)
{
	struct kc_run *run = &obs->run;

	kc_run_create(run, guest_code);
	vm_install_exception_handler(run->vm, DB_VECTOR, guest_debug);
	vm_install_exception_handler(run->vm, GP_VECTOR, guest_gp);
	kc_run_zone(run, KC_STOP_PORT, 1, true);
	kc_run_start(run, mode);
	while (run->stage < NR_STAGES - 1)
		kc_run_stage(run);
	kc_run_done(run);
	sync_global_from_guest(run->vm, g);
	obs->guest = g;
	kvm_vm_free(run->vm);
}

/* Why the module did what it did, from its counters. */
static void check_counters(int mode, const struct run_obs *obs)
{
	const char *name = kc_mode_names[mode];
	struct kc_stats steps, dr7, nc, lock, ring;

	if (mode == KC_MODE_OFF)
		return;
	steps = kc_stage_delta(&obs->run, ST_STEPS);
	dr7 = kc_stage_delta(&obs->run, ST_DR7);
	nc = kc_stage_delta(&obs->run, ST_NONCANON);
	lock = kc_stage_delta(&obs->run, ST_LOCK);
	ring = kc_stage_delta(&obs->run, ST_RING);
	/*
	 * TF and DR7: every exit is left to KVM.  Each stage's ucall, an
	 * OUT to userspace, is declined too.
	 */
	TEST_ASSERT(steps.declined == expected_exits[ST_STEPS] + 1,
		    "mode %s: %lu single-stepped exits declined", name,
		    steps.declined);
	TEST_ASSERT(dr7.declined == expected_exits[ST_DR7] + 1,
		    "mode %s: %lu exits with DR7 armed declined", name,
		    dr7.declined);
	/* One block per call stops at the store (confirm: the second). */
	TEST_ASSERT(nc.stop_fault == (mode == KC_MODE_CONFIRM ? 1 : NR_CALLS),
		    "mode %s: %lu blocks stopped at the non-canonical store",
		    name, nc.stop_fault);
	/*
	 * LOCK: both OUTs run alone, in no block: by the module at the
	 * first call; scan and addr then leave them to KVM, known singular.
	 */
	TEST_ASSERT(lock.rip_known ==
		    kc_rip_known_exits(mode, 2 * (NR_CALLS - 1)) &&
		    lock.declined == 1 + lock.rip_known &&
		    lock.blocks == 0 &&
		    lock.handled + lock.rip_known == 2 * NR_CALLS,
		    "mode %s: LOCK stage declined %lu, rip_known %lu, blocks %lu, handled %lu",
		    name, lock.declined, lock.rip_known, lock.blocks,
		    lock.handled);
	/*
	 * RING: the zone's port was never taken for a userspace one (only
	 * the ucall's was), and bursts were coalesced after the ring
	 * filled: the ring fills twice, each time stopping a block and
	 * sending a single OUT to userspace.
	 */
	TEST_ASSERT(ring.user_io_known == 1,
		    "mode %s: %lu exits known to go to userspace", name,
		    ring.user_io_known);
	if (mode != KC_MODE_CONFIRM)
		TEST_ASSERT(ring.blocks >= RING_CALLS - 4,
			    "mode %s: %lu bursts coalesced of %d", name,
			    ring.blocks, RING_CALLS);
}

static void check_mode(int mode, const struct run_obs *off,
		       const struct run_obs *obs)
{
	const struct guest_obs *a = &off->guest, *b = &obs->guest;
	const char *name = kc_mode_names[mode];

	kc_check_exits(&obs->run, expected_exits, NR_STAGES);
	kc_check_same_ring(&off->run, &obs->run);
	TEST_ASSERT(b->nr_db == a->nr_db &&
		    !memcmp(b->db_rip, a->db_rip, sizeof(a->db_rip)),
		    "mode %s: %d #DB (off %d), or at other RIPs", name,
		    b->nr_db, a->nr_db);
	TEST_ASSERT(b->nr_gp == a->nr_gp && b->gp_rip == a->gp_rip &&
		    b->gp_err == a->gp_err,
		    "mode %s: %d #GP at 0x%lx error 0x%lx", name, b->nr_gp,
		    b->gp_rip, b->gp_err);
	TEST_ASSERT(!memcmp(b->ret, a->ret, sizeof(a->ret)) &&
		    b->counter == a->counter,
		    "mode %s: routines' results differ from off", name);
	check_counters(mode, obs);
}

/* What the guest's CPU must have done without the module. */
static void check_off(const struct run_obs *off)
{
	const struct guest_obs *g = &off->guest;
	int i, bp = 0;

	/* Single-stepping traps at least once per routine instruction. */
	TEST_ASSERT(g->nr_db > NR_CALLS * 7 && g->nr_db < MAX_TRAPS,
		    "%d #DB", g->nr_db);
	for (i = 0; i < g->nr_db && i < MAX_TRAPS; i++)
		bp += g->db_rip[i] == (u64)kc_stop_bp;
	TEST_ASSERT_EQ(bp, NR_CALLS);
	TEST_ASSERT_EQ(g->nr_gp, NR_CALLS);
	TEST_ASSERT_EQ(g->gp_rip, (u64)kc_stop_gp_store);
	TEST_ASSERT_EQ(g->counter, NR_CALLS);
	for (i = 0; i < NR_CALLS; i++) {
		TEST_ASSERT_EQ(g->ret[ST_STEPS][i], 0x10 + i + 3);
		TEST_ASSERT_EQ(g->ret[ST_DR7][i], 0x20 + i + 3);
		TEST_ASSERT_EQ(g->ret[ST_LOCK][i], 0x40 + i + 1);
	}
	TEST_ASSERT_EQ(kc_stage_ring(&off->run, ST_STEPS, NULL), 3 * NR_CALLS);
	TEST_ASSERT_EQ(kc_stage_ring(&off->run, ST_RING, NULL), 4 * RING_CALLS);
}

static void test_mode(int mode, void *arg)
{
	struct run_obs *obs = arg;

	run_mode(mode, &obs[mode]);
	if (mode == KC_MODE_OFF)
		check_off(&obs[KC_MODE_OFF]);
	check_mode(mode, &obs[KC_MODE_OFF], &obs[mode]);
}

int main(int argc, char *argv[])
{
	kc_test_each_mode(test_mode, KC_NR_MODES, sizeof(struct run_obs),
			  "TF, DR7, #GP and LOCK as with off");
}
