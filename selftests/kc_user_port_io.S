/* SPDX-License-Identifier: GPL-2.0 */
/* Guest routine of kc_user_port_io.h; the argument is in %edi. */
#include "kc_asm.h"
#include "kc_user_port_io.h"

	KC_TEXT_BEGIN kc_up

	.globl kc_up_burst
kc_up_burst:
	mov	%edi, %eax
	out	%al, $KC_UP_ZONE
	out	%al, $KC_UP_PORT
	inc	%eax
	out	%al, $KC_UP_ZONE
	out	%al, $KC_UP_PORT
	ret

	.globl kc_up_port_first
kc_up_port_first:
	mov	%edi, %eax
	out	%al, $KC_UP_PORT
	out	%al, $KC_UP_ZONE
	ret

	KC_TEXT_END kc_up

	.section .note.GNU-stack, "", @progbits
