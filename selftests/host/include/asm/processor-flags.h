/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for the kernel's asm/processor-flags.h. */
#ifndef KC_SHIM_ASM_PROCESSOR_FLAGS_H
#define KC_SHIM_ASM_PROCESSOR_FLAGS_H
#define X86_EFLAGS_CF	0x0001
#define X86_EFLAGS_PF	0x0004
#define X86_EFLAGS_AF	0x0010
#define X86_EFLAGS_ZF	0x0040
#define X86_EFLAGS_SF	0x0080
#define X86_EFLAGS_OF	0x0800
#endif
