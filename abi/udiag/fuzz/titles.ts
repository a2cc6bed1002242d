/**
 * How udiag's fuzz findings are titled (pure): titles stay the same across
 * runs, so the same problem lands in one report folder; handles, indexes and
 * lengths that vary between runs become N, while 0 and 1 keep their meaning
 * (ok 0 vs EBUSY, enable byte 0 vs 1).
 *
 * @module
 */

/** Names of the command classes, for coverage counts. */
export const COMMAND_NAMES = [
  "open",
  "close",
  "register",
  "delete",
  "write",
  "ftrace",
  "perf_open",
  "perf_close",
  "bpf_attach",
  "drain",
  "mmap",
] as const;

/** The command-name of a command's printed form (`register(h1, "f0")` → `register`). */
export function commandName(printed: string): string {
  const open = printed.indexOf("(");
  return (open < 0 ? printed : printed.slice(0, open)).replace(/^pwrite$/, "write");
}

/**
 * The title of a model mismatch.
 *
 * @example
 * ```ts
 * import { mismatchTitle } from "./titles.ts";
 * if (mismatchTitle('register(h3, "f1")', "ok 7", "ok 1") !== "fuzz: register returned ok N, expected ok 1") {
 *   throw new Error();
 * }
 * ```
 */
export function mismatchTitle(op: string, got: string, want: string): string {
  const lengthOp = /^(mmap|mprotect|write|pwrite)/.test(op);
  const norm = (s: string) =>
    lengthOp ? s.replace(/\bok \d+\b/g, "ok N") : s.replace(/\bok ([2-9]|\d{2,})\b/g, "ok N");
  // An enable byte is 0 or 1; anything else is stale memory whose value varies.
  const byte = (s: string) => /^\d+$/.test(s) && Number(s) > 1 ? "N" : s;
  const name = op.startsWith("enable byte")
    ? `enable byte after ${commandName(op.replace(/^enable byte \d+ after /, ""))}`
    : commandName(op);
  return `fuzz: ${name} returned ${byte(norm(got))}, expected ${byte(norm(want))}`;
}

/** A record as a drain compares it: the event's name and its payload. */
export interface DrainedRecord {
  readonly name: string;
  readonly data: Uint8Array;
}

/**
 * The title of a drain whose records differ from those written: what went
 * wrong, in words, never the payload bytes or counts (they vary per case, and
 * one problem must land in one report folder).
 *
 * @example
 * ```ts
 * import { drainTitle } from "./titles.ts";
 * const rec = { name: "f3", data: new Uint8Array([74, 65, 19]) };
 * if (drainTitle("ftrace", [rec], []) !== "fuzz: drain(ftrace) returned a record that was not written") {
 *   throw new Error();
 * }
 * ```
 */
export function drainTitle(
  sink: "ftrace" | "perf",
  got: readonly DrainedRecord[],
  want: readonly DrainedRecord[],
): string {
  const head = `fuzz: drain(${sink}) returned`;
  if (got.length > want.length) return `${head} a record that was not written`;
  if (got.length < want.length) return `${head} fewer records than were written`;
  const i = got.findIndex((g, k) =>
    g.name !== want[k]!.name || g.data.length !== want[k]!.data.length ||
    g.data.some((b, j) => b !== want[k]!.data[j])
  );
  if (i < 0) return `${head} the records written`;
  const [g, w] = [got[i]!, want[i]!];
  if (g.name !== w.name) return `${head} records of another event, or out of order`;
  if (g.data.length !== w.data.length) return `${head} a record of another length than written`;
  return `${head} a record whose bytes differ from those written`;
}

/**
 * The title of a drain where an attached eBPF program read, from the last
 * record its perf event got, something other than the payload written.
 *
 * @example
 * ```ts
 * import { bpfTitle } from "./titles.ts";
 * if (bpfTitle(3, 5) !== "fuzz: drain(bpf) read a length other than written") throw new Error();
 * ```
 */
export function bpfTitle(gotLength: number, wantLength: number): string {
  return `fuzz: drain(bpf) read ${
    gotLength !== wantLength ? "a length" : "bytes"
  } other than written`;
}

/** Whether a finding is about the enable page's bytes (its replay compares the whole page). */
export function isPageTitle(title: string): boolean {
  return title.startsWith("fuzz: enable byte after ");
}

/**
 * The title of a raw-campaign violation: values that vary (a length, an
 * index past 1) become N, as in {@linkcode mismatchTitle}.
 *
 * @example
 * ```ts
 * import { rawTitle } from "./titles.ts";
 * if (rawTitle("ioctl(0x4008aa07, …)", "ok 4096", "an unknown ioctl succeeded") !==
 *     "fuzz raw: ioctl returned ok N: an unknown ioctl succeeded") throw new Error();
 * ```
 */
export function rawTitle(op: string, got: string, why: string): string {
  const kind = op.slice(0, op.indexOf("(")).replace("close(); open", "reopen");
  return `fuzz raw: ${kind} returned ${got.replace(/\bok ([2-9]|\d{2,})\b/g, "ok N")}: ${why}`;
}
