/**
 * How user_events fuzz findings are titled (pure): titles stay the same
 * across runs, so one problem lands in one report folder. Write indexes and
 * byte counts past 1 become N, and no title carries an address, a bit number
 * or a payload byte.
 *
 * @module
 */

/** Names of the model commands and raw operations, for coverage counts. */
export const COMMAND_NAMES = [
  "open",
  "close",
  "register",
  "unregister",
  "delete",
  "write",
  "trace",
  "dyn_create",
  "dyn_delete",
  "protect",
  "raw_reg",
  "raw_unreg",
  "raw_del",
  "raw_write",
  "raw_ioctl",
  // The race campaign's rounds count their operations here (race.ts).
  "race",
] as const;

/** The command name of a printed command (`register(h1, "f0 u32 a", …)` → `register`). */
export function commandName(printed: string): string {
  const open = printed.indexOf("(");
  return (open < 0 ? printed : printed.slice(0, open)).replace(/^(writev|short_write)$/, "write");
}

/**
 * The title of a model mismatch.
 *
 * @example
 * ```ts
 * import { mismatchTitle } from "./titles.ts";
 * if (mismatchTitle("register(h3, \"f1\", w2+4, size 4, bit 7)", "ok 5", "ok 1") !==
 *     "fuzz: register returned ok N, expected ok 1") throw new Error();
 * ```
 */
export function mismatchTitle(op: string, got: string, want: string): string {
  const norm = (s: string) => s.replace(/\bok ([2-9]|\d{2,})\b/g, "ok N");
  return `fuzz: ${commandName(op)} returned ${norm(got)}, expected ${norm(want)}`;
}

/**
 * The title of an enable word that differs from the model's: which kind of
 * bit, never its number or the word's address.
 *
 * @example
 * ```ts
 * import { wordTitle } from "./titles.ts";
 * if (wordTitle("trace(\"f0\", on)", "enabler bit clear, expected set") !==
 *     "fuzz: enable word after trace: enabler bit clear, expected set") throw new Error();
 * ```
 */
export function wordTitle(op: string, what: string): string {
  return `fuzz: enable word after ${commandName(op)}: ${what}`;
}

/** Whether a finding is about enable words (its replay still checks them all). */
export function isWordTitle(title: string): boolean {
  return title.startsWith("fuzz: enable word after ");
}
