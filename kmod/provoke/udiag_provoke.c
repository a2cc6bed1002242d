// SPDX-License-Identifier: GPL-2.0-only
/*
 * udiag_provoke - test-only: provokes the kernel reports LKDTM has no
 * trigger for (lockdep, suspicious RCU, kmemleak, sleeping in atomic), so
 * the console parser's testdata are real logs from our own kernel.
 *
 * echo NAME > /sys/kernel/debug/udiag_provoke
 */

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

static DEFINE_MUTEX(provoke_a);
static DEFINE_MUTEX(provoke_b);
static struct dentry *provoke_file;

/* Only ever read under rcu_read_lock(); provoke_rcu() breaks that rule. */
static int __rcu *provoke_rcu_ptr;

/* Taking a then b, later b then a: lockdep reports the cycle. */
static void provoke_lockdep_circular(void)
{
	mutex_lock(&provoke_a);
	mutex_lock(&provoke_b);
	mutex_unlock(&provoke_b);
	mutex_unlock(&provoke_a);

	mutex_lock(&provoke_b);
	mutex_lock(&provoke_a);
	mutex_unlock(&provoke_a);
	mutex_unlock(&provoke_b);
}

static void provoke_lockdep_assert(void)
{
	lockdep_assert_held(&provoke_a);
}

static void provoke_rcu(void)
{
	int *p = rcu_dereference(provoke_rcu_ptr);

	pr_info("udiag_provoke: rcu pointer %p\n", p);
}

static void provoke_leak(void)
{
	char *p = kmalloc(64, GFP_KERNEL);

	if (p)
		strscpy(p, "udiag_provoke leaked this", 64);
	/* Dropped on purpose: kmemleak must report it. */
}

static void provoke_sleep_atomic(void)
{
	preempt_disable();
	msleep(20);
	preempt_enable();
}

/*
 * Returns to user space still atomic, as a write path that skips its
 * preempt_enable() does: the exit path's schedule() reports it there.
 */
static void provoke_preempt_leak(void)
{
	preempt_disable();
	set_tsk_need_resched(current);
	set_preempt_need_resched();
}

static ssize_t provoke_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	char buf[32] = {};

	if (count >= sizeof(buf) || copy_from_user(buf, ubuf, count))
		return -EINVAL;
	strim(buf);

	if (!strcmp(buf, "LOCKDEP_CIRCULAR"))
		provoke_lockdep_circular();
	else if (!strcmp(buf, "LOCKDEP_ASSERT"))
		provoke_lockdep_assert();
	else if (!strcmp(buf, "RCU_SUSPICIOUS"))
		provoke_rcu();
	else if (!strcmp(buf, "LEAK"))
		provoke_leak();
	else if (!strcmp(buf, "SLEEP_ATOMIC"))
		provoke_sleep_atomic();
	else if (!strcmp(buf, "PREEMPT_LEAK"))
		provoke_preempt_leak();
	else
		return -EINVAL;

	return count;
}

static const struct file_operations provoke_fops = {
	.owner = THIS_MODULE,
	.write = provoke_write,
};

static int __init provoke_init(void)
{
	provoke_file = debugfs_create_file("udiag_provoke", 0200, NULL, NULL,
					   &provoke_fops);
	return 0;
}

static void __exit provoke_exit(void)
{
	debugfs_remove(provoke_file);
}

module_init(provoke_init);
module_exit(provoke_exit);

MODULE_DESCRIPTION("udiag-fuzz test-only report provoker");
MODULE_LICENSE("GPL");
