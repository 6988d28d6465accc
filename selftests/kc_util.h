/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the kvm_coalesce selftests: the module's debugfs
 * counters for a VM, its parameters, loading and unloading it, and KVM's
 * own per-vCPU statistics.
 */
#ifndef KC_UTIL_H
#define KC_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>

#include "kselftest.h"
#include "kvm_util.h"

#include "../kvm_coalesce/interface.h"

extern const char * const kc_mode_names[KC_NR_MODES];

/*
 * Counters of a VM, as the module's debugfs "stats" file lists them: a
 * u64 for each KC_STAT() of kvm_coalesce/stats.h, made by the Makefile.
 */
struct kc_stats {
#include "kc_stats_fields.h"
};

/* Reads @vm's counters; returns false if the module has no state for it. */
bool kc_read_stats(struct kvm_vm *vm, struct kc_stats *stats);
/* As kc_read_stats(), failing the test if the counters are missing. */
struct kc_stats kc_stats(struct kvm_vm *vm);
void kc_print_stats(const char *what, const struct kc_stats *stats);
/* How much each counter grew from @before to @now. */
struct kc_stats kc_stats_sub(const struct kc_stats *now,
			     const struct kc_stats *before);
/* The sum of each counter of @a and @b. */
struct kc_stats kc_stats_add(const struct kc_stats *a,
			     const struct kc_stats *b);
/*
 * Of @exits at a lone IN or OUT the module has run once, how many @mode
 * leaves to KVM by their RIP (rip_known, kvm_coalesce/known_rip.c):
 * all in scan and addr, none in confirm, which scans every exit.
 */
u64 kc_rip_known_exits(int mode, u64 exits);
/*
 * A VM with one vCPU that runs @guest_code in @mode, set for this VM
 * only (its debugfs "mode"), so that the module's parameter stays as it
 * is whatever the test does.  The guest's first action must be a
 * GUEST_SYNC: the exit at which the module attaches its state to the VM.
 */
struct kvm_vm *kc_vm_create_in_mode(int mode, void *guest_code,
				    struct kvm_vcpu **vcpu);
/*
 * Make the module attach its state to @vm, and set @vm's mode (debugfs)
 * before the guest's next exit: @vcpu, in 64-bit mode with no I/O
 * pending, runs one OUT of kc_util's own to a port no device takes, and
 * gets its registers back.  KVM and the module count that exit.
 */
void kc_vm_attach_in_mode(struct kvm_vm *vm, struct kvm_vcpu *vcpu, int mode);
/* Write @value to the VM's debugfs file @name: 0 or -errno. */
int kc_vm_debugfs_write(struct kvm_vm *vm, const char *name, const char *value);

/* The module's parameter @name: write returns 0 or -errno. */
int kc_param_write(const char *name, const char *value);
void kc_param_read(const char *name, char *buf, size_t len);
bool kc_module_loaded(void);

/* Load the module with default parameters unless it is loaded. */
void kc_module_ensure_loaded(void);

/* finit_module()/delete_module() of the module: 0 or -errno. */
int kc_module_load(const char *path, const char *params);
int kc_module_unload(void);
/* Its /sys/module initstate (live, coming, going), or "gone". */
const char *kc_module_state(void);
/* The module's path: $KC_MODULE, or the initramfs location. */
const char *kc_module_path(void);

/* The vCPU's coalesced MMIO/PIO ring, and how many entries it holds. */
struct kvm_coalesced_mmio_ring *kc_ring(struct kvm_vcpu *vcpu, u32 *size);
/* Move up to @max entries from the ring to @out; returns how many. */
int kc_ring_take(struct kvm_vcpu *vcpu, struct kvm_coalesced_mmio *out,
		 int max);
/* As kc_ring_take(), failing the test unless the ring is then empty. */
int kc_ring_take_all(struct kvm_vcpu *vcpu, struct kvm_coalesced_mmio *out,
		     int max);

/* KVM's binary statistic @name of @vcpu. */
u64 kc_vcpu_stat(struct kvm_vcpu *vcpu, const char *name);

/*
 * The hardware model of make bench (Documentation/bench.rst), in test VM
 * nanoseconds, i.e. instructions under -icount.
 *
 * KC_EXIT_COST_NS: a VM exit and entry, which TCG runs as two single
 * instructions: 1,360 cycles, measured on an AMD host around VMRUN in
 * KVM's svm_vcpu_run() (LKML, December 2020), at an assumed 3.0 GHz.
 *
 * KC_FETCH_COST_NS: what KVM spends here fetching the instruction of
 * an MMIO exit it emulates (__do_insn_fetch_bytes() and all it calls: a
 * walk of the guest's page tables, memslot lookups, the copy), which
 * an AMD CPU with decode assists hands it in the VMCB instead.
 * Measured with make profile WORKLOAD=zone MODE=stock.
 */
#define KC_EXIT_CYCLES		1360
#define KC_ASSUMED_MHZ		3000
#define KC_EXIT_COST_NS		((double)KC_EXIT_CYCLES * 1000 / KC_ASSUMED_MHZ)
#define KC_FETCH_COST_NS	1044.0

/* Test VM time @ns of @exits and @emulations by KVM, on hardware. */
static inline double kc_model_ns(double ns, double exits, double emulations)
{
	return ns + exits * KC_EXIT_COST_NS - emulations * KC_FETCH_COST_NS;
}

/*
 * One line of make bench's list of targets (Documentation/bench.rst,
 * "The targets"): @target as the cost issue states it, what was measured
 * (printf-style), and whether the measure @met it.
 */
void __printf(3, 4) kc_print_target(bool met, const char *target,
				    const char *fmt, ...);

/* Both 8259s of @vm (KVM_GET_IRQCHIP, KVM_SET_IRQCHIP), master first. */
void kc_pics_get(struct kvm_vm *vm, struct kvm_pic_state pic[2]);
void kc_pics_set(struct kvm_vm *vm, struct kvm_pic_state pic[2]);

/*
 * The CPUs the test may run on, and @thread pinned to the @n-th of them
 * (modulo their number): vCPU threads pinned to different CPUs make
 * exits that really run at the same time.  A new thread is created
 * pinned: it may have run, or even ended, before a pin after its
 * creation.
 */
int kc_nr_cpus(void);
void kc_pin_thread(pthread_t thread, int n);
void kc_thread_create_pinned(pthread_t *thread, void *(*fn)(void *),
			     void *arg, int n);

/*
 * A VM with a vCPU per CPU, each pinned, that run blocks of OUTs to the
 * in-kernel 8259 until kc_busy_stop(): exits of another VM that run in
 * the module at the same time as those of the test's own VMs.
 */
struct kc_busy *kc_busy_start(void);
void kc_busy_stop(struct kc_busy *busy);

/*
 * The harness of the tests that run one guest in every mode, stage by
 * stage.  The guest's first ucall is GUEST_SYNC(0), which ends stage 0;
 * GUEST_SYNC(n) ends stage n, GUEST_DONE() the last.  For each stage the
 * run keeps KVM's I/O exits, the module's counters and the accesses that
 * reached the coalesced zone, from its ring or, when the ring was full,
 * from an exit to userspace, in the order a VMM would see them.
 */
#define KC_MAX_STAGES	32
#define KC_RING_LOG	1024

struct kc_run {
	int mode;
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	/*
	 * The test's handler of the exits to userspace that are neither a
	 * ucall nor a write to the zone; without one they fail the test.
	 */
	void (*user_exit)(struct kc_run *run);
	/* The zone whose accesses are logged (kc_run_zone()). */
	u64 zone_addr;
	u64 zone_size;
	bool zone_pio;
	/* The last stage that ended. */
	int stage;
	/* Per stage: KVM's I/O exits but its ucall; counters at its end. */
	int exits[KC_MAX_STAGES];
	struct kc_stats stats[KC_MAX_STAGES];
	/* The zone's accesses; stage n's end before ring_end[n]. */
	int ring_end[KC_MAX_STAGES];
	int nr_ring;
	struct kvm_coalesced_mmio ring[KC_RING_LOG];
	u64 io_exits;		/* KVM's, at the last stage's end */
};

/* A VM with one vCPU that runs @guest_code, for the test to set up. */
void kc_run_create(struct kc_run *run, void *guest_code);
/* Register the coalesced PIO (@pio) or MMIO zone the run logs. */
void kc_run_zone(struct kc_run *run, u64 addr, u64 size, bool pio);
/* Set the VM's mode before its first exit, then run stage 0. */
void kc_run_start(struct kc_run *run, int mode);
/* Run the next stage, to GUEST_SYNC(run->stage + 1). */
void kc_run_stage(struct kc_run *run);
/* Run the last stage, to GUEST_DONE(). */
void kc_run_done(struct kc_run *run);
/* How many accesses the zone saw in @stage; @ring, if set, gets them. */
int kc_stage_ring(const struct kc_run *run, int stage,
		  const struct kvm_coalesced_mmio **ring);
/* How much each counter grew in @stage. */
struct kc_stats kc_stage_delta(const struct kc_run *run, int stage);
/* KVM's I/O exits in stages 1 to @nr - 1 are @want's (-1: any). */
void kc_check_exits(const struct kc_run *run, const int *want, int nr);
/* The zone saw in each stage of @run what it saw in @off's. */
void kc_check_same_ring(const struct kc_run *off, const struct kc_run *run);
/*
 * @test_mode(mode, @arg) for each mode, mode=off first: it runs the
 * guest and checks what it did; then a TAP "ok" for "mode=NAME: @what".
 * Inline: kselftest.h keeps the TAP counts of each file apart.
 */
static inline void kc_each_mode(void (*test_mode)(int mode, void *arg),
				void *arg, const char *what)
{
	int mode;

	for (mode = 0; mode < KC_NR_MODES; mode++) {
		test_mode(mode, arg);
		ksft_test_result_pass("mode=%s: %s\n", kc_mode_names[mode],
				      what);
	}
}

/*
 * The whole of a test of every mode: loads the module, hands @test_mode
 * @nr zeroed observations of @size bytes, and prints the TAP stream of
 * kc_each_mode(); exits with the test's status.
 */
static inline void kc_test_each_mode(void (*test_mode)(int mode, void *obs),
				     size_t nr, size_t size, const char *what)
{
	void *obs;

	kc_module_ensure_loaded();
	obs = calloc(nr, size);
	TEST_ASSERT(obs, "calloc");
	ksft_print_header();
	ksft_set_plan(KC_NR_MODES);
	kc_each_mode(test_mode, obs, what);
	free(obs);
	ksft_finished();
}

/* Whether process @pid has a VM: its KVM debugfs directory exists. */
bool kc_vm_dir_exists(pid_t pid);

/* A random seed's number, or a random one for "random". */
u64 kc_parse_seed(const char *arg);

#endif /* KC_UTIL_H */
