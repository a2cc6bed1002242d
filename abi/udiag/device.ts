/**
 * A typed client of `/dev/udiag`: one {@linkcode UdiagFile} per open file,
 * and the shared enable page as an {@linkcode EnablePage}. Every call returns
 * the kernel's answer as a {@linkcode SysResult}.
 *
 * @module
 */
import { DEVICE_PATH, DIAG_IOCSDEL, DIAG_IOCSREG } from "./abi.ts";
import type { SysResult } from "../../harness/errno.ts";
import { MAP_SHARED, O_CLOEXEC, O_RDWR, PROT_READ } from "../../harness/libc.ts";
import { recording } from "../../harness/ctrace/record.ts";
import {
  cString,
  type IoSegment,
  type Mapping,
  type Mem,
  pageSize,
  peek,
  sysClose,
  sysIoctl,
  sysMmap,
  sysMprotect,
  sysMunmap,
  sysOpen,
  sysPwrite,
  sysWrite,
  sysWritev,
} from "../../harness/syscall.ts";

/** Thrown when the device node does not exist (the target is not loaded). */
export class DeviceMissingError extends Error {
  readonly code = "ENOENT";
  constructor(path: string, options?: ErrorOptions) {
    super(`Device "${path}" does not exist: is the udiag target loaded?`, options);
    this.name = "DeviceMissingError";
  }
}

/** Is the device node present? */
export function deviceExists(path = DEVICE_PATH): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function nameArg(name: string | Mem): Mem {
  return typeof name === "string" ? cString(name) : name;
}

/** One open file of the device. */
export class UdiagFile implements Disposable {
  readonly fd: number;
  #closed = false;

  private constructor(fd: number) {
    this.fd = fd;
  }

  /** open(2) of the device; the kernel's refusal (EACCES, ENOENT, …) is a value. */
  static open(
    path: string = DEVICE_PATH,
    flags: number = O_RDWR | O_CLOEXEC,
  ): SysResult<UdiagFile> {
    const r = sysOpen(path, flags);
    return r.ok ? { ok: true, value: new UdiagFile(r.value) } : r;
  }

  /** A descriptor this process got another way: inherited, or received with SCM_RIGHTS. */
  static adopt(fd: number): UdiagFile {
    return new UdiagFile(fd);
  }

  /** Like {@linkcode UdiagFile.open} but throws: for fixtures that need the device. */
  static openOrThrow(path: string = DEVICE_PATH): UdiagFile {
    const r = UdiagFile.open(path);
    if (r.ok) return r.value;
    if (r.errno === "ENOENT") throw new DeviceMissingError(path);
    throw new Error(`Cannot open "${path}": ${r.errno}`);
  }

  /** `ioctl(DIAG_IOCSREG, name)`: the event's page index. */
  register(name: string | Mem): SysResult<number> {
    return sysIoctl(this.fd, DIAG_IOCSREG, nameArg(name));
  }

  /** `ioctl(DIAG_IOCSDEL, name)`. */
  delete(name: string | Mem): SysResult<number> {
    return sysIoctl(this.fd, DIAG_IOCSDEL, nameArg(name));
  }

  /** Any ioctl on this file (for raw fuzzing). */
  ioctl(request: number | bigint, arg: Mem | number): SysResult<number> {
    return sysIoctl(this.fd, request, arg);
  }

  /** write(2) of a payload. */
  write(data: Mem, len?: number | bigint): SysResult<number> {
    return len === undefined ? sysWrite(this.fd, data) : sysWrite(this.fd, data, len);
  }

  /** pwrite(2) of a payload at an offset. */
  pwrite(data: Mem, offset: number | bigint, len?: number | bigint): SysResult<number> {
    return len === undefined
      ? sysPwrite(this.fd, data, offset)
      : sysPwrite(this.fd, data, offset, len);
  }

  /** writev(2). */
  writev(segments: readonly IoSegment[]): SysResult<number> {
    return sysWritev(this.fd, segments);
  }

  /** mmap(2) of the enable page with the given protection and flags. */
  mapPage(
    opts: { prot?: number; flags?: number; length?: number; offset?: number } = {},
  ): SysResult<EnablePage> {
    const length = opts.length ?? pageSize();
    const r = sysMmap(
      length,
      opts.prot ?? PROT_READ,
      opts.flags ?? MAP_SHARED,
      this.fd,
      opts.offset ?? 0,
    );
    return r.ok ? { ok: true, value: new EnablePage(r.value) } : r;
  }

  /** close(2); later calls return EBADF from the kernel as usual. */
  close(): SysResult<number> {
    this.#closed = true;
    return sysClose(this.fd);
  }

  [Symbol.dispose](): void {
    if (!this.#closed) this.close();
  }
}

/** The mapped enable page: byte `index` is 1 while event `index` is traced. */
export class EnablePage implements Disposable {
  readonly mapping: Mapping;
  #unmapped = false;
  /** The page itself as bytes, made at the first read (no copy, no pointer object per read). */
  #view: Uint8Array | undefined;

  constructor(mapping: Mapping) {
    this.mapping = mapping;
  }

  /** The enable byte of an index. */
  byte(index: number): number {
    if (index < 0 || index >= this.mapping.length) {
      throw new RangeError(`Index ${index} is outside the ${this.mapping.length}-byte page`);
    }
    // A recorded read goes through peek() so the C replay reads it too.
    if (recording()) return peek(this.mapping.address + BigInt(index), 1)[0]!;
    this.#view ??= new Uint8Array(
      Deno.UnsafePointerView.getArrayBuffer(
        Deno.UnsafePointer.create(this.mapping.address)!,
        this.mapping.length,
      ),
    );
    return this.#view[index]!;
  }

  /** A copy of the whole page. */
  bytes(): Uint8Array {
    return peek(this.mapping.address, this.mapping.length);
  }

  /** mprotect(2) of the mapping. */
  protect(prot: number): SysResult<number> {
    return sysMprotect(this.mapping.address, this.mapping.length, prot);
  }

  /** munmap(2). */
  unmap(): SysResult<number> {
    this.#unmapped = true;
    return sysMunmap(this.mapping.address, this.mapping.length);
  }

  [Symbol.dispose](): void {
    if (!this.#unmapped) this.unmap();
  }
}
