/**
 * The fuzz engine's guest side, for every ABI: an ABI gives campaigns
 * (`abi/<name>/fuzz/`), this runs them. A case campaign is checked with
 * fast-check (seeded, shrunk, replayable by seed and path); a round campaign
 * runs rounds of racing processes. Either way a case fails on the ABI's own
 * oracle (a {@linkcode CaseFailure}) or when the kernel logs a report while it
 * runs, so fast-check shrinks kernel reports as well as mismatches. Each
 * failure is replayed once, filed, and the campaign goes on until its budget
 * ends.
 *
 * All state lives in one {@linkcode Campaigner} per guest process.
 *
 * @module
 */
import fc from "fast-check";
import { KmsgReader } from "../harness/kmsg.ts";
import { markCase } from "../harness/marks.ts";
import { type Spent, steps } from "../harness/steps.ts";
import { parseAll } from "../harness/console/parse.ts";
import { KERNEL_INVARIANT } from "../harness/report/console_findings.ts";
import { sameReport } from "../harness/report/dedup.ts";
import { recordJudge } from "../harness/ctrace/record.ts";
import type { FindingKind, FuzzCaseReplay, RaceReplay, ReplayBase } from "../harness/replay.ts";
import {
  HEALTH_INVARIANT,
  healthLines,
  type HealthProblem,
  healthTitle,
} from "../harness/health/health.ts";

/**
 * The health probe (harness/health/probe.ts `HealthProber`) at a depth: its
 * problems. `quick` needs no ABI call; `full` adds the ABI's canary and
 * costs some hundreds of milliseconds under TCG.
 */
export type HealthProbe = (depth: "quick" | "full") => readonly HealthProblem[];

/**
 * Cases between two full probes (a quick one after every case). A consumer
 * only the full probe sees is named after the case it followed, with the
 * cases since the last full probe in its log.
 */
export const FULL_PROBE_EVERY = 8;

/** The suite name in case marks and findings. */
export const FUZZ_SUITE = "fuzz";

/**
 * How far past its budget a campaign may go on shrinking a failure. Past it
 * fast-check stops and reports the smallest case found so far, so the finding
 * reaches the host well before the host's own timeout (budget + 600 s) kills
 * the VM and loses it.
 */
export const SHRINK_GRACE_MS = 120_000;

/** The fast-check version replay records name (pinned in package.json). */
export const FAST_CHECK_VERSION = "4.10.2";

/** What a case failure says of itself: a title stable across runs, and its class. */
export interface FailureInfo {
  /** Stable across runs: numbers that vary between runs are `N`. */
  readonly title: string;
  /** Class (`report/classes.ts`): "MISMATCH" for an oracle of ours. */
  readonly type?: string;
  /** The invariant it breaks, in words (findings documents quote it). */
  readonly breaks: string;
  /** Lines appended to the case's operation log: the op that failed, and how. */
  readonly failingOps?: readonly string[];
  /**
   * The case left the target in a state later cases cannot start from (a
   * resource leak): the rest of this boot's cases are skipped and the host
   * goes on in a fresh VM.
   */
  readonly leavesState?: boolean;
}

/** A finding of an ABI's oracle: the kernel answered what the ABI forbids. */
export class CaseFailure extends Error {
  readonly title: string;
  readonly type: string;
  readonly breaks: string;
  readonly failingOps: readonly string[];
  readonly leavesState: boolean;
  constructor(message: string, info: FailureInfo, options?: ErrorOptions) {
    super(message, options);
    this.name = "CaseFailure";
    this.title = info.title;
    this.type = info.type ?? "MISMATCH";
    this.breaks = info.breaks;
    this.failingOps = info.failingOps ?? [];
    this.leavesState = info.leavesState ?? false;
  }
}

/**
 * A kernel answer that differs from the reference model's: the model
 * campaigns' finding. The ABI gives the title (stable across runs) and its
 * wording of the invariant.
 */
export class Mismatch extends CaseFailure {
  readonly op: string;
  readonly got: string;
  readonly want: string;
  constructor(
    op: string,
    got: string,
    want: string,
    info: { readonly title: string; readonly breaks: string },
  ) {
    super(`${op} returned ${got}, expected ${want}`, {
      ...info,
      failingOps: [`${op}  # ${got}, expected ${want}`],
    });
    // The call just made is the one the oracle judged: a C reproducer checks it.
    recordJudge(info.title, op, want);
    this.name = "Mismatch";
    this.op = op;
    this.got = got;
    this.want = want;
  }
}

/**
 * A case ended and the target did not come back to its initial state after
 * the case's own cleanup: every later case would start on state the model
 * does not know, so the case that left it is the finding (a resource leak),
 * and the host goes on in a fresh VM. `breaks` is the ABI's wording of the
 * invariant.
 */
export class StateLeak extends CaseFailure {
  /** What stays, in words stable across runs (the finding's title). */
  readonly kind: string;
  readonly detail: string;
  constructor(kind: string, detail: string, breaks: string, options?: ErrorOptions) {
    const cause = options?.cause;
    super(`State left behind after the case's cleanup: ${kind} (${detail})`, {
      title: `fuzz: state left behind: ${kind}`,
      breaks,
      leavesState: true,
      failingOps: [
        ...(cause instanceof CaseFailure ? cause.failingOps : []),
        `(cleanup)  # State left behind after the case's cleanup: ${kind} (${detail})`,
      ],
    }, options);
    this.name = "StateLeak";
    this.kind = kind;
    this.detail = detail;
  }

  /** The same leak, noting the other way the case failed (as its `cause`). */
  alsoFailed(e: unknown): StateLeak {
    const why = e instanceof Error ? e.message : String(e);
    return new StateLeak(this.kind, `${this.detail}; the case also failed: ${why}`, this.breaks, {
      cause: e,
    });
  }
}

/** A case failed because the kernel logged a report while it ran. */
export class KernelReport extends CaseFailure {
  readonly report: string;
  constructor(title: string, type: string, report: string) {
    super(`kernel report: ${title}`, { title, type, breaks: KERNEL_INVARIANT });
    this.name = "KernelReport";
    this.report = report;
  }
}

/**
 * A case returned and left a trace consumer broken (harness/health): later
 * cases would fail for what it did, so it is the finding and the host goes
 * on in a fresh VM.
 */
export class HealthFailure extends CaseFailure {
  readonly problems: readonly HealthProblem[];
  /** `after`: the kind of case (the title's words); `probe`: how it was found, for the log. */
  constructor(problems: readonly HealthProblem[], after: string, probe = "") {
    const lines = healthLines(problems);
    super(lines.join("; "), {
      title: healthTitle(problems, after),
      type: "HEALTH",
      breaks: HEALTH_INVARIANT,
      leavesState: true,
      failingOps: lines.map((l) => `(health probe${probe})  # ${l}`),
    });
    this.name = "HealthFailure";
    this.problems = problems;
  }
}

/**
 * The target was not in its initial state when a case began: not this case's
 * doing, so nothing is filed; the host goes on in a fresh VM.
 */
export class DirtyTargetError extends Error {
  readonly what: string;
  constructor(what: string) {
    super(`Target state leaked: ${what}`);
    this.name = "DirtyTargetError";
    this.what = what;
  }
}

/**
 * The version of the campaigns' generators, kept in every replay: a seed and
 * a path make the same case only under the generators that made them.
 * 1: before replay.json said (raw cases of fast-check's "small" size, 10
 * operations at most); 2: raw cases of size "max", as model cases are (the
 * fixed cost of a case, about 100 ms under TCG, was 85 % of a raw case).
 */
export const GENERATOR = 2;

/** What a campaign's generator is asked for. */
export interface CaseShape {
  readonly maxCommands: number;
  readonly replayPath?: string;
  /** {@linkcode GENERATOR}, or an older one for a replay. */
  readonly generator: number;
}

/** A campaign of fast-check cases: generated, run one by one, shrunk. */
export interface CaseCampaign<T = unknown> {
  readonly kind: "cases";
  /** `model`, `raw`, …: the campaign's name in `--suites`, case IDs and replays. */
  readonly name: string;
  /**
   * What one case is; `replayPath` regenerates a shrunk command sequence;
   * `generator` is the version of the campaigns' generators the case was
   * made by ({@linkcode GENERATOR}), so that a replay of an older finding
   * regenerates the same case.
   */
  arbitrary(o: CaseShape): fc.Arbitrary<T>;
  /**
   * Runs one case against the kernel, each operation pushed to `log` as it
   * runs; throws a {@linkcode CaseFailure} on a finding, a
   * {@linkcode DirtyTargetError} when the target was dirty before it began.
   */
  run(value: T, log: string[]): void;
  /** The operation name of a logged line, for coverage counts. */
  opName(line: string): string;
  /** A finding was filed: later cases may look past the oracle it broke (filed once). */
  filed?(f: CaseFailure): void;
  /** A replay looks for the finding `title`: the campaign may relax its other oracles. */
  replaying?(title: string): void;
}

/** What one round of a round campaign did. */
export interface RoundResult {
  readonly ops: number;
  /** The round's operation log, as repro.txt shows it. */
  readonly log: readonly string[];
  readonly failure: CaseFailure | null;
}

/** A campaign of rounds: processes racing each other, not replayable by path. */
export interface RoundCampaign {
  readonly kind: "rounds";
  readonly name: string;
  readonly workers: number;
  readonly ms: number;
  /** One round: `workers` processes for `ms` ms, seeds `seed`, `seed + 1`, … */
  round(seed: number, workers: number, ms: number): Promise<RoundResult>;
}

/** Any campaign an ABI gives. */
export type Campaign = CaseCampaign<unknown> | RoundCampaign;

/** The part of a replay a campaign knows; the host adds the ABI, target and kind. */
export type CampaignReplay =
  | Omit<FuzzCaseReplay, keyof ReplayBase>
  | Omit<RaceReplay, keyof ReplayBase>;

/** One filed failure, as the guest sends it. */
export interface FuzzFinding {
  readonly event: "finding";
  readonly title: string;
  readonly kind: FindingKind;
  readonly type: string;
  readonly caseId: string;
  /** Operations of the shrunk case, one per line, the failing one last. */
  readonly ops: string[];
  readonly error: string;
  readonly report: string;
  /** Whether the campaign's own replay of the shrunk case failed again. */
  readonly reproduced: boolean;
  /** The invariant it breaks, in words. */
  readonly breaks: string;
  readonly replay: CampaignReplay;
  /**
   * When its first failing case failed (`Date.now()`), before shrinking, and
   * the cases done by then; absent where nothing is shrunk (race rounds).
   */
  readonly firstFailure?: FirstFailure;
  /** When the guest filed it (set by fuzz/guest.ts, which keeps the clock). */
  readonly foundAfter?: FoundAfter;
}

/**
 * `p`, whose shrinking ends once `stop()` holds. A case that left the target
 * dirty cannot be shrunk on it: fast-check would walk every candidate, each
 * skipped by `fc.pre`, until the time limit (budget plus SHRINK_GRACE_MS),
 * so the case is filed as it failed and a fresh VM replays it.
 */
export function shrinkUntil<T>(p: fc.IProperty<T>, stop: () => boolean): fc.IRawProperty<T, false> {
  return {
    isAsync: () => false,
    generate: (mrng, runId) => p.generate(mrng, runId),
    shrink: (v) => stop() ? fc.Stream.nil() : p.shrink(v).takeWhile(() => !stop()),
    run: (v) => p.run(v),
    runBeforeEach: () => p.runBeforeEach(),
    runAfterEach: () => p.runAfterEach(),
  };
}

/** The case a property ran last, and when the batch's first failure came. */
interface CaseTrace {
  ops: string[];
  caseId: string;
  firstFailure?: FirstFailure;
}

/** The moment a campaign first saw a case fail. */
export interface FirstFailure {
  /** `Date.now()` then. */
  readonly at: number;
  /** Cases done by then, over every campaign. */
  readonly cases: number;
}

/**
 * How far a guest's campaigns had come when a finding's first failing case
 * failed: the time to trigger, as Magma and FuzzBench count it, shrinking
 * excluded; and when the shrunk finding was filed.
 */
export interface FoundAfter {
  /** Seconds since the guest's first campaign began (boot excluded). */
  readonly seconds: number;
  /** Cases done by then, over every campaign. */
  readonly cases: number;
  /** Seconds since the same start to the finding filed (shrinking and replay included). */
  readonly filedSeconds?: number;
}

/** Campaign totals, sent as progress and at the end. */
export interface FuzzStats {
  cases: number;
  ops: number;
  seconds: number;
  byCommand: Record<string, number>;
  findings: number;
  seeds: number[];
  /**
   * Milliseconds of self time per step of the cases (harness/steps.ts), as
   * of the last progress record; absent before the first.
   */
  spent?: Spent;
}

/** Fresh campaign counts, every name of `opNames` at 0. */
export function newStats(opNames: readonly string[] = []): FuzzStats {
  return {
    cases: 0,
    ops: 0,
    seconds: 0,
    byCommand: Object.fromEntries(opNames.map((n) => [n, 0])),
    findings: 0,
    seeds: [],
  };
}

/** How a failure is titled and filed (pure). */
export function failureOf(
  e: unknown,
): { title: string; type: string; report: string; breaks: string } {
  if (e instanceof KernelReport) {
    return { title: e.title, type: e.type, report: e.report, breaks: e.breaks };
  }
  if (e instanceof CaseFailure) {
    return { title: e.title, type: e.type, report: e.message, breaks: e.breaks };
  }
  const msg = e instanceof Error ? e.message : String(e);
  return {
    title: `fuzz: harness error: ${msg.split("\n")[0]!.slice(0, 100)}`,
    type: "HARNESS",
    report: msg,
    breaks: "the harness runs every case to its end",
  };
}

/** The replayPath fast-check prints in a command list's toString() (pure). */
export function replayPathOf(value: unknown): string {
  const m = /\/\*replayPath="([^"]*)"\*\//.exec(String(value));
  return m ? m[1]! : "";
}

/** Options of {@linkcode Campaigner.runCases} and {@linkcode Campaigner.runRounds}. */
export interface RunOptions {
  readonly seed: number;
  readonly timeSeconds: number;
  /** Stop after this many cases of this campaign (0 = only the time budget). */
  readonly maxCases?: number;
  /** Cases per seed before moving on (fast-check numRuns). */
  readonly runsPerSeed?: number;
  readonly maxCommands?: number;
  readonly stats: FuzzStats;
  readonly onFinding?: (f: FuzzFinding) => void;
  readonly onProgress?: (s: FuzzStats) => void;
  /** How far past the budget shrinking may go ({@linkcode SHRINK_GRACE_MS}). */
  readonly shrinkGraceMs?: number;
}

/** What a replay of one case showed. */
export interface ReplayOutcome {
  readonly failed: boolean;
  readonly title: string | null;
  readonly ops: readonly string[];
}

/**
 * The state of one guest's campaigns: the kernel log reader, the kernel
 * report titles already filed (a target that WARNs on every register would
 * otherwise fail every case with the same report and hide everything else;
 * syzkaller, too, stops reproducing a crash it already has), the one title a
 * replay looks for, and whether a case left the target dirty.
 */
export class Campaigner implements Disposable {
  readonly #kmsg: KmsgReader | null;
  readonly #known = new Set<string>();
  readonly #expected: string | null;
  readonly #probe: HealthProbe | null;
  /** Case IDs since the last full probe. */
  #sinceFull: string[] = [];
  #dirty = false;

  constructor(
    o: {
      readonly expect?: string;
      readonly kmsg?: KmsgReader | null;
      /** The health probe, run after every case and round (none: no probe). */
      readonly health?: HealthProbe | null;
    } = {},
  ) {
    this.#kmsg = o.kmsg === undefined ? KmsgReader.open() : o.kmsg;
    this.#expected = o.expect ?? null;
    this.#probe = o.health ?? null;
  }

  /**
   * The health probe's verdict on what case `caseId` (`what`: its kind)
   * left; null when every consumer works. Full after a failure, after a
   * round and every {@linkcode FULL_PROBE_EVERY} cases, quick otherwise.
   */
  #health(what: string, caseId: string, full: boolean): HealthFailure | null {
    if (this.#probe === null) return null;
    this.#sinceFull.push(caseId);
    const depth = full || this.#sinceFull.length >= FULL_PROBE_EVERY ? "full" : "quick";
    const problems = this.#probe(depth);
    const since = this.#sinceFull;
    if (depth === "full") this.#sinceFull = [];
    if (!problems.length) return null;
    const window = depth === "full" && since.length > 1
      ? ` (a full probe; the quick ones after ${since.slice(0, -1).join(", ")} passed)`
      : "";
    return new HealthFailure(problems, what, window);
  }

  /** True once a case left state behind: the rest of this boot is skipped. */
  get dirty(): boolean {
    return this.#dirty;
  }

  /** The first kernel report in `said` that is not filed yet (and is the expected one, in a replay). */
  newReport(said: string): KernelReport | null {
    const c = parseAll(said).find((x) =>
      !this.#known.has(x.title) && (this.#expected === null || sameReport(x.title, this.#expected))
    );
    return c ? new KernelReport(c.title, c.type, c.report) : null;
  }

  /** Marks a kernel report title as filed: later cases that only repeat it pass. */
  fileTitle(title: string): void {
    this.#known.add(title);
  }

  /** Runs one case of `c`: marks, the case, the leak and kernel-report oracles. */
  #runOne<T>(c: CaseCampaign<T>, value: T, caseId: string, o: RunOptions, log: string[]): void {
    o.stats.cases++;
    steps.time("marks", () => markCase(FUZZ_SUITE, caseId, "start"));
    steps.time("kernel log", () => this.#kmsg?.drain());
    let failure: unknown = null;
    try {
      steps.time("case", () => c.run(value, log));
    } catch (e) {
      failure = e;
    } finally {
      for (const line of log) {
        const name = c.opName(line);
        o.stats.byCommand[name] = (o.stats.byCommand[name] ?? 0) + 1;
      }
      o.stats.ops += log.length;
      steps.time("marks", () => markCase(FUZZ_SUITE, caseId, "end"));
    }
    if (failure instanceof CaseFailure && failure.leavesState) this.#dirty = true;
    const found = failure ??
      steps.time("kernel log", () => this.newReport(this.#kmsg?.drain() ?? ""));
    // Checked after a failing case too: it is what is filed, but a consumer
    // it broke would blame the next case, so the rest goes to a fresh VM.
    const sick = this.#dirty
      ? null
      : steps.time("health probe", () => this.#health(`a ${c.name} case`, caseId, found !== null));
    if (sick) this.#dirty = true;
    if (found) throw found;
    if (sick) throw sick;
  }

  /** The property fast-check checks for campaign `c`; the last case's ops go to `last`. */
  #property<T>(
    c: CaseCampaign<T>,
    seed: number,
    o: RunOptions,
    last: CaseTrace,
    replayPath?: string,
    generator = GENERATOR,
  ): fc.IProperty<[T]> {
    const arb = c.arbitrary({
      maxCommands: o.maxCommands ?? 30,
      generator,
      ...(replayPath !== undefined ? { replayPath } : {}),
    });
    const prop = fc.property(arb, (value) => {
      fc.pre(!this.#dirty);
      const caseId = `${c.name}/${seed}/${o.stats.cases + 1}`;
      const log: string[] = [];
      last.caseId = caseId;
      last.ops = log;
      try {
        this.#runOne(c, value, caseId, o, log);
      } catch (e) {
        // The first failure of the batch, before fast-check shrinks it.
        last.firstFailure ??= { at: Date.now(), cases: o.stats.cases };
        throw e;
      }
    });
    return shrinkUntil(prop, () => this.#dirty);
  }

  /**
   * Runs case campaign `c` from `o.seed` on until its budget ends, filing
   * each failure through `o.onFinding`; throws {@linkcode DirtyTargetError}
   * when the target is dirty (the host goes on in a fresh VM).
   */
  runCases<T>(c: CaseCampaign<T>, o: RunOptions): void {
    const clock = budget(o);
    // `stats` counts every campaign of the guest: this one's cases are those since.
    const before = o.stats.cases;
    const done = () => o.stats.cases - before;
    for (let k = 0; clock.left() > 0; k++) {
      if (o.maxCases && done() >= o.maxCases) break;
      const seed = (o.seed + k) | 0;
      o.stats.seeds.push(seed);
      const last: CaseTrace = { ops: [], caseId: "" };
      const out = fc.check(this.#property(c, seed, o, last), {
        seed,
        numRuns: o.maxCases
          ? Math.min(o.runsPerSeed ?? 20, o.maxCases - done())
          : o.runsPerSeed ?? 20,
        // The budget is checked between batches of runsPerSeed cases; inside
        // a batch, only shrinking may run past it, by SHRINK_GRACE_MS at most.
        interruptAfterTimeLimit: Math.max(0, clock.left()) + (o.shrinkGraceMs ?? SHRINK_GRACE_MS),
      });
      clock.tick();
      if (out.failed && out.errorInstance instanceof DirtyTargetError) {
        clock.progress();
        throw out.errorInstance;
      }
      if (!out.failed || out.counterexamplePath === null) continue;
      this.#fileCase(c, seed, out, last, o);
      if (this.#dirty) {
        clock.progress();
        throw new DirtyTargetError(`state left behind by ${last.caseId}`);
      }
    }
    clock.progress();
  }

  /** Replays a failed case once (not on a dirty target: a fresh VM replays it), then files it. */
  #fileCase<T>(
    c: CaseCampaign<T>,
    seed: number,
    out: fc.RunDetails<[T]>,
    last: CaseTrace,
    o: RunOptions,
  ): void {
    const firstFailure = last.firstFailure;
    const path = out.counterexamplePath!;
    const replayPath = replayPathOf(out.counterexample?.[0]);
    const again = this.#dirty ? { failed: false } : fc.check(
      this.#property(c, seed, o, last, replayPath),
      { seed, path, numRuns: 1, endOnFailure: true },
    );
    const e = out.errorInstance;
    const { title, type, report, breaks } = failureOf(e);
    o.stats.findings++;
    if (e instanceof KernelReport) this.fileTitle(title);
    if (e instanceof CaseFailure) c.filed?.(e);
    o.onFinding?.({
      event: "finding",
      title,
      kind: e instanceof KernelReport ? "kernel" : "fuzz",
      type,
      caseId: last.caseId,
      ops: [...last.ops, ...(e instanceof CaseFailure ? e.failingOps : [])],
      error: e instanceof Error ? e.message : String(e),
      report,
      reproduced: again.failed,
      breaks,
      ...(firstFailure ? { firstFailure } : {}),
      replay: {
        suite: "fuzz",
        campaign: c.name,
        seed,
        path,
        replayPath,
        maxCommands: o.maxCommands ?? 30,
        generator: GENERATOR,
        fastCheck: FAST_CHECK_VERSION,
        reproducedInCampaign: again.failed,
      },
    });
  }

  /** Runs round campaign `c` until its budget ends, filing each failed round. */
  async runRounds(c: RoundCampaign, o: RunOptions): Promise<void> {
    const clock = budget(o);
    for (let k = 0; clock.left() > 0; k++) {
      const seed = (o.seed + k * c.workers) | 0;
      const caseId = `${c.name}/${seed}/${c.workers}x${c.ms}`;
      const r = await this.#round(c, seed, c.workers, c.ms, caseId);
      o.stats.cases++;
      o.stats.ops += r.ops;
      o.stats.byCommand[c.name] = (o.stats.byCommand[c.name] ?? 0) + r.ops;
      o.stats.seeds.push(seed);
      clock.tick();
      if (r.failure) {
        const { title, type, report, breaks } = failureOf(r.failure);
        o.stats.findings++;
        if (r.failure instanceof KernelReport) this.fileTitle(title);
        o.onFinding?.({
          event: "finding",
          title,
          kind: r.failure instanceof KernelReport ? "kernel" : "fuzz",
          type,
          caseId,
          ops: [...r.log],
          error: report,
          report,
          // A race is not deterministic: replay reruns the round (deno task repro).
          reproduced: false,
          breaks,
          replay: { suite: "race", campaign: c.name, seed, workers: c.workers, ms: c.ms },
        });
        if (this.#dirty) {
          clock.progress();
          throw new DirtyTargetError(`a consumer left broken by ${caseId}`);
        }
      }
      clock.progress();
    }
  }

  /** One round between marks; a new kernel report during it is its failure. */
  async #round(
    c: RoundCampaign,
    seed: number,
    workers: number,
    ms: number,
    caseId: string,
  ): Promise<RoundResult> {
    steps.time("kernel log", () => this.#kmsg?.drain());
    steps.time("marks", () => markCase(FUZZ_SUITE, caseId, "start"));
    const r = await steps.timeAsync("case", () => c.round(seed, workers, ms));
    steps.time("marks", () => markCase(FUZZ_SUITE, caseId, "end"));
    const found = steps.time("kernel log", () => this.newReport(this.#kmsg?.drain() ?? "")) ??
      r.failure;
    const sick = steps.time("health probe", () => this.#health(`a ${c.name} round`, caseId, true));
    if (sick) this.#dirty = true;
    return { ...r, failure: found ?? sick };
  }

  /** Replays one case by seed, path and replayPath: does it still fail, and how. */
  replayCase<T>(
    c: CaseCampaign<T>,
    r: {
      seed: number;
      path: string;
      replayPath: string;
      maxCommands: number;
      /** Absent from replays made before the field: 1. */
      generator?: number;
    },
  ): ReplayOutcome {
    if (this.#expected !== null) c.replaying?.(this.#expected);
    const stats = newStats();
    const last = { ops: [] as string[], caseId: "" };
    const out = fc.check(
      this.#property(
        c,
        r.seed,
        { seed: r.seed, timeSeconds: 0, stats, maxCommands: r.maxCommands },
        last,
        r.replayPath,
        r.generator ?? 1,
      ),
      { seed: r.seed, path: r.path, numRuns: 1, endOnFailure: true },
    );
    return {
      failed: out.failed,
      title: out.failed ? failureOf(out.errorInstance).title : null,
      ops: last.ops,
    };
  }

  /**
   * Reruns one round up to `tries` times (a race is not deterministic) until
   * it fails the expected way: a round that fails otherwise (another oracle
   * first) does not end the search, but is what is told when none does.
   */
  async replayRound(
    c: RoundCampaign,
    r: { seed: number; workers: number; ms: number },
    tries = 5,
  ): Promise<ReplayOutcome> {
    let other: ReplayOutcome | null = null;
    for (let i = 1; i <= tries; i++) {
      const caseId = `${c.name}/${r.seed}/${r.workers}x${r.ms}`;
      const out = await this.#round(c, r.seed, r.workers, r.ms, caseId);
      if (!out.failure) continue;
      const told = {
        failed: true,
        title: failureOf(out.failure).title,
        ops: [`try ${i}`, ...out.log],
      };
      if (this.#expected === null || sameReport(told.title, this.#expected)) return told;
      other ??= told;
    }
    return other ?? { failed: false, title: null, ops: [] };
  }

  [Symbol.dispose](): void {
    this.#kmsg?.[Symbol.dispose]();
  }
}

/** A campaign's time budget and its progress reports (every 5 s at most). */
function budget(o: RunOptions): { left(): number; tick(): void; progress(): void } {
  const started = Date.now();
  const startSeconds = o.stats.seconds;
  let lastProgress = Date.now();
  const progress = () => {
    o.stats.seconds = startSeconds + (Date.now() - started) / 1000;
    o.stats.spent = steps.snapshot();
    o.onProgress?.(o.stats);
  };
  return {
    left: () => o.timeSeconds * 1000 - (Date.now() - started),
    tick: () => {
      if (Date.now() - lastProgress > 5000) {
        lastProgress = Date.now();
        progress();
      }
    },
    progress,
  };
}
