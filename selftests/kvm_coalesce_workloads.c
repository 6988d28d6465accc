// SPDX-License-Identifier: GPL-2.0
/*
 * make bench, part two: guest workloads modelled on the access sequences
 * of real drivers, against KVM's in-kernel devices and against small
 * userspace device models of this program, with the module unloaded and
 * loaded in each mode.  Per workload and configuration it prints the
 * exits KVM counted, the exits to userspace, the test VM's time per
 * iteration (under -icount shift=0,sleep=off: executed instructions of
 * the test VM, i.e. of L1 and the L2 guest it runs) and a modelled
 * hardware time (kc_model_ns()) that adds the VM exit and entry that
 * TCG does not charge and removes the instruction fetches of KVM's
 * emulations that decode assists spare; one KC-RESULT line of JSON per
 * record for scripts/bench-collect.sh.
 *
 * Workloads (kc_workloads_io.S, kc_engine_io.S):
 *   pic-init     8259 ICW1-ICW4 on both controllers, masks   in-kernel PIC
 *   pit-prog     8254 channel 0 mode 2, latch, read back     in-kernel PIT
 *   rtc-read     CMOS time read, 0x70 index / 0x71 data      userspace
 *   pci-scan     bus 0 scan through 0xcf8 / 0xcfc            userspace
 *   ioapic-prog  IOAPIC redirection table, MMIO index/data   in-kernel IOAPIC
 *   uart-tx      16550 initialisation, 16 bytes, LSR polled  userspace
 *   fw-cfg       fw_cfg selector writes, data reads          userspace
 *
 * Configurations: "stock" (module not loaded, no coalesced zones),
 * "stock+zones" (module not loaded; the coalesced PIO zones QEMU
 * registers: the RTC index port 0x70 and the PCI address register 0xcf8)
 * and each mode of the module with those zones ("off+zones",
 * "scan+zones", "confirm+zones", "addr+zones").  As QEMU does, the
 * zones' ring is drained into the device models before any exit is
 * handled.
 *
 * Nothing about time is asserted.  What is asserted, per run: the
 * guest's results (the values the device models return, the IOAPIC's
 * version), the number of writes and reads each userspace model saw,
 * that zone writes reached the models through the ring only when zones
 * are registered, and the IOAPIC's redirection table afterwards.
 *
 *   kvm_coalesce_workloads [-i ITERATIONS]   (default 3: a quick check)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "kc_engine_io.h"
#include "kc_util.h"
#include "kc_workloads_io.h"

#define DEFAULT_ITERATIONS	3
#define UART_TX_LEN		16
#define IOAPIC_NR_PINS		24
#define IOAPIC_VERSION		(0x11 | (IOAPIC_NR_PINS - 1) << 16)

enum workload {
	WL_PIC, WL_PIT, WL_RTC, WL_PCI, WL_IOAPIC, WL_UART, WL_FW_CFG,
	NR_WORKLOADS
};

static const char * const workload_names[NR_WORKLOADS] = {
	[WL_PIC] = "pic-init",
	[WL_PIT] = "pit-prog",
	[WL_RTC] = "rtc-read",
	[WL_PCI] = "pci-scan",
	[WL_IOAPIC] = "ioapic-prog",
	[WL_UART] = "uart-tx",
	[WL_FW_CFG] = "fw-cfg",
};

#define PCI_NR_DEVICES	4

/*
 * Writes and reads per iteration that reach the userspace device
 * models, and how many of the writes go to a port of a coalesced zone.
 */
static const struct {
	u32 writes, reads, zone_writes;
} user_accesses[NR_WORKLOADS] = {
	[WL_RTC] = { KC_RTC_NR_READS, KC_RTC_NR_READS, KC_RTC_NR_READS },
	[WL_PCI] = { KC_PCI_NR_SLOTS + 2 * PCI_NR_DEVICES,
		     KC_PCI_NR_SLOTS + 2 * PCI_NR_DEVICES,
		     KC_PCI_NR_SLOTS + 2 * PCI_NR_DEVICES },
	[WL_UART] = { 7 + UART_TX_LEN, UART_TX_LEN, 0 },
	[WL_FW_CFG] = { KC_FW_CFG_NR_SELECTS, KC_FW_CFG_NR_READS, 0 },
};

struct config {
	const char *name;
	int mode;		/* module mode, or -1: module not loaded */
	bool zones;		/* QEMU's coalesced PIO zones registered */
};

static const struct config configs[] = {
	{ "stock", -1, false },
	{ "stock+zones", -1, true },
	{ "off+zones", KC_MODE_OFF, true },
	{ "scan+zones", KC_MODE_SCAN, true },
	{ "confirm+zones", KC_MODE_CONFIRM, true },
	{ "addr+zones", KC_MODE_ADDR, true },
};

#define NR_CONFIGS	ARRAY_SIZE(configs)

/* Shared with the guest (sync_global_to_guest()). */
static u32 iterations = DEFAULT_ITERATIONS;
static u32 expect_rtc, expect_pci, expect_fw_cfg;

static void guest_workload(int w)
{
	switch (w) {
	case WL_PIC:
		kc_pic_init();
		break;
	case WL_PIT:
		GUEST_ASSERT(kc_pit_program() <= 0x2e9c);
		break;
	case WL_RTC:
		GUEST_ASSERT_EQ(kc_rtc_read(), expect_rtc);
		break;
	case WL_PCI:
		GUEST_ASSERT_EQ(kc_pci_scan(), expect_pci);
		break;
	case WL_IOAPIC:
		GUEST_ASSERT_EQ(kc_ioapic_program(KC_IOAPIC_GPA),
				IOAPIC_VERSION);
		break;
	case WL_UART:
		kc_uart_init_tx(UART_TX_LEN);
		break;
	case WL_FW_CFG:
		GUEST_ASSERT_EQ(kc_fw_cfg_read(), expect_fw_cfg);
		break;
	}
}

static void guest_code(void)
{
	u32 i;
	int w;

	for (w = 0; w < NR_WORKLOADS; w++) {
		GUEST_SYNC(w);
		for (i = 0; i < iterations; i++)
			guest_workload(w);
	}
	GUEST_DONE();
}

/* The userspace device models. */

/* CMOS: a Saturday, 2025-06-21 12:15:30, BCD, 24-hour clock. */
static const u8 cmos[128] = {
	[0x00] = 0x30, [0x02] = 0x15, [0x04] = 0x12, [0x06] = 0x07,
	[0x07] = 0x21, [0x08] = 0x06, [0x09] = 0x25,
	[0x0a] = 0x26,			/* 32.768 kHz, 1024 Hz, no update */
	[0x0b] = 0x02,			/* 24-hour, BCD */
	[0x0d] = 0x80,			/* battery good */
	[0x32] = 0x20,			/* century */
};

static const u8 rtc_regs[KC_RTC_NR_READS] = {
	0x0a, 0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x0b,
};

/* A host bridge, an ISA bridge, a VGA adapter and a NIC on bus 0. */
static const struct {
	u16 vendor, device;
	u32 class_rev;
	u8 header_type;
} pci_devices[PCI_NR_DEVICES] = {
	{ 0x8086, 0x1237, 0x06000002, 0x00 },
	{ 0x8086, 0x7000, 0x06010000, 0x80 },
	{ 0x1234, 0x1111, 0x03000002, 0x00 },
	{ 0x8086, 0x100e, 0x02000003, 0x00 },
};

/* fw_cfg items: signature, ID (traditional interface), file directory. */
#define FW_CFG_SIGNATURE	0x00
#define FW_CFG_ID		0x01
#define FW_CFG_FILE_DIR		0x19

static const u8 fw_cfg_signature[4] = { 'Q', 'E', 'M', 'U' };
static const u8 fw_cfg_id[4] = { 0x01, 0, 0, 0 };
/* One file, "bootorder" (8 bytes, item 0x20): big-endian count, entry. */
static const u8 fw_cfg_dir[4 + 64] = {
	0, 0, 0, 1,
	0, 0, 0, 8, 0x00, 0x20, 0, 0,
	'b', 'o', 'o', 't', 'o', 'r', 'd', 'e', 'r',
};

struct devices {
	u8 cmos_index;
	u32 pci_addr;
	u8 uart_lcr;
	u32 uart_tx_bytes, uart_tx_sum;
	u16 fw_cfg_sel;
	u32 fw_cfg_pos;
	/* What the models saw. */
	u64 writes, reads;
	u64 zone_writes;	/* writes to a zone port taken from the ring */
	u64 zone_exits;		/* writes to a zone port that exited */
};

static bool is_zone_port(u16 port)
{
	return port == KC_CMOS_INDEX || port == KC_PCI_ADDR;
}

static u32 pci_config_read(u32 addr)
{
	u32 bus = (addr >> 16) & 0xff, dev = (addr >> 11) & 0x1f;
	u32 fn = (addr >> 8) & 7, reg = addr & 0xfc;

	if (!(addr & 0x80000000) || bus || fn || dev >= PCI_NR_DEVICES)
		return 0xffffffff;
	switch (reg) {
	case 0x00:
		return pci_devices[dev].vendor | pci_devices[dev].device << 16;
	case 0x08:
		return pci_devices[dev].class_rev;
	case 0x0c:
		return pci_devices[dev].header_type << 16;
	}
	return 0;
}

static u8 fw_cfg_read(u16 sel, u32 pos)
{
	const u8 *item;
	u32 len;

	switch (sel) {
	case FW_CFG_SIGNATURE:
		item = fw_cfg_signature;
		len = sizeof(fw_cfg_signature);
		break;
	case FW_CFG_ID:
		item = fw_cfg_id;
		len = sizeof(fw_cfg_id);
		break;
	case FW_CFG_FILE_DIR:
		item = fw_cfg_dir;
		len = sizeof(fw_cfg_dir);
		break;
	default:
		return 0;
	}
	return pos < len ? item[pos] : 0;
}

static void device_write(struct devices *d, u16 port, u32 size, u32 value)
{
	d->writes++;
	if (port == KC_CMOS_INDEX && size == 1) {
		d->cmos_index = value & 0x7f;	/* bit 7 masks NMIs */
	} else if (port == KC_PCI_ADDR && size == 4) {
		d->pci_addr = value;
	} else if (port >= KC_UART_BASE && port < KC_UART_BASE + 8 &&
		   size == 1) {
		if (port == KC_UART_BASE + 3)
			d->uart_lcr = value;
		if (port == KC_UART_BASE && !(d->uart_lcr & 0x80)) {
			d->uart_tx_bytes++;
			d->uart_tx_sum += value;
		}
	} else if (port == KC_FW_CFG_SEL && size == 2) {
		d->fw_cfg_sel = value;
		d->fw_cfg_pos = 0;
	} else {
		TEST_FAIL("Unexpected OUT to port 0x%x, size %u", port, size);
	}
}

static u32 device_read(struct devices *d, u16 port, u32 size)
{
	d->reads++;
	if (port == KC_CMOS_DATA && size == 1)
		return cmos[d->cmos_index];
	if (port == KC_PCI_DATA && size == 4)
		return pci_config_read(d->pci_addr);
	if (port == KC_UART_BASE + 5 && size == 1)
		return 0x60;			/* THR and transmitter empty */
	if (port == KC_FW_CFG_DATA && size == 1)
		return fw_cfg_read(d->fw_cfg_sel, d->fw_cfg_pos++);
	TEST_FAIL("Unexpected IN from port 0x%x, size %u", port, size);
	return 0;
}

/* QEMU flushes the coalesced ring before it handles any exit. */
static void drain_ring(struct kvm_vcpu *vcpu, struct devices *d)
{
	struct kvm_coalesced_mmio e[16];
	u32 value;
	int n, i;

	while ((n = kc_ring_take(vcpu, e, ARRAY_SIZE(e))) > 0) {
		for (i = 0; i < n; i++) {
			TEST_ASSERT(e[i].pio && e[i].len <= sizeof(value),
				    "Unexpected ring entry at 0x%llx",
				    e[i].phys_addr);
			value = 0;
			memcpy(&value, e[i].data, e[i].len);
			device_write(d, e[i].phys_addr, e[i].len, value);
			d->zone_writes++;
		}
	}
}

static void handle_io(struct kvm_vcpu *vcpu, struct devices *d)
{
	struct kvm_run *run = vcpu->run;
	u8 *data = (u8 *)run + run->io.data_offset;
	u32 value = 0;

	TEST_ASSERT(run->exit_reason == KVM_EXIT_IO,
		    "Unexpected exit %s", exit_reason_str(run->exit_reason));
	TEST_ASSERT(run->io.count == 1 && run->io.size <= sizeof(value),
		    "Unexpected string or wide I/O at port 0x%x", run->io.port);
	if (run->io.direction == KVM_EXIT_IO_OUT) {
		memcpy(&value, data, run->io.size);
		device_write(d, run->io.port, run->io.size, value);
		d->zone_exits += is_zone_port(run->io.port);
	} else {
		value = device_read(d, run->io.port, run->io.size);
		memcpy(data, &value, run->io.size);
	}
}

/* What the guest must compute from the models' answers. */
static void compute_expected_results(void)
{
	u32 dev, i;

	expect_rtc = 0;
	for (i = 0; i < KC_RTC_NR_READS; i++)
		expect_rtc = expect_rtc * 8 + cmos[rtc_regs[i]];

	expect_pci = 0;
	for (dev = 0; dev < KC_PCI_NR_SLOTS; dev++) {
		u32 addr = 0x80000000 | dev << 11;

		if (pci_config_read(addr) == 0xffffffff)
			continue;
		expect_pci += pci_config_read(addr) +
			      pci_config_read(addr | 0x08) +
			      pci_config_read(addr | 0x0c);
	}

	expect_fw_cfg = 0;
	for (i = 0; i < 4; i++) {
		expect_fw_cfg += fw_cfg_signature[i] << (8 * i);
		expect_fw_cfg += fw_cfg_id[i] << (8 * i);
		expect_fw_cfg += fw_cfg_dir[i] << (8 * (3 - i));
	}
	for (i = 4; i < sizeof(fw_cfg_dir); i++)
		expect_fw_cfg += fw_cfg_dir[i];
}

/* Counters at the start of a workload (or the end of the last). */
/*
 * What the harness reads between two workloads: @ns_end when the last
 * one's ucall reached it, @ns_start when the next one is given the CPU,
 * so that neither workload's time includes the reading.
 */
struct sample {
	u64 ns_end, ns_start;
	u64 exits, io_exits, mmio_exits, emulations, userspace_exits;
	struct devices dev;
	struct kc_stats kc;
	bool has_kc;
};

struct record {
	u64 ns, exits, io_exits, mmio_exits, emulations, userspace_exits;
	u64 kc_blocks, kc_insns;
	bool has_kc;
};

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void take_sample(struct kvm_vcpu *vcpu, const struct devices *d,
			u64 userspace_exits, struct sample *s)
{
	s->ns_end = now_ns();
	s->exits = kc_vcpu_stat(vcpu, "exits");
	s->io_exits = kc_vcpu_stat(vcpu, "io_exits");
	s->mmio_exits = kc_vcpu_stat(vcpu, "mmio_exits");
	s->emulations = kc_vcpu_stat(vcpu, "insn_emulation");
	s->userspace_exits = userspace_exits;
	s->dev = *d;
	s->has_kc = kc_read_stats(vcpu->vm, &s->kc);
	s->ns_start = now_ns();
}

/* The models must have seen exactly the guest's accesses, nothing else. */
static void check_accesses(const struct config *c, int w,
			   const struct sample *a, const struct sample *b)
{
	u64 writes = b->dev.writes - a->dev.writes;
	u64 reads = b->dev.reads - a->dev.reads;
	u64 zone_writes = b->dev.zone_writes - a->dev.zone_writes;
	u64 zone_exits = b->dev.zone_exits - a->dev.zone_exits;
	u64 zone = (u64)iterations * user_accesses[w].zone_writes;

	TEST_ASSERT(writes == (u64)iterations * user_accesses[w].writes &&
		    reads == (u64)iterations * user_accesses[w].reads,
		    "%s, %s: models saw %lu writes and %lu reads, expected %lu and %lu",
		    workload_names[w], c->name, writes, reads,
		    (u64)iterations * user_accesses[w].writes,
		    (u64)iterations * user_accesses[w].reads);
	TEST_ASSERT(zone_writes == (c->zones ? zone : 0) &&
		    zone_exits == (c->zones ? 0 : zone),
		    "%s, %s: %lu zone writes from the ring, %lu from exits",
		    workload_names[w], c->name, zone_writes, zone_exits);
	if (w == WL_UART) {
		TEST_ASSERT_EQ(b->dev.uart_tx_bytes - a->dev.uart_tx_bytes,
			       (u64)iterations * UART_TX_LEN);
		TEST_ASSERT_EQ(b->dev.uart_tx_sum - a->dev.uart_tx_sum,
			       iterations * (UART_TX_LEN * 'a' +
					     UART_TX_LEN * (UART_TX_LEN - 1) / 2));
	}
}

static void check_ioapic(struct kvm_vm *vm)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	int pin;

	vm_ioctl(vm, KVM_GET_IRQCHIP, &chip);
	for (pin = 0; pin < IOAPIC_NR_PINS; pin++)
		TEST_ASSERT(chip.chip.ioapic.redirtbl[pin].bits == 0x10030 + pin,
			    "IOAPIC pin %d: 0x%llx", pin,
			    chip.chip.ioapic.redirtbl[pin].bits);
}

static void make_record(const struct sample *a, const struct sample *b,
			struct record *r)
{
	/* The ucall that ends a workload is one I/O exit, not its own. */
	r->ns = b->ns_end - a->ns_start;
	r->exits = b->exits - a->exits - 1;
	r->io_exits = b->io_exits - a->io_exits - 1;
	r->mmio_exits = b->mmio_exits - a->mmio_exits;
	r->emulations = b->emulations - a->emulations;
	r->userspace_exits = b->userspace_exits - a->userspace_exits;
	r->has_kc = a->has_kc && b->has_kc;
	r->kc_blocks = r->has_kc ? b->kc.blocks - a->kc.blocks : 0;
	r->kc_insns = r->has_kc ? b->kc.insns - a->kc.insns : 0;
}

static struct kvm_vm *create_vm(const struct config *c, struct kvm_vcpu **vcpu)
{
	struct kvm_pit_config pit = { .flags = 0 };
	struct kvm_vm *vm;

	/* x86 selftest VMs have the in-kernel 8259s and IOAPIC. */
	vm = vm_create_with_one_vcpu(vcpu, guest_code);
	vm_ioctl(vm, KVM_CREATE_PIT2, &pit);
	virt_map(vm, KC_IOAPIC_GPA, KC_IOAPIC_GPA, 1);
	if (c->zones) {
		kvm_vm_register_coalesced_io(vm, KC_CMOS_INDEX, 1, true);
		kvm_vm_register_coalesced_io(vm, KC_PCI_ADDR, 4, true);
	}
	sync_global_to_guest(vm, iterations);
	sync_global_to_guest(vm, expect_rtc);
	sync_global_to_guest(vm, expect_pci);
	sync_global_to_guest(vm, expect_fw_cfg);
	return vm;
}

static void run_config(const struct config *c, struct record *records)
{
	struct sample samples[NR_WORKLOADS + 1];
	struct devices dev = { 0 };
	u64 userspace_exits = 0;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;
	int w = 0;

	vm = create_vm(c, &vcpu);
	for (;;) {
		vcpu_run(vcpu);
		drain_ring(vcpu, &dev);
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_NONE:
			handle_io(vcpu, &dev);
			userspace_exits++;
			continue;
		case UCALL_SYNC:
			take_sample(vcpu, &dev, userspace_exits, &samples[w++]);
			continue;
		case UCALL_DONE:
			take_sample(vcpu, &dev, userspace_exits, &samples[w]);
			break;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
		default:
			TEST_FAIL("Unexpected ucall %lu", uc.cmd);
		}
		break;
	}
	TEST_ASSERT_EQ(w, NR_WORKLOADS);
	check_ioapic(vm);
	for (w = 0; w < NR_WORKLOADS; w++) {
		check_accesses(c, w, &samples[w], &samples[w + 1]);
		make_record(&samples[w], &samples[w + 1], &records[w]);
	}
	kvm_vm_free(vm);
}

static double model_ns(const struct record *r)
{
	return kc_model_ns(r->ns, r->exits, r->emulations);
}

/* @ref over @r, in the test VM and in the model. */
static double speedup(const struct record *r, const struct record *ref)
{
	return (double)ref->ns / r->ns;
}

static double model_speedup(const struct record *r, const struct record *ref)
{
	return model_ns(ref) / model_ns(r);
}

static void print_row(const char *config, const struct record *r,
		      const struct record *stock)
{
	double it = iterations;

	printf("  %-14s %8.1f %8.1f %8.1f %8.1f %10.0f %6.2fx %10.0f %6.2fx\n",
	       config, r->exits / it, r->userspace_exits / it,
	       r->io_exits / it, r->mmio_exits / it, r->ns / it,
	       speedup(r, stock), model_ns(r) / it, model_speedup(r, stock));
}

static void print_result(const char *workload, const char *config,
			 const struct record *r, const struct record *stock)
{
	/* One line of JSON; totals over the iterations. */
	printf("KC-RESULT {\"workload\": \"%s\", \"config\": \"%s\"",
	       workload, config);
	printf(", \"iterations\": %u, \"exits\": %lu, \"userspace_exits\": %lu",
	       iterations, r->exits, r->userspace_exits);
	printf(", \"io_exits\": %lu, \"mmio_exits\": %lu, \"l2_ns\": %lu",
	       r->io_exits, r->mmio_exits, r->ns);
	printf(", \"emulations\": %lu, \"exit_cost_ns\": %.1f",
	       r->emulations, KC_EXIT_COST_NS);
	printf(", \"fetch_cost_ns\": %.1f, \"model_ns\": %.0f",
	       KC_FETCH_COST_NS, model_ns(r));
	printf(", \"l2_speedup\": %.4f, \"model_speedup\": %.4f",
	       speedup(r, stock), model_speedup(r, stock));
	if (r->has_kc)
		printf(", \"kc_blocks\": %lu, \"kc_insns\": %lu",
		       r->kc_blocks, r->kc_insns);
	printf(", \"source\": \"kvm_coalesce_workloads\"}\n");
}

/*
 * A target of the cost issue: @r at least @floor times @ref's speed,
 * printed with @digits after the point.
 */
static void print_speedup_target(const char *target, const struct record *r,
				 const struct record *ref, double floor,
				 int digits)
{
	double x = speedup(r, ref);

	kc_print_target(x >= floor, target, "%.*fx (%.*fx)", digits, x,
			digits, model_speedup(r, ref));
}

/*
 * The cost issue's targets 1 and 6 that the workloads measure: the
 * default mode (addr+zones) against stock KVM with QEMU's zones, every
 * workload at least as fast (within 0.3% where every access goes to
 * userspace, which the module cannot coalesce), and the gains asked of
 * pic-init (against stock), rtc-read and pci-scan; each with its model
 * ratio (target 8).
 */
static void print_targets(struct record records[][NR_WORKLOADS])
{
	const struct record *stock = records[0], *zones = records[1];
	const struct record *addr = records[NR_CONFIGS - 1];
	char target[64];
	double floor;
	int w;

	printf("The cost issue's targets, addr+zones (the model's ratio in parentheses)\n");
	for (w = 0; w < NR_WORKLOADS; w++) {
		floor = user_accesses[w].zone_writes ||
			!user_accesses[w].writes ? 1.0 : 0.997;
		snprintf(target, sizeof(target),
			 "1. %s: at least %.3fx stock+zones",
			 workload_names[w], floor);
		print_speedup_target(target, &addr[w], &zones[w], floor, 3);
	}
	print_speedup_target("6. pic-init: at least 2.5x stock",
			     &addr[WL_PIC], &stock[WL_PIC], 2.5, 2);
	for (w = WL_RTC; w <= WL_PCI; w++) {
		snprintf(target, sizeof(target),
			 "6. %s: at least 1.15x stock+zones", workload_names[w]);
		print_speedup_target(target, &addr[w], &zones[w], 1.15, 2);
	}
	printf("\n");
}

static void print_results(struct record records[][NR_WORKLOADS])
{
	size_t c;
	int w;

	printf("%-16s %8s %8s %8s %8s %10s %7s %10s %7s\n", "workload/config",
	       "exits", "user", "io", "mmio", "l2_ns", "speedup", "model_ns",
	       "speedup");
	for (w = 0; w < NR_WORKLOADS; w++) {
		printf("%s\n", workload_names[w]);
		for (c = 0; c < NR_CONFIGS; c++)
			print_row(configs[c].name, &records[c][w], &records[0][w]);
	}
	printf("\nPer iteration: exits, io, mmio: KVM's statistics; user: returns to\n"
	       "userspace (not counting the harness's own); l2_ns: test VM time\n"
	       "(-icount: instructions); model_ns: l2_ns + exits x %.1f ns (a VM\n"
	       "exit and entry, %d cycles at %d MHz) - KVM's emulations x %.0f ns\n"
	       "(the instruction fetch decode assists spare); speedup: stock / config.\n\n",
	       KC_EXIT_COST_NS, KC_EXIT_CYCLES, KC_ASSUMED_MHZ, KC_FETCH_COST_NS);

	print_targets(records);
	for (w = 0; w < NR_WORKLOADS; w++)
		for (c = 0; c < NR_CONFIGS; c++)
			print_result(workload_names[w], configs[c].name,
				     &records[c][w], &records[0][w]);
}

/* Load the module in the configuration's mode, or make sure it is not. */
static void set_module(const struct config *c)
{
	char params[64];
	int r;

	if (kc_module_loaded()) {
		r = kc_module_unload();
		TEST_ASSERT(!r, "Unloading kvm_coalesce before %s: %s, state %s",
			    c->name, strerror(-r), kc_module_state());
	}
	if (c->mode < 0)
		return;
	snprintf(params, sizeof(params), "mode=%s", kc_mode_names[c->mode]);
	r = kc_module_load(kc_module_path(), params);
	TEST_ASSERT(!r, "Loading %s: %s", kc_module_path(), strerror(-r));
}

int main(int argc, char *argv[])
{
	static struct record records[NR_CONFIGS][NR_WORKLOADS];
	bool was_loaded = kc_module_loaded();
	size_t c;
	int opt;

	while ((opt = getopt(argc, argv, "i:")) != -1) {
		TEST_ASSERT(opt == 'i', "usage: %s [-i ITERATIONS]", argv[0]);
		iterations = atoi(optarg);
		TEST_ASSERT(iterations > 0, "bad iteration count %s", optarg);
	}
	compute_expected_results();

	printf("kvm_coalesce workloads: %u iterations each, -icount: ns = test VM instructions\n\n",
	       iterations);
	for (c = 0; c < NR_CONFIGS; c++) {
		set_module(&configs[c]);
		run_config(&configs[c], records[c]);
	}
	/* Leave the module as we found it, with its defaults. */
	set_module(&(struct config){ .mode = -1 });
	if (was_loaded)
		TEST_ASSERT(!kc_module_load(kc_module_path(), ""),
			    "Reloading %s", kc_module_path());
	print_results(records);
	return 0;
}
