// SPDX-License-Identifier: GPL-2.0
/*
 * Load and unload kvm_coalesce repeatedly while a VM does port I/O, and
 * check that bad parameter writes are rejected without effect.
 *
 * A vCPU thread runs a guest that loops over bursts of OUTs to a
 * coalesced PIO zone, with a ucall after each burst.  The main thread
 * loads the module, waits until the guest has completed more bursts,
 * in its default mode, checks that the module counted them for the VM,
 * and unloads it again, while blocks may be running;
 * the VM's per-VM debugfs directory must come and go with the module.
 * The guest checks its own progress, so lost or repeated I/O would show.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "kc_guest.h"
#include "kc_util.h"

#define ZONE_PORT	0x80
#define BURST		16
#define NR_CYCLES	20
#define BURSTS_PER_CYCLE 4

static void guest_code(void)
{
	u64 burst;
	int i;

	for (burst = 1;; burst++) {
		for (i = 0; i < BURST; i++)
			kc_outb(ZONE_PORT, i);
		GUEST_SYNC(burst);
	}
}

static struct kvm_vcpu *vcpu;
static u64 bursts_done;	/* written by the vCPU thread */
static bool stop;

static void *vcpu_thread(void *arg)
{
	struct kvm_coalesced_mmio_ring *ring;
	u32 size;
	struct ucall uc;

	ring = kc_ring(vcpu, &size);

	while (!READ_ONCE(stop)) {
		vcpu_run(vcpu);
		TEST_ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_SYNC);
		TEST_ASSERT_EQ(uc.args[1], READ_ONCE(bursts_done) + 1);
		TEST_ASSERT_EQ((ring->last + size - ring->first) % size, BURST);
		ring->first = ring->last;
		__atomic_store_n(&bursts_done, uc.args[1], __ATOMIC_RELEASE);
	}
	return NULL;
}

static u64 bursts(void)
{
	return __atomic_load_n(&bursts_done, __ATOMIC_ACQUIRE);
}

static void wait_for_bursts(u64 target)
{
	while (bursts() < target)
		sched_yield();
}

static void check_param_rejected(const char *name, const char *value)
{
	char before[32], after[32];
	int r;

	kc_param_read(name, before, sizeof(before));
	r = kc_param_write(name, value);
	kc_param_read(name, after, sizeof(after));
	TEST_ASSERT(r == -EINVAL, "Writing '%s' to %s: got %d, wanted -EINVAL",
		    value, name, r);
	TEST_ASSERT(!strcmp(before, after), "%s changed from '%s' to '%s'",
		    name, before, after);
}

static void check_params(void)
{
	static const char * const bad_modes[] = {
		"of", "offf", "OFF", "0", "scan scan", "-1", "scanx",
	};
	static const char * const bad_extents[] = {
		"0", "65", "-1", "abc", "16abc", "4294967312",
	};
	static const char * const bad_limits[] = {
		"65", "-1", "default", "6x", "4294967302",
	};
	char buf[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad_modes); i++)
		check_param_rejected("mode", bad_modes[i]);
	for (i = 0; i < ARRAY_SIZE(bad_extents); i++)
		check_param_rejected("extent", bad_extents[i]);
	for (i = 0; i < ARRAY_SIZE(bad_limits); i++)
		check_param_rejected("insns_per_exit", bad_limits[i]);

	TEST_ASSERT_EQ(kc_param_write("extent", "64"), 0);
	kc_param_read("extent", buf, sizeof(buf));
	TEST_ASSERT(!strcmp(buf, "64"), "extent is '%s'", buf);
	TEST_ASSERT_EQ(kc_param_write("extent", "16\n"), 0);
	kc_param_read("extent", buf, sizeof(buf));
	TEST_ASSERT(!strcmp(buf, "16"), "extent is '%s'", buf);
	TEST_ASSERT_EQ(kc_param_write("insns_per_exit", "0"), 0);
	kc_param_read("insns_per_exit", buf, sizeof(buf));
	TEST_ASSERT(!strcmp(buf, "0"), "insns_per_exit is '%s'", buf);
	TEST_ASSERT_EQ(kc_param_write("mode", "off\n"), 0);

	/* Bad values on the command line fail the load. */
	TEST_ASSERT_EQ(kc_module_unload(), 0);
	TEST_ASSERT_EQ(kc_module_load(kc_module_path(), "extent=0"), -EINVAL);
	TEST_ASSERT_EQ(kc_module_load(kc_module_path(), "mode=fast"), -EINVAL);
	TEST_ASSERT_EQ(kc_module_load(kc_module_path(), "insns_per_exit=65"),
		       -EINVAL);
	TEST_ASSERT(!kc_module_loaded(), "Module loaded with bad parameters");
}

static void load_unload_cycle(struct kvm_vm *vm)
{
	struct kc_stats stats;
	u64 start;
	int r;

	r = kc_module_load(kc_module_path(), "");
	TEST_ASSERT(!r, "Loading %s: %s", kc_module_path(), strerror(-r));

	start = bursts();
	wait_for_bursts(start + BURSTS_PER_CYCLE);
	/*
	 * The module attached to the VM at its first exit after the load,
	 * at the latest in burst start + 2, which is complete now: at least
	 * that burst's exit (one, if its OUTs were coalesced) and its ucall.
	 */
	stats = kc_stats(vm);
	TEST_ASSERT(stats.pio_exits >= 2,
		    "Module counted %lu PIO exits in %d bursts",
		    stats.pio_exits, BURSTS_PER_CYCLE);
	/*
	 * Every exit is an OUT.  The vCPU exits on another CPU while the
	 * counters are read one after the other, so exits and pio_exits
	 * may be read an exit apart: no other kind may have grown.
	 */
	TEST_ASSERT(!stats.mmio_exits && !stats.string_pio_exits,
		    "Module counted %lu MMIO and %lu string exits",
		    stats.mmio_exits, stats.string_pio_exits);

	r = kc_module_unload();
	TEST_ASSERT(!r, "Unloading kvm_coalesce: %s", strerror(-r));
	TEST_ASSERT(!kc_read_stats(vm, &stats),
		    "Per-VM debugfs left behind by the unload");

	/* The guest keeps running without the module. */
	wait_for_bursts(bursts() + 1);
}

int main(int argc, char *argv[])
{
	pthread_t thread;
	struct kvm_vm *vm;
	int i, r;

	TEST_REQUIRE(kvm_has_cap(KVM_CAP_COALESCED_PIO));

	ksft_print_header();
	ksft_set_plan(2);

	if (!kc_module_loaded()) {
		r = kc_module_load(kc_module_path(), "");
		TEST_ASSERT(!r, "Loading %s: %s", kc_module_path(), strerror(-r));
	}
	check_params();
	ksft_test_result_pass("bad parameter values rejected, nothing changed\n");

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	kvm_vm_register_coalesced_io(vm, ZONE_PORT, 1, true);
	/* Loads and unloads on one CPU while the vCPU exits on another. */
	kc_thread_create_pinned(&thread, vcpu_thread, NULL, 1);
	kc_pin_thread(pthread_self(), 0);

	for (i = 0; i < NR_CYCLES; i++)
		load_unload_cycle(vm);

	WRITE_ONCE(stop, true);
	pthread_join(thread, NULL);
	printf("# %d load/unload cycles over %lu bursts of %d OUTs\n",
	       NR_CYCLES, bursts(), BURST);
	kvm_vm_free(vm);

	r = kc_module_load(kc_module_path(), "");
	TEST_ASSERT(!r, "Reloading %s: %s", kc_module_path(), strerror(-r));
	ksft_test_result_pass("%d load/unload cycles while the guest did I/O\n",
			      NR_CYCLES);
	ksft_finished();
}
