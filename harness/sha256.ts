/**
 * SHA-256 as lowercase hex: the cache keys of kernels, modules, helpers and
 * reproducers.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "./sha256.ts";
 * const h = await sha256Hex("abc");
 * if (!h.startsWith("ba7816bf")) throw new Error(h);
 * ```
 *
 * @module
 */

/** The SHA-256 of `data` (a string as its UTF-8 bytes), in hex. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
