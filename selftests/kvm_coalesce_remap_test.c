// SPDX-License-Identifier: GPL-2.0
/*
 * The code at one linear address, reached through a translation that
 * changes under the module's cache of it (kvm_coalesce/fetch.c), in each
 * mode.
 *
 * The guest calls a block of kc_remap_io.S (variant A or B: OUTs to a
 * coalesced PIO zone, a write and read-back of the 8259's IMR; the same
 * exiting OUT, other values after it) at CODE_VA three times per stage.
 * Between stages the host changes what CODE_VA leads to, one input of
 * the translation at a time:
 *
 *   1  CODE_VA maps a page of a memslot of its own, variant A
 *   2  the memslot re-registered at the same address with other host
 *      memory, variant B (the old memory, with A, stays mapped)
 *   3  the guest's page table entry of CODE_VA changed to a page with A
 *   4  CR3 switched to a copy of the page tables in which CODE_VA maps a
 *      page with B
 *   5  CR3 switched back: A
 *
 * Every stage must show exactly its variant's accesses in the zone and
 * its IMR value, never the previous translation's, in every mode, with
 * each mode's exits; and in every mode but off, each stage's first
 * translation of CODE_VA must miss the vCPU's cached translation and the
 * others hit it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "kc_remap_io.h"
#include "kc_util.h"

#define NR_STAGES	5
#define NR_CALLS	3
#define CODE_VA		0x40000000ul	/* unused by the selftest library */
#define SLOT_GPA	0x30000000ul	/* the memslot of stages 1 and 2 */
#define SLOT		10

/* Which variant each stage runs: A (0) or B (1). */
static const int stage_variant[NR_STAGES + 1] = { 0, 0, 1, 0, 1, 0 };

struct variant {
	u8 port0;		/* first OUT: port and value */
	u8 data0;
	u8 data1;		/* second OUT, to KC_REMAP_ZONE + 2 */
	u8 imr;			/* written to the 8259 and read back */
};

static const struct variant variants[2] = {
	{ KC_REMAP_ZONE, 0xa0, 0xa1, 0xa2 },
	{ KC_REMAP_ZONE, 0xb0, 0xb1, 0xb2 },
};

/*
 * KVM's I/O exits per stage, besides its ucall: off, four per call; addr,
 * one per call (a changed block is scanned again at once); scan, as addr
 * but where the code at a known address changed (stage 2): the stale
 * block runs its exiting OUT only and the rest exits once more; confirm,
 * every block new at its address (stages 1, 3, 4) runs from its second
 * sighting, and at stage 2 the blocks after the first OUT are the same.
 */
static const int expected_exits[KC_NR_MODES][NR_STAGES + 1] = {
	/*                 -  1   2   3   4   5 */
	[KC_MODE_OFF]     = { 0, 12, 12, 12, 12, 12 },
	[KC_MODE_SCAN]    = { 0,  3,  4,  3,  3,  3 },
	[KC_MODE_CONFIRM] = { 0,  6,  4,  6,  6,  3 },
	[KC_MODE_ADDR]    = { 0,  3,  3,  3,  3,  3 },
};

/* Guest side: CR3 to load before a stage's calls, 0 for none. */
static u64 stage_cr3[NR_STAGES + 1];
static u32 imr_read[NR_STAGES + 1][NR_CALLS];

static void guest_code(void)
{
	u32 (*block)(void) = (void *)CODE_VA;
	int stage, i;

	GUEST_SYNC(0);
	for (stage = 1; stage <= NR_STAGES; stage++) {
		if (READ_ONCE(stage_cr3[stage]))
			asm volatile("mov %0, %%cr3"
				     : : "r"(READ_ONCE(stage_cr3[stage]))
				     : "memory");
		asm volatile("invlpg (%0)" : : "r"(CODE_VA) : "memory");
		for (i = 0; i < NR_CALLS; i++)
			imr_read[stage][i] = block();
		GUEST_SYNC(stage);
	}
	GUEST_DONE();
}

/* Host side. */
struct run_obs {
	struct kc_run run;
	u32 imr_read[NR_STAGES + 1][NR_CALLS];
};

static const u8 *variant_code(int v)
{
	return v ? kc_remap_variant_b : kc_remap_variant_a;
}

static size_t variant_len(void)
{
	return kc_remap_variant_b - kc_remap_variant_a;
}

/* A page of the VM's memory holding variant @v; its guest address. */
static u64 page_with(struct kvm_vm *vm, int v)
{
	u64 gpa = addr_gva2gpa(vm, vm_vaddr_alloc_page(vm));

	memcpy(addr_gpa2hva(vm, gpa), variant_code(v), variant_len());
	return gpa;
}

/* Host memory for the memslot, holding variant @v. */
static void *host_page_with(int v)
{
	void *p = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(p != MAP_FAILED, "mmap");
	memcpy(p, variant_code(v), variant_len());
	return p;
}

/* Point the guest's page table entry of CODE_VA at @gpa. */
static void map_code(struct kvm_vm *vm, u64 gpa)
{
	u64 *pte = vm_get_page_table_entry(vm, CODE_VA);

	*pte = (*pte & ~PHYSICAL_PAGE_MASK) | gpa;
}

/*
 * A copy of the guest's page tables in which CODE_VA maps @gpa: the
 * tables on CODE_VA's path copied, the others shared.  Its root.
 */
static u64 tables_mapping_code(struct kvm_vm *vm, u64 gpa)
{
	u64 root = vm_alloc_page_table(vm), table = root, old = vm->pgd;
	u64 *src, *dst;
	int level, idx;

	TEST_ASSERT_EQ(vm->pgtable_levels, 4);
	for (level = 4; level >= 1; level--) {
		src = addr_gpa2hva(vm, old);
		dst = addr_gpa2hva(vm, table);
		idx = (CODE_VA >> (12 + 9 * (level - 1))) & 511;
		memcpy(dst, src, getpagesize());
		if (level == 1) {
			dst[idx] = (src[idx] & ~PHYSICAL_PAGE_MASK) | gpa;
			break;
		}
		old = PTE_GET_PA(src[idx]);
		table = vm_alloc_page_table(vm);
		dst[idx] = (src[idx] & ~PHYSICAL_PAGE_MASK) | table;
	}
	return root;
}

/* The memslot of CODE_VA's first page: @hva's page, or none. */
static void set_slot(struct kvm_vm *vm, void *hva)
{
	int r = __vm_set_user_memory_region(vm, SLOT, 0, SLOT_GPA,
					    hva ? getpagesize() : 0, hva);

	TEST_ASSERT(!r, "KVM_SET_USER_MEMORY_REGION: %d", r);
}

static void run_mode(int mode, struct run_obs *obs)
{
	struct kc_run *run = &obs->run;
	void *slot_a = host_page_with(0), *slot_b = host_page_with(1);
	u64 page_a, page_b;

	memset(obs, 0, sizeof(*obs));
	kc_run_create(run, guest_code);
	kc_run_zone(run, KC_REMAP_ZONE, KC_REMAP_ZONE_LEN, true);
	page_a = page_with(run->vm, 0);
	page_b = page_with(run->vm, 1);
	/* CODE_VA's page table entry, then the memslot it maps. */
	virt_pg_map(run->vm, CODE_VA, page_a);
	set_slot(run->vm, slot_a);
	map_code(run->vm, SLOT_GPA);
	stage_cr3[4] = tables_mapping_code(run->vm, page_b);
	stage_cr3[5] = run->vm->pgd;
	sync_global_to_guest(run->vm, stage_cr3);

	kc_run_start(run, mode);
	kc_run_stage(run);			/* 1 */
	set_slot(run->vm, NULL);		/* deleted... */
	set_slot(run->vm, slot_b);		/* ... and back, elsewhere */
	kc_run_stage(run);			/* 2 */
	map_code(run->vm, page_a);
	kc_run_stage(run);			/* 3 */
	kc_run_stage(run);			/* 4 */
	kc_run_stage(run);			/* 5 */
	kc_run_done(run);

	sync_global_from_guest(run->vm, imr_read);
	memcpy(obs->imr_read, imr_read, sizeof(imr_read));
	kvm_vm_free(run->vm);
	munmap(slot_a, getpagesize());
	munmap(slot_b, getpagesize());
}

/* Each stage's calls left exactly its variant's OUTs in the ring. */
static void check_ring(int mode, const struct kc_run *run, int stage)
{
	const struct variant *v = &variants[stage_variant[stage]];
	const struct kvm_coalesced_mmio *e;
	int i, n;

	n = kc_stage_ring(run, stage, &e);
	TEST_ASSERT(n == NR_CALLS * 2, "mode %s, stage %d: %d ring entries",
		    kc_mode_names[mode], stage, n);
	for (i = 0; i < n; i++) {
		u64 port = i & 1 ? KC_REMAP_ZONE + 2 : v->port0;
		u8 data = i & 1 ? v->data1 : v->data0;

		TEST_ASSERT(e[i].pio && e[i].phys_addr == port &&
			    e[i].data[0] == data,
			    "mode %s, stage %d, entry %d: port 0x%llx data 0x%x, wanted port 0x%lx data 0x%x",
			    kc_mode_names[mode], stage, i, e[i].phys_addr,
			    e[i].data[0], port, data);
	}
}

static void check_mode(int mode, const struct run_obs *obs)
{
	const char *name = kc_mode_names[mode];
	struct kc_stats d;
	int stage, i;

	for (stage = 1; stage <= NR_STAGES; stage++) {
		u8 imr = variants[stage_variant[stage]].imr;

		check_ring(mode, &obs->run, stage);
		for (i = 0; i < NR_CALLS; i++)
			TEST_ASSERT(obs->imr_read[stage][i] == imr,
				    "mode %s, stage %d, call %d: read 0x%x, wanted 0x%x",
				    name, stage, i, obs->imr_read[stage][i], imr);
	}
	kc_check_exits(&obs->run, expected_exits[mode], NR_STAGES + 1);
	if (mode == KC_MODE_OFF)
		return;
	for (stage = 1; stage <= NR_STAGES; stage++) {
		d = kc_stage_delta(&obs->run, stage);
		/* The stage's first translation of CODE_VA, and only it. */
		TEST_ASSERT(d.code_tlb_misses == 1,
			    "mode %s, stage %d: %lu code translations missed, %lu hit",
			    name, stage, d.code_tlb_misses, d.code_tlb_hits);
		TEST_ASSERT_EQ(d.code_tlb_hits,
			       expected_exits[mode][stage] - 1);
	}
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
			  "each changed translation ran the code it leads to");
}
