/**
 * Set-up steps of the udiag checks (pure). A step the attacker's move needs
 * but does not attack (alice's read-only mapping, root enabling a trace) must
 * work: when it fails the check has shown nothing, so `setUp()` throws and the
 * runner (security/check_context.ts) gives the verdict "error" with the errno,
 * never "pass".
 *
 * @module
 */
import type { SysResult } from "../../../harness/errno.ts";

/**
 * The value of a set-up step's result; throws naming the step and its errno when it failed.
 *
 * @example
 * ```ts
 * import { setUp } from "./setup.ts";
 * const fd = setUp("alice opens /dev/udiag", { ok: true, value: 3 });
 * if (fd !== 3) throw new Error();
 * try {
 *   setUp("alice maps the page", { ok: false, errno: "ENODEV" });
 *   throw new Error("not thrown");
 * } catch (e) {
 *   if ((e as Error).message !== 'Cannot set up "alice maps the page": ENODEV') throw e;
 * }
 * ```
 */
export function setUp<T>(step: string, r: SysResult<T>): T {
  if (!r.ok) throw new Error(`Cannot set up "${step}": ${r.errno}`, { cause: r });
  return r.value;
}
