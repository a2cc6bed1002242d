/**
 * Case marks in the kernel log, written and read here only: before a case the
 * guest writes `udiag-fuzz[pid]: <suite>/<case>: start` to /dev/kmsg (and
 * `…: end` after it), so a kernel report that follows in the console names
 * the case that was running (kirk writes the same kind of mark).
 *
 * Everything but {@linkcode markCase} is pure.
 *
 * @module
 */

/** One mark, parsed. */
export interface CaseMark {
  readonly pid: number;
  /** "conformance", "security", "fuzz", … */
  readonly suite: string;
  /** The case within the suite: a rule ID, a check ID, `model/7/3`. */
  readonly caseId: string;
  readonly phase: "start" | "end";
}

// The printk prefix (`[   12.345678] `, optionally `[ T123] `) is not part of a mark.
const MARK = /(?:^|\] )udiag-fuzz\[(\d+)\]: ([^/\s][^/]*?)\/(.+): (start|end)\s*$/;

/**
 * The mark line for a case.
 *
 * @example
 * ```ts
 * import { caseMark } from "./marks.ts";
 * if (caseMark("fuzz", "model/1/2", "start", 7) !== "udiag-fuzz[7]: fuzz/model/1/2: start") {
 *   throw new Error();
 * }
 * ```
 */
export function caseMark(
  suite: string,
  caseId: string,
  phase: "start" | "end",
  pid = Deno.pid,
): string {
  if (suite.includes("/") || /\s/.test(suite)) {
    throw new RangeError(`Invalid suite "${suite}": a mark's suite has no "/" and no blank`);
  }
  return `udiag-fuzz[${pid}]: ${suite}/${caseId}: ${phase}`;
}

/**
 * The mark in a console or kmsg line, or null.
 *
 * @example
 * ```ts
 * import { parseMark } from "./marks.ts";
 * const m = parseMark("[   17.1] udiag-fuzz[412]: conformance/UD-REG-001: start");
 * if (m?.suite !== "conformance" || m.caseId !== "UD-REG-001" || m.phase !== "start") {
 *   throw new Error();
 * }
 * ```
 */
export function parseMark(line: string): CaseMark | null {
  const m = MARK.exec(line);
  if (!m) return null;
  return {
    pid: Number(m[1]),
    suite: m[2]!,
    caseId: m[3]!,
    phase: m[4] as "start" | "end",
  };
}

/** `"suite/case"`, as findings name the case they were found in. */
export function caseRef(m: Pick<CaseMark, "suite" | "caseId">): string {
  return `${m.suite}/${m.caseId}`;
}

/**
 * Splits a finding's case (`"suite/case"`) back into suite and case.
 *
 * @example
 * ```ts
 * import { splitCaseRef } from "./marks.ts";
 * const r = splitCaseRef("fuzz/race/5/3x3000");
 * if (r?.suite !== "fuzz" || r.caseId !== "race/5/3x3000") throw new Error();
 * ```
 */
export function splitCaseRef(ref: string): { suite: string; caseId: string } | null {
  const slash = ref.indexOf("/");
  if (slash <= 0 || slash === ref.length - 1) return null;
  return { suite: ref.slice(0, slash), caseId: ref.slice(slash + 1) };
}

/**
 * The case that was running at `line` (0-based): `"SUITE/CASE"` of the last
 * start mark before that line, or null.
 *
 * @example
 * ```ts
 * import { lastMarkBefore } from "./marks.ts";
 * const log = "[    1.000000] udiag-fuzz[77]: del/DEL-003: start\n[    1.500000] boom";
 * if (lastMarkBefore(log, 1) !== "del/DEL-003" || lastMarkBefore(log, 0) !== null) throw new Error();
 * ```
 */
export function lastMarkBefore(log: string, line: number): string | null {
  const lines = log.split("\n");
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
    const m = parseMark(lines[i]!);
    if (m?.phase === "start") return caseRef(m);
  }
  return null;
}

/** Start marks of `suite` in `log`, in order (every suite when `suite` is omitted). */
export function startedCases(log: string, suite?: string): string[] {
  const out: string[] = [];
  for (const l of log.split("\n")) {
    const m = parseMark(l);
    if (m?.phase === "start" && (suite === undefined || m.suite === suite)) out.push(m.caseId);
  }
  return out;
}

/**
 * The case of `suite` whose start mark came last and that reported no outcome:
 * the one running when its process or the kernel died, or null.
 */
export function crashedCase(
  log: string,
  suite: string,
  reported: ReadonlySet<string>,
): string | null {
  const last = startedCases(log, suite).at(-1);
  return last !== undefined && !reported.has(last) ? last : null;
}

/**
 * The console lines of one case: from five lines before its start mark to its
 * end mark (to the end of the log when it has none); "" when it never started.
 */
export function consoleForCase(log: string, suite: string, caseId: string): string {
  const lines = log.split("\n");
  const isMark = (l: string, phase: "start" | "end") => {
    const m = parseMark(l);
    return m !== null && m.suite === suite && m.caseId === caseId && m.phase === phase;
  };
  const start = lines.findIndex((l) => isMark(l, "start"));
  if (start < 0) return "";
  const end = lines.findIndex((l, i) => i > start && isMark(l, "end"));
  return lines.slice(Math.max(0, start - 5), end < 0 ? undefined : end + 1).join("\n");
}

let kmsg: Deno.FsFile | null | undefined;

/** Writes a mark to /dev/kmsg; a no-op where /dev/kmsg cannot be written (a host run). */
export function markCase(suite: string, caseId: string, phase: "start" | "end"): void {
  if (kmsg === undefined) {
    try {
      // Only a guest's console carries marks (init sets UDIAG_OUT): a unit
      // test of a campaign on the host must not write to the host's log.
      kmsg = Deno.env.get("UDIAG_OUT") ? Deno.openSync("/dev/kmsg", { write: true }) : null;
    } catch {
      kmsg = null;
    }
  }
  kmsg?.writeSync(new TextEncoder().encode(caseMark(suite, caseId, phase) + "\n"));
}
