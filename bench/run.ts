/**
 * `deno task bench`: how fast the framework drives the udiag ABI, against a C
 * baseline in the same run, and how long a fuzz run takes to its first case.
 *
 * 1. compiles `bench/baseline.c` (gcc -O2 -static) into `out/bench/baseline`;
 * 2. one guest boot runs `bench/guest.ts`: Deno's start-up split into the
 *    runtime and the modules, the fuzz campaign per suite (throughput,
 *    kernel vs harness CPU time), then every operation mix on both sides,
 *    Deno FFI and C, interleaved per repeat;
 * 3. boots to the first fuzz case with the current kernel command line
 *    (`--boots` times) and once with the line before the boot fix;
 * 4. times a `kernel:PATCH` target's incremental build from the cached tree
 *    (`kbuild`), beside the cold build's own record;
 * 5. writes `out/bench/results.json` (raw samples, summaries, machine) and
 *    `out/bench/results.md` (tables).
 *
 * Exit status: 0 every part measured, 1 a part had problems, 2 bad flags.
 *
 * @module
 */
import {
  checkInput,
  fileFlag,
  parseFlags,
  profileFlag,
  runMain,
  UsageError,
} from "../harness/cli.ts";
import { ROOT } from "../harness/paths.ts";
import { ensureKernel, type KernelBuild, timePatchedBuild } from "../harness/vm/kernel.ts";
import { DEFAULT_CPUS, kernelCmdline } from "../harness/vm/qemu.ts";
import { runGuest } from "../harness/vm/guest_run.ts";
import type { ResultEvent } from "../harness/vm/runner.ts";
import { parseMark } from "../harness/marks.ts";
import { BROKEN_VARIANTS, buildUdiag } from "../abi/udiag/module.ts";
import { resolveSubject } from "../abi/mod.ts";
import { fixedSeedCampaign } from "../fuzz/run.ts";
import { capture } from "../harness/proc.ts";
import { mixById, MIXES, type MixSample } from "./mixes.ts";
import { STARTUP_SAMPLES, type StartupSample } from "./startup.ts";
import type { FuzzProbeRun } from "./fuzz_probe.ts";
import { measureBoot } from "./boot_probe.ts";
import { bootMarks, type CmdlineVariant, guestStages, hostStages } from "./stages.ts";
import {
  type BenchResults,
  type BootResult,
  compiledByDir,
  type FindRun,
  fuzzRow,
  type InitcallsRun,
  type KbuildRun,
  type KernelBuildRecord,
  microRows,
  renderMarkdown,
  stageSummary,
} from "./results.ts";
import { parseInitcalls } from "./initcalls.ts";
import { guestDenoRun } from "../harness/vm/guest_bundle.ts";
import { loadAverage, machineInfo, qemuCount, QemuMonitor, waitForIdle } from "./machine.ts";

/** The benchmark's parts, in the order they run. */
const PARTS = ["startup", "micro", "fuzz", "boot", "initcalls", "kbuild", "find"] as const;

/** Parts run when `--parts` is not given (`find` boots a VM per variant: asked for). */
const DEFAULT_PARTS = ["startup", "micro", "fuzz", "boot", "initcalls", "kbuild"];

/**
 * The kernel patch `kbuild` builds: a one-function change to
 * trace_events_user.c, as a `kernel:PATCH` target is (a calibration revert).
 */
const KBUILD_PATCH = "abi/user_events/reverts/01-write-index-negative.patch";

/** Broken variants of our module that the base profile's fuzz campaigns can meet. */
const FIND_VARIANTS = ["SKIP_EBUSY", "BPF_CONTEXT", "CPU_BUFFER", "DROP_LARGE"];

const USAGE = `Usage: deno task bench [options]
  --repeats N          micro-benchmark repeats (every mix, both sides each)   [5]
  --seconds S          timed seconds per sample                               [1]
  --warmup S           untimed warm-up before each sample                     [0.5]
  --mixes LIST         mixes to run (${MIXES.map((m) => m.id).join(",")})
  --fuzz-seconds S     fuzz/guest.ts --time per suite                         [20]
  --suites LIST        fuzz suites to measure                                 [model,raw]
  --seed N             fuzz seed                                              [1]
  --boots N            boots to the first case with the current cmdline       [3]
  --before-timeout S   the one boot without acpi=noirq; 0 skips it            [300]
  --parts LIST         startup (Deno's start-up in the guest, split),
                       micro,fuzz,boot,initcalls (one initcall_debug boot),
                       kbuild (a kernel patch built from the cached tree),
                       find (time to find each broken variant's bug)
                                           [startup,micro,fuzz,boot,initcalls,kbuild]
  --kbuild-patch FILE  the kernel patch kbuild builds
                       [${KBUILD_PATCH}]
  --find-seconds S     fuzz time per broken variant (find)                    [120]
  --find-variants LIST broken variants (find)   [${FIND_VARIANTS.join(",")}]
  --find-seeds N       fuzz seeds per variant, from --seed on (find): the
                       table gives the median time over them              [3]
  --wait-idle S        wait up to S for other QEMU guests to end first        [600]
  --profile NAME       kernel debug profile                                   [base]
  --out DIR            where results go                                       [out/bench]
  --render FILE        measure nothing: write the results.md of a saved
                       results.json (FILE) beside it, with this version's tables

Exit status: 0 every part measured, 1 a part had problems (listed in results.md),
2 bad flags (before anything is built or booted).`;

function log(s: string): void {
  console.error(s);
}

function num(name: string, s: string, integer = false): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new TypeError(
      `Invalid --${name} "${s}": expected a non-negative ${integer ? "integer" : "number"}`,
    );
  }
  return n;
}

function positive(name: string, s: string): number {
  const n = num(name, s, true);
  if (n < 1) throw new TypeError(`Invalid --${name} "${s}": expected at least 1`);
  return n;
}

/** Options of {@linkcode bench}. */
export interface BenchOptions {
  readonly repeats: number;
  readonly seconds: number;
  readonly warmup: number;
  readonly mixes: readonly string[];
  readonly fuzzSeconds: number;
  readonly suites: readonly string[];
  readonly seed: number;
  readonly boots: number;
  readonly beforeTimeout: number;
  readonly parts: readonly string[];
  readonly findSeconds: number;
  readonly findVariants: readonly string[];
  /** Seeds per variant, from `seed` on. */
  readonly findSeeds: number;
  /** The kernel patch the `kbuild` part builds. */
  readonly kbuildPatch: string;
  readonly waitIdle: number;
  readonly profile: string;
  readonly outDir: string;
  readonly command: string;
  /** A saved results.json to render instead of measuring; null: measure. */
  readonly render: string | null;
}

/** What the set-up step leaves for the measuring steps. */
interface Setup {
  readonly kernel: KernelBuild;
  /** The kernel's cold build, as its build recorded it (done.json). */
  readonly kernelBuild: KernelBuildRecord | null;
  readonly modules: string[];
  readonly baseline: string;
  readonly machine: BenchResults["machine"];
  readonly idle: { waitedSeconds: number; others: number };
  readonly load0: BenchResults["concurrency"]["loadAverageAtStart"];
}

/** What one guest run of `bench/guest.ts` sent back. */
interface GuestPart {
  readonly startup: StartupSample[];
  readonly samples: MixSample[];
  readonly fuzzRuns: FuzzProbeRun[];
  readonly guestInfo: ResultEvent | undefined;
}

/** Step 1: waits for other guests, builds the kernel, the module and the C baseline. */
async function setUp(o: BenchOptions): Promise<Setup> {
  const others0 = await qemuCount();
  const idle = others0 > 0 && o.waitIdle > 0
    ? await waitForIdle(o.waitIdle, log)
    : { waitedSeconds: 0, others: others0 };
  const load0 = await loadAverage();
  const machine = await machineInfo();
  log(`bench: ${machine.nproc} × ${machine.cpuModel}; other QEMU guests now: ${idle.others}`);
  const asked = Date.now();
  const kernel = await ensureKernel({ profile: o.profile });
  const kernelBuild = await recordedBuild(kernel, asked);
  const modules = [await buildUdiag(kernel, `${ROOT}/out/build`)];
  const baseline = `${o.outDir}/baseline`;
  await capture("gcc", [
    "-O2",
    "-static",
    "-Wall",
    "-Werror",
    "-o",
    baseline,
    `${ROOT}/bench/baseline.c`,
  ]);
  return { kernel, kernelBuild, modules, baseline, machine, idle, load0 };
}

/**
 * The cold build of `kernel` as its build wrote it down (`done.json` beside
 * the tree: seconds from the source's unpacking to bzImage and modules);
 * whether this run built it (the file is newer than `asked`). A cold build
 * is measured by running with an empty cache (`UDIAG_CACHE=$(mktemp -d)`).
 */
async function recordedBuild(
  kernel: KernelBuild,
  asked: number,
): Promise<KernelBuildRecord | null> {
  const file = `${kernel.tree.replace(/\/tree$/, "")}/done.json`;
  try {
    const done = JSON.parse(await Deno.readTextFile(file)) as { seconds?: unknown };
    const mtime = (await Deno.stat(file)).mtime?.getTime() ?? 0;
    const buildLog = await Deno.readTextFile(file.replace(/done\.json$/, "build.log"))
      .catch((e) => {
        if (e instanceof Deno.errors.NotFound) return null;
        throw e;
      });
    return {
      seconds: typeof done.seconds === "number" ? done.seconds : null,
      inThisRun: mtime >= asked,
      at: new Date(mtime).toISOString(),
      ...(buildLog === null ? {} : { compiled: compiledByDir(buildLog) }),
    };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof SyntaxError) return null;
    throw e;
  }
}

/** The `bench/guest.ts` command line of step 2. */
function guestCommand(o: BenchOptions, baseline: string, parts: string): string {
  return [
    guestDenoRun("bench/guest.ts", ""),
    `--baseline ${baseline}`,
    `--repeats ${o.repeats}`,
    `--seconds ${o.seconds}`,
    `--warmup ${o.warmup}`,
    `--mixes ${o.mixes.join(",")}`,
    `--fuzz-seconds ${o.fuzzSeconds}`,
    `--suites ${o.suites.join(",")}`,
    `--seed ${o.seed}`,
    `--parts ${parts}`,
  ].join(" ");
}

/** Step 2: one guest boot measures Deno's start-up, the fuzz campaigns and the FFI/C mixes. */
async function measureGuest(o: BenchOptions, setup: Setup, problems: string[]): Promise<GuestPart> {
  const startup: StartupSample[] = [];
  const samples: MixSample[] = [];
  const fuzzRuns: FuzzProbeRun[] = [];
  let guestInfo: ResultEvent | undefined;
  const wantStartup = o.parts.includes("startup");
  const wantMicro = o.parts.includes("micro");
  const wantFuzz = o.parts.includes("fuzz");
  const parts = [wantStartup ? "startup" : "", wantFuzz ? "fuzz" : "", wantMicro ? "micro" : ""]
    .filter(Boolean).join(",");
  const command = guestCommand(o, setup.baseline, parts);
  const sampleCount = wantMicro ? o.repeats * o.mixes.length * 2 : 0;
  const timeoutSeconds = Math.ceil(
    240 + (wantStartup ? STARTUP_SAMPLES * 60 : 0) + sampleCount * (o.seconds + o.warmup + 2) +
      (wantFuzz ? o.suites.length * (o.fuzzSeconds + 90) : 0),
  );
  log(`bench: guest run (timeout ${timeoutSeconds} s): ${command}`);
  const { run, exitCode } = await runGuest({
    command,
    kernel: { profile: o.profile, patch: null },
    load: () => Promise.resolve({ modules: setup.modules, env: { target: "kmod" } }),
    timeoutSeconds,
    silenceSeconds: 180,
    kmemleak: false,
    reportsDir: `${o.outDir}/reports`,
    echoGuest: true,
    onResult: (r) => {
      if (r.event === "bench-guest") guestInfo = r;
      if (r.event === "bench-startup") startup.push(r as unknown as StartupSample);
      if (r.event === "bench-sample") samples.push(r as unknown as MixSample);
      if (r.event === "bench-fuzz") fuzzRuns.push(r as unknown as FuzzProbeRun);
    },
  });
  if (wantFuzz && fuzzRuns.length !== o.suites.length) {
    problems.push(`${fuzzRuns.length} of ${o.suites.length} fuzz runs reported back`);
  }
  if (wantStartup && startup.length !== STARTUP_SAMPLES) {
    problems.push(`${startup.length} of ${STARTUP_SAMPLES} start-up samples reported back`);
  }
  if (wantMicro && samples.length !== sampleCount) {
    problems.push(`${samples.length} of ${sampleCount} micro-benchmark samples reported back`);
  }
  if (exitCode !== 0) {
    problems.push(
      `The benchmark guest run ended with exit code ${exitCode} (${run.outcome.kind}); ` +
        `console: ${run.consoleFile}`,
    );
  }
  return { startup, samples, fuzzRuns, guestInfo };
}

/** The order of step 3's boots: "before" second, between "after" boots, so drift favours neither. */
export function bootPlan(boots: number, withBefore: boolean): CmdlineVariant[] {
  const plan: CmdlineVariant[] = Array.from({ length: boots }, () => "after" as const);
  if (withBefore) plan.splice(Math.min(1, plan.length), 0, "before");
  return plan;
}

/** Step 3: boots to the first fuzz case, per command-line variant. */
async function measureBoots(
  o: BenchOptions,
  setup: Setup,
  monitor: QemuMonitor,
  problems: string[],
): Promise<{ runs: BootResult[]; othersMax: number }> {
  const runs: BootResult[] = [];
  let othersMax = 0;
  const plan = bootPlan(o.boots, o.beforeTimeout > 0);
  const command = guestDenoRun(
    "fuzz/guest.ts",
    `--abi udiag --seed ${o.seed} --time 60 --max-commands 30 --suites model,raw,race`,
  );
  for (const [i, variant] of plan.entries()) {
    monitor.phase = `boot ${i + 1} (${variant})`;
    const otherVms = await monitor.check();
    othersMax = Math.max(othersMax, otherVms);
    const timeoutSeconds = variant === "before" ? o.beforeTimeout : 180;
    log(`bench: boot ${i + 1}/${plan.length} (${variant}), timeout ${timeoutSeconds} s`);
    const b = await measureBoot({
      kernel: setup.kernel,
      modules: setup.modules,
      variant,
      command,
      cwd: ROOT,
      outDir: `${o.outDir}/boot-${i + 1}-${variant}`,
      timeoutSeconds,
      onLine: (l) => {
        if (/udiag-vm: |smp: Brought up/.test(l.line) || isFuzzStart(l.line)) {
          log(`bench: ${l.t.toFixed(2)} s ${l.line}`);
        }
      },
    });
    const marks = bootMarks(b.lines, b.records);
    runs.push({
      variant,
      cmdline: b.cmdline,
      command: b.command,
      outcome: b.outcome,
      wallSeconds: b.wallSeconds,
      otherVms,
      marks,
      host: hostStages(marks),
      guest: guestStages(marks),
      records: b.records,
      consoleFile: b.consoleFile,
    });
    if (b.outcome !== "first-case") {
      problems.push(`Boot ${i + 1} (${variant}) ended with "${b.outcome}": ${b.consoleFile}`);
    }
  }
  return { runs, othersMax };
}

/**
 * Step 3b: one more boot with `initcall_debug`, to say where the kernel's
 * boot time goes (kept out of the stage figures: it prints two lines per
 * initcall).
 */
async function measureInitcalls(
  o: BenchOptions,
  setup: Setup,
  monitor: QemuMonitor,
  problems: string[],
): Promise<InitcallsRun> {
  monitor.phase = "initcall_debug boot";
  await monitor.check();
  log("bench: one boot with initcall_debug, timeout 240 s");
  const b = await measureBoot({
    kernel: setup.kernel,
    modules: setup.modules,
    variant: "after",
    // The initcall lines are KERN_DEBUG, below the runner's loglevel=7.
    extraCmdline: ["initcall_debug", "ignore_loglevel"],
    command: "true",
    cwd: ROOT,
    outDir: `${o.outDir}/boot-initcalls`,
    timeoutSeconds: 240,
  });
  const profile = parseInitcalls(b.lines.map((l) => l.line));
  if (profile.initcalls.length === 0 || profile.booted === null) {
    problems.push(
      `The initcall_debug boot ended "${b.outcome}" with ${profile.initcalls.length} initcalls ` +
        `and${profile.booted === null ? " no" : ""} "udiag-vm: booted": ${b.consoleFile}`,
    );
  }
  return { cmdline: b.cmdline, outcome: b.outcome, consoleFile: b.consoleFile, profile };
}

/**
 * Step 3c: a `kernel:PATCH` target's kernel built from the cached tree, in a
 * scratch folder, so that every run measures it (a target's own build is
 * cached by its patch, and measured only once).
 */
async function measureKbuild(
  o: BenchOptions,
  monitor: QemuMonitor,
  problems: string[],
): Promise<KbuildRun | null> {
  monitor.phase = "kernel patch build";
  await monitor.check();
  const scratch = `${o.outDir}/kbuild`;
  log(`bench: kbuild: ${o.kbuildPatch} on a copy of the cached ${o.profile} tree (${scratch})`);
  try {
    const t = await timePatchedBuild({ profile: o.profile, patch: o.kbuildPatch, scratch, log });
    log(`bench: kbuild: ${t.total} s (copy ${t.copy} s, make ${t.make} s, ${t.compiled} objects)`);
    return { patchFile: o.kbuildPatch, jobs: navigator.hardwareConcurrency, ...t };
  } catch (e) {
    problems.push(
      `The kernel patch build failed: ${
        e instanceof Error ? e.message : e
      } (log: ${scratch}/build.log)`,
    );
    return null;
  }
}

/**
 * Step 3d: each broken variant under the default fuzz campaigns for
 * `findSeconds`, one VM each; how soon its first finding was filed.
 */
async function measureFind(o: BenchOptions, monitor: QemuMonitor): Promise<FindRun[]> {
  const runs: FindRun[] = [];
  for (const variant of o.findVariants) {
    for (let seed = o.seed; seed < o.seed + o.findSeeds; seed++) {
      monitor.phase = `find ${variant} seed ${seed}`;
      await monitor.check();
      log(`bench: find: --broken ${variant}, seed ${seed}, ${o.findSeconds} s of fuzzing`);
      const dir = `${o.outDir}/find/${variant}-${seed}`;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      const s = await fixedSeedCampaign({
        subject: await resolveSubject({ target: "kmod", broken: variant, profile: o.profile }),
        timeSeconds: o.findSeconds,
        seed,
        reportsDir: `${dir}/reports`,
        outDir: dir,
        progress: false,
      });
      const timed = s.findings.filter((f) => f.foundAfter)
        .sort((a, b) => a.foundAfter!.seconds - b.foundAfter!.seconds);
      const first = timed[0];
      runs.push({
        variant,
        timeSeconds: o.findSeconds,
        seed,
        cases: s.cases,
        first: first ? { title: first.title, ...first.foundAfter! } : null,
        console: s.findings.filter((f) => !f.foundAfter).map((f) => f.title),
      });
    }
  }
  return runs;
}

function isFuzzStart(line: string): boolean {
  const m = parseMark(line);
  return m?.suite === "fuzz" && m.phase === "start";
}

/** Unexpected results of a mix, on either side, as problems. */
function mixProblems(micro: ReturnType<typeof microRows>): string[] {
  return micro.filter((r) => r.errors.ffi || r.errors.c).map((r) => {
    const seen = [
      ...r.unexpected.ffi.map((u) => `FFI ${u}`),
      ...r.unexpected.c.map((u) => `C ${u}`),
    ];
    return `Mix ${r.mix}: unexpected results, FFI ${r.errors.ffi}, C ${r.errors.c} (${
      seen.join("; ")
    })`;
  });
}

/** Runs the benchmark and writes its results; returns them. */
export async function bench(o: BenchOptions): Promise<BenchResults> {
  const startedAt = new Date().toISOString();
  const problems: string[] = [];
  await Deno.mkdir(o.outDir, { recursive: true });
  using monitor = new QemuMonitor();
  const setup = await setUp(o);
  let othersMax = setup.idle.others;

  let guest: GuestPart = { startup: [], samples: [], fuzzRuns: [], guestInfo: undefined };
  if (["startup", "micro", "fuzz"].some((p) => o.parts.includes(p))) {
    monitor.phase = "FFI/C and fuzz boot";
    othersMax = Math.max(othersMax, await monitor.check());
    guest = await measureGuest(o, setup, problems);
  }
  let bootRuns: BootResult[] = [];
  if (o.parts.includes("boot")) {
    const boots = await measureBoots(o, setup, monitor, problems);
    bootRuns = boots.runs;
    othersMax = Math.max(othersMax, boots.othersMax);
  }
  const initcalls = o.parts.includes("initcalls")
    ? await measureInitcalls(o, setup, monitor, problems)
    : null;
  const kbuild = o.parts.includes("kbuild") ? await measureKbuild(o, monitor, problems) : null;
  const find = o.parts.includes("find") ? await measureFind(o, monitor) : [];

  monitor.phase = "end";
  const othersEnd = await monitor.check();
  othersMax = Math.max(othersMax, othersEnd, monitor.max);
  const micro = microRows(guest.samples, o.mixes.map(mixById));
  problems.push(...mixProblems(micro));
  const results = assemble(o, setup, guest, bootRuns, initcalls, kbuild, find, micro, {
    startedAt,
    problems,
    othersEnd,
    othersMax,
    byPhase: monitor.byPhase,
    loadEnd: await loadAverage(),
  });
  await Deno.writeTextFile(`${o.outDir}/results.json`, JSON.stringify(results, null, 1) + "\n");
  await Deno.writeTextFile(`${o.outDir}/results.md`, renderMarkdown(results));
  return results;
}

/** Step 4: everything measured, as one results document. */
function assemble(
  o: BenchOptions,
  setup: Setup,
  guest: GuestPart,
  bootRuns: BootResult[],
  initcalls: InitcallsRun | null,
  kbuild: KbuildRun | null,
  find: readonly FindRun[],
  micro: ReturnType<typeof microRows>,
  run: {
    startedAt: string;
    problems: string[];
    othersEnd: number;
    othersMax: number;
    byPhase: BenchResults["concurrency"]["byPhase"];
    loadEnd: BenchResults["concurrency"]["loadAverageAtEnd"];
  },
): BenchResults {
  const { kernel } = setup;
  const info = guest.guestInfo;
  const byVariant = (v: CmdlineVariant) => bootRuns.filter((b) => b.variant === v);
  const variants = (["after", "before"] as const).filter((v) => byVariant(v).length > 0);
  return {
    schema: "udiag-fuzz-bench/1",
    command: o.command,
    startedAt: run.startedAt,
    finishedAt: new Date().toISOString(),
    machine: setup.machine,
    kernelBuild: setup.kernelBuild,
    guest: {
      release: typeof info?.release === "string" ? info.release : kernel.release,
      cpus: typeof info?.cpus === "number"
        ? info.cpus
        : bootRuns.find((b) => b.marks.cpus !== null)?.marks.cpus ??
          // The find part's VMs are the suites' own, booted with the default.
          (find.length ? DEFAULT_CPUS : null),
      profile: kernel.profile,
      kernelKey: kernel.key,
      cmdline: kernelCmdline(),
      kmemleakThreadOff: typeof info?.kmemleakThreadOff === "boolean"
        ? info.kmemleakThreadOff
        : null,
    },
    concurrency: {
      waitedSeconds: setup.idle.waitedSeconds,
      otherVmsAtStart: setup.idle.others,
      otherVmsAtEnd: run.othersEnd,
      otherVmsMax: run.othersMax,
      byPhase: run.byPhase,
      loadAverageAtStart: setup.load0,
      loadAverageAtEnd: run.loadEnd,
    },
    config: {
      repeats: o.repeats,
      seconds: o.seconds,
      warmup: o.warmup,
      mixes: o.mixes,
      fuzzSeconds: o.fuzzSeconds,
      suites: o.suites,
      seed: o.seed,
      boots: o.boots,
      beforeTimeout: o.beforeTimeout,
      parts: o.parts,
      ...(o.parts.includes("kbuild") ? { kbuildPatch: o.kbuildPatch } : {}),
      ...(o.parts.includes("find")
        ? { findSeconds: o.findSeconds, findVariants: o.findVariants, findSeeds: o.findSeeds }
        : {}),
    },
    startup: guest.startup,
    micro: { samples: guest.samples, rows: micro },
    fuzz: { runs: guest.fuzzRuns, rows: guest.fuzzRuns.map(fuzzRow) },
    boot: {
      runs: bootRuns,
      host: Object.fromEntries(variants.map((v) => [v, stageSummary(byVariant(v), "host")])),
      guest: Object.fromEntries(variants.map((v) => [v, stageSummary(byVariant(v), "guest")])),
    },
    initcalls,
    kbuild,
    find,
    problems: run.problems,
  };
}

/** Parses and checks the command line (nothing slow starts before it passes). */
export function parseBenchArgs(args: readonly string[]): BenchOptions {
  const { values: v } = parseFlags(args, {
    repeats: { type: "string", default: "5" },
    seconds: { type: "string", default: "1" },
    warmup: { type: "string", default: "0.5" },
    mixes: { type: "string", default: MIXES.map((m) => m.id).join(",") },
    "fuzz-seconds": { type: "string", default: "20" },
    suites: { type: "string", default: "model,raw" },
    seed: { type: "string", default: "1" },
    boots: { type: "string", default: "3" },
    "before-timeout": { type: "string", default: "300" },
    parts: { type: "string", default: DEFAULT_PARTS.join(",") },
    "find-seconds": { type: "string", default: "120" },
    "find-variants": { type: "string", default: FIND_VARIANTS.join(",") },
    "find-seeds": { type: "string", default: "3" },
    "kbuild-patch": { type: "string", default: `${ROOT}/${KBUILD_PATCH}` },
    "wait-idle": { type: "string", default: "600" },
    profile: { type: "string" },
    out: { type: "string", default: `${ROOT}/out/bench` },
    render: { type: "string" },
    help: { type: "boolean" },
  }, USAGE);
  const list = (s: string) => s.split(",").filter(Boolean);
  const mixes = list(v.mixes);
  mixes.forEach(mixById);
  for (const p of list(v.parts)) {
    if (!(PARTS as readonly string[]).includes(p)) {
      throw new UsageError(`Unknown --parts "${p}": expected ${PARTS.join(", ")}`);
    }
  }
  for (const b of list(v["find-variants"])) {
    if (!(BROKEN_VARIANTS as readonly string[]).includes(b)) {
      throw new UsageError(
        `Unknown --find-variants "${b}": expected ${BROKEN_VARIANTS.join(", ")}`,
      );
    }
  }
  for (const s of list(v.suites)) {
    if (!["model", "raw"].includes(s)) {
      throw new UsageError(`Unknown --suites "${s}": expected model, raw`);
    }
  }
  return {
    repeats: num("repeats", v.repeats, true),
    seconds: num("seconds", v.seconds),
    warmup: num("warmup", v.warmup),
    mixes,
    fuzzSeconds: num("fuzz-seconds", v["fuzz-seconds"], true),
    suites: list(v.suites),
    seed: num("seed", v.seed, true),
    boots: num("boots", v.boots, true),
    beforeTimeout: num("before-timeout", v["before-timeout"], true),
    parts: list(v.parts),
    findSeconds: num("find-seconds", v["find-seconds"], true),
    findVariants: list(v["find-variants"]),
    findSeeds: positive("find-seeds", v["find-seeds"]),
    kbuildPatch: fileFlag("kbuild-patch", v["kbuild-patch"]),
    waitIdle: num("wait-idle", v["wait-idle"]),
    profile: profileFlag(v.profile),
    outDir: v.out.startsWith("/") ? v.out : `${Deno.cwd()}/${v.out}`,
    command: ["deno task bench", ...args].join(" "),
    render: v.render === undefined ? null : fileFlag("render", v.render),
  };
}

/**
 * Reads a saved results.json and writes its results.md beside it: the
 * report of a finished run, with this version's tables. Throws
 * {@linkcode UsageError} for a file that is not one.
 */
export async function renderSaved(file: string): Promise<string> {
  let r: BenchResults;
  try {
    r = JSON.parse(await Deno.readTextFile(file));
  } catch (e) {
    throw new UsageError(`--render ${file}: not JSON (${(e as Error).message})`);
  }
  if (r?.schema !== "udiag-fuzz-bench/1") {
    throw new UsageError(
      `--render ${file}: not a benchmark's results.json (schema ${
        JSON.stringify(r?.schema)
      }, expected "udiag-fuzz-bench/1")`,
    );
  }
  const md = renderMarkdown(r);
  await Deno.writeTextFile(file.replace(/[^/]*$/, "results.md"), md);
  return md;
}

if (import.meta.main) {
  runMain(async () => {
    const o = await checkInput(() => parseBenchArgs(Deno.args));
    if (o.render !== null) {
      const md = await renderSaved(o.render);
      console.log(md);
      log(`bench: wrote ${o.render.replace(/[^/]*$/, "results.md")}`);
      return 0;
    }
    const r = await bench(o);
    console.log(await Deno.readTextFile(`${o.outDir}/results.md`));
    log(`bench: wrote ${o.outDir}/results.json and results.md`);
    return r.problems.length ? 1 : 0;
  });
}
