/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routines of the flags selftest (kc_flags_io.S).  Each is
 *
 *	mov	$0x7f, %eax; mov %eax, %ebx
 *	xor	%ecx, %ecx		ZF PF
 *	out	%al, $KC_FLAGS_PORT	the exit: a block starts here
 *	add	$1, %bl			OF SF AF: flags no later one reads
 *	<what stops the block>
 *	sub	%ecx, %ecx		ZF PF again
 *	out	%al, $KC_FLAGS_PORT
 *
 * so that RFLAGS where the block stops are those of the ADD: a module
 * that skips the flags of an instruction whose flags a later one
 * overwrites shows the XOR's instead.  Each takes @arg in %rdi.
 */
#ifndef KC_FLAGS_IO_H
#define KC_FLAGS_IO_H

#define KC_FLAGS_PORT		0x80	/* a coalesced PIO zone */
#define KC_FLAGS_USER_PORT	0xe9	/* no in-kernel device */

#ifndef __ASSEMBLY__
#include <linux/types.h>

/* A store to @arg, non-canonical: #GP at kc_flags_gp_store (6 bytes). */
void kc_flags_fault(void *arg);
extern char kc_flags_gp_store[];
/* An OUT to KC_FLAGS_USER_PORT: userspace sees the registers. */
void kc_flags_user_pio(void *arg);
/* A 32-bit store to @arg, MMIO only userspace takes. */
void kc_flags_user_mmio_store(void *arg);
/* A CMP with @arg's MMIO, which the block leaves to the CPU. */
void kc_flags_user_mmio_cmp(void *arg);
/* OUT of 0xf3 to the master 8259's IMR, which unmasks a pending IRQ3. */
void kc_flags_event(void *arg);
/* A store of a byte into the block's own code, unchanged; a user OUT. */
void kc_flags_code_write(void *arg);
/* A write of 0 to the local APIC's TPR at @arg; an OUT to userspace. */
void kc_flags_tpr(void *arg);
/* A forward JMP; an OUT to userspace. */
void kc_flags_jump(void *arg);
extern char kc_flags_jmp[];
#endif

#endif /* KC_FLAGS_IO_H */
