// SPDX-License-Identifier: GPL-2.0
/*
 * Exits known by their RIP to be KVM's.
 *
 * At some instructions the module has nothing to gain, and finding that
 * out again at each exit costs a translation of RIP, a lookup or a scan,
 * and a read of the code:
 *
 *  - a lone IN or OUT (its block is singular): running the one
 *    instruction costs more in the module than in KVM's own
 *    kvm_fast_pio() (Documentation/bench.rst);
 *  - an instruction no block can start with, such as a string move to
 *    MMIO, which KVM's emulator runs;
 *  - an MMIO read that went to userspace although a device covers its
 *    address, such as a read of a coalesced zone, which takes writes
 *    only: a VGA console reads a cell of its text window before it
 *    writes it.  user_io.c remembers only addresses that no device
 *    covers; the instruction says which way the access goes, so its
 *    RIP is what is remembered, with the page of the access: a
 *    function that several drivers share (ioread32()) reaches one
 *    device per page, as devices lay out their registers.  Writes are
 *    not remembered: a device may refuse one and take the next (a
 *    zone's ring was full, an ioeventfd matches other values).
 *
 * So each VM remembers, in a small direct-mapped cache, the linear RIP
 * (the translation is what it spares) of such exits, with the limits the
 * module worked with, and leaves the next exits there to KVM at once.
 * Entries are set and read without locks: a stale, torn or racing entry
 * can only make the module decline an exit, i.e. let KVM handle it as
 * it would without the module, which is always correct.  What a stale
 * entry can cost is a block not run: the guest rewrote the code at that
 * RIP, another address space has other code there, or the device at
 * that page now takes the access (a zone was added, an ioeventfd
 * matches the value written this time).  So an entry serves
 * KC_KNOWN_RIP_USES exits, then is dropped, and the next exit at that
 * RIP takes the full path again, to find its block or learn the entry
 * anew.
 *
 * hook.c says which exits are noted; the lookup is in kvm_coalesce.h.
 */
#include <linux/hash.h>
#include <linux/kvm_host.h>

#include "kvm_coalesce.h"

void kc_known_rip_init(struct kc_vm *vm)
{
	int i;

	for (i = 0; i < KC_KNOWN_RIP_SLOTS; i++)
		vm->known_rips[i].rip = KC_NO_RIP;
}

/*
 * The module had nothing to gain at @exit, with @limits: remember it,
 * for MMIO exits to @page only, or for any exit if @page is INVALID_GPA.
 */
void kc_known_rip_note(struct kc_vm *vm, const struct kc_exit *exit,
		       struct kc_limits limits, gpa_t page)
{
	struct kc_known_rip *e = kc_known_rip_slot(vm, exit->rip);

	WRITE_ONCE(e->rip, KC_NO_RIP);
	WRITE_ONCE(e->uses, 0);
	WRITE_ONCE(e->limits, limits);
	WRITE_ONCE(e->page, page);
	WRITE_ONCE(e->rip, exit->rip);
}
