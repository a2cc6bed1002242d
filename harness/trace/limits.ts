/**
 * The payload sizes at every limit a trace sink has (pure): where a record
 * stops fitting is where a write can return its count while the record
 * silently vanishes, so the payload-limit rules write exactly there.
 *
 * @module
 */

/**
 * `PERF_MAX_TRACE_SIZE` (include/linux/trace_events.h): the largest raw
 * record perf_trace_buf_alloc() hands out; not in a uapi header.
 */
export const PERF_MAX_TRACE_SIZE = 8192;

/**
 * The ring buffer's header of an event too long for its `type_len` (every
 * event over 112 bytes): the type word and a u32 length (`events/header_event`).
 */
export const RING_LONG_EVENT_HEADER = 8;

/**
 * The time extend the ring buffer adds to an event when the previous one is
 * old (`RB_LEN_TIME_EXTEND`): after its size check, so an event at the size
 * limit may not fit a page with it.
 */
export const RING_TIME_EXTEND = 8;

/** perf's raw sample starts with a u32 size, counted in PERF_MAX_TRACE_SIZE. */
export const PERF_RAW_SIZE_WORD = 4;

/** The largest write the rules try: well past every sink's record. */
export const LARGEST_WRITE = 1 << 20;

/** What the limits are on the running kernel. */
export interface SinkLimits {
  /** mmap's page size. */
  readonly pageSize: number;
  /** Bytes of events one ring buffer data page holds (`events/header_page`, field `data`). */
  readonly ringData: number;
  /**
   * Bytes a record carries besides the payload (common fields and the
   * ABI's own fields), so the payload sizes around each limit are derived.
   */
  readonly overhead: number;
}

/**
 * The sizes (pure, ascending, unique, none negative): 0, 1, ±1 around the
 * page size, around the ring buffer's data page and around perf's largest
 * trace record (each as a payload size, and as the payload that makes the
 * record exactly that size with its headers), 64 KiB and
 * {@linkcode LARGEST_WRITE}.
 *
 * @example
 * ```ts
 * import { limitSizes } from "./limits.ts";
 * const s = limitSizes({ pageSize: 4096, ringData: 4080, overhead: 16 });
 * if (!s.includes(4048) || !s.includes(4056) || !s.includes(8172) || s[0] !== 0) throw new Error();
 * ```
 */
export function limitSizes(l: SinkLimits): number[] {
  const around = (n: number) => [n - 1, n, n + 1];
  const sizes = [
    0,
    1,
    ...around(l.pageSize),
    ...around(l.ringData),
    ...around(l.ringData - RING_LONG_EVENT_HEADER - l.overhead),
    ...around(l.ringData - RING_LONG_EVENT_HEADER - RING_TIME_EXTEND - l.overhead),
    ...around(PERF_MAX_TRACE_SIZE),
    ...around(PERF_MAX_TRACE_SIZE - PERF_RAW_SIZE_WORD - l.overhead),
    65536,
    LARGEST_WRITE,
  ];
  return [...new Set(sizes.filter((n) => n >= 0))].sort((a, b) => a - b);
}
