/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routines of kc_engine_io.h.  Argument in %edi, result in %eax;
 * only caller-saved registers are used.
 */
#include "kc_engine_io.h"

	.text

	.globl kc_fig8, kc_fig8_add_imm
kc_fig8:
	mov	%edi, %eax		/*  1 */
	mov	$7, %ecx		/*  2 */
	out	%al, $KC_ZONE_PORT	/*  3: I/O */
	add	$1, %eax		/*  4: 83 c0 01 */
	kc_fig8_add_imm = . - 1
	out	%al, $KC_ZONE_PORT	/*  5: I/O */
	inc	%ecx			/*  6 */
	xor	%ecx, %eax		/*  7 */
	out	%al, $KC_ZONE_PORT	/*  8: I/O */
	shl	$1, %eax		/*  9 */
	sub	$3, %ecx		/* 10 */
	out	%al, $KC_ZONE_PORT	/* 11: I/O */
	mov	%ecx, %edx		/* 12 */
	add	%edx, %eax		/* 13 */
	ret

	.globl kc_single
kc_single:
	mov	%edi, %eax
	out	%al, $KC_ZONE_PORT
	mov	$1, %ecx
	add	%ecx, %eax
	ret

	.globl kc_pic_imr
kc_pic_imr:
	mov	%edi, %eax
	out	%al, $0x21
	xor	%eax, %eax
	in	$0x21, %al
	ret

	.globl kc_user_read
kc_user_read:
	mov	%edi, %eax
	out	%al, $KC_ZONE_PORT
	in	$KC_USER_PORT2, %al
	out	%al, $KC_ZONE_PORT
	ret

	.section .note.GNU-stack, "", @progbits
