/**
 * Typed syscalls: each returns a {@linkcode SysResult} with the errno the
 * kernel returned in the same native call (`rawsys.ts`), never a thrown string.
 *
 * Memory arguments are a `Uint8Array` (its own bytes) or a `bigint` (a raw
 * address, valid or not), so the same calls serve tests and fuzzers.
 *
 * @module
 */
import { errnoName, fail, ok, type SysResult } from "./errno.ts";
import {
  isErrorReturn,
  NR,
  rawSyscall,
  rawSyscallBuf,
  rawSyscallBufInt,
  rawSyscallFdBuf,
  rawSyscallInt,
} from "./rawsys.ts";
import {
  buf,
  int,
  out,
  ptr,
  recordCall,
  recording,
  recordPeek,
  recordPoke,
} from "./ctrace/record.ts";
import type { TraceArg } from "./ctrace/trace.ts";
import { libc, MAP_ANONYMOUS, MAP_PRIVATE, PROT_NONE, PROT_READ, PROT_WRITE } from "./libc.ts";

/** A user buffer: bytes we own, or a raw address for bad-pointer cases. */
export type Mem = Uint8Array | bigint;

/** Address of a memory argument, as the kernel will see it. */
export function addressOf(mem: Mem): bigint {
  if (typeof mem === "bigint") return mem;
  return Deno.UnsafePointer.value(Deno.UnsafePointer.of(mem as Uint8Array<ArrayBuffer>));
}

// Every call goes through the raw stub: the result or -errno in one native call.
function result(ret: bigint): SysResult<number> {
  return isErrorReturn(ret) ? fail(errnoName(Number(-ret))) : ok(Number(ret));
}

/** {@linkcode result} of a 32-bit one ({@linkcode rawSyscallBufInt}). */
function resultInt(ret: number): SysResult<number> {
  return ret < 0 && ret >= -4095 ? fail(errnoName(-ret)) : ok(ret);
}

/** Our bytes at argument 2 or 3: the 32-bit call when the arguments fit, else the 64-bit one. */
function bufCall(
  nr: number,
  at: 2 | 3,
  buf: Uint8Array,
  a: number | bigint,
  b: number | bigint,
): SysResult<number> {
  const r = rawSyscallBufInt(nr, at, buf, a, b);
  return r !== null ? resultInt(r) : result(rawSyscallBuf(nr, at, buf, a, b));
}

/**
 * Makes a system call in place of the raw stub, or declines (null); set by
 * harness/faults/failnth.ts to arm fault injection for one call.
 */
export type SyscallHook = (nr: number, args: readonly bigint[]) => bigint | null;

let hook: SyscallHook | null = null;

/** Sets (or, with null, removes) the {@linkcode SyscallHook}; returns the one it replaces. */
export function setSyscallHook(h: SyscallHook | null): SyscallHook | null {
  const was = hook;
  hook = h;
  return was;
}

function call(nr: number, args: readonly (number | bigint)[]): bigint {
  if (hook) {
    const r = hook(nr, args.map((x) => BigInt.asIntN(64, BigInt(x))));
    if (r !== null) return r;
  }
  return rawSyscall(nr, ...args);
}

function sys(nr: number, ...args: (number | bigint)[]): SysResult<number> {
  const r = hook === null ? rawSyscallInt(nr, args) : null;
  return r !== null ? resultInt(r) : result(call(nr, args));
}

/**
 * Whether a call on `mem` takes the fast path ({@linkcode rawSyscallBuf}):
 * our own bytes, nothing recording and no hook to see the call. An empty
 * array only with a length of 0 (`len`), where the kernel reads nothing at
 * the address: which address V8 gives an empty array is its choice.
 */
function fast(mem: Mem, len?: number | bigint): mem is Uint8Array {
  return hook === null && typeof mem !== "bigint" &&
    (mem.length > 0 || len === 0 || len === 0n) && !recording();
}

/**
 * Whether a read or write of `len` bytes of `mem` on `fd` takes the shortest
 * path ({@linkcode fdBufCall}): {@linkcode fast}, with `fd` and `len` 32-bit.
 */
function fastFdBuf(fd: number, mem: Mem, len: number): mem is Uint8Array {
  return (fd | 0) === fd && (len | 0) === len && len >= 0 && fast(mem, len);
}

/**
 * {@linkcode rawSyscallFdBuf} and its result, with nothing between them: a
 * 64-byte write through {@linkcode bufCall} took 0.59 µs more than the bare
 * call under TCG, this way 0.13 µs (a guest probe, 2026-12-05).
 */
function fdBufCall(nr: number, fd: number, mem: Uint8Array, len: number): SysResult<number> {
  const r = rawSyscallFdBuf(nr, fd, mem, len);
  return r < 0 && r >= -4095 ? fail(errnoName(-r)) : { ok: true, value: r };
}

/**
 * {@linkcode sys}, recorded (harness/ctrace): `traced` describes the
 * arguments, and runs only while recording (memory is copied before the call).
 */
function sysTraced(
  name: string,
  traced: () => TraceArg[],
  nr: number,
  ...args: (number | bigint)[]
): SysResult<number> {
  if (!recording()) return sys(nr, ...args);
  const targs = traced();
  const ret = call(nr, args);
  recordCall(name, nr, targs, ret);
  return result(ret);
}

/** A memory argument as recorded: our bytes, or a raw address. */
function memArg(m: Mem): TraceArg {
  return typeof m === "bigint" ? ptr(m) : buf(m, addressOf(m));
}

/** NUL-terminated bytes of a string. */
export function cString(s: string): Uint8Array {
  const body = new TextEncoder().encode(s);
  const out = new Uint8Array(body.length + 1);
  out.set(body);
  return out;
}

/** open(2). */
export function sysOpen(
  path: string | Mem,
  flags: number,
  mode = 0,
): SysResult<number> {
  const p = typeof path === "string" ? cString(path) : path;
  if (fast(p)) return result(rawSyscallBuf(NR.open, 1, p, flags, mode));
  return sysTraced(
    "open",
    () => [memArg(p), int(flags), int(mode)],
    NR.open,
    addressOf(p),
    flags,
    mode,
  );
}

/** close(2). */
export function sysClose(fd: number): SysResult<number> {
  return sysTraced("close", () => [int(fd)], NR.close, fd);
}

/** read(2) into `buf` (or `len` bytes at a raw address). */
export function sysRead(
  fd: number,
  buf: Mem,
  len = typeof buf === "bigint" ? 0 : buf.length,
): SysResult<number> {
  if (fastFdBuf(fd, buf, len)) return fdBufCall(NR.read, fd, buf, len);
  if (fast(buf, len)) return bufCall(NR.read, 2, buf, fd, len);
  return sysTraced(
    "read",
    () => [int(fd), out(len, addressOf(buf)), int(len)],
    NR.read,
    fd,
    addressOf(buf),
    BigInt(len),
  );
}

/** write(2) of `buf` (or `len` bytes at a raw address). */
export function sysWrite(
  fd: number,
  buf: Mem,
  len: number | bigint = typeof buf === "bigint" ? 0 : buf.length,
): SysResult<number> {
  if (typeof len === "number" && fastFdBuf(fd, buf, len)) {
    return fdBufCall(NR.write, fd, buf, len);
  }
  if (fast(buf, len)) return bufCall(NR.write, 2, buf, fd, len);
  return sysTraced(
    "write",
    () => [int(fd), lenArg(buf, len), int(len)],
    NR.write,
    fd,
    addressOf(buf),
    BigInt(len),
  );
}

/** pread(2) into `buf` at `offset`: a file re-read without reopening it. */
export function sysPread(fd: number, buf: Uint8Array, offset: number): SysResult<number> {
  return result(rawSyscallBuf(NR.pread64, 2, buf, fd, buf.length, offset));
}

/** pwrite(2) at `offset`. */
export function sysPwrite(
  fd: number,
  buf: Mem,
  offset: number | bigint,
  len: number | bigint = typeof buf === "bigint" ? 0 : buf.length,
): SysResult<number> {
  if (fast(buf, len)) return result(rawSyscallBuf(NR.pwrite64, 2, buf, fd, len, offset));
  return sysTraced(
    "pwrite64",
    () => [int(fd), lenArg(buf, len), int(len), int(offset)],
    NR.pwrite64,
    fd,
    addressOf(buf),
    BigInt(len),
    BigInt(offset),
  );
}

/**
 * Opens `path` with `flags`, writes `text` in one write(2) and closes it: how
 * tracefs and sysctl files take a command, with the errno of the step that
 * failed (the write's errno is the kernel's verdict on the command).
 */
export function sysWriteText(path: string, text: string, flags: number): SysResult<number> {
  const fd = sysOpen(path, flags);
  if (!fd.ok) return fd;
  const r = sysWrite(fd.value, new TextEncoder().encode(text));
  sysClose(fd.value);
  return r;
}

/** One `struct iovec` segment: base and length, possibly bogus. */
export interface IoSegment {
  readonly base: Mem;
  readonly len?: number | bigint;
}

/** writev(2) over segments (an iovec array built here, 16 bytes each). */
export function sysWritev(
  fd: number,
  segments: readonly IoSegment[],
): SysResult<number> {
  const iov = new BigUint64Array(segments.length * 2);
  segments.forEach((s, i) => {
    iov[2 * i] = addressOf(s.base);
    iov[2 * i + 1] = BigInt(
      s.len ?? (typeof s.base === "bigint" ? 0 : s.base.length),
    );
  });
  const bytes = new Uint8Array(iov.buffer);
  return sysTraced(
    "writev",
    () => [
      int(fd),
      {
        iov: segments.map((s, i) => ({
          base: lenArg(s.base, iov[2 * i + 1]!),
          len: String(iov[2 * i + 1]),
        })),
      },
      int(segments.length),
    ],
    NR.writev,
    fd,
    addressOf(bytes),
    segments.length,
  );
}

/**
 * An 8-byte pointer field of a struct argument and what it points to: told
 * to the recorder (harness/ctrace), so a C replay points it at its own copy.
 */
export interface PointerField {
  readonly offset: number;
  readonly target: Mem;
}

/** ioctl(2) with an integer or memory argument (a struct: its `fields` that are pointers). */
export function sysIoctl(
  fd: number,
  request: number | bigint,
  arg: Mem | number = 0n,
  fields: readonly PointerField[] = [],
): SysResult<number> {
  if (typeof arg !== "number" && fast(arg)) return bufCall(NR.ioctl, 3, arg, fd, request);
  const a = typeof arg === "number" ? BigInt(arg) : addressOf(arg);
  const traced = (): TraceArg => {
    if (typeof arg === "number") return int(arg);
    const m = memArg(arg);
    if (!fields.length || !("buf" in m)) return m;
    return { ...m, ptrs: fields.map((f) => ({ off: f.offset, arg: memArg(f.target) })) };
  };
  return sysTraced(
    "ioctl",
    () => [int(fd), int(request), traced()],
    NR.ioctl,
    fd,
    BigInt(request),
    a,
  );
}

/** A mapping returned by {@linkcode sysMmap}. */
export interface Mapping {
  readonly address: bigint;
  readonly length: number;
}

/** mmap(2); `addr` 0n lets the kernel choose. */
export function sysMmap(
  length: number | bigint,
  prot: number,
  flags: number,
  fd: number,
  offset: number | bigint = 0,
  addr: bigint = 0n,
): SysResult<Mapping> {
  const r = rawSyscall(NR.mmap, addr, BigInt(length), prot, flags, fd, BigInt(offset));
  if (recording()) {
    const args = [ptr(addr), int(length), int(prot), int(flags), int(fd), int(offset)];
    recordCall("mmap", NR.mmap, args, r);
  }
  if (isErrorReturn(r)) return fail(errnoName(Number(-r)));
  return ok({ address: BigInt.asUintN(64, r), length: Number(length) });
}

/** munmap(2). */
export function sysMunmap(
  address: bigint,
  length: number | bigint,
): SysResult<number> {
  return sysTraced("munmap", () => [ptr(address), int(length)], NR.munmap, address, BigInt(length));
}

/** mprotect(2). */
export function sysMprotect(
  address: bigint,
  length: number | bigint,
  prot: number,
): SysResult<number> {
  return sysTraced(
    "mprotect",
    () => [ptr(address), int(length), int(prot)],
    NR.mprotect,
    address,
    BigInt(length),
    prot,
  );
}

/** chmod(2). */
export function sysChmod(path: string, mode: number): SysResult<number> {
  const p = cString(path);
  return sysTraced("chmod", () => [memArg(p), int(mode)], NR_CHMOD, addressOf(p), mode);
}

/** chown(2). */
export function sysChown(path: string, uid: number, gid: number): SysResult<number> {
  const p = cString(path);
  return sysTraced(
    "chown",
    () => [memArg(p), int(uid), int(gid)],
    NR_CHOWN,
    addressOf(p),
    uid,
    gid,
  );
}

const NR_CHMOD = 90;
const NR_CHOWN = 92;

/** memfd_create(2). */
export function sysMemfdCreate(name: string, flags = 0): SysResult<number> {
  const n = cString(name);
  return sysTraced(
    "memfd_create",
    () => [memArg(n), int(flags)],
    NR.memfd_create,
    addressOf(n),
    flags,
  );
}

/**
 * A raw syscall(2) by number, for calls libc does not wrap (perf_event_open);
 * a `Uint8Array` argument passes its address (and is recorded as memory).
 * `name` is how a recording names the call.
 */
export function sysRaw(
  nr: number,
  ...args: (number | bigint | Uint8Array)[]
): SysResult<number> {
  const raw = args.map((a) => a instanceof Uint8Array ? addressOf(a) : a);
  return sysTraced(
    RAW_NAMES.get(nr) ?? `nr${nr}`,
    () => args.map((a) => a instanceof Uint8Array ? memArg(a) : int(a)),
    nr,
    ...raw,
  );
}

/**
 * `sched_setaffinity(0, …)`: pins the calling thread to `cpus` (a mask of
 * one 1024-bit `cpu_set_t`, as glibc passes it).
 */
export function sysSchedSetaffinity(cpus: readonly number[]): SysResult<number> {
  const mask = new Uint8Array(128);
  for (const c of cpus) {
    if (!Number.isInteger(c) || c < 0 || c >= mask.length * 8) {
      throw new RangeError(`Invalid CPU ${c}: expected 0..${mask.length * 8 - 1}`);
    }
    mask[c >> 3]! |= 1 << (c & 7);
  }
  return sysRaw(203, 0, mask.length, mask);
}

/** `sched_getaffinity(0, …)`: the CPUs the calling thread may run on. */
export function sysSchedGetaffinity(): SysResult<number[]> {
  const mask = new Uint8Array(128);
  const r = sysRaw(204, 0, mask.length, mask);
  if (!r.ok) return r;
  const cpus: number[] = [];
  for (let c = 0; c < r.value * 8; c++) if (mask[c >> 3]! & (1 << (c & 7))) cpus.push(c);
  return ok(cpus);
}

/** getcpu(2): the CPU the calling thread is running on. */
export function sysGetcpu(): SysResult<number> {
  const cpu = new Uint8Array(4);
  const r = sysRaw(NR.getcpu, cpu, 0, 0);
  return r.ok ? ok(new DataView(cpu.buffer).getUint32(0, true)) : r;
}

/** Names of the calls made through {@linkcode sysRaw}, for recordings. */
const RAW_NAMES: ReadonlyMap<number, string> = new Map([
  [NR.delete_module, "delete_module"],
  [NR.finit_module, "finit_module"],
  [41, "socket"],
  [46, "sendmsg"],
  [47, "recvmsg"],
  [49, "bind"],
  [27, "mincore"],
  [203, "sched_setaffinity"],
  [204, "sched_getaffinity"],
  [NR.getcpu, "getcpu"],
  [298, "perf_event_open"],
]);

/** A buffer argument of `len` bytes: our bytes (as many as the call reads), or a raw address. */
function lenArg(m: Mem, len: number | bigint): TraceArg {
  if (typeof m === "bigint") return ptr(m);
  const n = Number(BigInt(len) < BigInt(m.length) ? BigInt(len) : BigInt(m.length));
  return buf(m.subarray(0, Math.max(0, n)), addressOf(m));
}

/** The page size the kernel uses for mmap. */
export function pageSize(): number {
  return libc().getpagesize();
}

/** Reads `length` bytes at a mapped address (the caller guarantees it is readable). */
export function peek(address: bigint, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  if (length === 0) return bytes;
  Deno.UnsafePointerView.copyInto(Deno.UnsafePointer.create(address)!, bytes);
  recordPeek(address, bytes);
  return bytes;
}

/** Writes bytes at a mapped address (the caller guarantees it is writable). */
export function poke(address: bigint, bytes: Uint8Array): void {
  const view = new Uint8Array(
    Deno.UnsafePointerView.getArrayBuffer(
      Deno.UnsafePointer.create(address)!,
      bytes.length,
    ),
  );
  view.set(bytes);
  recordPoke(address, bytes);
}

/**
 * Bytes placed so that they end exactly where an inaccessible page starts:
 * a kernel that reads one byte past them faults (EFAULT) instead of reading
 * whatever follows. Used for unterminated strings and short buffers.
 */
export class GuardedBytes implements Disposable {
  readonly address: bigint;
  readonly length: number;
  readonly #map: Mapping;

  constructor(bytes: Uint8Array) {
    const page = pageSize();
    const pages = Math.ceil(bytes.length / page) + 1;
    const m = sysMmap(
      pages * page,
      PROT_READ | PROT_WRITE,
      MAP_PRIVATE | MAP_ANONYMOUS,
      -1,
    );
    if (!m.ok) throw new Error(`Cannot map a guard region: ${m.errno}`);
    this.#map = m.value;
    const guard = m.value.address + BigInt((pages - 1) * page);
    const prot = sysMprotect(guard, page, PROT_NONE);
    if (!prot.ok) throw new Error(`Cannot protect the guard page: ${prot.errno}`);
    this.address = guard - BigInt(bytes.length);
    this.length = bytes.length;
    poke(this.address, bytes);
  }

  [Symbol.dispose](): void {
    sysMunmap(this.#map.address, this.#map.length);
  }
}
