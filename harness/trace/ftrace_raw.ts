/**
 * Decoder of the binary sub-buffers ("pages") that tracefs
 * `per_cpu/cpuN/trace_pipe_raw` returns, using the layout tracefs publishes
 * in `events/header_page` (where the timestamp, commit word and data sit)
 * and `events/header_event` (the event header's bit widths and the type_len
 * codes of padding, time extend and absolute timestamp).
 *
 * What those files do not publish is taken from libtraceevent
 * (`src/kbuffer-parse.c`), the reference consumer: the byte order
 * (little-endian here), the flag bits of the commit word (bit 31 "events
 * were lost before this page", bit 30 "their count is stored after the
 * data"), the 27-bit size mask, and the 5 top timestamp bits an absolute
 * timestamp event leaves out.
 *
 * @module
 */
import { parseFieldLine, readInt, recordType } from "./format.ts";

/** Where one part of the page header lies. */
export interface PageSpan {
  readonly offset: number;
  readonly size: number;
}

/** The parsed `events/header_page`. */
export interface HeaderPage {
  /** `u64 timestamp`: the time of the page's first event. */
  readonly timestamp: PageSpan;
  /** `local_t commit`: bytes of data, plus flag bits. Its size is the kernel's `long`. */
  readonly commit: PageSpan;
  /** `char data`: where events start, and the capacity of a page. */
  readonly data: PageSpan;
  /** Bytes one read of `trace_pipe_raw` returns per page: data offset + capacity. */
  readonly pageSize: number;
}

/** The parsed `events/header_event`. */
export interface HeaderEvent {
  readonly typeLenBits: number;
  readonly timeDeltaBits: number;
  readonly arrayBits: number;
  /** type_len of padding (and discarded events). */
  readonly padding: number;
  /** type_len of a time extend (a delta too large for `time_delta`). */
  readonly timeExtend: number;
  /** type_len of an absolute timestamp. */
  readonly timeStamp: number;
  /** Largest type_len that is a data length in 4-byte words. */
  readonly dataMaxTypeLen: number;
}

/** Both published headers: everything needed to decode a page. */
export interface RingLayout {
  readonly page: HeaderPage;
  readonly event: HeaderEvent;
}

/** libtraceevent's `COMMIT_MASK`: the data size is the low 27 bits of the commit word. */
export const COMMIT_MASK = (1 << 27) - 1;
/** libtraceevent's `MISSING_EVENTS`: events were lost before this page. */
export const MISSING_EVENTS = 2 ** 31;
/** libtraceevent's `MISSING_STORED`: the lost count is stored right after the data. */
export const MISSING_STORED = 2 ** 30;
/** libtraceevent's `TS_MSB`: the timestamp bits an absolute timestamp event does not carry. */
export const TS_MSB = 0xf8n << 56n;

/**
 * Parses `events/header_page`; throws `SyntaxError` when a needed field is missing.
 *
 * @example
 * ```ts
 * import { parseHeaderPage } from "./ftrace_raw.ts";
 * const p = parseHeaderPage(
 *   "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n" +
 *     "\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n" +
 *     "\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n" +
 *     "\tfield: char data;\toffset:16;\tsize:4080;\tsigned:1;\n",
 * );
 * if (p.pageSize !== 4096 || p.commit.size !== 8) throw new Error();
 * ```
 */
export function parseHeaderPage(text: string): HeaderPage {
  const spans = new Map<string, PageSpan>();
  for (const line of text.split("\n")) {
    const f = parseFieldLine(line);
    if (!f) continue;
    const name = f.decl.split(/\s+/).at(-1)!;
    spans.set(name, { offset: f.offset, size: f.size });
  }
  const need = (name: string): PageSpan => {
    const s = spans.get(name);
    if (!s) throw new SyntaxError(`header_page has no "${name}" field`);
    return s;
  };
  const timestamp = need("timestamp");
  const commit = need("commit");
  const data = need("data");
  if (timestamp.size !== 8) {
    throw new SyntaxError(`header_page timestamp has size ${timestamp.size}, expected 8`);
  }
  if (commit.size !== 4 && commit.size !== 8) {
    throw new SyntaxError(`header_page commit has size ${commit.size}, expected 4 or 8`);
  }
  return { timestamp, commit, data, pageSize: data.offset + data.size };
}

/**
 * Parses `events/header_event`; throws `SyntaxError` when a value is missing.
 *
 * @example
 * ```ts
 * import { parseHeaderEvent } from "./ftrace_raw.ts";
 * const e = parseHeaderEvent(`# compressed entry header
 * \ttype_len    :    5 bits
 * \ttime_delta  :   27 bits
 * \tarray       :   32 bits
 *
 * \tpadding     : type == 29
 * \ttime_extend : type == 30
 * \ttime_stamp : type == 31
 * \tdata max type_len  == 28
 * `);
 * if (e.padding !== 29 || e.dataMaxTypeLen !== 28 || e.timeDeltaBits !== 27) throw new Error();
 * ```
 */
export function parseHeaderEvent(text: string): HeaderEvent {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    let m = /^\s*(\w+)\s*:\s*(\d+)\s+bits\s*$/.exec(line);
    if (m) {
      values.set(`${m[1]}.bits`, Number(m[2]));
      continue;
    }
    m = /^\s*(\w+)\s*:\s*type\s*==\s*(\d+)\s*$/.exec(line);
    if (m) {
      values.set(m[1]!, Number(m[2]));
      continue;
    }
    m = /^\s*data max type_len\s*==\s*(\d+)\s*$/.exec(line);
    if (m) values.set("data_max", Number(m[1]));
  }
  const need = (key: string): number => {
    const v = values.get(key);
    if (v === undefined) throw new SyntaxError(`header_event has no "${key}" value`);
    return v;
  };
  const e: HeaderEvent = {
    typeLenBits: need("type_len.bits"),
    timeDeltaBits: need("time_delta.bits"),
    arrayBits: need("array.bits"),
    padding: need("padding"),
    timeExtend: need("time_extend"),
    timeStamp: need("time_stamp"),
    dataMaxTypeLen: need("data_max"),
  };
  if (e.typeLenBits + e.timeDeltaBits !== 32 || e.arrayBits !== 32) {
    throw new SyntaxError(
      `header_event describes a ${e.typeLenBits}+${e.timeDeltaBits}-bit header and a ` +
        `${e.arrayBits}-bit array; this decoder reads a 32-bit header and 32-bit words`,
    );
  }
  return e;
}

/** Parses both published headers. */
export function parseRingLayout(headerPage: string, headerEvent: string): RingLayout {
  return { page: parseHeaderPage(headerPage), event: parseHeaderEvent(headerEvent) };
}

/** One data event of a page: the record (trace_entry first) and its timestamp. */
export interface RawRecord {
  /** Absolute timestamp in trace clock units (ns for the default clock). */
  readonly timestamp: bigint;
  /** The record: `struct trace_entry`, then the event's fields; padded to 4 bytes. */
  readonly data: Uint8Array;
  /** Offset of the event header inside the page. */
  readonly pageOffset: number;
}

/** Something in a page that the published layout does not explain. */
export type PageProblem =
  | { readonly kind: "page-short"; readonly length: number; readonly pageSize: number }
  | { readonly kind: "size-over-capacity"; readonly size: number; readonly capacity: number }
  | {
    readonly kind: "event-truncated";
    readonly pageOffset: number;
    readonly typeLen: number;
    readonly needs: number;
    readonly size: number;
  }
  /** A long data event whose length word (array[0]) cannot even cover itself. */
  | { readonly kind: "event-length"; readonly pageOffset: number; readonly length: number };

/** One decoded page. */
export interface DecodedPage {
  /** The page header's timestamp. */
  readonly timestamp: bigint;
  /** Bytes of events (the commit word without its flag bits). */
  readonly size: number;
  /** The raw commit word. */
  readonly commit: bigint;
  /** Events were lost before this page (`MISSING_EVENTS`). */
  readonly missedEvents: boolean;
  /** How many, when the kernel stored the count (`MISSING_STORED`). */
  readonly lostEvents: bigint | null;
  readonly records: readonly RawRecord[];
  readonly problems: readonly PageProblem[];
}

function u32(page: Uint8Array, at: number): number {
  return (page[at]! | (page[at + 1]! << 8) | (page[at + 2]! << 16) | (page[at + 3]! << 24)) >>> 0;
}

/** The kernel's `rb_fix_abs_ts`: restore the top bits an absolute timestamp leaves out. */
function fixAbsTs(abs: bigint, previous: bigint): bigint {
  if ((previous & TS_MSB) === 0n) return abs;
  let ts = abs | (previous & TS_MSB);
  // The low 59 bits wrapped since the clock was read: carry into the top bits.
  if (ts < previous) ts = BigInt.asUintN(64, ts + (1n << 59n));
  return ts;
}

/**
 * Decodes one page as `trace_pipe_raw` returns it. Problems (a short page,
 * a size over the capacity, an event running past the data) end the walk
 * and are returned as values with the records read so far.
 *
 * @example
 * ```ts
 * import { decodePage, type RingLayout } from "./ftrace_raw.ts";
 * const layout: RingLayout = {
 *   page: { timestamp: { offset: 0, size: 8 }, commit: { offset: 8, size: 8 },
 *     data: { offset: 16, size: 48 }, pageSize: 64 },
 *   event: { typeLenBits: 5, timeDeltaBits: 27, arrayBits: 32, padding: 29,
 *     timeExtend: 30, timeStamp: 31, dataMaxTypeLen: 28 },
 * };
 * const page = new Uint8Array(64);
 * const v = new DataView(page.buffer);
 * v.setBigUint64(0, 1000n, true); // page timestamp
 * v.setBigUint64(8, 8n, true); // 8 bytes of data
 * v.setUint32(16, (5 << 5) | 1, true); // time_delta 5, type_len 1: 4 bytes of record
 * v.setUint32(20, 0xabcd, true);
 * const d = decodePage(layout, page);
 * if (d.records[0]?.timestamp !== 1005n || d.records[0].data[0] !== 0xcd) throw new Error();
 * ```
 */
export function decodePage(layout: RingLayout, page: Uint8Array): DecodedPage {
  const { page: hp, event: he } = layout;
  const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
  const headerEnd = Math.max(hp.timestamp.offset + 8, hp.commit.offset + hp.commit.size);
  if (page.length < headerEnd) {
    return {
      timestamp: 0n,
      size: 0,
      commit: 0n,
      missedEvents: false,
      lostEvents: null,
      records: [],
      problems: [{ kind: "page-short", length: page.length, pageSize: hp.pageSize }],
    };
  }
  const pageTs = view.getBigUint64(hp.timestamp.offset, true);
  const commit = BigInt(readInt(view, hp.commit.offset, hp.commit.size, false));
  const flags = Number(commit & 0xffff_ffffn);
  const size = flags & COMMIT_MASK;
  const missedEvents = (flags & MISSING_EVENTS) !== 0;
  const base = hp.data.offset;
  const problems: PageProblem[] = [];
  let lostEvents: bigint | null = null;
  if (missedEvents && (flags & MISSING_STORED) !== 0) {
    const at = base + size;
    if (at + hp.commit.size <= page.length) {
      lostEvents = BigInt(readInt(view, at, hp.commit.size, false));
    }
  }
  let end = base + size;
  const result = (records: RawRecord[]): DecodedPage => ({
    timestamp: pageTs,
    size,
    commit,
    missedEvents,
    lostEvents,
    records,
    problems,
  });
  if (size > hp.data.size) {
    // Nothing in such a page can be trusted.
    problems.push({ kind: "size-over-capacity", size, capacity: hp.data.size });
    return result([]);
  }
  if (end > page.length) {
    problems.push({ kind: "page-short", length: page.length, pageSize: hp.pageSize });
    end = page.length;
  }
  const typeMask = (1 << he.typeLenBits) - 1;
  const records: RawRecord[] = [];
  let ts = pageTs;
  let at = base;
  const truncated = (typeLen: number, needs: number): void => {
    problems.push({ kind: "event-truncated", pageOffset: at, typeLen, needs, size });
  };
  while (at + 4 <= end) {
    const word = u32(page, at);
    const typeLen = word & typeMask;
    const delta = BigInt(word >>> he.typeLenBits);
    if (typeLen === he.padding) {
      // A zero delta marks the unused rest of the page; otherwise a
      // discarded event whose length (after the header) is in array[0].
      // Padding does not advance the clock (rb_update_read_stamp()).
      if (delta === 0n) break;
      if (at + 8 > end) {
        truncated(typeLen, 8);
        break;
      }
      const next = at + 4 + u32(page, at + 4);
      if (next > end) {
        truncated(typeLen, next - at);
        break;
      }
      at = next;
    } else if (typeLen === he.timeExtend || typeLen === he.timeStamp) {
      if (at + 8 > end) {
        truncated(typeLen, 8);
        break;
      }
      const value = (BigInt(u32(page, at + 4)) << BigInt(he.timeDeltaBits)) + delta;
      ts = typeLen === he.timeExtend ? BigInt.asUintN(64, ts + value) : fixAbsTs(value, ts);
      at += 8;
    } else if (typeLen <= he.dataMaxTypeLen) {
      let start: number;
      let length: number;
      if (typeLen === 0) {
        // The length, header included, minus the header: array[0] counts itself.
        if (at + 8 > end) {
          truncated(typeLen, 8);
          break;
        }
        start = at + 8;
        length = u32(page, at + 4) - 4;
        if (length < 0) {
          problems.push({ kind: "event-length", pageOffset: at, length: length + 4 });
          break;
        }
      } else {
        start = at + 4;
        length = typeLen * 4;
      }
      if (start + length > end) {
        truncated(typeLen, start + length - at);
        break;
      }
      ts = BigInt.asUintN(64, ts + delta);
      records.push({ timestamp: ts, data: page.slice(start, start + length), pageOffset: at });
      // Events are 4-byte aligned in the ring buffer.
      at = start + ((length + 3) & ~3);
    } else {
      // header_event names every type_len the 5 bits can hold; a new one is a new format.
      truncated(typeLen, 0);
      break;
    }
  }
  return result(records);
}

/**
 * Decodes what one or more `trace_pipe_raw` reads returned, page after page
 * (each `layout.page.pageSize` bytes).
 *
 * @example
 * ```ts
 * import { decodePages, type RingLayout } from "./ftrace_raw.ts";
 * const layout: RingLayout = {
 *   page: { timestamp: { offset: 0, size: 8 }, commit: { offset: 8, size: 8 },
 *     data: { offset: 16, size: 16 }, pageSize: 32 },
 *   event: { typeLenBits: 5, timeDeltaBits: 27, arrayBits: 32, padding: 29,
 *     timeExtend: 30, timeStamp: 31, dataMaxTypeLen: 28 },
 * };
 * if (decodePages(layout, new Uint8Array(64)).length !== 2) throw new Error();
 * ```
 */
export function decodePages(layout: RingLayout, bytes: Uint8Array): DecodedPage[] {
  const out: DecodedPage[] = [];
  const size = layout.page.pageSize;
  for (let at = 0; at < bytes.length; at += size) {
    out.push(decodePage(layout, bytes.subarray(at, Math.min(at + size, bytes.length))));
  }
  return out;
}

/** The pages one CPU's `trace_pipe_raw` gave, back to back. */
export interface CpuRaw {
  readonly cpu: number;
  readonly bytes: Uint8Array;
}

/** A data record with the CPU whose buffer held it. */
export interface TraceRecord extends RawRecord {
  readonly cpu: number;
}

/** A page problem, with where it was. */
export interface CpuPageProblem {
  readonly cpu: number;
  /** Index of the page in what that CPU's reads returned. */
  readonly page: number;
  readonly problem: PageProblem;
}

/** What the raw pages of all CPUs hold for one event. */
export interface TraceCollection {
  /** Oldest first: by timestamp, then CPU; page order for equal timestamps. */
  readonly records: TraceRecord[];
  /** Anything the published layout does not explain: values, never thrown. */
  readonly problems: CpuPageProblem[];
  /** Pages whose header says events were lost before them (the count, when stored). */
  readonly lost: { readonly cpu: number; readonly page: number; readonly count: bigint | null }[];
}

/** Decodes raw per-CPU pages and keeps the records whose type id is `eventId` (all if undefined). */
export function collectRecords(
  layout: RingLayout,
  raw: readonly CpuRaw[],
  eventId?: number,
): TraceCollection {
  const records: TraceRecord[] = [];
  const problems: CpuPageProblem[] = [];
  const lost: TraceCollection["lost"] = [];
  for (const { cpu, bytes } of raw) {
    for (const [i, page] of decodePages(layout, bytes).entries()) {
      for (const problem of page.problems) problems.push({ cpu, page: i, problem });
      if (page.missedEvents) lost.push({ cpu, page: i, count: page.lostEvents });
      for (const r of page.records) {
        if (r.data.length >= 2 && (eventId === undefined || recordType(r.data) === eventId)) {
          records.push({ ...r, cpu });
        }
      }
    }
  }
  // Array.prototype.sort is stable: equal keys keep page order.
  records.sort((a, b) =>
    a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.cpu - b.cpu
  );
  return { records, problems, lost };
}
