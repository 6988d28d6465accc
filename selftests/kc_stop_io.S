/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routines of kc_stop_io.h.  Arguments in %edi, %rsi; result in
 * %eax; only caller-saved registers are used.
 */
#include "kc_asm.h"
#include "kc_stop_io.h"

	KC_TEXT_BEGIN kc_stop

	/* kc_stop_steps() with RFLAGS.TF set: single-stepped. */
	.globl kc_stop_steps_tf
kc_stop_steps_tf:
	pushfq
	orq	$0x100, (%rsp)
	popfq
	call	kc_stop_steps
	pushfq
	andq	$~0x100, (%rsp)
	popfq
	ret

kc_stop_steps:
	mov	%edi, %eax
	out	%al, $KC_STOP_PORT
	add	$1, %eax
	out	%al, $KC_STOP_PORT
	add	$2, %eax
	out	%al, $KC_STOP_PORT
	ret

	.globl kc_stop_dr7, kc_stop_bp
kc_stop_dr7:
	mov	%edi, %eax
	out	%al, $KC_STOP_PORT
	add	$1, %eax
kc_stop_bp:
	add	$2, %eax
	out	%al, $KC_STOP_PORT
	ret

	.globl kc_stop_noncanonical, kc_stop_gp_store
kc_stop_noncanonical:
	mov	%edi, %eax
	out	%al, $KC_STOP_PORT
	add	$1, %eax
kc_stop_gp_store:
	movl	$2, (%rsi)		/* 6 bytes: c7 06 imm32 */
	out	%al, $KC_STOP_PORT
	ret

	.globl kc_stop_lock
kc_stop_lock:
	mov	%edi, %eax
	out	%al, $KC_STOP_PORT
	lock addl $1, (%rsi)
	add	$1, %eax
	out	%al, $KC_STOP_PORT
	ret

	.globl kc_stop_burst
kc_stop_burst:
	mov	%edi, %eax
	out	%al, $KC_STOP_PORT
	inc	%eax
	out	%al, $KC_STOP_PORT
	inc	%eax
	out	%al, $KC_STOP_PORT
	inc	%eax
	out	%al, $KC_STOP_PORT
	ret

	KC_TEXT_END kc_stop

	.section .note.GNU-stack, "", @progbits
