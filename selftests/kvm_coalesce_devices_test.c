// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's in-kernel 8259 and 8254 programmed through blocks, in each mode.
 *
 * The guest initialises both 8259s (ICW1-ICW4 and the masks: ten OUTs)
 * and programs the 8254's channel 0 and reads its count back (four OUTs,
 * two INs), each twice.  KVM must count one exit per sequence in scan and
 * addr modes, and in confirm mode once a sequence has been seen; the
 * state of both devices, read with KVM_GET_IRQCHIP and KVM_GET_PIT2, must
 * equal the state mode=off leaves.
 *
 * Then, with interrupts enabled, a block whose first OUT unmasks a
 * pending IRQ3: the interrupt must be taken right after that OUT, at the
 * RIP where the guest's CPU takes it, so the block stops there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "kc_engine_io.h"
#include "kc_guest.h"
#include "kc_util.h"

/* The 8254 is programmed last, so that its IRQ0 cannot add events. */
enum {
	ST_START, ST_PIC_A, ST_PIC_B,
	ST_IRQ,			/* IRQ3 raised while masked, then unmasked */
	ST_PIT_A, ST_PIT_B,
	NR_STAGES,
};

/*
 * ICW2 of kc_pic_init() is 0x20.  IRQ3, which no device drives here:
 * IRQ0 would also see the 8254 the test programs.
 */
#define IRQ3_VECTOR	0x23

/* Exits KVM counts per stage, besides the stage's ucall. */
static const int expected_exits[KC_NR_MODES][NR_STAGES] = {
	/*
	 * IRQ: the unmasking OUT, the EOI in the handler, then the last
	 * two OUTs, as one block or two exits.
	 */
	/*             PA  PB IRQ TA TB */
	[KC_MODE_OFF]     = { 0, 10, 10, 4, 6, 6 },
	[KC_MODE_SCAN]    = { 0,  1,  1, 3, 1, 1 },
	[KC_MODE_CONFIRM] = { 0, 10,  1, 4, 6, 1 },
	[KC_MODE_ADDR]    = { 0,  1,  1, 3, 1, 1 },
};

static u64 irq_rip;
static int irq_count;

static void guest_irq3(struct ex_regs *regs)
{
	irq_rip = regs->rip;
	irq_count++;
	kc_outb(0x20, 0x20);	/* EOI */
}

static u32 pit_counts[NR_STAGES];

static void guest_code(void)
{
	GUEST_SYNC(ST_START);
	kc_pic_init();
	GUEST_SYNC(ST_PIC_A);
	kc_pic_init();
	GUEST_SYNC(ST_PIC_B);
	/* The host raised IRQ3, masked since kc_pic_init(). */
	asm volatile("sti");
	kc_unmask_irq3();
	asm volatile("cli");
	GUEST_ASSERT_EQ(irq_count, 1);
	GUEST_SYNC(ST_IRQ);
	pit_counts[ST_PIT_A] = kc_pit_program();
	GUEST_SYNC(ST_PIT_A);
	pit_counts[ST_PIT_B] = kc_pit_program();
	GUEST_SYNC(ST_PIT_B);
	GUEST_DONE();
}

struct devices {
	struct kvm_pic_state pic[2];
	struct kvm_pit_state2 pit;
};

struct run_obs {
	struct kc_run run;
	struct devices dev[NR_STAGES];
	u32 pit_counts[NR_STAGES];
	u64 irq_rip;
};

static void read_devices(struct kvm_vm *vm, struct devices *dev)
{
	int i;

	kc_pics_get(vm, dev->pic);
	vm_ioctl(vm, KVM_GET_PIT2, &dev->pit);
	/* IRQ0 follows the 8254's timer, which runs on host time. */
	dev->pic[0].irr &= ~1;
	dev->pic[0].last_irr &= ~1;
	/*
	 * When the count was loaded is a host time, and the count latched
	 * a snapshot of the running counter: they differ from run to run.
	 */
	for (i = 0; i < 3; i++) {
		dev->pit.channels[i].count_load_time = 0;
		dev->pit.channels[i].latched_count = 0;
	}
}

static void run_mode(int mode, struct run_obs *obs)
{
	struct kvm_pit_config pit = { .flags = 0 };
	struct kc_run *run = &obs->run;

	kc_run_create(run, guest_code);
	vm_ioctl(run->vm, KVM_CREATE_PIT2, &pit);
	vm_install_exception_handler(run->vm, IRQ3_VECTOR, guest_irq3);
	kc_run_zone(run, KC_ZONE_PORT, 1, true);
	kc_run_start(run, mode);
	read_devices(run->vm, &obs->dev[ST_START]);
	/* Room for the 20 instructions of the 8259 sequence. */
	TEST_ASSERT_EQ(kc_vm_debugfs_write(run->vm, "extent", "32"), 0);
	while (run->stage < NR_STAGES - 1) {
		kc_run_stage(run);
		read_devices(run->vm, &obs->dev[run->stage]);
		if (run->stage == ST_PIC_B) {
			/* An edge on IRQ3, latched in IRR while masked. */
			kvm_irq_line(run->vm, 3, 1);
			kvm_irq_line(run->vm, 3, 0);
		}
	}
	kc_run_done(run);
	sync_global_from_guest(run->vm, pit_counts);
	memcpy(obs->pit_counts, pit_counts, sizeof(pit_counts));
	sync_global_from_guest(run->vm, irq_rip);
	obs->irq_rip = irq_rip;
	kvm_vm_free(run->vm);
}

static void check_mode(int mode, const struct run_obs *off,
		       const struct run_obs *obs)
{
	u64 stop_event;
	int stage;

	kc_check_exits(&obs->run, expected_exits[mode], NR_STAGES);
	for (stage = ST_PIC_A; stage < NR_STAGES; stage++) {
		TEST_ASSERT(!memcmp(obs->dev[stage].pic, off->dev[stage].pic,
				    sizeof(obs->dev[stage].pic)),
			    "mode %s, stage %d: 8259 state differs from off",
			    kc_mode_names[mode], stage);
		TEST_ASSERT(!memcmp(&obs->dev[stage].pit, &off->dev[stage].pit,
				    sizeof(obs->dev[stage].pit)),
			    "mode %s, stage %d: 8254 state differs from off",
			    kc_mode_names[mode], stage);
	}
	/* IRQ3 was taken right after the OUT that unmasked it. */
	TEST_ASSERT(obs->irq_rip == (u64)kc_unmask_next,
		    "mode %s: IRQ3 taken at RIP 0x%lx, wanted 0x%lx",
		    kc_mode_names[mode], obs->irq_rip, (u64)kc_unmask_next);
	stop_event = obs->run.stats[NR_STAGES - 1].stop_event -
		     obs->run.stats[ST_START].stop_event;
	if (mode == KC_MODE_SCAN || mode == KC_MODE_ADDR)
		TEST_ASSERT(stop_event == 1,
			    "mode %s: %lu blocks stopped for an event, wanted 1",
			    kc_mode_names[mode], stop_event);

	/* The count read back is the running counter: only its range is known. */
	for (stage = ST_PIT_A; stage <= ST_PIT_B; stage++)
		TEST_ASSERT(obs->pit_counts[stage] <= 0x2e9c,
			    "mode %s: count read back 0x%x", kc_mode_names[mode],
			    obs->pit_counts[stage]);
}

/* What stock KVM must have made of the sequences. */
static void check_off(const struct run_obs *off)
{
	const struct devices *pic = &off->dev[ST_PIC_B];
	const struct devices *pit = &off->dev[ST_PIT_B];

	TEST_ASSERT_EQ(pic->pic[0].irq_base, 0x20);
	TEST_ASSERT_EQ(pic->pic[1].irq_base, 0x28);
	TEST_ASSERT_EQ(pic->pic[0].imr, 0xfb);
	TEST_ASSERT_EQ(pic->pic[1].imr, 0xff);
	/* The IRQ stage unmasked IRQ3; its handler acknowledged it. */
	TEST_ASSERT_EQ(off->dev[ST_IRQ].pic[0].imr, 0xf3);
	TEST_ASSERT_EQ(off->dev[ST_IRQ].pic[0].isr, 0);
	TEST_ASSERT_EQ(pit->pit.channels[0].mode, 2);
	TEST_ASSERT_EQ(pit->pit.channels[0].count, 0x2e9c);
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
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_PIT2));
	kc_test_each_mode(test_mode, KC_NR_MODES, sizeof(struct run_obs),
			  "8259, 8254 and IRQ3 as with off");
}
