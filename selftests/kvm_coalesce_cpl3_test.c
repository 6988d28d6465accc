// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O at CPL 3, and what privilege must make a block stop, in each
 * mode.
 *
 * The selftest library runs guests at CPL 0 only, so the test gives the
 * guest a user mode: 64-bit user code and data segments (DPL 3) in the
 * library's GDT, U/S set at every level of the page tables of the user
 * routines' pages, their stack and a data page, an RSP0 in the TSS for
 * exceptions taken at CPL 3, a DPL 3 interrupt gate to come back, and
 * IRETQ to go there (kc_cpl3_io.S).  Each routine is called twice:
 *
 *  IOPL3     OUT, OUT, IN at CPL 3 with IOPL 3: coalesced as at CPL 0;
 *  NOBITMAP  the same with IOPL 0 and no I/O bitmap in the TSS: every
 *            IN and OUT raises #GP before any exit, the module sees none;
 *  BITMAP    IOPL 0, a TSS I/O bitmap that allows the zone's port and the
 *            8259's IMR but not a third port: OUT, OUT, OUT to the
 *            denied port, IN.  Each I/O the bitmap allows exits; a block
 *            must stop before any IN or OUT after its first (the CPU,
 *            not the module, checks the bitmap: stop_iopl), and the
 *            guest's CPU raises the #GP at the denied OUT;
 *  USER_PF   IOPL 3: OUT, a store to the user data page (the module runs
 *            it), OUT, a store to a supervisor page (the block stops, the
 *            CPU raises the #PF with U/S in its error code), OUT;
 *  SMAP      at CPL 0 with CR4.SMAP and CR4.SMEP: OUT, a store to the
 *            user page (the block stops, the CPU raises the #PF), OUT;
 *            then with RFLAGS.AC set (STAC), OUT, the same store (now
 *            allowed, the module runs it), OUT.  Skipped if the vCPU has
 *            no SMAP or SMEP.
 *
 * KVM's I/O exits per stage must be those of the mode's flow chart; the
 * faults the guest records (vector, RIP, error code, CR2), the routines'
 * results, the user page and the zone's ring must equal mode=off's; the
 * module's counters must show the blocks that stopped, and why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "kc_cpl3_io.h"
#include "kc_util.h"

#define NR_CALLS	2
#define MAX_FAULTS	32

#define RFLAGS_FIXED	0x2ul
#define RFLAGS_IOPL3	(3ul << 12)

/* GDT descriptors of Linux's __USER_DS and __USER_CS (64-bit, DPL 3). */
#define USER_DS_DESC	0x00cff3000000ffffull
#define USER_CS_DESC	0x00affb000000ffffull

/* The TSS: RSP0, the I/O map base, and the bitmap right after the TSS. */
#define TSS_RSP0	0x04
#define TSS_IOPB	0x66
#define TSS_BITMAP	0x68
#define TSS_BITMAP_LEN	33	/* ports 0-255, and the byte the CPU reads past */
#define TSS_LIMIT	(TSS_BITMAP + TSS_BITMAP_LEN - 1)
#define TSS_NO_BITMAP	0xffff	/* beyond the limit: I/O at CPL > IOPL faults */
#define TSS_TYPE_AVAIL	0x9

#define PFERR_P		BIT(0)
#define PFERR_W		BIT(1)
#define PFERR_U		BIT(2)

enum {
	ST_START, ST_IOPL3, ST_NOBITMAP, ST_BITMAP, ST_USER_PF, ST_SMAP,
	NR_STAGES
};

static const char * const stage_names[NR_STAGES] = {
	"START", "IOPL3", "NOBITMAP", "BITMAP", "USER_PF", "SMAP",
};

/* KVM's I/O exits per stage, besides the ucall (two calls each). */
static const int expected_exits[KC_NR_MODES][NR_STAGES] = {
	/*
	 * confirm: at the first call each access runs alone (first
	 * sightings of each block); BITMAP: every allowed I/O exits in
	 * every mode, as the block stops at the next; SMAP: STAC ... CLAC
	 * runs as one block.
	 */
	/*           IOPL3 NOBITMAP BITMAP USER_PF SMAP */
	[KC_MODE_OFF]     = { 0, 6, 0, 6, 6, 8 },
	[KC_MODE_SCAN]    = { 0, 2, 0, 6, 4, 6 },
	[KC_MODE_CONFIRM] = { 0, 4, 0, 6, 5, 7 },
	[KC_MODE_ADDR]    = { 0, 2, 0, 6, 4, 6 },
};

struct fault {
	u64 stage, vector, rip, err, cr2;
};

struct guest_obs {
	struct fault faults[MAX_FAULTS];
	int nr_faults;
	u32 ret[NR_STAGES][NR_CALLS];
};

/* Guest side. */
static struct guest_obs g;
static int g_stage;
u64 kc_user_rsp;
u32 kc_kernel_word;

/* The length of the instruction a handler skips: the routines' faults. */
static u64 fault_insn_len(u64 rip)
{
	if (rip == (u64)kc_user_io_out1 || rip == (u64)kc_user_io_out2 ||
	    rip == (u64)kc_user_io_in || rip == (u64)kc_user_bitmap_gp)
		return 2;			/* IN/OUT imm8 */
	if (rip == (u64)kc_smap_store_pf)
		return 6;			/* c7 06 imm32 */
	if (rip == (u64)kc_user_store_pf)
		return 10;			/* c7 05 disp32 imm32 */
	GUEST_FAIL("fault at unexpected RIP 0x%lx", rip);
	return 0;
}

static void record_fault(struct ex_regs *regs, u64 cr2)
{
	struct fault *f = &g.faults[g.nr_faults];

	GUEST_ASSERT(g.nr_faults < MAX_FAULTS);
	f->stage = g_stage;
	f->vector = regs->vector;
	f->rip = regs->rip;
	f->err = regs->error_code;
	f->cr2 = cr2;
	g.nr_faults++;
	regs->rip += fault_insn_len(regs->rip);
}

static void guest_gp(struct ex_regs *regs)
{
	record_fault(regs, 0);
}

static void guest_pf(struct ex_regs *regs)
{
	u64 cr2;

	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	record_fault(regs, cr2);
}

static void guest_user_stages(u32 *user_data)
{
	int i;

	g_stage = ST_IOPL3;
	for (i = 0; i < NR_CALLS; i++)
		g.ret[ST_IOPL3][i] = kc_user_call(0x10 + i, 0, kc_user_io,
						  RFLAGS_FIXED | RFLAGS_IOPL3);
	GUEST_SYNC(ST_IOPL3);

	g_stage = ST_NOBITMAP;
	for (i = 0; i < NR_CALLS; i++)
		g.ret[ST_NOBITMAP][i] = kc_user_call(0x20 + i, 0, kc_user_io,
						     RFLAGS_FIXED);
	GUEST_SYNC(ST_NOBITMAP);

	/* The host has put the I/O bitmap in the TSS. */
	g_stage = ST_BITMAP;
	for (i = 0; i < NR_CALLS; i++)
		g.ret[ST_BITMAP][i] = kc_user_call(0x30 + i, 0, kc_user_bitmap,
						   RFLAGS_FIXED);
	GUEST_SYNC(ST_BITMAP);

	g_stage = ST_USER_PF;
	for (i = 0; i < NR_CALLS; i++)
		g.ret[ST_USER_PF][i] = kc_user_call(0x40 + i, (u64)&user_data[i],
						    kc_user_store,
						    RFLAGS_FIXED | RFLAGS_IOPL3);
	GUEST_SYNC(ST_USER_PF);
}

static void guest_code(u32 *user_data, bool smap)
{
	u64 cr4;
	int i;

	/*
	 * Reload TR from the GDT descriptor the host made available: the
	 * TSS's new limit, which covers the I/O bitmap, and a task register
	 * the CPU itself marked busy.
	 */
	asm volatile("ltr %w0" : : "r"(KC_KERNEL_TSS));
	/* A known value for the user routines to read back. */
	asm volatile("outb %%al, %0" : : "i"(KC_CPL3_PIC_PORT), "a"(0xa5));
	GUEST_SYNC(ST_START);

	guest_user_stages(user_data);

	g_stage = ST_SMAP;
	if (smap) {
		cr4 = get_cr4();
		set_cr4(cr4 | X86_CR4_SMAP | X86_CR4_SMEP);
		for (i = 0; i < NR_CALLS; i++)
			kc_smap_store(0x50 + i, &user_data[2 + i]);
		for (i = 0; i < NR_CALLS; i++)
			kc_smap_ac_store(0x60 + i, &user_data[4 + i]);
		set_cr4(cr4);
	}
	GUEST_SYNC(ST_SMAP);
	GUEST_DONE();
}

/* Host side. */
struct run_obs {
	struct kc_run run;
	u64 data_gva;		/* the user data page */
	u32 user_data[6];
	u32 kernel_word;
	struct guest_obs guest;
};

/* Set U/S at every level of the page tables that map @gva. */
static void set_user_page(struct kvm_vm *vm, u64 gva)
{
	int level;

	for (level = PG_LEVEL_512G; level >= PG_LEVEL_4K; level--) {
		int want = level;
		u64 *pte = __vm_get_page_table_entry(vm, gva, &want);

		TEST_ASSERT(want == level && (*pte & PTE_PRESENT_MASK),
			    "gva 0x%lx: no level %d entry", gva, level);
		*pte |= PTE_USER_MASK;
	}
}

static void setup_gdt_idt(struct kvm_vm *vm)
{
	u64 *gdt = addr_gva2hva(vm, vm->arch.gdt);
	struct desc64 *tss = addr_gva2hva(vm, vm->arch.gdt + KC_KERNEL_TSS);
	struct idt_entry *idt = addr_gva2hva(vm, vm->arch.idt);
	struct idt_entry *e = &idt[KC_USER_RET_VECTOR];
	u64 handler = (u64)kc_user_return;

	gdt[KC_USER_DS >> 3] = USER_DS_DESC;
	gdt[KC_USER_CS >> 3] = USER_CS_DESC;
	/* Available, for the guest's LTR, with room for the I/O bitmap. */
	tss->type = TSS_TYPE_AVAIL;
	tss->limit0 = TSS_LIMIT;
	tss->limit1 = 0;
	tss->g = 0;

	memset(e, 0, sizeof(*e));
	e->offset0 = handler;
	e->offset1 = handler >> 16;
	e->offset2 = handler >> 32;
	e->selector = 0x8;	/* the library's code segment */
	e->type = 14;		/* interrupt gate: IF clear in the handler */
	e->dpl = 3;
	e->p = 1;
}

/* The TSS's RSP0, and the bitmap, absent until set_io_bitmap(). */
static void setup_tss(struct kvm_vm *vm)
{
	u8 *tss = addr_gva2hva(vm, vm->arch.tss);
	u64 rsp0 = vm_vaddr_alloc(vm, 2 * PAGE_SIZE, 0x10000) + 2 * PAGE_SIZE;
	u8 *bitmap = tss + TSS_BITMAP;

	memcpy(tss + TSS_RSP0, &rsp0, sizeof(rsp0));
	*(u16 *)(tss + TSS_IOPB) = TSS_NO_BITMAP;
	memset(bitmap, 0xff, TSS_BITMAP_LEN);
	bitmap[KC_CPL3_PORT / 8] &= ~BIT(KC_CPL3_PORT % 8);
	bitmap[KC_CPL3_PIC_PORT / 8] &= ~BIT(KC_CPL3_PIC_PORT % 8);
}

static void set_io_bitmap(struct kvm_vm *vm, bool present)
{
	u8 *tss = addr_gva2hva(vm, vm->arch.tss);

	*(u16 *)(tss + TSS_IOPB) = present ? TSS_BITMAP : TSS_NO_BITMAP;
}

/* The user routines' pages, their stack and data page: U/S. */
static u64 setup_user_pages(struct kvm_vm *vm)
{
	u64 stack = vm_vaddr_alloc_page(vm);
	u64 data = vm_vaddr_alloc_page(vm);
	u64 p;

	for (p = (u64)kc_user_begin; p < (u64)kc_user_end; p += PAGE_SIZE)
		set_user_page(vm, p);
	set_user_page(vm, stack);
	set_user_page(vm, data);
	kc_user_rsp = stack + PAGE_SIZE;
	sync_global_to_guest(vm, kc_user_rsp);
	return data;
}

static bool vcpu_has_smap(void)
{
	return kvm_cpu_has(X86_FEATURE_SMAP) && kvm_cpu_has(X86_FEATURE_SMEP);
}

static void create_vm(struct kc_run *run, u64 *data)
{
	kc_run_create(run, guest_code);
	vm_install_exception_handler(run->vm, GP_VECTOR, guest_gp);
	vm_install_exception_handler(run->vm, PF_VECTOR, guest_pf);
	kc_run_zone(run, KC_CPL3_PORT, 1, true);
	setup_gdt_idt(run->vm);
	setup_tss(run->vm);
	*data = setup_user_pages(run->vm);
	vcpu_args_set(run->vcpu, 2, *data, vcpu_has_smap());
}

static void run_mode(int mode, struct run_obs *obs)
{
	struct kc_run *run = &obs->run;

	create_vm(run, &obs->data_gva);
	kc_run_start(run, mode);
	while (run->stage < NR_STAGES - 1) {
		set_io_bitmap(run->vm, run->stage + 1 == ST_BITMAP);
		kc_run_stage(run);
	}
	kc_run_done(run);
	sync_global_from_guest(run->vm, g);
	obs->guest = g;
	memcpy(obs->user_data, addr_gva2hva(run->vm, obs->data_gva),
	       sizeof(obs->user_data));
	sync_global_from_guest(run->vm, kc_kernel_word);
	obs->kernel_word = kc_kernel_word;
	kvm_vm_free(run->vm);
}

/* Blocks that stop for a reason run from their second sighting in confirm. */
static u64 stopped_blocks(int mode, int per_call)
{
	return per_call * (mode == KC_MODE_CONFIRM ? NR_CALLS - 1 : NR_CALLS);
}

/* Why the module did what it did, from its counters. */
static void check_counters(int mode, const struct run_obs *obs, bool smap)
{
	const char *name = kc_mode_names[mode];
	struct kc_stats iopl3, nobitmap, bitmap, user_pf, sm;

	if (mode == KC_MODE_OFF)
		return;
	iopl3 = kc_stage_delta(&obs->run, ST_IOPL3);
	nobitmap = kc_stage_delta(&obs->run, ST_NOBITMAP);
	bitmap = kc_stage_delta(&obs->run, ST_BITMAP);
	user_pf = kc_stage_delta(&obs->run, ST_USER_PF);
	sm = kc_stage_delta(&obs->run, ST_SMAP);

	/* IOPL 3: every access ran in the module, nothing stopped a block. */
	TEST_ASSERT(iopl3.io == 3 * NR_CALLS && !iopl3.stop_iopl &&
		    iopl3.blocks == stopped_blocks(mode, 1),
		    "mode %s: IOPL3 io %lu, stop_iopl %lu, blocks %lu", name,
		    iopl3.io, iopl3.stop_iopl, iopl3.blocks);
	/* No bitmap: the CPU faulted first; the module saw the ucall only. */
	TEST_ASSERT(nobitmap.pio_exits == 1 && !nobitmap.io &&
		    !nobitmap.stop_iopl,
		    "mode %s: NOBITMAP pio_exits %lu, io %lu, stop_iopl %lu",
		    name, nobitmap.pio_exits, nobitmap.io, nobitmap.stop_iopl);
	/*
	 * Bitmap: the blocks of both allowed OUTs stop at the next I/O
	 * instruction, the CPL being above IOPL; every access the CPU
	 * allowed ran in the module, but the last, a lone OUT, which
	 * after the first call scan and addr leave to KVM as known
	 * singular.
	 */
	TEST_ASSERT(bitmap.stop_iopl == stopped_blocks(mode, 2) &&
		    bitmap.rip_known ==
		    kc_rip_known_exits(mode, NR_CALLS - 1) &&
		    bitmap.io + bitmap.rip_known == 3 * NR_CALLS &&
		    bitmap.handled + bitmap.rip_known == 3 * NR_CALLS,
		    "mode %s: BITMAP stop_iopl %lu, rip_known %lu, io %lu, handled %lu",
		    name, bitmap.stop_iopl, bitmap.rip_known, bitmap.io,
		    bitmap.handled);
	/* As above, the OUT after the fault alone after the first call. */
	TEST_ASSERT(user_pf.stop_fault == stopped_blocks(mode, 1) &&
		    user_pf.rip_known ==
		    kc_rip_known_exits(mode, NR_CALLS - 1) &&
		    user_pf.io + user_pf.rip_known == 3 * NR_CALLS,
		    "mode %s: USER_PF stop_fault %lu, rip_known %lu, io %lu",
		    name, user_pf.stop_fault, user_pf.rip_known,
		    user_pf.io);
	if (smap)
		TEST_ASSERT(sm.stop_fault == stopped_blocks(mode, 1) &&
			    sm.rip_known ==
			    kc_rip_known_exits(mode, NR_CALLS - 1) &&
			    sm.io + sm.rip_known == 4 * NR_CALLS,
			    "mode %s: SMAP stop_fault %lu, rip_known %lu, io %lu",
			    name, sm.stop_fault, sm.rip_known, sm.io);
}

static void check_mode(int mode, const struct run_obs *off,
		       const struct run_obs *obs, bool smap)
{
	const struct guest_obs *a = &off->guest, *b = &obs->guest;
	const char *name = kc_mode_names[mode];
	int want[NR_STAGES];

	memcpy(want, expected_exits[mode], sizeof(want));
	if (!smap)
		want[ST_SMAP] = 0;
	kc_check_exits(&obs->run, want, NR_STAGES);
	kc_check_same_ring(&off->run, &obs->run);
	TEST_ASSERT(b->nr_faults == a->nr_faults &&
		    !memcmp(b->faults, a->faults, sizeof(a->faults)),
		    "mode %s: %d faults (off %d), or other vectors, RIPs, error codes or CR2",
		    name, b->nr_faults, a->nr_faults);
	TEST_ASSERT(!memcmp(b->ret, a->ret, sizeof(a->ret)),
		    "mode %s: routines' results differ from off", name);
	TEST_ASSERT(!memcmp(obs->user_data, off->user_data,
			    sizeof(obs->user_data)) &&
		    obs->kernel_word == off->kernel_word,
		    "mode %s: user or supervisor data differ from off", name);
	check_counters(mode, obs, smap);
}

static void check_fault(const struct fault *f, int stage, int vector,
			void *rip, u64 err, u64 cr2)
{
	TEST_ASSERT(f->stage == stage && f->vector == vector &&
		    f->rip == (u64)rip && f->err == err && f->cr2 == cr2,
		    "off: fault %lu at 0x%lx, error 0x%lx, CR2 0x%lx in stage %lu; wanted %d at %p, 0x%lx, 0x%lx in %s",
		    f->vector, f->rip, f->err, f->cr2, f->stage, vector, rip,
		    err, cr2, stage_names[stage]);
}

/* What the guest's CPU must have done without the module. */
static void check_off(const struct run_obs *off, bool smap)
{
	u64 data = off->data_gva;
	const struct guest_obs *o = &off->guest;
	const struct fault *f = o->faults;
	int i;

	TEST_ASSERT_EQ(o->nr_faults, (3 + 1 + 1 + smap) * NR_CALLS);
	for (i = 0; i < NR_CALLS; i++) {
		check_fault(f++, ST_NOBITMAP, GP_VECTOR, kc_user_io_out1, 0, 0);
		check_fault(f++, ST_NOBITMAP, GP_VECTOR, kc_user_io_out2, 0, 0);
		check_fault(f++, ST_NOBITMAP, GP_VECTOR, kc_user_io_in, 0, 0);
	}
	for (i = 0; i < NR_CALLS; i++)
		check_fault(f++, ST_BITMAP, GP_VECTOR, kc_user_bitmap_gp, 0, 0);
	for (i = 0; i < NR_CALLS; i++)
		check_fault(f++, ST_USER_PF, PF_VECTOR, kc_user_store_pf,
			    PFERR_P | PFERR_W | PFERR_U, (u64)&kc_kernel_word);
	for (i = 0; smap && i < NR_CALLS; i++)
		check_fault(f++, ST_SMAP, PF_VECTOR, kc_smap_store_pf,
			    PFERR_P | PFERR_W, data + (2 + i) * 4);

	for (i = 0; i < NR_CALLS; i++) {
		TEST_ASSERT_EQ(o->ret[ST_IOPL3][i], (0x10 + i + 1) << 8 | 0xa5);
		TEST_ASSERT_EQ(o->ret[ST_BITMAP][i], (0x30 + i + 3) << 8 | 0xa5);
		TEST_ASSERT_EQ(off->user_data[i], 0x40 + i);
		TEST_ASSERT_EQ(off->user_data[2 + i], 0);
		TEST_ASSERT_EQ(off->user_data[4 + i], smap ? 0x60 + i + 1 : 0);
	}
	TEST_ASSERT_EQ(off->kernel_word, 0);
	TEST_ASSERT_EQ(kc_stage_ring(&off->run, ST_IOPL3, NULL), 2 * NR_CALLS);
	TEST_ASSERT_EQ(kc_stage_ring(&off->run, ST_NOBITMAP, NULL), 0);
	TEST_ASSERT_EQ(kc_stage_ring(&off->run, ST_BITMAP, NULL), 2 * NR_CALLS);
	TEST_ASSERT_EQ(kc_stage_ring(&off->run, ST_USER_PF, NULL), 3 * NR_CALLS);
	TEST_ASSERT_EQ(kc_stage_ring(&off->run, ST_SMAP, NULL), smap ? 4 * NR_CALLS : 0);
}

static void test_mode(int mode, void *arg)
{
	bool smap = vcpu_has_smap();
	struct run_obs *obs = arg;

	run_mode(mode, &obs[mode]);
	if (mode == KC_MODE_OFF)
		check_off(&obs[KC_MODE_OFF], smap);
	check_mode(mode, &obs[KC_MODE_OFF], &obs[mode], smap);
}

int main(int argc, char *argv[])
{
	struct run_obs *obs;

	TEST_REQUIRE(kvm_has_cap(KVM_CAP_COALESCED_PIO));
	kc_module_ensure_loaded();
	obs = calloc(KC_NR_MODES, sizeof(*obs));
	TEST_ASSERT(obs, "calloc");

	ksft_print_header();
	ksft_set_plan(KC_NR_MODES + 1);
	kc_each_mode(test_mode, obs, "CPL 3, IOPL, I/O bitmap, U/S as off");
	if (vcpu_has_smap())
		ksft_test_result_pass("SMAP and SMEP stage ran in every mode\n");
	else
		ksft_test_result_skip("SMAP and SMEP: the vCPU has neither or one\n");
	free(obs);
	ksft_finished();
}
