/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routine of kc_migrate_io.h.  Arguments in %edi, %rsi; result in
 * %eax; only caller-saved registers are used.  Each access to a
 * userspace device has in-kernel accesses a few instructions before and
 * after it, within one block of the module's default extent.
 */
#include "kc_asm.h"
#include "kc_migrate_io.h"

	KC_TEXT_BEGIN kc_migrate

	.globl kc_mig_round
kc_mig_round:
	mov	%edi, %eax
	out	%al, $KC_MIG_ZONE
	mov	$0x11, %al		/* ICW1: edge, cascade, ICW4 */
	out	%al, $0x20
	mov	$KC_MIG_MMIO, %r8d
	mov	%edi, (%r8)		/* userspace MMIO, between ICWs */
	.globl kc_mig_mmio_store_end
kc_mig_mmio_store_end:
	mov	$0x20, %al		/* ICW2: vectors 0x20-0x27 */
	out	%al, $0x21
	mov	$KC_MIG_USER, %edx
	in	(%dx), %eax		/* userspace, the 8259 between ICWs */
	mov	%eax, 4 * KC_MIG_OUT_IN32(%rsi)
	mov	%eax, %ecx
	mov	$0x04, %al		/* ICW3: slave on IR2 */
	out	%al, $0x21
	mov	$0x01, %al		/* ICW4: 8086 mode */
	out	%al, $0x21
	.globl kc_mig_mmio_load
kc_mig_mmio_load:
	mov	4(%r8), %r9d		/* userspace MMIO, before OCW1 */
	.globl kc_mig_mmio_load_end
kc_mig_mmio_load_end:
	mov	%r9d, 4 * KC_MIG_OUT_MMIO(%rsi)
	mov	%cl, %al		/* OCW1: the mask read */
	out	%al, $0x21
	mov	%edi, %eax
	and	$6, %eax		/* mode 0-3 */
	or	$0xb0, %eax		/* channel 2, lobyte/hibyte, binary */
	out	%al, $0x43
	mov	%ch, %al
	out	%al, $0x42		/* count, low byte */
	xor	%edi, %eax
	out	%al, $KC_MIG_USER	/* userspace, the 8254 between bytes */
	shr	$16, %ecx
	mov	%cl, %al
	out	%al, $0x42		/* count, high byte */
	mov	$0xe8, %al		/* read-back: channel 2's status */
	out	%al, $0x43
	in	$KC_MIG_USER, %al	/* userspace, the status latched */
	movzbl	%al, %ecx
	mov	%ecx, 4 * KC_MIG_OUT_IN8(%rsi)
	in	$0x42, %al
	and	$0x7f, %al		/* the OUT pin follows host time */
	movzbl	%al, %ecx
	in	$0x21, %al
	movzbl	%al, %eax
	shl	$8, %eax
	or	%ecx, %eax
	mov	%eax, 4 * KC_MIG_OUT_DEV(%rsi)
	out	%al, $KC_MIG_ZONE
	ret

	KC_TEXT_END kc_migrate

	.section .note.GNU-stack, "", @progbits
