/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What userspace sees of kvm_coalesce, for the module and for the
 * selftests, which include this header: the modes, whose names the
 * module parameter "mode" and the per-VM debugfs file "mode" take, and
 * the counters of the per-VM debugfs file "stats", listed in stats.h.
 * Documentation/design.rst says what each mode does.
 */
#ifndef KVM_COALESCE_INTERFACE_H
#define KVM_COALESCE_INTERFACE_H

enum kc_mode {
	KC_MODE_OFF,
	KC_MODE_SCAN,
	KC_MODE_CONFIRM,
	KC_MODE_ADDR,
	KC_NR_MODES,
};

/* The modes' names, in the order of enum kc_mode. */
#define KC_MODE_NAMES	{ "off", "scan", "confirm", "addr" }

#endif /* KVM_COALESCE_INTERFACE_H */
