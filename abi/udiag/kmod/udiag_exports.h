/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Symbols the udiag-fuzz test kernel exports for out-of-tree udiag targets
 * (kmod/kernel/exports.patch): 6.12 declares them only in kernel/trace/trace.h.
 */
#ifndef _UDIAG_EXPORTS_H
#define _UDIAG_EXPORTS_H

#include <linux/mutex.h>

/* trace_add_event_call() and trace_remove_event_call() assert it is held. */
extern struct mutex event_mutex;

#endif /* _UDIAG_EXPORTS_H */
