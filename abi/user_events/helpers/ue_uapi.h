/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The user_events ABI as the C helpers use it: include/uapi/linux/user_events.h
 * of 6.12.117 (H:38-92), which the host has no copy of.
 */
#ifndef UE_UAPI_H
#define UE_UAPI_H

#include <stdint.h>
#include <sys/ioctl.h>

struct user_reg {
	uint32_t size;
	uint8_t enable_bit;
	uint8_t enable_size;
	uint16_t flags;
	uint64_t enable_addr;
	uint64_t name_args;
	uint32_t write_index;
} __attribute__((__packed__));

struct user_unreg {
	uint32_t size;
	uint8_t disable_bit;
	uint8_t __reserved;
	uint16_t __reserved2;
	uint64_t disable_addr;
} __attribute__((__packed__));

#define DIAG_IOC_MAGIC '*'
#define DIAG_IOCSREG _IOWR(DIAG_IOC_MAGIC, 0, struct user_reg *)
#define DIAG_IOCSDEL _IOW(DIAG_IOC_MAGIC, 1, char *)
#define DIAG_IOCSUNREG _IOW(DIAG_IOC_MAGIC, 2, struct user_unreg *)

#define DATA_PATH "/sys/kernel/tracing/user_events_data"

#endif /* UE_UAPI_H */
