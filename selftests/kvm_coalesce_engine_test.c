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
 * port and injects the page fault; last, two OUTs with more instructions
 * between them than a block runs to save one exit, left to exit alone
 * until the VM's limit (debugfs "insns_per_exit") is lifted.
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
	ST_USER_BRANCH,			/* no resume before a jump out */
	ST_JUMP_A, ST_JUMP_B, ST_JUMP_C, /* jumps inside and out of a block */
	ST_STRING_UP, ST_STRING_DOWN,	/* INS and OUTS, DF clear, then set */
	ST_STRING_FAULT,		/* INS to an unmapped page */
	ST_SPARSE_A, ST_SPARSE_B,	/* insns_per_exit default, then 0 */
	NR_STAGES,
};

/*
 * How many exits at one RIP the module leaves to KVM, known singular,
 * before it looks at the code there again (KC_KNOWN_RIP_USES, known_rip.c).
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
	/*            A  B  SA SB SM  C  D  E  F  PIC USER MIX BR JA JB JC SU SD SF PA PB */
	[KC_MODE_OFF]     = { 0, 4, 4, 1, 1, SM, 4, 4, 4, 4, 2, 3,  6,  3, 3, 3, 2, 6, 6, 3, 2, 2 },
	[KC_MODE_SCAN]    = { 0, 1, 1, 1, 1, SM, 2, 1, 3, 1, 1, 1,  1,  2, 1, 1, 1, 1, 1, 3, 2, 1 },
	[KC_MODE_CONFIRM] = { 0, 4, 1, 1, 1, SM, 2, 1, 4, 2, 2, 3,  6,  3, 3, 1, 1, 6, 1, 3, 2, 2 },
	[KC_MODE_ADDR]    = { 0, 1, 1, 1, 1, SM, 1, 1, 3, 1, 1, 1,  1,  2, 1, 1, 1, 1, 1, 3, 2, 1 },
};

#define USER_IN_VALUE	0x5a
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
	results[ST_USER_BRANCH] = kc_user_branch(0x24);
	GUEST_SYNC(ST_USER_BRANCH);
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
	results[ST_SPARSE_A] = kc_sparse(0x70);
	GUEST_SYNC(ST_SPARSE_A);
	results[ST_SPARSE_B] = kc_sparse(0x71);
	GUEST_SYNC(ST_SPARSE_B);
	GUEST_DONE();
}

/* An exit to userspace for KC_USER_PORT2. */
struct user_exit {
	u64 rip;
	u16 port;
	u8 in;
	u8 data;
};

struct run_obs {
	struct kc_run run;
	int nr_user[NR_STAGES + 1];
	struct user_exit user[NR_STAGES + 1][MAX_USER_EXITS];
	u32 results[NR_STAGES];
	struct kvm_regs regs;
	u8 string_buf[STRING_BUF_LEN];
	u64 fault_cr2, fault_rip, fault_err;
};

/* Answer an access to the userspace device, and note it. */
static void user_exit(struct kc_run *run)
{
	struct run_obs *obs = container_of(run, struct run_obs, run);
	struct kvm_run *r = run->vcpu->run;
	int stage = run->stage + 1;
	struct user_exit *u = &obs->user[stage][obs->nr_user[stage]];
	struct kvm_regs regs;
	u8 *data;

	TEST_ASSERT(r->exit_reason == KVM_EXIT_IO &&
		    r->io.port == KC_USER_PORT2 && r->io.size == 1 &&
		    r->io.count == 1,
		    "Unexpected exit %s, port 0x%x",
		    exit_reason_str(r->exit_reason), r->io.port);
	TEST_ASSERT(obs->nr_user[stage] < MAX_USER_EXITS, "Too many exits");
	data = (u8 *)r + r->io.data_offset;
	if (r->io.direction == KVM_EXIT_IO_IN)
		*data = USER_IN_VALUE + obs->nr_user[stage];
	/* RIP on the instruction, as KVM_EXIT_IO leaves it. */
	vcpu_regs_get(run->vcpu, &regs);
	u->rip = regs.rip;
	u->port = r->io.port;
	u->in = r->io.direction == KVM_EXIT_IO_IN;
	u->data = *data;
	obs->nr_user[stage]++;
}

static void run_mode(int mode, struct run_obs *obs)
{
	struct kc_run *run = &obs->run;

	kc_run_create(run, guest_code);
	run->user_exit = user_exit;
	vm_install_exception_handler(run->vm, PF_VECTOR, guest_page_fault);
	kc_run_zone(run, KC_ZONE_PORT, ZONE_SIZE, true);
	kc_run_start(run, mode);

	/*
	 * The extent of Figure 8; 2 for one stage; back to 10.  No limit
	 * on the instructions per exit saved for the last stage.
	 */
	TEST_ASSERT_EQ(kc_vm_debugfs_write(run->vm, "extent", "10"), 0);
	while (run->stage < NR_STAGES - 1) {
		kc_run_stage(run);
		if (run->stage == ST_FIG8_D)
			TEST_ASSERT_EQ(kc_vm_debugfs_write(run->vm, "extent", "2"), 0);
		if (run->stage == ST_FIG8_E)
			TEST_ASSERT_EQ(kc_vm_debugfs_write(run->vm, "extent", "10"), 0);
		if (run->stage == ST_SPARSE_A)
			TEST_ASSERT_EQ(kc_vm_debugfs_write(run->vm, "insns_per_exit", "0"), 0);
	}
	kc_run_done(run);

	vcpu_regs_get(run->vcpu, &obs->regs);
	sync_global_from_guest(run->vm, results);
	memcpy(obs->results, results, sizeof(results));
	sync_global_from_guest(run->vm, string_buf);
	memcpy(obs->string_buf, string_buf, sizeof(string_buf));
	sync_global_from_guest(run->vm, fault_cr2);
	sync_global_from_guest(run->vm, fault_rip);
	sync_global_from_guest(run->vm, fault_err);
	obs->fault_cr2 = fault_cr2;
	obs->fault_rip = fault_rip;
	obs->fault_err = fault_err;
	kvm_vm_free(run->vm);
}

/* Everything the guest and userspace can see is as with mode=off. */
static void check_same(int mode, const struct run_obs *off,
		       const struct run_obs *obs)
{
	int stage, i;

	kc_check_same_ring(&off->run, &obs->run);
	for (stage = ST_FIG8_A; stage <= NR_STAGES; stage++) {
		TEST_ASSERT(off->nr_user[stage] == obs->nr_user[stage] &&
			    !memcmp(off->user[stage], obs->user[stage],
				    sizeof(off->user[stage])),
			    "mode %s, stage %d: exits to userspace differ",
			    kc_mode_names[mode], stage);
		if (stage < NR_STAGES)
			TEST_ASSERT(off->results[stage] == obs->results[stage],
				    "mode %s, stage %d: result 0x%x, off: 0x%x",
				    kc_mode_names[mode], stage,
				    obs->results[stage], off->results[stage]);
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
	const struct kvm_coalesced_mmio *ring;
	int from[4], i, rsi, rdi;

	/* Where each OUTS reads: RSI moves by each size, up or down. */
	from[0] = p;
	from[1] = down ? p - 1 : p + 1;
	from[2] = down ? p - 3 : p + 3;
	from[3] = down ? p - 7 : p + 7;
	rsi = down ? -8 : 8;
	rdi = down ? 7 : 9;
	TEST_ASSERT_EQ(off->results[stage], ((rdi & 0xff) << 8) | (rsi & 0xff));
	TEST_ASSERT_EQ(kc_stage_ring(&off->run, stage, &ring), 4);
	for (i = 0; i < 4; i++) {
		u8 want[4];
		u32 j;

		for (j = 0; j < len[i]; j++)
			want[j] = 0x80 + from[i] + j;
		check_zone_entry(stage, i, &ring[i], len[i], want);
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
	const struct kvm_coalesced_mmio *ring;
	const struct user_exit *user;
	u8 out[4];
	int i, j, n;

	for (i = 0; i < ARRAY_SIZE(fig8); i++) {
		TEST_ASSERT_EQ(off->results[fig8[i].stage],
			       fig8_model(fig8[i].seed, fig8[i].add, out));
		TEST_ASSERT_EQ(kc_stage_ring(&off->run, fig8[i].stage, &ring), 4);
		for (j = 0; j < 4; j++)
			TEST_ASSERT(ring[j].phys_addr == KC_ZONE_PORT &&
				    ring[j].len == 1 && ring[j].pio &&
				    ring[j].data[0] == out[j],
				    "stage %d, ring entry %d: 0x%x, wanted 0x%x",
				    fig8[i].stage, j, ring[j].data[0], out[j]);
	}
	TEST_ASSERT_EQ(off->results[ST_SINGLE_A], 0x34);
	/* The sum of i + 1 over the calls, and each i in the ring. */
	TEST_ASSERT_EQ(off->results[ST_SINGLE_MANY],
		       SINGULAR_USES * (SINGULAR_USES + 1) / 2);
	TEST_ASSERT_EQ(kc_stage_ring(&off->run, ST_SINGLE_MANY, &ring),
		       SINGULAR_USES);
	for (j = 0; j < SINGULAR_USES; j++)
		TEST_ASSERT_EQ(ring[j].data[0], j);
	TEST_ASSERT_EQ(off->results[ST_PIC], 0xa5);
	TEST_ASSERT_EQ(off->nr_user[ST_USER], 1);
	TEST_ASSERT_EQ(kc_stage_ring(&off->run, ST_USER, &ring), 2);
	TEST_ASSERT_EQ(ring[1].data[0], USER_IN_VALUE);
	TEST_ASSERT_EQ(off->results[ST_USER], USER_IN_VALUE);
	TEST_ASSERT_EQ(kc_stage_ring(&off->run, ST_USER_MIX, &ring), 3);
	TEST_ASSERT_EQ(ring[1].data[0], USER_IN_VALUE + 1);
	TEST_ASSERT_EQ(ring[2].data[0], USER_IN_VALUE + 2);
	user = off->user[ST_USER_MIX];
	TEST_ASSERT_EQ(off->nr_user[ST_USER_MIX], 3);
	TEST_ASSERT(user[0].in && !user[1].in && user[2].in,
		    "off: userspace accesses IN, OUT, IN");
	TEST_ASSERT_EQ(user[1].data, USER_IN_VALUE + 1);
	TEST_ASSERT_EQ(off->results[ST_USER_MIX], USER_IN_VALUE + 2);
	TEST_ASSERT_EQ(off->nr_user[ST_USER_BRANCH], 1);
	TEST_ASSERT_EQ(kc_stage_ring(&off->run, ST_USER_BRANCH, &ring), 2);
	TEST_ASSERT_EQ(ring[1].data[0], USER_IN_VALUE);
	TEST_ASSERT_EQ(off->results[ST_USER_BRANCH], USER_IN_VALUE);
	TEST_ASSERT_EQ(off->results[ST_JUMP_A], 0x10);
	TEST_ASSERT_EQ(off->results[ST_JUMP_B], 0x14);
	TEST_ASSERT_EQ(off->results[ST_JUMP_C], 0x50);
	TEST_ASSERT_EQ(kc_stage_ring(&off->run, ST_JUMP_A, NULL), 3);
	n = kc_stage_ring(&off->run, ST_JUMP_B, &ring);
	TEST_ASSERT(n > 1 && ring[1].data[0] == 0x14,
		    "off, JUMP_B: %d ring entries, the second not 0x14", n);
	TEST_ASSERT_EQ(kc_stage_ring(&off->run, ST_JUMP_C, NULL), 2);

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
	TEST_ASSERT_EQ(kc_stage_ring(&off->run, ST_STRING_FAULT, NULL), 2);
	user = off->user[ST_STRING_FAULT];
	TEST_ASSERT_EQ(off->nr_user[ST_STRING_FAULT], 1);
	TEST_ASSERT(user[0].in && user[0].port == KC_USER_PORT2 &&
		    user[0].rip == (u64)kc_string_fault_ins,
		    "off: the INS's exit to userspace: port 0x%x, RIP 0x%lx",
		    user[0].port, user[0].rip);
}

/* Counters of scan mode that show how each exit was served. */
static void check_scan_counters(const struct kc_run *run)
{
	static const int blocks[NR_STAGES] = {
		[ST_FIG8_A] = 1, [ST_FIG8_B] = 1, [ST_FIG8_C] = 1,
		[ST_FIG8_D] = 1, [ST_FIG8_E] = 1, [ST_FIG8_F] = 1,
		[ST_PIC] = 1, [ST_JUMP_A] = 1, [ST_JUMP_B] = 1, [ST_JUMP_C] = 1,
		[ST_STRING_UP] = 1, [ST_STRING_DOWN] = 1, [ST_SPARSE_B] = 1,
	};
	struct kc_stats d;
	int stage;

	for (stage = ST_FIG8_A; stage < NR_STAGES; stage++)
		TEST_ASSERT(kc_stage_delta(run, stage).blocks == blocks[stage],
			    "scan, stage %d: %lu blocks, wanted %d", stage,
			    kc_stage_delta(run, stage).blocks, blocks[stage]);
	TEST_ASSERT_EQ(kc_stage_delta(run, ST_FIG8_A).io_coalesced, 3);
	/*
	 * The second run of Figure 8 came from the table; the ucall's OUT,
	 * seen to go to userspace before, was left to KVM at once.
	 */
	TEST_ASSERT_EQ(kc_stage_delta(run, ST_FIG8_B).scans, 0);
	TEST_ASSERT_EQ(kc_stage_delta(run, ST_FIG8_B).table_hits, 1);
	TEST_ASSERT_EQ(kc_stage_delta(run, ST_FIG8_B).user_io_known, 1);
	/*
	 * The singular access is then left to KVM by its RIP, without a
	 * lookup (known_rip.c), SINGULAR_USES - 1 times in a row; then the
	 * table finds it singular again.
	 */
	d = kc_stage_delta(run, ST_SINGLE_B);
	TEST_ASSERT(d.scans == 0 && d.table_hits == 0 && d.io == 0 &&
		    d.rip_known == 1,
		    "scan, second singular access: scans %lu, table hits %lu, io %lu, rip_known %lu",
		    d.scans, d.table_hits, d.io, d.rip_known);
	d = kc_stage_delta(run, ST_SINGLE_MANY);
	TEST_ASSERT(d.scans == 0 && d.table_hits == 1 && d.io == 1 &&
		    d.rip_known == SINGULAR_USES - 1,
		    "scan, %d singular accesses: scans %lu, table hits %lu, io %lu, rip_known %lu",
		    SINGULAR_USES, d.scans, d.table_hits, d.io,
		    d.rip_known);
	TEST_ASSERT_EQ(kc_stage_delta(run, ST_FIG8_C).hash_mismatches, 1);
	/*
	 * The userspace read in the block: one exit to userspace for it,
	 * after which the block went on to its second OUT.
	 */
	TEST_ASSERT_EQ(kc_stage_delta(run, ST_USER).user_pio, 1);
	TEST_ASSERT_EQ(kc_stage_delta(run, ST_USER).resumed, 1);
	TEST_ASSERT_EQ(kc_stage_delta(run, ST_USER).io_coalesced, 1);
	TEST_ASSERT_EQ(kc_stage_delta(run, ST_USER).stop_user_io, 0);
	/*
	 * Three: the IN resumes into ADD, OUT and the OUT to userspace,
	 * which resumes straight into the IN, which resumes into the OUT.
	 */
	TEST_ASSERT_EQ(kc_stage_delta(run, ST_USER_MIX).user_pio, 3);
	TEST_ASSERT_EQ(kc_stage_delta(run, ST_USER_MIX).resumed, 3);
	TEST_ASSERT_EQ(kc_stage_delta(run, ST_USER_MIX).io_coalesced, 2);
	TEST_ASSERT_EQ(kc_stage_delta(run, ST_USER_MIX).insns, 4);
	/*
	 * A jump that may leave the block comes before the next OUT: the
	 * guest's CPU goes on after the IN, and the OUT exits again.
	 */
	TEST_ASSERT_EQ(kc_stage_delta(run, ST_USER_BRANCH).user_pio, 1);
	TEST_ASSERT_EQ(kc_stage_delta(run, ST_USER_BRANCH).resumed, 0);
	/*
	 * The strings: one OUTSB exit runs the nine instructions and six
	 * accesses, scanned first, then from the table.
	 */
	for (stage = ST_STRING_UP; stage <= ST_STRING_DOWN; stage++) {
		d = kc_stage_delta(run, stage);
		TEST_ASSERT(d.string_pio_exits == 1 && d.pio_exits == 1 &&
			    d.handled == 1 && d.insns == 9 && d.io == 6 &&
			    d.io_coalesced == 5 && d.stop_fault == 0 &&
			    d.stop_user_io == 0,
			    "scan, stage %d: string exits %lu, exits %lu, handled %lu, insns %lu, io %lu, coalesced %lu",
			    stage, d.string_pio_exits, d.pio_exits, d.handled,
			    d.insns, d.io, d.io_coalesced);
	}
	TEST_ASSERT_EQ(kc_stage_delta(run, ST_STRING_UP).scans, 1);
	TEST_ASSERT_EQ(kc_stage_delta(run, ST_STRING_DOWN).scans, 0);
	TEST_ASSERT_EQ(kc_stage_delta(run, ST_STRING_DOWN).table_hits, 1);
	/*
	 * The fault: the block runs its OUT and stops before the INS, for
	 * the fault, before it tries the port (which would stop it for
	 * userspace); the INS exits, its block cannot run and KVM does the
	 * rest; the #PF handler returns past the INS with RFLAGS.RF set in
	 * the frame, so the last OUT's exit is KVM's too.  Declined: the
	 * INS, the last OUT and the ucall.
	 */
	d = kc_stage_delta(run, ST_STRING_FAULT);
	TEST_ASSERT(d.stop_fault == 1 && d.stop_user_io == 0 &&
		    d.user_pio == 0 && d.string_pio_exits == 1 &&
		    d.declined == 3 && d.insns == 1 && d.io == 1 &&
		    d.io_coalesced == 0,
		    "scan, fault stage: stop_fault %lu, stop_user_io %lu, string exits %lu, declined %lu, insns %lu, io %lu",
		    d.stop_fault, d.stop_user_io, d.string_pio_exits,
		    d.declined, d.insns, d.io);
	/*
	 * The sparse OUTs: each a singular block, then, with the limit
	 * lifted, neither the singular entry nor the stored block is used:
	 * the code is scanned again into one block.
	 */
	TEST_ASSERT_EQ(kc_stage_delta(run, ST_SPARSE_A).singular, 2);
	TEST_ASSERT_EQ(kc_stage_delta(run, ST_SPARSE_B).scans, 1);
	TEST_ASSERT_EQ(kc_stage_delta(run, ST_SPARSE_B).rip_known, 0);
	TEST_ASSERT_EQ(kc_stage_delta(run, ST_SPARSE_B).io_coalesced, 1);
}

static void test_mode(int mode, void *arg)
{
	struct run_obs *obs = arg;

	run_mode(mode, &obs[mode]);
	kc_print_stats(kc_mode_names[mode], &obs[mode].run.stats[ST_USER]);
	kc_check_exits(&obs[mode].run, expected_exits[mode], NR_STAGES);
	if (mode == KC_MODE_OFF)
		check_off(&obs[mode]);
	else
		check_same(mode, &obs[KC_MODE_OFF], &obs[mode]);
	if (mode == KC_MODE_SCAN)
		check_scan_counters(&obs[mode].run);
}

int main(int argc, char *argv[])
{
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_COALESCED_PIO));
	kc_test_each_mode(test_mode, KC_NR_MODES, sizeof(struct run_obs),
			  "flow chart exits, state as off");
}
