/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routines of the MMIO selftest (kc_mmio_io.S): MMIO accesses
 * through one base register, with register, RAM and LEA instructions
 * between them, in assembly so that the instruction stream is exactly
 * the one the test expects the module to scan.
 */
#ifndef KC_MMIO_IO_H
#define KC_MMIO_IO_H

#define KC_IOAPIC_BASE	0xfec00000ul
#define KC_LAPIC_BASE	0xfee00000ul
#define KC_LAPIC_TPR	0x80
#define KC_IOREGSEL	0x00
#define KC_IOWIN	0x10

/* Where kc_mmio_user() accesses userspace MMIO, from its base. */
#define KC_USER_W	0x08
#define KC_USER_Q	0x10
#define KC_USER_B	0x18
#define KC_USER_SW	0x20
#define KC_USER_W16	0x28
#define KC_USER_D	0x30
#define KC_USER_LOADS	5

#ifndef __ASSEMBLY__
#include <linux/types.h>

/*
 * Four writes through @mmio (32, 16, 8 and 64 bits) with, between them,
 * a store to @ram[0], a load of @ram[1], an LEA and ALU instructions.
 * Returns the last value written.
 */
u64 kc_mmio_zone(u64 mmio, u32 seed, u32 *ram);

/*
 * IOAPIC redirection entries of pins 2 and 3: IOREGSEL/IOWIN writes of
 * the low and high halves of each, then the low half of pin 2 read back;
 * IOREGSEL and IOWIN through two base registers.
 */
u32 kc_ioapic_program(u64 ioapic, u32 low2, u32 low3);

/*
 * An MMIO write, a store to @bad (which the test leaves unmapped: the
 * guest takes the page fault, whose handler skips the store), and a
 * second MMIO write.
 */
void kc_mmio_fault(u64 mmio, u32 *bad);
extern char kc_mmio_fault_store[];

/*
 * An MMIO write, a store into the immediate of the MOV after it, then
 * that MOV and an MMIO write of its result: the new immediate must be
 * the one written.
 */
u32 kc_mmio_smc(u64 mmio, u8 imm);

/* Write the local APIC's TPR, then read it back. */
u32 kc_mmio_tpr(u64 lapic, u32 tpr);

/*
 * Three writes through @zone with, between them, a store to @user and
 * five loads from it of each kind (MOV of 8 and 4 bytes, MOVZX, MOVSX,
 * MOV into a 16-bit register); @out gets the five registers loaded.
 */
void kc_mmio_user(u64 zone, u64 user, u64 out[KC_USER_LOADS]);
#endif

#endif /* KC_MMIO_IO_H */
