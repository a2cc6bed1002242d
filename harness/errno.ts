/**
 * Errno names, taken from `node:os` `constants.errno` (the platform's table),
 * and the result type every syscall wrapper returns: kernel refusals are data.
 *
 * @module
 */
import { constants } from "node:os";

/** An errno name from the platform table, e.g. `"EBUSY"`. */
export type KnownErrno = keyof typeof constants.errno;
/** A number the table does not name (e.g. the kernel-internal ENOTSUPP, 524). */
export type UnknownErrno = `E#${number}`;
/** The errno of a failed call. */
export type Errno = KnownErrno | UnknownErrno;

/** A syscall's outcome: its value, or the errno name it failed with. */
export type SysResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errno: Errno };

// Numbers with two names (EAGAIN/EWOULDBLOCK, EOPNOTSUPP/ENOTSUP, EDEADLK/
// EDEADLOCK) print under the kernel's spelling.
const PREFERRED = new Set<string>(["EAGAIN", "EOPNOTSUPP", "EDEADLK"]);

const BY_NUMBER: ReadonlyMap<number, KnownErrno> = (() => {
  const m = new Map<number, KnownErrno>();
  for (const [name, num] of Object.entries(constants.errno)) {
    if (!m.has(num) || PREFERRED.has(name)) m.set(num, name as KnownErrno);
  }
  return m;
})();

/**
 * Names an errno number.
 *
 * @example
 * ```ts
 * import { errnoName } from "./errno.ts";
 * if (errnoName(16) !== "EBUSY" || errnoName(524) !== "E#524") throw new Error();
 * ```
 */
export function errnoName(num: number): Errno {
  return BY_NUMBER.get(num) ?? `E#${num}`;
}

/** The number of an errno name; throws for a name the platform does not know. */
export function errnoNumber(name: Errno): number {
  if (name.startsWith("E#")) return Number(name.slice(2));
  const n = (constants.errno as Record<string, number>)[name];
  if (n === undefined) throw new TypeError(`Unknown errno name "${name}"`);
  return n;
}

/** A successful result. */
export function ok<T>(value: T): SysResult<T> {
  return { ok: true, value };
}

/** A failed result. */
export function fail<T = never>(errno: Errno): SysResult<T> {
  return { ok: false, errno };
}

/** `"ok 3"` or `"EBUSY"`: the form reports and repro lines use. */
export function showResult(r: SysResult<unknown>): string {
  return r.ok ? `ok ${String(r.value)}` : r.errno;
}
