/**
 * Finds kernel reports (KASAN, WARNING, lockdep, kmemleak, hangs, panics, …)
 * in a serial console log and names each one the way syzkaller does, so a
 * title is a stable dedup key: `KASAN: slab-use-after-free Read in foo`.
 * The signatures live in `oopses.ts`; this file walks lines, cuts reports
 * out, reads their stacks and picks the guilty frame
 * (syzkaller `pkg/report/linux.go` `Parse`).
 *
 * Pure: no `Deno.*` call.
 *
 * @module
 */
import {
  type CrashType,
  group,
  HANG_ANCHORS,
  HANG_SKIP,
  OOPSES,
  type OopsFormat,
  STALL_ANCHORS,
  STALL_STRIP_PREFIXES,
} from "./oopses.ts";

export type { CrashType } from "./oopses.ts";

/** One kernel report found in a console log. */
export interface Crash {
  /** Dedup key: ASCII, addresses → `ADDR`, long numbers → `NUM`, ≤ 120 chars. */
  readonly title: string;
  readonly type: CrashType;
  /** Function names of the report's stack, top first, skip list applied. */
  readonly frames: string[];
  /** The report's own lines, printk prefixes removed, header to end marker. */
  readonly report: string;
  /** 0-based index in `log.split("\n")` of the header line. */
  readonly startLine: number;
  /** 0-based index of the report's last line (inclusive). */
  readonly endLine: number;
  /** The title could not be built as the format wants (see `corruptedReason`). */
  readonly corrupted: boolean;
  readonly corruptedReason?: string;
}

/** A console line split into its message and printk caller id. */
export interface ConsoleLine {
  /** The message, printk timestamp and caller id removed. */
  readonly text: string;
  /** `"T123"` / `"C1"` with CONFIG_PRINTK_CALLER, else `""`. */
  readonly context: string;
}

/** A frame of a stack trace. */
export interface Frame {
  /** Function name without module and `.isra.0`-style suffixes. */
  readonly func: string;
  /** Printed with `?`: a stale return address the unwinder is unsure of. */
  readonly questionable: boolean;
}

/** Reports longer than this are cut: past it a "report" is other output. */
export const MAX_REPORT_LINES = 300;

const MAX_TITLE = 120;

// "** 3 printk messages dropped ** ", "<4>", "[   12.345678]", "[  T123]" / "[    C1]".
const PRINTK_PREFIX =
  /^(?:\*\* \d+ printk messages dropped \*\* )?(?:<\d+>)?(?:\[\s*\d+\.\d+\]\s?)?(?:\[\s*([CT]\d+)\]\s?)?/;
// kmemleak.verbose=1 prints each line of a leak report with its pr_fmt.
const KMEMLEAK_PREFIX = /^kmemleak: /;

const FUNC = String.raw`[A-Za-z_][\w.]*`;
const OFF = String.raw`\+0x[0-9a-f]+\/0x[0-9a-f]+`;
// " func+0x1/0x2", " ? func+0x1/0x2", "[<ffffffff81234567>] func+0x1/0x2 [mod]".
const FRAME_RE = new RegExp(
  String.raw`^\s*(?:\[<?(?:0x)?[0-9a-f]+>?\]\s*){0,2}(\?\s+)?(${FUNC})${OFF}`,
);
// "RIP: 0010:func+0x12/0x34" (x86_64), "pc : func+0x12/0x34" (arm64).
const RIP_RE = new RegExp(
  String.raw`^\s*(?:RIP|pc) ?: ?(?:[0-9a-f]{4}:)?(?:\[<[0-9a-f]+>\]\s*)?(${FUNC})${OFF}`,
);
// Frames syzkaller's symbolizer added for inlined calls: "func file.c:12 [inline]".
const INLINE_RE = new RegExp(String.raw`^\s+(${FUNC}) \S+:\d+ \[inline\]\s*$`);
// GCC/LLVM clone suffixes: the same function, so the same title.
const CLONE_SUFFIX = /\.(?:isra|constprop|part|cold|lto_priv|llvm|localalias)(?:\.\d+)*/g;

// Lines inside a stack that are not frames and do not end it.
const STACK_NOISE: readonly RegExp[] = [
  /^<\/?(?:TASK|IRQ|NMI|EOI|SOFTIRQ)>$/,
  /^(?:RIP|RSP|RAX|RBX|RCX|RDX|RSI|RDI|RBP|R\d+|FS|GS|CS|DS|ES|CR\d|DR\d|PKRU|Code|ORIG_RAX|EFLAGS):/,
  /^(?:lr|sp|pstate|x\d+) ?:/,
  /^Call [Tt]race:/,
  /^Modules linked in:/,
  /^\? /,
];
const STACK_END = /^<\/TASK>$/;

// Lines that end any report (inclusive).
const REPORT_ENDS: readonly RegExp[] = [
  /^---\[ end trace [0-9a-f]+ \]---/,
  /^---\[ end Kernel panic/,
  /^Rebooting in \d+ seconds/,
];

/**
 * Splits a console line into message and printk caller id.
 *
 * @example
 * ```ts
 * import { consoleLine } from "./parse.ts";
 * const l = consoleLine("[   62.102480][ T5830] ------------[ cut here ]------------");
 * if (l.text !== "------------[ cut here ]------------" || l.context !== "T5830") throw new Error();
 * ```
 */
export function consoleLine(line: string): ConsoleLine {
  const raw = line.endsWith("\r") ? line.slice(0, -1) : line;
  const m = PRINTK_PREFIX.exec(raw);
  const text = raw.slice(m?.[0].length ?? 0).replace(KMEMLEAK_PREFIX, "");
  return { text, context: m?.[1] ?? "" };
}

/**
 * Drops the parts of a function name that change between builds of the same
 * code: the module tag and compiler clone suffixes.
 *
 * @example
 * ```ts
 * import { cleanFunc } from "./parse.ts";
 * if (cleanFunc("sk_prot_alloc.isra.0") !== "sk_prot_alloc") throw new Error();
 * ```
 */
export function cleanFunc(name: string): string {
  return name.replace(CLONE_SUFFIX, "");
}

/**
 * Reads a stack-frame line (message text, printk prefix already removed).
 *
 * @example
 * ```ts
 * import { parseFrame } from "./parse.ts";
 * const f = parseFrame("  ? __warn+0x168/0x4e0");
 * if (f?.func !== "__warn" || !f.questionable) throw new Error();
 * ```
 */
export function parseFrame(text: string): Frame | null {
  const rip = RIP_RE.exec(text);
  if (rip) return { func: cleanFunc(rip[1]!), questionable: false };
  const frame = FRAME_RE.exec(text);
  if (frame) return { func: cleanFunc(frame[2]!), questionable: frame[1] !== undefined };
  const inline = INLINE_RE.exec(text);
  if (inline) return { func: cleanFunc(inline[1]!), questionable: false };
  return null;
}

/**
 * Makes a title a stable key: printable ASCII, one space between words,
 * addresses → `ADDR`, numbers of 5+ digits → `NUM`, at most 120 characters
 * (syzkaller `report.go` `dynamicTitleReplacement`, `sanitizeTitle`).
 *
 * @example
 * ```ts
 * import { sanitizeTitle } from "./parse.ts";
 * const t = sanitizeTitle("Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b");
 * if (t !== "Kernel panic - not syncing: Attempted to kill init! exitcode=ADDR") throw new Error(t);
 * ```
 */
export function sanitizeTitle(title: string): string {
  let t = title.replace(/\s+/g, " ").replace(/[^\x20-\x7e]/g, "?");
  for (let prev = ""; prev !== t;) {
    prev = t;
    t = t.replace(/(^|[^a-zA-Z0-9])(?:0x)?[0-9a-f]{6,}/g, "$1ADDR")
      .replace(/(^|[^a-zA-Z])[0-9]{5,}/g, "$1NUM");
  }
  t = t.trim();
  return t.length > MAX_TITLE ? t.slice(0, MAX_TITLE).trimEnd() : t;
}

interface Line extends ConsoleLine {
  /** `text` without leading and trailing blanks: what headers and anchors see. */
  readonly trimmed: string;
}

interface Header {
  readonly format: OopsFormat;
  readonly match: RegExpMatchArray;
}

function splitLog(log: string): Line[] {
  return log.split("\n").map((raw) => {
    const l = consoleLine(raw);
    return { ...l, trimmed: l.text.trim() };
  });
}

function matchHeader(line: Line): Header | null {
  for (const format of OOPSES) {
    const match = format.header.exec(line.trimmed);
    if (match) return { format, match };
  }
  return null;
}

// Yields every report in log order. A followsOops signature (a panic) starts a
// report only when no report came before it: otherwise it is that report's
// aftermath, and the report it follows already carries the bug.
function* findReports(lines: readonly Line[]): Generator<Crash> {
  let seen = false;
  for (let i = 0; i < lines.length; i++) {
    const header = matchHeader(lines[i]!);
    if (!header || (header.format.followsOops && seen)) continue;
    seen = true;
    yield buildCrash(lines, i, header);
  }
}

// The header's own lines: same printk context, up to an end marker, the next
// report's header or MAX_REPORT_LINES. Lines of other CPUs/tasks interleaved
// with it are left out.
function reportExtent(lines: readonly Line[], start: number, format: OopsFormat): number[] {
  const context = lines[start]!.context;
  const own = [start];
  for (let j = start + 1; j < lines.length && own.length < MAX_REPORT_LINES; j++) {
    const line = lines[j]!;
    if (line.context !== context) continue;
    const next = matchHeader(line);
    if (next && !next.format.followsOops) break;
    own.push(j);
    if (next || REPORT_ENDS.some((re) => re.test(line.trimmed)) || format.end?.test(line.trimmed)) {
      break;
    }
  }
  return own;
}

// Frames from `from` on, until the stack ends: `</TASK>`, or a line that is
// neither a frame nor stack noise once a frame was read.
function readStack(lines: readonly Line[], from: number): string[] {
  const frames: string[] = [];
  let started = false;
  for (let i = from; i < lines.length; i++) {
    const { text, trimmed } = lines[i]!;
    const frame = parseFrame(text);
    if (frame) {
      if (!frame.questionable && frames.at(-1) !== frame.func) frames.push(frame.func);
      started ||= !frame.questionable;
      continue;
    }
    if (STACK_END.test(trimmed)) {
      if (started) break;
      continue;
    }
    if (started && !STACK_NOISE.some((re) => re.test(trimmed))) break;
  }
  return frames;
}

// Index of the frame a stall is blamed on: the one above the first dispatcher.
function stallFrame(frames: readonly string[]): number {
  const anchor = frames.findIndex((f) => STALL_ANCHORS.some((re) => re.test(f)));
  return anchor < 0 ? -1 : Math.max(anchor - 1, 0);
}

// A stall title drops the syscall wrapper prefixes (`__x64_sys_ioctl` → `sys_ioctl`).
function stallName(frame: string): string {
  let name = frame;
  for (const prefix of STALL_STRIP_PREFIXES) {
    if (name.startsWith(prefix)) name = name.slice(prefix.length);
  }
  return name;
}

// Index of the frame a hung task is blamed on, and the name to blame.
function hangFrame(frames: readonly string[]): [number, string] {
  for (const [i, frame] of frames.entries()) {
    for (const [anchor, replacement] of HANG_ANCHORS) {
      if (frame.startsWith(anchor)) return [i, replacement || frame];
    }
  }
  const i = frames.findIndex((frame) => !HANG_SKIP.some((s) => frame.includes(s)));
  return [i, frames[i] ?? ""];
}

interface Guilty {
  /** The name the title blames, or `null`. */
  readonly frame: string | null;
  /** The stack from the blamed frame down. */
  readonly frames: string[];
  readonly reason?: string;
}

function findGuilty(format: OopsFormat, match: RegExpMatchArray, lines: readonly Line[]): Guilty {
  let from = 1;
  let missing: string | undefined;
  for (const anchor of format.frameAfter ?? []) {
    const at = lines.findIndex((l, i) => i >= from && anchor.test(l.trimmed));
    if (at < 0) {
      missing = `no line matching ${anchor} in the report`;
      break;
    }
    from = at + 1;
  }
  let stack = missing ? [] : readStack(lines, from);
  if (format.pick === "stall") {
    // The timer interrupt that noticed the stall splits the stack: blame the
    // code it interrupted, not the watchdog.
    const irq = stack.findIndex((f) => /apic_timer_interrupt$/.test(f));
    if (irq >= 0 && irq + 1 < stack.length) stack = stack.slice(irq + 1);
  }
  const skipped = (fn: string) => format.skip.some((re) => re.test(fn));
  const kept = stack.filter((fn) => !skipped(fn));
  const head = cleanFunc(group(match, "func"));
  if (head && !skipped(head)) {
    return { frame: head, frames: [head, ...kept.slice(kept.indexOf(head) + 1)] };
  }
  let at: number;
  let name: string;
  let none: string;
  switch (format.pick) {
    case "stall":
      at = stallFrame(kept);
      name = stallName(kept[at] ?? "");
      none = "no stall anchor frame in the stack";
      break;
    case "hang":
      [at, name] = hangFrame(kept);
      none = "every frame is wait machinery";
      break;
    default:
      at = kept.length > 0 ? 0 : -1;
      name = kept[0] ?? "";
      none = "no frame after skip list";
  }
  if (at >= 0) return { frame: name, frames: kept.slice(at) };
  const reason = missing ?? (stack.length === 0 ? "no stack frames in the report" : none);
  return { frame: null, frames: kept, reason };
}

function buildCrash(lines: readonly Line[], start: number, header: Header): Crash {
  const { format } = header;
  const own = reportExtent(lines, start, format);
  const reportLines = own.map((i) => lines[i]!);
  const report = reportLines.map((l) => l.text).join("\n");
  const reasons: string[] = [];

  let match = header.match;
  if (format.report) {
    const refined = format.report.exec(report);
    if (refined) match = refined;
    else reasons.push("report regexp did not match");
  }
  const guilty = findGuilty(format, match, reportLines);
  if (!format.noFrame && !guilty.frame) reasons.push(guilty.reason ?? "no frame after skip list");
  const frame = format.noFrame ? "" : guilty.frame ?? "corrupted";
  const title = sanitizeTitle(format.title(match, frame));
  const because = format.corrupted?.(match);
  if (because) reasons.push(because);
  if (/\[ *\d+\.\d+\]/.test(title)) reasons.push("title contains a printk timestamp");

  const crash = {
    title,
    type: format.type,
    frames: guilty.frames,
    report,
    startLine: start,
    endLine: own.at(-1)!,
    corrupted: reasons.length > 0,
  };
  return reasons.length > 0 ? { ...crash, corruptedReason: reasons[0]! } : crash;
}

/**
 * The first kernel report in a console log, or `null` when there is none.
 *
 * @example
 * ```ts
 * import { parseConsole } from "./parse.ts";
 * const log = [
 *   "[   62.108072][ T5830] WARNING: CPU: 1 PID: 5830 at fs/inode.c:336 drop_nlink+0xc4/0x110",
 *   "[   62.141522][ T5830] RIP: 0010:drop_nlink+0xc4/0x110",
 * ].join("\n");
 * if (parseConsole(log)?.title !== "WARNING in drop_nlink") throw new Error();
 * ```
 */
export function parseConsole(log: string): Crash | null {
  for (const crash of findReports(splitLog(log))) return crash;
  return null;
}

/**
 * Every distinct report in a console log, in log order; a report whose title
 * an earlier one already has is dropped (syzkaller keys crashes by title).
 *
 * @example
 * ```ts
 * import { parseAll } from "./parse.ts";
 * if (parseAll("no oops here").length !== 0) throw new Error();
 * ```
 */
export function parseAll(log: string): Crash[] {
  const titles = new Set<string>();
  const crashes: Crash[] = [];
  for (const crash of findReports(splitLog(log))) {
    if (titles.has(crash.title)) continue;
    titles.add(crash.title);
    crashes.push(crash);
  }
  return crashes;
}

/**
 * Whether the log holds a kernel report; `parseConsole(log) !== null` exactly,
 * without building the report.
 *
 * @example
 * ```ts
 * import { containsCrash } from "./parse.ts";
 * if (!containsCrash("[   17.273620] BUG: KASAN: slab-use-after-free in ext4_read_inline_data+0x19c/0x270")) {
 *   throw new Error();
 * }
 * ```
 */
export function containsCrash(log: string): boolean {
  // The first header always starts a report: followsOops only defers to an
  // earlier one.
  return splitLog(log).some((line) => matchHeader(line) !== null);
}
