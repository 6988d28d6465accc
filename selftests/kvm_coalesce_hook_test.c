// SPDX-License-Identifier: GPL-2.0
/*
 * Prove that every port I/O and MMIO exit reaches kvm_coalesce, and that
 * with mode=off the module changes nothing KVM does.
 *
 * The guest does NR_IO accesses of each kind: OUTs to a coalesced PIO
 * zone (handled in KVM), OUTs and INs to a port nobody handles (exits to
 * userspace), MMIO writes to a coalesced MMIO zone and to unhandled MMIO,
 * and one REP OUTSB.  The same guest runs twice, first with the module
 * unloaded (stock KVM), then loaded with mode=off.  Every exit to
 * userspace (reason, port or address, size, data, RIP), the rings of the
 * zones, the values the guest read and its final registers must be the
 * same in both runs, and the module's counters must account for every
 * exit KVM counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "kc_guest.h"
#include "kc_user_io.h"
#include "kc_util.h"

#define NR_IO		32
#define ZONE_PORT	0x80	/* coalesced PIO zone */
#define USER_PORT	KC_USER_PORT
#define ZONE_MMIO_GPA	(4ull << 30)		/* coalesced MMIO zone */
#define USER_MMIO_GPA	KC_USER_MMIO_GPA
#define OUTS_LEN	4
#define NR_UCALLS	6	/* GUEST_SYNC(1..5) and GUEST_DONE */
#define MAX_EXITS	(3 * NR_IO + OUTS_LEN)

static u8 guest_in_values[NR_IO];
static const char guest_outs_data[OUTS_LEN] = "kvmc";

static void guest_code(void)
{
	int i;

	for (i = 0; i < NR_IO; i++)
		kc_outb(ZONE_PORT, i);
	GUEST_SYNC(1);

	for (i = 0; i < NR_IO; i++)
		kc_user_out(0x1000 + i);
	GUEST_SYNC(2);

	for (i = 0; i < NR_IO; i++)
		guest_in_values[i] = kc_user_in();
	GUEST_SYNC(3);

	for (i = 0; i < NR_IO; i++)
		WRITE_ONCE(*(u64 *)ZONE_MMIO_GPA, 0x3000 + i);
	GUEST_SYNC(4);

	for (i = 0; i < NR_IO; i++)
		kc_user_mmio(0x2000 + i);
	GUEST_SYNC(5);

	kc_user_outs(guest_outs_data, OUTS_LEN);
	GUEST_DONE();
}

/* One exit to userspace as userspace saw it. */
struct exit_record {
	u32 reason;
	u64 addr;		/* port or MMIO address */
	u32 size;
	u32 count;
	bool write;
	u8 data[8 * OUTS_LEN];
	u64 rip;
};

struct observation {
	struct exit_record exits[MAX_EXITS];
	int nr_exits;
	struct kvm_coalesced_mmio pio_ring[NR_IO];
	struct kvm_coalesced_mmio mmio_ring[NR_IO];
	u8 in_values[NR_IO];
	struct kvm_regs final_regs;
	u64 io_exits;	/* KVM's vCPU statistics */
	u64 mmio_exits;
};

static void record_exit(struct kvm_vcpu *vcpu, struct observation *obs)
{
	struct exit_record *rec = &obs->exits[obs->nr_exits++];
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;

	TEST_ASSERT(obs->nr_exits <= MAX_EXITS, "Too many exits");
	vcpu_regs_get(vcpu, &regs);
	rec->reason = run->exit_reason;
	rec->rip = regs.rip;

	if (run->exit_reason == KVM_EXIT_IO) {
		rec->addr = run->io.port;
		rec->size = run->io.size;
		rec->count = run->io.count;
		rec->write = run->io.direction == KVM_EXIT_IO_OUT;
		TEST_ASSERT(run->io.size * run->io.count <= sizeof(rec->data),
			    "PIO exit with %u x %u bytes", run->io.count,
			    run->io.size);
		if (rec->write)
			memcpy(rec->data, (void *)run + run->io.data_offset,
			       run->io.size * run->io.count);
	} else {
		TEST_ASSERT(run->exit_reason == KVM_EXIT_MMIO,
			    "Unexpected exit reason %u (%s)", run->exit_reason,
			    exit_reason_str(run->exit_reason));
		rec->addr = run->mmio.phys_addr;
		rec->size = run->mmio.len;
		rec->count = 1;
		rec->write = run->mmio.is_write;
		memcpy(rec->data, run->mmio.data, sizeof(run->mmio.data));
	}
}

/* Run until the next ucall, recording the exits to userspace before it. */
static u64 run_to_ucall(struct kvm_vcpu *vcpu, struct observation *obs)
{
	struct ucall uc;
	int in_index = 0;

	for (;;) {
		vcpu_run(vcpu);
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			return uc.args[1];
		case UCALL_DONE:
			return 0;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
		}
		record_exit(vcpu, obs);
		if (vcpu->run->exit_reason == KVM_EXIT_IO &&
		    vcpu->run->io.direction == KVM_EXIT_IO_IN)
			*(u8 *)((void *)vcpu->run +
				     vcpu->run->io.data_offset) = 0xa0 + in_index++;
	}
}

static void run_guest(struct observation *obs, struct kc_stats *stats)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	u64 stage;

	memset(obs, 0, sizeof(*obs));
	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	kvm_vm_register_coalesced_io(vm, ZONE_PORT, 1, true);
	kvm_vm_register_coalesced_io(vm, ZONE_MMIO_GPA, 8, false);
	virt_map(vm, ZONE_MMIO_GPA, ZONE_MMIO_GPA, 1);
	virt_map(vm, USER_MMIO_GPA, USER_MMIO_GPA, 1);

	for (stage = 1; stage <= 5; stage++) {
		TEST_ASSERT_EQ(run_to_ucall(vcpu, obs), stage);
		/* The ring must hold the stage's NR_IO entries, no more. */
		if (stage == 1)
			TEST_ASSERT_EQ(kc_ring_take_all(vcpu, obs->pio_ring, NR_IO),
				       NR_IO);
		if (stage == 4)
			TEST_ASSERT_EQ(kc_ring_take_all(vcpu, obs->mmio_ring, NR_IO),
				       NR_IO);
	}
	TEST_ASSERT_EQ(run_to_ucall(vcpu, obs), 0);

	vcpu_regs_get(vcpu, &obs->final_regs);
	sync_global_from_guest(vm, guest_in_values);
	memcpy(obs->in_values, guest_in_values, sizeof(obs->in_values));
	obs->io_exits = kc_vcpu_stat(vcpu, "io_exits");
	obs->mmio_exits = kc_vcpu_stat(vcpu, "mmio_exits");
	if (stats)
		*stats = kc_stats(vm);
	kvm_vm_free(vm);
}

/* What the guest did must be what userspace saw, in order. */
static void check_observation(const struct observation *obs)
{
	const struct exit_record *rec = obs->exits;
	int i;

	TEST_ASSERT_EQ(obs->nr_exits, 3 * NR_IO + OUTS_LEN);
	for (i = 0; i < NR_IO; i++, rec++) {
		TEST_ASSERT(rec->reason == KVM_EXIT_IO && rec->write &&
			    rec->addr == USER_PORT && rec->size == 4 &&
			    rec->count == 1 &&
			    *(u32 *)rec->data == 0x1000 + i,
			    "OUT %d: reason %u port 0x%lx size %u data 0x%x",
			    i, rec->reason, rec->addr, rec->size,
			    *(u32 *)rec->data);
	}
	for (i = 0; i < NR_IO; i++, rec++) {
		TEST_ASSERT(rec->reason == KVM_EXIT_IO && !rec->write &&
			    rec->addr == USER_PORT && rec->size == 1,
			    "IN %d: reason %u port 0x%lx size %u", i,
			    rec->reason, rec->addr, rec->size);
		TEST_ASSERT_EQ(obs->in_values[i], 0xa0 + i);
	}
	for (i = 0; i < NR_IO; i++, rec++) {
		TEST_ASSERT(rec->reason == KVM_EXIT_MMIO && rec->write &&
			    rec->addr == USER_MMIO_GPA && rec->size == 4 &&
			    *(u32 *)rec->data == 0x2000 + i,
			    "MMIO %d: reason %u addr 0x%lx size %u data 0x%x",
			    i, rec->reason, rec->addr, rec->size,
			    *(u32 *)rec->data);
	}
	/* KVM's emulator exits to userspace once per OUTS iteration. */
	for (i = 0; i < OUTS_LEN; i++, rec++) {
		TEST_ASSERT(rec->reason == KVM_EXIT_IO && rec->write &&
			    rec->addr == USER_PORT && rec->size == 1 &&
			    rec->count == 1 && rec->data[0] == guest_outs_data[i],
			    "OUTS %d: reason %u port 0x%lx size %u count %u",
			    i, rec->reason, rec->addr, rec->size, rec->count);
	}

	for (i = 0; i < NR_IO; i++) {
		const struct kvm_coalesced_mmio *p = &obs->pio_ring[i];
		const struct kvm_coalesced_mmio *m = &obs->mmio_ring[i];

		TEST_ASSERT(p->phys_addr == ZONE_PORT && p->len == 1 &&
			    p->pio && p->data[0] == i,
			    "PIO ring entry %d: 0x%llx len %u pio %u data %u",
			    i, p->phys_addr, p->len, p->pio, p->data[0]);
		TEST_ASSERT(m->phys_addr == ZONE_MMIO_GPA && m->len == 8 &&
			    !m->pio && *(u64 *)m->data == 0x3000 + i,
			    "MMIO ring entry %d: 0x%llx len %u pio %u", i,
			    m->phys_addr, m->len, m->pio);
	}
}

static void check_same(const struct observation *stock,
		       const struct observation *obs)
{
	int i;

	TEST_ASSERT_EQ(stock->nr_exits, obs->nr_exits);
	for (i = 0; i < stock->nr_exits; i++)
		TEST_ASSERT(!memcmp(&stock->exits[i], &obs->exits[i],
				    sizeof(stock->exits[i])),
			    "Exit %d differs from stock KVM (RIP 0x%lx vs 0x%lx)",
			    i, obs->exits[i].rip, stock->exits[i].rip);
	TEST_ASSERT(!memcmp(stock->pio_ring, obs->pio_ring,
			    sizeof(stock->pio_ring)), "PIO ring differs");
	TEST_ASSERT(!memcmp(stock->mmio_ring, obs->mmio_ring,
			    sizeof(stock->mmio_ring)), "MMIO ring differs");
	TEST_ASSERT(!memcmp(&stock->final_regs, &obs->final_regs,
			    sizeof(stock->final_regs)), "Final registers differ");
	TEST_ASSERT_EQ(stock->io_exits, obs->io_exits);
	TEST_ASSERT_EQ(stock->mmio_exits, obs->mmio_exits);
}

/*
 * The RIP of each exit to userspace must be the one stock KVM reports;
 * check it is also the exiting instruction, so that the comparison is
 * not between two wrong values.
 */
static void check_rips(const struct observation *obs)
{
	int i;

	for (i = 0; i < NR_IO; i++) {
		TEST_ASSERT_EQ(obs->exits[i].rip, (u64)kc_user_out_insn);
		TEST_ASSERT_EQ(obs->exits[NR_IO + i].rip,
			       (u64)kc_user_in_insn);
	}
}

int main(int argc, char *argv[])
{
	struct observation *stock, *obs;
	struct kc_stats stats;
	char mode[32];
	int r;

	TEST_REQUIRE(kvm_has_cap(KVM_CAP_COALESCED_MMIO));
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_COALESCED_PIO));

	stock = calloc(2, sizeof(*stock));
	TEST_ASSERT(stock, "calloc");
	obs = stock + 1;

	ksft_print_header();
	ksft_set_plan(3);

	if (kc_module_loaded()) {
		r = kc_module_unload();
		TEST_ASSERT(!r, "Unloading kvm_coalesce: %s", strerror(-r));
	}
	run_guest(stock, NULL);
	check_observation(stock);
	check_rips(stock);
	ksft_test_result_pass("stock KVM: exits, data, rings as the guest did them\n");

	r = kc_module_load(kc_module_path(), "mode=off");
	TEST_ASSERT(!r, "Loading %s: %s", kc_module_path(), strerror(-r));
	kc_param_read("mode", mode, sizeof(mode));
	TEST_ASSERT(!strcmp(mode, "off"), "mode is '%s'", mode);

	run_guest(obs, &stats);
	check_observation(obs);
	check_same(stock, obs);
	ksft_test_result_pass("mode=off: every exit, ring and register as stock KVM\n");

	kc_print_stats("counters", &stats);
	printf("# KVM: io_exits=%lu mmio_exits=%lu\n", obs->io_exits,
	       obs->mmio_exits);
	/* Every port I/O exit KVM counted reached the module, and no other. */
	TEST_ASSERT_EQ(stats.pio_exits + stats.string_pio_exits, obs->io_exits);
	TEST_ASSERT_EQ(stats.pio_exits, 3 * NR_IO + NR_UCALLS);
	/*
	 * At least one exit per OUTS iteration; how many more the REP
	 * prefix costs is KVM's business, and the sum above holds it exact.
	 */
	TEST_ASSERT(stats.string_pio_exits >= OUTS_LEN,
		    "%lu INS/OUTS exits for %d OUTS iterations",
		    stats.string_pio_exits, OUTS_LEN);
	/* One fault per MMIO write: NR_IO coalesced, NR_IO to userspace. */
	TEST_ASSERT_EQ(stats.mmio_exits, 2 * NR_IO);
	TEST_ASSERT_EQ(obs->mmio_exits, NR_IO);
	TEST_ASSERT_EQ(stats.exits, stats.pio_exits + stats.string_pio_exits +
				    stats.mmio_exits);
	/* mode=off executes nothing. */
	TEST_ASSERT_EQ(stats.blocks, 0);
	TEST_ASSERT_EQ(stats.insns, 0);
	ksft_test_result_pass("module counters match the exits exactly\n");

	free(stock);
	ksft_finished();
}
