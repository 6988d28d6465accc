/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for the kernel's linux/percpu.h, for fuzz/. */
#ifndef KC_SHIM_LINUX_PERCPU_H
#define KC_SHIM_LINUX_PERCPU_H
#define __percpu
#define this_cpu_inc(v)		((v)++)
#define this_cpu_add(v, n)	((v) += (n))
#endif
