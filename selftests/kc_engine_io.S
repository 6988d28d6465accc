/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routines of kc_engine_io.h.  Argument in %edi, result in %eax;
 * only caller-saved registers are used.
 */
#include "kc_asm.h"
#include "kc_engine_io.h"

	KC_TEXT_BEGIN kc_engine

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

	.globl kc_sparse
kc_sparse:
	mov	%edi, %eax
	out	%al, $KC_ZONE_PORT
	.rept	8
	add	$1, %eax
	.endr
	out	%al, $KC_ZONE_PORT
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

	.globl kc_user_mix
kc_user_mix:
	mov	%edi, %eax
	out	%al, $KC_ZONE_PORT
	in	$KC_USER_PORT2, %al
	add	$1, %al
	out	%al, $KC_ZONE_PORT
	out	%al, $KC_USER_PORT2
	in	$KC_USER_PORT2, %al
	out	%al, $KC_ZONE_PORT
	ret

	.globl kc_user_branch
kc_user_branch:
	mov	%edi, %eax
	out	%al, $KC_ZONE_PORT
	in	$KC_USER_PORT2, %al
	cmp	$0xff, %al
	je	1f			/* past the block's end */
	out	%al, $KC_ZONE_PORT
1:	ret

	.globl kc_unmask_irq3, kc_unmask_next
kc_unmask_irq3:
	mov	$0xf3, %al		/* unmask IRQ3 and the cascade */
	out	%al, $0x21
kc_unmask_next:
	out	%al, $KC_ZONE_PORT
	out	%al, $KC_ZONE_PORT
	ret

	.globl kc_jumps
kc_jumps:
	mov	%edi, %eax
	out	%al, $KC_ZONE_PORT
	test	$1, %al
	jz	1f			/* inside the block */
	add	$3, %eax
1:	out	%al, $KC_ZONE_PORT
	cmp	$0x40, %eax
	ja	2f			/* past the block's end */
	out	%al, $KC_ZONE_PORT
	nop
2:	ret

	/*
	 * The block starts at the exiting OUTSB; OUTSW, OUTSD with REX.W
	 * (32 bits), the IMR written and read back by INSB, OUTSB: nine
	 * instructions, six accesses.  The result tells where RSI and RDI
	 * ended, relative to @buf.
	 */
	.globl kc_string_io, kc_string_io_down
kc_string_io:
	mov	%rdi, %r8		/* buf */
	mov	%esi, %eax		/* seed */
	mov	%rdi, %rsi
	lea	8(%rdi), %rdi
	mov	$KC_ZONE_PORT, %edx
	outsb				/* the exit: buf[0] */
	add	$1, %eax
	outsw
	rex.W outsl
	mov	$0x21, %dx
	out	%al, %dx		/* IMR = seed + 1 */
	insb				/* buf[8] = IMR */
	mov	$KC_ZONE_PORT, %dx
	outsb
	sub	%r8, %rsi
	sub	%r8, %rdi
	movzbl	%sil, %eax
	shl	$8, %edi
	or	%edi, %eax
	movzwl	%ax, %eax
	ret

	/* kc_string_io() with RFLAGS.DF set: the strings go down. */
kc_string_io_down:
	std
	call	kc_string_io
	cld
	ret

	/*
	 * OUT, the exit; INSB from a port only userspace takes to @bad,
	 * unmapped: the block stops before it, without reading the port,
	 * and the CPU takes the page fault, whose handler skips it; OUT.
	 */
	.globl kc_string_fault, kc_string_fault_ins
kc_string_fault:
	mov	%esi, %eax
	mov	$KC_USER_PORT2, %edx
	out	%al, $KC_ZONE_PORT
kc_string_fault_ins:
	insb
	out	%al, $KC_ZONE_PORT
	ret

	.globl kc_pic_init
kc_pic_init:
	mov	$0x11, %al		/* ICW1: edge, cascade, ICW4 */
	out	%al, $0x20
	mov	$0x20, %al		/* ICW2: vectors 0x20-0x27 */
	out	%al, $0x21
	mov	$0x04, %al		/* ICW3: slave on IR2 */
	out	%al, $0x21
	mov	$0x01, %al		/* ICW4: 8086 mode */
	out	%al, $0x21
	mov	$0x11, %al
	out	%al, $0xa0
	mov	$0x28, %al		/* vectors 0x28-0x2f */
	out	%al, $0xa1
	mov	$0x02, %al		/* cascade identity */
	out	%al, $0xa1
	mov	$0x01, %al
	out	%al, $0xa1
	mov	$0xfb, %al		/* mask all but the cascade */
	out	%al, $0x21
	mov	$0xff, %al
	out	%al, $0xa1
	ret

	.globl kc_pit_program
kc_pit_program:
	mov	$0x34, %al		/* channel 0, lobyte/hibyte, mode 2 */
	out	%al, $0x43
	mov	$0x9c, %al		/* 1193182 Hz / 0x2e9c = 100 Hz */
	out	%al, $0x40
	mov	$0x2e, %al
	out	%al, $0x40
	xor	%eax, %eax		/* latch channel 0 */
	out	%al, $0x43
	in	$0x40, %al
	movzbl	%al, %ecx
	in	$0x40, %al
	movzbl	%al, %eax
	shl	$8, %eax
	or	%ecx, %eax
	ret

	KC_TEXT_END kc_engine

	.section .note.GNU-stack, "", @progbits
