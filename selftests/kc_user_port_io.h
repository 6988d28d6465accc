/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routine of the selftest of the ports known to go to userspace
 * (kc_user_port_io.S).
 */
#ifndef KC_USER_PORT_IO_H
#define KC_USER_PORT_IO_H

#define KC_UP_ZONE	0x80	/* a coalesced PIO zone */
#define KC_UP_PORT	0x81	/* userspace's, or a second zone's */

#ifndef __ASSEMBLY__
#include <linux/types.h>

/*
 * OUT of @value to KC_UP_ZONE (the exit, and the block's first access),
 * OUT of it to KC_UP_PORT, INC, then both OUTs again with @value + 1:
 * one block, whose two accesses to KC_UP_PORT go where KVM's PIO bus
 * sends them.
 */
void kc_up_burst(u32 value);

/*
 * OUT of @value to KC_UP_PORT (the exit), then to KC_UP_ZONE: while the
 * port is userspace's, KVM declines the exit without calling the
 * module, which has told it so (user_io.c).
 */
void kc_up_port_first(u32 value);
#endif

#endif /* KC_USER_PORT_IO_H */
