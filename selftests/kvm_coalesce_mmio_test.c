// SPDX-License-Identifier: GPL-2.0
/*
 * Blocks that start with an MMIO exit, in each mode.
 *
 * Each stage calls a guest routine (kc_mmio_io.S) three times:
 *
 *  ZONE    four writes to a coalesced MMIO zone through one base register,
 *          with a store to and a load from guest RAM (in a memslot that
 *          logs dirty pages), an LEA and ALU instructions between them;
 *  IOAPIC  the in-kernel IOAPIC's redirection entries of two pins,
 *          programmed through IOREGSEL/IOWIN, and one read back;
 *  FAULT   an MMIO write, a store to an unmapped page (first and third
 *          call) or to a read-only one with CR0.WP set (second call), an
 *          MMIO write: the block stops at the store and the guest's CPU
 *          takes the page fault itself, at the store, with the right CR2
 *          and error code;
 *  SMC     an MMIO write, then a store into the code after it (and a
 *          jump, see kc_mmio_io.S): the block stops after the store and
 *          the new code runs;
 *  TPR     a write of the local APIC's TPR and a read of it: the block
 *          stops after the write, for KVM keeps the TPR in step with CR8
 *          at each exit and entry (on SVM the read then misses the low
 *          four bits written, with or without the module);
 *  USER    three writes to the zone with, between them, a store to and
 *          five loads from MMIO that only userspace takes (no memslot):
 *          the block exits to userspace for each, as the guest's own
 *          exit would (address, size, data, every register at the exit),
 *          puts the data userspace gives where the load puts it, and
 *          goes on after it.
 *
 * For each stage the test checks the MMIO exits the module saw (one per
 * call once a block runs), and that the zone's ring, the IOAPIC's state,
 * guest RAM, the dirty log and the values the guest computed equal what
 * mode=off gives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "kc_mmio_io.h"
#include "kc_util.h"

#define NR_CALLS	3

#define ZONE_GPA	0xc0000000ul	/* coalesced MMIO zone, no memslot */
#define USER_GPA	0xc1000000ul	/* MMIO for userspace: no memslot */
#define DATA_GPA	0xb0000000ul	/* RAM, dirty-logged */
#define DATA_SLOT	1
#define BAD_GVA		0xd0000000ul	/* never mapped */
#define RO_GPA		0xb0001000ul	/* RAM, mapped read-only: */
#define RO_GVA		0xd0001000ul
#define SMC_IMM		0x5a
#define DATA_LOADED	0x12345678	/* ram[1], loaded by kc_mmio_zone() */

enum {
	ST_START, ST_ZONE, ST_IOAPIC, ST_FAULT, ST_SMC, ST_TPR, ST_USER,
	NR_STAGES
};

/* MMIO exits the module sees per stage: three calls. */
static const int expected_exits[KC_NR_MODES][NR_STAGES] = {
	/*
	 * confirm: the first call runs each access alone (first sightings
	 * and a singular last access); the others run one block.  FAULT:
	 * the block stops at the store, the second write exits again.
	 * USER: off sees the three zone writes and the six userspace
	 * accesses of each call; a block runs them all in its one exit.
	 */
	/*            ZONE IOAPIC FAULT SMC TPR USER */
	[KC_MODE_OFF]     = { 0, 12, 30, 6, 6, 6, 27 },
	[KC_MODE_SCAN]    = { 0,  3,  3, 6, 6, 6,  3 },
	[KC_MODE_CONFIRM] = { 0,  6, 12, 6, 6, 6, 11 },
	[KC_MODE_ADDR]    = { 0,  3,  3, 6, 6, 6,  3 },
};

/* Userspace MMIO accesses of each call of kc_mmio_user(): one store. */
#define USER_ACCESSES	(1 + KC_USER_LOADS)

/* An exit to userspace for USER_GPA, with the registers at the exit. */
struct user_access {
	u64 gpa;
	u32 len;
	bool write;
	u64 data;
	struct kvm_regs regs;
};

struct run_obs {
	struct kc_run run;
	struct kvm_ioapic_state ioapic;
	u32 ram[2];
	bool dirty;
	u64 zone_ret[NR_CALLS];
	u32 ioapic_ret[NR_CALLS];
	u32 smc_ret[NR_CALLS];
	u32 tpr_ret[NR_CALLS];
	u64 fault_cr2[NR_CALLS], fault_rip[NR_CALLS], fault_err[NR_CALLS];
	int nr_faults;
	struct user_access user[USER_ACCESSES * NR_CALLS];
	int nr_user;
	u64 user_ret[NR_CALLS][KC_USER_LOADS];
};

/* TPR values written; the read-back of each is compared with off. */
static const u32 tpr_written[NR_CALLS] = { 0x21, 0x37, 0x4b };

/* Guest side. */
static u64 zone_ret[NR_CALLS];
static u32 ioapic_ret[NR_CALLS], smc_ret[NR_CALLS], tpr_ret[NR_CALLS];
static u64 fault_cr2[NR_CALLS], fault_rip[NR_CALLS], fault_err[NR_CALLS];
static int nr_faults;
static u64 user_ret[NR_CALLS][KC_USER_LOADS];

static void guest_page_fault(struct ex_regs *regs)
{
	u64 cr2;

	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	GUEST_ASSERT(nr_faults < NR_CALLS);
	fault_cr2[nr_faults] = cr2;
	fault_rip[nr_faults] = regs->rip;
	fault_err[nr_faults] = regs->error_code;
	nr_faults++;
	regs->rip += 6;		/* skip the store: c7 06 imm32 */
}

static void guest_code(void)
{
	int i;

	GUEST_SYNC(ST_START);
	for (i = 0; i < NR_CALLS; i++)
		zone_ret[i] = kc_mmio_zone(ZONE_GPA, 0x1000 + i,
					   (u32 *)DATA_GPA);
	GUEST_SYNC(ST_ZONE);
	for (i = 0; i < NR_CALLS; i++)
		ioapic_ret[i] = kc_ioapic_program(KC_IOAPIC_BASE,
						  0x10030 + i, 0x10040 + i);
	GUEST_SYNC(ST_IOAPIC);
	/* Supervisor writes to read-only pages fault only with CR0.WP. */
	asm volatile("mov %0, %%cr0" : : "r"(get_cr0() | X86_CR0_WP) : "memory");
	for (i = 0; i < NR_CALLS; i++)
		kc_mmio_fault(ZONE_GPA + 0x100,
			      (u32 *)(i == 1 ? RO_GVA : BAD_GVA));
	GUEST_SYNC(ST_FAULT);
	for (i = 0; i < NR_CALLS; i++)
		smc_ret[i] = kc_mmio_smc(ZONE_GPA + 0x200, SMC_IMM);
	GUEST_SYNC(ST_SMC);
	for (i = 0; i < NR_CALLS; i++)
		tpr_ret[i] = kc_mmio_tpr(KC_LAPIC_BASE, tpr_written[i]);
	GUEST_SYNC(ST_TPR);
	for (i = 0; i < NR_CALLS; i++)
		kc_mmio_user(ZONE_GPA + 0x300, USER_GPA, user_ret[i]);
	GUEST_SYNC(ST_USER);
	GUEST_DONE();
}

/* Host side. */
static void create_vm(struct kc_run *run)
{
	struct kvm_vm *vm;
	u32 *data;

	kc_run_create(run, guest_code);
	vm = run->vm;
	vm_install_exception_handler(vm, PF_VECTOR, guest_page_fault);
	kc_run_zone(run, ZONE_GPA, PAGE_SIZE, false);
	virt_map(vm, ZONE_GPA, ZONE_GPA, 1);
	virt_map(vm, USER_GPA, USER_GPA, 1);
	virt_map(vm, KC_IOAPIC_BASE, KC_IOAPIC_BASE, 1);
	virt_map(vm, KC_LAPIC_BASE, KC_LAPIC_BASE, 1);

	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, DATA_GPA,
				    DATA_SLOT, 2, KVM_MEM_LOG_DIRTY_PAGES);
	virt_map(vm, DATA_GPA, DATA_GPA, 1);
	virt_map(vm, RO_GVA, RO_GPA, 1);
	*vm_get_page_table_entry(vm, RO_GVA) &= ~PTE_WRITABLE_MASK;
	data = addr_gpa2hva(vm, DATA_GPA);
	data[1] = DATA_LOADED;
}

/* Whether the data page was written since the last call. */
static bool data_page_dirty(struct kvm_vm *vm)
{
	u64 bitmap = 0;

	kvm_vm_get_dirty_log(vm, DATA_SLOT, &bitmap);
	return bitmap & 1;
}

/* What the test reads of the VM at the end of @stage. */
static void read_stage(struct kvm_vm *vm, int stage, struct run_obs *obs)
{
	if (stage == ST_START)
		data_page_dirty(vm);	/* clears the log */
	if (stage == ST_ZONE) {
		obs->dirty = data_page_dirty(vm);
		memcpy(obs->ram, addr_gpa2hva(vm, DATA_GPA), sizeof(obs->ram));
	}
	if (stage == ST_IOAPIC) {
		struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };

		vm_ioctl(vm, KVM_GET_IRQCHIP, &chip);
		obs->ioapic = chip.chip.ioapic;
	}
}

/*
 * The data userspace gives a read of @len bytes at @gpa: bytes with the
 * top bit set, so that zero and sign extension differ, and different
 * for each address.
 */
static u64 user_read_data(u64 gpa, unsigned int len)
{
	u64 data = 0;
	unsigned int i;

	for (i = 0; i < len; i++)
		data |= (u64)(0x80 | (gpa & 0x78) | i) << (8 * i);
	return data;
}

/* Answer an access to userspace MMIO, and note it with the registers. */
static void user_exit(struct kc_run *run)
{
	struct run_obs *obs = container_of(run, struct run_obs, run);
	struct kvm_run *r = run->vcpu->run;
	struct user_access *a;

	TEST_ASSERT(r->exit_reason == KVM_EXIT_MMIO &&
		    r->mmio.phys_addr - USER_GPA < PAGE_SIZE &&
		    obs->nr_user < ARRAY_SIZE(obs->user),
		    "exit %s %d at 0x%llx", exit_reason_str(r->exit_reason),
		    obs->nr_user, r->mmio.phys_addr);
	a = &obs->user[obs->nr_user++];
	a->gpa = r->mmio.phys_addr;
	a->len = r->mmio.len;
	a->write = r->mmio.is_write;
	vcpu_regs_get(run->vcpu, &a->regs);
	if (a->write) {
		memcpy(&a->data, r->mmio.data, a->len);
	} else {
		a->data = user_read_data(a->gpa, a->len);
		memcpy(r->mmio.data, &a->data, a->len);
	}
}

static void run_mode(int mode, struct run_obs *obs)
{
	struct kc_run *run = &obs->run;

	create_vm(run);
	run->user_exit = user_exit;
	kc_run_start(run, mode);
	/*
	 * USER's block has more instructions between its zone stores than
	 * a block runs per exit it saves by default: lift the limit, as
	 * the block is what this test looks at.
	 */
	TEST_ASSERT_EQ(kc_vm_debugfs_write(run->vm, "insns_per_exit", "0"), 0);
	read_stage(run->vm, ST_START, obs);
	while (run->stage < NR_STAGES - 1) {
		kc_run_stage(run);
		read_stage(run->vm, run->stage, obs);
	}
	kc_run_done(run);

	sync_global_from_guest(run->vm, zone_ret);
	sync_global_from_guest(run->vm, ioapic_ret);
	sync_global_from_guest(run->vm, smc_ret);
	sync_global_from_guest(run->vm, tpr_ret);
	sync_global_from_guest(run->vm, fault_cr2);
	sync_global_from_guest(run->vm, fault_rip);
	sync_global_from_guest(run->vm, fault_err);
	sync_global_from_guest(run->vm, nr_faults);
	sync_global_from_guest(run->vm, user_ret);
	memcpy(obs->zone_ret, zone_ret, sizeof(zone_ret));
	memcpy(obs->ioapic_ret, ioapic_ret, sizeof(ioapic_ret));
	memcpy(obs->smc_ret, smc_ret, sizeof(smc_ret));
	memcpy(obs->tpr_ret, tpr_ret, sizeof(tpr_ret));
	memcpy(obs->fault_cr2, fault_cr2, sizeof(fault_cr2));
	memcpy(obs->fault_rip, fault_rip, sizeof(fault_rip));
	memcpy(obs->fault_err, fault_err, sizeof(fault_err));
	obs->nr_faults = nr_faults;
	memcpy(obs->user_ret, user_ret, sizeof(user_ret));
	kvm_vm_free(run->vm);
}

/* In scan and addr modes the module must have run what it should. */
static void check_blocks_ran(int mode, const struct kc_run *run)
{
	const char *name = kc_mode_names[mode];
	struct kc_stats zone, fault, smc, tpr, user;

	if (mode != KC_MODE_SCAN && mode != KC_MODE_ADDR)
		return;
	zone = kc_stage_delta(run, ST_ZONE);
	fault = kc_stage_delta(run, ST_FAULT);
	smc = kc_stage_delta(run, ST_SMC);
	tpr = kc_stage_delta(run, ST_TPR);
	user = kc_stage_delta(run, ST_USER);
	/* ZONE: 11 instructions from the exiting one, 4 MMIO, per call. */
	TEST_ASSERT(zone.insns == 11 * NR_CALLS && zone.io == 4 * NR_CALLS,
		    "mode %s: ZONE ran %lu instructions, %lu accesses", name,
		    zone.insns, zone.io);
	TEST_ASSERT(fault.stop_fault == NR_CALLS,
		    "mode %s: %lu blocks stopped at the unmapped store", name,
		    fault.stop_fault);
	TEST_ASSERT(smc.stop_code_write >= 1,
		    "mode %s: no block stopped after writing its code", name);
	TEST_ASSERT(tpr.stop_tpr == NR_CALLS,
		    "mode %s: %lu blocks stopped after a TPR write", name,
		    tpr.stop_tpr);
	/* USER: every userspace access by a block, which went on after it. */
	TEST_ASSERT(user.user_mmio == USER_ACCESSES * NR_CALLS &&
		    user.resumed == USER_ACCESSES * NR_CALLS,
		    "mode %s: %lu exits to userspace for MMIO, %lu resumed",
		    name, user.user_mmio, user.resumed);
}

/* Userspace saw what it saw with off, with the same registers. */
static void check_user(int mode, const struct run_obs *off,
		       const struct run_obs *obs)
{
	int i;

	TEST_ASSERT_EQ(obs->nr_user, off->nr_user);
	for (i = 0; i < off->nr_user; i++) {
		const struct user_access *a = &obs->user[i], *o = &off->user[i];

		TEST_ASSERT(a->gpa == o->gpa && a->len == o->len &&
			    a->write == o->write && a->data == o->data,
			    "mode %s, access %d: %s 0x%lx/%u data 0x%lx (off %s 0x%lx/%u 0x%lx)",
			    kc_mode_names[mode], i, a->write ? "write" : "read",
			    a->gpa, a->len, a->data, o->write ? "write" : "read",
			    o->gpa, o->len, o->data);
		TEST_ASSERT(!memcmp(&a->regs, &o->regs, sizeof(a->regs)),
			    "mode %s, access %d: registers differ from off (RIP 0x%llx, off 0x%llx)",
			    kc_mode_names[mode], i, a->regs.rip, o->regs.rip);
	}
	TEST_ASSERT(!memcmp(obs->user_ret, off->user_ret, sizeof(obs->user_ret)),
		    "mode %s: values loaded from userspace MMIO differ from off",
		    kc_mode_names[mode]);
}

static void check_mode(int mode, const struct run_obs *off,
		       const struct run_obs *obs)
{
	const char *name = kc_mode_names[mode];
	u64 exits;
	int stage, i;

	for (stage = ST_ZONE; stage < NR_STAGES; stage++) {
		exits = kc_stage_delta(&obs->run, stage).mmio_exits;
		TEST_ASSERT(exits == expected_exits[mode][stage],
			    "mode %s, stage %d: %lu MMIO exits, wanted %d", name,
			    stage, exits, expected_exits[mode][stage]);
	}
	kc_check_same_ring(&off->run, &obs->run);
	TEST_ASSERT(!memcmp(&obs->ioapic, &off->ioapic, sizeof(obs->ioapic)),
		    "mode %s: IOAPIC state differs from off", name);
	TEST_ASSERT(!memcmp(obs->ram, off->ram, sizeof(obs->ram)) && obs->dirty,
		    "mode %s: RAM 0x%x 0x%x (off 0x%x 0x%x), dirty %d", name,
		    obs->ram[0], obs->ram[1], off->ram[0], off->ram[1],
		    obs->dirty);
	TEST_ASSERT(!memcmp(obs->zone_ret, off->zone_ret, sizeof(obs->zone_ret)) &&
		    !memcmp(obs->ioapic_ret, off->ioapic_ret, sizeof(obs->ioapic_ret)) &&
		    !memcmp(obs->smc_ret, off->smc_ret, sizeof(obs->smc_ret)) &&
		    !memcmp(obs->tpr_ret, off->tpr_ret, sizeof(obs->tpr_ret)),
		    "mode %s: values computed differ from off", name);
	TEST_ASSERT_EQ(obs->nr_faults, off->nr_faults);
	for (i = 0; i < off->nr_faults; i++)
		TEST_ASSERT(obs->fault_cr2[i] == off->fault_cr2[i] &&
			    obs->fault_rip[i] == off->fault_rip[i] &&
			    obs->fault_err[i] == off->fault_err[i],
			    "mode %s: fault %d: CR2 0x%lx RIP 0x%lx error 0x%lx",
			    name, i, obs->fault_cr2[i], obs->fault_rip[i],
			    obs->fault_err[i]);
	check_user(mode, off, obs);
	check_blocks_ran(mode, &obs->run);
}

/* What stock KVM and the guest's CPU must have made of the routines. */
static void check_off(const struct run_obs *off)
{
	const struct kvm_ioapic_state *io = &off->ioapic;
	int i;

	TEST_ASSERT_EQ(kc_stage_ring(&off->run, ST_ZONE, NULL), 4 * NR_CALLS);
	TEST_ASSERT_EQ(kc_stage_ring(&off->run, ST_FAULT, NULL), 2 * NR_CALLS);
	TEST_ASSERT_EQ(kc_stage_ring(&off->run, ST_SMC, NULL), 2 * NR_CALLS);
	TEST_ASSERT_EQ(off->ram[0], 0x1000 + NR_CALLS - 1 + 3);
	TEST_ASSERT_EQ(off->ram[1], DATA_LOADED);
	TEST_ASSERT(off->dirty, "the guest's store did not dirty its page");
	TEST_ASSERT_EQ(io->redirtbl[2].bits, 0x0100000000010030ull + NR_CALLS - 1);
	TEST_ASSERT_EQ(io->redirtbl[3].bits, 0x0200000000010040ull + NR_CALLS - 1);
	for (i = 0; i < NR_CALLS; i++) {
		TEST_ASSERT_EQ(off->ioapic_ret[i], 0x10030 + i);
		TEST_ASSERT_EQ(off->smc_ret[i], SMC_IMM);
		/* The priority class at least is read back. */
		TEST_ASSERT_EQ(off->tpr_ret[i] & 0xf0, tpr_written[i] & 0xf0);
	}
	TEST_ASSERT_EQ(off->nr_user, USER_ACCESSES * NR_CALLS);
	for (i = 0; i < NR_CALLS; i++) {
		const u64 *ret = off->user_ret[i];

		TEST_ASSERT(off->user[USER_ACCESSES * i].write &&
			    off->user[USER_ACCESSES * i].data == 0x5eed,
			    "call %d: the store to userspace MMIO", i);
		TEST_ASSERT_EQ(ret[0], user_read_data(USER_GPA + KC_USER_Q, 8));
		TEST_ASSERT_EQ(ret[1], user_read_data(USER_GPA + KC_USER_B, 1));
		TEST_ASSERT_EQ(ret[2], (u64)(s16)user_read_data(USER_GPA + KC_USER_SW, 2));
		TEST_ASSERT_EQ(ret[3], ~0xffffull |
			       user_read_data(USER_GPA + KC_USER_W16, 2));
		TEST_ASSERT_EQ(ret[4], user_read_data(USER_GPA + KC_USER_D, 4));
	}
	TEST_ASSERT_EQ(off->nr_faults, NR_CALLS);
	for (i = 0; i < NR_CALLS; i++) {
		TEST_ASSERT_EQ(off->fault_cr2[i], i == 1 ? RO_GVA : BAD_GVA);
		TEST_ASSERT_EQ(off->fault_rip[i], (u64)kc_mmio_fault_store);
		/* A write; to a present page for the read-only one. */
		TEST_ASSERT_EQ(off->fault_err[i], i == 1 ?
			       PFERR_PRESENT_MASK | PFERR_WRITE_MASK :
			       PFERR_WRITE_MASK);
	}
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
			  "MMIO blocks and exits as with off");
}
