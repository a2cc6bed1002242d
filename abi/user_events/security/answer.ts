/**
 * How a check reads the kernel's answer to an attacker's move (pure): the
 * move must fail with one of the errnos the source gives. Success is the
 * weakness; another errno means the guard the check cites did not answer
 * either, so it is an exposure too, never a pass.
 *
 * @module
 */
import type { SysResult } from "../../../harness/errno.ts";

/**
 * What is wrong with answer `r` to move `what` when one of `expected` must
 * come back, or null when it did.
 *
 * @example
 * ```ts
 * import { wrongAnswer } from "./answer.ts";
 * if (wrongAnswer("open", { ok: false, errno: "EACCES" }, ["EACCES", "EPERM"]) !== null) {
 *   throw new Error();
 * }
 * if (wrongAnswer("open", { ok: true, value: 3 }, ["EACCES"]) !== "open succeeded (3)") {
 *   throw new Error();
 * }
 * if (wrongAnswer("open", { ok: false, errno: "ENOENT" }, ["EACCES"]) !== "open: ENOENT, not EACCES") {
 *   throw new Error();
 * }
 * ```
 */
export function wrongAnswer(
  what: string,
  r: SysResult<unknown>,
  expected: readonly string[],
): string | null {
  if (r.ok) return `${what} succeeded (${JSON.stringify(r.value)})`;
  if (expected.includes(r.errno)) return null;
  return `${what}: ${r.errno}, not ${expected.join(" or ")}`;
}
