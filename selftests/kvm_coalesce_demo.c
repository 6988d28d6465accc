// SPDX-License-Identifier: GPL-2.0
/*
 * make demo: run small guest workloads that program in-kernel devices
 * the way firmware and operating systems do, and print per workload the
 * exits KVM counted and the counters of kvm_coalesce, with the module
 * unloaded (stock KVM) and loaded in each of its modes.
 *
 * Workloads (one iteration each, repeated ITERATIONS times):
 *   pic-init  8259 initialisation: ICW1-ICW4 on both controllers, masks
 *   pit-prog  8254 channel 0 mode 2 programming, then latch and read
 *   ioapic    IOAPIC redirection entries of four pins through its
 *             IOREGSEL/IOWIN MMIO registers, as an OS routes its IRQs
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "kc_guest.h"
#include "kc_util.h"

#define ITERATIONS	100

#define IOAPIC_BASE	0xfec00000ul
#define IOAPIC_IOREGSEL	0x00
#define IOAPIC_IOWIN	0x10

enum workload { WL_PIC_INIT, WL_PIT_PROG, WL_IOAPIC, NR_WORKLOADS };

static const char * const workload_names[NR_WORKLOADS] = {
	[WL_PIC_INIT] = "pic-init",
	[WL_PIT_PROG] = "pit-prog",
	[WL_IOAPIC] = "ioapic",
};

/* Accesses per iteration, for the table. */
static const int workload_ios[NR_WORKLOADS] = {
	[WL_PIC_INIT] = 10,
	[WL_PIT_PROG] = 6,
	[WL_IOAPIC] = 16,
};

/*
 * Each guest routine starts on a 256-byte boundary, within which it
 * fits, so that no block is cut at a page's end wherever the linker
 * puts it (see kc_asm.h).
 */
static noinline __aligned(256) void guest_pic_init(void)
{
	kc_outb(0x20, 0x11);	/* ICW1: edge, cascade, ICW4 */
	kc_outb(0x21, 0x20);	/* ICW2: vectors 0x20-0x27 */
	kc_outb(0x21, 0x04);	/* ICW3: slave on IR2 */
	kc_outb(0x21, 0x01);	/* ICW4: 8086 mode */
	kc_outb(0xa0, 0x11);
	kc_outb(0xa1, 0x28);	/* vectors 0x28-0x2f */
	kc_outb(0xa1, 0x02);	/* cascade identity */
	kc_outb(0xa1, 0x01);
	kc_outb(0x21, 0xfb);	/* mask all but the cascade */
	kc_outb(0xa1, 0xff);
}

static noinline __aligned(256) u16 guest_pit_prog(void)
{
	u16 count;

	kc_outb(0x43, 0x34);	/* channel 0, lobyte/hibyte, mode 2 */
	kc_outb(0x40, 0x9c);	/* 1193182 Hz / 0x2e9c = 100 Hz */
	kc_outb(0x40, 0x2e);
	kc_outb(0x43, 0x00);	/* latch channel 0 */
	count = kc_inb(0x40);
	count |= kc_inb(0x40) << 8;
	return count;
}

/* A 32-bit MMIO write, as Linux's writel(). */
static inline void mmio_write32(u32 *addr, u32 val)
{
	asm volatile("movl %1, %0" : "=m"(*addr) : "ri"(val) : "memory");
}

/*
 * As Linux's io_apic_write(): the register's index, then its value,
 * through the pointer to the IOAPIC's registers.
 */
static inline void ioapic_write(u32 *ioapic, u32 reg, u32 val)
{
	mmio_write32(ioapic + IOAPIC_IOREGSEL / 4, reg);
	mmio_write32(ioapic + IOAPIC_IOWIN / 4, val);
}

/* A pin's redirection entry: vector, masked, edge, fixed, to APIC 0. */
static inline void ioapic_route(u32 *ioapic, int pin, u8 vector)
{
	ioapic_write(ioapic, 0x10 + 2 * pin, 0x10000 | vector);
	ioapic_write(ioapic, 0x11 + 2 * pin, 0);
}

/* Not inlined: the IOAPIC's address is a pointer here, as in Linux. */
static noinline __aligned(256) void guest_ioapic(u32 *ioapic)
{
	ioapic_route(ioapic, 1, 0x31);
	ioapic_route(ioapic, 3, 0x33);
	ioapic_route(ioapic, 4, 0x34);
	ioapic_route(ioapic, 8, 0x38);
}

static void guest_code(void)
{
	u16 count;
	int w, i;

	for (w = 0; w < NR_WORKLOADS; w++) {
		GUEST_SYNC(w);
		for (i = 0; i < ITERATIONS; i++) {
			switch (w) {
			case WL_PIC_INIT:
				guest_pic_init();
				break;
			case WL_PIT_PROG:
				count = guest_pit_prog();
				GUEST_ASSERT(count <= 0x2e9c);
				break;
			case WL_IOAPIC:
				guest_ioapic((u32 *)IOAPIC_BASE);
				break;
			}
		}
	}
	GUEST_DONE();
}

struct sample {
	u64 ns;			/* CLOCK_MONOTONIC in the test VM */
	u64 io_exits;
	u64 exits;		/* all exits KVM counted */
	u64 userspace_exits;
	struct kc_stats kc;
	bool has_kc;
};

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void take_sample(struct kvm_vcpu *vcpu, u64 userspace_exits,
			struct sample *s)
{
	s->ns = now_ns();
	s->io_exits = kc_vcpu_stat(vcpu, "io_exits");
	s->exits = kc_vcpu_stat(vcpu, "exits");
	s->userspace_exits = userspace_exits;
	s->has_kc = kc_read_stats(vcpu->vm, &s->kc);
	if (!s->has_kc)
		memset(&s->kc, 0, sizeof(s->kc));
}

static void print_row(const char *config, int w, const struct sample *a,
		      const struct sample *b)
{
	/* The ucall that ends the workload is one I/O exit to userspace. */
	printf("%-9s %-6s %5d %6d %9lu %10lu %10lu %10lu",
	       workload_names[w], config, ITERATIONS, workload_ios[w],
	       (b->ns - a->ns) / ITERATIONS,
	       b->exits - a->exits - 1, b->io_exits - a->io_exits - 1,
	       b->userspace_exits - a->userspace_exits - 1);
	if (b->has_kc)
		printf(" %8lu %7lu %7lu\n", b->kc.exits - a->kc.exits - 1,
		       b->kc.blocks - a->kc.blocks, b->kc.insns - a->kc.insns);
	else
		printf(" %8s %7s %7s\n", "-", "-", "-");
}

static void run_config(const char *config)
{
	struct sample samples[NR_WORKLOADS + 1];
	u64 userspace_exits = 0;
	struct kvm_pit_config pit = { .flags = 0 };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;
	int w = 0;

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vm_ioctl(vm, KVM_CREATE_PIT2, &pit);
	virt_map(vm, IOAPIC_BASE, IOAPIC_BASE, 1);

	for (;;) {
		vcpu_run(vcpu);
		userspace_exits++;
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			/* Counted at the start of workload @w. */
			take_sample(vcpu, userspace_exits, &samples[w++]);
			continue;
		case UCALL_DONE:
			take_sample(vcpu, userspace_exits, &samples[w]);
			break;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
		default:
			TEST_FAIL("Unexpected exit %s",
				  exit_reason_str(vcpu->run->exit_reason));
		}
		break;
	}
	for (w = 0; w < NR_WORKLOADS; w++)
		print_row(config, w, &samples[w], &samples[w + 1]);
	kvm_vm_free(vm);
}

int main(int argc, char *argv[])
{
	static const char * const modes[] = { "off", "scan", "confirm", "addr" };
	char params[64];
	size_t i;
	int r;

	printf("kvm_coalesce demo: %d iterations per workload; exits are totals over them\n\n",
	       ITERATIONS);
	printf("%-9s %-6s %5s %6s %9s %10s %10s %10s %8s %7s %7s\n", "workload",
	       "config", "iters", "io/it", "ns/it", "kvm_exits", "io_exits",
	       "user_exits", "kc_exits", "blocks", "insns");

	if (kc_module_loaded()) {
		r = kc_module_unload();
		TEST_ASSERT(!r, "Unloading kvm_coalesce: %s", strerror(-r));
	}
	run_config("stock");

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		snprintf(params, sizeof(params), "mode=%s", modes[i]);
		r = kc_module_load(kc_module_path(), params);
		TEST_ASSERT(!r, "Loading %s: %s", kc_module_path(), strerror(-r));
		run_config(modes[i]);
		TEST_ASSERT_EQ(kc_module_unload(), 0);
	}
	printf("\nns/it: time per iteration in the test VM (with -icount, executed\n"
	       "instructions); kvm_exits, io_exits: KVM's vCPU statistics (MMIO exits\n"
	       "handled in the kernel count in kvm_exits only); user_exits: returns to\n"
	       "userspace; kc_exits, blocks, insns: kvm_coalesce's counters.\n");
	return 0;
}
