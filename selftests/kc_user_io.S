/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routines of kc_user_io.h.  System V ABI: the first argument is
 * in %rdi, the second in %rsi.
 */
#include "kc_asm.h"
#include "kc_user_io.h"

	KC_TEXT_BEGIN kc_user

	.globl kc_user_out, kc_user_out_insn
kc_user_out:
	mov	%edi, %eax
	mov	$KC_USER_PORT, %edx
kc_user_out_insn:
	outl	%eax, %dx
	ret

	.globl kc_user_in, kc_user_in_insn
kc_user_in:
	xor	%eax, %eax
	mov	$KC_USER_PORT, %edx
kc_user_in_insn:
	inb	%dx, %al
	ret

	.globl kc_user_mmio, kc_user_mmio_insn
kc_user_mmio:
	movabs	$KC_USER_MMIO_GPA, %rdx
kc_user_mmio_insn:
	movl	%edi, (%rdx)
	ret

	.globl kc_user_outs, kc_user_outs_insn
kc_user_outs:
	mov	%rsi, %rcx
	mov	%rdi, %rsi
	mov	$KC_USER_PORT, %edx
	cld
kc_user_outs_insn:
	rep outsb
	ret

	KC_TEXT_END kc_user

	.section .note.GNU-stack, "", @progbits
