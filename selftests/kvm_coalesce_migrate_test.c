// SPDX-License-Identifier: GPL-2.0
/*
 * Migration at every exit to userspace, in each mode, against a run
 * without migration in mode=off.
 *
 * The guest runs rounds of kc_mig_round() (kc_migrate_io.S): the 8259's
 * initialisation, the 8254's channel 2 programmed and its status read
 * back, OUTs to a coalesced PIO zone, three accesses to a port no
 * in-kernel device covers and a store and a load to MMIO no memslot
 * covers, which the test handles (reads return a fixed sequence of
 * values, writes are logged).  Each userspace access sits between
 * in-kernel accesses a few instructions away: in the 8259 between ICW1
 * and ICW2, ICW2 and ICW3, ICW4 and OCW1, in the 8254 between the two
 * bytes of a count and between the latch of a status and its read, all
 * within one block.
 *
 * At every exit to userspace (the devices and each ucall) the test
 * completes the access as userspace must before it saves state (the data
 * of an IN or a load, then KVM_RUN with immediate_exit, which must fail
 * with EINTR after moving RIP past an IN, OUT or load; KVM retired a
 * store before its exit), saves the vCPU
 * (vcpu_save_state(), as state_test does), the 8259s and IOAPIC
 * (KVM_GET_IRQCHIP) and the 8254 (KVM_GET_PIT2), drains the zone's ring
 * into the log, destroys the VM, creates a new one with the same memory,
 * restores it all and continues.
 *
 * In every mode, the accesses the devices saw (zone and userspace, in
 * order, with the RIP of each userspace access), the values the guest
 * stored in memory, its final registers and the 8259 and 8254 state at
 * each round's end must equal those of the run without migration in
 * mode=off; that run is checked against a model of the round.  The
 * module's counters, summed over all the VMs of a run, must account for
 * every access exactly, and show how each mode served the exits of VMs
 * that start with an empty block table.
 *
 * Meanwhile another VM's vCPUs, one on each CPU, run blocks: VMs are
 * created, saved, restored and destroyed while exits of another VM run
 * in the module on another CPU.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "kc_migrate_io.h"
#include "kc_util.h"

#define NR_ROUNDS	8
#define MAX_LOG		(NR_ROUNDS * 8)

/* Exits to userspace in a run: the devices', each round's ucall, DONE. */
#define USER_EXITS	(NR_ROUNDS * (KC_MIG_USER_IO + KC_MIG_USER_MMIO + 1) + 1)
/* Every I/O instruction the guest executes, ucalls included. */
#define GUEST_IO	(NR_ROUNDS * (KC_MIG_KERNEL_IO + KC_MIG_USER_IO + \
				      KC_MIG_USER_MMIO + 1) + 1)

/*
 * KVM's port I/O exits per round when every exit to userspace starts a
 * new VM, whose block table is empty: off and confirm (no block is seen
 * twice in one VM) run every port access on its own; scan and addr run
 * one block for each of the six runs of in-kernel accesses between the
 * userspace ones, the first five of which exit to userspace for the
 * userspace access that ends them (user_pio, user_mmio), and the ucall.
 * The block does not go on after the access: the test completes it with
 * immediate_exit and migrates, so the guest resumes natively on the new
 * VM and exits again at the next run.  The last ucall (DONE) adds one.
 * Every mode makes KC_MIG_USER_MMIO MMIO exits a round (mmio_exits): off
 * and confirm as KVM's, scan and addr from a block.
 */
static const int exits_per_round[KC_NR_MODES] = {
	[KC_MODE_OFF] = KC_MIG_KERNEL_IO + KC_MIG_USER_IO + 1,
	[KC_MODE_SCAN] = 6 + 1,
	[KC_MODE_CONFIRM] = KC_MIG_KERNEL_IO + KC_MIG_USER_IO + 1,
	[KC_MODE_ADDR] = 6 + 1,
};

static u32 round_seed(int round)
{
	return 0x41 + 0x13 * round;	/* bits 2:1 take every 8254 mode 0-3 */
}

/* What the userspace device returns to its @n-th read. */
static u32 user_read_value(int n)
{
	return 0x9e3779b1u * (n + 1) + 0x12345678u;
}

/* Guest side. */
static u32 guest_out[NR_ROUNDS][KC_MIG_OUT];
static u32 guest_ret[NR_ROUNDS];

static void guest_code(void)
{
	int i;

	for (i = 0; i < NR_ROUNDS; i++) {
		guest_ret[i] = kc_mig_round(round_seed(i), guest_out[i]);
		GUEST_SYNC(i);
	}
	GUEST_DONE();
}

/* Host side. */
enum { REC_ZONE, REC_USER_IN, REC_USER_OUT, REC_MMIO_IN, REC_MMIO_OUT };

/* One access a device saw; zone entries carry no RIP. */
struct io_rec {
	u64 rip;
	u32 data;
	u16 port;		/* MMIO: the offset from KC_MIG_MMIO */
	u8 size;
	u8 kind;
};

struct devices {
	struct kvm_pic_state pic[2];
	struct kvm_pit_state2 pit;
};

struct run_obs {
	int nr_log;
	struct io_rec log[MAX_LOG];
	int nr_user_reads;
	int nr_migrations;
	struct devices dev[NR_ROUNDS];
	u32 out[NR_ROUNDS][KC_MIG_OUT];
	u32 ret[NR_ROUNDS];
	struct kvm_regs regs;
	struct kc_stats stats;		/* summed over the run's VMs */
	u64 io_exits;			/* KVM's, summed likewise */
	u64 mmio_exits;			/* KVM's, summed likewise */
};

/* The VM of a run, which migration replaces. */
struct vm_ctx {
	int mode;
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct run_obs *obs;
	/* The VM's counters and KVM's once the module was attached. */
	struct kc_stats stats;
	u64 io_exits, mmio_exits;
};

/* The VM's state that lives outside guest memory and the vCPU. */
struct vm_state {
	struct kvm_x86_state *vcpu;
	struct kvm_irqchip chip[3];
	struct kvm_pit_state2 pit;
};

static const int chip_ids[3] = {
	KVM_IRQCHIP_PIC_MASTER, KVM_IRQCHIP_PIC_SLAVE, KVM_IRQCHIP_IOAPIC,
};

/* Devices the VM has besides the irqchip kvm_vm_restart() recreates. */
static void create_devices(struct kvm_vm *vm)
{
	struct kvm_pit_config pit = { .flags = 0 };

	vm_ioctl(vm, KVM_CREATE_PIT2, &pit);
	kvm_vm_register_coalesced_io(vm, KC_MIG_ZONE, 1, true);
}

/* The guest's page tables, in its memory, survive migration. */
static void map_mmio(struct kvm_vm *vm)
{
	virt_map(vm, KC_MIG_MMIO, KC_MIG_MMIO, 1);
}

static void log_add(struct run_obs *obs, const struct io_rec *rec)
{
	TEST_ASSERT(obs->nr_log < MAX_LOG, "More than %d accesses logged",
		    MAX_LOG);
	obs->log[obs->nr_log++] = *rec;
}

/* The zone's ring into the log: its OUTs came before this exit. */
static void drain_ring(struct vm_ctx *c)
{
	struct kvm_coalesced_mmio e[MAX_LOG];
	struct io_rec rec = { .kind = REC_ZONE };
	int i, n;

	n = kc_ring_take_all(c->vcpu, e, ARRAY_SIZE(e));
	for (i = 0; i < n; i++) {
		TEST_ASSERT(e[i].pio && e[i].phys_addr == KC_MIG_ZONE &&
			    e[i].len == 1, "Ring entry: pio %u addr 0x%llx len %u",
			    e[i].pio, e[i].phys_addr, e[i].len);
		rec.port = e[i].phys_addr;
		rec.size = e[i].len;
		rec.data = e[i].data[0];
		log_add(c->obs, &rec);
	}
}

static u64 guest_rip(struct kvm_vcpu *vcpu)
{
	struct kvm_regs regs;

	vcpu_regs_get(vcpu, &regs);
	return regs.rip;
}

/* The userspace device: answer a read from its sequence, log it all. */
static void user_io(struct vm_ctx *c)
{
	struct kvm_run *run = c->vcpu->run;
	void *data = (u8 *)run + run->io.data_offset;
	struct io_rec rec = {
		.rip = guest_rip(c->vcpu),
		.port = run->io.port,
		.size = run->io.size,
	};
	u32 value;

	TEST_ASSERT(run->io.port == KC_MIG_USER && run->io.count == 1 &&
		    (run->io.size == 1 || run->io.size == 4),
		    "Exit for port 0x%x, size %u, count %u", run->io.port,
		    run->io.size, run->io.count);
	if (run->io.direction == KVM_EXIT_IO_IN) {
		value = user_read_value(c->obs->nr_user_reads++);
		memcpy(data, &value, run->io.size);
		rec.kind = REC_USER_IN;
	} else {
		rec.kind = REC_USER_OUT;
	}
	memcpy(&rec.data, data, run->io.size);
	log_add(c->obs, &rec);
}

/* The userspace MMIO device: likewise, reads from the same sequence. */
static void user_mmio(struct vm_ctx *c)
{
	struct kvm_run *run = c->vcpu->run;
	struct io_rec rec = {
		.rip = guest_rip(c->vcpu),
		.port = run->mmio.phys_addr - KC_MIG_MMIO,
		.size = run->mmio.len,
	};
	u32 value;

	TEST_ASSERT(run->mmio.phys_addr - KC_MIG_MMIO < 8 &&
		    run->mmio.len == 4,
		    "MMIO exit for 0x%llx, %u bytes", run->mmio.phys_addr,
		    run->mmio.len);
	if (!run->mmio.is_write) {
		value = user_read_value(c->obs->nr_user_reads++);
		memcpy(run->mmio.data, &value, run->mmio.len);
		rec.kind = REC_MMIO_IN;
	} else {
		rec.kind = REC_MMIO_OUT;
	}
	memcpy(&rec.data, run->mmio.data, run->mmio.len);
	log_add(c->obs, &rec);
}

/* Length of the IN or OUT at the guest's @rip: 1 by DX, 2 by immediate. */
static u64 pio_insn_len(struct kvm_vm *vm, u64 rip)
{
	u8 opcode = *(u8 *)addr_gva2hva(vm, rip);

	TEST_ASSERT((opcode & 0xf4) == 0xe4, "No IN or OUT at 0x%lx: %02x",
		    rip, opcode);
	return opcode & 8 ? 1 : 2;
}

/*
 * Where the access KVM exited for at @rip leaves RIP once complete: past
 * an IN or OUT, past the MMIO load; a store was retired before the exit.
 */
static u64 completed_rip(struct vm_ctx *c, u64 rip)
{
	struct kvm_run *run = c->vcpu->run;

	if (run->exit_reason == KVM_EXIT_IO)
		return rip + pio_insn_len(c->vm, rip);
	if (run->mmio.is_write) {
		TEST_ASSERT_EQ(rip, (u64)kc_mig_mmio_store_end);
		return rip;
	}
	TEST_ASSERT_EQ(rip, (u64)kc_mig_mmio_load);
	return (u64)kc_mig_mmio_load_end;
}

/*
 * Finish the access KVM exited for, as userspace must before saving
 * state: KVM_RUN with immediate_exit completes it (the data of an IN goes
 * to RAX, that of a load to its register, RIP moves past the
 * instruction) and returns EINTR without entering the guest.
 * get_ucall() does the same for a ucall's IN, and vcpu_save_state()
 * again, which then has nothing to complete.
 */
static void complete_io(struct vm_ctx *c)
{
	u64 rip = guest_rip(c->vcpu);
	u64 done = completed_rip(c, rip);
	int r;

	c->vcpu->run->immediate_exit = 1;
	r = __vcpu_run(c->vcpu);
	c->vcpu->run->immediate_exit = 0;
	TEST_ASSERT(r == -1 && errno == EINTR,
		    "KVM_RUN with immediate_exit: %d, errno %d", r, errno);
	TEST_ASSERT(guest_rip(c->vcpu) == done,
		    "Completion moved RIP from 0x%lx to 0x%lx, wanted 0x%lx",
		    rip, guest_rip(c->vcpu), done);
}

/*
 * Attach the module to the VM in the run's mode before the guest's next
 * exit, and start counting there: every exit of the guest, and only
 * these, is counted in that mode.
 */
static void attach_vm(struct vm_ctx *c)
{
	kc_vm_attach_in_mode(c->vm, c->vcpu, c->mode);
	c->stats = kc_stats(c->vm);
	c->io_exits = kc_vcpu_stat(c->vcpu, "io_exits");
	c->mmio_exits = kc_vcpu_stat(c->vcpu, "mmio_exits");
}

/* Add the VM's counters to the run's, before the VM goes. */
static void account_vm(struct vm_ctx *c)
{
	struct kc_stats now = kc_stats(c->vm);

	now = kc_stats_sub(&now, &c->stats);
	c->obs->stats = kc_stats_add(&c->obs->stats, &now);
	c->obs->io_exits += kc_vcpu_stat(c->vcpu, "io_exits") - c->io_exits;
	c->obs->mmio_exits += kc_vcpu_stat(c->vcpu, "mmio_exits") -
			      c->mmio_exits;
}

static void save_vm(struct vm_ctx *c, struct vm_state *st)
{
	int i;

	st->vcpu = vcpu_save_state(c->vcpu);
	for (i = 0; i < ARRAY_SIZE(chip_ids); i++) {
		st->chip[i].chip_id = chip_ids[i];
		vm_ioctl(c->vm, KVM_GET_IRQCHIP, &st->chip[i]);
	}
	vm_ioctl(c->vm, KVM_GET_PIT2, &st->pit);
}

static void restore_vm(struct vm_ctx *c, struct vm_state *st)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(chip_ids); i++)
		vm_ioctl(c->vm, KVM_SET_IRQCHIP, &st->chip[i]);
	vm_ioctl(c->vm, KVM_SET_PIT2, &st->pit);
	vcpu_load_state(c->vcpu, st->vcpu);
	kvm_x86_state_cleanup(st->vcpu);
}

/* Replace the VM by a new one in the same state, as state_test does. */
static void migrate(struct vm_ctx *c)
{
	struct kvm_regs before, after;
	struct vm_state st;

	save_vm(c, &st);
	vcpu_regs_get(c->vcpu, &before);
	account_vm(c);

	kvm_vm_release(c->vm);
	c->vcpu = vm_recreate_with_one_vcpu(c->vm);
	create_devices(c->vm);
	restore_vm(c, &st);

	vcpu_regs_get(c->vcpu, &after);
	TEST_ASSERT(!memcmp(&before, &after, sizeof(after)),
		    "Registers differ after restore");
	attach_vm(c);
	c->obs->nr_migrations++;
}

/* The devices' state as it must repeat from run to run. */
static void read_devices(struct kvm_vm *vm, struct devices *dev)
{
	int i;

	kc_pics_get(vm, dev->pic);
	vm_ioctl(vm, KVM_GET_PIT2, &dev->pit);
	/*
	 * When a count was loaded is a host time, and so is the OUT pin a
	 * latched status holds; KVM_SET_PIT2 reloads every count.
	 */
	for (i = 0; i < 3; i++) {
		dev->pit.channels[i].count_load_time = 0;
		dev->pit.channels[i].status &= 0x7f;
	}
}

/* Run to the end, migrating at every exit to userspace if @migrate. */
static void run_guest(struct vm_ctx *c, bool migrate_vm)
{
	struct ucall uc;
	int round = 0;

	for (;;) {
		vcpu_run(c->vcpu);
		drain_ring(c);
		switch (get_ucall(c->vcpu, &uc)) {
		case UCALL_SYNC:
			TEST_ASSERT(uc.args[1] == round, "ucall %lu in round %d",
				    uc.args[1], round);
			read_devices(c->vm, &c->obs->dev[round++]);
			break;
		case UCALL_DONE:
			TEST_ASSERT_EQ(round, NR_ROUNDS);
			return;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		default:
			if (c->vcpu->run->exit_reason == KVM_EXIT_MMIO)
				user_mmio(c);
			else if (c->vcpu->run->exit_reason == KVM_EXIT_IO)
				user_io(c);
			else
				TEST_FAIL("Exit %s",
					  exit_reason_str(c->vcpu->run->exit_reason));
			if (migrate_vm)
				complete_io(c);
		}
		if (migrate_vm)
			migrate(c);
	}
}

static void run_mode(int mode, bool migrate_vm, struct run_obs *obs)
{
	struct vm_ctx c = { .mode = mode, .obs = obs };

	memset(obs, 0, sizeof(*obs));
	c.vm = vm_create_with_one_vcpu(&c.vcpu, guest_code);
	create_devices(c.vm);
	map_mmio(c.vm);
	attach_vm(&c);
	run_guest(&c, migrate_vm);

	vcpu_regs_get(c.vcpu, &obs->regs);
	sync_global_from_guest(c.vm, guest_out);
	sync_global_from_guest(c.vm, guest_ret);
	memcpy(obs->out, guest_out, sizeof(obs->out));
	memcpy(obs->ret, guest_ret, sizeof(obs->ret));
	account_vm(&c);
	kvm_vm_free(c.vm);
}

/* What the run without migration must have done: the round's model. */
static void check_reference(const struct run_obs *ref)
{
	int round, i = 0, n = 0;

	TEST_ASSERT_EQ(ref->nr_log, NR_ROUNDS * 7);
	for (round = 0; round < NR_ROUNDS; round++) {
		u32 seed = round_seed(round), v = user_read_value(n++);
		u32 m = user_read_value(n++);
		u8 in8 = user_read_value(n++);
		u32 dev = (v & 0xff) << 8 | 0x30 | (seed & 6);
		const struct devices *d = &ref->dev[round];
		const struct io_rec *log = &ref->log[i];

		TEST_ASSERT(log[0].kind == REC_ZONE && log[0].data == (u8)seed &&
			    log[1].kind == REC_MMIO_OUT && log[1].port == 0 &&
			    log[1].size == 4 && log[1].data == seed &&
			    log[1].rip == (u64)kc_mig_mmio_store_end &&
			    log[2].kind == REC_USER_IN && log[2].size == 4 &&
			    log[2].data == v &&
			    log[3].kind == REC_MMIO_IN && log[3].port == 4 &&
			    log[3].size == 4 && log[3].data == m &&
			    log[3].rip == (u64)kc_mig_mmio_load &&
			    log[4].kind == REC_USER_OUT && log[4].size == 1 &&
			    log[4].data == (u8)((v >> 8) ^ seed) &&
			    log[5].kind == REC_USER_IN && log[5].size == 1 &&
			    log[5].data == in8 &&
			    log[6].kind == REC_ZONE && log[6].data == (u8)dev,
			    "off, round %d: accesses differ from the model",
			    round);
		i += 7;
		TEST_ASSERT(ref->out[round][KC_MIG_OUT_IN32] == v &&
			    ref->out[round][KC_MIG_OUT_IN8] == in8 &&
			    ref->out[round][KC_MIG_OUT_DEV] == dev &&
			    ref->out[round][KC_MIG_OUT_MMIO] == m &&
			    ref->ret[round] == dev,
			    "off, round %d: results 0x%x 0x%x 0x%x 0x%x 0x%x",
			    round, ref->out[round][0], ref->out[round][1],
			    ref->out[round][2], ref->out[round][3],
			    ref->ret[round]);
		TEST_ASSERT(d->pic[0].irq_base == 0x20 && !d->pic[0].init_state &&
			    d->pic[0].imr == (u8)v,
			    "off, round %d: 8259 base 0x%x init %u imr 0x%x",
			    round, d->pic[0].irq_base, d->pic[0].init_state,
			    d->pic[0].imr);
		TEST_ASSERT(d->pit.channels[2].mode == (seed & 6) >> 1 &&
			    d->pit.channels[2].count == ((v >> 8) & 0xffff ?: 0x10000),
			    "off, round %d: 8254 channel 2 mode %u count 0x%x",
			    round, d->pit.channels[2].mode,
			    d->pit.channels[2].count);
	}
}

/* Everything the guest and its devices can see is as without migration. */
static void check_same(int mode, const struct run_obs *ref,
		       const struct run_obs *obs)
{
	const char *name = kc_mode_names[mode];
	int i;

	TEST_ASSERT(obs->nr_log == ref->nr_log,
		    "mode %s: %d accesses logged, reference %d", name,
		    obs->nr_log, ref->nr_log);
	for (i = 0; i < ref->nr_log; i++)
		TEST_ASSERT(!memcmp(&obs->log[i], &ref->log[i], sizeof(ref->log[i])),
			    "mode %s: access %d: kind %u port 0x%x data 0x%x rip 0x%lx, reference kind %u port 0x%x data 0x%x rip 0x%lx",
			    name, i, obs->log[i].kind, obs->log[i].port,
			    obs->log[i].data, obs->log[i].rip, ref->log[i].kind,
			    ref->log[i].port, ref->log[i].data, ref->log[i].rip);
	for (i = 0; i < NR_ROUNDS; i++) {
		TEST_ASSERT(!memcmp(obs->dev[i].pic, ref->dev[i].pic,
				    sizeof(ref->dev[i].pic)),
			    "mode %s, round %d: 8259 state differs", name, i);
		TEST_ASSERT(!memcmp(&obs->dev[i].pit, &ref->dev[i].pit,
				    sizeof(ref->dev[i].pit)),
			    "mode %s, round %d: 8254 state differs", name, i);
	}
	TEST_ASSERT(!memcmp(obs->out, ref->out, sizeof(ref->out)) &&
		    !memcmp(obs->ret, ref->ret, sizeof(ref->ret)),
		    "mode %s: results in guest memory differ", name);
	TEST_ASSERT(!memcmp(&obs->regs, &ref->regs, sizeof(ref->regs)),
		    "mode %s: final registers differ (rip 0x%llx, reference 0x%llx)",
		    name, obs->regs.rip, ref->regs.rip);
}

/* The counters of all the VMs of a migrated run. */
static void check_counters(int mode, const struct run_obs *obs)
{
	const struct kc_stats *s = &obs->stats;
	const char *name = kc_mode_names[mode];
	bool blocks = mode == KC_MODE_SCAN || mode == KC_MODE_ADDR;

	kc_print_stats(name, s);
	TEST_ASSERT_EQ(obs->nr_migrations, USER_EXITS - 1);
	TEST_ASSERT(obs->io_exits == NR_ROUNDS * exits_per_round[mode] + 1,
		    "mode %s: %lu I/O exits, wanted %d", name, obs->io_exits,
		    NR_ROUNDS * exits_per_round[mode] + 1);
	TEST_ASSERT_EQ(obs->mmio_exits, NR_ROUNDS * KC_MIG_USER_MMIO);
	/* Blocks exit for the MMIO themselves: the module sees no fault. */
	TEST_ASSERT_EQ(s->pio_exits, obs->io_exits);
	TEST_ASSERT_EQ(s->mmio_exits, blocks ? 0 : obs->mmio_exits);
	TEST_ASSERT_EQ(s->exits, s->pio_exits + s->mmio_exits);
	/*
	 * Accesses the module ran or exited to userspace for, plus one per
	 * exit KVM handled.
	 */
	TEST_ASSERT(s->io + s->user_pio + s->user_mmio + s->exits - s->handled ==
		    GUEST_IO,
		    "mode %s: io %lu + user_pio %lu + user_mmio %lu + exits %lu - handled %lu, wanted %d",
		    name, s->io, s->user_pio, s->user_mmio, s->exits,
		    s->handled, GUEST_IO);
	/* The module ran every in-kernel access; userspace ones it left. */
	TEST_ASSERT_EQ(s->io, mode == KC_MODE_OFF ? 0 : NR_ROUNDS * KC_MIG_KERNEL_IO);
	/* Left to KVM: the ucalls, and in confirm the userspace accesses. */
	TEST_ASSERT_EQ(s->declined, mode == KC_MODE_OFF ? 0 :
		       blocks ? NR_ROUNDS + 1 : USER_EXITS);
	TEST_ASSERT_EQ(s->user_pio, blocks ? NR_ROUNDS * KC_MIG_USER_IO : 0);
	TEST_ASSERT_EQ(s->user_mmio, blocks ? NR_ROUNDS * KC_MIG_USER_MMIO : 0);
	/* Each access was completed with immediate_exit, then migrated. */
	TEST_ASSERT_EQ(s->resumed, 0);
	/* Every VM starts with an empty table: no block is found there. */
	TEST_ASSERT_EQ(s->table_hits, 0);
	TEST_ASSERT_EQ(s->hash_mismatches, 0);
	TEST_ASSERT_EQ(s->blocks, blocks ? NR_ROUNDS * 6 : 0);
	TEST_ASSERT_EQ(s->stop_user_io, 0);
}

/* A run with migrations in @mode, against runs[0], the run without. */
static void test_mode(int mode, void *runs)
{
	struct run_obs *ref = runs, *obs = ref + 1;

	run_mode(mode, true, obs);
	check_same(mode, ref, obs);
	check_counters(mode, obs);
}

int main(int argc, char *argv[])
{
	struct run_obs *ref;
	struct kc_busy *busy;
	char what[64];

	TEST_REQUIRE(kvm_has_cap(KVM_CAP_COALESCED_PIO));
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_PIT2));
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_IMMEDIATE_EXIT));
	kc_module_ensure_loaded();
	ref = calloc(2, sizeof(*ref));
	TEST_ASSERT(ref, "calloc");

	ksft_print_header();
	ksft_set_plan(1 + KC_NR_MODES);
	/* Another VM's exits run in the module on every CPU meanwhile. */
	kc_pin_thread(pthread_self(), 0);
	busy = kc_busy_start();

	run_mode(KC_MODE_OFF, false, ref);
	check_reference(ref);
	TEST_ASSERT_EQ(ref->io_exits, NR_ROUNDS * exits_per_round[KC_MODE_OFF] + 1);
	ksft_test_result_pass("mode=off without migration: as the model\n");
	snprintf(what, sizeof(what), "%d migrations, as off without",
		 USER_EXITS - 1);
	kc_each_mode(test_mode, ref, what);

	kc_busy_stop(busy);
	free(ref);
	ksft_finished();
}
