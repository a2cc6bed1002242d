/**
 * Where the checkout is, for every CLI: the guest runs commands from the same
 * path over 9p, so paths under it mean the same on both sides.
 *
 * @module
 */

/** The checkout's root directory, without a trailing slash. */
export const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

/**
 * `path` relative to the checkout when it lies inside it, else unchanged.
 *
 * @example
 * ```ts
 * import { ROOT, rootRelative } from "./paths.ts";
 * if (rootRelative(`${ROOT}/reports/x`) !== "reports/x" || rootRelative("/tmp/y") !== "/tmp/y") {
 *   throw new Error();
 * }
 * ```
 */
export function rootRelative(path: string): string {
  return path.startsWith(`${ROOT}/`) ? path.slice(ROOT.length + 1) : path;
}
