// SPDX-License-Identifier: GPL-2.0
/*
 * The coalescing engine in each mode against stock behaviour (mode=off).
 *
 * The guest runs a fixed program of stages, each a call of a routine of
 * kc_engine_io.S followed by a ucall: the example of Figure 8 of the
 * patent (I/O at instructions 3, 5, 8 and 11, extent 10) twice, a
 * singular access twice, Figure 8 again after the guest rewrote one of
 * its instructions, with the extent changed to 2 and back at run time,
 * a write and read-back of the in-kernel PIC's IMR, a block whose
 * second access goes to a userspace device, and a block with a forward
 * jump inside it and one past its end, taken or not.
 *
 * For every mode, the exits KVM counts per stage must be exactly those
 * the mode's flow chart gives, and everything the guest or userspace
 * can see must equal mode=off: the routines' results, each access in the
 * coalesced zone's ring, each exit to userspace, the final registers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "kc_engine_io.h"
#include "kc_util.h"

enum stage {
	ST_START,
	ST_FIG8_A, ST_FIG8_B,		/* Figure 8, then again: table hit */
	ST_SINGLE_A, ST_SINGLE_B,	/* singular access */
	ST_FIG8_C, ST_FIG8_D,		/* after the guest rewrote the code */
	ST_FIG8_E,			/* extent 2 */
	ST_FIG8_F,			/* extent 10 again */
	ST_PIC,				/* in-kernel device read */
	ST_USER,			/* userspace device read in a block */
	ST_USER_MIX,			/* three userspace accesses in one */
	ST_JUMP_A, ST_JUMP_B, ST_JUMP_C, /* jumps inside and out of a block */
	NR_STAGES,
};

/* Exits KVM counts per stage, besides the stage's ucall. */
static const int expected_exits[NR_MODES][NR_STAGES] = {
	/*             A  B  SA SB C  D  E  F  PIC USER MIX JA JB JC */
	[M_OFF]     = { 0, 4, 4, 1, 1, 4, 4, 4, 4, 2, 3,  6,  3, 3, 2 },
	[M_SCAN]    = { 0, 1, 1, 1, 1, 2, 1, 3, 1, 1, 1,  1,  1, 1, 1 },
	[M_CONFIRM] = { 0, 4, 1, 1, 1, 2, 1, 4, 2, 2, 3,  6,  3, 1, 1 },
	[M_ADDR]    = { 0, 1, 1, 1, 1, 1, 1, 3, 1, 1, 1,  1,  1, 1, 1 },
};

#define USER_IN_VALUE	0x5a
#define MAX_RING	64
#define MAX_USER_EXITS	4

static u32 results[NR_STAGES];

static void guest_code(void)
{
	GUEST_SYNC(ST_START);
	results[ST_FIG8_A] = kc_fig8(0x11);
	GUEST_SYNC(ST_FIG8_A);
	results[ST_FIG8_B] = kc_fig8(0x22);
	GUEST_SYNC(ST_FIG8_B);
	results[ST_SINGLE_A] = kc_single(0x33);
	GUEST_SYNC(ST_SINGLE_A);
	results[ST_SINGLE_B] = kc_single(0x44);
	GUEST_SYNC(ST_SINGLE_B);
	/* add $1, %eax becomes add $2, %eax. */
	WRITE_ONCE(kc_fig8_add_imm[0], 2);
	results[ST_FIG8_C] = kc_fig8(0x55);
	GUEST_SYNC(ST_FIG8_C);
	results[ST_FIG8_D] = kc_fig8(0x66);
	GUEST_SYNC(ST_FIG8_D);
	results[ST_FIG8_E] = kc_fig8(0x77);
	GUEST_SYNC(ST_FIG8_E);
	results[ST_FIG8_F] = kc_fig8(0x88);
	GUEST_SYNC(ST_FIG8_F);
	results[ST_PIC] = kc_pic_imr(0xa5);
	GUEST_SYNC(ST_PIC);
	results[ST_USER] = kc_user_read(0x99);
	GUEST_SYNC(ST_USER);
	results[ST_USER_MIX] = kc_user_mix(0x42);
	GUEST_SYNC(ST_USER_MIX);
	/* JZ taken, JA not; neither; both: JA leaves the block. */
	results[ST_JUMP_A] = kc_jumps(0x10);
	GUEST_SYNC(ST_JUMP_A);
	results[ST_JUMP_B] = kc_jumps(0x11);
	GUEST_SYNC(ST_JUMP_B);
	results[ST_JUMP_C] = kc_jumps(0x50);
	GUEST_SYNC(ST_JUMP_C);
	GUEST_DONE();
}

struct stage_obs {
	int exits;
	int nr_ring;
	struct kvm_coalesced_mmio ring[MAX_RING];
	int nr_user;
	struct { u64 rip; u16 port; u8 in; u8 data; } user[MAX_USER_EXITS];
	struct kc_stats stats;	/* at the end of the stage */
};

struct run_obs {
	struct stage_obs stage[NR_STAGES];
	u32 results[NR_STAGES];
	struct kvm_regs regs;
};

static void take_ring(struct kvm_vcpu *vcpu, struct stage_obs *st)
{
	u32 size;
	struct kvm_coalesced_mmio_ring *ring = kc_ring(vcpu, &size);

	st->nr_ring = kc_ring_take(vcpu, st->ring, MAX_RING);
	TEST_ASSERT(ring->first == ring->last, "Ring overflow");
}

/* Run to the next ucall, answering userspace I/O; returns its stage. */
static int run_stage(struct kvm_vcpu *vcpu, struct stage_obs *st)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;
	struct ucall uc;
	u8 *data;

	for (;;) {
		vcpu_run(vcpu);
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			return uc.args[1];
		case UCALL_DONE:
			return NR_STAGES;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
		}
		TEST_ASSERT(run->exit_reason == KVM_EXIT_IO &&
			    run->io.port == KC_USER_PORT2 && run->io.size == 1 &&
			    run->io.count == 1,
			    "Unexpected exit %s, port 0x%x",
			    exit_reason_str(run->exit_reason), run->io.port);
		TEST_ASSERT(st->nr_user < MAX_USER_EXITS, "Too many exits");
		data = (u8 *)run + run->io.data_offset;
		if (run->io.direction == KVM_EXIT_IO_IN)
			*data = USER_IN_VALUE + st->nr_user;
		/* RIP on the instruction, as KVM_EXIT_IO leaves it. */
		vcpu_regs_get(vcpu, &regs);
		st->user[st->nr_user].rip = regs.rip;
		st->user[st->nr_user].port = run->io.port;
		st->user[st->nr_user].in = run->io.direction == KVM_EXIT_IO_IN;
		st->user[st->nr_user].data = *data;
		st->nr_user++;
	}
}

static void run_mode(int mode, struct run_obs *obs)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	u64 io_exits = 0, now;
	int stage;

	memset(obs, 0, sizeof(*obs));
	TEST_ASSERT_EQ(kc_param_write("mode", kc_mode_names[mode]), 0);

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	kvm_vm_register_coalesced_io(vm, KC_ZONE_PORT, 1, true);

	for (stage = ST_START; stage < NR_STAGES; stage++) {
		struct stage_obs *st = &obs->stage[stage];

		TEST_ASSERT_EQ(run_stage(vcpu, st), stage);
		take_ring(vcpu, st);
		now = kc_vcpu_stat(vcpu, "io_exits");
		st->exits = now - io_exits - 1;
		io_exits = now;
		st->stats = kc_stats(vm);

		/* The extent of Figure 8; 2 for one stage; back to 10. */
		if (stage == ST_START || stage == ST_FIG8_E)
			TEST_ASSERT_EQ(kc_vm_debugfs_write(vm, "extent", "10"), 0);
		if (stage == ST_FIG8_D)
			TEST_ASSERT_EQ(kc_vm_debugfs_write(vm, "extent", "2"), 0);
	}
	TEST_ASSERT_EQ(run_stage(vcpu, &obs->stage[0]), NR_STAGES);

	vcpu_regs_get(vcpu, &obs->regs);
	sync_global_from_guest(vm, results);
	memcpy(obs->results, results, sizeof(results));
	kvm_vm_free(vm);
}

static void check_exits(int mode, const struct run_obs *obs)
{
	int stage;

	for (stage = ST_FIG8_A; stage < NR_STAGES; stage++)
		printf("# %s stage %d: %d exits, stop_event %lu\n", kc_mode_names[mode],
		       stage, obs->stage[stage].exits,
		       obs->stage[stage].stats.stop_event);
	for (stage = ST_FIG8_A; stage < NR_STAGES; stage++)
		TEST_ASSERT(obs->stage[stage].exits == expected_exits[mode][stage],
			    "mode %s, stage %d: %d exits, wanted %d",
			    kc_mode_names[mode], stage, obs->stage[stage].exits,
			    expected_exits[mode][stage]);
}

/* Everything the guest and userspace can see is as with mode=off. */
static void check_same(int mode, const struct run_obs *off,
		       const struct run_obs *obs)
{
	int stage, i;

	for (stage = ST_FIG8_A; stage < NR_STAGES; stage++) {
		const struct stage_obs *a = &off->stage[stage];
		const struct stage_obs *b = &obs->stage[stage];

		TEST_ASSERT(a->nr_ring == b->nr_ring,
			    "mode %s, stage %d: %d ring entries, off: %d",
			    kc_mode_names[mode], stage, b->nr_ring, a->nr_ring);
		for (i = 0; i < a->nr_ring; i++)
			TEST_ASSERT(!memcmp(&a->ring[i], &b->ring[i], sizeof(a->ring[i])),
				    "mode %s, stage %d: ring entry %d differs",
				    kc_mode_names[mode], stage, i);
		TEST_ASSERT(a->nr_user == b->nr_user &&
			    !memcmp(a->user, b->user, sizeof(a->user)),
			    "mode %s, stage %d: exits to userspace differ",
			    kc_mode_names[mode], stage);
		TEST_ASSERT(off->results[stage] == obs->results[stage],
			    "mode %s, stage %d: result 0x%x, off: 0x%x",
			    kc_mode_names[mode], stage, obs->results[stage],
			    off->results[stage]);
	}
	TEST_ASSERT(!memcmp(&off->regs, &obs->regs, sizeof(off->regs)),
		    "mode %s: final registers differ", kc_mode_names[mode]);
}

/* What kc_fig8() computes, and writes to the ring, with ADD imm @add. */
static u32 fig8_model(u32 seed, u32 add, u8 out[4])
{
	u32 eax = seed + add, ecx = 7 + 1;

	out[0] = seed;
	out[1] = eax;
	eax ^= ecx;
	out[2] = eax;
	eax <<= 1;
	out[3] = eax;
	return eax + ecx - 3;
}

/* Stock behaviour against the model of each routine. */
static void check_off(const struct run_obs *off)
{
	static const struct { int stage; u32 seed, add; } fig8[] = {
		{ ST_FIG8_A, 0x11, 1 }, { ST_FIG8_B, 0x22, 1 },
		{ ST_FIG8_C, 0x55, 2 }, { ST_FIG8_D, 0x66, 2 },
		{ ST_FIG8_E, 0x77, 2 }, { ST_FIG8_F, 0x88, 2 },
	};
	const struct stage_obs *st;
	u8 out[4];
	int i, j;

	for (i = 0; i < ARRAY_SIZE(fig8); i++) {
		st = &off->stage[fig8[i].stage];
		TEST_ASSERT_EQ(off->results[fig8[i].stage],
			       fig8_model(fig8[i].seed, fig8[i].add, out));
		TEST_ASSERT_EQ(st->nr_ring, 4);
		for (j = 0; j < 4; j++)
			TEST_ASSERT(st->ring[j].phys_addr == KC_ZONE_PORT &&
				    st->ring[j].len == 1 && st->ring[j].pio &&
				    st->ring[j].data[0] == out[j],
				    "stage %d, ring entry %d: 0x%x, wanted 0x%x",
				    fig8[i].stage, j, st->ring[j].data[0], out[j]);
	}
	TEST_ASSERT_EQ(off->results[ST_SINGLE_A], 0x34);
	TEST_ASSERT_EQ(off->results[ST_PIC], 0xa5);
	TEST_ASSERT_EQ(off->stage[ST_USER].nr_user, 1);
	TEST_ASSERT_EQ(off->stage[ST_USER].nr_ring, 2);
	TEST_ASSERT_EQ(off->stage[ST_USER].ring[1].data[0], USER_IN_VALUE);
	TEST_ASSERT_EQ(off->results[ST_USER], USER_IN_VALUE);
	st = &off->stage[ST_USER_MIX];
	TEST_ASSERT_EQ(st->nr_ring, 3);
	TEST_ASSERT_EQ(st->ring[1].data[0], USER_IN_VALUE + 1);
	TEST_ASSERT_EQ(st->ring[2].data[0], USER_IN_VALUE + 2);
	TEST_ASSERT_EQ(st->nr_user, 3);
	TEST_ASSERT(st->user[0].in && !st->user[1].in && st->user[2].in,
		    "off: userspace accesses IN, OUT, IN");
	TEST_ASSERT_EQ(st->user[1].data, USER_IN_VALUE + 1);
	TEST_ASSERT_EQ(off->results[ST_USER_MIX], USER_IN_VALUE + 2);
	TEST_ASSERT_EQ(off->results[ST_JUMP_A], 0x10);
	TEST_ASSERT_EQ(off->results[ST_JUMP_B], 0x14);
	TEST_ASSERT_EQ(off->results[ST_JUMP_C], 0x50);
	TEST_ASSERT_EQ(off->stage[ST_JUMP_A].nr_ring, 3);
	TEST_ASSERT_EQ(off->stage[ST_JUMP_B].ring[1].data[0], 0x14);
	TEST_ASSERT_EQ(off->stage[ST_JUMP_C].nr_ring, 2);
}

/* The counters' growth during @stage. */
static struct kc_stats stage_delta(const struct run_obs *obs, int stage)
{
	return kc_stats_sub(&obs->stage[stage].stats,
			    &obs->stage[stage - 1].stats);
}

/* Counters of scan mode that show how each exit was served. */
static void check_scan_counters(const struct run_obs *obs)
{
	static const int blocks[NR_STAGES] = {
		[ST_FIG8_A] = 1, [ST_FIG8_B] = 1, [ST_FIG8_C] = 1,
		[ST_FIG8_D] = 1, [ST_FIG8_E] = 1, [ST_FIG8_F] = 1,
		[ST_PIC] = 1, [ST_JUMP_A] = 1, [ST_JUMP_B] = 1, [ST_JUMP_C] = 1,
	};
	int stage;

	for (stage = ST_FIG8_A; stage < NR_STAGES; stage++)
		TEST_ASSERT(stage_delta(obs, stage).blocks == blocks[stage],
			    "scan, stage %d: %lu blocks, wanted %d", stage,
			    stage_delta(obs, stage).blocks, blocks[stage]);
	TEST_ASSERT_EQ(stage_delta(obs, ST_FIG8_A).io_coalesced, 3);
	/*
	 * The second run of Figure 8 came from the table; the ucall's OUT,
	 * seen to go to userspace before, was left to KVM at once.
	 */
	TEST_ASSERT_EQ(stage_delta(obs, ST_FIG8_B).scans, 0);
	TEST_ASSERT_EQ(stage_delta(obs, ST_FIG8_B).table_hits, 1);
	TEST_ASSERT_EQ(stage_delta(obs, ST_FIG8_B).user_io_known, 1);
	TEST_ASSERT_EQ(stage_delta(obs, ST_SINGLE_B).scans, 0);
	TEST_ASSERT_EQ(stage_delta(obs, ST_FIG8_C).hash_mismatches, 1);
	/*
	 * The userspace read in the block: one exit to userspace for it,
	 * after which the block went on to its second OUT.
	 */
	TEST_ASSERT_EQ(stage_delta(obs, ST_USER).user_pio, 1);
	TEST_ASSERT_EQ(stage_delta(obs, ST_USER).resumed, 1);
	TEST_ASSERT_EQ(stage_delta(obs, ST_USER).io_coalesced, 1);
	TEST_ASSERT_EQ(stage_delta(obs, ST_USER).stop_user_io, 0);
	/*
	 * Three: the IN resumes into ADD, OUT and the OUT to userspace,
	 * which resumes straight into the IN, which resumes into the OUT.
	 */
	TEST_ASSERT_EQ(stage_delta(obs, ST_USER_MIX).user_pio, 3);
	TEST_ASSERT_EQ(stage_delta(obs, ST_USER_MIX).resumed, 3);
	TEST_ASSERT_EQ(stage_delta(obs, ST_USER_MIX).io_coalesced, 2);
	TEST_ASSERT_EQ(stage_delta(obs, ST_USER_MIX).insns, 4);
}

int main(int argc, char *argv[])
{
	struct run_obs *obs;
	char saved[32];
	int mode;

	TEST_REQUIRE(kvm_has_cap(KVM_CAP_COALESCED_PIO));

	kc_module_ensure_loaded();
	kc_param_read("mode", saved, sizeof(saved));

	obs = calloc(NR_MODES, sizeof(*obs));
	TEST_ASSERT(obs, "calloc");

	ksft_print_header();
	ksft_set_plan(NR_MODES);

	for (mode = 0; mode < NR_MODES; mode++) {
		run_mode(mode, &obs[mode]);
		kc_print_stats(kc_mode_names[mode], &obs[mode].stage[ST_USER].stats);
		check_exits(mode, &obs[mode]);
		if (mode == M_OFF)
			check_off(&obs[mode]);
		else
			check_same(mode, &obs[M_OFF], &obs[mode]);
		if (mode == M_SCAN)
			check_scan_counters(&obs[mode]);
		ksft_test_result_pass("mode=%s: flow chart exits, state as off\n",
				      kc_mode_names[mode]);
	}

	TEST_ASSERT_EQ(kc_param_write("mode", saved), 0);
	free(obs);
	ksft_finished();
}
