/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routines of kc_flags_io.h.  Argument in %rdi; only caller-saved
 * registers are used.
 */
#include "kc_asm.h"
#include "kc_flags_io.h"

.macro KC_FLAGS_HEAD
	mov	$0x7f, %eax
	mov	%eax, %edx
	xor	%ecx, %ecx
	out	%al, $KC_FLAGS_PORT
	add	$1, %dl
.endm

.macro KC_FLAGS_TAIL
	sub	%ecx, %ecx
	out	%al, $KC_FLAGS_PORT
	ret
.endm

	KC_TEXT_BEGIN kc_flags

	.globl kc_flags_fault, kc_flags_gp_store
kc_flags_fault:
	KC_FLAGS_HEAD
kc_flags_gp_store:
	movl	$2, (%rdi)		/* 6 bytes: c7 06 imm32 */
	KC_FLAGS_TAIL

	.globl kc_flags_user_pio
kc_flags_user_pio:
	KC_FLAGS_HEAD
	out	%al, $KC_FLAGS_USER_PORT
	KC_FLAGS_TAIL

	.globl kc_flags_user_mmio_store
kc_flags_user_mmio_store:
	KC_FLAGS_HEAD
	movl	%eax, (%rdi)
	KC_FLAGS_TAIL

	.globl kc_flags_user_mmio_cmp
kc_flags_user_mmio_cmp:
	KC_FLAGS_HEAD
	cmpl	%eax, (%rdi)
	KC_FLAGS_TAIL

	.globl kc_flags_event
kc_flags_event:
	KC_FLAGS_HEAD
	mov	$0xf3, %al		/* unmask IRQ3 and the cascade */
	out	%al, $0x21
	KC_FLAGS_TAIL

	.globl kc_flags_code_write
kc_flags_code_write:
	KC_FLAGS_HEAD
	movb	$0xe6, 1f(%rip)		/* the opcode of the OUT below */
1:	out	%al, $KC_FLAGS_USER_PORT
	KC_FLAGS_TAIL

	.globl kc_flags_tpr
kc_flags_tpr:
	KC_FLAGS_HEAD
	movl	$0, (%rdi)
	out	%al, $KC_FLAGS_USER_PORT
	KC_FLAGS_TAIL

	.globl kc_flags_jump, kc_flags_jmp
kc_flags_jump:
	KC_FLAGS_HEAD
kc_flags_jmp:
	jmp	1f
1:	out	%al, $KC_FLAGS_USER_PORT
	KC_FLAGS_TAIL

	KC_TEXT_END kc_flags

	.section .note.GNU-stack, "", @progbits
