// SPDX-License-Identifier: GPL-2.0-only
/*
 * udiag - user mode diagnostic events for ftrace, perf and eBPF.
 *
 * The ABI of the udiag RFC (kmod/rfc/000_aa391f59f6e4613c.txt) as an
 * out-of-tree module for the udiag-fuzz test kernel. User space sees the
 * RFC's ABI; where the RFC is unsafe or inconsistent this module does the
 * safe thing, each place marked "RFC:" below:
 *
 *  - The payload is copied from user space before the probes run, so no
 *    copy_from_user() happens with preemption disabled.
 *  - The record layout matches the published format file (the RFC's
 *    __data_loc field pointed at the high half of datalen).
 *  - The shared page is zeroed and can never become writable.
 *  - trace_add_event_call()/trace_remove_event_call() run under event_mutex.
 *  - A second DIAG_IOCSREG on one file no longer leaks the copied name.
 *  - Names that cannot be a tracefs event name are refused (EINVAL).
 *
 * Needs event_mutex and trace_call_bpf exported (kmod/kernel/exports.patch).
 */

#include <linux/bitmap.h>
#include <linux/cdev.h>
#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/io.h>
#include <linux/ioctl.h>
#include <linux/jhash.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/ring_buffer.h>
#include <linux/slab.h>
#include <linux/trace_events.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>

#include "udiag_exports.h"

#define DIAG_SYSTEM "udiag"

/* One enable byte per index in a single shared page; index 0 is reserved. */
#define MAX_PROVIDERS PAGE_SIZE

/* strndup_user() counts the NUL: names have at most 95 bytes. */
#define MAX_EVENT_NAME 96

#define DIAG_IOC_MAGIC '*'
#define DIAG_IOCSREG _IOW(DIAG_IOC_MAGIC, 0, char *)
#define DIAG_IOCSDEL _IOW(DIAG_IOC_MAGIC, 1, char *)

/*
 * Largest payload every sink takes whole, so that a write to a traced event
 * reaches each sink or fails with E2BIG, and never returns its count with
 * the record gone. The smallest ring buffer sub-buffer is one page; an event
 * in it holds the page less its header (a u64 time stamp and a local_t
 * commit), a long event's two u32 of header (BUF_MAX_DATA_SIZE in
 * kernel/trace/ring_buffer.c) and the time extend (RB_LEN_TIME_EXTEND, 8
 * bytes) that __rb_reserve_next() adds after the size check when the last
 * event is old. perf takes more (PERF_MAX_TRACE_SIZE).
 */
#define RB_EVENT_DATA_MAX (PAGE_SIZE - sizeof(u64) - sizeof(local_t) - \
			   2 * sizeof(u32) - 8)
#define MAX_PAYLOAD (RB_EVENT_DATA_MAX - sizeof(struct diag_trace_event))

/*
 * Lock order: register_mutex, then event_mutex.
 *
 * register_mutex guards register_table, page_bitmap, every diag_event's
 * file_refs, and the creation and destruction of diag_events. The tracing
 * core calls diag_event_reg() with event_mutex held, so it never takes
 * register_mutex; it only touches tracer_refs and the page byte.
 */
static DEFINE_MUTEX(register_mutex);
static DEFINE_HASHTABLE(register_table, 4);
static DECLARE_BITMAP(page_bitmap, MAX_PROVIDERS);

/* The shared page: written by diag_event_reg(), read by user space. */
static char *register_page_data;

static struct cdev diag_device;
static struct class *diag_class;
static struct device *diag_udevice;
static dev_t diag_devid;

static const char *print_fmt = "\"datalen=%d\", REC->datalen";

/*
 * One registered event. Owned by register_table; lives until DIAG_IOCSDEL
 * finds it with no file and no tracer holding it, or the module goes away.
 * file_refs: open files registered to it (register_mutex).
 * tracer_refs: ftrace/perf registrations (changed under event_mutex).
 */
struct diag_event {
	struct tracepoint tracepoint;
	struct trace_event_call call;
	struct trace_event_class class;
	struct hlist_node node;
	int file_refs;
	atomic_t tracer_refs;
	int index;
	char *name;
};

/*
 * Record layout, as the format file publishes it: datalen, then a
 * __data_loc word (length << 16 | offset from the record start).
 */
struct diag_trace_event {
	struct trace_entry ent;
	u32 datalen;
	u32 data_loc;
	char data[];
};

/* perf_trace_buf_alloc() WARNs past PERF_MAX_TRACE_SIZE: MAX_PAYLOAD stays under it. */
static_assert(ALIGN(sizeof(struct diag_trace_event) + MAX_PAYLOAD + sizeof(u32),
		    sizeof(u64)) <= PERF_MAX_TRACE_SIZE);

#ifdef UDIAG_BROKEN_BPF_CONTEXT
/*
 * Test-only: the RFC's eBPF context, a user pointer where a tracepoint
 * program reads the record the format file describes (UD-BPF-001).
 */
struct diag_bpf_context {
	int udatalen;
	const char __user *udata;
};
#endif

typedef void (*diag_probe_func_t)(struct diag_event *diag,
				  const char __user *udata, const char *kdata,
				  size_t len, void *tpdata);

static int diag_event_define_fields(struct trace_event_call *call)
{
	int ret;

	ret = trace_define_field(call, "u32", "datalen",
				 offsetof(struct diag_trace_event, datalen),
				 sizeof(u32), false, FILTER_OTHER);
	if (ret)
		return ret;

	return trace_define_field(call, "__data_loc char[]", "data",
				  offsetof(struct diag_trace_event, data_loc),
				  sizeof(u32), false, FILTER_OTHER);
}

static struct trace_event_fields diag_event_fields_array[] = {
	{ .type = TRACE_FUNCTION_TYPE,
	  .define_fields = diag_event_define_fields },
	{}
};

static enum print_line_t diag_event_print_trace(struct trace_iterator *iter,
						int flags,
						struct trace_event *event)
{
	struct diag_trace_event *entry = (struct diag_trace_event *)iter->ent;

	trace_seq_printf(&iter->seq, "%s: datalen=%u\n", DIAG_SYSTEM,
			 entry->datalen);

	return trace_handle_return(&iter->seq);
}

static struct trace_event_functions diag_event_funcs = {
	.trace = diag_event_print_trace
};

static void diag_fill_entry(struct diag_trace_event *entry, const char *kdata,
			    size_t len)
{
	entry->datalen = len;
	entry->data_loc = (len << 16) | offsetof(struct diag_trace_event, data);
	memcpy(entry->data, kdata, len);
}

static void diag_probe_trace(struct diag_event *diag,
			     const char __user *udata, const char *kdata,
			     size_t len, void *tpdata)
{
	struct trace_event_file *file = tpdata;
	struct trace_event_buffer fbuffer;
	struct diag_trace_event *entry;

	if (!file || !(file->flags & EVENT_FILE_FL_ENABLED) ||
	    trace_trigger_soft_disabled(file))
		return;

	/* Fails, and drops the record, when it cannot fit a ring buffer page. */
	entry = trace_event_buffer_reserve(&fbuffer, file,
					   sizeof(*entry) + len);
	if (!entry)
		return;

	diag_fill_entry(entry, kdata, len);
	trace_event_buffer_commit(&fbuffer);
#ifdef UDIAG_BROKEN_CPU_BUFFER
	/* Test-only: a long record leaves the last CPU's buffer refusing records. */
	if (len >= 64)
		ring_buffer_record_disable_cpu(fbuffer.buffer, nr_cpu_ids - 1);
#endif
}

#ifdef CONFIG_PERF_EVENTS
static void diag_probe_perf(struct diag_event *diag,
			    const char __user *udata, const char *kdata,
			    size_t len, void *tpdata)
{
	struct hlist_head *perf_head;

#ifdef UDIAG_BROKEN_BPF_CONTEXT
	if (bpf_prog_array_valid(&diag->call)) {
		struct diag_bpf_context context = {
			.udatalen = len,
			.udata = udata,
		};

		trace_call_bpf(&diag->call, &context);
	}
#endif

	perf_head = this_cpu_ptr(diag->call.perf_events);
	/*
	 * An eBPF program attached to the event gets the record, as every
	 * tracepoint hands it: the layout its format file publishes.
	 */
	if (bpf_prog_array_valid(&diag->call) ||
	    (perf_head && !hlist_empty(perf_head))) {
		struct diag_trace_event *entry;
		size_t size = sizeof(*entry) + len;
		struct pt_regs *regs;
		int context;

		/*
		 * RFC: perf_trace_buf_alloc() WARNs on records above
		 * PERF_MAX_TRACE_SIZE; write() refuses those with E2BIG.
		 */
		entry = perf_trace_buf_alloc(ALIGN(size + sizeof(u32),
						   sizeof(u64)) - sizeof(u32),
					     &regs, &context);
		if (!entry)
			return;

		perf_fetch_caller_regs(regs);
		diag_fill_entry(entry, kdata, len);
#ifdef UDIAG_BROKEN_BPF_CONTEXT
		perf_trace_buf_submit(entry, size, context,
				      diag->call.event.type, 1, regs,
				      perf_head, NULL);
#else
		/* Runs the programs, then perf's events unless they filtered it. */
		perf_trace_run_bpf_submit(entry, size, context, &diag->call, 1,
					  regs, perf_head, NULL);
#endif
	}
}
#endif

/* Called by the tracing core with event_mutex held. */
static int diag_event_reg(struct trace_event_call *call, enum trace_reg type,
			  void *data)
{
	struct diag_event *diag = call->data;
	int ret = 0;

	if (!diag)
		return -ENOENT;

	switch (type) {
	case TRACE_REG_REGISTER:
		ret = tracepoint_probe_register(call->tp, call->class->probe,
						data);
		if (!ret)
			goto inc;
		break;
	case TRACE_REG_UNREGISTER:
		tracepoint_probe_unregister(call->tp, call->class->probe, data);
		goto dec;
#ifdef CONFIG_PERF_EVENTS
	case TRACE_REG_PERF_REGISTER:
		ret = tracepoint_probe_register(call->tp,
						call->class->perf_probe, data);
		if (!ret)
			goto inc;
		break;
	case TRACE_REG_PERF_UNREGISTER:
		tracepoint_probe_unregister(call->tp, call->class->perf_probe,
					    data);
		goto dec;
	case TRACE_REG_PERF_OPEN:
	case TRACE_REG_PERF_CLOSE:
	case TRACE_REG_PERF_ADD:
	case TRACE_REG_PERF_DEL:
		break;
#endif
	}

	return ret;
inc:
	atomic_inc(&diag->tracer_refs);
	WRITE_ONCE(register_page_data[diag->index], 1);
	return 0;
dec:
	if (atomic_dec_and_test(&diag->tracer_refs))
		WRITE_ONCE(register_page_data[diag->index], 0);
	return 0;
}

static u32 diag_event_key(const char *name)
{
	return jhash(name, strlen(name), 0);
}

static struct diag_event *find_diag_event(const char *name)
{
	struct diag_event *diag;
	u32 key = diag_event_key(name);

	lockdep_assert_held(&register_mutex);

	hash_for_each_possible(register_table, diag, node, key)
		if (!strcmp(diag->name, name))
			return diag;

	return NULL;
}

/*
 * RFC: any byte was accepted, so "a/b", "" or "%s x" became tracefs
 * directories (or failed to) and event names consumers must parse.
 */
static bool diag_name_valid(const char *name)
{
	const char *c;

	if (!*name)
		return false;

	/* isalnum() also takes Latin-1 letters such as 0xff: ASCII only. */
	for (c = name; *c; c++)
		if (!isascii(*c) || (!isalnum(*c) && *c != '_'))
			return false;

	return true;
}

/* Takes event_mutex inside register_mutex, the order every path uses. */
static int destroy_diag_event(struct diag_event *diag)
{
	int ret;

	lockdep_assert_held(&register_mutex);

	mutex_lock(&event_mutex);
	ret = trace_remove_event_call(&diag->call);
	mutex_unlock(&event_mutex);
	if (ret)
		return ret;

	WRITE_ONCE(register_page_data[diag->index], 0);
	clear_bit(diag->index, page_bitmap);
	hash_del(&diag->node);
	kfree(diag->name);
	kfree(diag);

	return 0;
}

/* Takes ownership of @name. */
static int register_diag_event(char *name, struct diag_event **newdiag)
{
	struct diag_event *diag;
	int index;
	int ret;

	lockdep_assert_held(&register_mutex);
	diag = find_diag_event(name);
	if (diag) {
		kfree(name);
		*newdiag = diag;
		return 0;
	}

	index = find_first_zero_bit(page_bitmap, MAX_PROVIDERS);
	if (index == MAX_PROVIDERS) {
		ret = -EMFILE;
		goto put_name;
	}

	diag = kzalloc(sizeof(*diag), GFP_KERNEL);
	if (!diag) {
		ret = -ENOMEM;
		goto put_name;
	}

	INIT_LIST_HEAD(&diag->class.fields);
	atomic_set(&diag->tracer_refs, 0);
	diag->name = name;
	diag->index = index;
	diag->tracepoint.name = name;

	diag->class.system = DIAG_SYSTEM;
	diag->class.fields_array = diag_event_fields_array;
	diag->class.reg = diag_event_reg;
	diag->class.probe = diag_probe_trace;
#ifdef CONFIG_PERF_EVENTS
	diag->class.perf_probe = diag_probe_perf;
#endif

	diag->call.class = &diag->class;
	diag->call.tp = &diag->tracepoint;
	diag->call.flags = TRACE_EVENT_FL_TRACEPOINT;
	diag->call.print_fmt = (char *)print_fmt;
	diag->call.event.funcs = &diag_event_funcs;
	/* Tracers pin the module while they use the event. */
	diag->call.module = THIS_MODULE;
	/* RFC: set after trace_add_event_call(), racing with an early enable. */
	diag->call.data = diag;

	if (!register_trace_event(&diag->call.event)) {
		ret = -ENODEV;
		goto free_diag;
	}

	mutex_lock(&event_mutex);
	ret = trace_add_event_call(&diag->call);
	mutex_unlock(&event_mutex);
	if (ret) {
		unregister_trace_event(&diag->call.event);
		goto free_diag;
	}

	set_bit(index, page_bitmap);
	hash_add(register_table, &diag->node, diag_event_key(name));
	*newdiag = diag;
	return 0;

free_diag:
	kfree(diag);
put_name:
	kfree(name);
	return ret;
}

static int delete_diag_event(const char *name)
{
	struct diag_event *diag;

	lockdep_assert_held(&register_mutex);
	diag = find_diag_event(name);

	if (!diag)
		return -ENOENT;

#ifndef UDIAG_BROKEN_SKIP_EBUSY
	if (diag->file_refs)
		return -EBUSY;
#endif
	if (atomic_read(&diag->tracer_refs))
		return -EBUSY;

	/* trace_remove_event_call() says EBUSY if a tracer came in meanwhile. */
	return destroy_diag_event(diag);
}

static ssize_t diag_dev_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct diag_event *diag;
	struct tracepoint *tp;
	struct tracepoint_func *probe_func_ptr;
	char *kdata;

	/* RFC: a zero-length write or a non-zero offset is EFAULT. */
	if (*ppos != 0 || count == 0)
		return -EFAULT;

	/* Stable while the file is open: the file holds a file_ref. */
	diag = READ_ONCE(file->private_data);
	if (!diag)
		return -ENOENT;

	tp = &diag->tracepoint;
	if (likely(atomic_read(&tp->key.enabled) <= 0))
		return count;
#ifdef UDIAG_BROKEN_DROP_LARGE
	/* Test-only: past 2 KiB the record is dropped and the write "succeeds". */
	if (count > 2048)
		return count;
#endif
	/* A record no sink can hold whole is refused, not dropped in silence. */
	if (count > MAX_PAYLOAD)
		return -E2BIG;

	/*
	 * RFC: copied from user space inside the probes, with preemption
	 * disabled, where a page fault may not sleep.
	 */
	kdata = memdup_user(ubuf, count);
#ifdef UDIAG_BROKEN_SWALLOW_FAULT
	/* Test-only: as the RFC, a payload that cannot be read is lost. */
	if (IS_ERR(kdata))
		return count;
#endif
	/* RFC: the write "succeeds" with the record lost; ours says EFAULT. */
	if (IS_ERR(kdata))
		return PTR_ERR(kdata);

	preempt_disable();
	probe_func_ptr = rcu_dereference_sched(tp->funcs);
	if (probe_func_ptr) {
		do {
			diag_probe_func_t probe = probe_func_ptr->func;

			probe(diag, ubuf, kdata, count, probe_func_ptr->data);
		} while ((++probe_func_ptr)->func);
	}
	preempt_enable();

	kfree(kdata);
	return count;
}

static int diag_dev_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long size = vma->vm_end - vma->vm_start;

	if (size != MAX_PROVIDERS)
		return -EFAULT;

	/* RFC: vm_pgoff was ignored; only offset 0 names the page. */
	if (vma->vm_pgoff)
		return -EINVAL;

	/* RFC: PROT_WRITE, or mprotect() later, let user space write it. */
	if (vma->vm_flags & VM_WRITE)
		return -EPERM;
	vm_flags_clear(vma, VM_MAYWRITE);

	return remap_pfn_range(vma, vma->vm_start,
			       virt_to_phys(register_page_data) >> PAGE_SHIFT,
			       size, vma->vm_page_prot);
}

static long diag_dev_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	void __user *ubuf = (void __user *)arg;
	struct diag_event *diag;
	char *name;
	long ret;

	switch (cmd) {
	case DIAG_IOCSREG:
		name = strndup_user(ubuf, MAX_EVENT_NAME);
		if (IS_ERR(name))
			return PTR_ERR(name);

		mutex_lock(&register_mutex);
		if (file->private_data) {
			/* RFC: the name leaked on this path. */
			kfree(name);
			ret = -EMFILE;
		} else if (!diag_name_valid(name)) {
			kfree(name);
			ret = -EINVAL;
		} else {
			ret = register_diag_event(name, &diag);
			if (!ret) {
				diag->file_refs++;
				WRITE_ONCE(file->private_data, diag);
				ret = diag->index;
			}
		}
		mutex_unlock(&register_mutex);
		return ret;

	case DIAG_IOCSDEL:
		name = strndup_user(ubuf, MAX_EVENT_NAME);
		if (IS_ERR(name))
			return PTR_ERR(name);

		mutex_lock(&register_mutex);
		ret = delete_diag_event(name);
		mutex_unlock(&register_mutex);
		kfree(name);
		return ret;

	default:
		return -ENOTTY;
	}
}

/* DIAG_IOCSDEL reads file_refs under register_mutex to refuse a bound event. */
static void diag_file_put(struct diag_event *diag)
{
	lockdep_assert_held(&register_mutex);
	diag->file_refs--;
}

static int diag_dev_release(struct inode *inode, struct file *file)
{
	struct diag_event *diag = file->private_data;

	if (diag) {
		mutex_lock(&register_mutex);
		diag_file_put(diag);
		mutex_unlock(&register_mutex);
	}

	return 0;
}

static const struct file_operations diag_dev_fops = {
	.owner = THIS_MODULE,
	.write = diag_dev_write,
	.mmap = diag_dev_mmap,
	.unlocked_ioctl = diag_dev_ioctl,
	.release = diag_dev_release,
};

#ifdef UDIAG_BROKEN_STRICT_LOAD
/*
 * Test-only, as the RFC does at load: the reserved flag set on a compound
 * page (the RFC's kmalloc()ed page is one when its slab is). Page flags
 * that forbid compound pages are checked only with DEBUG_VM_PGFLAGS, which
 * the strict profile adds: there the load dies, elsewhere nothing shows.
 */
static void diag_broken_strict_load(void)
{
	struct page *page = alloc_pages(GFP_KERNEL | __GFP_COMP, 1);

	if (!page)
		return;
	SetPageReserved(page);
	ClearPageReserved(page);
	__free_pages(page, 1);
}
#endif

static int __init udiag_init(void)
{
	int ret;

#ifdef UDIAG_BROKEN_STRICT_LOAD
	diag_broken_strict_load();
#endif

	/* Index 0 is reserved: DIAG_IOCSREG never returns it. */
	bitmap_zero(page_bitmap, MAX_PROVIDERS);
	set_bit(0, page_bitmap);

	/* RFC: kmalloc() left stale heap bytes readable at unused indexes. */
	register_page_data = (char *)get_zeroed_page(GFP_KERNEL);
	if (!register_page_data)
		return -ENOMEM;

	ret = alloc_chrdev_region(&diag_devid, 0, 1, DIAG_SYSTEM);
	if (ret)
		goto free_page;

	cdev_init(&diag_device, &diag_dev_fops);
	diag_device.owner = THIS_MODULE;
	ret = cdev_add(&diag_device, diag_devid, 1);
	if (ret)
		goto free_region;

	diag_class = class_create(DIAG_SYSTEM);
	if (IS_ERR(diag_class)) {
		ret = PTR_ERR(diag_class);
		goto del_cdev;
	}

	diag_udevice = device_create(diag_class, NULL, diag_devid, NULL,
				     DIAG_SYSTEM);
	if (IS_ERR(diag_udevice)) {
		ret = PTR_ERR(diag_udevice);
		goto destroy_class;
	}

	return 0;

destroy_class:
	class_destroy(diag_class);
del_cdev:
	cdev_del(&diag_device);
free_region:
	unregister_chrdev_region(diag_devid, 1);
free_page:
	free_page((unsigned long)register_page_data);
	return ret;
}

static void __exit udiag_exit(void)
{
	struct diag_event *diag;
	struct hlist_node *tmp;
	int bkt;

	device_destroy(diag_class, diag_devid);
	class_destroy(diag_class);
	cdev_del(&diag_device);
	unregister_chrdev_region(diag_devid, 1);

	/* No file is open (each pins the module) and no tracer is active. */
	mutex_lock(&register_mutex);
	hash_for_each_safe(register_table, bkt, tmp, diag, node)
		WARN_ON(destroy_diag_event(diag));
	mutex_unlock(&register_mutex);

	free_page((unsigned long)register_page_data);
}

module_init(udiag_init);
module_exit(udiag_exit);

MODULE_DESCRIPTION("udiag: user mode diagnostic events (ftrace, perf, eBPF)");
MODULE_LICENSE("GPL");
