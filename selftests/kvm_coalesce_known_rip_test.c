// SPDX-License-Identifier: GPL-2.0
/*
 * The exits the module knows by their RIP to be KVM's (known_rip.c) made
 * stale, in each mode.  Two routines (kc_known_rip_io.S) access two
 * registers of a device, each one block:
 *
 *  stage 1  loads from a coalesced MMIO zone, which takes writes only:
 *           they go to userspace, as a VGA console's read of its text
 *           window does, and the module learns that the exits at those
 *           RIPs are KVM's for that page, although a device covers it;
 *  stage 2  the same loads from the local APIC, another page, which
 *           takes them in the kernel: the block runs at once;
 *  stage 3  stores to two ioeventfds that match another value: they go
 *           to userspace, and are not remembered, for a device that
 *           refused a write may take the next;
 *  stage 4  stores of the value the ioeventfds match: the block runs;
 *  stage 5  the loads from the IOAPIC, which the host moved elsewhere
 *           (KVM_SET_IRQCHIP): its device on KVM's bus covers the page
 *           but refuses them, and they go to userspace;
 *  stage 6  the IOAPIC back in place: the module leaves the exits at
 *           those RIPs to KVM until their entries have served
 *           KNOWN_RIP_USES exits, then runs the block, both loads in
 *           one exit;
 *  stage 7  a MOVSL to the zone, which no block starts with: the exits
 *           at it are known to be KVM's after the first;
 *  stage 8  a REP OUTSB to a coalesced PIO zone, likewise.
 *
 * The MMIO and string port I/O exits the module sees in each stage must
 * be those the rules give; the values loaded, the exits to userspace, the ioeventfds'
 * count and the zone's ring must equal mode=off's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "kc_known_rip_io.h"
#include "kc_util.h"

#define NR_CALLS	4
#define ZONE_GPA	0xc0000000ul	/* coalesced MMIO zone, no memslot */
#define EVENT_GPA	0xc1000000ul	/* two ioeventfds, no memslot */
#define LAPIC_GPA	0xfee00000ul
#define IOAPIC_GPA	0xfec00000ul
#define IOAPIC_MOVED	0xfeb00000ul	/* where stage 5 has it */
#define MOVS_GPA	(ZONE_GPA + 0x100)
#define MOVS_VALUE	0x5aa50000
#define EVENT_MATCH	0x1234
#define EVENT_OTHER	0x4321

/* Exits an entry serves before the module looks again (known_rip.c). */
#define KNOWN_RIP_USES	64

enum {
	ST_START, ST_USER, ST_OTHER_PAGE, ST_EVENT_USER, ST_EVENT,
	ST_IOAPIC_USER, ST_IOAPIC, ST_MOVS, ST_REP_OUTS, NR_STAGES
};

/*
 * Stage 6's calls whose exits are known to be KVM's: the entries of
 * both loads served NR_CALLS - 1 exits each in stage 5.
 */
#define KNOWN_CALLS	(KNOWN_RIP_USES - NR_CALLS)
#define N		NR_CALLS
#define U		KNOWN_RIP_USES
#define K		KNOWN_CALLS

/*
 * MMIO and string port I/O exits the module sees per stage.  Confirm
 * mode scans at every exit: the blocks, seen before, run at once.  KVM
 * takes two exits for each REP OUTSB, with or without the module.
 */
static const int expected_exits[KC_NR_MODES][NR_STAGES] = {
	/*                     USER  OTHER EV_USER EVENT IO_USER IOAPIC  MOVS REP */
	[KC_MODE_OFF]     = { 0, 2 * N, 2 * N, 2 * N, 2 * N, 2 * N, 2 * U,     N, 2 * N },
	[KC_MODE_SCAN]    = { 0, 2 * N, N,     2 * N, N,     2 * N, 2 * K + N, N, 2 * N },
	[KC_MODE_CONFIRM] = { 0, 2 * N, N,     2 * N, N,     2 * N, U,         N, 2 * N },
	[KC_MODE_ADDR]    = { 0, 2 * N, N,     2 * N, N,     2 * N, 2 * K + N, N, 2 * N },
};

/* Of those, the exits scan and addr modes know by their RIP. */
static const int expected_known[NR_STAGES] = {
	0, 2 * (N - 1), 0, 0, 0, 2 * (N - 1), 2 * K, N - 1, 2 * N - 1,
};

/* The bytes of each REP OUTSB. */
#define REP_OUTS_LEN	4

/* Exits to userspace: the loads of stages 1 and 5, the stores of 3. */
#define NR_USER		(6 * NR_CALLS)

struct user_access {
	u64 gpa;
	u32 len;
	bool write;
	u32 data;
};

struct run_obs {
	struct kc_run run;
	u32 zone_ret[NR_CALLS];
	u32 lapic_ret[NR_CALLS];
	u32 ioapic_user_ret[NR_CALLS];
	u32 ioapic_ret[KNOWN_RIP_USES];
	struct user_access user[NR_USER];
	int nr_user;
	u64 events;		/* the ioeventfds' count */
};

/* Guest side. */
static u32 zone_ret[NR_CALLS];
static u32 lapic_ret[NR_CALLS];
static u32 ioapic_user_ret[NR_CALLS];
static u32 ioapic_ret[KNOWN_RIP_USES];
static u32 movs_src;
static u8 rep_outs_src[REP_OUTS_LEN];

static void guest_code(void)
{
	int i;

	GUEST_SYNC(ST_START);
	for (i = 0; i < NR_CALLS; i++)
		zone_ret[i] = kc_kr_load(ZONE_GPA);
	GUEST_SYNC(ST_USER);
	for (i = 0; i < NR_CALLS; i++)
		lapic_ret[i] = kc_kr_load(LAPIC_GPA);
	GUEST_SYNC(ST_OTHER_PAGE);
	for (i = 0; i < NR_CALLS; i++)
		kc_kr_store(EVENT_GPA, EVENT_OTHER + i);
	GUEST_SYNC(ST_EVENT_USER);
	for (i = 0; i < NR_CALLS; i++)
		kc_kr_store(EVENT_GPA, EVENT_MATCH);
	GUEST_SYNC(ST_EVENT);
	for (i = 0; i < NR_CALLS; i++)
		ioapic_user_ret[i] = kc_kr_load(IOAPIC_GPA);
	GUEST_SYNC(ST_IOAPIC_USER);
	for (i = 0; i < KNOWN_RIP_USES; i++)
		ioapic_ret[i] = kc_kr_load(IOAPIC_GPA);
	GUEST_SYNC(ST_IOAPIC);
	for (i = 0; i < NR_CALLS; i++) {
		movs_src = MOVS_VALUE + i;
		kc_kr_movs(MOVS_GPA, &movs_src);
	}
	GUEST_SYNC(ST_MOVS);
	for (i = 0; i < NR_CALLS; i++) {
		memset(rep_outs_src, 0x40 + i, REP_OUTS_LEN);
		kc_kr_rep_outs(rep_outs_src, REP_OUTS_LEN);
	}
	GUEST_SYNC(ST_REP_OUTS);
	GUEST_DONE();
}

/* Host side. */

/* What userspace gives a load at @gpa: different for each address. */
static u32 user_read_data(u64 gpa)
{
	return 0x80000000 | (gpa & 0xfff);
}

/* Answer a load from the zone or note a store, and note the access. */
static void user_exit(struct kc_run *run)
{
	struct run_obs *obs = container_of(run, struct run_obs, run);
	struct kvm_run *r = run->vcpu->run;
	struct user_access *a;

	TEST_ASSERT(r->exit_reason == KVM_EXIT_MMIO && r->mmio.len == 4 &&
		    obs->nr_user < ARRAY_SIZE(obs->user),
		    "exit %s %d", exit_reason_str(r->exit_reason),
		    obs->nr_user);
	a = &obs->user[obs->nr_user++];
	a->gpa = r->mmio.phys_addr;
	a->len = r->mmio.len;
	a->write = r->mmio.is_write;
	if (a->write) {
		memcpy(&a->data, r->mmio.data, sizeof(a->data));
	} else {
		a->data = user_read_data(a->gpa);
		memcpy(r->mmio.data, &a->data, sizeof(a->data));
	}
}

/* An ioeventfd at @gpa that matches EVENT_MATCH, signalling @fd. */
static void add_ioeventfd(struct kvm_vm *vm, u64 gpa, int fd)
{
	struct kvm_ioeventfd ioev = {
		.datamatch = EVENT_MATCH,
		.addr = gpa,
		.len = 4,
		.fd = fd,
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
	};

	vm_ioctl(vm, KVM_IOEVENTFD, &ioev);
}

/* Move the IOAPIC to @base: its device on KVM's bus stays where it was. */
static void move_ioapic(struct kvm_vm *vm, u64 base)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };

	vm_ioctl(vm, KVM_GET_IRQCHIP, &chip);
	chip.chip.ioapic.base_address = base;
	vm_ioctl(vm, KVM_SET_IRQCHIP, &chip);
}

static void run_mode(int mode, struct run_obs *obs)
{
	struct kc_run *run = &obs->run;
	struct kvm_vm *vm;
	int fd;

	kc_run_create(run, guest_code);
	vm = run->vm;
	kc_run_zone(run, ZONE_GPA, PAGE_SIZE, false);
	virt_map(vm, ZONE_GPA, ZONE_GPA, 1);
	virt_map(vm, EVENT_GPA, EVENT_GPA, 1);
	virt_map(vm, LAPIC_GPA, LAPIC_GPA, 1);
	virt_map(vm, IOAPIC_GPA, IOAPIC_GPA, 1);
	fd = eventfd(0, EFD_NONBLOCK);
	TEST_ASSERT(fd >= 0, "eventfd");
	add_ioeventfd(vm, EVENT_GPA, fd);
	add_ioeventfd(vm, EVENT_GPA + 8, fd);
	/* kc_kr_rep_outs()' zone: the run logs its ring entries too. */
	kvm_vm_register_coalesced_io(vm, KC_KR_PORT, 1, true);
	run->user_exit = user_exit;
	kc_run_start(run, mode);
	while (run->stage < NR_STAGES - 1) {
		if (run->stage == ST_IOAPIC_USER - 1)
			move_ioapic(vm, IOAPIC_MOVED);
		if (run->stage == ST_IOAPIC - 1)
			move_ioapic(vm, IOAPIC_GPA);
		kc_run_stage(run);
	}
	kc_run_done(run);

	TEST_ASSERT_EQ(read(fd, &obs->events, sizeof(obs->events)),
		       sizeof(obs->events));
	close(fd);
	sync_global_from_guest(vm, zone_ret);
	sync_global_from_guest(vm, lapic_ret);
	sync_global_from_guest(vm, ioapic_user_ret);
	sync_global_from_guest(vm, ioapic_ret);
	memcpy(obs->zone_ret, zone_ret, sizeof(zone_ret));
	memcpy(obs->lapic_ret, lapic_ret, sizeof(lapic_ret));
	memcpy(obs->ioapic_user_ret, ioapic_user_ret, sizeof(ioapic_user_ret));
	memcpy(obs->ioapic_ret, ioapic_ret, sizeof(ioapic_ret));
	kvm_vm_free(vm);
}

/* The value kc_kr_load(@base) returns when userspace answers. */
static u32 user_loads_sum(u64 base)
{
	return user_read_data(base + KC_KR_LAPIC_ID) +
	       user_read_data(base + KC_KR_LAPIC_VERSION);
}

/* @a are NR_CALLS calls' loads, from @base, answered by userspace. */
static void check_user_loads(const struct user_access *a, u64 base)
{
	int i;

	for (i = 0; i < 2 * NR_CALLS; i++)
		TEST_ASSERT(!a[i].write &&
			    a[i].gpa == base + (i & 1 ? KC_KR_LAPIC_VERSION :
							KC_KR_LAPIC_ID),
			    "off: load %d to userspace at 0x%lx", i, a[i].gpa);
}

/* What mode=off gives: the loads' values and where each access went. */
static void check_off(const struct run_obs *off)
{
	const struct kvm_coalesced_mmio *ring;
	int i;

	TEST_ASSERT_EQ(off->nr_user, NR_USER);
	check_user_loads(&off->user[0], ZONE_GPA);
	for (i = 0; i < 2 * NR_CALLS; i++) {
		const struct user_access *a = &off->user[2 * NR_CALLS + i];

		TEST_ASSERT(a->write && a->gpa == EVENT_GPA + (i & 1) * 8 &&
			    a->data == EVENT_OTHER + i / 2,
			    "off: store %d to userspace at 0x%lx: 0x%x", i,
			    a->gpa, a->data);
	}
	check_user_loads(&off->user[4 * NR_CALLS], IOAPIC_GPA);
	TEST_ASSERT_EQ(off->events, 2 * NR_CALLS);
	for (i = 0; i < NR_CALLS; i++) {
		TEST_ASSERT_EQ(off->zone_ret[i], user_loads_sum(ZONE_GPA));
		TEST_ASSERT_EQ(off->ioapic_user_ret[i],
			       user_loads_sum(IOAPIC_GPA));
	}
	/* The IOAPIC reads 0 but at IOREGSEL and IOWIN. */
	for (i = 0; i < KNOWN_RIP_USES; i++)
		TEST_ASSERT_EQ(off->ioapic_ret[i], 0);
	/* The APIC's version register is never 0. */
	TEST_ASSERT(off->lapic_ret[0], "off: the local APIC read 0");
	for (i = 1; i < NR_CALLS; i++)
		TEST_ASSERT_EQ(off->lapic_ret[i], off->lapic_ret[0]);
	TEST_ASSERT_EQ(kc_stage_ring(&off->run, ST_MOVS, &ring), NR_CALLS);
	for (i = 0; i < NR_CALLS; i++)
		TEST_ASSERT(ring[i].phys_addr == MOVS_GPA && ring[i].len == 4 &&
			    *(u32 *)ring[i].data == MOVS_VALUE + i,
			    "off: MOVSL %d to the zone: 0x%llx len %u", i,
			    ring[i].phys_addr, ring[i].len);
	TEST_ASSERT_EQ(kc_stage_ring(&off->run, ST_REP_OUTS, &ring),
		       NR_CALLS * REP_OUTS_LEN);
	for (i = 0; i < NR_CALLS * REP_OUTS_LEN; i++)
		TEST_ASSERT(ring[i].pio && ring[i].phys_addr == KC_KR_PORT &&
			    ring[i].data[0] == 0x40 + i / REP_OUTS_LEN,
			    "off: byte %d of REP OUTSB: port 0x%llx, 0x%x", i,
			    ring[i].phys_addr, ring[i].data[0]);
}

static void check_mode(int mode, const struct run_obs *off,
		       const struct run_obs *obs)
{
	const char *name = kc_mode_names[mode];
	bool known = mode == KC_MODE_SCAN || mode == KC_MODE_ADDR;
	struct kc_stats d;
	u64 exits;
	int stage;

	for (stage = ST_USER; stage < NR_STAGES; stage++) {
		d = kc_stage_delta(&obs->run, stage);
		exits = d.mmio_exits + d.string_pio_exits;
		TEST_ASSERT(exits == expected_exits[mode][stage] &&
			    d.rip_known == (known ? expected_known[stage] : 0),
			    "mode %s, stage %d: %lu exits, %lu known by RIP, wanted %d and %d",
			    name, stage, exits, d.rip_known,
			    expected_exits[mode][stage],
			    known ? expected_known[stage] : 0);
	}
	TEST_ASSERT_EQ(obs->nr_user, off->nr_user);
	TEST_ASSERT(!memcmp(obs->user, off->user, sizeof(obs->user)),
		    "mode %s: the exits to userspace differ from off's", name);
	TEST_ASSERT_EQ(obs->events, off->events);
	TEST_ASSERT(!memcmp(obs->zone_ret, off->zone_ret,
			    sizeof(obs->zone_ret)) &&
		    !memcmp(obs->lapic_ret, off->lapic_ret,
			    sizeof(obs->lapic_ret)) &&
		    !memcmp(obs->ioapic_user_ret, off->ioapic_user_ret,
			    sizeof(obs->ioapic_user_ret)) &&
		    !memcmp(obs->ioapic_ret, off->ioapic_ret,
			    sizeof(obs->ioapic_ret)),
		    "mode %s: the values loaded differ from off's", name);
	kc_check_same_ring(&off->run, &obs->run);
}

static void test_mode(int mode, void *arg)
{
	struct run_obs *obs = arg;

	run_mode(mode, &obs[mode]);
	if (mode == KC_MODE_OFF)
		check_off(&obs[mode]);
	check_mode(mode, &obs[KC_MODE_OFF], &obs[mode]);
}

int main(int argc, char *argv[])
{
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_IOEVENTFD));
	kc_test_each_mode(test_mode, KC_NR_MODES, sizeof(struct run_obs),
			  "exits known by their RIP to be KVM's");
}
