// SPDX-License-Identifier: GPL-2.0
/*
 * The coalescing engine in each mode against stock behaviour (mode=off).
 *
 * The guest runs a fixed program of stages, each a call of a routine of
 * kc_engine_io.S followed by a ucall: the example of Figure 8 of the
 * patent (I/O at instructions 3, 5, 8 and 11, extent 10) twice, a
 * singular access twice and then as often as the module leaves one to
 * KVM by its RIP before it looks at its code again, Figure 8 again after the guest rewrote one of
 * its instructions, with the extent changed to 2 and back at run time,
 * a write and read-back of the in-kernel PIC's IMR, a block whose
 * second access goes to a userspace device, a block with a forward
 * jump inside it and one past its end, taken or not, a block of string
 * I/O (OUTS from guest memory to the zone, INS from the PIC's IMR to
 * guest memory) that starts at an OUTSB exit, with RFLAGS.DF clear and
 * then set, and a block that stops before an INS from a userspace port
 * whose destination is not mapped: KVM then exits to userspace for the
 * port and injects the page fault.
 *
 * For every mode, the exits KVM counts per stage must be exactly those
 * the mode's flow chart gives, and everything the guest or userspace
 * can see must equal mode=off: the routines' results, each access in the
 * coalesced zone's ring, each exit to userspace, the page fault, the
 * memory the strings read and wrote, the final registers.
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
	ST_SINGLE_MANY,			/* ... SINGULAR_USES more times */
	ST_FIG8_C, ST_FIG8_D,		/* after the guest rewrote the code */
	ST_FIG8_E,			/* extent 2 */
	ST_FIG8_F,			/* extent 10 again */
	ST_PIC,				/* in-kernel device read */
	ST_USER,			/* userspace device read in a block */
	ST_USER_MIX,			/* three userspace accesses in one */
	ST_JUMP_A, ST_JUMP_B, ST_JUMP_C, /* jumps inside and out of a block */
	ST_STRING_UP, ST_STRING_DOWN,	/* INS and OUTS, DF clear, then set */
	ST_STRING_FAULT,		/* INS to an unmapped page */
	NR_STAGES,
};

/*
 * How many exits at one RIP the module leaves to KVM, known singular,
 * before it looks at the code there again (KC_SINGULAR_USES, singular.c).
 */
#define SINGULAR_USES	64

/*
 * Exits KVM counts per stage, besides the stage's ucall.  STRING_FAULT:
 * the block stops before the INS, which exits again and is left to KVM,
 * which exits to userspace for the port, then injects the page fault;
 * then the last OUT exits.
 */
#define SM		SINGULAR_USES
static const int expected_exits[KC_NR_MODES][NR_STAGES] = {
	/*            A  B  SA SB SM  C  D  E  F  PIC USER MIX JA JB JC SU SD SF */
	[KC_MODE_OFF]     = { 0, 4, 4, 1, 1, SM, 4, 4, 4, 4, 2, 3,  6,  3, 3, 2, 6, 6, 3 },
	[KC_MODE_SCAN]    = { 0, 1, 1, 1, 1, SM, 2, 1, 3, 1, 1, 1,  1,  1, 1, 1, 1, 1, 3 },
	[KC_MODE_CONFIRM] = { 0, 4, 1, 1, 1, SM, 2, 1, 4, 2, 2, 3,  6,  3, 1, 1, 6, 1, 3 },
	[KC_MODE_ADDR]    = { 0, 1, 1, 1, 1, SM, 1, 1, 3, 1, 1, 1,  1,  1, 1, 1, 1, 1, 3 },
};

#define USER_IN_VALUE	0x5a
#define MAX_RING	(SINGULAR_USES + 16)
#define MAX_USER_EXITS	4

/* The zone: the 8-bit OUTs, and the OUTSW and OUTSD of the strings. */
#define ZONE_SIZE	4

/* The strings' memory; the blocks work at its offsets UP and DOWN. */
#define STRING_BUF_LEN	64
#define STRING_UP	16
#define STRING_DOWN	40
#define STRING_SEED_UP	0x31
#define STRING_SEED_DOWN 0x52
#define STRING_BAD_GVA	0xd0000000ul	/* never mapped */
#define PF_ERR_WRITE	0x2		/* not present, write, supervisor */

static u32 results[NR_STAGES];
static u8 string_buf[STRING_BUF_LEN];
static u64 fault_cr2, fault_rip, fault_err;
static int nr_faults;

/* The INS of kc_string_fault(): record the fault, skip the INSB. */
static void guest_page_fault(struct ex_regs *regs)
{
	u64 cr2;

	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	fault_cr2 = cr2;
	fault_rip = regs->rip;
	fault_err = regs->error_code;
	nr_faults++;
	regs->rip += 1;
}

static void guest_code(void)
{
	int i;

	GUEST_SYNC(ST_START);
	results[ST_FIG8_A] = kc_fig8(0x11);
	GUEST_SYNC(ST_FIG8_A);
	results[ST_FIG8_B] = kc_fig8(0x22);
	GUEST_SYNC(ST_FIG8_B);
	results[ST_SINGLE_A] = kc_single(0x33);
	GUEST_SYNC(ST_SINGLE_A);
	results[ST_SINGLE_B] = kc_single(0x44);
	GUEST_SYNC(ST_SINGLE_B);
	for (i = 0; i < SINGULAR_USES; i++)
		results[ST_SINGLE_MANY] += kc_single(i);
	GUEST_SYNC(ST_SINGLE_MANY);
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
	for (i = 0; i < STRING_BUF_LEN; i++)
		string_buf[i] = 0x80 + i;
	results[ST_STRING_UP] = kc_string_io(&string_buf[STRING_UP],
					     STRING_SEED_UP);
	GUEST_SYNC(ST_STRING_UP);
	results[ST_STRING_DOWN] = kc_string_io_down(&string_buf[STRING_DOWN],
						    STRING_SEED_DOWN);
	GUEST_SYNC(ST_STRING_DOWN);
	kc_string_fault((u8 *)STRING_BAD_GVA, 0x63);
	results[ST_STRING_FAULT] = nr_faults;
	GUEST_SYNC(ST_STRING_FAULT);
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
	u8 string_buf[STRING_BUF_LEN];
	u64 fault_cr2, fault_rip, fault_err;
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
	vm_install_exception_handler(vm, PF_VECTOR, guest_page_fault);
	kvm_vm_register_coalesced_io(vm, KC_ZONE_PORT, ZONE_SIZE, true);

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
	sync_global_from_guest(vm, string_buf);
	memcpy(obs->string_buf, string_buf, sizeof(string_buf));
	sync_global_from_guest(vm, fault_cr2);
	sync_global_from_guest(vm, fault_rip);
	sync_global_from_guest(vm, fault_err);
	obs->fault_cr2 = fault_cr2;
	obs->fault_rip = fault_rip;
	obs->fault_err = fault_err;
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
	for (i = 0; i < STRING_BUF_LEN; i++)
		TEST_ASSERT(off->string_buf[i] == obs->string_buf[i],
			    "mode %s: string_buf[%d] 0x%x, off: 0x%x",
			    kc_mode_names[mode], i, obs->string_buf[i],
			    off->string_buf[i]);
	TEST_ASSERT(obs->fault_cr2 == off->fault_cr2 &&
		    obs->fault_rip == off->fault_rip &&
		    obs->fault_err == off->fault_err,
		    "mode %s: page fault CR2 0x%lx RIP 0x%lx error 0x%lx, off: 0x%lx 0x%lx 0x%lx",
		    kc_mode_names[mode], obs->fault_cr2, obs->fault_rip,
		    obs->fault_err, off->fault_cr2, off->fault_rip,
		    off->fault_err);
}

/* A zone entry of @len bytes, of @data (little-endian), at KC_ZONE_PORT. */
static void check_zone_entry(int stage, int i,
			     const struct kvm_coalesced_mmio *e, u32 len,
			     const u8 *data)
{
	TEST_ASSERT(e->phys_addr == KC_ZONE_PORT && e->len == len && e->pio &&
		    !memcmp(e->data, data, len),
		    "off, stage %d, ring entry %d: port 0x%llx, %u bytes, first 0x%x",
		    stage, i, e->phys_addr, e->len, e->data[0]);
}

/*
 * What kc_string_io() at @p of @buf (as initialised) did with @seed,
 * going up or (@down) down: its ring entries and what it wrote, the IMR.
 */
static void check_string_off(const struct run_obs *off, int stage, int p,
			     u8 seed, bool down)
{
	static const u32 len[4] = { 1, 2, 4, 1 };
	const struct stage_obs *st = &off->stage[stage];
	int from[4], i, rsi, rdi;

	/* Where each OUTS reads: RSI moves by each size, up or down. */
	from[0] = p;
	from[1] = down ? p - 1 : p + 1;
	from[2] = down ? p - 3 : p + 3;
	from[3] = down ? p - 7 : p + 7;
	rsi = down ? -8 : 8;
	rdi = down ? 7 : 9;
	TEST_ASSERT_EQ(off->results[stage], ((rdi & 0xff) << 8) | (rsi & 0xff));
	TEST_ASSERT_EQ(st->nr_ring, 4);
	for (i = 0; i < 4; i++) {
		u8 want[4];
		u32 j;

		for (j = 0; j < len[i]; j++)
			want[j] = 0x80 + from[i] + j;
		check_zone_entry(stage, i, &st->ring[i], len[i], want);
	}
	TEST_ASSERT_EQ(off->string_buf[p + 8], (u8)(seed + 1));
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
	/* The sum of i + 1 over the calls, and each i in the ring. */
	TEST_ASSERT_EQ(off->results[ST_SINGLE_MANY],
		       SINGULAR_USES * (SINGULAR_USES + 1) / 2);
	st = &off->stage[ST_SINGLE_MANY];
	TEST_ASSERT_EQ(st->nr_ring, SINGULAR_USES);
	for (j = 0; j < SINGULAR_USES; j++)
		TEST_ASSERT_EQ(st->ring[j].data[0], j);
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

	check_string_off(off, ST_STRING_UP, STRING_UP, STRING_SEED_UP, false);
	check_string_off(off, ST_STRING_DOWN, STRING_DOWN, STRING_SEED_DOWN,
			 true);
	for (i = 0; i < STRING_BUF_LEN; i++) {
		if (i != STRING_UP + 8 && i != STRING_DOWN + 8)
			TEST_ASSERT_EQ(off->string_buf[i], 0x80 + i);
	}
	TEST_ASSERT_EQ(off->results[ST_STRING_FAULT], 1);
	TEST_ASSERT_EQ(off->fault_cr2, STRING_BAD_GVA);
	TEST_ASSERT_EQ(off->fault_rip, (u64)kc_string_fault_ins);
	TEST_ASSERT_EQ(off->fault_err, PF_ERR_WRITE);
	st = &off->stage[ST_STRING_FAULT];
	TEST_ASSERT_EQ(st->nr_ring, 2);
	TEST_ASSERT_EQ(st->nr_user, 1);
	TEST_ASSERT(st->user[0].in && st->user[0].port == KC_USER_PORT2 &&
		    st->user[0].rip == (u64)kc_string_fault_ins,
		    "off: the INS's exit to userspace: port 0x%x, RIP 0x%lx",
		    st->user[0].port, st->user[0].rip);
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
		[ST_STRING_UP] = 1, [ST_STRING_DOWN] = 1,
	};
	struct kc_stats d;
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
	/*
	 * The singular access is then left to KVM by its RIP, without a
	 * lookup (singular.c), SINGULAR_USES - 1 times in a row; then the
	 * table finds it singular again.
	 */
	d = stage_delta(obs, ST_SINGLE_B);
	TEST_ASSERT(d.scans == 0 && d.table_hits == 0 && d.io == 0 &&
		    d.singular_known == 1,
		    "scan, second singular access: scans %lu, table hits %lu, io %lu, singular_known %lu",
		    d.scans, d.table_hits, d.io, d.singular_known);
	d = stage_delta(obs, ST_SINGLE_MANY);
	TEST_ASSERT(d.scans == 0 && d.table_hits == 1 && d.io == 1 &&
		    d.singular_known == SINGULAR_USES - 1,
		    "scan, %d singular accesses: scans %lu, table hits %lu, io %lu, singular_known %lu",
		    SINGULAR_USES, d.scans, d.table_hits, d.io,
		    d.singular_known);
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
	/*
	 * The strings: one OUTSB exit runs the nine instructions and six
	 * accesses, scanned first, then from the table.
	 */
	for (stage = ST_STRING_UP; stage <= ST_STRING_DOWN; stage++) {
		d = stage_delta(obs, stage);
		TEST_ASSERT(d.string_pio_exits == 1 && d.pio_exits == 1 &&
			    d.handled == 1 && d.insns == 9 && d.io == 6 &&
			    d.io_coalesced == 5 && d.stop_fault == 0 &&
			    d.stop_user_io == 0,
			    "scan, stage %d: string exits %lu, exits %lu, handled %lu, insns %lu, io %lu, coalesced %lu",
			    stage, d.string_pio_exits, d.pio_exits, d.handled,
			    d.insns, d.io, d.io_coalesced);
	}
	TEST_ASSERT_EQ(stage_delta(obs, ST_STRING_UP).scans, 1);
	TEST_ASSERT_EQ(stage_delta(obs, ST_STRING_DOWN).scans, 0);
	TEST_ASSERT_EQ(stage_delta(obs, ST_STRING_DOWN).table_hits, 1);
	/*
	 * The fault: the block runs its OUT and stops before the INS, for
	 * the fault, before it tries the port (which would stop it for
	 * userspace); the INS exits, its block cannot run and KVM does the
	 * rest; the #PF handler returns past the INS with RFLAGS.RF set in
	 * the frame, so the last OUT's exit is KVM's too.  Declined: the
	 * INS, the last OUT and the ucall.
	 */
	d = stage_delta(obs, ST_STRING_FAULT);
	TEST_ASSERT(d.stop_fault == 1 && d.stop_user_io == 0 &&
		    d.user_pio == 0 && d.string_pio_exits == 1 &&
		    d.declined == 3 && d.insns == 1 && d.io == 1 &&
		    d.io_coalesced == 0,
		    "scan, fault stage: stop_fault %lu, stop_user_io %lu, string exits %lu, declined %lu, insns %lu, io %lu",
		    d.stop_fault, d.stop_user_io, d.string_pio_exits,
		    d.declined, d.insns, d.io);
}

int main(int argc, char *argv[])
{
	struct run_obs *obs;
	char saved[32];
	int mode;

	TEST_REQUIRE(kvm_has_cap(KVM_CAP_COALESCED_PIO));

	kc_module_ensure_loaded();
	kc_param_read("mode", saved, sizeof(saved));

	obs = calloc(KC_NR_MODES, sizeof(*obs));
	TEST_ASSERT(obs, "calloc");

	ksft_print_header();
	ksft_set_plan(KC_NR_MODES);

	for (mode = 0; mode < KC_NR_MODES; mode++) {
		run_mode(mode, &obs[mode]);
		kc_print_stats(kc_mode_names[mode], &obs[mode].stage[ST_USER].stats);
		check_exits(mode, &obs[mode]);
		if (mode == KC_MODE_OFF)
			check_off(&obs[mode]);
		else
			check_same(mode, &obs[KC_MODE_OFF], &obs[mode]);
		if (mode == KC_MODE_SCAN)
			check_scan_counters(&obs[mode]);
		ksft_test_result_pass("mode=%s: flow chart exits, state as off\n",
				      kc_mode_names[mode]);
	}

	TEST_ASSERT_EQ(kc_param_write("mode", saved), 0);
	free(obs);
	ksft_finished();
}
