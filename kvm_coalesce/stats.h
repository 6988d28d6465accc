/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-VM counters of kvm_coalesce, in the order of its debugfs file
 * "stats": one list for the module and for the selftests.  No include
 * guard: each includer defines KC_STAT(name) first, and undefines it
 * after.  Documentation/design.rst says what each counts.
 */
KC_STAT(exits)
KC_STAT(pio_exits)
KC_STAT(string_pio_exits)
KC_STAT(mmio_exits)
KC_STAT(handled)
KC_STAT(blocks)
KC_STAT(insns)
KC_STAT(io)
KC_STAT(io_coalesced)
KC_STAT(scans)
KC_STAT(singular)
KC_STAT(code_tlb_hits)
KC_STAT(code_tlb_misses)
KC_STAT(table_hits)
KC_STAT(last_block_hits)
KC_STAT(table_misses)
KC_STAT(table_evictions)
KC_STAT(hash_mismatches)
KC_STAT(declined)
KC_STAT(user_io_known)
KC_STAT(rip_known)
KC_STAT(stop_event)
KC_STAT(stop_user_io)
KC_STAT(stop_iopl)
KC_STAT(stop_fault)
KC_STAT(stop_code_write)
KC_STAT(stop_tpr)
KC_STAT(stop_branch_record)
KC_STAT(user_pio)
KC_STAT(user_pio_known)
KC_STAT(user_mmio)
KC_STAT(resumed)
