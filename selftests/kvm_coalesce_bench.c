// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: what the module's work in an exit costs, against the exits
 * it saves.  Run in the test VM under -icount shift=0,sleep=off, where a
 * nanosecond of the VM's clock is one executed instruction, so every
 * number here is a count of the test VM's (L1's) instructions, the same
 * on every run.
 *
 * Each workload is a routine the guest calls ITERATIONS times: OUTs to a
 * coalesced PIO zone (an in-kernel device with the least work of its
 * own), with or without other instructions between them: with 16 ADDs
 * the block would cost more than the exit it saves, so the scan leaves
 * it singular; with 48 the second OUT is beyond the default extent.  From the time per call
 * with the module unloaded (stock KVM) and in each mode:
 *
 *   exit   stock cost of one more OUT, i.e. of an exit handled in KVM
 *   io     cost of one more OUT coalesced into a block
 *   insn   cost of one more non-I/O instruction executed in a block
 *
 * and what the module adds to an exit it leaves to KVM: in mode off, at
 * an OUT to a port only userspace takes (4 of them back to back), and at
 * an OUT whose block is singular (2 OUTs + 16 or 48 ADDs); and what a block
 * that exits to userspace and resumes costs against the exits it saves:
 * 4 pairs of an OUT to the zone and one to a port only userspace takes,
 * and 4 reads as a driver makes them through an index register and a
 * data register (the CMOS sequence of rtc-read): an OUT to the zone, an
 * IN from userspace and three instructions that fold the value in.
 *
 * Three more are single MMIO stores, each alone in its block, to the
 * in-kernel devices real guests store to one at a time: a coalesced MMIO
 * zone (a VGA text window), the local APIC's EOI register in xAPIC mode,
 * and an ioeventfd (a virtio doorbell).  Without decode assists KVM
 * fetches and emulates each of them; the module runs its cached block.
 *
 * With -p WORKLOAD [-n CALLS] it instead runs one workload, with the
 * module as it is loaded, between the lines KC-SAMPLE-START and
 * KC-SAMPLE-END, for scripts/profile.sh to log what the test VM
 * executes in between.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "kc_util.h"

/*
 * The test VM's timer interrupts it every millisecond of -icount, and
 * one interrupt more or less in a workload moves its time by thousands
 * of instructions: over 2,000 calls, by a few per call.
 */
#define ITERATIONS	2000
#define ZONE_PORT	0x80
#define USER_PORT	0x81
#define ZONE_GPA	0xc0000000ul	/* coalesced MMIO zone, no memslot */
#define DOORBELL_GPA	0xc0001000ul	/* ioeventfd, no memslot */
#define APIC_EOI_GPA	0xfee000b0ul	/* xAPIC EOI register */

#define OUTS(n)		".rept " #n "\n\tout %%al, $0x80\n\t.endr\n\t"
#define ADDS(n)		".rept " #n "\n\tadd $1, %%ecx\n\t.endr\n\t"

/*
 * Two OUTs with n ADDs between them; 2 to 16 OUTs back to back.  Each
 * starts on a 256-byte boundary, within which it fits, so that no block
 * is cut at a page's end wherever the linker puts it (see kc_asm.h).
 */
#define ROUTINE(name, body)						\
static __aligned(256) void name(void)					\
{									\
	asm volatile(body : : "a"(0) : "ecx", "memory");		\
}

ROUTINE(out2_add0, OUTS(1) OUTS(1))
ROUTINE(out2_add4, OUTS(1) ADDS(4) OUTS(1))
ROUTINE(out2_add16, OUTS(1) ADDS(16) OUTS(1))
ROUTINE(out2_add48, OUTS(1) ADDS(48) OUTS(1))
ROUTINE(out4, OUTS(4))
ROUTINE(out16, OUTS(16))
ROUTINE(user4, ".rept 4\n\tout %%al, $0x81\n\t.endr\n\t")
ROUTINE(pair4, ".rept 4\n\tout %%al, $0x80\n\tout %%al, $0x81\n\t.endr\n\t")
/* An index register in the zone, a data register userspace reads: CMOS. */
ROUTINE(read4, ".rept 4\n\tout %%al, $0x80\n\tin $0x81, %%al\n\t"
	       "movzbl %%al, %%eax\n\tshl $3, %%ecx\n\tadd %%eax, %%ecx\n\t"
	       ".endr\n\t")
/* One such read, and the block ends: no later access to resume for. */
ROUTINE(probe, "out %%al, $0x80\n\tin $0x81, %%al\n\t")

/* One store to the MMIO address @gpa. */
#define STORE_ROUTINE(name, gpa)					\
static __aligned(256) void name(void)					\
{									\
	asm volatile("movl %%eax, (%%rdx)"				\
		     : : "a"(0), "d"(gpa) : "memory");			\
}

STORE_ROUTINE(zone_store, ZONE_GPA)
STORE_ROUTINE(apic_eoi, APIC_EOI_GPA)
STORE_ROUTINE(doorbell, DOORBELL_GPA)

static void (* const routines[])(void) = {
	out2_add0, out2_add4, out2_add16, out2_add48, out4, out16, user4, pair4,
	read4, probe, zone_store, apic_eoi, doorbell,
};

enum {
	W_ADD0, W_ADD4, W_ADD16, W_ADD48, W_OUT4, W_OUT16, W_USER4, W_PAIR4,
	W_READ4, W_PROBE, W_ZONE_STORE, W_APIC_EOI, W_DOORBELL,
	NR_WORKLOADS
};

static const char * const names[NR_WORKLOADS] = {
	"2 OUTs", "2 OUTs + 4 ADDs", "2 OUTs + 16 ADDs", "2 OUTs + 48 ADDs",
	"4 OUTs", "16 OUTs",
	"4 OUTs to user", "4 zone+user pairs", "4 index/data reads",
	"1 index/data read", "MMIO zone store",
	"xAPIC EOI store", "ioeventfd store",
};

/* The workloads' names for -p. */
static const char * const keys[NR_WORKLOADS] = {
	"add0", "add4", "add16", "add48", "out4", "out16", "user4", "pair4",
	"read4", "probe", "zone", "eoi", "doorbell",
};

/* -p: the workload to profile, and how many calls; else -1. */
static int profile_workload = -1;
static int profile_calls;

/* One call first, so that the module has seen the code; then the calls. */
static void guest_profile(void)
{
	int i;

	routines[profile_workload]();
	GUEST_SYNC(0);
	for (i = 0; i < profile_calls; i++)
		routines[profile_workload]();
	GUEST_DONE();
}

static void guest_code(void)
{
	int w, i;

	if (profile_workload >= 0)
		guest_profile();
	/* Not timed: the module's first sighting of each routine. */
	for (w = 0; w < NR_WORKLOADS; w++)
		routines[w]();
	for (w = 0; w < NR_WORKLOADS; w++) {
		GUEST_SYNC(w);
		for (i = 0; i < ITERATIONS; i++)
			routines[w]();
	}
	GUEST_DONE();
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

struct result {
	double ns[NR_WORKLOADS];	/* per call */
	double exits[NR_WORKLOADS];	/* per call */
	double emulations[NR_WORKLOADS]; /* by KVM, per call */
};

/*
 * The exits to userspace: OUTs to USER_PORT, and OUTs and stores to the
 * zones when their ring is full.
 */
static bool expected_exit(const struct kvm_run *run)
{
	if (run->exit_reason == KVM_EXIT_MMIO)
		return run->mmio.is_write && run->mmio.phys_addr == ZONE_GPA;
	return run->exit_reason == KVM_EXIT_IO &&
	       (run->io.port == ZONE_PORT || run->io.port == USER_PORT);
}

/*
 * Run @vcpu to its next ucall, draining the zone's @ring at each exit
 * (it fills up before a workload ends), and completing the exits to
 * userspace.
 */
static u64 run_to_ucall(struct kvm_vcpu *vcpu,
			struct kvm_coalesced_mmio_ring *ring, struct ucall *uc)
{
	u64 cmd;

	for (;;) {
		vcpu_run(vcpu);
		ring->first = ring->last;
		cmd = get_ucall(vcpu, uc);
		if (cmd == UCALL_ABORT)
			REPORT_GUEST_ASSERT(*uc);
		if (cmd != UCALL_NONE)
			return cmd;
		TEST_ASSERT(expected_exit(vcpu->run), "Unexpected exit %s",
			    exit_reason_str(vcpu->run->exit_reason));
	}
}

/*
 * The VM of the workloads: the port and MMIO zones, the doorbell's
 * ioeventfd (whose count nobody reads: it only has to be signalled),
 * and the MMIO pages mapped.
 */
static struct kvm_vm *bench_vm_create(struct kvm_vcpu **vcpu, int *doorbell_fd)
{
	struct kvm_ioeventfd doorbell = {
		.addr = DOORBELL_GPA,
		.len = 4,
	};
	struct kvm_vm *vm;

	vm = vm_create_with_one_vcpu(vcpu, guest_code);
	kvm_vm_register_coalesced_io(vm, ZONE_PORT, 1, true);
	kvm_vm_register_coalesced_io(vm, ZONE_GPA, 4, false);
	*doorbell_fd = eventfd(0, EFD_NONBLOCK);
	TEST_ASSERT(*doorbell_fd >= 0, "eventfd");
	doorbell.fd = *doorbell_fd;
	vm_ioctl(vm, KVM_IOEVENTFD, &doorbell);
	virt_map(vm, ZONE_GPA, ZONE_GPA, 1);
	virt_map(vm, DOORBELL_GPA, DOORBELL_GPA, 1);
	virt_map(vm, APIC_EOI_GPA & ~0xffful, APIC_EOI_GPA & ~0xffful, 1);
	return vm;
}

static void run(struct result *res)
{
	u64 t_end[NR_WORKLOADS + 1], t_start[NR_WORKLOADS + 1];
	u64 e[NR_WORKLOADS + 1], em[NR_WORKLOADS + 1], cmd;
	struct kvm_coalesced_mmio_ring *ring;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;
	int w, doorbell_fd;
	u32 size;

	vm = bench_vm_create(&vcpu, &doorbell_fd);
	ring = kc_ring(vcpu, &size);

	/*
	 * A ucall before each workload and at the end; reading the exits
	 * between two clock readings keeps it out of both workloads' time.
	 */
	for (w = 0; w <= NR_WORKLOADS; w++) {
		cmd = run_to_ucall(vcpu, ring, &uc);
		t_end[w] = now_ns();
		e[w] = kc_vcpu_stat(vcpu, "exits");
		em[w] = kc_vcpu_stat(vcpu, "insn_emulation");
		TEST_ASSERT_EQ(cmd, w < NR_WORKLOADS ? UCALL_SYNC : UCALL_DONE);
		t_start[w] = now_ns();
	}
	for (w = 0; w < NR_WORKLOADS; w++) {
		res->ns[w] = (double)(t_end[w + 1] - t_start[w]) / ITERATIONS;
		res->exits[w] = (double)(e[w + 1] - e[w] - 1) / ITERATIONS;
		res->emulations[w] = (double)(em[w + 1] - em[w]) / ITERATIONS;
	}
	kvm_vm_free(vm);
	close(doorbell_fd);
}

/*
 * -p: the calls of one workload between the markers, with the module as
 * loaded.  The pauses give the logger, which watches this output from
 * the host, time to start and stop (the VM runs without -icount then).
 */
static void profile(int workload, int calls)
{
	struct kvm_coalesced_mmio_ring *ring;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;
	int doorbell_fd;
	u32 size;

	vm = bench_vm_create(&vcpu, &doorbell_fd);
	ring = kc_ring(vcpu, &size);
	profile_workload = workload;
	profile_calls = calls;
	sync_global_to_guest(vm, profile_workload);
	sync_global_to_guest(vm, profile_calls);

	TEST_ASSERT_EQ(run_to_ucall(vcpu, ring, &uc), UCALL_SYNC);
	printf("KC-SAMPLE-START %s, %d calls\n", names[workload], calls);
	fflush(stdout);
	sleep(3);
	TEST_ASSERT_EQ(run_to_ucall(vcpu, ring, &uc), UCALL_DONE);
	printf("KC-SAMPLE-END\n");
	fflush(stdout);
	sleep(3);
	kvm_vm_free(vm);
	close(doorbell_fd);
}

static int workload_of(const char *key)
{
	int w;

	for (w = 0; w < NR_WORKLOADS; w++)
		if (!strcmp(key, keys[w]))
			return w;
	TEST_FAIL("No workload %s: see the keys in %s", key, __FILE__);
	return -1;
}

/* Time per call of workload @w in @r on hardware, as make bench models it. */
static double model_ns(const struct result *r, int w)
{
	return kc_model_ns(r->ns[w], r->exits[w], r->emulations[w]);
}

/* Stock over @r for workload @w, in the test VM and in the model. */
static double speedup(const struct result *r, const struct result *stock,
		      int w)
{
	return stock->ns[w] / r->ns[w];
}

static double model_speedup(const struct result *r,
			    const struct result *stock, int w)
{
	return model_ns(stock, w) / model_ns(r, w);
}

static void print(const char *config, const struct result *r,
		  const struct result *stock)
{
	int w;

	for (w = 0; w < NR_WORKLOADS; w++)
		printf("%-8s %-18s %9.1f %6.2f %6.2fx %6.2fx\n", config,
		       names[w], r->ns[w], r->exits[w], speedup(r, stock, w),
		       model_speedup(r, stock, w));
}

/* Time per call of workload @w in @r, above that of workload @base. */
static double more_ns(const struct result *r, int w, int base, int n)
{
	return (r->ns[w] - r->ns[base]) / n;
}

/* What @r adds to each of @n exits of workload @w that it leaves to KVM. */
static double declined_cost(const struct result *r, const struct result *stock,
			    int w, int n)
{
	return (r->ns[w] - stock->ns[w]) / n;
}

/* A target of the cost issue: workload @w in @addr @floor times stock's. */
static void print_speedup_target(const char *target,
				 const struct result *addr,
				 const struct result *stock, int w, double floor)
{
	double x = speedup(addr, stock, w);

	kc_print_target(x >= floor, target, "%.2fx (model %.2fx)", x,
			model_speedup(addr, stock, w));
}

/*
 * The cost issue's targets 2-6 that these workloads measure, in the
 * default mode (addr).  A block of four OUTs costs one exit as stock's
 * first OUT does, three more coalesced OUTs, and the fixed cost of its
 * table hit, whatever that adds: so the last is what "4 OUTs" costs
 * above stock's, plus the three exits it saved, less the three OUTs.
 */
static void print_targets(const struct result *stock,
			  const struct result *off, const struct result *addr)
{
	double exit_ns = more_ns(stock, W_OUT16, W_OUT4, 12);
	double out_ns = more_ns(addr, W_OUT16, W_OUT4, 12);
	double add_ns = more_ns(addr, W_ADD4, W_ADD0, 4);
	double hit_ns = addr->ns[W_OUT4] - stock->ns[W_OUT4] +
			3 * (exit_ns - out_ns);
	double off_ns = declined_cost(off, stock, W_OUT16, 16);
	double user_ns = declined_cost(addr, stock, W_USER4, 4);
	double singular_ns = declined_cost(addr, stock, W_ADD48, 2);
	double store[3];
	int w;

	for (w = W_ZONE_STORE; w <= W_DOORBELL; w++)
		store[w - W_ZONE_STORE] = 100 * addr->ns[w] / stock->ns[w];

	printf("\nThe cost issue's targets, addr against stock (ns = test VM instructions)\n");
	kc_print_target(off_ns <= 25 && user_ns <= 25 && singular_ns <= 25,
			"2. declined exit: at most 25 ns above stock",
			"off %.1f, user port %.1f, singular %.1f",
			off_ns, user_ns, singular_ns);
	kc_print_target(hit_ns <= 400,
			"3. table hit: at most 400 above the exit",
			"%.0f", hit_ns);
	kc_print_target(out_ns <= 150, "4. one more coalesced OUT: at most 150",
			"%.0f", out_ns);
	kc_print_target(add_ns <= 60, "4. one more ADD in a block: at most 60",
			"%.1f", add_ns);
	kc_print_target(store[0] <= 60 && store[1] <= 60 && store[2] <= 60,
			"5. lone MMIO store: at most 60% of stock",
			"zone %.1f%%, EOI %.1f%%, ioeventfd %.1f%%",
			store[0], store[1], store[2]);
	print_speedup_target("6. 2 OUTs in a block: at least 1.3x stock",
			     addr, stock, W_ADD0, 1.3);
	print_speedup_target("6. 16 OUTs in a block: at least 4x stock",
			     addr, stock, W_OUT16, 4);
}

int main(int argc, char *argv[])
{
	static const char * const modes[] = { "off", "scan", "confirm", "addr" };
	struct result stock, res[ARRAY_SIZE(modes)], *off, *addr;
	int opt, w, workload = -1, calls = 20;
	char params[64];
	size_t i;

	while ((opt = getopt(argc, argv, "p:n:")) != -1) {
		if (opt == 'p')
			workload = workload_of(optarg);
		else if (opt == 'n')
			calls = atoi(optarg);
		else
			TEST_FAIL("usage: %s [-p WORKLOAD [-n CALLS]]", argv[0]);
	}
	if (workload >= 0) {
		profile(workload, calls);
		return 0;
	}

	if (kc_module_loaded())
		TEST_ASSERT_EQ(kc_module_unload(), 0);

	printf("kvm_coalesce bench: %d calls per workload, -icount: ns = L1 instructions\n\n",
	       ITERATIONS);
	printf("%-8s %-18s %9s %6s %7s %7s\n", "config", "workload", "ns/call",
	       "exits", "speedup", "model");
	run(&stock);
	print("stock", &stock, &stock);

	printf("\nstock: one more exit (OUT handled in KVM): %.0f ns\n",
	       more_ns(&stock, W_OUT16, W_OUT4, 12));

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		snprintf(params, sizeof(params), "mode=%s", modes[i]);
		TEST_ASSERT_EQ(kc_module_load(kc_module_path(), params), 0);
		run(&res[i]);
		TEST_ASSERT_EQ(kc_module_unload(), 0);
		printf("\n");
		print(modes[i], &res[i], &stock);
		if (i == 0)
			continue;
		printf("%s: one more coalesced OUT: %.0f ns; one more ADD in a block: %.1f ns\n",
		       modes[i], more_ns(&res[i], W_OUT16, W_OUT4, 12),
		       more_ns(&res[i], W_ADD4, W_ADD0, 4));
	}

	off = &res[0];
	addr = &res[ARRAY_SIZE(modes) - 1];
	printf("\nDeclined exits: ns above stock per exit\n");
	printf("  mode off, OUT to an in-kernel device:   %6.1f\n",
	       declined_cost(off, &stock, W_OUT16, 16));
	printf("  addr, OUT to a port known to be user's: %6.1f\n",
	       declined_cost(addr, &stock, W_USER4, 4));
	printf("  addr, OUT at a RIP known singular:      %6.1f\n",
	       declined_cost(addr, &stock, W_ADD48, 2));
	printf("\nAn OUT to the zone, then one to userspace, addr: %+.1f ns per pair above stock\n",
	       declined_cost(addr, &stock, W_PAIR4, 4));
	printf("The same, then an IN from userspace and 3 ALU instructions: %+.1f ns per read\n",
	       declined_cost(addr, &stock, W_READ4, 4));
	printf("One read with nothing after it (a PCI probe): %+.1f ns per read\n",
	       declined_cost(addr, &stock, W_PROBE, 1));
	printf("\nA lone MMIO store, addr, per call against stock\n");
	printf("  %-18s %7s %7s   (KVM's emulations per call: stock, addr)\n",
	       "", "test VM", "model");
	for (w = W_ZONE_STORE; w <= W_DOORBELL; w++)
		printf("  %-18s %6.1f%% %6.1f%%   (%.2f, %.2f)\n", names[w],
		       100 * addr->ns[w] / stock.ns[w],
		       100 * model_ns(addr, w) / model_ns(&stock, w),
		       stock.emulations[w], addr->emulations[w]);
	print_targets(&stock, off, addr);
	return 0;
}
