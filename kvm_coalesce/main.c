// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_coalesce: execute bursts of guest I/O instructions in one VM exit.
 *
 * Module lifetime: the hook is registered at load, and unregistered at
 * unload, which returns once no callback runs and every VM's state is
 * released.
 */
#include <linux/module.h>

#include "kvm_coalesce.h"

static int __init kc_init(void)
{
	return kc_hook_register();
}
module_init(kc_init);

static void __exit kc_exit(void)
{
	kc_hook_unregister();
}
module_exit(kc_exit);

MODULE_DESCRIPTION("Coalesce guest I/O instructions into one KVM exit");
MODULE_LICENSE("GPL");
