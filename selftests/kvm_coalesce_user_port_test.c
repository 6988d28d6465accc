// SPDX-License-Identifier: GPL-2.0
/*
 * The ports the module knows to go to userspace (user_io.c) made stale,
 * in each mode.  A block OUTs to a coalesced PIO zone and to a port no
 * in-kernel device takes, twice (kc_user_port_io.S): the module learns
 * at the block's first access to that port that it is userspace's, and
 * leaves its later accesses to KVM's path to userspace without a try of
 * the bus.  Between stages the host changes what takes the port:
 *
 *  stage 1  userspace
 *  stage 2  a second coalesced zone, which replaces KVM's PIO bus: no
 *           access may go to userspace, or be left to KVM as known
 *  stage 3  userspace again, the zone unregistered, and spare zones at
 *           ports the guest never uses registered
 *
 * Each stage then runs a second routine, whose exit is an OUT to that
 * port: KVM itself declines it while the port is known to be
 * userspace's, from the same bitmap, and must offer it to the module
 * again in stage 2, where the zone makes the two OUTs one block.
 *
 * The accesses to both ports, from the ring or from exits to userspace,
 * in order, must equal mode=off's in every stage, and the module's
 * counters must show that it knew the port was userspace's in stages 1
 * and 3 only.
 *
 * The devices the module remembers per port (bus.c) go stale too: in
 * stage 3 the entries of stage 2's bus are no longer on the bus, and
 * the spare zones make the new bus larger, so that it is not allocated
 * where stage 2's was and an entry of that bus points to freed memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "kc_user_port_io.h"
#include "kc_util.h"

#define NR_CALLS	4
#define PORT_FIRST	8	/* in the values of kc_up_port_first() */
#define NR_STAGES	4	/* stage 0 ends before the first call */

static void guest_code(void)
{
	int stage, i;

	GUEST_SYNC(0);
	for (stage = 1; stage < NR_STAGES; stage++) {
		for (i = 0; i < NR_CALLS; i++)
			kc_up_burst(stage << 4 | i << 1);
		for (i = 0; i < NR_CALLS; i++)
			kc_up_port_first(stage << 4 | PORT_FIRST | i);
		GUEST_SYNC(stage);
	}
	GUEST_DONE();
}

#define KC_UP_SPARE	0x1000	/* ports of the spare zones */
#define NR_SPARE	8

static void register_spare_zones(struct kvm_vm *vm)
{
	int i;

	for (i = 0; i < NR_SPARE; i++)
		kvm_vm_register_coalesced_io(vm, KC_UP_SPARE + i, 1, true);
}

static void run_mode(int mode, struct kc_run *run)
{
	memset(run, 0, sizeof(*run));
	kc_run_create(run, guest_code);
	/*
	 * KVM's zone is KC_UP_ZONE alone; the harness logs both ports, so
	 * that an OUT to KC_UP_PORT is logged in order, from the ring or
	 * from its exit to userspace.
	 */
	kc_run_zone(run, KC_UP_ZONE, 1, true);
	run->zone_size = 2;
	kc_run_start(run, mode);
	kc_run_stage(run);
	kvm_vm_register_coalesced_io(run->vm, KC_UP_PORT, 1, true);
	kc_run_stage(run);
	kvm_vm_unregister_coalesced_io(run->vm, KC_UP_PORT, 1, true);
	register_spare_zones(run->vm);
	kc_run_stage(run);
	kc_run_done(run);
	kvm_vm_free(run->vm);
}

/*
 * Each stage logged both OUTs of each half of each burst, then both
 * OUTs of each kc_up_port_first(), in order.
 */
static void check_ring(const struct kc_run *run)
{
	const struct kvm_coalesced_mmio *e;
	int stage, i, n;

	for (stage = 1; stage < NR_STAGES; stage++) {
		n = kc_stage_ring(run, stage, &e);
		TEST_ASSERT(n == NR_CALLS * 6, "mode %s, stage %d: %d OUTs",
			    kc_mode_names[run->mode], stage, n);
		for (i = 0; i < n; i++) {
			bool burst = i < NR_CALLS * 4;
			int j = burst ? i : i - NR_CALLS * 4;
			u64 first = burst ? KC_UP_ZONE : KC_UP_PORT;
			u64 second = burst ? KC_UP_PORT : KC_UP_ZONE;
			u64 port = j & 1 ? second : first;
			u8 data = stage << 4 | j >> 1;

			if (!burst)
				data |= PORT_FIRST;
			TEST_ASSERT(e[i].pio && e[i].len == 1 &&
				    e[i].phys_addr == port &&
				    e[i].data[0] == data,
				    "mode %s, stage %d, OUT %d: port 0x%llx data 0x%x, wanted port 0x%lx data 0x%x",
				    kc_mode_names[run->mode], stage, i,
				    e[i].phys_addr, e[i].data[0], port, data);
		}
	}
}

static void check_mode(const struct kc_run *off, const struct kc_run *run)
{
	const char *name = kc_mode_names[run->mode];
	struct kc_stats d;
	int stage;

	check_ring(run);
	kc_check_same_ring(off, run);
	for (stage = 1; stage < NR_STAGES; stage++) {
		d = kc_stage_delta(run, stage);
		kc_print_stats(name, &d);
		if (run->mode == KC_MODE_OFF) {
			TEST_ASSERT_EQ(d.handled, 0);
			continue;
		}
		if (stage == 2) {
			/*
			 * The zone took the port: nothing was userspace's,
			 * and each kc_up_port_first() was one block.
			 */
			TEST_ASSERT(!d.user_pio && !d.user_pio_known &&
				    !d.user_io_known,
				    "mode %s, stage 2: user_pio %lu, user_pio_known %lu, user_io_known %lu",
				    name, d.user_pio, d.user_pio_known,
				    d.user_io_known);
		} else {
			/*
			 * Known after its first access, each time, by the
			 * bursts: KVM declined every kc_up_port_first()
			 * (and maybe a GUEST_SYNC, and in confirm mode the
			 * bursts' own exits at the port).
			 */
			TEST_ASSERT(d.user_pio_known > 0 &&
				    d.user_io_known >= NR_CALLS,
				    "mode %s, stage %d: user_pio %lu, user_pio_known %lu, user_io_known %lu",
				    name, stage, d.user_pio, d.user_pio_known,
				    d.user_io_known);
		}
	}
}

static void test_mode(int mode, void *obs)
{
	struct kc_run *runs = obs;

	run_mode(mode, &runs[mode]);
	check_mode(&runs[KC_MODE_OFF], &runs[mode]);
}

int main(int argc, char *argv[])
{
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_COALESCED_PIO));
	kc_test_each_mode(test_mode, KC_NR_MODES, sizeof(struct kc_run),
			  "the port's accesses go where its bus sends them");
}
