// SPDX-License-Identifier: GPL-2.0
/*
 * Exits known by their RIP to be KVM's.
 *
 * At some instructions the module has nothing to gain, and finding that
 * out again at each exit costs a translation of RIP, a lookup and a read
 * of the code: a lone IN or OUT (its block is singular), which the
 * module runs for more than KVM's own kvm_fast_pio()
 * (Documentation/bench.rst).  Only IN and OUT are remembered, the
 * accesses kvm_fast_pio() handles without decoding them (given NRIP
 * save): KVM runs INS, OUTS and MMIO accesses through its instruction
 * emulator.
 *
 * So each VM remembers, in a small direct-mapped cache, the linear RIP
 * (the translation is what it spares) of such exits, with the limits the
 * module worked with, and leaves the next exits there to KVM at once.
 * Entries are set and read without locks: a stale, torn or racing entry
 * can only make the module decline an exit, i.e. let KVM handle it as
 * it would without the module, which is always correct.  What a stale
 * entry can cost is a block not run: the guest rewrote the code at that
 * RIP, or another address space has other code there.  So an entry serves
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

/* The module had nothing to gain at @exit, with @limits: remember it. */
void kc_known_rip_note(struct kc_vm *vm, const struct kc_exit *exit,
		       struct kc_limits limits)
{
	struct kc_known_rip *e = kc_known_rip_slot(vm, exit->rip);

	WRITE_ONCE(e->rip, KC_NO_RIP);
	WRITE_ONCE(e->uses, 0);
	WRITE_ONCE(e->limits, limits);
	WRITE_ONCE(e->rip, exit->rip);
}
