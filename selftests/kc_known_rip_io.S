/* SPDX-License-Identifier: GPL-2.0 */
/* Guest routines of kc_known_rip_io.h; arguments in %rdi and %rsi. */
#include "kc_asm.h"
#include "kc_known_rip_io.h"

	KC_TEXT_BEGIN kc_kr

	.globl kc_kr_load
kc_kr_load:
	mov	KC_KR_LAPIC_ID(%rdi), %eax
	mov	KC_KR_LAPIC_VERSION(%rdi), %edx
	add	%edx, %eax
	ret

	.globl kc_kr_store
kc_kr_store:
	mov	%esi, (%rdi)
	mov	%esi, 8(%rdi)
	ret

	.globl kc_kr_movs
kc_kr_movs:
	movsl
	ret

	.globl kc_kr_rep_outs
kc_kr_rep_outs:
	mov	%esi, %ecx
	mov	%rdi, %rsi
	mov	$KC_KR_PORT, %edx
	rep outsb
	ret

	KC_TEXT_END kc_kr

	.section .note.GNU-stack, "", @progbits
