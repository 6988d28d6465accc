// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile code in the guest: what follows an I/O instruction is random
 * bytes (with OUTs among them, so that blocks form around random
 * instructions), or code that runs off its page into RAM, into an
 * unmapped page, or into guest-physical memory that no memslot backs.
 * In each mode the guest must end exactly as with mode=off, and the
 * host must neither crash nor warn (the VM job checks the kernel log).
 *
 * Each case gets a fresh VM per mode, so whatever the random code
 * destroys (page tables, IDT, its own code) cannot leak into the next
 * case.  The vCPU starts at an OUT to a coalesced PIO zone with random
 * registers (RSP on a valid stack) and runs until it exits to userspace:
 * an OUT to the sentinel port after the code, any other port I/O or MMIO
 * that no in-kernel device takes, an exception (every vector's handler
 * reports it with an OUT to EXC_PORT), a triple fault, an emulation
 * failure.  A case that runs for a second (an endless loop, HLT with
 * interrupts off) is stopped with SIGALRM and not compared.  Each mode
 * runs the case twice in its VM (the second run is confirm's second
 * sighting and the others' table hit); mode=off runs it in two VMs, and
 * a case whose two off runs differ (it read the TSC or the 8254's
 * count, say) is not compared either.  Otherwise the exit, its data,
 * the registers and the coalesced ring must equal off's, run for run.
 *
 * Usage: kvm_coalesce_guest_fuzz_test [-s SEED|random] [-n CASES]
 * (or KC_GFUZZ_SEED, KC_GFUZZ_CASES).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"

#include "kc_util.h"

#define GF_DEFAULT_SEED		1
#define GF_DEFAULT_CASES	200
#define GF_RUNS			2

#define CODE_GPA		0x50000000ull	/* two pages of RAM */
#define CODE_MEMSLOT		1
#define NOSLOT_GPA		0x60000000ull	/* no memslot */
#define ZONE_PORT		0x80		/* coalesced PIO zone */
#define SENTINEL_PORT		0xe9		/* after the case's code */
#define EXC_PORT		0xea		/* exception handlers */
#define MAX_CODE		160
#define MAX_RING		64
#define MAX_IO_DATA		16

enum gf_kind {
	GF_RANDOM,		/* OUT, random bytes, OUT to the sentinel */
	GF_CROSS_RAM,		/* valid code running into the next page */
	GF_CROSS_UNMAPPED,	/* ... which is not present */
	GF_CROSS_NOSLOT,	/* ... which maps no memslot */
	GF_NR_KINDS,
};

static const char * const gf_kind_names[GF_NR_KINDS] = {
	"random", "cross-ram", "cross-unmapped", "cross-noslot",
};

struct gf_case {
	enum gf_kind kind;
	unsigned int off;	/* of the code in the first page */
	unsigned int len;
	u8 code[MAX_CODE];
	struct kvm_regs regs;
};

/* How a run ended, and what it left. */
struct gf_obs {
	bool timeout;
	u32 exit_reason;
	u64 a, b, c;		/* exit data: port/address, size, direction */
	u8 data[MAX_IO_DATA];
	struct kvm_regs regs;
	int nr_ring;
	struct kvm_coalesced_mmio ring[MAX_RING];
};

struct gf_totals {
	u64 compared, timeouts, nondet;
	u64 exits[GF_NR_KINDS];
	struct kc_stats stats[KC_NR_MODES];
};

/* splitmix64: each case from the seed and its index alone. */
static u64 gf_next(u64 *s)
{
	u64 z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned int gf_below(u64 *s, unsigned int n)
{
	return gf_next(s) % n;
}

static void gf_emit(struct gf_case *c, const u8 *bytes, unsigned int n)
{
	TEST_ASSERT(c->len + n <= MAX_CODE, "case code too long");
	memcpy(c->code + c->len, bytes, n);
	c->len += n;
}

/* Valid instructions from @c's end up to @until bytes, then the sentinel. */
static void gf_valid_tail(struct gf_case *c, u64 *s, unsigned int until)
{
	static const u8 out_zone[] = { 0xe6, ZONE_PORT };
	static const u8 sentinel[] = { 0xe6, SENTINEL_PORT };
	u8 insn[5];

	while (c->len < until) {
		switch (gf_below(s, 4)) {
		case 0:
			gf_emit(c, out_zone, sizeof(out_zone));
			break;
		case 1:
			insn[0] = 0x90;			/* NOP */
			gf_emit(c, insn, 1);
			break;
		case 2:
			insn[0] = 0x83;			/* ADD $imm8, %eax */
			insn[1] = 0xc0;
			insn[2] = gf_next(s);
			gf_emit(c, insn, 3);
			break;
		default:
			insn[0] = 0xb9;			/* MOV $imm32, %ecx */
			memcpy(insn + 1, &(u32){ gf_next(s) }, 4);
			gf_emit(c, insn, 5);
			break;
		}
	}
	gf_emit(c, sentinel, sizeof(sentinel));
}

static void gf_make_case(struct gf_case *c, u64 seed, u64 index)
{
	static const u8 out_zone[] = { 0xe6, ZONE_PORT };
	u64 s = seed ^ (index * 0xd1b54a32d192ed03ull);
	unsigned int i, n, r = gf_below(&s, 100);
	__u64 *gpr = &c->regs.rax;

	memset(c, 0, sizeof(*c));
	c->kind = r < 70 ? GF_RANDOM : r < 80 ? GF_CROSS_RAM :
		  r < 90 ? GF_CROSS_UNMAPPED : GF_CROSS_NOSLOT;

	/* struct kvm_regs: the 16 GPRs from rax, then rip and rflags. */
	for (i = 0; i < 16; i++)
		gpr[i] = gf_next(&s);
	c->regs.rflags = 0x2 | (gf_next(&s) & 0x8d5);	/* IF, TF, DF clear */

	gf_emit(c, out_zone, sizeof(out_zone));
	if (c->kind == GF_RANDOM) {
		/*
		 * Random bytes with OUTs among them, so that blocks form
		 * around random instructions (unless the OUTs' bytes become
		 * other instructions' operands).
		 */
		c->off = gf_below(&s, PAGE_SIZE - MAX_CODE);
		n = 1 + gf_below(&s, 64);
		for (i = 0; i < n; i++) {
			if (gf_below(&s, 4))
				c->code[c->len++] = gf_next(&s);
			else
				gf_emit(c, out_zone, sizeof(out_zone));
		}
		gf_valid_tail(c, &s, c->len);
	} else {
		/* The first OUT in the page, 0 to 23 bytes more before its end. */
		c->off = PAGE_SIZE - 2 - gf_below(&s, 24);
		gf_valid_tail(c, &s, PAGE_SIZE - c->off + 8 + gf_below(&s, 16));
	}
}

static void gf_report_exception(struct ex_regs *regs)
{
	asm volatile("outl %%eax, %%dx" : :
		     "a"((u32)regs->vector), "d"(EXC_PORT), "D"(regs->rip),
		     "S"(regs->error_code));
	for (;;)
		asm volatile("hlt");
}

static void gf_guest_unused(void)
{
	GUEST_ASSERT(0);
}

/*
 * Write @c's code and registers, RIP at its first OUT.  RSP is the
 * library's stack, @rsp, so that exceptions can be delivered.
 */
static void gf_load(struct kvm_vm *vm, struct kvm_vcpu *vcpu,
		    const struct gf_case *c, u64 rsp)
{
	unsigned int first_part = min_t(unsigned int, c->len,
						PAGE_SIZE - c->off);
	struct kvm_regs regs = c->regs;

	/*
	 * What runs into the next page is also written to the next page of
	 * guest-physical memory, where only cross-ram maps it: for the other
	 * kinds it is bait for a module that read past the page's end.
	 */
	memcpy(addr_gpa2hva(vm, CODE_GPA + c->off), c->code, first_part);
	if (c->len > first_part)
		memcpy(addr_gpa2hva(vm, CODE_GPA + PAGE_SIZE),
		       c->code + first_part, c->len - first_part);
	regs.rsp = rsp;
	regs.rip = CODE_GPA + c->off;
	vcpu_regs_set(vcpu, &regs);
}

/*
 * A VM for @c in @mode: its code page, and the next page as the case's
 * kind wants it: RAM, not present, or mapped to no memslot.
 */
static struct kvm_vm *gf_vm_create(const struct gf_case *c, int mode,
				   struct kvm_vcpu **vcpu, u64 *rsp)
{
	u64 second = CODE_GPA + PAGE_SIZE;
	struct kvm_regs regs;
	struct kvm_vm *vm;
	int v;

	vm = __vm_create_with_one_vcpu(vcpu, 2, gf_guest_unused);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, CODE_GPA,
				    CODE_MEMSLOT, 2, 0);
	virt_map(vm, CODE_GPA, CODE_GPA, 1);
	if (c->kind == GF_CROSS_RAM || c->kind == GF_RANDOM)
		virt_map(vm, second, second, 1);
	else if (c->kind == GF_CROSS_NOSLOT)
		virt_pg_map(vm, second, NOSLOT_GPA);
	kvm_vm_register_coalesced_io(vm, ZONE_PORT, 1, true);
	for (v = 0; v < 32; v++)
		vm_install_exception_handler(vm, v, gf_report_exception);

	kc_vm_attach_in_mode(vm, *vcpu, mode);
	/* Blocks as long as the extent, whatever they would save. */
	TEST_ASSERT_EQ(kc_vm_debugfs_write(vm, "insns_per_exit", "0"), 0);
	vcpu_regs_get(*vcpu, &regs);
	*rsp = regs.rsp;
	gf_load(vm, *vcpu, c, *rsp);
	return vm;
}

static void gf_alarm(int sig)
{
}

/* Run @vcpu until it exits to userspace, or for a second at most. */
static void gf_run(struct kvm_vcpu *vcpu, struct gf_obs *obs)
{
	struct itimerval timer = { .it_value.tv_sec = 1 };
	struct itimerval stop = {};
	struct kvm_run *run = vcpu->run;
	int r;

	memset(obs, 0, sizeof(*obs));
	setitimer(ITIMER_REAL, &timer, NULL);
	r = __vcpu_run(vcpu);
	setitimer(ITIMER_REAL, &stop, NULL);
	if (r < 0) {
		TEST_ASSERT(errno == EINTR, "KVM_RUN: %s", strerror(errno));
		obs->timeout = true;
		return;
	}

	obs->exit_reason = run->exit_reason;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		obs->a = run->io.port;
		obs->b = run->io.size * run->io.count;
		obs->c = run->io.direction;
		if (run->io.direction == KVM_EXIT_IO_OUT)
			memcpy(obs->data, (u8 *)run + run->io.data_offset,
			       min_t(u64, obs->b, MAX_IO_DATA));
		break;
	case KVM_EXIT_MMIO:
		obs->a = run->mmio.phys_addr;
		obs->b = run->mmio.len;
		obs->c = run->mmio.is_write;
		if (run->mmio.is_write)
			memcpy(obs->data, run->mmio.data, sizeof(run->mmio.data));
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		obs->a = run->internal.suberror;
		break;
	}
	vcpu_regs_get(vcpu, &obs->regs);
	obs->nr_ring = kc_ring_take(vcpu, obs->ring, MAX_RING);
}

/*
 * Run case @c in a fresh VM in @mode: once, and again from the same
 * code and registers if the first run ended in a clean exit to
 * userspace.  Returns the number of runs; adds the module's counters of
 * the case to @stats.
 */
static int gf_run_case(const struct gf_case *c, int mode,
		       struct gf_obs obs[GF_RUNS], struct kc_stats *stats)
{
	struct kc_stats before, now;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int n;
	u64 rsp;

	vm = gf_vm_create(c, mode, &vcpu, &rsp);
	before = kc_stats(vm);
	for (n = 0; n < GF_RUNS; n++) {
		if (n)
			gf_load(vm, vcpu, c, rsp);
		gf_run(vcpu, &obs[n]);
		if (obs[n].timeout || obs[n].exit_reason != KVM_EXIT_IO) {
			n++;
			break;
		}
	}
	now = kc_stats(vm);
	now = kc_stats_sub(&now, &before);
	*stats = kc_stats_add(stats, &now);
	kvm_vm_free(vm);
	return n;
}

/* Whether two runs ended the same way, with the same state. */
static bool gf_same(const struct gf_obs *a, const struct gf_obs *b)
{
	return a->timeout == b->timeout && a->exit_reason == b->exit_reason &&
	       a->a == b->a && a->b == b->b && a->c == b->c &&
	       !memcmp(a->data, b->data, sizeof(a->data)) &&
	       !memcmp(&a->regs, &b->regs, sizeof(a->regs)) &&
	       a->nr_ring == b->nr_ring &&
	       !memcmp(a->ring, b->ring, a->nr_ring * sizeof(a->ring[0]));
}

static void gf_print_obs(const char *what, const struct gf_obs *o)
{
	const __u64 *gpr = &o->regs.rax;
	int i;

	printf("#   %s: %s exit %u (%s) a 0x%lx b %lu c %lu,",
	       what, o->timeout ? "timeout," : "", o->exit_reason,
	       exit_reason_str(o->exit_reason), o->a, o->b, o->c);
	printf(" rip 0x%llx rflags 0x%llx, ring %d\n#    ", o->regs.rip,
	       o->regs.rflags, o->nr_ring);
	for (i = 0; i < 16; i++)
		printf(" %llx", gpr[i]);
	printf("\n");
}

static void gf_report(u64 seed, u64 index, const struct gf_case *c,
		      int mode, int run, const struct gf_obs *ref,
		      const struct gf_obs *obs)
{
	unsigned int i;

	printf("# mismatch: seed %lu case %lu (%s, offset 0x%x), mode %s, run %d\n# code:",
	       seed, index, gf_kind_names[c->kind], c->off,
	       kc_mode_names[mode], run + 1);
	for (i = 0; i < c->len; i++)
		printf(" %02x", c->code[i]);
	printf("\n");
	gf_print_obs("off", ref);
	gf_print_obs(kc_mode_names[mode], obs);
}

/* Runs one case in every mode; returns false on a mismatch. */
static bool gf_check_case(u64 seed, u64 index, struct gf_totals *t)
{
	struct gf_obs ref[GF_RUNS], again[GF_RUNS], obs[GF_RUNS];
	int nref, n, mode, run;
	struct gf_case c;

	gf_make_case(&c, seed, index);
	nref = gf_run_case(&c, KC_MODE_OFF, ref, &t->stats[KC_MODE_OFF]);
	n = gf_run_case(&c, KC_MODE_OFF, again, &t->stats[KC_MODE_OFF]);
	if (n != nref || ref[nref - 1].timeout) {
		t->timeouts++;
		return true;
	}
	for (run = 0; run < nref; run++) {
		if (!gf_same(&ref[run], &again[run])) {
			t->nondet++;
			return true;
		}
	}

	for (mode = KC_MODE_SCAN; mode < KC_NR_MODES; mode++) {
		n = gf_run_case(&c, mode, obs, &t->stats[mode]);
		for (run = 0; run < min(n, nref); run++) {
			if (!gf_same(&ref[run], &obs[run])) {
				gf_report(seed, index, &c, mode, run, &ref[run],
					  &obs[run]);
				return false;
			}
		}
		if (n != nref) {
			gf_report(seed, index, &c, mode, min(n, nref), &ref[0],
				  &obs[0]);
			return false;
		}
	}
	t->compared++;
	t->exits[c.kind]++;
	return true;
}

int main(int argc, char *argv[])
{
	const char *env_seed = getenv("KC_GFUZZ_SEED");
	const char *env_cases = getenv("KC_GFUZZ_CASES");
	u64 seed = GF_DEFAULT_SEED, nr = GF_DEFAULT_CASES, i;
	struct sigaction sa = { .sa_handler = gf_alarm };
	struct gf_totals t = {};
	int opt, mode, k;
	bool ok = true;

	if (env_seed)
		seed = kc_parse_seed(env_seed);
	if (env_cases)
		nr = strtoull(env_cases, NULL, 0);
	while ((opt = getopt(argc, argv, "s:n:")) != -1) {
		switch (opt) {
		case 's':
			seed = kc_parse_seed(optarg);
			break;
		case 'n':
			nr = strtoull(optarg, NULL, 0);
			break;
		default:
			printf("usage: %s [-s SEED|random] [-n CASES]\n", argv[0]);
			exit(KSFT_FAIL);
		}
	}

	TEST_REQUIRE(kvm_has_cap(KVM_CAP_COALESCED_PIO));
	kc_module_ensure_loaded();
	/* No SA_RESTART: the alarm must end KVM_RUN with EINTR. */
	TEST_ASSERT(!sigaction(SIGALRM, &sa, NULL), "sigaction");

	ksft_print_header();
	ksft_set_plan(1);
	printf("# seed %llu, %llu cases\n", (unsigned long long)seed,
	       (unsigned long long)nr);
	for (i = 0; i < nr && ok; i++)
		ok = gf_check_case(seed, i, &t);

	printf("# compared %llu cases (", (unsigned long long)t.compared);
	for (k = 0; k < GF_NR_KINDS; k++)
		printf("%s%s %llu", k ? ", " : "", gf_kind_names[k],
		       (unsigned long long)t.exits[k]);
	printf("); not compared: %llu stopped after a second,",
	       (unsigned long long)t.timeouts);
	printf(" %llu differing between two off runs\n",
	       (unsigned long long)t.nondet);
	for (mode = 0; mode < KC_NR_MODES; mode++)
		kc_print_stats(kc_mode_names[mode], &t.stats[mode]);
	TEST_ASSERT(ok, "a case ended differently with the module (above)");
	/* Not vacuous: most cases compared, and the module ran blocks. */
	TEST_ASSERT(t.compared * 2 >= nr, "only %llu of %llu cases compared",
		    (unsigned long long)t.compared, (unsigned long long)nr);
	for (mode = KC_MODE_SCAN; mode < KC_NR_MODES; mode++)
		TEST_ASSERT(t.stats[mode].blocks && t.stats[mode].handled,
			    "mode %s ran no block", kc_mode_names[mode]);
	ksft_test_result_pass("%llu cases, every mode as off\n",
			      (unsigned long long)t.compared);
	ksft_finished();
}
