/**
 * Reads the binary trace buffer: every `per_cpu/cpuN/trace_pipe_raw`, opened
 * `O_RDONLY | O_NONBLOCK` so an empty buffer answers EAGAIN instead of
 * blocking, page by page until it is empty. Reading consumes the pages.
 *
 * @module
 */
import { fail, ok, type SysResult } from "../errno.ts";
import { O_CLOEXEC, O_NONBLOCK, O_RDONLY } from "../libc.ts";
import { sysClose, sysOpen, sysRead } from "../syscall.ts";
import { TRACEFS } from "../tracefs.ts";
import {
  collectRecords,
  type CpuRaw,
  parseRingLayout,
  type RingLayout,
  type TraceCollection,
} from "./ftrace_raw.ts";

/** Stop after this many pages of one CPU: a writer outpacing the reader must not hang us. */
export const DEFAULT_MAX_PAGES = 4096;

/** Largest tracefs text file {@linkcode readTracefsText} takes in one read. */
export const TRACEFS_TEXT_MAX = 1 << 16;

/**
 * Reads a tracefs text file in one `read(2)` of {@linkcode TRACEFS_TEXT_MAX}
 * bytes. `events/header_page` and `events/header_event` answer only a read
 * at offset 0 (`if (*ppos) return 0;` in kernel/trace/trace_events.c), so a
 * reader with a small first buffer (`Deno.readTextFileSync` asks for 32
 * bytes of a file whose size is 0) gets them cut short.
 */
export function readTracefsText(path: string): SysResult<string> {
  const fd = sysOpen(path, O_RDONLY);
  if (!fd.ok) return fd;
  try {
    const buf = new Uint8Array(TRACEFS_TEXT_MAX);
    let at = 0;
    for (;;) {
      const r = sysRead(fd.value, buf.subarray(at));
      if (!r.ok) return r;
      if (r.value === 0 || at + r.value === buf.length) {
        at += r.value;
        break;
      }
      at += r.value;
    }
    return ok(new TextDecoder().decode(buf.subarray(0, at)));
  } finally {
    sysClose(fd.value);
  }
}

function mustReadText(path: string): string {
  const r = readTracefsText(path);
  if (!r.ok) throw new Error(`Cannot read "${path}": ${r.errno}`);
  return r.value;
}

/**
 * Reads and parses `events/header_page` and `events/header_event` under a
 * tracefs root; throws when they cannot be read (no tracefs) or parsed.
 */
export function readRingLayout(root: string = TRACEFS): RingLayout {
  return parseRingLayout(
    mustReadText(`${root}/events/header_page`),
    mustReadText(`${root}/events/header_event`),
  );
}

/** The CPUs tracefs has a `per_cpu/cpuN` directory for, ascending. */
export function listCpus(root: string = TRACEFS): number[] {
  const cpus: number[] = [];
  for (const e of Deno.readDirSync(`${root}/per_cpu`)) {
    const m = /^cpu(\d+)$/.exec(e.name);
    if (m) cpus.push(Number(m[1]));
  }
  return cpus.sort((a, b) => a - b);
}

/**
 * Reads one `trace_pipe_raw`, open with `O_NONBLOCK`, until EAGAIN (empty)
 * or end of file, a page per read; a kernel refusal other than EAGAIN is
 * returned as its errno.
 */
export function readRawFd(
  fd: number,
  pageSize: number,
  maxPages: number = DEFAULT_MAX_PAGES,
): SysResult<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < maxPages; i++) {
    const buf = new Uint8Array(pageSize);
    const r = sysRead(fd, buf);
    if (!r.ok) {
      if (r.errno === "EAGAIN") break;
      return fail(r.errno);
    }
    if (r.value === 0) break;
    chunks.push(buf.subarray(0, r.value));
    total += r.value;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return ok(out);
}

/** Options of {@linkcode readAllRaw} and {@linkcode readRecords}. */
export interface ReadOptions {
  readonly root?: string;
  /** Default: the published layout under `root`. */
  readonly layout?: RingLayout;
  /** Default: every CPU tracefs lists. */
  readonly cpus?: readonly number[];
  readonly maxPages?: number;
}

/**
 * Drains every CPU's `trace_pipe_raw` once (a {@linkcode RawReader} opened
 * and closed); the first refusal ends it as a value.
 */
export function readAllRaw(opts: ReadOptions = {}): SysResult<CpuRaw[]> {
  const opened = RawReader.open(opts);
  if (!opened.ok) return opened;
  using reader = opened.value;
  return reader.readAll(opts.maxPages);
}

/**
 * Every CPU's `trace_pipe_raw`, open `O_NONBLOCK` for as long as the reader
 * lives, and the ring's layout, read once. A reader that drains every few
 * operations (a fuzz case's drain) would otherwise open five tracefs files a
 * drain (the two headers, `per_cpu`, a pipe a CPU), and an open is
 * milliseconds under TCG. The CPUs are those asked for, or those tracefs
 * listed at the open.
 */
export class RawReader implements Disposable {
  readonly #pipes: { readonly cpu: number; readonly fd: number }[];

  private constructor(readonly layout: RingLayout, pipes: { cpu: number; fd: number }[]) {
    this.#pipes = pipes;
  }

  /** Opens each CPU's pipe (`opts.maxPages` is not its to use); the first open that fails is the answer. */
  static open(opts: ReadOptions = {}): SysResult<RawReader> {
    const root = opts.root ?? TRACEFS;
    const layout = opts.layout ?? readRingLayout(root);
    const pipes: { cpu: number; fd: number }[] = [];
    for (const cpu of opts.cpus ?? listCpus(root)) {
      const fd = sysOpen(
        `${root}/per_cpu/cpu${cpu}/trace_pipe_raw`,
        O_RDONLY | O_NONBLOCK | O_CLOEXEC,
      );
      if (!fd.ok) {
        for (const p of pipes) sysClose(p.fd);
        return fd;
      }
      pipes.push({ cpu, fd: fd.value });
    }
    return ok(new RawReader(layout, pipes));
  }

  /** What {@linkcode readAllRaw} answers, through the open pipes. */
  readAll(maxPages: number = DEFAULT_MAX_PAGES): SysResult<CpuRaw[]> {
    const out: CpuRaw[] = [];
    for (const { cpu, fd } of this.#pipes) {
      const r = readRawFd(fd, this.layout.page.pageSize, maxPages);
      if (!r.ok) return r;
      out.push({ cpu, bytes: r.value });
    }
    return ok(out);
  }

  [Symbol.dispose](): void {
    for (const p of this.#pipes.splice(0)) sysClose(p.fd);
  }
}

/** Drains the buffer of every CPU and returns the records of one event. */
export function readRecords(
  eventId: number,
  opts: ReadOptions = {},
): SysResult<TraceCollection> {
  const root = opts.root ?? TRACEFS;
  const layout = opts.layout ?? readRingLayout(root);
  const raw = readAllRaw({ ...opts, root, layout });
  return raw.ok ? ok(collectRecords(layout, raw.value, eventId)) : raw;
}
