/**
 * The udiag ABI's constants, derived once from the RFC's definitions
 * (`abi/udiag/rfc/000_aa391f59f6e4613c.txt`) with the kernel's ioctl formula
 * (`harness/ioctl.ts`).
 *
 * @module
 */
import { iow, SIZEOF_POINTER } from "../../harness/ioctl.ts";

/** `DIAG_IOC_MAGIC`: the RFC's ioctl type, `'*'`. */
export const DIAG_IOC_MAGIC = "*";
/** `DIAG_IOCSREG = _IOW('*', 0, char*)`: register or find an event; returns its page index. */
export const DIAG_IOCSREG = iow(DIAG_IOC_MAGIC, 0, SIZEOF_POINTER);
/** `DIAG_IOCSDEL = _IOW('*', 1, char*)`: delete an event nobody holds. */
export const DIAG_IOCSDEL = iow(DIAG_IOC_MAGIC, 1, SIZEOF_POINTER);

/**
 * `MAX_EVENT_NAME`: the RFC copies names with `strndup_user(ubuf, 96)`, which
 * counts the terminating NUL, so the longest accepted name has 95 bytes.
 */
export const MAX_EVENT_NAME = 96;
/** Longest name a register can succeed with. */
export const MAX_NAME_BYTES = MAX_EVENT_NAME - 1;

/** `DIAG_SYSTEM`: the trace system every event lives in. */
export const DIAG_SYSTEM = "udiag";
/** The device node udev creates for class `udiag`. */
export const DEVICE_PATH = "/dev/udiag";
/** Page index 0 is reserved "for failures" (RFC, trace_events_user_diag_init). */
export const RESERVED_INDEX = 0;

/** `MAX_PROVIDERS = PAGE_SIZE`: the bitmap and the shared page have one slot per byte. */
export function maxProviders(pageSize: number): number {
  return pageSize;
}

/** How many events fit at once: every page byte but the reserved index 0. */
export function capacity(pageSize: number): number {
  return maxProviders(pageSize) - 1;
}

/** Bytes a udiag record carries besides its payload: `struct trace_entry`, `datalen`, `data_loc`. */
export const RECORD_OVERHEAD = 16;

/**
 * Largest payload a write to a traced event may carry. The RFC promises the
 * payload to ftrace, perf and eBPF, so our reading is that a traced write
 * reaches every sink whole or fails (E2BIG, kmod/udiag.c `MAX_PAYLOAD`),
 * never returning its count with the record gone. The bound is one event of
 * the smallest ring-buffer sub-buffer (one page): the page less its header
 * (u64 time stamp, u64 commit), a long event's two u32 of header, the 8-byte
 * time extend the ring buffer adds after its size check when the last event
 * is old, and the record's own fields. The RFC returns the count and loses
 * the record.
 *
 * @example
 * ```ts
 * import { maxTracedPayload } from "./abi.ts";
 * if (maxTracedPayload(4096) !== 4048) throw new Error();
 * ```
 */
export function maxTracedPayload(pageSize: number): number {
  return pageSize - 8 - 8 - 2 * 4 - 8 - RECORD_OVERHEAD;
}
