/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Variants of kc_smc_io.h, never run where they are: the guest copies
 * them to its code page.  Result in %eax.  In .text all the same, where
 * fuzz/seeds.sh takes the guest routines from.
 */
#include "kc_asm.h"
#include "kc_smc_io.h"

	KC_TEXT_BEGIN kc_smc

	.globl kc_smc_variant_a, kc_smc_variant_b, kc_smc_variant_end
kc_smc_variant_a:
	mov	$0xa0, %al
	out	%al, $KC_SMC_ZONE		/* the exit */
	mov	$0xa1, %al
	out	%al, $KC_SMC_ZONE + 2
	add	$1, %al
	out	%al, $KC_SMC_PIC_IMR
	in	$KC_SMC_PIC_IMR, %al
	movzbl	%al, %eax
	ret
kc_smc_variant_b:
	mov	$0xb0, %al
	out	%al, $KC_SMC_ZONE + 1
	mov	$0xb1, %al
	out	%al, $KC_SMC_ZONE + 2
	add	$1, %al
	out	%al, $KC_SMC_PIC_IMR
	in	$KC_SMC_PIC_IMR, %al
	movzbl	%al, %eax
	ret
kc_smc_variant_end:

	KC_TEXT_END kc_smc

	.section .note.GNU-stack, "", @progbits
