/**
 * The ioctl request encoding of `include/uapi/asm-generic/ioctl.h` (x86 uses
 * it): `_IOC`, `_IOW` and `_IOWR` as functions, so every ABI derives its
 * request numbers with the kernel's formula instead of typing them in.
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
 * import { ioc, IOC_WRITE } from "./ioctl.ts";
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

/** `_IOWR(type, nr, T)` for a `T` of `size` bytes. */
export function iowr(type: string, nr: number, size: number): number {
  return ioc(IOC_READ | IOC_WRITE, type, nr, size);
}
