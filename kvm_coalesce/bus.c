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

/*
 * The device remembered for @len bytes at @addr of @vm's bus @idx, if
 * its entry lies in @bus, the current bus (compared as an address before
 * it is read), and covers the access.  In *@slot the entry's place.
 */
static __always_inline struct kvm_io_device *
kc_bus_dev(struct kc_vm *vm, const struct kvm_io_bus *bus, enum kvm_bus idx,
	   gpa_t addr, int len, const struct kvm_io_range ***slot)
{
	const struct kvm_io_range *r;
	unsigned long first;

	*slot = &vm->bus_dev[idx][hash_64(addr, KC_BUS_SLOTS_BITS)];
	r = READ_ONCE(**slot);
	if (!bus || !r)
		return NULL;
	first = (unsigned long)bus->range;
	if ((unsigned long)r < first ||
	    (unsigned long)r >= first + bus->dev_count * sizeof(*r) ||
	    !kc_range_covers(r, addr, len))
		return NULL;
	return r->dev;
}

/*
 * KVM's search for an access of @len bytes at @addr that the device
 * remembered in @slot, if any (@dev), did not take; then remember the
 * first entry of @bus covering it, unless @dev refused it (a ring full,
 * an ioeventfd matching other values), which may take the next.
 */
static noinline bool kc_bus_search(struct kvm_vcpu *vcpu, enum kvm_bus idx,
				   gpa_t addr, int len, void *val, bool write,
				   const struct kvm_io_range **slot,
				   const struct kvm_io_bus *bus,
				   const struct kvm_io_device *dev)
{
	int r = write ? kvm_io_bus_write(vcpu, idx, addr, len, val) :
			kvm_io_bus_read(vcpu, idx, addr, len, val);

	if (r)
		return false;
	if (!dev)
		WRITE_ONCE(*slot, kc_bus_first(bus, addr, len));
	return true;
}

/* A write through KVM's bus @idx: whether an in-kernel device took it. */
bool kc_bus_write(struct kc_vm *vm, struct kvm_vcpu *vcpu, enum kvm_bus idx,
		  gpa_t addr, int len, const void *val)
{
	struct kvm_io_bus *bus = srcu_dereference(vcpu->kvm->buses[idx],
						  &vcpu->kvm->srcu);
	const struct kvm_io_range **slot;
	struct kvm_io_device *dev = kc_bus_dev(vm, bus, idx, addr, len, &slot);

	if (dev && !kvm_iodevice_write(vcpu, dev, addr, len, val))
		return true;
	return kc_bus_search(vcpu, idx, addr, len, (void *)val, true, slot,
			     bus, dev);
}

/* A read through KVM's bus @idx, as above. */
bool kc_bus_read(struct kc_vm *vm, struct kvm_vcpu *vcpu, enum kvm_bus idx,
		 gpa_t addr, int len, void *val)
{
	struct kvm_io_bus *bus = srcu_dereference(vcpu->kvm->buses[idx],
						  &vcpu->kvm->srcu);
	const struct kvm_io_range **slot;
	struct kvm_io_device *dev = kc_bus_dev(vm, bus, idx, addr, len, &slot);

	if (dev && !kvm_iodevice_read(vcpu, dev, addr, len, val))
		return true;
	return kc_bus_search(vcpu, idx, addr, len, val, false, slot, bus, dev);
}
