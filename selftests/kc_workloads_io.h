/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest routines of the make bench workloads (kc_workloads_io.S), each
 * modelled on the access sequence a driver or firmware performs on a
 * device of a PC.  They are written in assembly, with register operands
 * only between the accesses to port I/O devices, so that the module's
 * executor can run a whole burst in one exit once the device is in the
 * kernel; the 8259 and 8254 sequences are those of kc_engine_io.S.
 */
#ifndef KC_WORKLOADS_IO_H
#define KC_WORKLOADS_IO_H

#define KC_CMOS_INDEX	0x70
#define KC_CMOS_DATA	0x71
#define KC_PCI_ADDR	0xcf8
#define KC_PCI_DATA	0xcfc
#define KC_UART_BASE	0x3f8
#define KC_FW_CFG_SEL	0x510
#define KC_FW_CFG_DATA	0x511
#define KC_IOAPIC_GPA	0xfec00000

/* CMOS registers the RTC read visits, in order. */
#define KC_RTC_NR_READS		8
/* PCI devices of bus 0 the scan probes (function 0 of each). */
#define KC_PCI_NR_SLOTS		32
/* fw_cfg bytes read: signature, ID, file count, one directory entry. */
#define KC_FW_CFG_NR_READS	(4 + 4 + 4 + 64)
#define KC_FW_CFG_NR_SELECTS	3

#ifndef __ASSEMBLY__
#include <linux/types.h>

/*
 * Read the RTC's time as Linux's mc146818_get_time() does: status
 * register A (update in progress), seconds, minutes, hours, day, month,
 * year, status register B; each an index OUT to 0x70 and an IN from
 * 0x71.  Returns the values folded into one word (kc_rtc_fold()).
 */
u32 kc_rtc_read(void);

/*
 * Probe function 0 of every device of bus 0 through configuration
 * mechanism #1 (0xcf8/0xcfc) and, where a device answers, read its class
 * and header-type registers.  Returns the sum of the dwords read that are
 * not all ones.
 */
u32 kc_pci_scan(void);

/*
 * Read the IOAPIC's version register, then write every redirection
 * entry, high dword then low dword as Linux's ioapic_write_entry() does:
 * masked, fixed delivery, vector 0x30 + pin, destination 0.  @base is the
 * IOAPIC's MMIO base.  Returns the version register.
 */
u32 kc_ioapic_program(u64 base);

/*
 * Initialise the 16550 at 0x3f8 (115200 8N1, FIFOs, DTR/RTS/OUT2, no
 * interrupts), then send @len bytes 'a', 'b', ..., each after polling LSR
 * until the transmit holding register is empty.
 */
void kc_uart_init_tx(u32 len);

/*
 * fw_cfg: select the signature and read its 4 bytes, select the ID and
 * read 4 bytes, select the file directory and read its big-endian count
 * and the first 64-byte entry.  Returns the signature + ID + count + the
 * sum of the entry's bytes.
 */
u32 kc_fw_cfg_read(void);
#endif

#endif /* KC_WORKLOADS_IO_H */
