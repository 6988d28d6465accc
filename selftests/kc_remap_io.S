/* SPDX-License-Identifier: GPL-2.0 */
#include "kc_asm.h"
#include "kc_remap_io.h"

	KC_TEXT_BEGIN kc_remap

	.globl kc_remap_variant_a, kc_remap_variant_b, kc_remap_variant_end
kc_remap_variant_a:
	mov	$0xa0, %al
	out	%al, $KC_REMAP_ZONE		/* the exit */
	mov	$0xa1, %al
	out	%al, $KC_REMAP_ZONE + 2
	add	$1, %al
	out	%al, $KC_REMAP_PIC_IMR
	in	$KC_REMAP_PIC_IMR, %al
	movzbl	%al, %eax
	ret
kc_remap_variant_b:
	mov	$0xb0, %al
	out	%al, $KC_REMAP_ZONE
	mov	$0xb1, %al
	out	%al, $KC_REMAP_ZONE + 2
	add	$1, %al
	out	%al, $KC_REMAP_PIC_IMR
	in	$KC_REMAP_PIC_IMR, %al
	movzbl	%al, %eax
	ret
kc_remap_variant_end:

	KC_TEXT_END kc_remap

	.section .note.GNU-stack, "", @progbits
