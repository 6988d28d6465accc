/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routines of kc_mmio_io.h.  Arguments in %rdi, %esi/%rsi, %edx/%rdx;
 * result in %eax/%rax; only caller-saved registers are used.
 */
#include "kc_asm.h"
#include "kc_mmio_io.h"

	KC_TEXT_BEGIN kc_mmio

	.globl kc_mmio_zone
kc_mmio_zone:
	mov	%esi, %eax
	mov	%eax, (%rdi)		/* MMIO: the exit */
	add	$3, %eax
	mov	%eax, (%rdx)		/* RAM store, another base */
	mov	%ax, 4(%rdi)		/* MMIO, 16 bits */
	lea	0x10(%rdi), %rcx
	mov	4(%rdx), %r8d		/* RAM load */
	xor	%r8d, %eax
	shl	$32, %rcx
	or	%rcx, %rax
	movb	%al, 8(%rdi)		/* MMIO, 8 bits */
	mov	%rax, 0x10(%rdi)	/* MMIO, 64 bits */
	ret

	/*
	 * IOREGSEL through %rdi, IOWIN through %rcx, as compilers emit such
	 * code: the block must take both, by the page they access.
	 */
	.globl kc_ioapic_program
kc_ioapic_program:
	movl	$0x14, KC_IOREGSEL(%rdi)
	lea	KC_IOWIN(%rdi), %rcx
	mov	%esi, (%rcx)
	movl	$0x15, KC_IOREGSEL(%rdi)
	movl	$0x01000000, (%rcx)
	movl	$0x16, KC_IOREGSEL(%rdi)
	mov	%edx, (%rcx)
	movl	$0x17, KC_IOREGSEL(%rdi)
	movl	$0x02000000, (%rcx)
	movl	$0x14, KC_IOREGSEL(%rdi)
	mov	(%rcx), %eax
	ret

	.globl kc_mmio_fault, kc_mmio_fault_store
kc_mmio_fault:
	movl	$1, (%rdi)
kc_mmio_fault_store:
	movl	$2, (%rsi)		/* 6 bytes: c7 06 imm32 */
	movl	$3, 4(%rdi)
	ret

	.globl kc_mmio_smc
kc_mmio_smc:
	movl	$1, (%rdi)
	movb	%sil, 1f + 1(%rip)	/* the immediate of the MOV below */
	/*
	 * The jump is what the SDM asks of self-modifying code on older
	 * CPUs; QEMU's TCG, the reference CPU of make check, needs it too
	 * (without it, it runs the stale MOV).
	 */
	jmp	1f
1:	mov	$0, %al			/* b0 imm8 */
	movzbl	%al, %eax
	mov	%eax, 4(%rdi)
	ret

	.globl kc_mmio_tpr
kc_mmio_tpr:
	mov	%esi, KC_LAPIC_TPR(%rdi)
	mov	KC_LAPIC_TPR(%rdi), %eax
	ret

	/*
	 * Accesses to userspace MMIO through %rsi between writes to a
	 * coalesced zone through %rdi: a store, loads of 8 bytes, of one
	 * zero-extended, of two sign-extended, of two into a 16-bit register
	 * (the rest of it kept) and of four into a 32-bit one (the rest
	 * zeroed); the values loaded are stored to @out.
	 */
	.globl kc_mmio_user
kc_mmio_user:
	movl	$0x11, (%rdi)		/* zone: the exit */
	movl	$0x5eed, KC_USER_W(%rsi)	/* userspace */
	movl	$0x22, 4(%rdi)
	mov	KC_USER_Q(%rsi), %r8
	movzbl	KC_USER_B(%rsi), %r9d
	movswq	KC_USER_SW(%rsi), %r10
	mov	$-1, %r11
	mov	KC_USER_W16(%rsi), %r11w
	mov	$-1, %rax
	mov	KC_USER_D(%rsi), %eax
	movl	$0x33, 8(%rdi)
	mov	%r8, (%rdx)
	mov	%r9, 8(%rdx)
	mov	%r10, 16(%rdx)
	mov	%r11, 24(%rdx)
	mov	%rax, 32(%rdx)
	ret

	KC_TEXT_END kc_mmio

	.section .note.GNU-stack, "", @progbits
