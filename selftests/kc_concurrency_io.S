/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routines of kc_concurrency_io.h.  Arguments in %edi/%rdi, %esi,
 * %edx; result in %eax/%rax; only caller-saved registers are used.
 */
#include "kc_asm.h"
#include "kc_concurrency_io.h"

	KC_TEXT_BEGIN kc_concurrency

	.globl kc_conc_burst
kc_conc_burst:
	mov	%edi, %edx
	mov	%esi, %eax
	.rept	KC_CONC_BURST
	out	%al, %dx
	inc	%eax
	.endr
	ret

	.globl kc_conc_pic
kc_conc_pic:
	mov	%edi, %eax
	out	%al, $KC_CONC_PIC_IMR
	in	$KC_CONC_PIC_IMR, %al
	movzbl	%al, %eax
	ret

	.globl kc_conc_lapic
kc_conc_lapic:
	mov	%esi, KC_LAPIC_TPR(%rdi)
	mov	%edx, KC_LAPIC_LVT0(%rdi)
	mov	KC_LAPIC_TPR(%rdi), %eax
	mov	KC_LAPIC_LVT0(%rdi), %ecx
	shl	$32, %rcx
	or	%rcx, %rax
	ret

	KC_TEXT_END kc_concurrency

	.section .note.GNU-stack, "", @progbits
