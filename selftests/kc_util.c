// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the kvm_coalesce selftests.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/stringify.h>

#include "kvm_util.h"
#include "test_util.h"
#include "ucall_common.h"

#include "kc_util.h"

#define KC_PARAM_DIR	"/sys/module/kvm_coalesce/parameters"

const char * const kc_mode_names[KC_NR_MODES] = KC_MODE_NAMES;

static const struct {
	const char *name;
	size_t offset;
} kc_stat_fields[] = {
#define KC_STAT(name)	{ #name, offsetof(struct kc_stats, name) },
#include "../kvm_coalesce/stats.h"
#undef KC_STAT
};

static bool kc_parse_stat(struct kc_stats *stats, const char *name,
			  u64 value)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kc_stat_fields); i++) {
		if (strcmp(name, kc_stat_fields[i].name))
			continue;
		*(u64 *)((char *)stats + kc_stat_fields[i].offset) = value;
		return true;
	}
	return false;
}

static void kc_vm_path(struct kvm_vm *vm, const char *name, char *path,
		       size_t len)
{
	snprintf(path, len, "/sys/kernel/debug/kvm/%d-%d/kvm_coalesce/%s",
		 getpid(), vm->fd, name);
}

/* Write @value to the file @path in one write(): 0 or -errno. */
static int kc_write_file(const char *path, const char *value)
{
	ssize_t len = strlen(value);
	int fd, r = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, value, len) != len)
		r = -errno;
	close(fd);
	return r;
}

int kc_vm_debugfs_write(struct kvm_vm *vm, const char *name, const char *value)
{
	char path[128];

	kc_vm_path(vm, name, path, sizeof(path));
	return kc_write_file(path, value);
}

/*
 * The guest code of kc_vm_attach_in_mode(): an OUT to a port that
 * neither KVM nor a test takes, and no use of the stack.
 */
#define KC_ATTACH_PORT	0x4b43

static void __naked kc_attach_code(void)
{
	asm volatile("mov $" __stringify(KC_ATTACH_PORT) ", %dx\n\t"
		     "out %al, %dx\n\t"
		     "ud2");
}

void kc_vm_attach_in_mode(struct kvm_vm *vm, struct kvm_vcpu *vcpu, int mode)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs, stub;
	int r;

	vcpu_regs_get(vcpu, &regs);
	stub = regs;
	stub.rip = (u64)kc_attach_code;
	stub.rflags = 0x2;	/* IF and TF clear */
	vcpu_regs_set(vcpu, &stub);
	vcpu_run(vcpu);
	TEST_ASSERT(run->exit_reason == KVM_EXIT_IO &&
		    run->io.port == KC_ATTACH_PORT,
		    "attaching the module: exit %s, port 0x%x",
		    exit_reason_str(run->exit_reason), run->io.port);
	/* Complete the OUT without entering the guest, as before a save. */
	run->immediate_exit = 1;
	r = __vcpu_run(vcpu);
	run->immediate_exit = 0;
	TEST_ASSERT(r == -1 && errno == EINTR,
		    "KVM_RUN with immediate_exit: %d, errno %d", r, errno);
	vcpu_regs_set(vcpu, &regs);
	TEST_ASSERT_EQ(kc_vm_debugfs_write(vm, "mode", kc_mode_names[mode]), 0);
}

struct kvm_vm *kc_vm_create_in_mode(int mode, void *guest_code,
				    struct kvm_vcpu **vcpu)
{
	struct kvm_vm *vm = vm_create_with_one_vcpu(vcpu, guest_code);
	struct ucall uc;

	vcpu_run(*vcpu);
	TEST_ASSERT(get_ucall(*vcpu, &uc) == UCALL_SYNC,
		    "the guest's first exit is not a GUEST_SYNC");
	TEST_ASSERT_EQ(kc_vm_debugfs_write(vm, "mode", kc_mode_names[mode]), 0);
	return vm;
}

bool kc_read_stats(struct kvm_vm *vm, struct kc_stats *stats)
{
	char path[128], name[64];
	unsigned long long value;
	int nr_parsed = 0;
	FILE *f;

	kc_vm_path(vm, "stats", path, sizeof(path));
	f = fopen(path, "r");
	if (!f)
		return false;

	memset(stats, 0, sizeof(*stats));
	while (fscanf(f, "%63s %llu", name, &value) == 2)
		nr_parsed += kc_parse_stat(stats, name, value);
	fclose(f);

	TEST_ASSERT(nr_parsed == ARRAY_SIZE(kc_stat_fields),
		    "%s: parsed %d of %zu counters", path, nr_parsed,
		    ARRAY_SIZE(kc_stat_fields));
	return true;
}

struct kc_stats kc_stats(struct kvm_vm *vm)
{
	struct kc_stats stats;

	TEST_ASSERT(kc_read_stats(vm, &stats),
		    "kvm_coalesce has no debugfs counters for the VM (pid %d, fd %d)",
		    getpid(), vm->fd);
	return stats;
}

void kc_print_stats(const char *what, const struct kc_stats *stats)
{
	size_t i;

	printf("# %s:", what);
	for (i = 0; i < ARRAY_SIZE(kc_stat_fields); i++)
		printf(" %s=%lu", kc_stat_fields[i].name,
		       *(u64 *)((char *)stats + kc_stat_fields[i].offset));
	printf("\n");
}

/* Each counter of @a plus @sign times the same counter of @b. */
static struct kc_stats kc_stats_combine(const struct kc_stats *a,
					const struct kc_stats *b, int sign)
{
	struct kc_stats r;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kc_stat_fields); i++) {
		size_t off = kc_stat_fields[i].offset;

		*(u64 *)((char *)&r + off) =
			*(const u64 *)((const char *)a + off) +
			sign * *(const u64 *)((const char *)b + off);
	}
	return r;
}

struct kc_stats kc_stats_sub(const struct kc_stats *now,
			     const struct kc_stats *before)
{
	return kc_stats_combine(now, before, -1);
}

struct kc_stats kc_stats_add(const struct kc_stats *a,
			     const struct kc_stats *b)
{
	return kc_stats_combine(a, b, 1);
}

u64 kc_rip_known_exits(int mode, u64 exits)
{
	return mode == KC_MODE_SCAN || mode == KC_MODE_ADDR ? exits : 0;
}

/* Both 8259s of @vm, master first: read into, or written from, @pic. */
static void kc_pics_ioctl(struct kvm_vm *vm, struct kvm_pic_state pic[2],
			  bool set)
{
	struct kvm_irqchip chip;
	int i;

	for (i = 0; i < 2; i++) {
		memset(&chip, 0, sizeof(chip));
		chip.chip_id = i ? KVM_IRQCHIP_PIC_SLAVE : KVM_IRQCHIP_PIC_MASTER;
		if (set) {
			chip.chip.pic = pic[i];
			vm_ioctl(vm, KVM_SET_IRQCHIP, &chip);
		} else {
			vm_ioctl(vm, KVM_GET_IRQCHIP, &chip);
			pic[i] = chip.chip.pic;
		}
	}
}

void kc_pics_get(struct kvm_vm *vm, struct kvm_pic_state pic[2])
{
	kc_pics_ioctl(vm, pic, false);
}

void kc_pics_set(struct kvm_vm *vm, struct kvm_pic_state pic[2])
{
	kc_pics_ioctl(vm, pic, true);
}

int kc_param_write(const char *name, const char *value)
{
	char path[128];

	snprintf(path, sizeof(path), KC_PARAM_DIR "/%s", name);
	return kc_write_file(path, value);
}

void kc_param_read(const char *name, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), KC_PARAM_DIR "/%s", name);
	fd = open(path, O_RDONLY);
	TEST_ASSERT(fd >= 0, "open(%s): %s", path, strerror(errno));
	n = read(fd, buf, len - 1);
	TEST_ASSERT(n > 0, "read(%s): %s", path, strerror(errno));
	close(fd);
	buf[n] = '\0';
	if (buf[n - 1] == '\n')
		buf[n - 1] = '\0';
}

bool kc_module_loaded(void)
{
	return !access("/sys/module/kvm_coalesce", F_OK);
}

const char *kc_module_path(void)
{
	const char *path = getenv("KC_MODULE");

	return path ? path : "/kc/kvm_coalesce.ko";
}

int kc_module_load(const char *path, const char *params)
{
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(__NR_finit_module, fd, params, 0))
		r = -errno;
	close(fd);
	return r;
}

void kc_module_ensure_loaded(void)
{
	int r;

	if (kc_module_loaded())
		return;
	r = kc_module_load(kc_module_path(), "");
	TEST_ASSERT(!r, "Loading %s: %s", kc_module_path(), strerror(-r));
}

const char *kc_module_state(void)
{
	static char state[32];
	FILE *f = fopen("/sys/module/kvm_coalesce/initstate", "r");

	if (!f)
		return "gone";
	if (!fgets(state, sizeof(state), f))
		snprintf(state, sizeof(state), "unreadable");
	state[strcspn(state, "\n")] = '\0';
	fclose(f);
	return state;
}

int kc_module_unload(void)
{
	if (syscall(__NR_delete_module, "kvm_coalesce", O_NONBLOCK))
		return -errno;
	return 0;
}

/*
 * The ring's page in the vCPU's mapping.  Asked of KVM once: callers run
 * at every exit, and kvm_check_cap() opens and closes /dev/kvm, which
 * would make every exit to userspace thousands of instructions dearer
 * in the benchmarks (and, with the page allocator's state after a module
 * load, dearer still).  Every thread computes the same value.
 */
static int kc_ring_page(void)
{
	static int page;

	if (!READ_ONCE(page))
		WRITE_ONCE(page, kvm_check_cap(KVM_CAP_COALESCED_MMIO));
	return READ_ONCE(page);
}

struct kvm_coalesced_mmio_ring *kc_ring(struct kvm_vcpu *vcpu, u32 *size)
{
	struct kvm_coalesced_mmio_ring *ring;

	ring = (void *)vcpu->run + kc_ring_page() * getpagesize();
	*size = (getpagesize() - sizeof(*ring)) / sizeof(ring->coalesced_mmio[0]);
	return ring;
}

int kc_ring_take(struct kvm_vcpu *vcpu, struct kvm_coalesced_mmio *out,
		 int max)
{
	u32 size;
	struct kvm_coalesced_mmio_ring *ring = kc_ring(vcpu, &size);
	int n = 0;

	while (ring->first != ring->last && n < max) {
		out[n++] = ring->coalesced_mmio[ring->first];
		ring->first = (ring->first + 1) % size;
	}
	return n;
}

int kc_ring_take_all(struct kvm_vcpu *vcpu, struct kvm_coalesced_mmio *out,
		     int max)
{
	u32 size;
	struct kvm_coalesced_mmio_ring *ring = kc_ring(vcpu, &size);
	int n = kc_ring_take(vcpu, out, max);

	TEST_ASSERT(ring->first == ring->last,
		    "more than %d entries in the coalesced ring", max);
	return n;
}

void kc_print_target(bool met, const char *target, const char *fmt, ...)
{
	char measured[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(measured, sizeof(measured), fmt, ap);
	va_end(ap);
	printf("  %-44s %-42s %s\n", target, measured, met ? "met" : "NOT MET");
}

u64 kc_vcpu_stat(struct kvm_vcpu *vcpu, const char *name)
{
	struct kvm_stats_header header;
	struct kvm_stats_desc *descs, *desc;
	u64 value = 0;
	bool found = false;
	int fd, i;

	fd = vcpu_get_stats_fd(vcpu);
	read_stats_header(fd, &header);
	descs = read_stats_descriptors(fd, &header);
	for (i = 0; i < header.num_desc; i++) {
		desc = get_stats_descriptor(descs, i, &header);
		if (strcmp(desc->name, name))
			continue;
		read_stat_data(fd, &header, desc, &value, 1);
		found = true;
		break;
	}
	free(descs);
	close(fd);

	TEST_ASSERT(found, "KVM has no vCPU statistic '%s'", name);
	return value;
}

u64 kc_parse_seed(const char *arg)
{
	u64 seed;

	if (strcmp(arg, "random"))
		return strtoull(arg, NULL, 0);
	TEST_ASSERT(getrandom(&seed, sizeof(seed), 0) == sizeof(seed),
		    "getrandom: %s", strerror(errno));
	return seed;
}

/* The CPUs this process may run on, as found at the first call. */
static const cpu_set_t *kc_allowed_cpus(void)
{
	static cpu_set_t set;
	static bool read;

	if (!read) {
		TEST_ASSERT(!sched_getaffinity(0, sizeof(set), &set),
			    "sched_getaffinity: %s", strerror(errno));
		read = true;
	}
	return &set;
}

int kc_nr_cpus(void)
{
	return CPU_COUNT(kc_allowed_cpus());
}

/* The @n-th CPU the test may run on, modulo their number. */
static int kc_nth_cpu(int n, cpu_set_t *one)
{
	const cpu_set_t *allowed = kc_allowed_cpus();
	int cpu, i = n % kc_nr_cpus();

	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (CPU_ISSET(cpu, allowed) && !i--)
			break;
	}
	CPU_ZERO(one);
	CPU_SET(cpu, one);
	return cpu;
}

void kc_pin_thread(pthread_t thread, int n)
{
	cpu_set_t one;
	int cpu = kc_nth_cpu(n, &one), r;

	r = pthread_setaffinity_np(thread, sizeof(one), &one);
	TEST_ASSERT(!r, "pinning a thread to CPU %d: %s", cpu, strerror(r));
}

void kc_thread_create_pinned(pthread_t *thread, void *(*fn)(void *),
			     void *arg, int n)
{
	pthread_attr_t attr;
	cpu_set_t one;
	int cpu = kc_nth_cpu(n, &one), r;

	TEST_ASSERT_EQ(pthread_attr_init(&attr), 0);
	r = pthread_attr_setaffinity_np(&attr, sizeof(one), &one);
	TEST_ASSERT(!r, "a thread for CPU %d: %s", cpu, strerror(r));
	r = pthread_create(thread, &attr, fn, arg);
	TEST_ASSERT(!r, "a thread on CPU %d: %s", cpu, strerror(r));
	pthread_attr_destroy(&attr);
}

#define KC_BUSY_MAX_VCPUS	8

struct kc_busy {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpus[KC_BUSY_MAX_VCPUS];
	pthread_t threads[KC_BUSY_MAX_VCPUS];
	int nr_vcpus;
};

static bool kc_busy_stopping;	/* guest memory, set by the host */

static void kc_busy_guest(void)
{
	while (!READ_ONCE(kc_busy_stopping))
		asm volatile("out %%al, $0xa1\n\t"
			     "out %%al, $0xa1\n\t"
			     "out %%al, $0xa1" : : "a"(0xff));
	GUEST_DONE();
}

static void *kc_busy_vcpu(void *vcpu)
{
	struct ucall uc;

	vcpu_run(vcpu);
	TEST_ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_DONE);
	return NULL;
}

struct kc_busy *kc_busy_start(void)
{
	struct kc_busy *b = calloc(1, sizeof(*b));
	int i;

	TEST_ASSERT(b, "calloc");
	b->nr_vcpus = min(kc_nr_cpus(), KC_BUSY_MAX_VCPUS);
	b->vm = vm_create_with_vcpus(b->nr_vcpus, kc_busy_guest, b->vcpus);
	for (i = 0; i < b->nr_vcpus; i++) {
		kc_thread_create_pinned(&b->threads[i], kc_busy_vcpu,
					b->vcpus[i], i);
	}
	return b;
}

void kc_busy_stop(struct kc_busy *b)
{
	bool *stopping = addr_gva2hva(b->vm, (vm_vaddr_t)&kc_busy_stopping);
	int i;

	WRITE_ONCE(*stopping, true);
	for (i = 0; i < b->nr_vcpus; i++)
		pthread_join(b->threads[i], NULL);
	kvm_vm_free(b->vm);
	free(b);
}

void kc_run_create(struct kc_run *run, void *guest_code)
{
	run->vm = vm_create_with_one_vcpu(&run->vcpu, guest_code);
}

void kc_run_zone(struct kc_run *run, u64 addr, u64 size, bool pio)
{
	kvm_vm_register_coalesced_io(run->vm, addr, size, pio);
	run->zone_addr = addr;
	run->zone_size = size;
	run->zone_pio = pio;
}

/* The ring's entries to the log, then, if @run exited for it, the write. */
static void kc_run_log_zone(struct kc_run *run, bool exited)
{
	struct kvm_run *r = run->vcpu->run;
	struct kvm_coalesced_mmio *e;

	run->nr_ring += kc_ring_take_all(run->vcpu, run->ring + run->nr_ring,
					 KC_RING_LOG - run->nr_ring);
	if (!exited)
		return;
	TEST_ASSERT(run->nr_ring < KC_RING_LOG, "zone log full");
	e = &run->ring[run->nr_ring++];
	memset(e, 0, sizeof(*e));
	if (run->zone_pio) {
		TEST_ASSERT(r->io.count == 1, "zone exit: %u OUTs", r->io.count);
		e->phys_addr = r->io.port;
		e->len = r->io.size;
		e->pio = 1;
		memcpy(e->data, (u8 *)r + r->io.data_offset, r->io.size);
	} else {
		e->phys_addr = r->mmio.phys_addr;
		e->len = r->mmio.len;
		memcpy(e->data, r->mmio.data, r->mmio.len);
	}
}

/* Whether @run exited to userspace for a write to its zone. */
static bool kc_run_zone_exit(struct kc_run *run)
{
	struct kvm_run *r = run->vcpu->run;

	if (!run->zone_size)
		return false;
	if (run->zone_pio)
		return r->exit_reason == KVM_EXIT_IO &&
		       r->io.direction == KVM_EXIT_IO_OUT &&
		       r->io.port - run->zone_addr < run->zone_size;
	return r->exit_reason == KVM_EXIT_MMIO && r->mmio.is_write &&
	       r->mmio.phys_addr - run->zone_addr < run->zone_size;
}

/* Run to the ucall @cmd that ends the next stage, and record the stage. */
static void kc_run_to(struct kc_run *run, u64 cmd)
{
	int stage = run->stage + 1;
	struct ucall uc;
	u64 now;

	TEST_ASSERT(stage < KC_MAX_STAGES, "more than %d stages", KC_MAX_STAGES);
	for (;;) {
		vcpu_run(run->vcpu);
		if (get_ucall(run->vcpu, &uc) != UCALL_NONE)
			break;
		if (kc_run_zone_exit(run))
			kc_run_log_zone(run, true);
		else if (run->user_exit)
			run->user_exit(run);
		else
			TEST_FAIL("mode %s, stage %d: exit %s",
				  kc_mode_names[run->mode], stage,
				  exit_reason_str(run->vcpu->run->exit_reason));
	}
	if (uc.cmd == UCALL_ABORT)
		REPORT_GUEST_ASSERT(uc);
	TEST_ASSERT(uc.cmd == cmd && (cmd != UCALL_SYNC || uc.args[1] == stage),
		    "mode %s: ucall %lu (%lu) at the end of stage %d, wanted %lu",
		    kc_mode_names[run->mode], uc.cmd, uc.args[1], stage, cmd);

	now = kc_vcpu_stat(run->vcpu, "io_exits");
	run->exits[stage] = now - run->io_exits - 1;
	run->io_exits = now;
	run->stats[stage] = kc_stats(run->vm);
	kc_run_log_zone(run, false);
	run->ring_end[stage] = run->nr_ring;
	run->stage = stage;
}

void kc_run_start(struct kc_run *run, int mode)
{
	run->mode = mode;
	run->stage = -1;
	run->nr_ring = 0;
	kc_vm_attach_in_mode(run->vm, run->vcpu, mode);
	run->io_exits = kc_vcpu_stat(run->vcpu, "io_exits");
	kc_run_to(run, UCALL_SYNC);
}

void kc_run_stage(struct kc_run *run)
{
	kc_run_to(run, UCALL_SYNC);
}

void kc_run_done(struct kc_run *run)
{
	kc_run_to(run, UCALL_DONE);
}

int kc_stage_ring(const struct kc_run *run, int stage,
		  const struct kvm_coalesced_mmio **ring)
{
	int begin = stage ? run->ring_end[stage - 1] : 0;

	if (ring)
		*ring = run->ring + begin;
	return run->ring_end[stage] - begin;
}

struct kc_stats kc_stage_delta(const struct kc_run *run, int stage)
{
	return kc_stats_sub(&run->stats[stage], &run->stats[stage - 1]);
}

void kc_check_exits(const struct kc_run *run, const int *want, int nr)
{
	int stage;

	for (stage = 1; stage < nr; stage++)
		TEST_ASSERT(want[stage] < 0 || run->exits[stage] == want[stage],
			    "mode %s, stage %d: %d I/O exits, wanted %d",
			    kc_mode_names[run->mode], stage, run->exits[stage],
			    want[stage]);
}

void kc_check_same_ring(const struct kc_run *off, const struct kc_run *run)
{
	const struct kvm_coalesced_mmio *a, *b;
	int stage, na, nb, i;

	TEST_ASSERT_EQ(run->stage, off->stage);
	for (stage = 0; stage <= run->stage; stage++) {
		na = kc_stage_ring(off, stage, &a);
		nb = kc_stage_ring(run, stage, &b);
		TEST_ASSERT(na == nb, "mode %s, stage %d: %d zone accesses, off: %d",
			    kc_mode_names[run->mode], stage, nb, na);
		for (i = 0; i < na; i++)
			TEST_ASSERT(!memcmp(&a[i], &b[i], sizeof(a[i])),
				    "mode %s, stage %d: zone access %d at 0x%llx, %u bytes, 0x%x; off: 0x%llx, %u, 0x%x",
				    kc_mode_names[run->mode], stage, i,
				    b[i].phys_addr, b[i].len, b[i].data[0],
				    a[i].phys_addr, a[i].len, a[i].data[0]);
	}
}

bool kc_vm_dir_exists(pid_t pid)
{
	char pattern[64];
	glob_t gl;
	bool found;

	snprintf(pattern, sizeof(pattern), "/sys/kernel/debug/kvm/%d-*", pid);
	found = !glob(pattern, 0, NULL, &gl);
	globfree(&gl);
	return found;
}
