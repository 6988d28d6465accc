// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs interface of kvm_coalesce.
 *
 * Each VM the module has seen gets a directory "kvm_coalesce" in the VM's
 * own KVM debugfs directory (/sys/kernel/debug/kvm/<pid>-<fd>/), with:
 *
 *   stats   one "name value" line per counter, summed over all CPUs
 *
 * Lifetime: the directory is removed with the VM's, or by
 * kc_debugfs_remove_vm() when the module goes away first.  An open file
 * holds a reference to the VM, taken with kvm_get_kvm_safe() as in
 * arch/x86/kvm/debugfs.c, so the per-VM state outlives every reader.
 */
#include <linux/debugfs.h>
#include <linux/kvm_host.h>
#include <linux/seq_file.h>

#include "kvm_coalesce.h"

static const char * const kc_stat_names[KC_NR_STATS] = {
	[KC_STAT_EXITS]			= "exits",
	[KC_STAT_PIO_EXITS]		= "pio_exits",
	[KC_STAT_STRING_PIO_EXITS]	= "string_pio_exits",
	[KC_STAT_MMIO_EXITS]		= "mmio_exits",
	[KC_STAT_BLOCKS]		= "blocks",
	[KC_STAT_INSNS]			= "insns",
	[KC_STAT_TABLE_HITS]		= "table_hits",
	[KC_STAT_TABLE_MISSES]		= "table_misses",
};

static int kc_stats_show(struct seq_file *m, void *unused)
{
	struct kc_vm *vm = m->private;
	int i;

	for (i = 0; i < KC_NR_STATS; i++)
		seq_printf(m, "%s %llu\n", kc_stat_names[i],
			   kc_stat_read(vm, i));
	return 0;
}

static int kc_stats_open(struct inode *inode, struct file *file)
{
	struct kc_vm *vm = inode->i_private;
	int r;

	if (!kvm_get_kvm_safe(vm->kvm))
		return -ENOENT;

	r = single_open(file, kc_stats_show, vm);
	if (r)
		kvm_put_kvm(vm->kvm);
	return r;
}

static int kc_stats_release(struct inode *inode, struct file *file)
{
	struct kc_vm *vm = inode->i_private;
	struct kvm *kvm = vm->kvm;
	int r;

	r = single_release(inode, file);
	/* The last reference destroys the VM and releases @vm. */
	kvm_put_kvm(kvm);
	return r;
}

static const struct file_operations kc_stats_fops = {
	.owner = THIS_MODULE,
	.open = kc_stats_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = kc_stats_release,
};

void kc_debugfs_create_vm(struct kc_vm *vm)
{
	struct dentry *parent = vm->kvm->debugfs_dentry;

	if (IS_ERR_OR_NULL(parent))
		return;

	vm->debugfs = debugfs_create_dir("kvm_coalesce", parent);
	debugfs_create_file("stats", 0444, vm->debugfs, vm, &kc_stats_fops);
}

void kc_debugfs_remove_vm(struct kc_vm *vm)
{
	debugfs_remove(vm->debugfs);
	vm->debugfs = NULL;
}
