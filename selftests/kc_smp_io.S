/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routines of kc_smp_io.h.  Arguments in %rdi, %rsi; only
 * caller-saved registers are used.
 */
#include "kc_asm.h"
#include "kc_smp_io.h"

	KC_TEXT_BEGIN kc_smp

	.globl kc_smp_store
kc_smp_store:
	mov	$0xff, %al
	out	%al, $KC_SMP_PORT	/* the exit */
	mov	%rsi, (%rdi)
	mov	%esi, 8(%rdi)
	mov	%si, 12(%rdi)
	out	%al, $KC_SMP_PORT
	ret

	.globl kc_smp_load
kc_smp_load:
	mov	$0xff, %al
	out	%al, $KC_SMP_PORT	/* the exit */
	mov	(%rdi), %rcx
	mov	8(%rdi), %edx
	movzwl	12(%rdi), %r8d
	out	%al, $KC_SMP_PORT
	mov	%rcx, (%rsi)
	mov	%rdx, 8(%rsi)
	mov	%r8, 16(%rsi)
	ret

	/* Never run here: copied to code pages.  12 bytes. */
	.globl kc_smp_block, kc_smp_block_end
kc_smp_block:
	out	%al, $KC_SMP_PORT	/* 2 bytes */
	mov	$0, %eax		/* 5 bytes: b8 imm32 */
	mov	%eax, (%rdi)		/* 2 bytes */
	out	%al, $KC_SMP_PORT	/* 2 bytes */
	ret
kc_smp_block_end:

	KC_TEXT_END kc_smp

	.section .note.GNU-stack, "", @progbits
