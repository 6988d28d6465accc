// SPDX-License-Identifier: GPL-2.0
/*
 * Cross-modifying code: one vCPU rewrites a block another vCPU runs, in
 * each mode.
 *
 * vCPU 0 (the writer) copies, round after round, variant A or B of a
 * block (kc_smc_io.S: OUTs to a coalesced PIO zone, a write and read-back
 * of the 8259's IMR; the variants differ in immediates and a port) to a
 * writable code page, then signals the round through memory.  vCPU 1
 * (the runner) waits for the signal, executes CPUID, a serializing
 * instruction, as the SDM's protocol for cross-modifying code asks, and
 * calls the block three times; then it reports the round (ucall) and
 * lets the writer go on.  Writer and runner never touch the page at the
 * same time.
 *
 * Every call after the signal must have exactly the new variant's
 * effects: its two OUTs in the zone's ring, in order, with its ports and
 * values, and its value read back from the 8259; never the old
 * variant's, in any mode.  KVM's I/O exits must be those of each mode's
 * flow chart, and the module's counters must show, in every mode, one
 * hash mismatch per rewrite of the block's code (the stored block found
 * with other bytes), every access of the calls run by the module, and
 * the blocks the flow chart gives.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "kc_smc_io.h"
#include "kc_util.h"

#define NR_ROUNDS	16	/* code written; rewrites: NR_ROUNDS - 1 */
#define NR_CALLS	3	/* calls of the block per round */

struct variant {
	u8 port0;		/* first OUT: port and value */
	u8 data0;
	u8 data1;		/* second OUT, to KC_SMC_ZONE + 2 */
	u8 imr;			/* written to the 8259 and read back */
};

/* What each variant of kc_smc_io.S does. */
static const struct variant variants[2] = {
	{ KC_SMC_ZONE, 0xa0, 0xa1, 0xa2 },
	{ KC_SMC_ZONE + 1, 0xb0, 0xb1, 0xb2 },
};

/*
 * KVM's I/O exits of the runner's NR_CALLS calls, besides its ucall, in
 * the first round and in each round after a rewrite.
 *
 * scan: round 1, one block, then two table hits; later rounds, the stale
 * block's hash mismatches: the exiting OUT runs alone and the block is
 * dropped, the second OUT exits and runs the rest (the block there,
 * stored in round 2, has the same bytes in both variants), then a new
 * scan and a hit.  addr: the stale block is rescanned at once.  confirm:
 * each block runs from its second sighting; in round 1 the first call's
 * four accesses each exit, after a rewrite the block at the first OUT is
 * new again, the one at the second OUT is not.  off: four per call.
 */
static const int expected_exits[KC_NR_MODES][2] = {
	/*              first, rewritten */
	[KC_MODE_OFF]     = { 12, 12 },
	[KC_MODE_SCAN]    = {  3,  4 },
	[KC_MODE_CONFIRM] = {  6,  4 },
	[KC_MODE_ADDR]    = {  3,  3 },
};

/*
 * Blocks of more than one instruction the module ran: one per call, but
 * in confirm mode for the first round's first call, whose accesses it
 * ran alone (first sightings).
 */
static const int expected_blocks[KC_NR_MODES] = {
	[KC_MODE_SCAN] = NR_ROUNDS * NR_CALLS,
	[KC_MODE_CONFIRM] = NR_ROUNDS * NR_CALLS - 1,
	[KC_MODE_ADDR] = NR_ROUNDS * NR_CALLS,
};

/* Accesses of one call of the block. */
#define BLOCK_IO	4
/*
 * The guest's I/O instructions after the runner's GUEST_SYNC(0): the
 * calls, each round's ucall, 2 DONEs.
 */
#define GUEST_IO	(NR_ROUNDS * (NR_CALLS * BLOCK_IO + 1) + 2)

/* Guest side. */
static u8 *code_page;		/* where the writer puts the block */
static u64 round_written;	/* writer: code of this round is in place */
static u64 round_done;		/* runner: done with this round */
static u32 imr_read[NR_ROUNDS + 1][NR_CALLS];

static const u8 *variant_code(u64 round)
{
	return round & 1 ? kc_smc_variant_a : kc_smc_variant_b;
}

static void guest_writer(void)
{
	size_t len = kc_smc_variant_b - kc_smc_variant_a, i;
	u64 round;

	GUEST_ASSERT_EQ(len, kc_smc_variant_end - kc_smc_variant_b);
	for (round = 1; round <= NR_ROUNDS; round++) {
		while (__atomic_load_n(&round_done, __ATOMIC_ACQUIRE) != round - 1)
			asm volatile("pause");
		for (i = 0; i < len; i++)
			WRITE_ONCE(code_page[i], variant_code(round)[i]);
		__atomic_store_n(&round_written, round, __ATOMIC_RELEASE);
	}
	GUEST_DONE();
}

static void guest_runner(void)
{
	u32 (*block)(void) = (void *)code_page;
	u32 eax, ebx, ecx, edx;
	u64 round;
	int i;

	GUEST_SYNC(0);
	for (round = 1; round <= NR_ROUNDS; round++) {
		while (__atomic_load_n(&round_written, __ATOMIC_ACQUIRE) != round)
			asm volatile("pause");
		/* Serialize before running the code another vCPU wrote. */
		cpuid(0, &eax, &ebx, &ecx, &edx);
		for (i = 0; i < NR_CALLS; i++)
			imr_read[round][i] = block();
		GUEST_SYNC(round);
		__atomic_store_n(&round_done, round, __ATOMIC_RELEASE);
	}
	GUEST_DONE();
}

static void guest_code(u64 id)
{
	if (id == 0)
		guest_writer();
	else
		guest_runner();
}

/* Host side. */
struct run_obs {
	struct kc_run run;		/* of the runner, a stage per round */
	u32 imr_read[NR_ROUNDS + 1][NR_CALLS];
	u8 imr[NR_ROUNDS + 1];		/* the 8259's, after each round */
	struct kc_stats stats;		/* from round 1 to the end */
};

static void *writer_thread(void *arg)
{
	struct kvm_vcpu *vcpu = arg;
	struct ucall uc;

	vcpu_run(vcpu);
	if (get_ucall(vcpu, &uc) == UCALL_ABORT)
		REPORT_GUEST_ASSERT(uc);
	TEST_ASSERT(uc.cmd == UCALL_DONE, "Writer: exit %s, ucall %lu",
		    exit_reason_str(vcpu->run->exit_reason), uc.cmd);
	return NULL;
}

static u8 read_imr(struct kvm_vm *vm)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_PIC_MASTER };

	vm_ioctl(vm, KVM_GET_IRQCHIP, &chip);
	return chip.chip.pic.imr;
}

static void run_mode(int mode, struct run_obs *obs)
{
	struct kc_run *run = &obs->run;
	struct kvm_vcpu *vcpus[2];
	struct kc_stats end;
	pthread_t writer;

	memset(obs, 0, sizeof(*obs));
	run->vm = vm_create_with_vcpus(2, guest_code, vcpus);
	run->vcpu = vcpus[1];
	vcpu_args_set(vcpus[0], 1, 0);
	vcpu_args_set(vcpus[1], 1, 1);
	kc_run_zone(run, KC_SMC_ZONE, KC_SMC_ZONE_LEN, true);
	code_page = (u8 *)vm_vaddr_alloc_page(run->vm);
	sync_global_to_guest(run->vm, code_page);
	kc_run_start(run, mode);

	/* Writer and runner on different CPUs, where there are two. */
	kc_thread_create_pinned(&writer, writer_thread, vcpus[0], 0);
	kc_pin_thread(pthread_self(), 1);
	while (run->stage < NR_ROUNDS) {
		kc_run_stage(run);
		obs->imr[run->stage] = read_imr(run->vm);
	}
	kc_run_done(run);
	pthread_join(writer, NULL);

	sync_global_from_guest(run->vm, imr_read);
	memcpy(obs->imr_read, imr_read, sizeof(imr_read));
	end = kc_stats(run->vm);
	obs->stats = kc_stats_sub(&end, &run->stats[0]);
	kvm_vm_free(run->vm);
}

/* Each round's calls left exactly the variant's OUTs in the ring. */
static void check_ring(int mode, const struct kc_run *run, int round)
{
	const struct variant *v = &variants[!(round & 1)];
	const struct kvm_coalesced_mmio *e;
	int i, n;

	n = kc_stage_ring(run, round, &e);
	TEST_ASSERT(n == NR_CALLS * 2, "mode %s, round %d: %d ring entries",
		    kc_mode_names[mode], round, n);
	for (i = 0; i < n; i++) {
		u64 port = i & 1 ? KC_SMC_ZONE + 2 : v->port0;
		u8 data = i & 1 ? v->data1 : v->data0;

		TEST_ASSERT(e[i].pio && e[i].len == 1 &&
			    e[i].phys_addr == port && e[i].data[0] == data,
			    "mode %s, round %d, entry %d: port 0x%llx data 0x%x, wanted port 0x%lx data 0x%x",
			    kc_mode_names[mode], round, i, e[i].phys_addr,
			    e[i].data[0], port, data);
	}
}

static void check_mode(int mode, const struct run_obs *obs)
{
	const char *name = kc_mode_names[mode];
	const struct kc_stats *s = &obs->stats;
	int round, i;

	kc_print_stats(name, s);
	for (round = 1; round <= NR_ROUNDS; round++) {
		u8 imr = variants[!(round & 1)].imr;
		int want = expected_exits[mode][round > 1];

		check_ring(mode, &obs->run, round);
		TEST_ASSERT(obs->run.exits[round] == want,
			    "mode %s, round %d: %d I/O exits, wanted %d", name,
			    round, obs->run.exits[round], want);
		TEST_ASSERT(obs->imr[round] == imr,
			    "mode %s, round %d: IMR 0x%x, wanted 0x%x", name,
			    round, obs->imr[round], imr);
		for (i = 0; i < NR_CALLS; i++)
			TEST_ASSERT(obs->imr_read[round][i] == imr,
				    "mode %s, round %d, call %d: read 0x%x, wanted 0x%x",
				    name, round, i, obs->imr_read[round][i], imr);
	}
	/* Accesses the module ran, plus one per exit KVM handled. */
	TEST_ASSERT(s->io + s->exits - s->handled == GUEST_IO,
		    "mode %s: io %lu + exits %lu - handled %lu, wanted %d",
		    name, s->io, s->exits, s->handled, GUEST_IO);
	if (mode == KC_MODE_OFF) {
		TEST_ASSERT_EQ(s->handled, 0);
		return;
	}
	/* Each rewrite was seen once, at the block of the first OUT. */
	TEST_ASSERT_EQ(s->hash_mismatches, NR_ROUNDS - 1);
	TEST_ASSERT_EQ(s->io, NR_ROUNDS * NR_CALLS * BLOCK_IO);
	TEST_ASSERT_EQ(s->blocks, expected_blocks[mode]);
	TEST_ASSERT_EQ(s->stop_code_write, 0);
}

static void test_mode(int mode, void *obs)
{
	run_mode(mode, obs);
	check_mode(mode, obs);
}

int main(int argc, char *argv[])
{
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_COALESCED_PIO));
	kc_test_each_mode(test_mode, 1, sizeof(struct run_obs),
			  "the block rewritten, only new code ran");
}
