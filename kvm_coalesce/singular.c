// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O exits known to be singular.
 *
 * Most port I/O exits of a busy guest are lone accesses: a virtio
 * notification through an ioeventfd, a PIT read, an EOI.  Modes scan and
 * addr keep such an exit's block, marked singular, in the table, but
 * finding it again costs a translation of RIP, a lookup and a read of
 * the code, and running the one instruction costs more in the module
 * than in KVM's own kvm_fast_pio() (Documentation/bench.rst).
 *
 * So each VM remembers, in a small direct-mapped cache, the linear RIP
 * (the translation is what it spares) of port I/O exits whose block was
 * singular, with the limits it was scanned with, and leaves the next
 * exits there to KVM at once.  Entries are set and read without locks:
 * a stale, torn or racing entry can only make the module decline an
 * exit, i.e. let KVM handle it as it would without the module, which is
 * always correct.  What a stale entry can cost is a block not run: the
 * guest rewrote the code at that RIP, or another address space has
 * other code there.  So an entry serves KC_SINGULAR_USES exits, then is
 * dropped, and the next exit at that RIP takes the full path again, to
 * find the block or learn the entry anew.
 *
 * Only IN and OUT are remembered, the accesses kvm_fast_pio() handles
 * without decoding them (given NRIP save).  KVM runs INS, OUTS and MMIO
 * accesses through its instruction emulator, whose cost against the
 * module's path was not measured: they keep taking that path.
 */
#include <linux/hash.h>
#include <linux/kvm_host.h>

#include "kvm_coalesce.h"

void kc_singular_init(struct kc_vm *vm)
{
	int i;

	for (i = 0; i < KC_SINGULAR_SLOTS; i++)
		vm->singular[i].rip = KC_NO_RIP;
}

/* Only a port I/O exit's own lone IN or OUT is remembered. */
static bool kc_singular_exit(const struct kc_exit *exit)
{
	return exit->kind == KC_EXIT_PIO;
}

/* @exit ran a singular block, scanned within @limits: remember it. */
void kc_singular_note(struct kc_vm *vm, const struct kc_exit *exit,
		      struct kc_limits limits)
{
	struct kc_singular *e = kc_singular_slot(vm, exit->rip);

	if (!kc_singular_exit(exit))
		return;
	WRITE_ONCE(e->rip, KC_NO_RIP);
	WRITE_ONCE(e->uses, 0);
	WRITE_ONCE(e->limits, limits);
	WRITE_ONCE(e->rip, exit->rip);
}
