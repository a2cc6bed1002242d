/**
 * The benchmark's results (pure): the shape of `out/bench/results.json`,
 * the aggregation of raw samples into table rows, and `results.md`.
 *
 * @module
 */
import { type BootProfile, initcallsMarkdown } from "./initcalls.ts";
import {
  formatRate,
  formatSummary,
  markdownTable,
  pairedRatio,
  ratio,
  summarize,
  type Summary,
} from "./stats.ts";
import type { Mix, MixSample } from "./mixes.ts";
import type { FuzzProbeRun } from "./fuzz_probe.ts";
import { perCase, showSplitPerCase, type StepShare } from "../harness/steps.ts";
import { type CpuSplit, cpuSplit } from "./proc_stat.ts";
import {
  type BootMarks,
  type BootStages,
  type CmdlineVariant,
  FIX_TOKEN,
  STAGES,
  type TimedRecord,
} from "./stages.ts";
import type { Machine, PhaseCounts } from "./machine.ts";
import { type StartupSample, startupSummary } from "./startup.ts";
import { bundlePath } from "../harness/vm/guest_bundle.ts";
import type { PatchedBuildTimes } from "../harness/vm/kernel.ts";
import { BUILD_GOALS, goalsSection } from "./goals.ts";

/** One row of the FFI-vs-C table. */
export interface MicroRow {
  readonly mix: string;
  readonly label: string;
  readonly ffi: Summary;
  readonly c: Summary;
  /** FFI/C of the samples taken in the same repeat, summarized. */
  readonly ratio: Summary | null;
  readonly ratioOfMedians: number | null;
  /** Operations whose result was not the expected one (should be 0). */
  readonly errors: { readonly ffi: number; readonly c: number };
  /** The first few such results of each side, over all its samples. */
  readonly unexpected: { readonly ffi: readonly string[]; readonly c: readonly string[] };
}

/**
 * Table rows from raw samples: ops/s of both sides per mix, and the FFI/C
 * ratio of each repeat's pair.
 *
 * @example
 * ```ts
 * import { microRows } from "./results.ts";
 * const mix = { id: "m", label: "m", kind: "write" as const, batch: 1 };
 * const rows = microRows([
 *   { mix: "m", side: "ffi", repeat: 0, ops: 50, seconds: 1, errors: 0 },
 *   { mix: "m", side: "c", repeat: 0, ops: 100, seconds: 1, errors: 0 },
 * ], [mix]);
 * if (rows[0]!.ratio?.median !== 0.5) throw new Error();
 * ```
 */
export function microRows(samples: readonly MixSample[], mixes: readonly Mix[]): MicroRow[] {
  const rows: MicroRow[] = [];
  for (const mix of mixes) {
    const of = (side: "ffi" | "c") =>
      samples.filter((s) => s.mix === mix.id && s.side === side)
        .sort((a, b) => a.repeat - b.repeat);
    const ffi = of("ffi");
    const c = of("c");
    if (ffi.length === 0 || c.length === 0) continue;
    const rate = (s: MixSample) => s.ops / s.seconds;
    const repeats = ffi.map((s) => s.repeat).filter((r) => c.some((x) => x.repeat === r));
    const pair = (side: MixSample[]) => repeats.map((r) => rate(side.find((s) => s.repeat === r)!));
    const f = summarize(ffi.map(rate));
    const cs = summarize(c.map(rate));
    rows.push({
      mix: mix.id,
      label: mix.label,
      ffi: f,
      c: cs,
      ratio: repeats.length ? pairedRatio(pair(ffi), pair(c)) : null,
      ratioOfMedians: ratio(f.median, cs.median),
      errors: {
        ffi: ffi.reduce((a, s) => a + s.errors, 0),
        c: c.reduce((a, s) => a + s.errors, 0),
      },
      unexpected: {
        ffi: ffi.flatMap((s) => s.unexpected ?? []).slice(0, 5),
        c: c.flatMap((s) => s.unexpected ?? []).slice(0, 5),
      },
    });
  }
  return rows;
}

/** The counters fuzz/guest.ts sends in its progress and summary records. */
interface Counts {
  readonly cases: number;
  readonly ops: number;
  readonly seconds: number;
}

function counts(r: TimedRecord["record"]): Counts {
  return { cases: Number(r.cases), ops: Number(r.ops), seconds: Number(r.seconds) };
}

/** Throughput over a window. */
export interface Throughput {
  readonly cases: number;
  readonly ops: number;
  readonly seconds: number;
  readonly casesPerSecond: number;
  readonly opsPerSecond: number;
}

function throughput(from: Counts, to: Counts): Throughput {
  const cases = to.cases - from.cases;
  const ops = to.ops - from.ops;
  const seconds = to.seconds - from.seconds;
  return { cases, ops, seconds, casesPerSecond: cases / seconds, opsPerSecond: ops / seconds };
}

/** CPU split over a window, with how busy the process kept the CPUs. */
export interface CpuWindow extends CpuSplit {
  readonly wallSeconds: number;
  /** (user + kernel) / wall: above 1 when several threads ran at once. */
  readonly busy: number | null;
}

/** The campaign's throughput and CPU split for one suite. */
export interface FuzzRow {
  readonly suite: string;
  readonly seed: number;
  readonly timeSeconds: number;
  readonly exitCode: number;
  /** The campaign's own totals (its summary record). */
  readonly total: Throughput | null;
  /** From the first progress record (the first case ended) to the summary: no start-up. */
  readonly steady: Throughput | null;
  /** ops/s between consecutive progress records (about 5 s apart). */
  readonly intervalOpsPerSecond: Summary | null;
  /** Child spawned → first progress record, in the guest. */
  readonly spawnToFirstCaseSeconds: number | null;
  /** The whole process over the steady window. */
  readonly cpuSteady: CpuWindow | null;
  /** The main (JS) thread only over the steady window. */
  readonly cpuSteadyMainThread: CpuWindow | null;
  /** The whole life of the process, start-up included (cutime/cstime of the parent). */
  readonly cpuTotal: CpuWindow;
  readonly findings: number;
  /** Where a case's time went, per step (harness/steps.ts), from the summary record. */
  readonly perCase: readonly StepShare[];
}

function cpuWindow(
  from: { utime: number; stime: number },
  to: { utime: number; stime: number },
  wallSeconds: number,
): CpuWindow {
  const s = cpuSplit(from, to);
  return {
    ...s,
    wallSeconds,
    busy: wallSeconds > 0 ? (s.userSeconds + s.kernelSeconds) / wallSeconds : null,
  };
}

/** Aggregates one suite's run of fuzz/guest.ts. */
/** A progress or summary record's `spent` (harness/steps.ts) per case. */
function stepsPerCase(r: TimedRecord["record"]): FuzzRow["perCase"] {
  const spent = (r as { spent?: Record<string, number> }).spent;
  if (spent === undefined) return [];
  const c = counts(r);
  return perCase(spent, c.seconds * 1000, c.cases);
}

export function fuzzRow(run: FuzzProbeRun): FuzzRow {
  const progress = run.records.filter((r) => r.record.event === "progress");
  const summary = run.records.find((r) => r.record.event === "summary");
  const first = progress[0];
  const end = summary ?? progress.at(-1);
  const total = end ? throughput({ cases: 0, ops: 0, seconds: 0 }, counts(end.record)) : null;
  const steady = first && end && end !== first && counts(end.record).seconds > 0
    ? throughput(counts(first.record), counts(end.record))
    : null;
  const intervals: number[] = [];
  for (let i = 1; i < progress.length; i++) {
    const t = throughput(counts(progress[i - 1]!.record), counts(progress[i]!.record));
    if (t.seconds > 0) intervals.push(t.opsPerSecond);
  }
  // CPU samples taken after the probe had read the first progress record.
  const firstIndex = first ? run.records.indexOf(first) + 1 : Infinity;
  const after = run.samples.filter((s) => s.records >= firstIndex);
  const a = after[0];
  const b = after.at(-1);
  const window = a && b && b !== a;
  return {
    suite: run.suite,
    seed: run.seed,
    timeSeconds: run.timeSeconds,
    exitCode: run.exitCode,
    total,
    steady,
    intervalOpsPerSecond: intervals.length ? summarize(intervals) : null,
    spawnToFirstCaseSeconds: first?.t ?? null,
    perCase: end ? stepsPerCase(end.record) : [],
    cpuSteady: window ? cpuWindow(a.process, b.process, b.t - a.t) : null,
    cpuSteadyMainThread: window ? cpuWindow(a.mainThread, b.mainThread, b.t - a.t) : null,
    cpuTotal: cpuWindow({ utime: 0, stime: 0 }, run.childTotal, run.wallSeconds),
    findings: end ? Number(end.record.findings ?? 0) : 0,
  };
}

/** One boot of the boot-to-first-case benchmark. */
export interface BootResult {
  readonly variant: CmdlineVariant;
  readonly cmdline: string;
  readonly command: string;
  readonly outcome: string;
  readonly wallSeconds: number;
  /** QEMU processes of others running when this boot started. */
  readonly otherVms: number;
  readonly marks: BootMarks;
  readonly host: BootStages;
  readonly guest: BootStages;
  readonly records: readonly TimedRecord[];
  readonly consoleFile: string;
}

/** The `initcall_debug` boot: where the kernel's boot time goes. */
export interface InitcallsRun {
  readonly cmdline: string;
  readonly outcome: string;
  readonly consoleFile: string;
  readonly profile: BootProfile;
}

/** Per stage, the summary over the boots of one variant (null: a mark never came). */
export type StageSummary = Record<keyof BootStages, Summary | null>;

/** Summarizes the stages of the boots of one variant on one clock. */
export function stageSummary(
  runs: readonly BootResult[],
  clock: "host" | "guest",
): StageSummary {
  const out = {} as Record<keyof BootStages, Summary | null>;
  for (const { key } of STAGES) {
    const xs = runs.map((r) => r[clock][key]).filter((x): x is number => x !== null);
    out[key] = xs.length ? summarize(xs) : null;
  }
  return out;
}

/** Concurrency of the run: other engineers' guests on the same 2 cores. */
export interface Concurrency {
  readonly waitedSeconds: number;
  readonly otherVmsAtStart: number;
  readonly otherVmsAtEnd: number;
  /** The largest count seen: at start, before each boot, every 10 s, at end. */
  readonly otherVmsMax: number;
  /** Checks every 10 s and at each phase's start, by phase of the run. */
  readonly byPhase: Readonly<Record<string, PhaseCounts>>;
  readonly loadAverageAtStart: number;
  readonly loadAverageAtEnd: number;
}

/** Everything `out/bench/results.json` holds. */
/** A kernel's cold build as it recorded it (`done.json`). */
export interface KernelBuildRecord {
  /** Null when the record does not say. */
  readonly seconds: number | null;
  readonly inThisRun: boolean;
  readonly at: string;
  /** What the cold build compiled, from its log ({@linkcode compiledByDir}); absent without one. */
  readonly compiled?: CompiledObjects;
}

/** Objects a kernel build compiled (`CC`/`AS` lines of its log), in all and by directory. */
export interface CompiledObjects {
  readonly total: number;
  /** Most objects first; directories two levels deep (`drivers/acpi`, `kernel/*.o`), the rest as `other`. */
  readonly byDir: readonly { readonly dir: string; readonly objects: number }[];
}

/**
 * Counts the objects a kernel build log shows compiled (pure): `CC`, `CC [M]`
 * and `AS` lines of `.o` files, paths taken from the tree's root (host tools
 * built inside it included), grouped two directories deep (`kernel/*.o` for
 * a directory's own files); the `top` largest groups, the rest summed as
 * `other`.
 *
 * @example
 * ```ts
 * import { compiledByDir } from "./results.ts";
 * const c = compiledByDir("  CC      drivers/acpi/bus.o\n  CC      drivers/acpi/scan.o\n  AS      arch/x86/entry/entry_64.o\n");
 * if (c.total !== 3 || c.byDir[0]?.dir !== "drivers/acpi") throw new Error();
 * ```
 */
export function compiledByDir(buildLog: string, top = 12): CompiledObjects {
  const counts = new Map<string, number>();
  let total = 0;
  for (const m of buildLog.matchAll(/^ {2}(?:CC|AS)(?: \[M\])? +(\S+\.o)$/gm)) {
    const path = m[1]!.replace(/^.*\/tree\//, "");
    const parts = path.split("/");
    const dir = parts.length > 2
      ? `${parts[0]}/${parts[1]}`
      : parts.length === 2
      ? `${parts[0]}/*.o`
      : "*.o";
    counts.set(dir, (counts.get(dir) ?? 0) + 1);
    total++;
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const rest = sorted.slice(top).reduce((n, [, c]) => n + c, 0);
  return {
    total,
    byDir: [
      ...sorted.slice(0, top).map(([dir, objects]) => ({ dir, objects })),
      ...(rest > 0 ? [{ dir: "other", objects: rest }] : []),
    ],
  };
}

export interface BenchResults {
  readonly schema: "udiag-fuzz-bench/1";
  readonly command: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: Machine;
  /**
   * The kernel's cold build as it recorded it: seconds (null when it did
   * not say), whether this run built it, and when; null without a record.
   */
  readonly kernelBuild?: KernelBuildRecord | null;
  readonly guest: {
    readonly release: string;
    readonly cpus: number | null;
    readonly profile: string;
    readonly kernelKey: string;
    readonly cmdline: string;
    readonly kmemleakThreadOff: boolean | null;
  };
  readonly concurrency: Concurrency;
  readonly config: Record<string, unknown>;
  /** The `startup` part's samples; empty or absent when it did not run. */
  readonly startup?: readonly StartupSample[];
  readonly micro: { readonly samples: readonly MixSample[]; readonly rows: readonly MicroRow[] };
  readonly fuzz: { readonly runs: readonly FuzzProbeRun[]; readonly rows: readonly FuzzRow[] };
  readonly boot: {
    readonly runs: readonly BootResult[];
    readonly host: Partial<Record<CmdlineVariant, StageSummary>>;
    readonly guest: Partial<Record<CmdlineVariant, StageSummary>>;
  };
  /** Null when the `initcalls` part did not run. */
  readonly initcalls: InitcallsRun | null;
  /** The `kbuild` part; null or absent when it did not run. */
  readonly kbuild?: KbuildRun | null;
  /** The `find` part: a campaign per broken variant; empty when it did not run. */
  readonly find?: readonly FindRun[];
  /** Anything that went wrong but did not stop the run. */
  readonly problems: readonly string[];
}

/** The `kbuild` part: a kernel patch built from a copy of the cached tree, timed by step. */
export interface KbuildRun extends PatchedBuildTimes {
  readonly patchFile: string;
  /** make -j. */
  readonly jobs: number;
  readonly logFile: string;
}

/** The kernel builds: the cold one as recorded, a patch target's as timed now (pure). */
export function kbuildSection(k: KbuildRun, cold: KernelBuildRecord | null | undefined): string {
  const goal = (s: number | null, g: number) =>
    s === null ? "–" : s <= g ? `met (≤ ${g} s)` : `not met (≤ ${g} s)`;
  const coldSeconds = cold?.seconds ?? null;
  return [
    "## Kernel builds",
    "",
    "The cold build is the profile's own record (`done.json`: unpacking the source to bzImage " +
    "and modules); a cold build is measured again with an empty cache " +
    "(`UDIAG_CACHE=$(mktemp -d)`). The patch build is measured in this run, as a " +
    "`--target kernel:PATCH` run builds its kernel the first time: a copy of the cached tree, " +
    "the patch, `make -j" + k.jobs + " bzImage modules`.",
    "",
    markdownTable(
      ["build", "seconds", "of which", "goal"],
      [
        [
          "cold, the profile's kernel",
          coldSeconds === null ? "no record" : String(coldSeconds),
          cold ? (cold.inThisRun ? "built in this run" : `recorded ${cold.at}`) : "–",
          goal(coldSeconds, BUILD_GOALS.cold),
        ],
        [
          `kernel patch from the cached tree (\`${k.patchFile.replace(/^.*\//, "")}\`)`,
          k.total.toFixed(1),
          `copy ${k.copy.toFixed(1)} s, make ${k.make.toFixed(1)} s (${k.compiled} objects ` +
          "compiled)",
          goal(k.total, BUILD_GOALS.patch),
        ],
      ],
      ["left", "right", "left", "left"],
    ),
    "",
    `Log of the patch build: \`${k.logFile}\`.`,
    ...compiledSection(cold?.compiled, coldSeconds),
  ].join("\n");
}

/** What the cold build compiled, and what an object cost it (seconds on all cores, per object). */
function compiledSection(c: CompiledObjects | undefined, seconds: number | null): string[] {
  if (!c || c.total === 0) return [];
  const each = seconds === null ? "" : ` (${seconds} s over ${c.total} objects: ` +
    `${(seconds / c.total).toFixed(2)} s of wall time each on this machine's cores)`;
  const need = seconds === null || seconds <= BUILD_GOALS.cold
    ? ""
    : `At that rate the goal (${BUILD_GOALS.cold} s) needs ${
      Math.ceil((1 - BUILD_GOALS.cold / seconds) * 100)
    } % of them gone, or more cores. `;
  return [
    "",
    `What the cold build compiled, from its log: ${c.total} objects${each}. ${need}` +
    "Every object is built with KASAN's and lockdep's instrumentation. The config is already " +
    "trimmed of what no suite uses (the last section of `kmod/kernel/base.config`); " +
    "`drivers/acpi` (ACPICA) stays, as the guest's second CPU comes from ACPI's tables " +
    "(QEMU's MP table lists one CPU, and the race campaign needs two).",
    "",
    markdownTable(
      ["directory", "objects"],
      c.byDir.map((d) => [`\`${d.dir}\``, String(d.objects)]),
      ["left", "right"],
    ),
  ];
}

/** One broken variant of our module, fuzzed with the default campaigns for a fixed time. */
export interface FindRun {
  readonly variant: string;
  readonly timeSeconds: number;
  readonly seed: number;
  /** Cases the campaigns ran in all. */
  readonly cases: number;
  /** The first finding a guest filed, with how far its campaigns had come; null: none in time. */
  readonly first: {
    readonly title: string;
    /** To its first failing case (time to trigger), shrinking excluded. */
    readonly seconds: number;
    readonly cases: number;
    /** To the shrunk finding filed; absent in runs from before it was sent. */
    readonly filedSeconds?: number;
  } | null;
  /**
   * Findings with no time: what the host read on a console without a fuzz
   * case before it (fuzz/console_time.ts times the rest by printk stamps).
   */
  readonly console: readonly string[];
}

/** The kernel build's line of the header (pure). */
export function kernelBuildLine(b: KernelBuildRecord | null | undefined): string {
  if (!b) return "no record of how long it took (built before builds recorded it)";
  const took = b.seconds === null ? "took an unrecorded time" : `took ${b.seconds} s`;
  return b.inThisRun
    ? `cold, in this run: ${took}`
    : `cached; its cold build ${took} (${b.at}; an empty \`UDIAG_CACHE\` measures it again)`;
}

/** One variant's time to find over its seeds, as FuzzBench and Magma report it. */
export interface FindMedian {
  readonly variant: string;
  readonly seeds: number;
  /** Seeds whose run filed a finding in time. */
  readonly found: number;
  /**
   * The median time to the first finding, a run that found nothing counting
   * as longer than any that did; null when that median is such a run (the
   * bug was not found in most runs).
   */
  readonly medianSeconds: number | null;
  /** The median cases run by the first finding, on the same terms. */
  readonly medianCases: number | null;
  readonly timeSeconds: number;
}

/** The median of `xs`, where null is longer than any number; null when it falls on one. */
function censoredMedian(xs: readonly (number | null)[]): number | null {
  const sorted = [...xs].sort((a, b) =>
    a === null ? (b === null ? 0 : 1) : b === null ? -1 : a - b
  );
  const lo = sorted[Math.floor((sorted.length - 1) / 2)];
  const hi = sorted[Math.ceil((sorted.length - 1) / 2)];
  if (lo === null || hi === null || lo === undefined || hi === undefined) return null;
  return (lo + hi) / 2;
}

/**
 * Each variant's median time to find over its runs (pure), in the order the
 * variants first appear.
 *
 * @example
 * ```ts
 * import { findMedians } from "./results.ts";
 * const run = (seed: number, seconds: number | null) => ({
 *   variant: "DROP_LARGE", timeSeconds: 120, seed, cases: 500, console: [],
 *   first: seconds === null ? null : { title: "t", seconds, cases: seconds * 5 },
 * });
 * const [m] = findMedians([run(1, 90), run(2, null), run(3, 30)]);
 * if (m!.medianSeconds !== 90 || m!.found !== 2) throw new Error();
 * const [n] = findMedians([run(1, 90), run(2, null), run(3, null)]);
 * if (n!.medianSeconds !== null) throw new Error();
 * ```
 */
export function findMedians(runs: readonly FindRun[]): FindMedian[] {
  const variants = [...new Set(runs.map((r) => r.variant))];
  return variants.map((variant) => {
    const mine = runs.filter((r) => r.variant === variant);
    return {
      variant,
      seeds: mine.length,
      found: mine.filter((r) => r.first).length,
      medianSeconds: censoredMedian(mine.map((r) => r.first?.seconds ?? null)),
      medianCases: censoredMedian(mine.map((r) => r.first?.cases ?? null)),
      timeSeconds: Math.max(...mine.map((r) => r.timeSeconds)),
    };
  });
}

/** The `find` tables (pure): the median per variant, then every run. */
export function findSection(runs: readonly FindRun[]): string {
  const medians = findMedians(runs).map((m) => [
    `\`${m.variant}\``,
    `${m.found} of ${m.seeds}`,
    m.medianSeconds === null ? `> ${m.timeSeconds} s` : secs(m.medianSeconds),
    m.medianCases === null ? "–" : String(Math.round(m.medianCases)),
  ]);
  const rows = runs.map((f) => [
    `\`${f.variant}\``,
    String(f.seed),
    f.first ? f.first.title : `none in ${f.timeSeconds} s`,
    f.first ? secs(f.first.seconds) : "–",
    f.first?.filedSeconds === undefined ? "–" : secs(f.first.filedSeconds),
    f.first ? String(f.first.cases) : "–",
    String(f.cases),
    f.console.length ? f.console.join("; ") : "–",
  ]);
  return [
    "## Time to find a known bug",
    "",
    "Each test-only broken variant of our module (`--broken`) under the default fuzz campaigns " +
    "(`fixedSeedCampaign`: model, raw and race in their usual shares), one VM per seed. " +
    // Runs from before the guest sent the trigger time were timed to the filing.
    (runs.some((f) => f.first?.filedSeconds !== undefined)
      ? "The time is the guest's, from its first campaign to the case that first failed (time " +
        "to trigger: boot, shrinking and replay excluded; the shrunk finding was filed later, " +
        'at "filed")'
      : "The time is the guest's, from its first campaign to the finding filed (shrinking and " +
        "replay included, boot excluded)") +
    "; a kernel report the host read on the console is timed by printk stamps, from " +
    "the boot's first fuzz case to the report. The median counts a seed that found nothing as " +
    "slower than every seed that did (FuzzBench's and Magma's convention): `> T` when most " +
    "seeds found nothing.",
    "",
    markdownTable(
      ["variant", "seeds that found it", "median time to find", "median cases by then"],
      medians,
      ["left", "right", "right", "right"],
    ),
    "",
    markdownTable(
      [
        "variant",
        "seed",
        "first finding",
        "after",
        "filed",
        "cases by then",
        "cases in all",
        "untimed findings",
      ],
      rows,
    ),
  ].join("\n");
}

const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? "–" : `${(x * 100).toFixed(0)} %`;
const secs = (x: number) => `${x.toFixed(1)} s`;
const times = (x: number) => x >= 10 ? `${x.toFixed(0)}×` : `${x.toFixed(2)}×`;

/** One layer of the FFI side's cost, from the layer mixes' medians. */
export interface LayerCost {
  readonly layer: string;
  /** What one operation costs through this layer, nanoseconds (median ops/s inverted). */
  readonly ns: number;
  /** What this layer adds to the one below it (the first: the C operation itself). */
  readonly addedNs: number;
}

/** The layer stacks: each mix's median per operation, from C's own to the client's. */
const LAYER_STACKS: readonly {
  readonly title: string;
  /** A layer whose mix is `optional` is left out when it did not run (results from before it). */
  readonly layers: readonly [label: string, mix: string, side: "ffi" | "c", optional?: true][];
}[] = [
  {
    title: "write 64 B, event disabled",
    layers: [
      ["C: the system call", "write64_off", "c"],
      [
        "+ a second thread in the C process: the kernel's file reference per call",
        "write64_off_threads",
        "c",
        true,
      ],
      ["+ the FFI call: V8's fast call into the bare dlopen symbol", "write64_off_symbol", "ffi"],
      ["+ rawSyscallFdBuf(): the library, loaded once", "write64_off_rawsys", "ffi"],
      ["+ sysWrite(): argument checks, the result value", "write64_off_syscall", "ffi"],
      ["+ UdiagFile.write(): the client", "write64_off", "ffi"],
    ],
  },
  {
    title: "enable-byte read",
    layers: [
      ["C: a load from the mapped page", "enable_byte_array", "c"],
      ["+ a Uint8Array over the page, indexed in JS", "enable_byte_array", "ffi"],
      ["+ EnablePage.byte(): its range check", "enable_byte", "ffi"],
    ],
  },
];

/**
 * Where the FFI side's time goes, layer by layer: each layer mix's median
 * cost per operation and what it adds to the layer below (pure). A stack is
 * left out when one of its mixes did not run. The differences are of
 * medians of separate samples, so a small negative one is noise.
 *
 * @example
 * ```ts
 * import { layerCosts } from "./results.ts";
 * if (layerCosts([]).length !== 0) throw new Error();
 * ```
 */
export function layerCosts(
  rows: readonly Pick<MicroRow, "mix" | "ffi" | "c">[],
): { readonly title: string; readonly layers: readonly LayerCost[] }[] {
  const out = [];
  for (const stack of LAYER_STACKS) {
    const measured = stack.layers.map(([layer, mix, side, optional]) => {
      const rate = rows.find((r) => r.mix === mix)?.[side].median;
      return { layer, optional, ns: rate && rate > 0 ? 1e9 / rate : null };
    }).filter((l) => l.ns !== null || !l.optional);
    if (measured.some((l) => l.ns === null)) continue;
    let below = 0;
    out.push({
      title: stack.title,
      layers: measured.map(({ layer, ns }) => {
        const cost = { layer, ns: ns!, addedNs: ns! - below };
        below = ns!;
        return cost;
      }),
    });
  }
  return out;
}

function layerSection(rows: readonly MicroRow[]): string[] {
  const stacks = layerCosts(rows);
  if (stacks.length === 0) return [];
  const ns = (
    x: number,
  ) => (Math.abs(x) >= 1000 ? `${(x / 1000).toFixed(2)} µs` : `${x.toFixed(0)} ns`);
  return [
    "",
    "Where the FFI side's time goes, layer by layer: each layer mix's median cost per operation " +
    "(1 / median ops/s) and what the layer adds to the one above it in the table. The first " +
    "line is the C side's operation. The second is the same C write with an idle second " +
    "thread in its process: the fd table is then shared, and the kernel takes and drops a " +
    "file reference on every call (fdget()), which every Deno process pays (V8 and tokio run " +
    "threads of their own) and no harness change removes. The next adds the FFI call itself " +
    "(V8's fast-call entry and exit and the JIT code of the loop, one per system call: only " +
    "batching calls into one native call would share it, and a fuzzer decides each call on " +
    "the last one's answer). Differences of medians of separate samples: a small negative " +
    "one is noise.",
    "",
    stacks.map((s) =>
      markdownTable(
        [s.title, "per operation", "added"],
        s.layers.map((l) => [l.layer, ns(l.ns), ns(l.addedNs)]),
        ["left", "right", "right"],
      )
    ).join("\n\n"),
  ];
}

function microSection(r: BenchResults): string {
  const cfg = r.config;
  const rows = r.micro.rows.map((m) => [
    m.label,
    formatSummary(m.ffi, formatRate),
    formatSummary(m.c, formatRate),
    formatSummary(m.ratio, (x) => x.toFixed(3)),
    m.ratio ? times(1 / m.ratio.median) : "–",
    m.errors.ffi + m.errors.c === 0 ? "0" : `${m.errors.ffi} / ${m.errors.c}`,
  ]);
  return [
    "## Deno FFI against C, same guest boot",
    "",
    `ops/s, median (min–max) of ${cfg.repeats} repeats of ${cfg.seconds} s each ` +
    `(after ${cfg.warmup} s untimed warm-up); FFI/C is the median (min–max) of the ratio of ` +
    "the two samples of each repeat; C/FFI is how many times faster C is.",
    "",
    markdownTable(
      ["mix (one op =)", "Deno FFI ops/s", "C ops/s", "FFI/C", "C/FFI", "bad results"],
      rows,
      ["left", "right", "right", "right", "right", "right"],
    ),
    ...layerSection(r.micro.rows),
  ].join("\n");
}

function fuzzSection(r: BenchResults): string {
  const rows = r.fuzz.rows.map((f) => [
    `${f.suite} (seed ${f.seed}, --time ${f.timeSeconds})`,
    f.total ? `${f.total.cases} / ${f.total.ops} / ${secs(f.total.seconds)}` : "–",
    f.total ? f.total.casesPerSecond.toFixed(1) : "–",
    f.total ? formatRate(f.total.opsPerSecond) : "–",
    f.steady ? `${f.steady.casesPerSecond.toFixed(1)} / ${formatRate(f.steady.opsPerSecond)}` : "–",
    formatSummary(f.intervalOpsPerSecond, formatRate),
    f.spawnToFirstCaseSeconds === null ? "–" : secs(f.spawnToFirstCaseSeconds),
  ]);
  const cpu = r.fuzz.rows.map((f) => [
    f.suite,
    pct(f.cpuSteady?.kernelShare),
    pct(f.cpuSteadyMainThread?.kernelShare),
    f.cpuSteady ? `${f.cpuSteady.busy?.toFixed(2)}` : "–",
    pct(f.cpuTotal.kernelShare),
    `${f.cpuTotal.userSeconds.toFixed(1)} / ${f.cpuTotal.kernelSeconds.toFixed(1)} s`,
  ]);
  return [
    "## The fuzz campaign's own throughput",
    "",
    "`fuzz/guest.ts --suites S --seed N --time T`, one run per suite, counts from its " +
    "`progress`/`summary` records. Steady = from the first progress record (sent when the " +
    "first case ended) to the summary, so Deno's start-up and the first case are left out.",
    "",
    markdownTable(
      [
        "suite",
        "cases / ops / seconds",
        "cases/s",
        "ops/s",
        "steady cases/s / ops/s",
        "ops/s per ~5 s interval",
        "spawn → first case ended",
      ],
      rows,
      ["left", "right", "right", "right", "right", "right", "right"],
    ),
    "",
    "Share of CPU time in the kernel (system time) against the harness (user time) of the " +
    "`fuzz/guest.ts` process; see Method.",
    "",
    markdownTable(
      [
        "suite",
        "kernel share, steady",
        "kernel share, main thread, steady",
        "CPUs busy, steady",
        "kernel share, whole life",
        "user / kernel, whole life",
      ],
      cpu,
      ["left", "right", "right", "right", "right", "right"],
    ),
    "",
    "Where a case's time goes, in the guest's own clock (harness/steps.ts: self time per step, " +
    "milliseconds per case and share of the campaign's time). The case's operations are each " +
    "model command's run (`command: drain`: the system calls, the sinks read, the model compared) " +
    "and each raw operation (`raw: write`), with `commands` fast-check's loop around them; the " +
    "harness around them is the set-up, the oracles after the case and `untimed`, fast-check's " +
    "generation and shrinking:",
    "",
    ...r.fuzz.rows.map((f) =>
      `- ${f.suite}: ${
        f.perCase.length ? showSplitPerCase(f.perCase) : "no step times in its records"
      }`
    ),
  ].join("\n");
}

function bootSection(r: BenchResults): string {
  const variants = (["after", "before"] as const).filter((v) =>
    r.boot.runs.some((b) => b.variant === v)
  );
  const n = (v: CmdlineVariant) => r.boot.runs.filter((b) => b.variant === v).length;
  const head = (v: CmdlineVariant) =>
    `${v === "after" ? `with ${FIX_TOKEN}` : `without ${FIX_TOKEN} (before)`}, ${n(v)} boot${
      n(v) === 1 ? "" : "s"
    }`;
  const table = (clock: "host" | "guest") =>
    markdownTable(
      ["stage", ...variants.map(head)],
      STAGES.map((s) => [
        s.label,
        ...variants.map((v) => formatSummary(r.boot[clock][v]?.[s.key] ?? null, secs)),
      ]),
      ["left", ...variants.map(() => "right" as const)],
    );
  const runs = markdownTable(
    [
      "boot",
      "outcome",
      "first console line",
      "CPUs",
      "soft lockups",
      '"booted" record (host / uptime)',
      '"start" record (host / uptime)',
      "first progress record",
      "other VMs",
    ],
    r.boot.runs.map((b, i) => [
      `${i + 1} ${b.variant}`,
      b.outcome,
      b.marks.firstOutput === null ? "–" : secs(b.marks.firstOutput),
      String(b.marks.cpus ?? "–"),
      String(b.marks.softLockups),
      b.marks.bootedRecord
        ? `${secs(b.marks.bootedRecord.host)} / ${secs(b.marks.bootedRecord.guest ?? NaN)}`
        : "–",
      b.marks.startRecord
        ? `${secs(b.marks.startRecord.host)} / ${secs(b.marks.startRecord.guest ?? NaN)}`
        : "–",
      b.marks.firstProgressRecord ? secs(b.marks.firstProgressRecord.host) : "–",
      String(b.otherVms),
    ]),
    ["left", "left", "right", "right", "right", "right", "right", "right", "right"],
  );
  return [
    "## Boot to first case, before and after the boot fix",
    "",
    `Each boot runs \`${r.boot.runs[0]?.command ?? ""}\` and is stopped when the first case ` +
    `has ended. "before" is the same kernel command line without \`${FIX_TOKEN}\`.`,
    "",
    "On the host's clock (arrival of the console line, seconds since QEMU was spawned):",
    "",
    table("host"),
    "",
    "On the guest's clock (printk timestamps of the same lines; the kernel stage starts at " +
    "the kernel's clock, after firmware and decompression):",
    "",
    table("guest"),
    "",
    "Each boot (results records are read every 50 ms):",
    "",
    runs,
  ].join("\n");
}

/** Deno's start-up in the guest, split into the runtime and the modules (pure). */
export function startupSection(samples: readonly StartupSample[]): string {
  const s = startupSummary(samples);
  if (!s) return "";
  const sec = (x: number) => `${x.toFixed(2)} s`;
  return [
    "## Deno's start-up in the guest",
    "",
    "In the benchmark's boot, before the fuzz runs: each command spawned by `bench/guest.ts` " +
    `${s.runtime.n} times, wall seconds from spawn to exit, median (min–max). The guest's ` +
    "DENO_DIR holds the host's emits and V8 code cache (harness/vm/deno_dir.ts), and Deno's " +
    "binary is in the page cache by then, so this is the CPU cost of starting, not 9p reads.",
    "",
    markdownTable(
      ["command", "seconds", "what it is"],
      [
        [
          "`deno eval 0`",
          formatSummary(s.runtime, sec),
          "the runtime alone (V8, Deno's own start)",
        ],
        [
          "`deno run -A fuzz/guest.ts --abi udiag --load-only`",
          formatSummary(s.fuzzGuest, sec),
          "what a fuzz run loads before its first case, from its source modules",
        ],
        [
          "difference of medians",
          sec(s.modules),
          "fuzz/guest.ts's modules: the ABI plugin, campaigns, fast-check, the canary",
        ],
        ...(s.fuzzBundle && s.bundleModules !== null
          ? [
            [
              `\`deno run -A ${bundlePath("fuzz/guest.ts")} --abi udiag --load-only\``,
              formatSummary(s.fuzzBundle, sec),
              "the same code from its one-file bundle, as fuzz runs start it " +
              "(harness/vm/guest_bundle.ts)",
            ],
            [
              "difference of medians",
              sec(s.bundleModules),
              "the same modules, bundled: the module-by-module loading the bundle saves is " +
              sec(s.modules - s.bundleModules),
            ],
          ]
          : []),
      ],
      ["left", "right", "left"],
    ),
  ].join("\n");
}

function initcallsSection(i: InitcallsRun): string {
  return [
    "## Where the kernel's boot time goes (`initcall_debug`)",
    "",
    `One boot with \`initcall_debug\` added (guest command \`true\`; it prints two console ` +
    `lines per initcall, so it is not one of the boots above), ended "${i.outcome}"; ` +
    `console: \`${i.consoleFile}\`.`,
    "",
    initcallsMarkdown(i.profile),
  ].join("\n");
}

function methodSection(r: BenchResults): string {
  // Only what this run did: a `--parts find` run compiled no baseline.
  const micro = r.micro.rows.length > 0;
  const fuzz = r.fuzz.rows.length > 0;
  const boot = r.boot.runs.length > 0;
  const startup = (r.startup?.length ?? 0) > 0;
  const benchBoot = micro || fuzz || startup;
  const steps = [
    micro
      ? "the C baseline (`bench/baseline.c`) is compiled with `gcc -O2 -static` into " +
        "`out/bench/baseline`"
      : "",
    benchBoot
      ? `one guest boot runs \`bench/guest.ts\`, which ${
        [
          startup ? "times Deno's start-up" : "",
          fuzz ? "runs the fuzz suites" : "",
          micro ? "runs the micro-benchmark" : "",
        ].filter(Boolean).join(", then ")
      }`
      : "",
    boot ? "then the boot-to-first-case boots" : "",
    r.initcalls ? "one boot with `initcall_debug`" : "",
    r.kbuild ? "a kernel patch built from a copy of the cached tree" : "",
    r.find?.length ? "one VM per broken variant and seed (time to find)" : "",
  ].filter(Boolean);
  return [
    "## Method",
    "",
    `- One \`deno task bench\` run: ${steps.join("; ")}.`,
    ...(micro
      ? [
        "- Micro-benchmark: both sides run in the same boot; in each repeat every mix runs on " +
        "both sides back to back, the side that goes first alternating between repeats. Each " +
        "side registers its own event, runs the op in batches (the same batch on both sides) " +
        "and reads the monotonic clock between batches until the sample time has passed. The " +
        "FFI side calls the harness's clients (`UdiagFile.register/close/delete/write`, " +
        "`EnablePage.byte`, `Tracefs.setEnabled`), as the suites do. Enabled mixes enable the " +
        "event in tracefs and start from an empty trace buffer. 0-byte writes are EFAULT by the " +
        "RFC; 4096-byte writes with the event enabled are copied and passed to the probe, and " +
        "ftrace drops records larger than a ring-buffer page.",
      ]
      : []),
    ...(benchBoot
      ? [
        "- kmemleak's periodic scan thread is switched off in the benchmark boot " +
        `(\`scan=off\`: ${r.guest.kmemleakThreadOff ?? "n/a"}), as its first scan (60 s after ` +
        "boot) takes seconds of one vCPU under KASAN/TCG and would land in one sample.",
      ]
      : []),
    ...(fuzz
      ? [
        "- Kernel vs harness: the probe (`bench/fuzz_probe.ts`) reads `/proc/<pid>/stat` of " +
        "the `fuzz/guest.ts` process every 100 ms: utime is user space (Deno, V8, fast-check, " +
        "the FFI glue), stime is the kernel working for it (syscalls into udiag and tracefs, " +
        "page faults, 9p reads of Deno's code on first use). Steady = from the first sample " +
        "after the first progress record to the last sample. Whole life = the parent's " +
        "cutime/cstime (getrusage(RUSAGE_CHILDREN)) across the child's run, start-up included. " +
        "The guest kernel uses tick-based accounting (CONFIG_TICK_CPU_ACCOUNTING, HZ=250): each " +
        "4 ms tick is charged whole to user or system, so shares are sampled, not traced.",
      ]
      : []),
    ...(boot
      ? [
        "- Boot stages: QEMU is started with the same initramfs and arguments as the runner " +
        "(`buildInitramfs`, `qemuArgs`), only the `-append` value differs between variants; " +
        "console lines are stamped on the host as they arrive; the marks are init.sh's " +
        "`udiag-vm: booted` and `udiag-vm: running:` lines and the first case mark " +
        "`udiag-fuzz[pid]: fuzz/…: start` that fuzz/guest.ts writes to /dev/kmsg.",
      ]
      : []),
    `- Other QEMU guests on this machine (\`pgrep qemu-system\` less our own QEMU, at each ` +
    "phase's start and every 10 s): " +
    `${r.concurrency.otherVmsAtStart} at start (after waiting ${r.concurrency.waitedSeconds} s), ` +
    `${r.concurrency.otherVmsAtEnd} at end; load average ${r.concurrency.loadAverageAtStart} at ` +
    `start, ${r.concurrency.loadAverageAtEnd} at end.`,
    "",
    markdownTable(
      ["phase", "checks", "checks that saw another guest", "most seen at once"],
      Object.entries(r.concurrency.byPhase).map(([phase, p]) => [
        phase,
        String(p.checks),
        String(p.busy),
        String(p.max),
      ]),
      ["left", "right", "right", "right"],
    ),
  ].join("\n");
}

/** `results.md`: the tables and how they were made. */
export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const concurrent = r.concurrency.otherVmsMax > 0 || r.concurrency.otherVmsAtEnd > 0;
  const parts = [
    "# udiag-fuzz benchmark results",
    "",
    `Generated by \`${r.command}\`, ${r.startedAt} – ${r.finishedAt}.`,
    "",
    `- host: ${m.nproc} × ${m.cpuModel}, Linux ${m.hostKernel}`,
    `- guest: Linux ${r.guest.release}, ${r.guest.cpus ?? "?"} vCPUs, QEMU TCG, kernel profile ` +
    `${r.guest.profile} (${r.guest.kernelKey})`,
    `- tools: ${m.qemu}; Deno ${m.deno} (V8 ${m.v8}); ${m.gcc}`,
    `- kernel build: ${kernelBuildLine(r.kernelBuild)}`,
    `- other VMs: ${
      concurrent
        ? "yes, other engineers' QEMU guests ran during this run (counts under Method)"
        : "none at start, before each boot, or at end"
    }`,
    "",
  ];
  const goals = goalsSection(r, findMedians(r.find ?? []));
  if (goals) parts.push(goals, "");
  if (r.startup?.length) parts.push(startupSection(r.startup), "");
  if (r.micro.rows.length) parts.push(microSection(r), "");
  if (r.fuzz.rows.length) parts.push(fuzzSection(r), "");
  if (r.boot.runs.length) parts.push(bootSection(r), "");
  if (r.initcalls) parts.push(initcallsSection(r.initcalls), "");
  if (r.kbuild) parts.push(kbuildSection(r.kbuild, r.kernelBuild), "");
  if (r.find?.length) parts.push(findSection(r.find), "");
  parts.push(methodSection(r), "");
  if (r.problems.length) {
    parts.push("## Problems", "", ...r.problems.map((p) => `- ${p}`), "");
  }
  return parts.join("\n");
}
