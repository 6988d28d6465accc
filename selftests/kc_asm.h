/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For the guest routines in assembly (kc_*_io.S).
 *
 * A block never extends past the end of its page, so a routine that
 * crossed a page would be cut into two blocks and take an exit more than
 * its test expects, depending only on where the linker placed it.  Each
 * file's routines therefore start on a page of their own and must fit
 * in it:
 *
 *	KC_TEXT_BEGIN kc_name
 *	...routines...
 *	KC_TEXT_END kc_name
 */
#ifndef KC_ASM_H
#define KC_ASM_H

#ifdef __ASSEMBLY__
.macro KC_TEXT_BEGIN name
	.text
	.balign 4096
	.set \name\()_text_begin, .
.endm

/* Fills the page; ".org backwards" if the routines do not fit in it. */
.macro KC_TEXT_END name
	.org \name\()_text_begin + 4096
.endm
#endif

#endif /* KC_ASM_H */
