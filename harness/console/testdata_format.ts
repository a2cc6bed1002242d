/**
 * The file format of `testdata/`: header lines, a blank line, the raw console
 * log (syzkaller `pkg/report/testdata/linux/report/*`). No `TITLE:` header
 * means the log holds no report; such a file starts with the blank line.
 *
 * ```
 * TITLE: WARNING in drop_nlink
 * TYPE: WARNING
 * CORRUPTED: Y        (only when corrupted)
 * FRAME: drop_nlink   (first frame, when there is one)
 *
 * [   62.102480][ T5830] ------------[ cut here ]------------
 * …
 * ```
 *
 * Pure: no `Deno.*` call.
 *
 * @module
 */
import type { Crash, CrashType } from "./parse.ts";

/** What a testdata file says the parser must find. */
export interface Want {
  readonly title: string;
  readonly type: CrashType;
  readonly corrupted: boolean;
  /** The report's first frame, when it has frames. */
  readonly frames0?: string;
}

const KEYS = ["TITLE", "TYPE", "CORRUPTED", "FRAME"] as const;
const HEADER = /^([A-Z][A-Z0-9_]*): (.*)$/;

/**
 * Splits a testdata file into its expectation and the log.
 *
 * @example
 * ```ts
 * import { splitTestdata } from "./testdata_format.ts";
 * const { want, log } = splitTestdata("TITLE: WARNING in f\nTYPE: WARNING\n\nlog line\n");
 * if (want?.title !== "WARNING in f" || want.corrupted || log !== "log line\n") throw new Error();
 * ```
 */
export function splitTestdata(text: string): { want: Want | null; log: string } {
  const blank = text.indexOf("\n\n");
  const head = text.startsWith("\n") ? "" : blank < 0 ? text : text.slice(0, blank);
  const log = text.startsWith("\n") ? text.slice(1) : blank < 0 ? "" : text.slice(blank + 2);
  const fields = new Map<string, string>();
  for (const line of head ? head.split("\n") : []) {
    const m = HEADER.exec(line);
    if (!m || !(KEYS as readonly string[]).includes(m[1]!)) {
      throw new SyntaxError(`Cannot read testdata header line ${JSON.stringify(line)}`);
    }
    fields.set(m[1]!, m[2]!);
  }
  const title = fields.get("TITLE");
  if (title === undefined) {
    if (fields.size > 0) throw new SyntaxError("Cannot read testdata headers: no TITLE");
    return { want: null, log };
  }
  const type = fields.get("TYPE");
  if (type === undefined) throw new SyntaxError(`Cannot read testdata "${title}": no TYPE`);
  const corrupted = fields.get("CORRUPTED") === "Y";
  const frame = fields.get("FRAME");
  const want: Want = { title, type: type as CrashType, corrupted };
  return { want: frame === undefined ? want : { ...want, frames0: frame }, log };
}

/**
 * Writes a testdata file; `splitTestdata(formatTestdata(want, log))` gives
 * back `want` and `log`.
 *
 * @example
 * ```ts
 * import { formatTestdata } from "./testdata_format.ts";
 * if (formatTestdata(null, "boot\n") !== "\nboot\n") throw new Error();
 * ```
 */
export function formatTestdata(want: Want | null, log: string): string {
  if (!want) return `\n${log}`;
  const lines = [`TITLE: ${want.title}`, `TYPE: ${want.type}`];
  if (want.corrupted) lines.push("CORRUPTED: Y");
  if (want.frames0 !== undefined) lines.push(`FRAME: ${want.frames0}`);
  return `${lines.join("\n")}\n\n${log}`;
}

/**
 * The expectation a parsed report meets, in testdata terms.
 *
 * @example
 * ```ts
 * import { wantOf } from "./testdata_format.ts";
 * if (wantOf(null) !== null) throw new Error();
 * ```
 */
export function wantOf(crash: Crash | null): Want | null {
  if (!crash) return null;
  const want: Want = { title: crash.title, type: crash.type, corrupted: crash.corrupted };
  const first = crash.frames[0];
  return first === undefined ? want : { ...want, frames0: first };
}
