/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What userspace sees of kvm_coalesce: the names of the modes (module
 * parameter "mode", per-VM debugfs "mode") and of the per-VM counters
 * (debugfs "stats", a "name value" line each, in this order).  One list
 * each, for the module and for the selftests, which include this header;
 * Documentation/design.rst says what each means.
 *
 * X(NAME, name): NAME for C identifiers, name as userspace sees it.
 */
#ifndef KVM_COALESCE_INTERFACE_H
#define KVM_COALESCE_INTERFACE_H

#define KC_MODES(X)							\
	X(OFF, off)							\
	X(SCAN, scan)							\
	X(CONFIRM, confirm)						\
	X(ADDR, addr)

#define KC_STATS(X)							\
	X(EXITS, exits)							\
	X(PIO_EXITS, pio_exits)						\
	X(STRING_PIO_EXITS, string_pio_exits)				\
	X(MMIO_EXITS, mmio_exits)					\
	X(HANDLED, handled)						\
	X(BLOCKS, blocks)						\
	X(INSNS, insns)							\
	X(IO, io)							\
	X(IO_COALESCED, io_coalesced)					\
	X(SCANS, scans)							\
	X(SINGULAR, singular)						\
	X(TABLE_HITS, table_hits)					\
	X(TABLE_MISSES, table_misses)					\
	X(TABLE_EVICTIONS, table_evictions)				\
	X(HASH_MISMATCHES, hash_mismatches)				\
	X(DECLINED, declined)						\
	X(USER_IO_KNOWN, user_io_known)					\
	X(SINGULAR_KNOWN, singular_known)				\
	X(STOP_EVENT, stop_event)					\
	X(STOP_USER_IO, stop_user_io)					\
	X(STOP_IOPL, stop_iopl)						\
	X(STOP_FAULT, stop_fault)					\
	X(STOP_CODE_WRITE, stop_code_write)				\
	X(STOP_TPR, stop_tpr)						\
	X(STOP_BRANCH_RECORD, stop_branch_record)			\
	X(USER_PIO, user_pio)						\
	X(USER_MMIO, user_mmio)						\
	X(RESUMED, resumed)

#endif /* KVM_COALESCE_INTERFACE_H */
