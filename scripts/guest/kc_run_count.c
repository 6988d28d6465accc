// SPDX-License-Identifier: GPL-2.0
/*
 * kc_run_count.so: preloaded into QEMU by scripts/job-guest.sh to count
 * QEMU's returns from KVM_RUN, i.e. the VM exits that reach userspace,
 * by exit reason.  KVM keeps no statistic of them (its io_exits counts
 * every I/O intercept, mmio_exits only MMIO for userspace).
 *
 * It wraps ioctl() to note the vCPU file descriptors KVM_CREATE_VCPU
 * returns and to count KVM_RUN returns, and mmap() to find each vCPU's
 * struct kvm_run, whose exit_reason says why KVM_RUN returned.  The
 * counts go to the file named by $KC_RUN_COUNT when QEMU exits: one line
 * "runs N io N mmio N intr N other N", then one "port P in|out N" line per
 * port and direction of the KVM_EXIT_IO exits.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/types.h>

#define KC_MAX_FDS 1024

enum kc_count { KC_RUNS, KC_IO, KC_MMIO, KC_INTR, KC_OTHER, KC_NR_COUNTS };

static struct kvm_run *kc_vcpu_run[KC_MAX_FDS];
static unsigned char kc_is_vcpu[KC_MAX_FDS];
static unsigned long kc_counts[KC_NR_COUNTS];
/* KVM_EXIT_IO exits by port and direction (KVM_EXIT_IO_IN, _OUT). */
static unsigned long kc_port_counts[65536][2];

static void kc_count(enum kc_count c)
{
	__atomic_fetch_add(&kc_counts[c], 1, __ATOMIC_RELAXED);
}

/* Why KVM_RUN on vCPU @fd returned @r. */
static enum kc_count kc_reason(int fd, int r, int err)
{
	struct kvm_run *run = kc_vcpu_run[fd];

	if (r < 0)
		return err == EINTR ? KC_INTR : KC_OTHER;
	if (!run)
		return KC_OTHER;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		__atomic_fetch_add(&kc_port_counts[run->io.port][!!run->io.direction],
				   1, __ATOMIC_RELAXED);
		return KC_IO;
	case KVM_EXIT_MMIO:
		return KC_MMIO;
	case KVM_EXIT_INTR:
		return KC_INTR;
	default:
		return KC_OTHER;
	}
}

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real_ioctl)(int fd, unsigned long req, ...);
	va_list ap;
	void *arg;
	int r;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real_ioctl)
		real_ioctl = dlsym(RTLD_NEXT, "ioctl");
	r = real_ioctl(fd, req, arg);
	if (req == KVM_CREATE_VCPU && r >= 0 && r < KC_MAX_FDS)
		kc_is_vcpu[r] = 1;
	if (req == KVM_RUN && fd >= 0 && fd < KC_MAX_FDS) {
		kc_count(KC_RUNS);
		kc_count(kc_reason(fd, r, errno));
	}
	return r;
}

/* The first mapping of a vCPU's file at offset 0 is its struct kvm_run. */
static void kc_note_mmap(void *p, int fd, off_t off)
{
	if (p != MAP_FAILED && fd >= 0 && fd < KC_MAX_FDS && kc_is_vcpu[fd] &&
	    !off && !kc_vcpu_run[fd])
		kc_vcpu_run[fd] = p;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
	void *p;

	if (!real_mmap)
		real_mmap = dlsym(RTLD_NEXT, "mmap");
	p = real_mmap(addr, len, prot, flags, fd, off);
	kc_note_mmap(p, fd, off);
	return p;
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

__attribute__((destructor)) static void kc_write_counts(void)
{
	const char *path = getenv("KC_RUN_COUNT");
	int port, dir;
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "runs %lu io %lu mmio %lu intr %lu other %lu\n",
		kc_counts[KC_RUNS], kc_counts[KC_IO], kc_counts[KC_MMIO],
		kc_counts[KC_INTR], kc_counts[KC_OTHER]);
	for (port = 0; port < 65536; port++)
		for (dir = 0; dir < 2; dir++)
			if (kc_port_counts[port][dir])
				fprintf(f, "port 0x%x %s %lu\n", port,
					dir ? "out" : "in",
					kc_port_counts[port][dir]);
	fclose(f);
}
