/**
 * The known payloads the capture writes and the tests expect back: ramps of
 * 0x00..0xff, up and down, of lengths 1, 7, 64 and 1000 (the last covers
 * every byte value four times).
 *
 * @module
 */

/** One payload: a name and how to make its bytes. */
export interface PayloadSpec {
  /** `up7`, `down1000`, … */
  readonly name: string;
  readonly length: number;
  /** First byte; then +1 (up) or -1 (down) modulo 256. */
  readonly first: number;
  readonly step: 1 | -1;
}

/** Lengths the brief asks for: a byte, an odd length, a cache line, most of a page. */
export const PAYLOAD_LENGTHS = [1, 7, 64, 1000] as const;

/** The payloads of one round, in write order: up then down for each length. */
export const PAYLOADS: readonly PayloadSpec[] = PAYLOAD_LENGTHS.flatMap((length) => [
  { name: `up${length}`, length, first: 0x00, step: 1 as const },
  { name: `down${length}`, length, first: 0xff, step: -1 as const },
]);

/**
 * The bytes of a payload.
 *
 * @example
 * ```ts
 * import { payloadBytes } from "./payloads.ts";
 * const b = payloadBytes({ name: "down3", length: 3, first: 0xff, step: -1 });
 * if (b.join() !== "255,254,253") throw new Error();
 * ```
 */
export function payloadBytes(spec: PayloadSpec): Uint8Array {
  const out = new Uint8Array(spec.length);
  for (let i = 0; i < spec.length; i++) out[i] = (spec.first + spec.step * i) & 0xff;
  return out;
}

/** The spec of a payload name; throws for a name not in {@linkcode PAYLOADS}. */
export function payloadByName(name: string): PayloadSpec {
  const p = PAYLOADS.find((s) => s.name === name);
  if (!p) throw new RangeError(`Unknown payload "${name}"`);
  return p;
}
