/**
 * The udiag ABI as a pure state machine: the fuzzers' oracle.
 *
 * Fuzz commands apply each operation to a {@linkcode UdiagModel} and to the
 * real `/dev/udiag`, then compare the two {@linkcode SysResult}s with
 * `assert.deepEqual`, so every result here is shaped exactly as the harness
 * returns it: `{ ok: true, value }` or `{ ok: false, errno: "EBUSY" }`.
 *
 * The authority is the RFC patch (`abi/udiag/rfc/000_aa391f59f6e4613c.txt`); each
 * rule names the RFC function it comes from. Where the RFC is unsafe or says
 * nothing, the rule is marked "Our interpretation" and says why: a kernel
 * that follows the RFC there differs from this model, and that difference is
 * a finding against the RFC.
 *
 * Scope, kept smaller than the kernel on purpose:
 * - handles are `/dev/udiag` files opened `O_RDWR` by the fuzzing process;
 * - allocation failures (ENOMEM, ENODEV in register_diag_event) are not
 *   modelled: with fault injection on, the model is no oracle;
 * - arguments outside a method's documented domain throw a `RangeError`
 *   (a harness bug, never a kernel answer).
 *
 * @example
 * ```ts
 * import { UdiagModel } from "./model.ts";
 * const m = new UdiagModel({ pageSize: 16 });
 * const h = m.open();
 * const r = m.register(h, "e1");
 * if (!r.ok || r.value !== 1) throw new Error();
 * const d = m.delete("e1");
 * if (d.ok || d.errno !== "EBUSY") throw new Error();
 * ```
 *
 * @module
 */
import { capacity, MAX_EVENT_NAME, maxTracedPayload, RESERVED_INDEX } from "../abi.ts";
import { fail, ok, type SysResult } from "../../../harness/errno.ts";
import { MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE } from "../../../harness/libc.ts";

/** `MAP_TYPE` of uapi `linux/mman.h`: the bits that choose shared or private. */
const MAP_TYPE = 0x0f;
/** `MAP_SHARED_VALIDATE` of uapi `linux/mman.h`: shared, rejecting unknown flags. */
const MAP_SHARED_VALIDATE = 0x03;

/**
 * Largest payload whose trace records the model predicts: well under what one
 * ftrace ring-buffer sub-page (about 4 KiB with a 4 KiB page) and a perf
 * trace buffer (`PERF_MAX_TRACE_SIZE`, 8 KiB) can hold, beyond which the
 * kernel drops the record.
 *
 * @example
 * ```ts
 * import { MAX_TRACED_PAYLOAD } from "./model.ts";
 * if (MAX_TRACED_PAYLOAD !== 1024) throw new Error();
 * ```
 */
export const MAX_TRACED_PAYLOAD = 1024;

/**
 * A name argument of `DIAG_IOCSREG` / `DIAG_IOCSDEL` as the kernel sees it:
 * - a string: its UTF-8 bytes followed by a NUL;
 * - `{ bytes, terminated: true }`: `bytes` followed by a NUL;
 * - `{ bytes, terminated: false }`: `bytes` ending where an unreadable page
 *   begins (the harness's `GuardedBytes`), so no NUL follows them;
 * - `{ fault: true }`: an address that cannot be read at all (NULL, unmapped).
 *
 * The kernel reads up to the first NUL, so a NUL inside `bytes` ends the name
 * there, terminated.
 *
 * @example
 * ```ts
 * import type { NameArg } from "./model.ts";
 * const long: NameArg = { bytes: new Uint8Array(96).fill(0x61), terminated: true };
 * const bad: NameArg = { fault: true };
 * if (!("bytes" in long) || !("fault" in bad)) throw new Error();
 * ```
 */
export type NameArg =
  | string
  | { readonly bytes: Uint8Array; readonly terminated: boolean }
  | { readonly fault: true };

/**
 * A write(2) buffer: bytes the process owns, or `length` bytes at an unmapped
 * user-space address (it passes `access_ok`, then `copy_from_user` fails).
 *
 * @example
 * ```ts
 * import type { Payload } from "./model.ts";
 * const good: Payload = new Uint8Array([1, 2, 3]);
 * const bad: Payload = { fault: true, length: 8 };
 * if (good.length !== 3 || bad.length !== 8) throw new Error();
 * ```
 */
export type Payload = Uint8Array | {
  readonly fault: true;
  readonly length: number;
};

/**
 * Where a payload is recorded: `"ftrace"` (the tracefs trace buffer, one for
 * all events, read through `trace_pipe`) or a perf id from
 * {@linkcode UdiagModel.perfOpen} (that perf event's ring buffer).
 *
 * @example
 * ```ts
 * import type { Sink } from "./model.ts";
 * const sinks: Sink[] = ["ftrace", 1];
 * if (sinks.length !== 2) throw new Error();
 * ```
 */
export type Sink = "ftrace" | number;

/**
 * One payload the kernel should have put in a sink, in write order.
 *
 * @example
 * ```ts
 * import type { TraceRecord } from "./model.ts";
 * const r: TraceRecord = { name: "e1", sink: "ftrace", data: new Uint8Array([7]) };
 * if (r.data.length !== 1) throw new Error();
 * ```
 */
export interface TraceRecord {
  /** Event the payload was written to. */
  readonly name: string;
  /** Buffer it went to. */
  readonly sink: Sink;
  /** The payload bytes, as written. */
  readonly data: Uint8Array;
}

/**
 * A snapshot of one live event, for tests and fuzzers.
 *
 * @example
 * ```ts
 * import { UdiagModel } from "./model.ts";
 * const m = new UdiagModel();
 * const h = m.open();
 * m.register(h, "e1");
 * const e = m.events().get("e1")!;
 * if (e.index !== 1 || e.handles[0] !== h || e.ftrace || e.perf.length) throw new Error();
 * ```
 */
export interface EventState {
  /** Its byte in the shared page, 1 … pageSize - 1. */
  readonly index: number;
  /** Open handles registered to it, ascending. */
  readonly handles: readonly number[];
  /** Whether tracefs `events/udiag/<name>/enable` is 1. */
  readonly ftrace: boolean;
  /** Open perf ids on it, ascending. */
  readonly perf: readonly number[];
}

/**
 * An mmap(2) of a `/dev/udiag` handle; `offset` defaults to 0.
 *
 * Domain: `length` an integer in 0 … 2^24 (bigger ones may be ENOMEM,
 * depending on the guest's memory), `offset` in 0 … 2^31 - 1, `prot` a subset of
 * `PROT_READ | PROT_WRITE` (whether `PROT_EXEC` works depends on the mount's
 * `noexec`), `flags` only `MAP_TYPE` bits (`MAP_FIXED`, `MAP_ANONYMOUS` and
 * the like are not a mapping of this device).
 *
 * @example
 * ```ts
 * import type { MmapRequest } from "./model.ts";
 * const req: MmapRequest = { length: 4096, prot: 1, flags: 1 };
 * if (req.offset !== undefined) throw new Error();
 * ```
 */
export interface MmapRequest {
  readonly length: number;
  readonly prot: number;
  readonly flags: number;
  readonly offset?: number;
}

/** What the model keeps per live event. */
interface LiveEvent {
  readonly name: string;
  readonly index: number;
  readonly handles: Set<number>;
  ftrace: boolean;
  readonly perf: Set<number>;
}

const ENCODER = new TextEncoder();

/** Largest length or offset the domain allows: `INT_MAX`. */
const DOMAIN_MAX = 2 ** 31 - 1;
/**
 * Longest mmap the domain allows: bigger ones can fail with ENOMEM in the mm
 * core (overcommit accounting of a private writable mapping) before the
 * driver runs, depending on the guest's memory.
 */
const MMAP_LENGTH_MAX = 2 ** 24;

function checkDomain(what: string, n: number, max = DOMAIN_MAX): void {
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new RangeError(
      `Cannot model ${what} ${n}: outside the model's domain 0 … ${max}`,
    );
  }
}

/**
 * RFC diag_dev_ioctl copies the name with `strndup_user(ubuf, MAX_EVENT_NAME)`:
 * `strnlen_user` reads at most 96 bytes looking for a NUL and counts it.
 */
function copyName(arg: NameArg): SysResult<Uint8Array> {
  if (typeof arg === "string") {
    arg = { bytes: ENCODER.encode(arg), terminated: true };
  }
  // RFC diag_dev_ioctl (strndup_user): an unreadable pointer is EFAULT.
  if ("fault" in arg) return fail("EFAULT");
  const nul = arg.bytes.indexOf(0);
  const body = nul >= 0 ? arg.bytes.subarray(0, nul) : arg.bytes;
  // RFC diag_dev_ioctl (strndup_user): no NUL within the first 96 bytes,
  // i.e. length with its NUL > 96, is EINVAL, whatever follows them.
  if (body.length >= MAX_EVENT_NAME) return fail("EINVAL");
  // RFC diag_dev_ioctl (strndup_user): strnlen_user runs into the unreadable
  // page before it finds a NUL or reads 96 bytes, and reports a fault.
  if (nul < 0 && !arg.terminated) return fail("EFAULT");
  return ok(body);
}

function isNameByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) || b === 0x5f;
}

/**
 * Our interpretation: an event name is 1 … 95 bytes of `[A-Za-z0-9_]`. The
 * RFC (register_diag_event) accepts any bytes, but "" or "a/b" cannot be a
 * tracefs directory under `events/udiag/` nor an event name that filters and
 * perf can address: a finding against the RFC.
 */
function eventName(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0 || !bytes.every(isNameByte)) return undefined;
  return String.fromCharCode(...bytes);
}

/** Tracer methods take a name that is a safe tracefs path component. */
function checkTracerName(name: string): void {
  if (!/^[A-Za-z0-9_]+$/.test(name) || name.length >= MAX_EVENT_NAME) {
    throw new RangeError(
      `Cannot model tracing of "${name}": not an event name, its tracefs path would mean another file`,
    );
  }
}

/**
 * What mmap(2) of a `/dev/udiag` handle returns: `ok(length)` (the harness's
 * `Mapping.length`; the address is the kernel's choice) or the errno. Checks
 * in kernel order: the syscall entry and `do_mmap` first, then the driver.
 *
 * @example
 * ```ts
 * import { mmapResult } from "./model.ts";
 * const r = mmapResult({ length: 4097, prot: 1, flags: 1 }, 4096);
 * if (r.ok || r.errno !== "EFAULT") throw new Error();
 * ```
 */
export function mmapResult(
  req: MmapRequest,
  pageSize = 4096,
): SysResult<number> {
  const { length, prot, flags, offset = 0 } = req;
  checkDomain("mmap length", length, MMAP_LENGTH_MAX);
  checkDomain("mmap offset", offset);
  if ((prot & ~(PROT_READ | PROT_WRITE)) !== 0) {
    throw new RangeError(
      `Cannot model mmap with prot ${prot}: only PROT_READ and PROT_WRITE are in the domain`,
    );
  }
  if ((flags & ~MAP_TYPE) !== 0) {
    throw new RangeError(
      `Cannot model mmap with flags ${flags}: only MAP_TYPE bits are in the domain`,
    );
  }
  // mm core (x86 sys_mmap): an offset that is not page-aligned is EINVAL.
  if (offset % pageSize !== 0) return fail("EINVAL");
  // mm core (do_mmap): length 0 is EINVAL before any driver runs.
  if (length === 0) return fail("EINVAL");
  // mm core (do_mmap): a map type other than shared, private or
  // shared-validate is EINVAL.
  const type = flags & MAP_TYPE;
  if (
    type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE
  ) {
    return fail("EINVAL");
  }
  // RFC diag_dev_mmap: the VMA (length rounded up to a page) must be exactly
  // PAGE_SIZE (MAX_PROVIDERS), else EFAULT (the RFC's errno).
  if (Math.ceil(length / pageSize) * pageSize !== pageSize) {
    return fail("EFAULT");
  }
  // Our interpretation: there is one page, so a nonzero offset is EINVAL. RFC
  // diag_dev_mmap ignores vm_pgoff and maps page 0 anyway: a finding.
  if (offset !== 0) return fail("EINVAL");
  // Our interpretation: the page is kernel memory every process shares, so a
  // writable mapping is EPERM. RFC diag_dev_mmap maps it PAGE_READONLY but
  // lets a PROT_WRITE mmap through: a finding.
  if ((prot & PROT_WRITE) !== 0) return fail("EPERM");
  return ok(length);
}

/**
 * What mprotect(2) on a mapping {@linkcode mmapResult} allowed returns:
 * `ok(0)`, or EACCES when it asks for PROT_WRITE. Domain: `prot` a subset of
 * `PROT_READ | PROT_WRITE`.
 *
 * @example
 * ```ts
 * import { mprotectResult } from "./model.ts";
 * const r = mprotectResult(3);
 * if (r.ok || r.errno !== "EACCES" || !mprotectResult(0).ok) throw new Error();
 * ```
 */
export function mprotectResult(prot: number): SysResult<number> {
  if ((prot & ~(PROT_READ | PROT_WRITE)) !== 0) {
    throw new RangeError(
      `Cannot model mprotect with prot ${prot}: only PROT_READ and PROT_WRITE are in the domain`,
    );
  }
  // Our interpretation (diag_dev_mmap clears VM_MAYWRITE): mm core
  // mprotect_fixup refuses to add PROT_WRITE with EACCES. The RFC leaves
  // VM_MAYWRITE set, so a read-only mapping can be made writable: a finding.
  if ((prot & PROT_WRITE) !== 0) return fail("EACCES");
  return ok(0);
}

/**
 * Reference model of `/dev/udiag`, its events, tracers and shared page.
 *
 * @example
 * ```ts
 * import { UdiagModel } from "./model.ts";
 * const m = new UdiagModel({ pageSize: 16 });
 * const h = m.open();
 * m.register(h, "e1");
 * m.ftraceEnable("e1");
 * if (m.enableByte(1) !== 1 || m.capacity !== 15) throw new Error();
 * ```
 */
export class UdiagModel {
  /** `PAGE_SIZE`: the shared page's size and `MAX_PROVIDERS`. */
  readonly pageSize: number;
  /** How many events can live at once: pageSize - 1 (index 0 is reserved). */
  readonly capacity: number;
  /** Largest payload a write to a traced event may carry; longer ones are E2BIG. */
  readonly tracedMax: number;

  #events = new Map<string, LiveEvent>();
  // byIndex[i] is the live event whose page byte is i (find_first_zero_bit's view).
  #byIndex: (LiveEvent | undefined)[];
  // Open handle → the event name it registered, or null.
  #handles = new Map<number, string | null>();
  // Open perf id → the event name it traces.
  #perf = new Map<number, string>();
  // Open perf id with an eBPF program attached → the last record the program
  // was given since (undefined: none yet; null: one the model cannot promise).
  #bpf = new Map<number, TraceRecord | null | undefined>();
  // Pending records per sink; null = a write the model cannot predict.
  #records = new Map<Sink, TraceRecord[] | null>([["ftrace", []]]);
  #nextHandle = 1;
  #nextPerf = 1;

  /** A model of a freshly loaded device: no events, an all-zero page. */
  constructor(
    { pageSize = 4096, tracedMax = maxTracedPayload(pageSize) }: {
      pageSize?: number;
      /** Largest traced payload (abi.ts maxTracedPayload): a model of a tiny page sets it apart. */
      tracedMax?: number;
    } = {},
  ) {
    if (!Number.isInteger(pageSize) || pageSize < 1) {
      throw new RangeError(
        `Cannot model page size ${pageSize}: not a positive integer`,
      );
    }
    this.pageSize = pageSize;
    this.tracedMax = tracedMax;
    this.capacity = capacity(pageSize);
    this.#byIndex = new Array(pageSize).fill(undefined);
  }

  /** An independent copy, e.g. a fresh model per fast-check run. */
  clone(): UdiagModel {
    const m = new UdiagModel({ pageSize: this.pageSize, tracedMax: this.tracedMax });
    for (const e of this.#events.values()) {
      const copy: LiveEvent = {
        name: e.name,
        index: e.index,
        handles: new Set(e.handles),
        ftrace: e.ftrace,
        perf: new Set(e.perf),
      };
      m.#events.set(copy.name, copy);
      m.#byIndex[copy.index] = copy;
    }
    m.#handles = new Map(this.#handles);
    m.#perf = new Map(this.#perf);
    m.#bpf = new Map(this.#bpf);
    // Records' data are never mutated, so the arrays can be shared.
    m.#records = new Map(
      [...this.#records].map(([s, rs]) => [s, rs && [...rs]]),
    );
    m.#nextHandle = this.#nextHandle;
    m.#nextPerf = this.#nextPerf;
    return m;
  }

  /** open(2) of `/dev/udiag`: a new handle id, never reused. */
  open(): number {
    const h = this.#nextHandle++;
    this.#handles.set(h, null);
    return h;
  }

  /** close(2): drops the handle's hold on its event; `ok(0)` or EBADF. */
  close(h: number): SysResult<number> {
    // VFS: a closed or never-opened fd is EBADF.
    if (!this.#handles.has(h)) return fail("EBADF");
    const name = this.#handles.get(h);
    // RFC diag_dev_release: the file's reference on its event goes away.
    if (name) this.#events.get(name)!.handles.delete(h);
    this.#handles.delete(h);
    return ok(0);
  }

  /** ioctl(h, DIAG_IOCSREG, name): the event's page index (≥ 1), or the errno. */
  register(h: number, name: NameArg): SysResult<number> {
    // VFS: ioctl on a closed fd is EBADF before the driver runs.
    if (!this.#handles.has(h)) return fail("EBADF");
    const copied = copyName(name);
    if (!copied.ok) return copied;
    // RFC diag_dev_ioctl: a second DIAG_IOCSREG on one file is EMFILE, even
    // for the name it already holds, checked before the name itself.
    if (this.#handles.get(h) !== null) return fail("EMFILE");
    // Our interpretation (see eventName): checked after EMFILE, where a fixed
    // register_diag_event would do it.
    const key = eventName(copied.value);
    if (key === undefined) return fail("EINVAL");
    // RFC register_diag_event: an existing name is found, not created: same
    // index, and this file now holds it too.
    let e = this.#events.get(key);
    if (!e) {
      // RFC register_diag_event: lowest free bit (find_first_zero_bit; bit 0
      // is set at init), EMFILE when all are taken.
      const index = this.#byIndex.indexOf(undefined, RESERVED_INDEX + 1);
      if (index < 0) return fail("EMFILE");
      // The page byte of a new event starts at 0: destroy_diag_event zeroed
      // it when the index was last freed, and no tracer is attached yet.
      e = {
        name: key,
        index,
        handles: new Set(),
        ftrace: false,
        perf: new Set(),
      };
      this.#events.set(key, e);
      this.#byIndex[index] = e;
    }
    e.handles.add(h);
    this.#handles.set(h, key);
    return ok(e.index);
  }

  /** ioctl(any handle, DIAG_IOCSDEL, name): `ok(0)` or the errno. */
  delete(name: NameArg): SysResult<number> {
    const copied = copyName(name);
    if (!copied.ok) return copied;
    // RFC delete_diag_event: an unknown name is ENOENT; a name with bytes
    // outside [A-Za-z0-9_] can never be registered here, so it is unknown.
    const key = eventName(copied.value);
    const e = key === undefined ? undefined : this.#events.get(key);
    if (!e) return fail("ENOENT");
    // RFC delete_diag_event: refs counts files (diag_dev_ioctl) and tracers
    // (diag_event_reg), and any of them makes it EBUSY.
    if (e.handles.size > 0 || e.ftrace || e.perf.size > 0) return fail("EBUSY");
    // RFC destroy_diag_event: the page byte is zeroed and the bit cleared, so
    // the index is free for the next registration.
    this.#events.delete(e.name);
    this.#byIndex[e.index] = undefined;
    return ok(0);
  }

  /**
   * pwrite(h, payload, offset) (write(2) when `offset` is 0): the byte count
   * or the errno. While the event is traced, each sink's expected records get
   * the payload. Domain: `offset` a safe integer, length 0 …
   * `MAX_RW_COUNT` (`INT_MAX & PAGE_MASK`; VFS clips longer writes).
   */
  write(h: number, payload: Payload, offset = 0): SysResult<number> {
    const length = payload.length;
    checkDomain(
      "write length",
      length,
      Math.floor(DOMAIN_MAX / this.pageSize) * this.pageSize,
    );
    if (!Number.isSafeInteger(offset)) {
      throw new RangeError(
        `Cannot model write offset ${offset}: not a safe integer`,
      );
    }
    // VFS (ksys_pwrite64): a negative offset is EINVAL, before the fd lookup.
    if (offset < 0) return fail("EINVAL");
    // VFS: a closed fd is EBADF.
    if (!this.#handles.has(h)) return fail("EBADF");
    // RFC diag_dev_write: offset != 0 or count 0 is EFAULT, checked first.
    if (offset !== 0 || length === 0) return fail("EFAULT");
    // RFC diag_dev_write: a file with no event is ENOENT.
    const name = this.#handles.get(h);
    if (!name) return fail("ENOENT");
    const e = this.#events.get(name)!;
    // Our reading (abi.ts maxTracedPayload): a traced record no sink can hold
    // whole is refused; the RFC returns the count and drops it.
    if ((e.ftrace || e.perf.size > 0) && length > this.tracedMax) {
      return fail("E2BIG");
    }
    const sinks: Sink[] = [
      ...(e.ftrace ? ["ftrace" as const] : []),
      ...e.perf,
    ];
    // Our reading (UD-WR-005): a traced payload that cannot be read is
    // EFAULT. The RFC drops it (copy_from_user fails, nothing is committed)
    // and returns the count, leaving the reserved ring-buffer slot and perf
    // recursion context behind: records that go missing afterwards are a
    // finding, not noise.
    if (!(payload instanceof Uint8Array)) return sinks.length ? fail("EFAULT") : ok(length);
    for (const sink of sinks) this.#record(sink, name, payload);
    // RFC diag_dev_write: nobody traces the event, nothing reads the payload.
    return ok(length);
  }

  #record(sink: Sink, name: string, payload: Uint8Array): void {
    // The perf event's program runs on every record it gets, drained or not.
    if (typeof sink === "number" && this.#bpf.has(sink)) {
      this.#bpf.set(
        sink,
        payload.length > MAX_TRACED_PAYLOAD ? null : { name, sink, data: payload.slice() },
      );
    }
    const rs = this.#records.get(sink);
    if (rs === null || rs === undefined) return;
    // Too big for the model to promise: the kernel may drop it (see
    // MAX_TRACED_PAYLOAD), so this sink is unknown until it is drained.
    if (payload.length > MAX_TRACED_PAYLOAD) {
      this.#records.set(sink, null);
      return;
    }
    rs.push({ name, sink, data: payload.slice() });
  }

  /**
   * Writes 1 to tracefs `events/udiag/<name>/enable`: `ok(0)`, or ENOENT for
   * an unknown event. Enabling twice is one enable.
   */
  ftraceEnable(name: string): SysResult<number> {
    checkTracerName(name);
    const e = this.#events.get(name);
    // tracefs: no event, no directory.
    if (!e) return fail("ENOENT");
    // RFC diag_event_reg (TRACE_REG_REGISTER): the tracer holds the event
    // and the page byte becomes 1; ftrace registers a file once.
    e.ftrace = true;
    return ok(0);
  }

  /** Writes 0 to tracefs `events/udiag/<name>/enable`: `ok(0)` or ENOENT. */
  ftraceDisable(name: string): SysResult<number> {
    checkTracerName(name);
    const e = this.#events.get(name);
    if (!e) return fail("ENOENT");
    // RFC diag_event_reg (TRACE_REG_UNREGISTER): the hold goes away; the
    // trace buffer keeps what was recorded.
    e.ftrace = false;
    return ok(0);
  }

  /**
   * perf_event_open(2) on tracepoint `udiag:<name>` for this process, every
   * event sampled with its raw data: a new perf id, or ENOENT.
   */
  perfOpen(name: string): SysResult<number> {
    checkTracerName(name);
    const e = this.#events.get(name);
    // tracefs: no `events/udiag/<name>/id` to open by.
    if (!e) return fail("ENOENT");
    // RFC diag_event_reg (TRACE_REG_PERF_REGISTER): the event is held and
    // enabled while any perf event is open on it.
    const id = this.#nextPerf++;
    e.perf.add(id);
    this.#perf.set(id, name);
    this.#records.set(id, []);
    return ok(id);
  }

  /** close(2) of a perf event: `ok(0)` or EBADF; its records are gone. */
  perfClose(id: number): SysResult<number> {
    const name = this.#perf.get(id);
    if (name === undefined) return fail("EBADF");
    // RFC diag_event_reg (TRACE_REG_PERF_UNREGISTER): perf unregisters
    // when its last event on the tracepoint closes; then the hold and the
    // page byte go away.
    this.#events.get(name)!.perf.delete(id);
    this.#perf.delete(id);
    this.#bpf.delete(id); // perf_event_free_bpf_prog: the program goes with its event
    this.#records.delete(id);
    return ok(0);
  }

  /**
   * PERF_EVENT_IOC_SET_BPF of a tracepoint program on open perf event `id`:
   * `ok(0)`, EEXIST when it has one (perf_event_attach_bpf_prog), EBADF when
   * `id` is not open. The program runs on every record the event makes for
   * perf while it is attached, so it sees what that perf event's buffer gets.
   */
  bpfAttach(id: number): SysResult<number> {
    if (!this.#perf.has(id)) return fail("EBADF");
    if (this.#bpf.has(id)) return fail("EEXIST");
    this.#bpf.set(id, undefined);
    return ok(0);
  }

  /** Open perf ids with an eBPF program attached. */
  bpfIds(): number[] {
    return [...this.#bpf.keys()];
  }

  /**
   * The last record perf event `id`'s program was given since it was
   * attached: undefined when none (or no program), null when the model
   * cannot promise it (a payload over {@linkcode MAX_TRACED_PAYLOAD}).
   */
  bpfLast(id: number): TraceRecord | null | undefined {
    return this.#bpf.get(id);
  }

  /** The event open perf event `id` traces, or undefined. */
  perfEvent(id: number): string | undefined {
    return this.#perf.get(id);
  }

  /**
   * Records a sink should hold now, oldest first; `null` when a payload over
   * {@linkcode MAX_TRACED_PAYLOAD} went there since it was last drained. An
   * unknown sink has none. Assumes the buffer is drained before it overflows.
   */
  expectedRecords(sink: Sink): readonly TraceRecord[] | null {
    const rs = this.#records.get(sink);
    return rs === null ? null : [...(rs ?? [])];
  }

  /** Like {@linkcode expectedRecords}, then forgets them: a drained buffer is known empty. */
  takeRecords(sink: Sink): readonly TraceRecord[] | null {
    const rs = this.expectedRecords(sink);
    if (this.#records.has(sink)) this.#records.set(sink, []);
    return rs;
  }

  /**
   * The shared page's byte at `index` (0 … pageSize - 1): 1 while the event
   * there is traced, else 0; 0 at index 0 and at free indexes.
   */
  enableByte(index: number): number {
    checkDomain("page index", index, this.pageSize - 1);
    const e = this.#byIndex[index];
    // RFC update_reg_page_for: 1 iff the tracepoint has a probe (ftrace or
    // perf); destroy_diag_event zeroes a freed index; index 0 is never used.
    return e && (e.ftrace || e.perf.size > 0) ? 1 : 0;
  }

  /** A copy of the whole shared page. */
  page(): Uint8Array {
    const out = new Uint8Array(this.pageSize);
    for (const e of this.#events.values()) {
      out[e.index] = this.enableByte(e.index);
    }
    return out;
  }

  /** Live events by name, in index order. */
  events(): ReadonlyMap<string, EventState> {
    const byIndex = [...this.#events.values()].sort((a, b) => a.index - b.index);
    return new Map(byIndex.map((e) => [e.name, {
      index: e.index,
      handles: [...e.handles].sort((a, b) => a - b),
      ftrace: e.ftrace,
      perf: [...e.perf].sort((a, b) => a - b),
    }]));
  }

  /** Names of live events, in index order. */
  names(): string[] {
    return [...this.events().keys()];
  }

  /** How many more events fit: capacity - live events. */
  freeCount(): number {
    return this.capacity - this.#events.size;
  }

  /** Open handles, ascending. */
  handles(): number[] {
    return [...this.#handles.keys()];
  }

  /** Open perf ids, ascending. */
  perfIds(): number[] {
    return [...this.#perf.keys()];
  }

  /** The event name handle `h` registered, or undefined (none, or not open). */
  handleEvent(h: number): string | undefined {
    return this.#handles.get(h) ?? undefined;
  }

  /** {@linkcode mmapResult} with this model's page size. */
  mmapResult(req: MmapRequest): SysResult<number> {
    return mmapResult(req, this.pageSize);
  }

  /** {@linkcode mprotectResult}. */
  mprotectResult(prot: number): SysResult<number> {
    return mprotectResult(prot);
  }
}
