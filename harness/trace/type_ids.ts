/**
 * Where the tracing core's event type ids must grow. Every dynamic event
 * takes a type id from an IDA (kernel/trace/trace_output.c
 * alloc_trace_event_type(): `ida_alloc_range(__TRACE_LAST_TYPE, 65535)`),
 * and register_trace_event() answers 0 for any failure there, hiding
 * whether the ids ran out or an allocation failed. The IDA allocates
 * memory only at one point of each 1024-id chunk (lib/idr.c
 * ida_alloc_range()): a chunk whose ids are all below 63 is an xarray
 * value, and its first id from 63 on needs a bitmap allocated (once
 * GFP_NOWAIT, then, if that failed, with the caller's GFP_KERNEL). A rule
 * that must make that allocation fail fills a chunk nobody uses up to id 62
 * and registers once more.
 *
 * @module
 */

/** Ids per IDA chunk (`IDA_BITMAP_BITS`: a 128-byte bitmap). */
export const IDA_BITMAP_BITS = 1024;

/** Ids a chunk holds as an xarray value (`BITS_PER_XA_VALUE` on 64-bit). */
export const BITS_PER_XA_VALUE = 63;

/** The largest type id (`TRACE_EVENT_TYPE_MAX`). */
export const TRACE_EVENT_TYPE_MAX = 65535;

/** An id whose allocation makes the IDA allocate. */
export interface GrowthPoint {
  /** The id: the 64th of its chunk. */
  readonly id: number;
  /** The chunk's first id. */
  readonly chunkStart: number;
  /**
   * Allocations before the one of `id`, if ids from `from` up are taken
   * lowest first and `used` are all the ids taken now.
   */
  readonly fill: number;
}

/**
 * The lowest growth point at or above `from` in a chunk no id of `used`
 * falls in (pure).
 *
 * ```ts
 * import { growthPoint } from "./type_ids.ts";
 * // Ids 20..1500 taken: chunk 1 is in use, chunk 2 (2048..) is not.
 * const used = new Set(Array.from({ length: 1481 }, (_, i) => 20 + i));
 * const g = growthPoint(used, 20)!;
 * if (g.id !== 2048 + 63 || g.fill !== 2048 - 1501 + 63) throw new Error();
 * ```
 */
export function growthPoint(
  used: ReadonlySet<number>,
  from: number,
  max = TRACE_EVENT_TYPE_MAX,
): GrowthPoint | null {
  let free = 0;
  for (let start = from - (from % IDA_BITMAP_BITS); start <= max; start += IDA_BITMAP_BITS) {
    const end = Math.min(start + IDA_BITMAP_BITS - 1, max);
    let taken = 0;
    for (let id = Math.max(start, from); id <= end; id++) if (used.has(id)) taken++;
    if (start >= from && taken === 0 && start + BITS_PER_XA_VALUE <= max) {
      return { id: start + BITS_PER_XA_VALUE, chunkStart: start, fill: free + BITS_PER_XA_VALUE };
    }
    free += end - Math.max(start, from) + 1 - taken;
  }
  return null;
}
