/* SPDX-License-Identifier: GPL-2.0 */
/* Guest routines of kc_decline_io.h; only %eax is used. */
#include "kc_asm.h"
#include "kc_decline_io.h"

	KC_TEXT_BEGIN kc_decline

	.globl kc_decline_rexw_66
kc_decline_rexw_66:
	mov	$0x1234, %eax
	out	%al, $KC_DECLINE_PORT
	.byte	0x66, 0x48, 0xe7, KC_DECLINE_PORT	/* out %ax, with REX.W */
	out	%al, $KC_DECLINE_PORT
	ret

	.globl kc_decline_rf
kc_decline_rf:
	mov	$0x7f, %eax
	out	%al, $KC_DECLINE_USER_PORT
	out	%al, $KC_DECLINE_PORT
	add	$1, %al
	out	%al, $KC_DECLINE_USER_PORT
	out	%al, $KC_DECLINE_PORT
	ret

	.globl kc_decline_burst
kc_decline_burst:
	mov	$1, %eax
	out	%al, $KC_DECLINE_PORT
	out	%al, $KC_DECLINE_PORT
	out	%al, $KC_DECLINE_PORT
	out	%al, $KC_DECLINE_PORT
	ret

	KC_TEXT_END kc_decline

	.section .note.GNU-stack, "", @progbits
