/**
 * Boot-to-first-case, split into stages (pure): from the console lines and
 * results records of one boot, each stamped on the host when it arrived
 * (seconds since QEMU was spawned), find the marks init.sh and the fuzz
 * guest leave and the guest's own clock at each.
 *
 *     QEMU spawned ── kernel boot ──▶ "udiag-vm: booted" (init runs)
 *                  ── guest set-up ─▶ "udiag-vm: running: …" (modules, 9p mounts)
 *                  ── Deno start-up ▶ first case mark "udiag-fuzz[pid]: fuzz/…: start"
 *
 * @module
 */
import type { ResultEvent } from "../harness/vm/runner.ts";
import { parseMark } from "../harness/marks.ts";

/** Which kernel command line a boot used: the current one, or the one before the fix. */
export type CmdlineVariant = "after" | "before";

/** The argument the boot fix added (harness/vm/qemu.ts explains it). */
export const FIX_TOKEN = "acpi=noirq";

/**
 * The command line of a variant: `after` is the harness's as it is, `before`
 * the same without {@linkcode FIX_TOKEN}. Throws when the token is absent, so
 * a harness change cannot turn the comparison into one of equals.
 *
 * @example
 * ```ts
 * import { variantCmdline } from "./stages.ts";
 * if (variantCmdline("a=1 acpi=noirq b=2", "before") !== "a=1 b=2") throw new Error();
 * ```
 */
export function variantCmdline(cmdline: string, variant: CmdlineVariant): string {
  const words = cmdline.split(" ");
  if (!words.includes(FIX_TOKEN)) {
    throw new Error(`Kernel command line has no "${FIX_TOKEN}": "${cmdline}"`);
  }
  return variant === "after" ? cmdline : words.filter((w) => w !== FIX_TOKEN).join(" ");
}

/** A console line, stamped on the host in seconds since QEMU was spawned. */
export interface TimedLine {
  readonly t: number;
  readonly line: string;
}

/** A results record, stamped on the host when it was read. */
export interface TimedRecord {
  readonly t: number;
  readonly record: ResultEvent;
}

/**
 * Reads a console log as `boot_probe.ts` writes it, one `<host seconds> <line>` per
 * line, back into timed lines.
 *
 * @example
 * ```ts
 * import { parseTimedLog } from "./stages.ts";
 * const l = parseTimedLog("1.500 [    0.000000] Linux version\n");
 * if (l.length !== 1 || l[0]!.t !== 1.5 || l[0]!.line !== "[    0.000000] Linux version") {
 *   throw new Error();
 * }
 * ```
 */
export function parseTimedLog(text: string): TimedLine[] {
  const out: TimedLine[] = [];
  for (const raw of text.split("\n")) {
    if (raw === "") continue;
    const m = /^(\d+(?:\.\d+)?) (.*)$/.exec(raw);
    if (!m) throw new SyntaxError(`Not a timed console line: "${raw}"`);
    out.push({ t: Number(m[1]), line: m[2]! });
  }
  return out;
}

/** When a mark was seen: on the host (since spawn) and on the guest's clock (uptime). */
export interface Mark {
  readonly host: number;
  readonly guest: number | null;
}

/** Every mark of one boot; null for a mark that never came. */
export interface BootMarks {
  /** First console output (the kernel's early console; SeaBIOS prints nothing here). */
  readonly firstOutput: number | null;
  readonly booted: Mark | null;
  readonly start: Mark | null;
  readonly firstCase: Mark | null;
  /** The same marks as results records: host read time, guest uptime in the record. */
  readonly bootedRecord: Mark | null;
  readonly startRecord: Mark | null;
  /** The first progress record of fuzz/guest.ts, sent when its first case ended. */
  readonly firstProgressRecord: Mark | null;
  /** CPUs the kernel brought up (`smp: Brought up 1 node, 2 CPUs`). */
  readonly cpus: number | null;
  /** `watchdog: BUG: soft lockup` reports during the boot. */
  readonly softLockups: number;
}

const PRINTK = /^\[\s*(\d+\.\d+)\]/;
const BOOTED = /udiag-vm: booted\b/;
const RUNNING = /udiag-vm: running: /;
const SMP = /smp: Brought up \d+ nodes?, (\d+) CPUs?/;
const SOFT_LOCKUP = /watchdog: BUG: soft lockup/;

/**
 * The guest clock of a console line: its printk timestamp.
 *
 * @example
 * ```ts
 * import { printkTime } from "./stages.ts";
 * if (printkTime("[   10.500000] udiag-vm: booted") !== 10.5) throw new Error();
 * ```
 */
export function printkTime(line: string): number | null {
  const m = PRINTK.exec(line);
  return m ? Number(m[1]) : null;
}

function firstLine(
  lines: readonly TimedLine[],
  test: RegExp | ((line: string) => boolean),
): Mark | null {
  const hit = test instanceof RegExp ? (line: string) => test.test(line) : test;
  const l = lines.find((x) => hit(x.line));
  return l ? { host: l.t, guest: printkTime(l.line) } : null;
}

function firstRecord(records: readonly TimedRecord[], event: string): Mark | null {
  const r = records.find((x) => x.record.event === event);
  if (!r) return null;
  const up = Number(r.record.uptime);
  return { host: r.t, guest: r.record.uptime !== undefined && Number.isFinite(up) ? up : null };
}

function isFuzzCaseStart(line: string): boolean {
  const m = parseMark(line);
  return m !== null && m.suite === "fuzz" && m.phase === "start";
}

/** Finds the marks of one boot. */
export function bootMarks(
  lines: readonly TimedLine[],
  records: readonly TimedRecord[],
): BootMarks {
  const smp = lines.map((l) => SMP.exec(l.line)).find((m) => m !== null);
  return {
    firstOutput: lines[0]?.t ?? null,
    booted: firstLine(lines, BOOTED),
    start: firstLine(lines, RUNNING),
    firstCase: firstLine(lines, isFuzzCaseStart),
    bootedRecord: firstRecord(records, "booted"),
    startRecord: firstRecord(records, "start"),
    firstProgressRecord: firstRecord(records, "progress"),
    cpus: smp ? Number(smp[1]) : null,
    softLockups: lines.filter((l) => SOFT_LOCKUP.test(l.line)).length,
  };
}

/** The three stages and their sum, in seconds; null where a mark is missing. */
export interface BootStages {
  readonly kernelBoot: number | null;
  readonly guestSetup: number | null;
  readonly denoStartup: number | null;
  readonly total: number | null;
}

/** Stage names in order, with their labels for the tables. */
export const STAGES: readonly { key: keyof BootStages; label: string }[] = [
  { key: "kernelBoot", label: 'kernel boot (start → init\'s "booted" line)' },
  { key: "guestSetup", label: 'guest set-up (→ "running" line: insmod, 9p mounts)' },
  { key: "denoStartup", label: "Deno start-up (→ first case mark)" },
  { key: "total", label: "boot to first case" },
];

function diff(a: number | null | undefined, b: number | null | undefined): number | null {
  return a === null || a === undefined || b === null || b === undefined ? null : a - b;
}

/**
 * Stages on the host's clock, from the console lines' arrival times.
 *
 * @example
 * ```ts
 * import { bootMarks, hostStages } from "./stages.ts";
 * const m = bootMarks([
 *   { t: 10, line: "[ 9.0] udiag-vm: booted 6.12 cpus=2" },
 *   { t: 12, line: "[ 11.0] udiag-vm: running: deno run -A fuzz/guest.ts" },
 *   { t: 30, line: "[ 29.0] udiag-fuzz[7]: fuzz/model/1/1: start" },
 * ], []);
 * const s = hostStages(m);
 * if (s.kernelBoot !== 10 || s.guestSetup !== 2 || s.denoStartup !== 18 || s.total !== 30) {
 *   throw new Error();
 * }
 * ```
 */
export function hostStages(m: BootMarks): BootStages {
  return {
    kernelBoot: m.booted?.host ?? null,
    guestSetup: diff(m.start?.host, m.booted?.host),
    denoStartup: diff(m.firstCase?.host, m.start?.host),
    total: m.firstCase?.host ?? null,
  };
}

/**
 * Stages on the guest's clock (printk timestamps): the kernel stage starts at
 * the kernel's clock, so it leaves out the firmware and decompression before.
 */
export function guestStages(m: BootMarks): BootStages {
  return {
    kernelBoot: m.booted?.guest ?? null,
    guestSetup: diff(m.start?.guest, m.booted?.guest),
    denoStartup: diff(m.firstCase?.guest, m.start?.guest),
    total: m.firstCase?.guest ?? null,
  };
}
