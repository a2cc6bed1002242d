/**
 * perf's side of a trace event: `perf_event_open(2)` on a tracepoint (the
 * tracefs event id as `config`), its mmap'ed ring buffer, and the
 * `PERF_RECORD_SAMPLE` records whose `PERF_SAMPLE_RAW` part is the trace
 * record (trace_entry first), decodable with the event's `format` file.
 *
 * The byte layouts (`struct perf_event_attr`, `struct perf_event_mmap_page`,
 * the record header) are pure functions over bytes, so captured ring buffers
 * decode on the host; {@linkcode PerfEvent} is the I/O part. Offsets come
 * from `include/uapi/linux/perf_event.h` and are checked against it with gcc
 * in perf_test.ts. Little-endian x86-64 throughout.
 *
 * @module
 */
import { ioc, IOC_NONE, iow } from "../ioctl.ts";
import { fail, ok, type SysResult } from "../errno.ts";
import { MAP_SHARED, PROT_READ, PROT_WRITE } from "../libc.ts";
import {
  type Mapping,
  pageSize,
  peek,
  poke,
  sysClose,
  sysIoctl,
  sysMmap,
  sysMunmap,
  sysRaw,
  sysRead,
} from "../syscall.ts";

/** `__NR_perf_event_open` on x86-64. */
export const NR_PERF_EVENT_OPEN = 298;
/** `PERF_TYPE_TRACEPOINT`: `config` is a tracefs event id. */
export const PERF_TYPE_TRACEPOINT = 2;
/** `PERF_TYPE_SOFTWARE`: `config` is a `PERF_COUNT_SW_*` counter. */
export const PERF_TYPE_SOFTWARE = 1;
/** `PERF_COUNT_SW_TASK_CLOCK`: ns the task ran. */
export const PERF_COUNT_SW_TASK_CLOCK = 1;
/** `PERF_SAMPLE_RAW`: each sample carries `u32 size; char data[size]`. */
export const PERF_SAMPLE_RAW = 1 << 10;
/** `PERF_RECORD_LOST`: `u64 id; u64 lost`. */
export const PERF_RECORD_LOST = 2;
/** `PERF_RECORD_SAMPLE`. */
export const PERF_RECORD_SAMPLE = 9;
/** `PERF_FLAG_FD_CLOEXEC`, a `perf_event_open` flag. */
export const PERF_FLAG_FD_CLOEXEC = 1 << 3;
/** `PERF_ATTR_SIZE_VER7`: the attr size we pass (through `sig_data`; kernels since 5.13). */
export const PERF_ATTR_SIZE_VER7 = 128;
/** `PERF_EVENT_IOC_SET_BPF = _IOW('$', 8, __u32)`: attaches a program by its fd. */
export const PERF_EVENT_IOC_SET_BPF = iow("$", 8, 4);
/** `PERF_EVENT_IOC_ENABLE = _IO('$', 0)`. */
export const PERF_EVENT_IOC_ENABLE = ioc(IOC_NONE, "$", 0, 0);
/** `PERF_EVENT_IOC_DISABLE = _IO('$', 1)`. */
export const PERF_EVENT_IOC_DISABLE = ioc(IOC_NONE, "$", 1, 0);

/**
 * Offsets in `struct perf_event_attr` of the fields we set. `flags` is the
 * u64 of bitfields that starts with `disabled` (bit 0).
 */
export const ATTR_OFFSETS = {
  type: 0, // __u32
  size: 4, // __u32
  config: 8, // __u64
  sample_period: 16, // __u64 (union with sample_freq)
  sample_type: 24, // __u64
  read_format: 32, // __u64
  flags: 40, // __u64: disabled:1, inherit:1, pinned:1, …
  wakeup_events: 48, // __u32 (union with wakeup_watermark)
} as const;

/** Bit of `disabled` in the flags word. */
export const ATTR_DISABLED_BIT = 0n;

/** Offsets in `struct perf_event_mmap_page` (the ring buffer's first page), all __u64. */
export const MMAP_PAGE_OFFSETS = {
  data_head: 1024,
  data_tail: 1032,
  data_offset: 1040,
  data_size: 1048,
} as const;

/** Size of `struct perf_event_header`: `u32 type; u16 misc; u16 size`. */
export const PERF_HEADER_SIZE = 8;

/** What {@linkcode perfAttr} puts in the attr. */
export interface PerfAttrOptions {
  readonly type?: number;
  readonly config: number | bigint;
  readonly samplePeriod?: bigint;
  readonly sampleType?: bigint;
  readonly wakeupEvents?: number;
  readonly disabled?: boolean;
}

/**
 * `struct perf_event_attr` as bytes (`PERF_ATTR_SIZE_VER7`, zeros elsewhere).
 * Defaults: a tracepoint, sample period 1, `PERF_SAMPLE_RAW`, wake up on
 * every event, enabled.
 *
 * @example
 * ```ts
 * import { perfAttr } from "./perf.ts";
 * const a = new DataView(perfAttr({ config: 1234 }).buffer);
 * if (a.getUint32(0, true) !== 2 || a.getBigUint64(8, true) !== 1234n) throw new Error();
 * ```
 */
export function perfAttr(o: PerfAttrOptions): Uint8Array {
  const bytes = new Uint8Array(PERF_ATTR_SIZE_VER7);
  const v = new DataView(bytes.buffer);
  const A = ATTR_OFFSETS;
  v.setUint32(A.type, o.type ?? PERF_TYPE_TRACEPOINT, true);
  v.setUint32(A.size, PERF_ATTR_SIZE_VER7, true);
  v.setBigUint64(A.config, BigInt(o.config), true);
  v.setBigUint64(A.sample_period, o.samplePeriod ?? 1n, true);
  v.setBigUint64(A.sample_type, o.sampleType ?? BigInt(PERF_SAMPLE_RAW), true);
  v.setBigUint64(A.flags, o.disabled ? 1n << ATTR_DISABLED_BIT : 0n, true);
  v.setUint32(A.wakeup_events, o.wakeupEvents ?? 1, true);
  return bytes;
}

/** The ring buffer's control words, from `struct perf_event_mmap_page`. */
export interface PerfMeta {
  /** Where the kernel will write next (bytes since the start, never wrapped). */
  readonly dataHead: bigint;
  /** Where user space has read up to. */
  readonly dataTail: bigint;
  /** Where the data area starts in the mapping. */
  readonly dataOffset: bigint;
  /** Bytes in the data area (a power of two). */
  readonly dataSize: bigint;
}

/**
 * Reads the control words from the first page of a mapping (or a copy of it).
 *
 * @example
 * ```ts
 * import { readPerfMeta } from "./perf.ts";
 * const page = new Uint8Array(4096);
 * new DataView(page.buffer).setBigUint64(1048, 8192n, true);
 * if (readPerfMeta(page).dataSize !== 8192n) throw new Error();
 * ```
 */
export function readPerfMeta(firstPage: Uint8Array): PerfMeta {
  const v = new DataView(firstPage.buffer, firstPage.byteOffset, firstPage.byteLength);
  const M = MMAP_PAGE_OFFSETS;
  return {
    dataHead: v.getBigUint64(M.data_head, true),
    dataTail: v.getBigUint64(M.data_tail, true),
    dataOffset: v.getBigUint64(M.data_offset, true),
    dataSize: v.getBigUint64(M.data_size, true),
  };
}

/** One record of the ring buffer: its header and the bytes after it. */
export interface PerfRecord {
  readonly type: number;
  readonly misc: number;
  /** Total size, header included. */
  readonly size: number;
  /** Position (data_tail units) of the header. */
  readonly position: bigint;
  readonly body: Uint8Array;
}

/** Something in the ring that the record layout does not explain. */
export type PerfProblem =
  | {
    readonly kind: "head-behind-tail" | "more-than-the-ring";
    readonly head: bigint;
    readonly tail: bigint;
    readonly dataSize: number;
  }
  | {
    readonly kind: "record-size";
    readonly position: bigint;
    readonly size: number;
    readonly left: number;
  };

/** Records between tail and head, and what did not parse. */
export interface PerfRecords {
  readonly records: PerfRecord[];
  readonly problems: PerfProblem[];
  /** Where parsing stopped: the new tail. */
  readonly end: bigint;
}

/** `len` bytes of the data area from `position`, wrapping at its end. */
export function ringBytes(data: Uint8Array, position: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  const at = Number(position % BigInt(data.length));
  const first = Math.min(len, data.length - at);
  out.set(data.subarray(at, at + first));
  if (first < len) out.set(data.subarray(0, len - first), first);
  return out;
}

/**
 * Parses the records in `[tail, head)` of a data area (`data.length` is
 * data_size), handling wrap-around; a bad size stops the walk as a value.
 *
 * @example
 * ```ts
 * import { parsePerfRecords } from "./perf.ts";
 * // A 16-byte ring holding one 16-byte record that starts at position 8: it wraps.
 * const rec = new Uint8Array(16);
 * new DataView(rec.buffer).setUint32(0, 9, true);
 * new DataView(rec.buffer).setUint16(6, 16, true);
 * rec.set([1, 2, 3, 4, 5, 6, 7, 8], 8);
 * const data = new Uint8Array(16);
 * data.set(rec.subarray(0, 8), 8);
 * data.set(rec.subarray(8), 0);
 * const r = parsePerfRecords(data, 8n, 24n);
 * if (r.records[0]?.type !== 9 || r.records[0].body[7] !== 8 || r.end !== 24n) throw new Error();
 * ```
 */
export function parsePerfRecords(data: Uint8Array, tail: bigint, head: bigint): PerfRecords {
  const records: PerfRecord[] = [];
  const problems: PerfProblem[] = [];
  const dataSize = data.length;
  if (head < tail || head - tail > BigInt(dataSize)) {
    problems.push({
      kind: head < tail ? "head-behind-tail" : "more-than-the-ring",
      head,
      tail,
      dataSize,
    });
    return { records, problems, end: tail };
  }
  let pos = tail;
  while (pos < head) {
    const left = Number(head - pos);
    if (left < PERF_HEADER_SIZE) {
      problems.push({ kind: "record-size", position: pos, size: 0, left });
      break;
    }
    const h = new DataView(ringBytes(data, pos, PERF_HEADER_SIZE).buffer);
    const type = h.getUint32(0, true);
    const misc = h.getUint16(4, true);
    const size = h.getUint16(6, true);
    if (size < PERF_HEADER_SIZE || size > left) {
      problems.push({ kind: "record-size", position: pos, size, left });
      break;
    }
    const body = ringBytes(data, pos + BigInt(PERF_HEADER_SIZE), size - PERF_HEADER_SIZE);
    records.push({ type, misc, size, position: pos, body });
    pos += BigInt(size);
  }
  return { records, problems, end: pos };
}

/**
 * The raw bytes of a `PERF_RECORD_SAMPLE` whose sample_type is exactly
 * `PERF_SAMPLE_RAW` (`u32 size; char data[size]`); null for other records or
 * a size that does not fit.
 *
 * @example
 * ```ts
 * import { sampleRaw } from "./perf.ts";
 * const body = new Uint8Array([3, 0, 0, 0, 7, 8, 9, 0]);
 * const raw = sampleRaw({ type: 9, misc: 0, size: 16, position: 0n, body });
 * if (raw?.length !== 3 || raw[2] !== 9) throw new Error();
 * ```
 */
export function sampleRaw(r: PerfRecord): Uint8Array | null {
  if (r.type !== PERF_RECORD_SAMPLE || r.body.length < 4) return null;
  const size = new DataView(r.body.buffer, r.body.byteOffset, 4).getUint32(0, true);
  return 4 + size <= r.body.length ? r.body.slice(4, 4 + size) : null;
}

/** The count of a `PERF_RECORD_LOST` (`u64 id; u64 lost`); null for other records. */
export function lostCount(r: PerfRecord): bigint | null {
  if (r.type !== PERF_RECORD_LOST || r.body.length < 16) return null;
  return new DataView(r.body.buffer, r.body.byteOffset, 16).getBigUint64(8, true);
}

/** A whole mapping's bytes, decoded: control words and the records in `[tail, head)`. */
export interface PerfSnapshot extends PerfRecords {
  readonly meta: PerfMeta;
}

/**
 * Decodes a copy of a whole ring buffer mapping (1 + 2^n pages), as
 * {@linkcode PerfEvent.snapshot} returns and the testdata keeps.
 */
export function decodePerfSnapshot(bytes: Uint8Array): PerfSnapshot {
  const meta = readPerfMeta(bytes);
  const start = Number(meta.dataOffset);
  const data = bytes.subarray(start, start + Number(meta.dataSize));
  return { meta, ...parsePerfRecords(data, meta.dataTail, meta.dataHead) };
}

/** Options of {@linkcode perfOpen}. */
export interface PerfOpenOptions {
  /** 0 = the calling thread; -1 = any (then `cpu` must be ≥ 0). */
  readonly pid?: number;
  /** -1 = any CPU the thread runs on. */
  readonly cpu?: number;
  /** Data pages of the ring buffer: a power of two. */
  readonly dataPages?: number;
  /** Open disabled (then {@linkcode PerfEvent.enable}). */
  readonly disabled?: boolean;
}

/** An open perf event with its ring buffer mapped; close with `using` or {@linkcode PerfEvent.close}. */
export class PerfEvent implements Disposable {
  readonly fd: number;
  readonly mapping: Mapping;
  #closed = false;

  constructor(fd: number, mapping: Mapping) {
    this.fd = fd;
    this.mapping = mapping;
  }

  /** `perf_event_open(attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC)` and mmap of `1 + dataPages` pages. */
  static open(
    attr: Uint8Array,
    opts: { pid: number; cpu: number; dataPages: number },
  ): SysResult<PerfEvent> {
    const { pid, cpu, dataPages } = opts;
    if (dataPages < 1 || (dataPages & (dataPages - 1)) !== 0) {
      throw new RangeError(`Ring buffer data pages must be a power of two, got ${dataPages}`);
    }
    const fd = sysRaw(
      NR_PERF_EVENT_OPEN,
      attr,
      pid,
      cpu,
      -1,
      PERF_FLAG_FD_CLOEXEC,
    );
    if (!fd.ok) return fd;
    const m = sysMmap(
      (1 + dataPages) * pageSize(),
      PROT_READ | PROT_WRITE,
      MAP_SHARED,
      fd.value,
    );
    if (!m.ok) {
      sysClose(fd.value);
      return m;
    }
    return ok(new PerfEvent(fd.value, m.value));
  }

  /** The control words, read now. */
  meta(): PerfMeta {
    return readPerfMeta(peek(this.mapping.address, MMAP_PAGE_OFFSETS.data_size + 8));
  }

  /** A copy of the whole mapping (control page and data area). */
  snapshot(): Uint8Array {
    return peek(this.mapping.address, this.mapping.length);
  }

  /**
   * Parses the records between data_tail and data_head and advances
   * data_tail past them, giving the space back to the kernel.
   */
  read(): PerfRecords {
    // Reading data_head before the data is the smp_rmb() pairing the uapi
    // header asks for; x86 does not reorder loads, and each peek is a call.
    const meta = this.meta();
    const data = peek(
      this.mapping.address + meta.dataOffset,
      Number(meta.dataSize),
    );
    const r = parsePerfRecords(data, meta.dataTail, meta.dataHead);
    this.setTail(r.end);
    return r;
  }

  /** Writes data_tail (after reading what lies before it). */
  setTail(tail: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, tail, true);
    poke(this.mapping.address + BigInt(MMAP_PAGE_OFFSETS.data_tail), b);
  }

  /** `PERF_EVENT_IOC_ENABLE`. */
  enable(): SysResult<number> {
    return sysIoctl(this.fd, PERF_EVENT_IOC_ENABLE, 0);
  }

  /** `PERF_EVENT_IOC_SET_BPF`: runs program `progFd` on each of the event's records. */
  setBpf(progFd: number): SysResult<number> {
    return sysIoctl(this.fd, PERF_EVENT_IOC_SET_BPF, progFd);
  }

  /** `PERF_EVENT_IOC_DISABLE`. */
  disable(): SysResult<number> {
    return sysIoctl(this.fd, PERF_EVENT_IOC_DISABLE, 0);
  }

  /** munmap and close; later calls do nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    sysMunmap(this.mapping.address, this.mapping.length);
    sysClose(this.fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * A counting perf event (no samples, no ring buffer): `read(2)` gives its
 * count as a u64. Close with `using` or {@linkcode PerfCounter.close}.
 */
export class PerfCounter implements Disposable {
  readonly fd: number;
  readonly #buf = new Uint8Array(8);
  #closed = false;

  constructor(fd: number) {
    this.fd = fd;
  }

  /** Counts `config` of `type` for the calling thread on any CPU. */
  static open(type: number, config: number | bigint): SysResult<PerfCounter> {
    const attr = perfAttr({ type, config, samplePeriod: 0n, sampleType: 0n, wakeupEvents: 0 });
    const fd = sysRaw(NR_PERF_EVENT_OPEN, attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
    return fd.ok ? ok(new PerfCounter(fd.value)) : fd;
  }

  /** The count so far. */
  count(): SysResult<bigint> {
    const r = sysRead(this.fd, this.#buf);
    if (!r.ok) return r;
    if (r.value !== 8) return fail("EIO");
    return ok(new DataView(this.#buf.buffer).getBigUint64(0, true));
  }

  /** close; later calls do nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    sysClose(this.fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Opens tracepoint `eventId` for perf with `PERF_SAMPLE_RAW` samples of
 * every event, and maps its ring buffer.
 */
export function perfOpen(eventId: number, opts: PerfOpenOptions = {}): SysResult<PerfEvent> {
  return PerfEvent.open(
    perfAttr({ config: eventId, disabled: opts.disabled ?? false }),
    { pid: opts.pid ?? 0, cpu: opts.cpu ?? -1, dataPages: opts.dataPages ?? 8 },
  );
}
