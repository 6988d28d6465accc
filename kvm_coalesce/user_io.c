// SPDX-License-Identifier: GPL-2.0
/*
 * Accesses that no in-kernel device takes.
 *
 * An exit for a port or an MMIO address that only userspace handles (a
 * UART, fw_cfg, most of a NIC's registers) cannot be coalesced: its
 * first access must go to userspace.  Finding that out costs a
 * translation, a code read, a table lookup or a scan, and an attempt on
 * the bus, thousands of instructions on every such exit.  So each VM
 * remembers the ports (a bitmap) and MMIO addresses (a small
 * direct-mapped cache) whose exiting access no in-kernel device took,
 * and leaves the next exit for them to KVM at once.  A port that a
 * later access of a block found userspace's is remembered too, and the
 * block's accesses to it are left to KVM's path to userspace without a
 * try of the bus, which that path makes anyway (a CMOS or PCI data
 * port, read after an index register in a coalesced zone).
 *
 * Only addresses that no device on the bus covers are remembered: a
 * device may refuse one access and take the next (a coalesced zone
 * whose ring is full, an ioeventfd that matches some values only).  A
 * port is remembered for an access of the exit's size, but then left
 * to KVM for every size: a port whose devices take some sizes only is
 * not coalesced then, which is always correct.
 *
 * The bus an entry was learnt on is remembered too: KVM replaces a bus
 * (kvm->buses[]) whenever a device is added or removed, and a different
 * bus invalidates every entry.  Entries are set and cleared without
 * locks; a stale or racing entry can only make the module decline an
 * exit, i.e. let KVM handle it as it would without the module, which is
 * always correct.
 *
 * KVM tests the ports' bitmap itself, before it would call the module
 * for an IN or OUT (struct kvm_io_exit_vm, declined_ports): an exit to
 * a UART or fw_cfg then costs a bit test and no call.  It counts those
 * exits per vCPU, and debugfs.c adds them to the module's counters.
 */
#include <linux/bitmap.h>
#include <linux/hash.h>
#include <linux/kvm_host.h>

#include "access.h"
#include "kvm_coalesce.h"

#define KC_NR_PORTS	65536

int kc_user_io_init(struct kc_vm *vm)
{
	int i;

	vm->hook.declined_ports = bitmap_zalloc(KC_NR_PORTS,
						GFP_KERNEL_ACCOUNT);
	if (!vm->hook.declined_ports)
		return -ENOMEM;
	for (i = 0; i < KC_USER_MMIO_SLOTS; i++)
		vm->user_mmio[i] = INVALID_GPA;
	return 0;
}

void kc_user_io_destroy(struct kc_vm *vm)
{
	bitmap_free(vm->hook.declined_ports);
}

/*
 * Whether a device on @kvm's bus @idx covers an access of @len bytes at
 * @addr, whatever it makes of it: as kvm_io_bus_cmp(), the access must
 * lie within the device's range (QEMU's one-byte zone at 0xcf8 does not
 * take the four-byte OUTs of PCI configuration).
 */
static bool kc_bus_covers(struct kvm *kvm, enum kvm_bus idx, gpa_t addr,
			  int len)
{
	return kc_bus_first(srcu_dereference(kvm->buses[idx], &kvm->srcu),
			    addr, len);
}

/*
 * No in-kernel device took an access of @size bytes to @port, made at
 * @exit: the exit's own or a later one of its block.  Remember it,
 * unless a device covers it, or the bus changed since the exit began
 * (kc_user_io_bus(), under the same kvm->srcu read section, so the bus
 * seen there was not freed and reused meanwhile).
 */
void kc_user_port_note(struct kc_vm *vm, struct kvm *kvm,
		       const struct kc_exit *exit, u16 port, int size)
{
	if (kc_user_io_bus(kvm, KVM_PIO_BUS) != exit->pio_bus ||
	    kc_bus_covers(kvm, KVM_PIO_BUS, port, size))
		return;
	if (READ_ONCE(vm->hook.declined_ports_bus) != exit->pio_bus) {
		bitmap_zero(vm->hook.declined_ports, KC_NR_PORTS);
		WRITE_ONCE(vm->hook.declined_ports_bus, exit->pio_bus);
	}
	set_bit(port, vm->hook.declined_ports);
}

/* No in-kernel device took the exiting access of @exit: as above. */
void kc_user_io_note(struct kc_vm *vm, struct kvm *kvm,
		     const struct kc_exit *exit)
{
	if (exit->gpa == INVALID_GPA) {
		kc_user_port_note(vm, kvm, exit, exit->port, exit->size);
		return;
	}

	if (kc_user_io_bus(kvm, KVM_MMIO_BUS) != exit->mmio_bus ||
	    kc_bus_covers(kvm, KVM_MMIO_BUS, exit->gpa, 1))
		return;
	if (READ_ONCE(vm->user_mmio_bus) != exit->mmio_bus) {
		int i;

		for (i = 0; i < KC_USER_MMIO_SLOTS; i++)
			WRITE_ONCE(vm->user_mmio[i], INVALID_GPA);
		WRITE_ONCE(vm->user_mmio_bus, exit->mmio_bus);
	}
	WRITE_ONCE(vm->user_mmio[kc_user_mmio_slot(exit->gpa)], exit->gpa);
}
