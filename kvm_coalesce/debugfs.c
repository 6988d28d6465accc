// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs interface of kvm_coalesce.
 *
 * Each VM the module has seen gets a directory "kvm_coalesce" in the VM's
 * own KVM debugfs directory (/sys/kernel/debug/kvm/<pid>-<fd>/), with:
 *
 *   stats   one "name value" line per counter, summed over all CPUs
 *   blocks  the block table, one line per block (address, size, hits...)
 *   mode    the VM's mode; writing a mode name overrides the module
 *           parameter for this VM, writing "default" follows it again
 *   extent  the VM's extent; writing 1-64 overrides the parameter,
 *           writing 0 follows it again
 *   insns_per_exit  the VM's limit of other instructions per exit a
 *           block saves; writing 0-64 overrides the parameter, writing
 *           "default" follows it again
 *
 * Lifetime: the directory is removed with the VM's, or by
 * kc_debugfs_remove_vm() when the module goes away first.  An open file
 * holds a reference to the VM, taken with kvm_get_kvm_safe() as in
 * arch/x86/kvm/debugfs.c, so the per-VM state outlives every reader.
 */
#include <linux/debugfs.h>
#include <linux/kvm_host.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "kvm_coalesce.h"

static const char * const kc_stat_names[KC_NR_STATS] = {
#define KC_STAT(name)							\
	[KC_STAT_##name] = #name,
#include "stats.h"
#undef KC_STAT
};

/*
 * The IN and OUT exits that KVM declined for the module by the ports'
 * bitmap (user_io.c), without calling it: each counts as a port I/O
 * exit declined because its port is known to be userspace's.
 */
static u64 kc_stat_kvm_part(struct kc_vm *vm, enum kc_stat stat)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;
	u64 sum = 0;

	if (stat != KC_STAT_pio_exits && stat != KC_STAT_declined &&
	    stat != KC_STAT_user_io_known)
		return 0;

	kvm_for_each_vcpu(i, vcpu, vm->kvm)
		sum += READ_ONCE(vcpu->arch.io_exit_declined);
	return sum;
}

static u64 kc_stat_read(struct kc_vm *vm, enum kc_stat stat)
{
	u64 sum = kc_stat_kvm_part(vm, stat);
	int cpu;

	/* Not counted apart, which would cost every exit an increment. */
	if (stat == KC_STAT_exits)
		return kc_stat_read(vm, KC_STAT_pio_exits) +
		       kc_stat_read(vm, KC_STAT_string_pio_exits) +
		       kc_stat_read(vm, KC_STAT_mmio_exits);

	/*
	 * Each CPU increments its own counters without a lock, maybe right
	 * now (kc_stat_inc()): read each once, whole, and let the sum lag.
	 */
	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(vm->stats, cpu)->count[stat]);
	return sum;
}

static int kc_stats_show(struct seq_file *m, void *unused)
{
	struct kc_vm *vm = m->private;
	int i;

	for (i = 0; i < KC_NR_STATS; i++)
		seq_printf(m, "%s %llu\n", kc_stat_names[i],
			   kc_stat_read(vm, i));
	return 0;
}

static int kc_blocks_show(struct seq_file *m, void *unused)
{
	kc_table_show(m->private, m);
	return 0;
}

static int kc_mode_show(struct seq_file *m, void *unused)
{
	struct kc_vm *vm = m->private;

	seq_printf(m, "%s%s\n", kc_mode_name(kc_vm_mode(vm)),
		   READ_ONCE(vm->mode) < 0 ? " (default)" : "");
	return 0;
}

static int kc_extent_show(struct seq_file *m, void *unused)
{
	struct kc_vm *vm = m->private;

	seq_printf(m, "%u%s\n", kc_vm_extent(vm),
		   READ_ONCE(vm->extent) ? "" : " (default)");
	return 0;
}

static int kc_insns_per_exit_show(struct seq_file *m, void *unused)
{
	struct kc_vm *vm = m->private;

	seq_printf(m, "%u%s\n", kc_vm_limits(vm).insns_per_exit,
		   READ_ONCE(vm->insns_per_exit) < 0 ? " (default)" : "");
	return 0;
}

/* Open a seq_file of @vm, holding a reference to the VM while open. */
static int kc_open(struct inode *inode, struct file *file,
		   int (*show)(struct seq_file *, void *))
{
	struct kc_vm *vm = inode->i_private;
	int r;

	if (!kvm_get_kvm_safe(vm->kvm))
		return -ENOENT;

	r = single_open(file, show, vm);
	if (r)
		kvm_put_kvm(vm->kvm);
	return r;
}

static int kc_release(struct inode *inode, struct file *file)
{
	struct kc_vm *vm = inode->i_private;
	struct kvm *kvm = vm->kvm;
	int r;

	r = single_release(inode, file);
	/* The last reference destroys the VM and releases @vm. */
	kvm_put_kvm(kvm);
	return r;
}

static int kc_stats_open(struct inode *inode, struct file *file)
{
	return kc_open(inode, file, kc_stats_show);
}

static int kc_blocks_open(struct inode *inode, struct file *file)
{
	return kc_open(inode, file, kc_blocks_show);
}

static int kc_mode_open(struct inode *inode, struct file *file)
{
	return kc_open(inode, file, kc_mode_show);
}

static int kc_extent_open(struct inode *inode, struct file *file)
{
	return kc_open(inode, file, kc_extent_show);
}

static int kc_insns_per_exit_open(struct inode *inode, struct file *file)
{
	return kc_open(inode, file, kc_insns_per_exit_show);
}

/* Copy a short value written by the user, NUL-terminated. */
static int kc_copy_value(char *buf, size_t size, const char __user *ubuf,
			 size_t len)
{
	if (!len || len >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	return 0;
}

/*
 * Write an override of a parameter, parsed by @parse, to the VM with
 * @set; "default" writes -1, which follows the parameter again.
 */
static ssize_t kc_override_write(struct file *file, const char __user *ubuf,
				 size_t len, int (*parse)(const char *val),
				 void (*set)(struct kc_vm *vm, int val))
{
	struct kc_vm *vm = ((struct seq_file *)file->private_data)->private;
	char buf[16];
	int val, r;

	r = kc_copy_value(buf, sizeof(buf), ubuf, len);
	if (r)
		return r;
	val = sysfs_streq(buf, "default") ? -1 : parse(buf);
	if (val == -EINVAL)
		return -EINVAL;
	set(vm, val);
	return len;
}

static ssize_t kc_mode_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	return kc_override_write(file, ubuf, len, kc_parse_mode,
				 kc_vm_set_mode);
}

static ssize_t kc_extent_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	struct kc_vm *vm = ((struct seq_file *)file->private_data)->private;
	unsigned int extent = 0;
	char buf[16];
	int r;

	r = kc_copy_value(buf, sizeof(buf), ubuf, len);
	if (r)
		return r;
	if (!sysfs_streq(buf, "0") && kc_parse_extent(buf, &extent))
		return -EINVAL;
	kc_vm_set_extent(vm, extent);
	return len;
}

static ssize_t kc_insns_per_exit_write(struct file *file,
				       const char __user *ubuf, size_t len,
				       loff_t *ppos)
{
	return kc_override_write(file, ubuf, len, kc_parse_insns_per_exit,
				 kc_vm_set_insns_per_exit);
}

#define KC_FOPS(name, ...)					\
static const struct file_operations kc_##name##_fops = {	\
	.owner = THIS_MODULE,					\
	.open = kc_##name##_open,				\
	.read = seq_read,					\
	.llseek = seq_lseek,					\
	.release = kc_release,					\
	__VA_ARGS__						\
}

KC_FOPS(stats);
KC_FOPS(blocks);
KC_FOPS(mode, .write = kc_mode_write);
KC_FOPS(extent, .write = kc_extent_write);
KC_FOPS(insns_per_exit, .write = kc_insns_per_exit_write);

void kc_debugfs_create_vm(struct kc_vm *vm)
{
	struct dentry *parent = vm->kvm->debugfs_dentry;

	if (IS_ERR_OR_NULL(parent))
		return;

	vm->debugfs = debugfs_create_dir("kvm_coalesce", parent);
	debugfs_create_file("stats", 0444, vm->debugfs, vm, &kc_stats_fops);
	debugfs_create_file("blocks", 0444, vm->debugfs, vm, &kc_blocks_fops);
	debugfs_create_file("mode", 0644, vm->debugfs, vm, &kc_mode_fops);
	debugfs_create_file("extent", 0644, vm->debugfs, vm, &kc_extent_fops);
	debugfs_create_file("insns_per_exit", 0644, vm->debugfs, vm,
			    &kc_insns_per_exit_fops);
}

void kc_debugfs_remove_vm(struct kc_vm *vm)
{
	debugfs_remove(vm->debugfs);
	vm->debugfs = NULL;
}
