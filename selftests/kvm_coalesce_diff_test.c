// SPDX-License-Identifier: GPL-2.0
/*
 * Differential test of the block executor: random blocks (kc_diff_gen.c)
 * run on the guest's CPU (mode=off, the reference) and through the module
 * in scan, confirm and addr modes; everything the guest or userspace can
 * see must be the same.
 *
 * One VM per mode, all with the same memory layout, in-kernel 8259 and
 * coalesced PIO zone.  Each block is copied to a fresh 256-byte slot of
 * guest code in every VM.  The reference runs it once, single-stepped,
 * so that the path it took is known.  Every other mode runs it twice
 * from the same registers and the same 8259 state (restored before the
 * second run): the first run is the block's first sighting (scan and
 * addr scan it, confirm runs only the exiting instruction and leaves the
 * rest to the CPU), the second runs it from the table (scan compares the
 * hash, addr only the code, confirm runs it whole).  The blocks' memory
 * operands, and their INS and OUTS, all address a scratch buffer of
 * guest RAM, which every run starts with the block's initial contents.
 * After each run, compared with the reference: the 16 GPRs, RIP, all of
 * RFLAGS (undefined flags included: the module runs each operation as
 * the same instruction on the CPU), the coalesced ring (port, size, data,
 * in order), the state of both 8259s, which the blocks write and read,
 * and the whole scratch buffer.
 *
 * From the reference's paths, the module's counters in each mode must
 * be exactly what executing every block in the module gives (blocks,
 * instructions, I/O, exits), so the test cannot pass by the module
 * declining the blocks.
 *
 * Usage: kvm_coalesce_diff_test [-s SEED|random] [-n BLOCKS] [-f FIRST]
 * [-m MEM%] [-S STRING%] (or KC_DIFF_SEED, KC_DIFF_BLOCKS, KC_DIFF_MEM,
 * KC_DIFF_STRING); -m 0 -S 0 makes the register-only blocks of before
 * memory operands, -S 0 the blocks of before string I/O.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"

#include "kc_diff_gen.h"
#include "kc_util.h"

#define DT_DEFAULT_SEED		1
#define DT_DEFAULT_BLOCKS	5000
#define DT_RUNS			2	/* in each mode but off */
#define DT_SLOT_SIZE		256
/* A slot is reused only after the table (4096 blocks) forgot it. */
#define DT_NR_SLOTS		8192
#define DT_CODE_PAGES		(DT_NR_SLOTS * DT_SLOT_SIZE / 4096)
/* The slots, in a memory slot of their own, mapped at the same address. */
#define DT_CODE_GPA		0x40000000ull
#define DT_CODE_MEMSLOT		1
/*
 * The scratch buffer, after the slots, also identity-mapped: within a
 * disp32 of the code for RIP-relative operands, and below 2 GiB for
 * absolute ones.
 */
#define DT_SCRATCH_GPA		(DT_CODE_GPA + DT_CODE_PAGES * 4096ull)
#define DT_SCRATCH_MEMSLOT	2
#define DT_MAX_RING		64
/* Runs of differing scratch bytes printed for a mismatch. */
#define DT_MAX_MEM_LINES	16

struct dt_vm {
	int mode;
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	vm_vaddr_t code;		/* DT_NR_SLOTS slots */
	u8 *scratch;			/* host view of the scratch buffer */
	struct kc_stats start;		/* counters before the first block */
	struct kvm_pic_state pic[2];	/* the 8259s after the last run */
};

/* What one run of a block left. */
struct dt_obs {
	struct kvm_regs regs;
	int nr_ring;
	struct kvm_coalesced_mmio ring[DT_MAX_RING];
	struct kvm_pic_state pic[2];
	u8 mem[DG_SCRATCH_SIZE];
	/* Reference only: the instructions run before the final OUT. */
	int nr_steps;
	int path[DG_MAX_INSNS];
	int nr_io;
	int nr_string;
	int nr_mem;
};

/* The reference's paths, summed over all blocks. */
struct dt_totals {
	u64 blocks;
	u64 first_string;	/* blocks that start with INS or OUTS */
	u64 steps;	/* instructions before the final OUT */
	u64 io;		/* ... of which IN, OUT, INS or OUTS */
	u64 string;	/* ... of which INS or OUTS */
	u64 mem;	/* ... with a memory operand or LEA */
};

static u64 *dt_gpr(struct kvm_regs *r, int i)
{
	u64 *const gprs[DG_NR_GPRS] = {
		(u64 *)&r->rax, (u64 *)&r->rcx, (u64 *)&r->rdx, (u64 *)&r->rbx,
		(u64 *)&r->rsp, (u64 *)&r->rbp, (u64 *)&r->rsi, (u64 *)&r->rdi,
		(u64 *)&r->r8, (u64 *)&r->r9, (u64 *)&r->r10, (u64 *)&r->r11,
		(u64 *)&r->r12, (u64 *)&r->r13, (u64 *)&r->r14, (u64 *)&r->r15,
	};

	return gprs[i];
}

/* ---- runner ---- */

static void dt_guest_unused(void)
{
	GUEST_ASSERT(0);
}

static void dt_expect_user_exit(struct dt_vm *v, const char *what)
{
	struct kvm_run *run = v->vcpu->run;

	TEST_ASSERT(run->exit_reason == KVM_EXIT_IO &&
		    run->io.port == DG_USER_PORT &&
		    run->io.direction == KVM_EXIT_IO_OUT,
		    "mode %s, %s: exit %s (port 0x%x), wanted OUT to 0x%x",
		    kc_mode_names[v->mode], what,
		    exit_reason_str(run->exit_reason), run->io.port,
		    DG_USER_PORT);
}

/*
 * The module's per-VM directory appears at the VM's first exit: make one,
 * from code outside the slots, then set the VM's mode and extent.
 */
static void dt_vm_create(struct dt_vm *v, int mode)
{
	static const u8 user_out[] = { 0xe6, DG_USER_PORT, 0xcc };
	struct kvm_regs regs;
	vm_vaddr_t start;

	v->mode = mode;
	/* The extra pages count towards the page tables to map them. */
	v->vm = __vm_create_with_one_vcpu(&v->vcpu,
					  DT_CODE_PAGES + DG_SCRATCH_PAGES,
					  dt_guest_unused);
	vm_userspace_mem_region_add(v->vm, VM_MEM_SRC_ANONYMOUS, DT_CODE_GPA,
				    DT_CODE_MEMSLOT, DT_CODE_PAGES, 0);
	virt_map(v->vm, DT_CODE_GPA, DT_CODE_GPA, DT_CODE_PAGES);
	v->code = DT_CODE_GPA;
	vm_userspace_mem_region_add(v->vm, VM_MEM_SRC_ANONYMOUS, DT_SCRATCH_GPA,
				    DT_SCRATCH_MEMSLOT, DG_SCRATCH_PAGES, 0);
	virt_map(v->vm, DT_SCRATCH_GPA, DT_SCRATCH_GPA, DG_SCRATCH_PAGES);
	v->scratch = addr_gpa2hva(v->vm, DT_SCRATCH_GPA);
	kvm_vm_register_coalesced_io(v->vm, DG_ZONE_PORT, DG_ZONE_SIZE, true);

	start = vm_vaddr_alloc_page(v->vm);
	memcpy(addr_gva2hva(v->vm, start), user_out, sizeof(user_out));
	vcpu_regs_get(v->vcpu, &regs);
	regs.rip = start;
	vcpu_regs_set(v->vcpu, &regs);
	vcpu_run(v->vcpu);
	dt_expect_user_exit(v, "first exit");

	TEST_ASSERT_EQ(kc_vm_debugfs_write(v->vm, "mode", kc_mode_names[mode]), 0);
	TEST_ASSERT_EQ(kc_vm_debugfs_write(v->vm, "extent", "64"), 0);
	v->start = kc_stats(v->vm);
	kc_pics_get(v->vm, v->pic);
}

static vm_vaddr_t dt_slot(const struct dt_vm *v, u64 index)
{
	return v->code + (index % DT_NR_SLOTS) * DT_SLOT_SIZE;
}

/* INT3 after the block: unsupported, so it ends the module's scan. */
static void dt_load(struct dt_vm *v, const struct dg_block *blk, u64 index)
{
	u8 *hva = addr_gva2hva(v->vm, dt_slot(v, index));

	memset(hva, 0xcc, DT_SLOT_SIZE);
	memcpy(hva, blk->code, blk->len);
}

/* Single-step from RIP; record each instruction until the final OUT. */
static void dt_trace(struct dt_vm *v, const struct dg_block *blk,
		     vm_vaddr_t start, struct dt_obs *obs)
{
	struct kvm_guest_debug debug = {
		.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP,
	};
	struct kvm_run *run = v->vcpu->run;
	int at = 0;

	/* After setting RIP: KVM sets TF for the RIP it sees now. */
	vcpu_guest_debug_set(v->vcpu, &debug);
	for (;;) {
		vcpu_run(v->vcpu);
		if (run->exit_reason != KVM_EXIT_DEBUG)
			break;
		TEST_ASSERT(obs->nr_steps < DG_MAX_INSNS, "Path too long");
		obs->path[obs->nr_steps++] = at;
		obs->nr_io += blk->insn[at].kind == DG_IO ||
			      blk->insn[at].kind == DG_STRING;
		obs->nr_string += blk->insn[at].kind == DG_STRING;
		obs->nr_mem += blk->insn[at].kind == DG_MEM;
		/*
		 * KVM emulates INS and OUTS, then writes RFLAGS without the
		 * TF of single-stepping, which it keeps only at the RIP it
		 * was asked at (__kvm_set_rflags()): ask again, here.
		 */
		if (blk->insn[at].kind == DG_STRING)
			vcpu_guest_debug_set(v->vcpu, &debug);
		at = dg_insn_at(blk, run->debug.arch.pc - start);
		TEST_ASSERT(at > 0, "Step to 0x%llx, not an instruction of the block",
			    run->debug.arch.pc);
	}
	/*
	 * A fault the generator did not foresee ends in a shutdown, an
	 * access no in-kernel device takes in an exit to userspace.
	 */
	TEST_ASSERT(blk->insn[at].kind == DG_END,
		    "Stopped at instruction %d (exit %s, port 0x%x, size %u), not at the final OUT",
		    at, exit_reason_str(run->exit_reason),
		    run->exit_reason == KVM_EXIT_IO ? run->io.port : 0,
		    run->exit_reason == KVM_EXIT_IO ? run->io.size : 0);
}

/*
 * Run the block in slot @index of @v once; single-step it if @trace.
 * Registers go in and out through kvm_run (KVM_CAP_SYNC_REGS) when not
 * single-stepping: two ioctls fewer per run.  Single-stepping needs RIP
 * set before KVM_SET_GUEST_DEBUG, which sets TF for the RIP it sees.
 */
static void dt_run(struct dt_vm *v, const struct dg_block *blk, u64 index,
		   bool trace, struct dt_obs *obs)
{
	struct kvm_run *run = v->vcpu->run;
	struct kvm_regs regs = {};
	vm_vaddr_t start = dt_slot(v, index);
	int i;

	memset(obs, 0, sizeof(*obs));
	for (i = 0; i < DG_NR_GPRS; i++)
		*dt_gpr(&regs, i) = blk->gpr[i];
	regs.rip = start;
	regs.rflags = blk->rflags;
	memcpy(v->scratch, blk->mem, DG_SCRATCH_SIZE);

	if (trace) {
		vcpu_regs_set(v->vcpu, &regs);
		dt_trace(v, blk, start, obs);
		vcpu_regs_get(v->vcpu, &obs->regs);
	} else {
		run->s.regs.regs = regs;
		run->kvm_valid_regs = KVM_SYNC_X86_REGS;
		run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
		vcpu_run(v->vcpu);
		obs->regs = run->s.regs.regs;
	}
	dt_expect_user_exit(v, "end of block");
	obs->nr_ring = kc_ring_take(v->vcpu, obs->ring, DT_MAX_RING);
	kc_pics_get(v->vm, obs->pic);
	memcpy(v->pic, obs->pic, sizeof(v->pic));
	memcpy(obs->mem, v->scratch, DG_SCRATCH_SIZE);
}

/* ---- comparer ---- */

struct dt_diff {
	char text[8192];
	size_t len;
};

static void dt_note(struct dt_diff *d, const char *fmt, ...)
{
	va_list ap;

	if (d->len >= sizeof(d->text))
		return;
	va_start(ap, fmt);
	d->len += vsnprintf(d->text + d->len, sizeof(d->text) - d->len, fmt, ap);
	va_end(ap);
}

static u64 dt_ring_data(const struct kvm_coalesced_mmio *e)
{
	u64 v = 0;

	memcpy(&v, e->data, e->len < sizeof(v) ? e->len : sizeof(v));
	return v;
}

static void dt_compare_ring(const struct dt_obs *ref, const struct dt_obs *obs,
			    struct dt_diff *d)
{
	const struct kvm_coalesced_mmio *a, *b;
	int i;

	if (ref->nr_ring != obs->nr_ring)
		dt_note(d, "#   ring: %d entries, off: %d\n", obs->nr_ring,
			ref->nr_ring);
	for (i = 0; i < ref->nr_ring && i < obs->nr_ring; i++) {
		a = &ref->ring[i];
		b = &obs->ring[i];
		if (a->phys_addr == b->phys_addr && a->len == b->len &&
		    a->pio == b->pio && a->len <= sizeof(a->data) &&
		    !memcmp(a->data, b->data, a->len))
			continue;
		dt_note(d, "#   ring[%d]: port 0x%llx size %u data 0x%llx,",
			i, b->phys_addr, b->len, dt_ring_data(b));
		dt_note(d, " off: port 0x%llx size %u data 0x%llx\n",
			a->phys_addr, a->len, dt_ring_data(a));
	}
}

static void dt_note_bytes(struct dt_diff *d, const char *what, const u8 *b,
			  int n)
{
	int i;

	dt_note(d, "%s", what);
	for (i = 0; i < n; i++)
		dt_note(d, " %02x", b[i]);
}

/* How many bytes from @i on differ, up to 16. */
static int dt_mem_run(const struct dt_obs *ref, const struct dt_obs *obs,
		      int i)
{
	int n = 0;

	while (n < 16 && i + n < DG_SCRATCH_SIZE &&
	       ref->mem[i + n] != obs->mem[i + n])
		n++;
	return n;
}

/*
 * The scratch buffer: each run of differing bytes (cut at 16), as this
 * mode left it, as the reference did and as it was before the block.
 */
static void dt_compare_mem(const struct dg_block *blk, const struct dt_obs *ref,
			   const struct dt_obs *obs, struct dt_diff *d)
{
	int i = 0, n, runs = 0;

	while (i < DG_SCRATCH_SIZE) {
		n = dt_mem_run(ref, obs, i);
		if (!n) {
			i++;
			continue;
		}
		if (runs++ < DT_MAX_MEM_LINES) {
			dt_note(d, "#   scratch+0x%04x (0x%llx):", i,
				DT_SCRATCH_GPA + i);
			dt_note_bytes(d, "", &obs->mem[i], n);
			dt_note_bytes(d, ", off:", &ref->mem[i], n);
			dt_note_bytes(d, ", before:", &blk->mem[i], n);
			dt_note(d, "\n");
		}
		i += n;
	}
	if (runs > DT_MAX_MEM_LINES)
		dt_note(d, "#   and %d more runs of differing scratch bytes\n",
			runs - DT_MAX_MEM_LINES);
}

/* Everything the guest and userspace can see, as after the reference. */
static bool dt_compare(const struct dg_block *blk, const struct dt_obs *ref,
		       const struct dt_obs *obs, struct dt_diff *d)
{
	struct kvm_regs a = ref->regs, b = obs->regs;
	int i;

	d->len = 0;
	for (i = 0; i < DG_NR_GPRS; i++) {
		if (*dt_gpr(&a, i) != *dt_gpr(&b, i))
			dt_note(d, "#   %s: 0x%llx, off: 0x%llx\n", dg_gpr_names[i],
				*dt_gpr(&b, i), *dt_gpr(&a, i));
	}
	if (a.rip != b.rip)
		dt_note(d, "#   rip: 0x%llx, off: 0x%llx\n", b.rip, a.rip);
	if (a.rflags != b.rflags)
		dt_note(d, "#   rflags: 0x%llx, off: 0x%llx\n", b.rflags, a.rflags);
	dt_compare_ring(ref, obs, d);
	for (i = 0; i < 2; i++) {
		const struct kvm_pic_state *p = &obs->pic[i], *q = &ref->pic[i];

		if (!memcmp(p, q, sizeof(*p)))
			continue;
		dt_note(d, "#   8259 %s: imr 0x%x elcr 0x%x irr 0x%x isr 0x%x,",
			i ? "slave" : "master", p->imr, p->elcr, p->irr, p->isr);
		dt_note(d, " off: imr 0x%x elcr 0x%x irr 0x%x isr 0x%x\n",
			q->imr, q->elcr, q->irr, q->isr);
	}
	dt_compare_mem(blk, ref, obs, d);
	return !d->len;
}

/* What a person needs to replay and read a mismatch. */
static void dt_report(u64 seed, u64 index, int run, int mode,
		      const struct dg_params *p, const struct dg_block *blk,
		      const struct dt_obs *ref, const struct dt_diff *d)
{
	int i, j;

	printf("# MISMATCH: seed %llu, block %llu, mode %s, run %d of %d\n",
	       (unsigned long long)seed, (unsigned long long)index,
	       kc_mode_names[mode], run + 1, DT_RUNS);
	printf("# code at 0x%llx, %d bytes, %d instructions; scratch buffer at 0x%llx, %d bytes:\n",
	       (unsigned long long)p->code, blk->len, blk->nr_insns,
	       (unsigned long long)p->scratch, DG_SCRATCH_SIZE);
	for (i = 0; i < blk->nr_insns; i++) {
		printf("#   %3d +%-3d", i, blk->off[i]);
		for (j = 0; j < blk->insn[i].len; j++)
			printf(" %02x", blk->insn[i].bytes[j]);
		printf("\n");
	}
	printf("# as hex (xxd -r -p | objdump -D -b binary -mi386:x86-64): ");
	for (i = 0; i < blk->len; i++)
		printf("%02x", blk->code[i]);
	printf("\n# initial registers:\n");
	for (i = 0; i < DG_NR_GPRS; i++)
		printf("#   %-3s 0x%016llx\n", dg_gpr_names[i],
		       (unsigned long long)blk->gpr[i]);
	printf("#   rflags 0x%llx\n", (unsigned long long)blk->rflags);
	printf("# reference path (instructions run before the final OUT):");
	for (i = 0; i < ref->nr_steps; i++)
		printf(" %d", ref->path[i]);
	printf("\n# differences:\n%s", d->text);
	printf("# replay: kvm_coalesce_diff_test -s %llu -f %llu -n 1 -m %u -S %u\n",
	       (unsigned long long)seed, (unsigned long long)index,
	       p->mem_share, p->string_share);
	printf("# (the 8259 then starts as at VM creation, not as before the block)\n");
}

/* ---- the module's counters ---- */

static void dt_expect(int mode, const char *counter, u64 got, u64 want)
{
	TEST_ASSERT(got == want, "mode %s: %s grew by %llu, wanted %llu",
		    kc_mode_names[mode], counter, (unsigned long long)got,
		    (unsigned long long)want);
}

/*
 * Every run is two exits in scan and addr modes: the block, which the
 * module runs up to the final OUT and stops there (no in-kernel device
 * takes it), and that OUT, which the guest re-executes and the module
 * declines.  In confirm mode the first run is an exit per I/O
 * instruction, each run alone, and the second like scan's.  The
 * reference exits at each I/O instruction.  INS and OUTS exits count as
 * string_pio_exits, all others as pio_exits.
 */
static void dt_check_counters(struct dt_vm *v, const struct dt_totals *t)
{
	struct kc_stats now = kc_stats(v->vm), s = kc_stats_sub(&now, &v->start);
	u64 n = t->blocks, runs = DT_RUNS * n;
	u64 first_string = t->first_string, pio = t->io - t->string;
	int m = v->mode;

	kc_print_stats(kc_mode_names[m], &now);

	switch (m) {
	case KC_MODE_OFF:
		dt_expect(m, "pio_exits", s.pio_exits, pio + n);
		dt_expect(m, "string_pio_exits", s.string_pio_exits, t->string);
		dt_expect(m, "handled", s.handled, 0);
		dt_expect(m, "insns", s.insns, 0);
		return;
	case KC_MODE_CONFIRM:
		/*
		 * First sighting: each I/O exits and runs alone, the final
		 * OUT exits and goes to userspace; second: one exit, and the
		 * block exits to userspace for its final OUT itself.
		 */
		dt_expect(m, "pio_exits", s.pio_exits,
			  pio + n + n - first_string);
		dt_expect(m, "string_pio_exits", s.string_pio_exits,
			  t->string + first_string);
		dt_expect(m, "handled", s.handled, t->io + n);
		dt_expect(m, "blocks", s.blocks, n);
		dt_expect(m, "insns", s.insns, t->io + t->steps);
		dt_expect(m, "io_coalesced", s.io_coalesced, t->io - n);
		dt_expect(m, "user_pio", s.user_pio, n);
		dt_expect(m, "declined", s.declined, n);
		break;
	default:
		/* One exit per run: the block exits for its final OUT. */
		dt_expect(m, "pio_exits", s.pio_exits,
			  runs - DT_RUNS * first_string);
		dt_expect(m, "string_pio_exits", s.string_pio_exits,
			  DT_RUNS * first_string);
		dt_expect(m, "handled", s.handled, runs);
		dt_expect(m, "blocks", s.blocks, runs);
		dt_expect(m, "insns", s.insns, DT_RUNS * t->steps);
		dt_expect(m, "io_coalesced", s.io_coalesced,
			  DT_RUNS * t->io - runs);
		dt_expect(m, "user_pio", s.user_pio, runs);
		dt_expect(m, "declined", s.declined, 0);
		break;
	}
	dt_expect(m, "io", s.io, DT_RUNS * t->io);
	dt_expect(m, "stop_user_io", s.stop_user_io, 0);
	/* The next run sets RIP: no block resumes after its final OUT. */
	dt_expect(m, "resumed", s.resumed, 0);
	dt_expect(m, "stop_event", s.stop_event, 0);
	/* Every access is to RAM, within a page, away from the code. */
	dt_expect(m, "stop_fault", s.stop_fault, 0);
	dt_expect(m, "stop_code_write", s.stop_code_write, 0);
}

/* ---- main ---- */

int main(int argc, char *argv[])
{
	const char *env_seed = getenv("KC_DIFF_SEED");
	const char *env_blocks = getenv("KC_DIFF_BLOCKS");
	const char *env_mem = getenv("KC_DIFF_MEM");
	const char *env_string = getenv("KC_DIFF_STRING");
	struct dg_params params = { .scratch = DT_SCRATCH_GPA,
				    .mem_share = DG_DEFAULT_MEM_SHARE,
				    .string_share = DG_DEFAULT_STRING_SHARE };
	u64 seed = DT_DEFAULT_SEED, first = 0, nr = DT_DEFAULT_BLOCKS, i;
	struct kvm_pic_state pic_before[2];
	struct dt_obs ref, obs;
	struct dt_vm vms[KC_NR_MODES];
	struct dt_totals totals = {};
	struct dg_block blk;
	struct dt_diff diff;
	int opt, mode, run;

	if (env_seed)
		seed = kc_parse_seed(env_seed);
	if (env_blocks)
		nr = strtoull(env_blocks, NULL, 0);
	if (env_mem)
		params.mem_share = strtoul(env_mem, NULL, 0);
	if (env_string)
		params.string_share = strtoul(env_string, NULL, 0);
	while ((opt = getopt(argc, argv, "s:n:f:m:S:")) != -1) {
		switch (opt) {
		case 's':
			seed = kc_parse_seed(optarg);
			break;
		case 'n':
			nr = strtoull(optarg, NULL, 0);
			break;
		case 'f':
			first = strtoull(optarg, NULL, 0);
			break;
		case 'm':
			params.mem_share = strtoul(optarg, NULL, 0);
			break;
		case 'S':
			params.string_share = strtoul(optarg, NULL, 0);
			break;
		default:
			printf("usage: %s [-s SEED|random] [-n BLOCKS] [-f FIRST]",
			       argv[0]);
			printf(" [-m MEM%%] [-S STRING%%]\n");
			exit(KSFT_FAIL);
		}
	}
	TEST_ASSERT(params.mem_share <= 100, "-m %u: not a percentage",
		    params.mem_share);
	TEST_ASSERT(params.string_share <= 100, "-S %u: not a percentage",
		    params.string_share);

	TEST_REQUIRE(kvm_has_cap(KVM_CAP_COALESCED_PIO));
	TEST_REQUIRE(kvm_check_cap(KVM_CAP_SYNC_REGS) & KVM_SYNC_X86_REGS);
	kc_module_ensure_loaded();

	ksft_print_header();
	ksft_set_plan(KC_NR_MODES);
	printf("# seed %llu, blocks %llu-%llu, memory operands in %u%% of instructions,",
	       (unsigned long long)seed, (unsigned long long)first,
	       (unsigned long long)(first + nr - 1), params.mem_share);
	printf(" string I/O begun in %u%%\n", params.string_share);
	printf("# off (the reference) runs each block once, scan, confirm and addr %d times\n",
	       DT_RUNS);

	for (mode = 0; mode < KC_NR_MODES; mode++)
		dt_vm_create(&vms[mode], mode);

	for (i = first; i < first + nr; i++) {
		/* Every VM has the same layout: the slot's address is theirs. */
		params.code = dt_slot(&vms[KC_MODE_OFF], i);
		dg_generate(seed, i, &params, &blk);
		for (mode = 0; mode < KC_NR_MODES; mode++)
			dt_load(&vms[mode], &blk, i);

		dt_run(&vms[KC_MODE_OFF], &blk, i, true, &ref);
		totals.steps += ref.nr_steps;
		totals.io += ref.nr_io;
		totals.string += ref.nr_string;
		totals.first_string += blk.insn[0].kind == DG_STRING;
		totals.mem += ref.nr_mem;
		totals.blocks++;

		for (mode = KC_MODE_OFF + 1; mode < KC_NR_MODES; mode++) {
			struct dt_vm *v = &vms[mode];

			memcpy(pic_before, v->pic, sizeof(pic_before));
			for (run = 0; run < DT_RUNS; run++) {
				if (run)
					kc_pics_set(v->vm, pic_before);
				dt_run(v, &blk, i, false, &obs);
				if (dt_compare(&blk, &ref, &obs, &diff))
					continue;
				dt_report(seed, i, run, mode, &params, &blk, &ref,
					  &diff);
				TEST_FAIL("mode %s differs from off: seed %llu, block %llu",
					  kc_mode_names[mode], (unsigned long long)seed,
					  (unsigned long long)i);
			}
		}
	}

	printf("# reference: %llu instructions before the final OUTs, %llu in-kernel I/O",
	       (unsigned long long)totals.steps, (unsigned long long)totals.io);
	printf(" (%llu INS or OUTS, %llu blocks starting with one),",
	       (unsigned long long)totals.string,
	       (unsigned long long)totals.first_string);
	printf(" %llu with a memory operand or LEA\n",
	       (unsigned long long)totals.mem);
	for (mode = 0; mode < KC_NR_MODES; mode++) {
		dt_check_counters(&vms[mode], &totals);
		ksft_test_result_pass("mode=%s: %llu blocks%s\n",
				      kc_mode_names[mode],
				      (unsigned long long)totals.blocks,
				      mode == KC_MODE_OFF ? ", the reference: exits as its paths" :
				      ", each run as off; counters as the paths");
		kvm_vm_free(vms[mode].vm);
	}
	ksft_finished();
}
