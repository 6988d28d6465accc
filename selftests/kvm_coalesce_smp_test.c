// SPDX-License-Identifier: GPL-2.0
/*
 * The module's lock-free paths under real parallelism: vCPUs pinned to
 * different CPUs, more vCPUs than CPUs, in each mode.
 *
 *  TORN     vCPU 0 stores 0 and all-ones, 8, 4 and 2 bytes wide and
 *           aligned, from blocks, while vCPU 1 reads them natively; then
 *           vCPU 1 loads them in blocks while vCPU 0 stores natively.
 *           No value may be torn: the architecture makes such accesses
 *           single-copy atomic, and the module must too.
 *  SHARED   vCPUs 1 and 2 run the same block, from a linear address
 *           whose page the host maps to one code page or another while
 *           vCPU 0 rewrites the blocks' immediates on both pages.  Each
 *           call must see one of the values written; once the writers
 *           are done and a runner has invalidated its TLB entry and
 *           serialized (INVLPG, CPUID, as the SDM asks of
 *           cross-modifying code), only the last one: no stale block,
 *           translation or code may run.
 *  EVICT    a vCPU per CPU (up to four) runs more distinct blocks than
 *           a VM's table holds, each in its own order: blocks are
 *           inserted and evicted by several vCPUs at once; every call
 *           must give its block's value.  Meanwhile a thread reads the
 *           VM's counters (debugfs "stats") again and again, while the
 *           vCPUs' CPUs increment them.  Not more vCPUs than CPUs:
 *           with four on two CPUs, the test VM loses one now and then,
 *           without the module too (-e, below).
 *  VMS      two processes, each with a VM of half the CPUs' vCPUs (at
 *           least one, at most two) running blocks, are killed and
 *           started again, round after round: VMs are destroyed and
 *           created while the other's vCPUs exit.  Not more vCPUs than
 *           CPUs, as for EVICT.
 *
 * The kernel log is checked by vm-run.sh (WARN, BUG, lockdep, KASAN,
 * KCSAN...).  Loops are bounded by the guests' iterations.
 *
 * With -e N, it instead runs EVICT N times with the module unloaded, on
 * stock KVM: to tell a failure of the module from one of what runs
 * below it (KVM, the test VM's emulated CPU).  -v N, before it, gives
 * EVICT N vCPUs (at most four).
 */
#include <errno.h>
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

#include "kc_smp_io.h"
#include "kc_util.h"

#define MAX_VCPUS	4
#define TORN_STORES	20000
#define TORN_LOADS	20000
#define SHARED_ROUNDS	2000	/* rewrites by vCPU 0 */
#define SHARED_REMAPS	200	/* remaps by the host */
#define SHARED_AFTER	64	/* calls after the last change */
#define EVICT_PAGES	20	/* 256 blocks a page: more than 4096 */
#define EVICT_BLOCKS	(EVICT_PAGES * 4096 / KC_SMP_BLOCK_STRIDE)
#define EVICT_ROUNDS	2
#define VMS_ROUNDS	3
#define VMS_READY	16	/* guest iterations before the kill */
#define STOCK		-1	/* the mode of a run without the module */

/* Immediates of the blocks of SHARED: page, then value of the rewrite. */
#define SHARED_IMM(page, v)	(0x5a5a5a00u | (page) << 4 | (v))

/* ---- guest side: memory the vCPUs of a VM share ---- */

/* Read with READ_ONCE(): other vCPUs and the host write them. */
static bool go;			/* set by the host once the mode is */
static bool writer_done;
static bool reader_done;
static u64 final_round;		/* SHARED: the last change's number */

static struct {
	u64 q;
	u32 l;
	u16 w;
} __aligned(64) cell;

/* Per vCPU results, read by the host. */
static u64 torn[MAX_VCPUS], reads[MAX_VCPUS];
static u32 bad_value[MAX_VCPUS];

/* Code pages of SHARED and EVICT, and SHARED's linear address. */
static u8 *code_pages[EVICT_PAGES];
static u8 *shared_code;

/* The first vCPU reports in; the others wait for the mode to be set. */
static void guest_start(u64 id)
{
	if (!id)
		GUEST_SYNC(0);
	while (!READ_ONCE(go))
		cpu_relax();
}

static bool is_torn(u64 v, u64 ones)
{
	return v && v != ones;
}

static u64 torn_cell(u64 q, u32 l, u16 w)
{
	return is_torn(q, ~0ull) + is_torn(l, 0xffffffffu) + is_torn(w, 0xffff);
}

static void guest_torn(u64 id)
{
	u64 k, v, out[3];

	guest_start(id);
	if (!id) {
		for (k = 0; k < TORN_STORES; k++)
			kc_smp_store(&cell, k & 1 ? ~0ull : 0);
		WRITE_ONCE(writer_done, true);
		for (k = 0; !READ_ONCE(reader_done); k++) {
			v = k & 1 ? ~0ull : 0;
			WRITE_ONCE(cell.q, v);
			WRITE_ONCE(cell.l, v);
			WRITE_ONCE(cell.w, v);
		}
	} else {
		while (!READ_ONCE(writer_done)) {
			torn[0] += torn_cell(READ_ONCE(cell.q), READ_ONCE(cell.l),
					     READ_ONCE(cell.w));
			reads[0]++;
		}
		for (k = 0; k < TORN_LOADS; k++) {
			kc_smp_load(&cell, out);
			torn[1] += torn_cell(out[0], out[1], out[2]);
			reads[1]++;
		}
		WRITE_ONCE(reader_done, true);
	}
	GUEST_DONE();
}

/* A block of a code page: it stores its immediate at @out. */
static u32 call_block(u8 *code)
{
	u32 v;

	((void (*)(u32 *))code)(&v);
	return v;
}

/* Whether @v is an immediate vCPU 0 or the host may have left. */
static bool shared_valid(u32 v)
{
	return (v & ~0xffu) == SHARED_IMM(0, 0) && !(v & 0xff & ~0x13u);
}

/* vCPU 0 rewrites the immediates of both pages, in turn. */
static void shared_writer(void)
{
	u64 r;
	int page;

	for (r = 1; r <= SHARED_ROUNDS; r++) {
		page = r % 2;
		WRITE_ONCE(code_pages[page][KC_SMP_BLOCK_IMM],
			   (u8)SHARED_IMM(page, r % 4));
	}
	WRITE_ONCE(writer_done, true);
}

/* The others run the block until they saw the last value long enough. */
static void shared_runner(u64 id)
{
	/* Page 1 last: its last rewrite was round SHARED_ROUNDS - 1. */
	u32 v, last = SHARED_IMM(1, (SHARED_ROUNDS - 1) % 4), regs[4];
	u64 r, seen_final = 0, after = 0;

	while (after < SHARED_AFTER) {
		r = READ_ONCE(final_round);
		if (r && r != seen_final) {
			/* The host's last remap, after vCPU 0's last write. */
			asm volatile("invlpg (%0)" : : "r"(shared_code) : "memory");
			cpuid(0, &regs[0], &regs[1], &regs[2], &regs[3]);
			seen_final = r;
		}
		v = call_block(shared_code);
		if (!shared_valid(v) || (seen_final && v != last))
			bad_value[id] = v;
		after += !!seen_final;
	}
}

static void guest_shared(u64 id)
{
	guest_start(id);
	if (!id)
		shared_writer();
	else
		shared_runner(id);
	GUEST_DONE();
}

/* The value of EVICT's block @i: unique, never 0. */
static u32 evict_value(u64 i)
{
	return 0x10000000u + i;
}

static void guest_evict(u64 id)
{
	u64 r, k, i;

	guest_start(id);
	for (r = 0; r < EVICT_ROUNDS; r++) {
		for (k = 0; k < EVICT_BLOCKS; k++) {
			/* Each vCPU in its own order. */
			i = (k * (2 * id + 1) + id * 1531) % EVICT_BLOCKS;
			if (call_block(code_pages[i / 256] + i % 256 *
				       KC_SMP_BLOCK_STRIDE) != evict_value(i))
				bad_value[id] = evict_value(i);
		}
	}
	GUEST_DONE();
}

static void guest_vms(u64 id)
{
	u64 k;

	guest_start(id);
	for (k = 1;; k++) {
		kc_smp_store(&cell, k);
		if (!id && k % 64 == 0)
			GUEST_SYNC(k / 64);
	}
}

/* ---- host side ---- */

struct smp_run {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpus[MAX_VCPUS];
	pthread_t threads[MAX_VCPUS];
	int nr_vcpus;
	int first_cpu;		/* vCPU i runs on CPU first_cpu + i */
	int mode;
	/* vCPU 0's GUEST_SYNCs after the first, for VMS: how far it got. */
	u64 progress;
	bool run_forever;
};

struct vcpu_arg {
	struct smp_run *r;
	int id;
};

/* Where the guest global at @var, the host's address of it, is in @vm. */
static void *guest_var(struct kvm_vm *vm, const void *var)
{
	return addr_gva2hva(vm, (vm_vaddr_t)var);
}

/* vCPU 0's first exit attached the module: set the mode, let all go. */
static void set_mode_and_go(struct smp_run *r)
{
	bool *guest_go = guest_var(r->vm, &go);
	int ret;

	if (r->mode != STOCK) {
		ret = kc_vm_debugfs_write(r->vm, "mode",
					  kc_mode_names[r->mode]);
		TEST_ASSERT_EQ(ret, 0);
	}
	WRITE_ONCE(*guest_go, true);
}

/* An exit no phase expects: where the vCPU was, to tell why. */
static void report_exit(int id, struct kvm_vcpu *vcpu)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	vcpu_regs_get(vcpu, &regs);
	vcpu_sregs_get(vcpu, &sregs);
	TEST_FAIL("vCPU %d: exit %s, rip 0x%llx rsp 0x%llx rflags 0x%llx cr2 0x%llx",
		  id, exit_reason_str(vcpu->run->exit_reason), regs.rip,
		  regs.rsp, regs.rflags, sregs.cr2);
}

static void *vcpu_thread(void *data)
{
	struct vcpu_arg *a = data;
	struct smp_run *r = a->r;
	struct kvm_vcpu *vcpu = r->vcpus[a->id];
	struct ucall uc;

	for (;;) {
		vcpu_run(vcpu);
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			if (uc.args[1])
				WRITE_ONCE(r->progress, uc.args[1]);
			else
				set_mode_and_go(r);
			break;
		case UCALL_DONE:
			return NULL;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		default:
			report_exit(a->id, vcpu);
		}
	}
}

static void smp_create(struct smp_run *r, int nr_vcpus, void *guest, int mode)
{
	memset(r, 0, sizeof(*r));
	r->nr_vcpus = nr_vcpus;
	r->mode = mode;
	r->vm = vm_create_with_vcpus(nr_vcpus, guest, r->vcpus);
}

static void smp_start(struct smp_run *r, struct vcpu_arg *args)
{
	int i;

	for (i = 0; i < r->nr_vcpus; i++) {
		vcpu_args_set(r->vcpus[i], 1, i);
		args[i].r = r;
		args[i].id = i;
		kc_thread_create_pinned(&r->threads[i], vcpu_thread, &args[i],
					r->first_cpu + i);
	}
}

static void smp_join(struct smp_run *r)
{
	int i;

	for (i = 0; i < r->nr_vcpus; i++)
		pthread_join(r->threads[i], NULL);
}

static void check_bad_values(struct smp_run *r, const char *phase)
{
	u32 *bad = guest_var(r->vm, bad_value);
	int i;

	for (i = 0; i < r->nr_vcpus; i++)
		TEST_ASSERT(!bad[i], "%s, mode %s: vCPU %d saw 0x%x", phase,
			    kc_mode_names[r->mode], i, bad[i]);
}

/* The module ran at least @n blocks of the VM, but with mode off. */
static void check_blocks(struct smp_run *r, const char *phase, u64 n)
{
	struct kc_stats s = kc_stats(r->vm);

	TEST_ASSERT(r->mode == KC_MODE_OFF ? !s.handled : s.blocks >= n,
		    "%s, mode %s: the module ran %lu blocks, handled %lu exits",
		    phase, kc_mode_names[r->mode], s.blocks, s.handled);
}

static void phase_torn(int mode)
{
	struct vcpu_arg args[2];
	struct smp_run r;
	u64 *t, *n;

	smp_create(&r, 2, guest_torn, mode);
	smp_start(&r, args);
	smp_join(&r);
	t = guest_var(r.vm, torn);
	n = guest_var(r.vm, reads);
	printf("# TORN, mode %s: %lu native reads during block stores,",
	       kc_mode_names[mode], n[0]);
	printf(" %lu block loads during native stores\n", n[1]);
	TEST_ASSERT(!t[0] && !t[1],
		    "TORN, mode %s: %lu torn values read natively, %lu loaded in blocks",
		    kc_mode_names[mode], t[0], t[1]);
	/* Confirm mode runs a block from its second sighting on. */
	check_blocks(&r, "TORN", TORN_STORES + TORN_LOADS - 2);
	kvm_vm_free(r.vm);
	ksft_test_result_pass("TORN, mode=%s: no torn value\n", kc_mode_names[mode]);
}

/* A code page of @vm holding copies of kc_smp_block with @value(i). */
static u8 *code_page(struct kvm_vm *vm, u32 (*value)(u64 i), u64 first)
{
	vm_vaddr_t gva = vm_vaddr_alloc_page(vm);
	u8 *hva = addr_gva2hva(vm, gva);
	size_t len = kc_smp_block_end - kc_smp_block;
	u32 v;
	int i;

	memset(hva, 0xcc, PAGE_SIZE);
	for (i = 0; i < PAGE_SIZE / KC_SMP_BLOCK_STRIDE; i++) {
		v = value(first + i);
		memcpy(hva + i * KC_SMP_BLOCK_STRIDE, kc_smp_block, len);
		memcpy(hva + i * KC_SMP_BLOCK_STRIDE + KC_SMP_BLOCK_IMM, &v, 4);
	}
	return (u8 *)gva;
}

static u32 shared_value(u64 page)
{
	return SHARED_IMM(page, 0);
}

/* Map @gva to the page @target is mapped to; the guest's TLB may lag. */
static void remap(struct kvm_vm *vm, vm_vaddr_t gva, vm_vaddr_t target)
{
	u64 *pte = vm_get_page_table_entry(vm, gva);
	u64 pa = *vm_get_page_table_entry(vm, target) & PHYSICAL_PAGE_MASK;

	__atomic_store_n(pte, (*pte & ~PHYSICAL_PAGE_MASK) | pa,
			 __ATOMIC_RELEASE);
}

static void phase_shared(int mode)
{
	struct vcpu_arg args[3];
	struct smp_run r;
	vm_vaddr_t gva;
	bool *done;
	u64 *last;
	u8 **pages;
	int k;

	smp_create(&r, 3, guest_shared, mode);
	pages = guest_var(r.vm, code_pages);
	pages[0] = code_page(r.vm, shared_value, 0);
	pages[1] = code_page(r.vm, shared_value, 1);
	gva = vm_vaddr_alloc_page(r.vm);
	remap(r.vm, gva, (vm_vaddr_t)pages[0]);
	*(u8 **)guest_var(r.vm, &shared_code) = (u8 *)gva;
	smp_start(&r, args);

	/* Remap while vCPU 0 rewrites, then to page 1 for good. */
	done = guest_var(r.vm, &writer_done);
	for (k = 0; k < SHARED_REMAPS || !READ_ONCE(*done); k++) {
		remap(r.vm, gva, (vm_vaddr_t)pages[k % 2]);
		sched_yield();
	}
	remap(r.vm, gva, (vm_vaddr_t)pages[1]);
	last = guest_var(r.vm, &final_round);
	WRITE_ONCE(*last, k + 1);
	smp_join(&r);
	check_bad_values(&r, "SHARED");
	printf("# SHARED, mode %s: %d remaps\n", kc_mode_names[mode], k + 1);
	kvm_vm_free(r.vm);
	ksft_test_result_pass("SHARED, mode=%s: written values only, the last one at the end\n",
			      kc_mode_names[mode]);
}

/* EVICT's vCPUs: -v, else one per CPU (main()). */
static int evict_vcpus;

/* EVICT's reader of the counters, until the vCPUs are done. */
static bool evict_done;

static void *stats_reader(void *data)
{
	struct kvm_vm *vm = data;
	struct kc_stats s;
	u64 reads = 0;

	/* The VM's first exit creates them. */
	while (!READ_ONCE(evict_done))
		reads += kc_read_stats(vm, &s);
	return (void *)reads;
}

static void phase_evict(int mode)
{
	struct vcpu_arg args[MAX_VCPUS];
	pthread_t reader;
	struct smp_run r;
	struct kc_stats s;
	void *reads;
	u8 **pages;
	int p;

	smp_create(&r, evict_vcpus, guest_evict, mode);
	pages = guest_var(r.vm, code_pages);
	for (p = 0; p < EVICT_PAGES; p++)
		pages[p] = code_page(r.vm, evict_value, p * 256);
	smp_start(&r, args);
	WRITE_ONCE(evict_done, false);
	if (mode != STOCK)
		pthread_create(&reader, NULL, stats_reader, r.vm);
	smp_join(&r);
	WRITE_ONCE(evict_done, true);
	if (mode != STOCK) {
		pthread_join(reader, &reads);
		printf("# EVICT, mode %s: counters read %lu times\n",
		       kc_mode_names[mode], (unsigned long)reads);
	}
	check_bad_values(&r, "EVICT");
	if (mode == STOCK) {
		kvm_vm_free(r.vm);
		ksft_test_result_pass("EVICT, stock: %d blocks in %d vCPUs, every value right\n",
				      EVICT_BLOCKS, evict_vcpus);
		return;
	}
	s = kc_stats(r.vm);
	/* Confirm mode stores only blocks seen twice, all of them here. */
	TEST_ASSERT(mode == KC_MODE_OFF || s.table_evictions,
		    "EVICT, mode %s: no block evicted", kc_mode_names[mode]);
	printf("# EVICT, mode %s: %lu evictions, %lu blocks run\n",
	       kc_mode_names[mode], s.table_evictions, s.blocks);
	kvm_vm_free(r.vm);
	ksft_test_result_pass("EVICT, mode=%s: %d blocks in %d vCPUs, every value right\n",
			      kc_mode_names[mode], EVICT_BLOCKS, evict_vcpus);
}

/* Child @child of VMS: its VM runs until the parent kills it. */
static void vms_child(int mode, int ready_fd, int child)
{
	int nr_vcpus = clamp(kc_nr_cpus() / 2, 1, 2);
	struct vcpu_arg args[2];
	struct smp_run r;
	char c = 'r';

	smp_create(&r, nr_vcpus, guest_vms, mode);
	/* The two VMs' vCPUs on different CPUs. */
	r.first_cpu = child * nr_vcpus;
	smp_start(&r, args);
	while (READ_ONCE(r.progress) < VMS_READY)
		sched_yield();
	TEST_ASSERT_EQ(write(ready_fd, &c, 1), 1);
	for (;;)
		pause();
}

static void phase_vms(int mode)
{
	int fds[2][2], status, k, i;
	pid_t pid[2];
	char c;

	for (k = 0; k < VMS_ROUNDS; k++) {
		for (i = 0; i < 2; i++) {
			TEST_ASSERT_EQ(pipe(fds[i]), 0);
			pid[i] = fork();
			TEST_ASSERT(pid[i] >= 0, "fork: %s", strerror(errno));
			if (!pid[i]) {
				close(fds[i][0]);
				vms_child(mode, fds[i][1], i);
			}
			close(fds[i][1]);
		}
		/* Kill each as soon as it ran: the other's vCPUs still run. */
		for (i = 0; i < 2; i++) {
			TEST_ASSERT(read(fds[i][0], &c, 1) == 1,
				    "VMS, round %d: child %d died", k, i);
			close(fds[i][0]);
			TEST_ASSERT_EQ(kill(pid[i], SIGKILL), 0);
		}
		for (i = 0; i < 2; i++) {
			TEST_ASSERT_EQ(waitpid(pid[i], &status, 0), pid[i]);
			TEST_ASSERT(WIFSIGNALED(status) &&
				    WTERMSIG(status) == SIGKILL,
				    "VMS, round %d: child status 0x%x", k, status);
			TEST_ASSERT(!kc_vm_dir_exists(pid[i]),
				    "VMS, round %d: VM of %d still there", k,
				    pid[i]);
		}
	}
	ksft_test_result_pass("VMS, mode=%s: %d rounds of two VMs killed while running\n",
			      kc_mode_names[mode], VMS_ROUNDS);
}

/* -e: EVICT @rounds times on stock KVM. */
static void evict_stock(int rounds)
{
	int i;

	if (kc_module_loaded())
		TEST_ASSERT_EQ(kc_module_unload(), 0);
	ksft_set_plan(rounds);
	for (i = 0; i < rounds; i++)
		phase_evict(STOCK);
	ksft_finished();
}

int main(int argc, char *argv[])
{
	int mode, opt;

	ksft_print_header();
	if (kc_nr_cpus() < 2)
		ksft_exit_skip("one CPU: nothing would run in parallel\n");
	evict_vcpus = min(kc_nr_cpus(), MAX_VCPUS);
	while ((opt = getopt(argc, argv, "v:e:")) != -1) {
		if (opt == 'v' && atoi(optarg) > 0 && atoi(optarg) <= MAX_VCPUS)
			evict_vcpus = atoi(optarg);
		else if (opt == 'e')
			evict_stock(atoi(optarg));
		else
			TEST_FAIL("usage: %s [-v VCPUS] [-e ROUNDS]", argv[0]);
	}
	kc_module_ensure_loaded();
	ksft_set_plan(4 * KC_NR_MODES);
	printf("# %d CPUs\n", kc_nr_cpus());
	for (mode = 0; mode < KC_NR_MODES; mode++) {
		phase_torn(mode);
		phase_shared(mode);
		phase_evict(mode);
		phase_vms(mode);
	}
	ksft_finished();
}
