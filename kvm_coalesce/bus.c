// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel device of a block's port or MMIO access.
 *
 * kvm_io_bus_write() and kvm_io_bus_read() bisect the bus for every
 * access, which costs about as much as the write to a coalesced zone
 * itself, and a block's accesses repeat at the same addresses.  So each
 * VM remembers, per address, the bus entry (struct kvm_io_range) of the
 * device that the last access went to, and the next access there calls
 * that device directly, as KVM calls the local APIC's.
 *
 * KVM replaces a bus whenever a device comes or goes (kvm->buses[] is
 * immutable, swapped under kvm->slots_lock) and frees the old one after
 * a grace period of kvm->srcu, which every exit holds.  So a remembered
 * entry is used only if it lies in the range array of the bus current
 * at the access, and covers the access as kvm_io_bus_cmp() does: the
 * entry is then a device of that bus that KVM's own search would try.
 * KVM tries the devices covering an access in turn until one takes it
 * ("any order is acceptable for overlapping ranges"), which relies on a
 * device refusing an access without acting on it; so a device that
 * refuses here leaves the access to KVM's search, as an entry that is
 * stale or empty does.  Entries are read and written without locks:
 * each is one pointer, and a wrong one only costs KVM's search.
 */
#include <linux/hash.h>
#include <linux/kvm_host.h>
#include <kvm/iodev.h>

#include "access.h"
#include "kvm_coalesce.h"

/* Whether bus entry @r covers @len bytes at @addr, as kvm_io_bus_cmp(). */
static bool kc_range_covers(const struct kvm_io_range *r, gpa_t addr,
			    int len)
{
	if (addr < r->addr)
		return false;
	/* A zero-length entry matches its address, for any length. */
	return r->len ? addr + len <= r->addr + r->len : addr == r->addr;
}

/*
 * The first entry of @bus that covers @len bytes at @addr, or NULL.  The
 * entries are sorted by address (kvm_io_bus_insert_dev()).
 */
const struct kvm_io_range *kc_bus_first(const struct kvm_io_bus *bus,
					gpa_t addr, int len)
{
	int i;

	for (i = 0; bus && i < bus->dev_count && bus->range[i].addr <= addr;
	     i++)
		if (kc_range_covers(&bus->range[i], addr, len))
			return &bus->range[i];
	return NULL;
}

static const struct kvm_io_range **kc_bus_slot(struct kc_vm *vm,
					       enum kvm_bus idx, gpa_t addr)
{
	return &vm->bus_dev[idx][hash_64(addr, KC_BUS_SLOTS_BITS)];
}

/*
 * The device remembered for @len bytes at @addr, if its entry @r lies
 * in @bus, the current bus; compared as addresses before it is read.
 */
static struct kvm_io_device *kc_bus_dev(const struct kvm_io_bus *bus,
					const struct kvm_io_range *r,
					gpa_t addr, int len)
{
	unsigned long first = (unsigned long)bus->range;

	if (!r || (unsigned long)r < first ||
	    (unsigned long)r >= first + bus->dev_count * sizeof(*r) ||
	    !kc_range_covers(r, addr, len))
		return NULL;
	return r->dev;
}

/*
 * An access of @len bytes at @addr that KVM's search sent to a device of
 * @bus: remember the first entry covering it, unless @slot holds one
 * that refused it (a ring full, an ioeventfd matching other values).
 */
static void kc_bus_note(const struct kvm_io_range **slot,
			const struct kvm_io_bus *bus,
			const struct kvm_io_range *refused, gpa_t addr, int len)
{
	if (!refused)
		WRITE_ONCE(*slot, kc_bus_first(bus, addr, len));
}

/* A write through KVM's bus @idx: whether an in-kernel device took it. */
bool kc_bus_write(struct kc_vm *vm, struct kvm_vcpu *vcpu, enum kvm_bus idx,
		  gpa_t addr, int len, const void *val)
{
	struct kvm_io_bus *bus = srcu_dereference(vcpu->kvm->buses[idx],
						  &vcpu->kvm->srcu);
	const struct kvm_io_range **slot = kc_bus_slot(vm, idx, addr);
	const struct kvm_io_range *r = READ_ONCE(*slot);
	struct kvm_io_device *dev = bus ? kc_bus_dev(bus, r, addr, len) : NULL;

	if (dev && !kvm_iodevice_write(vcpu, dev, addr, len, val))
		return true;
	if (kvm_io_bus_write(vcpu, idx, addr, len, val))
		return false;
	kc_bus_note(slot, bus, dev ? r : NULL, addr, len);
	return true;
}

/* A read through KVM's bus @idx, as above; *@val is zero-extended. */
bool kc_bus_read(struct kc_vm *vm, struct kvm_vcpu *vcpu, enum kvm_bus idx,
		 gpa_t addr, int len, void *val)
{
	struct kvm_io_bus *bus = srcu_dereference(vcpu->kvm->buses[idx],
						  &vcpu->kvm->srcu);
	const struct kvm_io_range **slot = kc_bus_slot(vm, idx, addr);
	const struct kvm_io_range *r = READ_ONCE(*slot);
	struct kvm_io_device *dev = bus ? kc_bus_dev(bus, r, addr, len) : NULL;

	if (dev && !kvm_iodevice_read(vcpu, dev, addr, len, val))
		return true;
	if (kvm_io_bus_read(vcpu, idx, addr, len, val))
		return false;
	kc_bus_note(slot, bus, dev ? r : NULL, addr, len);
	return true;
}
