/**
 * The udiag ABI's constants, derived once from the RFC's definitions
 * (`../shared/seeds/000_aa391f59f6e4613c.txt`), and the ioctl encoding they
 * use (`include/uapi/asm-generic/ioctl.h`).
 *
 * @module
 */

/** `_IOC_NRBITS` … `_IOC_DIRBITS` of asm-generic/ioctl.h (x86 uses these). */
const IOC_NRBITS = 8;
const IOC_TYPEBITS = 8;
const IOC_SIZEBITS = 14;
const IOC_NRSHIFT = 0;
const IOC_TYPESHIFT = IOC_NRSHIFT + IOC_NRBITS;
const IOC_SIZESHIFT = IOC_TYPESHIFT + IOC_TYPEBITS;
const IOC_DIRSHIFT = IOC_SIZESHIFT + IOC_SIZEBITS;

/** `_IOC_NONE`: no data transfer. */
export const IOC_NONE = 0;
/** `_IOC_WRITE`: user space writes, the kernel reads. */
export const IOC_WRITE = 1;
/** `_IOC_READ`: the kernel writes, user space reads. */
export const IOC_READ = 2;

/**
 * `_IOC(dir, type, nr, size)`.
 *
 * @example
 * ```ts
 * import { ioc, IOC_WRITE } from "./abi.ts";
 * if (ioc(IOC_WRITE, "*", 0, 8) !== 0x40082a00) throw new Error();
 * ```
 */
export function ioc(dir: number, type: string, nr: number, size: number): number {
  if (type.length !== 1) throw new TypeError(`ioctl type must be one character, got "${type}"`);
  // `>>> 0` keeps the top direction bit unsigned, as the C macro's unsigned int does.
  return ((dir << IOC_DIRSHIFT) | (type.charCodeAt(0) << IOC_TYPESHIFT) |
    (nr << IOC_NRSHIFT) | (size << IOC_SIZESHIFT)) >>> 0;
}

/** `_IOW(type, nr, T)` for a `T` of `size` bytes. */
export function iow(type: string, nr: number, size: number): number {
  return ioc(IOC_WRITE, type, nr, size);
}

/** `sizeof(char *)` on the 64-bit targets this project runs on. */
export const SIZEOF_POINTER = 8;

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
