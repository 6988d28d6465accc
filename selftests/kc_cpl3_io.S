/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routines of kc_cpl3_io.h.  Arguments in %rdi, %rsi; results in
 * %eax; the I/O routines use only caller-saved registers.
 */
#include "kc_asm.h"
#include "kc_cpl3_io.h"

	KC_TEXT_BEGIN kc_cpl3

	/*
	 * kc_user_call(a0, a1, fn, rflags): IRETQ to @fn at CPL 3.  The
	 * kernel stack pointer is kept for kc_user_return, which the user
	 * routine reaches with INT KC_USER_RET_VECTOR.
	 */
	.globl kc_user_call
kc_user_call:
	pushfq
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, kc_kernel_rsp(%rip)
	pushq	$KC_USER_DS		/* SS */
	pushq	kc_user_rsp(%rip)	/* RSP */
	push	%rcx			/* RFLAGS */
	pushq	$KC_USER_CS		/* CS */
	push	%rdx			/* RIP */
	iretq

	/*
	 * The DPL 3 gate's target, on the TSS's RSP0 stack: drop the
	 * interrupt frame and return to kc_user_call()'s caller.
	 */
	.globl kc_user_return
kc_user_return:
	mov	kc_kernel_rsp(%rip), %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	popfq
	ret

	/*
	 * At CPL 0, with CR4.SMAP: the store to the user page faults, the
	 * block must stop before it.
	 */
	.globl kc_smap_store, kc_smap_store_pf
kc_smap_store:
	mov	%edi, %eax
	out	%al, $KC_CPL3_PORT
	add	$1, %eax
kc_smap_store_pf:
	movl	$2, (%rsi)		/* 6 bytes: c7 06 imm32 */
	out	%al, $KC_CPL3_PORT
	ret

	/* At CPL 0, RFLAGS.AC set: SMAP allows the store. */
	.globl kc_smap_ac_store
kc_smap_ac_store:
	stac
	mov	%edi, %eax
	out	%al, $KC_CPL3_PORT
	add	$1, %eax
	mov	%eax, (%rsi)
	add	$1, %eax
	out	%al, $KC_CPL3_PORT
	clac
	ret

	KC_TEXT_END kc_cpl3

	.bss
	.balign 8
kc_kernel_rsp:
	.quad	0

	/*
	 * The user routines, on pages of their own: the test sets U/S on
	 * them, and kernel code must not share them (SMEP).
	 */
	.section .text.kc_user, "ax"
	.balign 4096
	.globl kc_user_begin
kc_user_begin:

	.globl kc_user_io, kc_user_io_out1, kc_user_io_out2, kc_user_io_in
kc_user_io:
	mov	%edi, %eax
kc_user_io_out1:
	out	%al, $KC_CPL3_PORT
	add	$1, %eax
kc_user_io_out2:
	out	%al, $KC_CPL3_PORT
	mov	%eax, %ecx
kc_user_io_in:
	in	$KC_CPL3_PIC_PORT, %al
	shl	$8, %ecx
	movzbl	%al, %eax
	or	%ecx, %eax
	int	$KC_USER_RET_VECTOR

	.globl kc_user_bitmap, kc_user_bitmap_gp
kc_user_bitmap:
	mov	%edi, %eax
	out	%al, $KC_CPL3_PORT
	add	$1, %eax
	out	%al, $KC_CPL3_PORT
	add	$1, %eax
kc_user_bitmap_gp:
	out	%al, $KC_CPL3_DENIED_PORT
	add	$1, %eax
	mov	%eax, %ecx
	in	$KC_CPL3_PIC_PORT, %al
	shl	$8, %ecx
	movzbl	%al, %eax
	or	%ecx, %eax
	int	$KC_USER_RET_VECTOR

	.globl kc_user_store, kc_user_store_pf
kc_user_store:
	mov	%edi, %eax
	out	%al, $KC_CPL3_PORT
	mov	%eax, (%rsi)		/* user page: allowed */
	add	$1, %eax
	out	%al, $KC_CPL3_PORT
kc_user_store_pf:
	movl	$2, kc_kernel_word(%rip)	/* supervisor page: #PF */
	add	$1, %eax
	out	%al, $KC_CPL3_PORT
	int	$KC_USER_RET_VECTOR

	.balign 4096
	.globl kc_user_end
kc_user_end:

	.section .note.GNU-stack, "", @progbits
