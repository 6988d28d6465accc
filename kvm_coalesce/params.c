// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters: the mode, the extent and the instructions a block
 * may run per exit it saves, global defaults that each VM may override
 * (debugfs.c), writable at run time through
 * /sys/module/kvm_coalesce/parameters/.  A write that does not parse, or
 * is out of range, fails with -EINVAL and changes nothing.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include "kvm_coalesce.h"

static const char * const kc_mode_names[KC_NR_MODES] = KC_MODE_NAMES;

/*
 * Written by the parameter setters, read locklessly by every exit.  addr
 * is the default: it makes the decisions of scan without a keyed hash of
 * the code at every lookup, and runs a block at its first sighting,
 * which confirm does not (Documentation/design.rst).
 */
unsigned int kc_mode_param = KC_MODE_ADDR;
unsigned int kc_extent_param = KC_EXTENT_DEFAULT;
unsigned int kc_insns_per_exit_param = KC_INSNS_PER_EXIT_DEFAULT;

/* A mode's index, or -EINVAL; trailing newline allowed. */
int kc_parse_mode(const char *val)
{
	int mode = sysfs_match_string(kc_mode_names, val);

	return mode < 0 ? -EINVAL : mode;
}

const char *kc_mode_name(enum kc_mode mode)
{
	return kc_mode_names[mode];
}

/* An extent within bounds, or -EINVAL. */
int kc_parse_extent(const char *val, unsigned int *extent)
{
	unsigned int v;

	if (kstrtouint(val, 0, &v) || v < KC_EXTENT_MIN || v > KC_EXTENT_MAX)
		return -EINVAL;
	*extent = v;
	return 0;
}

/* A limit of instructions per exit saved within bounds, or -EINVAL. */
int kc_parse_insns_per_exit(const char *val)
{
	unsigned int v;

	if (kstrtouint(val, 0, &v) || v > KC_INSNS_PER_EXIT_MAX)
		return -EINVAL;
	return v;
}

static int kc_mode_set(const char *val, const struct kernel_param *kp)
{
	int mode = kc_parse_mode(val);

	if (mode < 0)
		return -EINVAL;

	WRITE_ONCE(kc_mode_param, mode);
	return 0;
}

static int kc_mode_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", kc_mode_names[READ_ONCE(kc_mode_param)]);
}

static const struct kernel_param_ops kc_mode_ops = {
	.set = kc_mode_set,
	.get = kc_mode_get,
};
module_param_cb(mode, &kc_mode_ops, NULL, 0644);
MODULE_PARM_DESC(mode,
		 "What to do with I/O exits: off, scan, confirm, addr (default)");

static int kc_extent_set(const char *val, const struct kernel_param *kp)
{
	unsigned int extent;

	if (kc_parse_extent(val, &extent))
		return -EINVAL;

	WRITE_ONCE(kc_extent_param, extent);
	return 0;
}

static int kc_extent_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(kc_extent_param));
}

static const struct kernel_param_ops kc_extent_ops = {
	.set = kc_extent_set,
	.get = kc_extent_get,
};
module_param_cb(extent, &kc_extent_ops, NULL, 0644);
MODULE_PARM_DESC(extent, "Instructions scanned after an I/O instruction ("
		 __stringify(KC_EXTENT_MIN) "-" __stringify(KC_EXTENT_MAX) ")");

static int kc_insns_per_exit_set(const char *val,
				 const struct kernel_param *kp)
{
	int v = kc_parse_insns_per_exit(val);

	if (v < 0)
		return -EINVAL;

	WRITE_ONCE(kc_insns_per_exit_param, v);
	return 0;
}

static int kc_insns_per_exit_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(kc_insns_per_exit_param));
}

static const struct kernel_param_ops kc_insns_per_exit_ops = {
	.set = kc_insns_per_exit_set,
	.get = kc_insns_per_exit_get,
};
module_param_cb(insns_per_exit, &kc_insns_per_exit_ops, NULL, 0644);
MODULE_PARM_DESC(insns_per_exit,
		 "Instructions other than I/O a block may run per exit it saves (0: any; 0-"
		 __stringify(KC_INSNS_PER_EXIT_MAX) ", default "
		 __stringify(KC_INSNS_PER_EXIT_DEFAULT) ")");
