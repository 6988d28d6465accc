// SPDX-License-Identifier: GPL-2.0
/*
 * The module under concurrency: four vCPUs doing I/O while the host
 * changes the module's parameters, unloads and reloads it, and destroys
 * VMs whose vCPUs are running.
 *
 * Each vCPU's guest loops over: eight OUTs to its own port of a coalesced
 * PIO zone (a running byte sequence), writes and reads back of its own
 * local APIC's TPR and LVT0 (MMIO), and, under a guest spinlock, of the
 * slave 8259's IMR and of two IOAPIC redirection entries (index/data
 * MMIO); then a ucall.  The guest checks every value it reads back; the
 * host checks each port's byte sequence in the zone's ring, so a lost,
 * repeated or reordered OUT shows.
 *
 *  PARAMS   the main thread, until the vCPUs are done, cycles the mode,
 *           extent and insns_per_exit parameters, the VM's own values
 *           in debugfs, and reads the VM's stats and block table.  After,
 *           the counters must account for every access exactly: KVM's
 *           io_exits are the module's pio_exits, and the accesses the
 *           module ran, plus one per exit it did not handle, are the
 *           accesses the guests made.
 *  RELOAD   the module is unloaded and loaded again, with other
 *           parameters, while the vCPUs run: KVM's unregistering must
 *           wait for exits in the module, the per-VM state must go with
 *           the module and come back at the next exit.
 *  KILL     a child process runs a VM of four vCPUs and is killed with
 *           SIGKILL while they run: with nothing else, with the module
 *           unloaded right after the kill, and with the VM's stats file
 *           held open across the kill (the file keeps the VM, and the
 *           module, until it is closed).
 *
 * vCPU i runs on CPU i modulo the CPUs the test has, so that exits of
 * the VM run at the same time as each other and as the main thread.
 * Loops are bounded by the guests' iterations; nothing waits for time.
 * The kernel log is checked by vm-run.sh (WARN, BUG, lockdep, KASAN...).
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "kc_concurrency_io.h"
#include "kc_mmio_io.h"
#include "kc_util.h"

#define NR_VCPUS	4
#define PARAMS_ITERS	100	/* per vCPU */
#define NR_RELOADS	8
#define RELOAD_STEP	4	/* guest iterations between steps, all vCPUs */
#define NR_KILLS	6
#define KILL_AFTER	8	/* guest iterations before the kill, all vCPUs */

/* Accesses per guest iteration: zone, LAPIC, 8259, IOAPIC, ucall. */
#define ACCESSES_PER_ITER	(KC_CONC_BURST + 4 + 2 + 10 + 1)

#define LVT_MASKED	0x10000u
#define IOAPIC_MASKED	0x10000u

/* Guest side. */
static int guest_lock_word;

static void guest_lock(void)
{
	while (__atomic_exchange_n(&guest_lock_word, 1, __ATOMIC_ACQUIRE))
		asm volatile("pause");
}

static void guest_unlock(void)
{
	__atomic_store_n(&guest_lock_word, 0, __ATOMIC_RELEASE);
}

/* One iteration's device accesses; every value read back is checked. */
static void guest_iteration(u64 id, u64 it, u32 seq)
{
	u32 tag = id << 4 | (it & 0xf);
	u32 lvt0 = LVT_MASKED | (0x20 + tag);
	u32 low = IOAPIC_MASKED | (0x20 + tag);
	/*
	 * The TPR's priority class only: KVM on SVM rebuilds the TPR from
	 * CR8 at every exit, dropping bits 3:0, which a block that writes
	 * and reads it within one exit keeps (reported, not tested here).
	 */
	u32 tpr = (it & 0xf) << 4;

	GUEST_ASSERT_EQ(kc_conc_burst(KC_CONC_PORT + id, seq),
			seq + KC_CONC_BURST);
	GUEST_ASSERT_EQ(kc_conc_lapic(KC_LAPIC_BASE, tpr, lvt0),
			(u64)lvt0 << 32 | tpr);

	/* The 8259 and the IOAPIC's index register are shared. */
	guest_lock();
	GUEST_ASSERT_EQ(kc_conc_pic(tag), tag);
	GUEST_ASSERT_EQ(kc_ioapic_program(KC_IOAPIC_BASE, low, low + 1), low);
	guest_unlock();
}

/* @nr_iters iterations, or for ever if 0. */
static void guest_code(u64 id, u64 nr_iters)
{
	u32 seq = 0;
	u64 it;

	for (it = 1; !nr_iters || it <= nr_iters; it++) {
		guest_iteration(id, it, seq);
		seq += KC_CONC_BURST;
		GUEST_SYNC(it);
	}
	GUEST_DONE();
}

/* Host side: a VM and its vCPU threads. */
struct vm_run {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpus[NR_VCPUS];
	pthread_t threads[NR_VCPUS];
	u64 iters[NR_VCPUS];		/* completed, written by the thread */
	bool done[NR_VCPUS];
	bool stop;			/* threads return at their next ucall */
	pthread_mutex_t ring_lock;	/* one reader of the shared ring */
	u64 zone_logged[NR_VCPUS];	/* OUTs seen per port */
};

struct vcpu_arg {
	struct vm_run *r;
	int id;
};

static struct vcpu_arg vcpu_args[NR_VCPUS];

/* Port @port got @data: the next byte of its vCPU's sequence. */
static void log_zone(struct vm_run *r, u64 port, u8 data)
{
	u64 i = port - KC_CONC_PORT;

	TEST_ASSERT(i < NR_VCPUS, "zone entry for port 0x%lx", port);
	TEST_ASSERT(data == (u8)r->zone_logged[i],
		    "port 0x%lx: byte 0x%x after %lu, wanted 0x%x", port, data,
		    r->zone_logged[i], (u8)r->zone_logged[i]);
	r->zone_logged[i]++;
}

/* Caller holds ring_lock. */
static void drain_ring_locked(struct vm_run *r, struct kvm_vcpu *vcpu)
{
	struct kvm_coalesced_mmio e[64];
	int i, n;

	do {
		n = kc_ring_take(vcpu, e, ARRAY_SIZE(e));
		for (i = 0; i < n; i++) {
			TEST_ASSERT(e[i].pio && e[i].len == 1,
				    "ring entry pio %u len %u", e[i].pio, e[i].len);
			log_zone(r, e[i].phys_addr, e[i].data[0]);
		}
	} while (n);
}

static void drain_ring(struct vm_run *r, struct kvm_vcpu *vcpu)
{
	pthread_mutex_lock(&r->ring_lock);
	drain_ring_locked(r, vcpu);
	pthread_mutex_unlock(&r->ring_lock);
}

/* An OUT the full ring sent to userspace: it comes after the ring's. */
static void zone_exit(struct vm_run *r, struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	TEST_ASSERT(run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
		    run->io.count == 1, "zone exit: dir %d size %d count %d",
		    run->io.direction, run->io.size, run->io.count);
	pthread_mutex_lock(&r->ring_lock);
	drain_ring_locked(r, vcpu);
	log_zone(r, run->io.port, *((u8 *)run + run->io.data_offset));
	pthread_mutex_unlock(&r->ring_lock);
}

static bool is_zone_exit(struct kvm_run *run)
{
	return run->exit_reason == KVM_EXIT_IO &&
	       run->io.port >= KC_CONC_PORT &&
	       run->io.port < KC_CONC_PORT + NR_VCPUS;
}

static void *vcpu_thread(void *data)
{
	struct vcpu_arg *a = data;
	struct vm_run *r = a->r;
	struct kvm_vcpu *vcpu = r->vcpus[a->id];
	struct ucall uc;

	for (;;) {
		vcpu_run(vcpu);
		if (is_zone_exit(vcpu->run)) {
			zone_exit(r, vcpu);
			continue;
		}
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			TEST_ASSERT(uc.args[1] == r->iters[a->id] + 1,
				    "vCPU %d: iteration %lu after %lu", a->id,
				    uc.args[1], r->iters[a->id]);
			drain_ring(r, vcpu);
			__atomic_store_n(&r->iters[a->id], uc.args[1],
					 __ATOMIC_RELEASE);
			if (__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
				return NULL;
			break;
		case UCALL_DONE:
			drain_ring(r, vcpu);
			__atomic_store_n(&r->done[a->id], true, __ATOMIC_RELEASE);
			return NULL;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		default:
			TEST_FAIL("vCPU %d: exit %s", a->id,
				  exit_reason_str(vcpu->run->exit_reason));
		}
	}
}

static void vm_run_start(struct vm_run *r, u64 nr_iters)
{
	int i;

	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->ring_lock, NULL);
	r->vm = vm_create_with_vcpus(NR_VCPUS, guest_code, r->vcpus);
	kvm_vm_register_coalesced_io(r->vm, KC_CONC_PORT, NR_VCPUS, true);
	virt_map(r->vm, KC_IOAPIC_BASE, KC_IOAPIC_BASE, 1);
	virt_map(r->vm, KC_LAPIC_BASE, KC_LAPIC_BASE, 1);
	for (i = 0; i < NR_VCPUS; i++) {
		vcpu_args_set(r->vcpus[i], 2, i, nr_iters);
		vcpu_args[i].r = r;
		vcpu_args[i].id = i;
		kc_thread_create_pinned(&r->threads[i], vcpu_thread,
					&vcpu_args[i], i);
	}
}

static void vm_run_join(struct vm_run *r)
{
	int i;

	for (i = 0; i < NR_VCPUS; i++)
		pthread_join(r->threads[i], NULL);
}

static u64 total_iters(struct vm_run *r)
{
	u64 sum = 0;
	int i;

	for (i = 0; i < NR_VCPUS; i++)
		sum += __atomic_load_n(&r->iters[i], __ATOMIC_ACQUIRE);
	return sum;
}

static bool all_done(struct vm_run *r)
{
	int i;

	for (i = 0; i < NR_VCPUS; i++) {
		if (!__atomic_load_n(&r->done[i], __ATOMIC_ACQUIRE))
			return false;
	}
	return true;
}

/* Wait until the guests have made @n more iterations in all. */
static void wait_progress(struct vm_run *r, u64 n)
{
	u64 target = total_iters(r) + n;

	while (total_iters(r) < target)
		sched_yield();
}

/* Each vCPU's zone port saw exactly its OUTs, in order. */
static void check_zone(struct vm_run *r)
{
	int i;

	for (i = 0; i < NR_VCPUS; i++)
		TEST_ASSERT(r->zone_logged[i] == r->iters[i] * KC_CONC_BURST,
			    "vCPU %d: %lu zone OUTs logged in %lu iterations",
			    i, r->zone_logged[i], r->iters[i]);
}

/* Read a whole debugfs file of the VM, to have the module produce it. */
static void read_vm_file(struct kvm_vm *vm, const char *name)
{
	char path[128], buf[4096];
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%d-%d/kvm_coalesce/%s",
		 getpid(), vm->fd, name);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		TEST_ASSERT(errno == ENOENT, "open(%s): %s", path,
			    strerror(errno));
		return;
	}
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

/* One change of every parameter; the VM's files exist from its first exit. */
static void change_params(struct kvm_vm *vm, unsigned int k)
{
	static const char * const extents[] = { "1", "2", "7", "32", "64" };
	static const char * const vm_modes[] = {
		"scan", "default", "addr", "confirm", "off", "default",
	};
	static const char * const vm_extents[] = { "0", "3", "64", "0", "16" };
	static const char * const limits[] = { "0", "6", "1", "64" };
	static const char * const vm_limits[] = { "default", "0", "2", "default" };
	int r;

	TEST_ASSERT_EQ(kc_param_write("mode", kc_mode_names[k % KC_NR_MODES]), 0);
	TEST_ASSERT_EQ(kc_param_write("extent", extents[k % ARRAY_SIZE(extents)]), 0);
	TEST_ASSERT_EQ(kc_param_write("insns_per_exit",
				      limits[k % ARRAY_SIZE(limits)]), 0);
	r = kc_vm_debugfs_write(vm, "mode", vm_modes[k % ARRAY_SIZE(vm_modes)]);
	TEST_ASSERT(!r || r == -ENOENT, "VM mode: %s", strerror(-r));
	r = kc_vm_debugfs_write(vm, "extent",
				vm_extents[k % ARRAY_SIZE(vm_extents)]);
	TEST_ASSERT(!r || r == -ENOENT, "VM extent: %s", strerror(-r));
	r = kc_vm_debugfs_write(vm, "insns_per_exit",
				vm_limits[k % ARRAY_SIZE(vm_limits)]);
	TEST_ASSERT(!r || r == -ENOENT, "VM insns_per_exit: %s", strerror(-r));
	read_vm_file(vm, "stats");
	read_vm_file(vm, "blocks");
}

/*
 * Every access the guests made was run by the module or, one per exit
 * it did not handle, by KVM; every I/O exit KVM counted was offered to
 * the module.  The VM was created with the module loaded, so the module
 * saw all of its exits.
 */
static void check_accounting(struct vm_run *r)
{
	struct kc_stats s = kc_stats(r->vm);
	u64 io_exits = 0, accesses = 0;
	int i;

	for (i = 0; i < NR_VCPUS; i++) {
		io_exits += kc_vcpu_stat(r->vcpus[i], "io_exits");
		/* The iterations, and GUEST_DONE's ucall. */
		accesses += r->iters[i] * ACCESSES_PER_ITER + 1;
	}
	kc_print_stats("PARAMS", &s);
	TEST_ASSERT(s.pio_exits == io_exits,
		    "module saw %lu PIO exits, KVM counted %lu", s.pio_exits,
		    io_exits);
	TEST_ASSERT(s.exits == s.pio_exits + s.mmio_exits && !s.string_pio_exits,
		    "exits %lu: pio %lu, mmio %lu, string %lu", s.exits,
		    s.pio_exits, s.mmio_exits, s.string_pio_exits);
	TEST_ASSERT(s.io + s.exits - s.handled == accesses,
		    "module ran %lu accesses in %lu exits of %lu, KVM the other exits' accesses; the guests made %lu",
		    s.io, s.handled, s.exits, accesses);
}

static void phase_params(void)
{
	struct vm_run r;
	unsigned int k = 0;
	int i;

	vm_run_start(&r, PARAMS_ITERS);
	while (!all_done(&r)) {
		change_params(r.vm, k++);
		sched_yield();
	}
	vm_run_join(&r);
	for (i = 0; i < NR_VCPUS; i++)
		TEST_ASSERT_EQ(r.iters[i], PARAMS_ITERS);
	check_zone(&r);
	check_accounting(&r);
	kvm_vm_free(r.vm);
	TEST_ASSERT_EQ(kc_param_write("extent", "32"), 0);
	TEST_ASSERT_EQ(kc_param_write("insns_per_exit", "6"), 0);
	TEST_ASSERT_EQ(kc_param_write("mode", "scan"), 0);
	ksft_test_result_pass("PARAMS: %u changes in %d x %d iterations, all accesses counted\n",
			      k, NR_VCPUS, PARAMS_ITERS);
}

static void load_module(const char *params)
{
	int r = kc_module_load(kc_module_path(), params);

	TEST_ASSERT(!r, "Loading %s %s: %s", kc_module_path(), params,
		    strerror(-r));
}

static void phase_reload(void)
{
	static const char * const params[] = {
		"mode=addr extent=64", "mode=confirm extent=7", "",
		"mode=scan extent=2",
	};
	struct kc_stats s;
	struct vm_run r;
	int k;

	vm_run_start(&r, 0);
	for (k = 0; k < NR_RELOADS; k++) {
		wait_progress(&r, RELOAD_STEP);
		TEST_ASSERT_EQ(kc_module_unload(), 0);
		TEST_ASSERT(!kc_read_stats(r.vm, &s),
			    "per-VM state left behind by the unload");
		wait_progress(&r, RELOAD_STEP);
		load_module(params[k % ARRAY_SIZE(params)]);
		/* Attached again at the VM's first exit after the load. */
		wait_progress(&r, RELOAD_STEP);
		TEST_ASSERT(kc_read_stats(r.vm, &s) && s.exits,
			    "no per-VM state after reload %d", k);
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
	vm_run_join(&r);
	check_zone(&r);
	printf("# RELOAD: %lu iterations in all\n", total_iters(&r));
	kvm_vm_free(r.vm);
	ksft_test_result_pass("RELOAD: %d unloads and loads while %d vCPUs did I/O\n",
			      NR_RELOADS, NR_VCPUS);
}

/* The child: a VM whose vCPUs run until the parent kills it. */
static void kill_child(int ready_fd)
{
	struct vm_run r;
	char c = 'r';

	vm_run_start(&r, 0);
	wait_progress(&r, KILL_AFTER);
	TEST_ASSERT_EQ(write(ready_fd, &c, 1), 1);
	for (;;)
		pause();
}

/* The stats file of @pid's only VM, open; -1 if it has none. */
static int open_vm_stats(pid_t pid)
{
	char pattern[64];
	glob_t gl;
	int fd = -1;

	snprintf(pattern, sizeof(pattern),
		 "/sys/kernel/debug/kvm/%d-*/kvm_coalesce/stats", pid);
	if (!glob(pattern, 0, NULL, &gl)) {
		TEST_ASSERT_EQ(gl.gl_pathc, 1);
		fd = open(gl.gl_pathv[0], O_RDONLY);
		TEST_ASSERT(fd >= 0, "open(%s): %s", gl.gl_pathv[0],
			    strerror(errno));
	}
	globfree(&gl);
	return fd;
}

/* The file still reads the dead VM's counters; "exits N" comes first. */
static void check_stats_fd(int fd)
{
	char buf[4096];
	unsigned long long exits = 0;
	ssize_t n;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	TEST_ASSERT(n > 0, "reading the dead VM's stats: %s", strerror(errno));
	buf[n] = '\0';
	TEST_ASSERT(sscanf(buf, "exits %llu", &exits) == 1 && exits,
		    "dead VM's stats: '%.40s'", buf);
}

/*
 * Rounds, in turn: kill; kill, then unload the module at once, while the
 * VM may still be torn down; kill with the VM's stats file open: the
 * file keeps the VM and the module until it is closed.
 */
static void kill_round(int k)
{
	int fds[2], status, stats_fd = -1, round = k % 3;
	pid_t pid;
	char c;

	TEST_ASSERT_EQ(pipe(fds), 0);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		close(fds[0]);
		kill_child(fds[1]);
	}
	close(fds[1]);
	TEST_ASSERT(read(fds[0], &c, 1) == 1,
		    "round %d: the child died before its vCPUs ran", round);
	close(fds[0]);
	if (round == 2) {
		stats_fd = open_vm_stats(pid);
		TEST_ASSERT(stats_fd >= 0, "child %d has no VM stats", pid);
	}

	TEST_ASSERT_EQ(kill(pid, SIGKILL), 0);
	if (round == 1)
		TEST_ASSERT_EQ(kc_module_unload(), 0);
	TEST_ASSERT_EQ(waitpid(pid, &status, 0), pid);
	TEST_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		    "round %d: child status 0x%x", round, status);

	if (round == 2) {
		check_stats_fd(stats_fd);
		TEST_ASSERT_EQ(kc_module_unload(), -EWOULDBLOCK);
		close(stats_fd);
	}
	TEST_ASSERT(!kc_vm_dir_exists(pid), "round %d: VM of %d still there",
		    round, pid);
	if (round == 1)
		load_module("");
}

static void phase_kill(void)
{
	int k;

	for (k = 0; k < NR_KILLS; k++)
		kill_round(k);
	ksft_test_result_pass("KILL: %d VMs killed while their %d vCPUs ran\n",
			      NR_KILLS, NR_VCPUS);
}

int main(int argc, char *argv[])
{
	char mode[32], extent[32];

	TEST_REQUIRE(kvm_has_cap(KVM_CAP_COALESCED_PIO));
	kc_module_ensure_loaded();
	kc_param_read("mode", mode, sizeof(mode));
	kc_param_read("extent", extent, sizeof(extent));

	ksft_print_header();
	ksft_set_plan(3);
	phase_params();
	phase_reload();
	/* The last reload's parameters: back to the ones we found. */
	TEST_ASSERT_EQ(kc_module_unload(), 0);
	load_module("");
	phase_kill();
	TEST_ASSERT_EQ(kc_param_write("mode", mode), 0);
	TEST_ASSERT_EQ(kc_param_write("extent", extent), 0);
	ksft_finished();
}
