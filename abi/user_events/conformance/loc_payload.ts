/**
 * The payload framing of a user event whose only field is a dynamic byte
 * array (pure): what follows the 4-byte write index is the field's u32 loc
 * word (`DYN_LOC(offset, size)`, H:19: `size << 16 | offset`) and then the
 * data, so the record is `trace_entry` (8 bytes) + loc word + data.
 *
 * @module
 */

/** The largest data length a loc word can state: its high 16 bits. */
export const LOC_MAX_LENGTH = 0xffff;

/** The bytes to write after the index, and what the loc word says of them. */
export interface LocPayload {
  /** The loc word, then every byte of `data`. */
  readonly payload: Uint8Array;
  /**
   * The length the loc word states: `data.length`, saturated at
   * {@linkcode LOC_MAX_LENGTH} when the data is longer than a loc word can
   * state (the bytes past it still follow in the payload; the kernel
   * records the whole payload, U:1638 `size = sizeof(*entry) + i->count`).
   */
  readonly length: number;
}

/**
 * Frames `data` for a `__data_loc` or `__rel_loc` field at record offset
 * `fieldOffset` (the format file's `offset:`, 8 for an event's only field),
 * with the data right after the 4-byte loc word. A `__data_loc` offset
 * counts from the record's start (U:1614), a `__rel_loc` one from the byte
 * after the loc word (U:1611-1612), so the data's offset is
 * `fieldOffset + 4` and `0` respectively.
 *
 * @example
 * ```ts
 * import { locPayload } from "./loc_payload.ts";
 * // 3 data bytes at record offset 12: loc = 3 << 16 | 12.
 * const p = locPayload("data_loc", 8, new Uint8Array([7, 8, 9]));
 * if (p.payload.join() !== "12,0,3,0,7,8,9" || p.length !== 3) throw new Error();
 * const r = locPayload("rel_loc", 8, new Uint8Array(0x10001));
 * if (r.payload.length !== 0x10005 || r.payload.subarray(0, 4).join() !== "0,0,255,255") {
 *   throw new Error();
 * }
 * ```
 */
export function locPayload(
  kind: "data_loc" | "rel_loc",
  fieldOffset: number,
  data: Uint8Array,
): LocPayload {
  const offset = kind === "data_loc" ? fieldOffset + 4 : 0;
  if (offset > 0xffff) throw new RangeError(`A loc word cannot state offset ${offset}`);
  const length = Math.min(data.length, LOC_MAX_LENGTH);
  const payload = new Uint8Array(4 + data.length);
  new DataView(payload.buffer).setUint32(0, ((length << 16) | offset) >>> 0, true);
  payload.set(data, 4);
  return { payload, length };
}
