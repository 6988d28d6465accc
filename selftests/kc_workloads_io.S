/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routines of kc_workloads_io.h.  Argument in %rdi, result in
 * %eax; only caller-saved registers are used.  Loops jump backwards,
 * which ends a block: as in the drivers they imitate, one iteration of
 * a loop is one burst.
 */
#include "kc_asm.h"
#include "kc_workloads_io.h"

	KC_TEXT_BEGIN kc_workloads

/* One CMOS read: index to 0x70, value from 0x71, folded into %ecx. */
.macro	cmos_read reg
	mov	$\reg, %al
	out	%al, $KC_CMOS_INDEX
	in	$KC_CMOS_DATA, %al
	movzbl	%al, %eax
	shl	$3, %ecx
	add	%eax, %ecx
.endm

	.globl kc_rtc_read
kc_rtc_read:
	xor	%ecx, %ecx
	cmos_read 0x0a			/* status A: update in progress? */
	cmos_read 0x00			/* seconds */
	cmos_read 0x02			/* minutes */
	cmos_read 0x04			/* hours */
	cmos_read 0x07			/* day of month */
	cmos_read 0x08			/* month */
	cmos_read 0x09			/* year */
	cmos_read 0x0b			/* status B: BCD, 24 hours? */
	mov	%ecx, %eax
	ret

/* One configuration read of register \reg of the device in %edi. */
.macro	pci_read reg
	mov	%edi, %eax
	or	$\reg, %eax
	mov	$KC_PCI_ADDR, %edx
	out	%eax, %dx
	mov	$KC_PCI_DATA, %edx
	in	%dx, %eax
.endm

	.globl kc_pci_scan
kc_pci_scan:
	xor	%esi, %esi
	mov	$0x80000000, %edi	/* enable, bus 0, device 0, function 0 */
1:	pci_read 0x00			/* vendor and device ID */
	cmp	$0xffffffff, %eax
	je	2f			/* no device */
	add	%eax, %esi
	pci_read 0x08			/* class code, revision */
	add	%eax, %esi
	pci_read 0x0c			/* header type */
	add	%eax, %esi
2:	add	$0x800, %edi		/* next device */
	cmp	$(0x80000000 + KC_PCI_NR_SLOTS * 0x800), %edi
	jne	1b
	mov	%esi, %eax
	ret

	.globl kc_ioapic_program
kc_ioapic_program:
	movl	$0x01, (%rdi)		/* IOREGSEL: version */
	movl	0x10(%rdi), %eax	/* IOWIN */
	mov	%eax, %esi
	shr	$16, %eax		/* maximum redirection entry */
	and	$0xff, %eax
	mov	%eax, %ecx
	inc	%ecx			/* number of pins */
	xor	%r8d, %r8d
1:	mov	%r8d, %eax
	add	%eax, %eax
	add	$0x11, %eax		/* high dword of entry %r8 */
	movl	%eax, (%rdi)
	movl	$0, 0x10(%rdi)		/* destination 0 */
	dec	%eax			/* low dword */
	movl	%eax, (%rdi)
	mov	%r8d, %eax
	add	$0x10030, %eax		/* masked, fixed, vector 0x30 + pin */
	movl	%eax, 0x10(%rdi)
	inc	%r8d
	cmp	%ecx, %r8d
	jne	1b
	mov	%esi, %eax
	ret

	.globl kc_uart_init_tx
kc_uart_init_tx:
	mov	$(KC_UART_BASE + 3), %edx	/* LCR: divisor latch access */
	mov	$0x80, %al
	out	%al, %dx
	mov	$(KC_UART_BASE + 0), %edx	/* DLL: 115200 baud */
	mov	$0x01, %al
	out	%al, %dx
	mov	$(KC_UART_BASE + 1), %edx	/* DLM */
	xor	%eax, %eax
	out	%al, %dx
	mov	$(KC_UART_BASE + 3), %edx	/* LCR: 8N1 */
	mov	$0x03, %al
	out	%al, %dx
	mov	$(KC_UART_BASE + 2), %edx	/* FCR: enable and clear FIFOs */
	mov	$0xc7, %al
	out	%al, %dx
	mov	$(KC_UART_BASE + 4), %edx	/* MCR: DTR, RTS, OUT2 */
	mov	$0x0b, %al
	out	%al, %dx
	mov	$(KC_UART_BASE + 1), %edx	/* IER: no interrupts */
	xor	%eax, %eax
	out	%al, %dx
	xor	%ecx, %ecx
1:	mov	$(KC_UART_BASE + 5), %edx	/* LSR */
2:	in	%dx, %al
	test	$0x20, %al			/* THR empty? */
	jz	2b
	mov	$(KC_UART_BASE + 0), %edx	/* THR */
	mov	%ecx, %eax
	add	$0x61, %eax			/* 'a' + n */
	out	%al, %dx
	inc	%ecx
	cmp	%edi, %ecx
	jne	1b
	ret

/* Read one fw_cfg byte into bits \shift.. of %ecx. */
.macro	fw_cfg_byte shift
	in	%dx, %al
	movzbl	%al, %eax
	shl	$\shift, %eax
	or	%eax, %ecx
.endm

/*
 * Select item \item and read 4 bytes into %ecx, byte n at bit \sn (the
 * signature and ID are little-endian, the file count big-endian); add
 * them to %esi.
 */
.macro	fw_cfg_dword item, s0, s1, s2, s3
	mov	$KC_FW_CFG_SEL, %edx
	mov	$\item, %eax
	out	%ax, %dx
	mov	$KC_FW_CFG_DATA, %edx
	xor	%ecx, %ecx
	fw_cfg_byte \s0
	fw_cfg_byte \s1
	fw_cfg_byte \s2
	fw_cfg_byte \s3
	add	%ecx, %esi
.endm

	.globl kc_fw_cfg_read
kc_fw_cfg_read:
	xor	%esi, %esi
	fw_cfg_dword 0x00, 0, 8, 16, 24	/* signature, "QEMU" */
	fw_cfg_dword 0x01, 0, 8, 16, 24	/* ID: feature bits */
	fw_cfg_dword 0x19, 24, 16, 8, 0	/* file directory: count */
	mov	$64, %edi		/* its first entry, byte by byte */
1:	in	%dx, %al
	movzbl	%al, %eax
	add	%eax, %esi
	dec	%edi
	jnz	1b
	mov	%esi, %eax
	ret

	KC_TEXT_END kc_workloads

	.section .note.GNU-stack, "", @progbits
