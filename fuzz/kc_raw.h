/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An independent decoder of the instructions kvm_coalesce/decode.c
 * accepts, for the fuzz target: see kc_raw.c.
 */
#ifndef KC_RAW_H
#define KC_RAW_H

#include <linux/types.h>

#include "decode.h"

struct kc_raw {
	unsigned int len;	/* bytes */
	bool opsize;		/* a 66 prefix */
	bool rex_present;
	u8 rex;
	u8 op, op2;		/* op2 after 0F */
	bool has_modrm;
	bool reg_named;		/* ModRM.reg is a register, not a /digit */
	bool jump;
	bool string;		/* INS or OUTS: memory at RDI or RSI */
	bool nop;		/* 90, 0F 1F: names no register it uses */
	u8 modrm, sib;
	int size;		/* operand size */
	int rm_size;		/* MOVZX, MOVSX: the r/m operand's size */
	bool mem;		/* ModRM names memory */
	bool rip_rel;
	u8 base, index, scale;	/* enum kc_reg or KC_NO_REG */
	unsigned int disp_bytes;
	s32 disp;
	unsigned int imm_bytes;
	s64 imm;		/* sign-extended from imm_bytes */
	u16 regs;		/* the registers the encoding names */
};

bool kc_raw_decode(const u8 *p, unsigned int avail, struct kc_raw *r);

#endif /* KC_RAW_H */
