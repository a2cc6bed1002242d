/**
 * The model-based fuzz campaign, run where /dev/udiag is (in the guest): each
 * fast-check case is a command sequence applied to the model and the kernel;
 * a case fails on the first disagreement or when the kernel logs a report
 * while it runs, so fast-check shrinks kernel reports as well as mismatches.
 * Each failure is replayed once from its seed and path to log its operations,
 * filed, and the campaign goes on with the next seed until its budget ends.
 *
 * @module
 */
import fc from "fast-check";
import { UdiagModel } from "./model.ts";
import { DirtyDeviceError, leftBehind, Mismatch, RealUdiag, StateLeak } from "./real.ts";
import { allCommands, COMMAND_NAMES, commandName } from "./commands/mod.ts";
import { POOL } from "./commands/names.ts";
import { pageSize } from "../harness/syscall.ts";
import { UdiagFile } from "../harness/device.ts";
import { Tracefs } from "../harness/tracefs.ts";
import { rawCleanup, rawOp, RawViolation, runRawOp, showRawOp } from "./raw.ts";
import { KmsgReader, markCase } from "../harness/kmsg.ts";
import { parseAll } from "../harness/console/parse.ts";

/**
 * Kernel report titles this guest already filed. A target that WARNs on every
 * register would otherwise fail every case with the same report and hide
 * everything else; a known title no longer fails a case (syzkaller, too,
 * stops reproducing a crash it already has).
 */
const knownTitles = new Set<string>();

/** During a replay: the only title that may fail a case (null: any new one). */
let expected: string | null = null;

/**
 * Replays look for one finding: other kernel reports (which the campaign had
 * filed before this case ran) must not fail the case first.
 */
export function expectOnly(title: string): void {
  expected = title;
}

/** The first kernel report in `said` whose title is not known yet (pure but for the set). */
export function newReport(said: string): KernelReport | null {
  const c = parseAll(said).find((x) =>
    !knownTitles.has(x.title) && (expected === null || x.title === expected)
  );
  return c ? new KernelReport(c.title, c.type, c.report) : null;
}

/** Marks a title as filed: later cases that only repeat it pass. */
export function fileTitle(title: string): void {
  knownTitles.add(title);
  // A page dirty where no event lives fails every case at setup: filed once,
  // later cases compare only the bytes of their own events.
  if (/^fuzz: enable byte after (setup|open) /.test(title)) strictPage.value = false;
}

/**
 * Set when a case left state behind (see {@linkcode StateLeak}): later cases
 * in this boot would start on state the model does not know, so they are
 * skipped (fc.pre) and the campaign asks for a fresh VM once the leaking case
 * is filed.
 */
const dirty = { value: false };

/** Whether cases compare the whole enable page (see {@linkcode fileTitle}). */
const strictPage = { value: true };

/**
 * Compare only the bytes of a case's own events from now on: a replay of a
 * finding the campaign made after it had filed a dirty page must look past
 * that page too, or it fails on the old finding first.
 */
export function lenientPage(): void {
  strictPage.value = false;
}

/** The fast-check version replay records name (pinned in package.json). */
export const FAST_CHECK_VERSION = "4.10.2";

/** A case that failed because the kernel logged a report while it ran. */
export class KernelReport extends Error {
  readonly title: string;
  readonly kind: string;
  readonly report: string;
  constructor(title: string, kind: string, report: string) {
    super(`kernel report: ${title}`);
    this.name = "KernelReport";
    this.title = title;
    this.kind = kind;
    this.report = report;
  }
}

/** One filed failure. */
export interface FuzzFinding {
  readonly event: "finding";
  readonly title: string;
  readonly type: string;
  readonly seed: number;
  readonly path: string;
  /** fast-check's record of which generated commands ran (needed to replay). */
  readonly replayPath: string;
  readonly caseId: string;
  /** Operations of the shrunk case, one per line, the failing one last. */
  readonly ops: string[];
  readonly error: string;
  readonly report: string;
  readonly reproduced: boolean;
}

/** Campaign totals, sent as progress and at the end. */
export interface FuzzStats {
  cases: number;
  ops: number;
  seconds: number;
  byCommand: Record<string, number>;
  findings: number;
  seeds: number[];
}

/** Options of {@linkcode runCampaign}. */
export interface CampaignOptions {
  readonly seed: number;
  readonly timeSeconds: number;
  /** Cases per seed before moving on (fast-check numRuns). */
  readonly runsPerSeed?: number;
  /** Stop after this many cases in all (0 = only the time budget). */
  readonly maxCases?: number;
  readonly maxCommands?: number;
  readonly onFinding?: (f: FuzzFinding) => void;
  readonly onProgress?: (s: FuzzStats) => void;
  /** Default "model". */
  readonly suite?: Suite;
  /** Counts to start from (a guest running several suites keeps one set). */
  readonly stats?: FuzzStats;
}

/** A finding's title, stable across runs: numbers that vary become N (pure). */
export function findingTitle(e: unknown): { title: string; type: string; report: string } {
  if (e instanceof KernelReport) return { title: e.title, type: e.kind, report: e.report };
  if (e instanceof RawViolation) {
    const kind = e.op.slice(0, e.op.indexOf("(")).replace("close(); open", "reopen");
    return {
      title: `fuzz raw: ${kind} returned ${e.got}: ${e.message.slice(e.message.indexOf(": ") + 2)}`,
      type: "MISMATCH",
      report: e.message,
    };
  }
  if (e instanceof StateLeak) {
    return { title: `fuzz: state left behind: ${e.kind}`, type: "MISMATCH", report: e.message };
  }
  if (e instanceof Mismatch) {
    // Indexes and lengths vary between runs; 0 and 1 carry meaning (ok 0 vs EBUSY).
    const lengthOp = /^(mmap|mprotect|write|pwrite)/.test(e.op);
    const norm = (s: string) =>
      lengthOp ? s.replace(/\bok \d+\b/g, "ok N") : s.replace(/\bok ([2-9]|\d{2,})\b/g, "ok N");
    // An enable byte is 0 or 1; anything else is stale memory whose value varies.
    const byte = (s: string) => /^\d+$/.test(s) && Number(s) > 1 ? "N" : s;
    const op = e.op.startsWith("enable byte")
      ? `enable byte after ${commandName(e.op.replace(/^enable byte \d+ after /, ""))}`
      : commandName(e.op);
    return {
      title: `fuzz: ${op} returned ${byte(norm(e.got))}, expected ${byte(norm(e.want))}`,
      type: "MISMATCH",
      report: e.message,
    };
  }
  const msg = e instanceof Error ? e.message : String(e);
  return {
    title: `fuzz: harness error: ${msg.split("\n")[0]!.slice(0, 100)}`,
    type: "HARNESS",
    report: msg,
  };
}

/** The campaigns a guest can run: model-based, or raw (no model). */
export type Suite = "model" | "raw";

/** One case: the property fast-check checks; the op log of the run goes to `lastLog`. */
function makeProperty(
  suite: Suite,
  stats: FuzzStats,
  seed: number,
  kmsg: KmsgReader | null,
  maxCommands: number,
  lastLog: { ops: string[]; caseId: string },
  afterCase: () => void = () => {},
  replayPath?: string,
): fc.IProperty<[unknown]> {
  const commands = fc.commands(allCommands, {
    maxCommands,
    size: "max",
    ...(replayPath !== undefined ? { replayPath } : {}),
  });
  if (suite === "raw") return makeRawProperty(stats, seed, kmsg, maxCommands, lastLog, afterCase);
  return fc.property(commands, (cmds) => {
    fc.pre(!dirty.value);
    stats.cases++;
    const caseId = `model/${seed}/${stats.cases}`;
    markCase("fuzz", caseId, "start");
    kmsg?.drain();
    const model = new UdiagModel({ pageSize: pageSize() });
    const real = new RealUdiag(POOL, strictPage.value);
    lastLog.caseId = caseId;
    let leak: StateLeak | null = null;
    let failure: unknown = null;
    try {
      real.ensureClean(); // a case starts on a clean device
      real.checkPage(model, "setup");
      real.log.length = 0;
      fc.modelRun(() => ({ model, real }), cmds);
    } catch (e) {
      failure = e;
    } finally {
      lastLog.ops = [...real.log];
      for (const op of real.log) {
        const name = commandName(op);
        stats.byCommand[name] = (stats.byCommand[name] ?? 0) + 1;
      }
      stats.ops += real.log.length;
      real[Symbol.dispose]();
      leak = leftBehind(real.tracefs);
      if (leak) dirty.value = true;
      markCase("fuzz", caseId, "end");
    }
    // A leak ends this boot's cases, so it is what gets filed, even when the
    // case failed for another reason too (that reason is found again later).
    // A device dirty at the start was not this case's doing.
    if (failure instanceof DirtyDeviceError) throw failure;
    if (leak) throw failure ? leak.alsoFailed(failure) : leak;
    if (failure) throw failure;
    afterCase();
    const said = kmsg?.drain() ?? "";
    const fresh = newReport(said);
    if (fresh) throw fresh;
  });
}

/** A raw case: random raw operations, no model; see raw.ts for the oracle. */
function makeRawProperty(
  stats: FuzzStats,
  seed: number,
  kmsg: KmsgReader | null,
  maxOps: number,
  lastLog: { ops: string[]; caseId: string },
  afterCase: () => void,
): fc.IProperty<[unknown]> {
  return fc.property(fc.array(rawOp, { maxLength: maxOps }), (ops) => {
    stats.cases++;
    const caseId = `raw/${seed}/${stats.cases}`;
    markCase("fuzz", caseId, "start");
    kmsg?.drain();
    lastLog.caseId = caseId;
    const tracefs = new Tracefs();
    const state = { file: UdiagFile.openOrThrow(), tracefs };
    const log: string[] = [];
    try {
      for (const o of ops) {
        log.push(showRawOp(o));
        runRawOp(state, o);
        stats.byCommand[`raw_${o.op}`] = (stats.byCommand[`raw_${o.op}`] ?? 0) + 1;
        stats.ops++;
      }
    } finally {
      lastLog.ops = log;
      state.file.close();
      rawCleanup(tracefs);
      markCase("fuzz", caseId, "end");
    }
    afterCase();
    const fresh = newReport(kmsg?.drain() ?? "");
    if (fresh) throw fresh;
  });
}

/** Runs the campaign; findings and progress go to the callbacks. */
export function runCampaign(o: CampaignOptions): FuzzStats {
  const suite = o.suite ?? "model";
  const stats: FuzzStats = o.stats ?? newStats();
  const startSeconds = stats.seconds;
  const started = Date.now();
  const left = () => o.timeSeconds * 1000 - (Date.now() - started);
  using kmsg = KmsgReader.open() ?? undefined;
  let lastProgress = 0;
  const progress = () => {
    stats.seconds = startSeconds + (Date.now() - started) / 1000;
    o.onProgress?.(stats);
  };
  for (let k = 0; left() > 0; k++) {
    if (o.maxCases && stats.cases >= o.maxCases) break;
    const seed = (o.seed + k) | 0;
    stats.seeds.push(seed);
    const lastLog = { ops: [] as string[], caseId: "" };
    const prop = makeProperty(
      suite,
      stats,
      seed,
      kmsg ?? null,
      o.maxCommands ?? 30,
      lastLog,
      () => {
        if (Date.now() - lastProgress > 5000) {
          lastProgress = Date.now();
          progress();
        }
      },
    );
    const out = fc.check(prop, {
      seed,
      numRuns: o.maxCases
        ? Math.min(o.runsPerSeed ?? 20, o.maxCases - stats.cases)
        : o.runsPerSeed ?? 20,
      // No time limit inside fc.check: it would cut shrinking short. The
      // budget is checked between batches of runsPerSeed cases instead.
    });
    if (out.failed && out.errorInstance instanceof DirtyDeviceError) {
      progress();
      throw out.errorInstance;
    }
    if (!out.failed || out.counterexamplePath === null) continue;
    const replayPath = replayPathOf(out.counterexample?.[0]);
    // Replay the shrunk case once: its operation log, and whether it
    // reproduces (not on a device a case left dirty: a fresh VM replays it).
    const replay = dirty.value ? { failed: false } : fc.check(
      makeProperty(
        suite,
        stats,
        seed,
        kmsg ?? null,
        o.maxCommands ?? 30,
        lastLog,
        () => {},
        replayPath,
      ),
      { seed, path: out.counterexamplePath, numRuns: 1, endOnFailure: true },
    );
    const { title, type, report } = findingTitle(out.errorInstance);
    stats.findings++;
    if (out.errorInstance instanceof KernelReport || title.startsWith("fuzz: enable byte after")) {
      fileTitle(title);
    }
    o.onFinding?.({
      event: "finding",
      title,
      type,
      seed,
      path: out.counterexamplePath,
      replayPath,
      caseId: lastLog.caseId,
      ops: lastLog.ops.concat(failingOp(out.errorInstance)),
      error: out.errorInstance instanceof Error
        ? out.errorInstance.message
        : String(out.errorInstance),
      report,
      reproduced: replay.failed,
    });
    if (dirty.value) {
      progress();
      throw new DirtyDeviceError(`state left behind by ${lastLog.caseId}`);
    }
  }
  progress();
  return stats;
}

/** The operation a case failed on, as the last line of its log (pure). */
function failingOp(e: unknown): string[] {
  const m = e instanceof StateLeak ? e.cause : e;
  const op = m instanceof Mismatch ? [`${m.op}  # ${m.got}, expected ${m.want}`] : [];
  return e instanceof StateLeak ? [...op, `(cleanup)  # ${e.message}`] : op;
}

/** The replayPath fast-check prints in a command list's toString() (pure). */
export function replayPathOf(commands: unknown): string {
  const m = /\/\*replayPath="([^"]*)"\*\//.exec(String(commands));
  return m ? m[1]! : "";
}

/** Fresh campaign counts, every model command at 0. */
export function newStats(): FuzzStats {
  return {
    cases: 0,
    ops: 0,
    seconds: 0,
    byCommand: Object.fromEntries(COMMAND_NAMES.map((n) => [n, 0])),
    findings: 0,
    seeds: [],
  };
}

/** Replays one case by seed, path and replayPath: does it still fail, and how. */
export function replayCase(
  seed: number,
  path: string,
  replayPath: string,
  maxCommands = 30,
  suite: Suite = "model",
): {
  failed: boolean;
  title: string | null;
  ops: string[];
} {
  const stats = newStats();
  using kmsg = KmsgReader.open() ?? undefined;
  const lastLog = { ops: [] as string[], caseId: "" };
  const prop = makeProperty(
    suite,
    stats,
    seed,
    kmsg ?? null,
    maxCommands,
    lastLog,
    () => {},
    replayPath,
  );
  const out = fc.check(prop, {
    seed,
    path,
    numRuns: 1,
    endOnFailure: true,
  });
  return {
    failed: out.failed,
    title: out.failed ? findingTitle(out.errorInstance).title : null,
    ops: lastLog.ops,
  };
}
