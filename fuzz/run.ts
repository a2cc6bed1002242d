/**
 * `deno task fuzz [--abi NAME] [--time S] [--runs N] [--seed S] [--jobs J] [--shard i/N]`:
 * the project's main job. Boots one KASAN VM per job with the target loaded,
 * runs the ABI's campaigns (fuzz/guest.ts) in each with its own seeds, shows
 * a live progress line, files every finding under reports/ (shrunk, with its
 * seed, path and operations, replayable with `deno task repro`), and ends
 * with a summary of what was covered, also when nothing was found.
 *
 * Exit status: 0 nothing found, 1 findings or security checks that could not
 * run, 2 bad flags, 255 a kernel died.
 *
 * @module
 */
import { type FoundAfter, FUZZ_SUITE, type FuzzFinding, type FuzzStats } from "./campaign.ts";
import { perCase, showSplitPerCase, type Spent } from "../harness/steps.ts";
import { consoleFoundAfter } from "./console_time.ts";
import { parseShard, type Shard, shardSeeds } from "./shard.ts";
import { afterBoot, planShares, showShares } from "./shares.ts";
import { security } from "../security/run.ts";
import type { FuzzPart } from "../abi/plugin.ts";
import {
  replayBase,
  resolveSubject,
  type Subject,
  subjectGuest,
  subjectLabel,
} from "../abi/mod.ts";
import {
  checkInput,
  intFlag,
  parseFlags,
  profileFlag,
  runMain,
  SUITE_OPTIONS,
  suiteUsage,
  UsageError,
} from "../harness/cli.ts";
import { runGuest } from "../harness/vm/guest_run.ts";
import { KERNEL_DIED_EXIT, type ResultEvent } from "../harness/vm/runner.ts";
import { type FindingMeta, saveFinding } from "../harness/report/store.ts";
import { consoleForCase } from "../harness/marks.ts";
import { ROOT } from "../harness/paths.ts";
import { interrupted, stopSignal } from "../harness/interrupt.ts";
import { guestDenoRun } from "../harness/vm/guest_bundle.ts";

const USAGE = [
  "Usage: deno task fuzz [options]",
  ...suiteUsage({ out: "out/fuzz" }),
  "  --time SEC        campaign time per VM                                    [120]",
  "  --runs N          stop each VM after N cases (0 = time only)              [0]",
  "  --seed S          first seed (integer)                                    [random]",
  "  --jobs J          VMs in parallel, one seed range each                    [1]",
  "  --shard i/N       this machine runs shard i of N (seed ranges disjoint)   [1/1]",
  "  --max-commands N  longest command sequence of a case                      [30]",
  "  --suites LIST     the ABI's campaigns, sharing each VM's time (udiag: model, raw,",
  "                    race), and security (the ABI's attacker checks, once, in a VM",
  "                    of their own)                              [all of them, security]",
  "",
  "Exit status: 0 nothing found, 1 findings (or security checks that could not run),",
  "2 bad flags, 255 a kernel died.",
].join("\n");

/** What the campaign found and covered, over all jobs. */
export interface FuzzSummary {
  readonly target: string;
  readonly seeds: number[];
  readonly cases: number;
  readonly ops: number;
  readonly seconds: number;
  readonly byCommand: Record<string, number>;
  /** Milliseconds of self time per step of the cases, all VMs together (harness/steps.ts). */
  readonly spent?: Spent;
  /** The campaigns' seconds summed over jobs and VMs: what `spent` is a share of. */
  readonly campaignSeconds?: number;
  readonly findings: {
    title: string;
    dir: string;
    isNew: boolean;
    reproduced?: boolean;
    /** The earliest a guest filed it; absent for what the host found on the console. */
    foundAfter?: FoundAfter;
  }[];
  readonly kernelDied: boolean;
  /** VMs restarted after ending early. */
  readonly restarts: number;
  /**
   * The security checks' tally and summary, when the security suite ran;
   * `complete` is false when a check could not run or found something.
   */
  readonly security?: {
    readonly tally: string;
    readonly summary: string;
    readonly complete: boolean;
  };
  /** The signal that stopped the campaign early (SIGINT, SIGTERM). */
  readonly stoppedBy?: string;
}

/** Options of {@linkcode fuzz}. */
export interface FuzzOptions {
  readonly subject: Subject;
  readonly timeSeconds: number;
  readonly runs: number;
  readonly seed: number;
  readonly jobs: number;
  readonly shard: Shard;
  readonly maxCommands: number;
  readonly reportsDir: string;
  /** Where summary.md and summary.json go (`--out`; default out/fuzz). */
  readonly outDir?: string;
  readonly progress?: boolean;
  /** The ABI's campaigns to run, and `security`. */
  readonly suites: readonly string[];
}

/** Sums campaign stats of several VM runs (pure); seconds add up, as runs of one job are sequential. */
export function mergeStats(runs: readonly FuzzStats[], opNames: readonly string[] = []): FuzzStats {
  const byCommand: Record<string, number> = Object.fromEntries(opNames.map((n) => [n, 0]));
  for (const s of runs) {
    for (const [k, v] of Object.entries(s.byCommand)) byCommand[k] = (byCommand[k] ?? 0) + v;
  }
  return {
    cases: runs.reduce((a, s) => a + s.cases, 0),
    ops: runs.reduce((a, s) => a + s.ops, 0),
    seconds: runs.reduce((a, s) => a + s.seconds, 0),
    byCommand,
    findings: runs.reduce((a, s) => a + s.findings, 0),
    seeds: runs.flatMap((s) => s.seeds),
    spent: mergeSpent(runs.map((s) => s.spent ?? {})),
  };
}

function mergeSpent(all: readonly Spent[]): Spent {
  const out: Spent = {};
  for (const s of all) for (const [k, v] of Object.entries(s)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** The ABI's fuzz part; throws a UsageError when it has none. */
export function fuzzPart(s: Subject): FuzzPart {
  if (!s.abi.fuzz) throw new UsageError(`ABI "${s.abi.name}" has no fuzz campaigns`);
  return s.abi.fuzz;
}

/** The findings of a run, one per title, and the progress line that counts them. */
class Findings {
  readonly list: FuzzSummary["findings"] = [];

  /**
   * Notes a finding (again): the folder and reproduction of the latest
   * occurrence win, and the earliest `foundAfter`.
   */
  note(
    title: string,
    dir: string,
    isNew: boolean,
    reproduced?: boolean,
    foundAfter?: FoundAfter,
  ): void {
    const known = this.list.find((x) => x.title === title);
    if (!known) {
      this.list.push({
        title,
        dir,
        isNew,
        ...(reproduced === undefined ? {} : { reproduced }),
        ...(foundAfter ? { foundAfter } : {}),
      });
      return;
    }
    if (dir) known.dir = dir;
    known.isNew ||= isNew;
    if (reproduced !== undefined) known.reproduced = reproduced;
    if (foundAfter && (known.foundAfter?.seconds ?? Infinity) > foundAfter.seconds) {
      known.foundAfter = foundAfter;
    }
  }

  /**
   * Notes the finding of a folder saveFinding wrote, from its meta.json; a
   * kernel report is timed by `times`, its boot's console (console_time.ts).
   */
  async noteFolder(
    dir: string,
    times: ReadonlyMap<string, FoundAfter> = new Map(),
  ): Promise<void> {
    const meta = JSON.parse(await Deno.readTextFile(`${dir}/meta.json`)) as FindingMeta;
    const at = meta.kind === "kernel" ? times.get(meta.title) : undefined;
    this.note(meta.title, dir, meta.count === 1, undefined, at);
  }
}

/** The live progress line: rewritten in place on a terminal, every 10 s in a log. */
class ProgressLine {
  readonly #o: FuzzOptions;
  readonly #started = Date.now();
  readonly #tty = Deno.stderr.isTerminal();
  #last = 0;
  constructor(o: FuzzOptions) {
    this.#o = o;
  }

  show(live: ReadonlyMap<number, FuzzStats>, findings: number): void {
    if (!this.#o.progress) return;
    if (!this.#tty && Date.now() - this.#last < 10_000) return;
    this.#last = Date.now();
    const all = [...live.values()];
    const names = fuzzPart(this.#o.subject).opNames;
    const cases = all.reduce((a, s) => a + s.cases, 0);
    const ops = all.reduce((a, s) => a + s.ops, 0);
    const secs = Math.max(1, all.reduce((a, s) => Math.max(a, s.seconds), 0));
    const cov = names.filter((n) => all.some((s) => (s.byCommand[n] ?? 0) > 0)).length;
    Deno.stderr.writeSync(new TextEncoder().encode(
      `${this.#tty ? "\r" : ""}[fuzz ${
        Math.round((Date.now() - this.#started) / 1000)
      }s] VMs ${this.#o.jobs}  cases ${cases}  ops ${ops} (${
        Math.round(ops / secs)
      }/s)  commands ${cov}/${names.length}  findings ${findings}${this.#tty ? "   " : "\n"}`,
    ));
  }

  end(): void {
    if (this.#o.progress) Deno.stderr.writeSync(new TextEncoder().encode("\n"));
  }
}

/**
 * Files one finding of the campaign the moment the guest reports it, with
 * the console so far (the case's marks are on it by then), so that a stop
 * or a dying host loses nothing already found.
 */
async function fileCampaignFinding(
  o: FuzzOptions,
  f: FuzzFinding,
  consoleFile: string,
  env: Record<string, unknown>,
  findings: Findings,
): Promise<void> {
  const console = await Deno.readTextFile(consoleFile).catch(() => "");
  const saved = await saveFinding(o.reportsDir, {
    title: f.title,
    kind: f.kind,
    type: f.type,
    report: `${f.report}\n\n${f.error}\n`,
    log: consoleForCase(console, FUZZ_SUITE, f.caseId) || console.slice(-20_000),
    case: `${FUZZ_SUITE}/${f.caseId}`,
    breaks: f.breaks,
    repro: f.ops.join("\n"),
    replay: { ...replayBase(o.subject, f.kind), ...f.replay },
    env,
  });
  findings.note(f.title, saved.dir, saved.isNew, f.reproduced);
}

/** What one VM of a job reported over the results channel as it ran. */
class VmReport {
  readonly ended = new Set<string>();
  current: FuzzStats | null = null;
  finished = false;
  running: { suite: string; since: number } | null = null;

  /** Takes one results record; true when progress changed. */
  take(r: ResultEvent): boolean {
    if (r.event === "progress" || r.event === "summary") {
      this.current = r as unknown as FuzzStats;
      this.finished ||= r.event === "summary";
      return true;
    }
    if (r.event === "suite") {
      if (r.phase === "start") this.running = { suite: String(r.suite), since: Date.now() };
      else this.ended.add(String(r.suite));
    }
    return r.event === "finding";
  }
}

/** State shared by the jobs of one run. */
interface RunState {
  readonly live: Map<number, FuzzStats>;
  readonly findings: Findings;
  readonly line: ProgressLine;
  kernelDied: boolean;
  restarts: number;
}

/** The guest command of one VM (pure). */
export function guestCommand(a: {
  abi: string;
  seed: number;
  seconds: number;
  cases: number;
  maxCommands: number;
  plan: ReadonlyMap<string, number>;
}): string {
  return guestDenoRun(
    "fuzz/guest.ts",
    `--abi ${a.abi} --seed ${a.seed} --time ${a.seconds} --cases ${a.cases} --max-commands ${a.maxCommands} --suites ${
      [...a.plan.keys()].join(",")
    } --shares ${showShares(a.plan)}`,
  );
}

/**
 * One job: a VM runs the campaigns from `firstSeed` on; when it ends early
 * (the kernel died, the target state leaked, the guest was lost) and time is
 * left, a fresh VM goes on with the next seed, and the campaign that was
 * running is charged for the time it used.
 */
async function job(o: FuzzOptions, j: number, firstSeed: number, st: RunState): Promise<void> {
  const part = fuzzPart(o.subject);
  const deadline = Date.now() + o.timeSeconds * 1000;
  const done: FuzzStats[] = [];
  let seed = firstSeed;
  let plan = planShares(o.suites.filter((x) => x !== "security"), o.timeSeconds, part.weights);
  for (let boot = 0; !interrupted.aborted; boot++) {
    const left = Math.ceil((deadline - Date.now()) / 1000);
    const casesDone = done.reduce((a, s) => a + s.cases, 0);
    if (boot > 0 && (left < 10 || !plan.size || (o.runs > 0 && casesDone >= o.runs))) break;
    const vm = new VmReport();
    const env = { seed, job: j, boot, shard: `${o.shard.index}/${o.shard.count}` };
    // Findings are filed one after another as they come; an error waits for the run's end.
    let filing = Promise.resolve();
    let filingError: unknown = null;
    const res = await runGuest({
      ...subjectGuest(o.subject),
      command: guestCommand({
        abi: o.subject.abi.name,
        seed,
        seconds: Math.max(left, 1),
        cases: o.runs > 0 ? o.runs - casesDone : 0,
        maxCommands: o.maxCommands,
        plan,
      }),
      reportsDir: o.reportsDir,
      echoGuest: false,
      timeoutSeconds: Math.max(left, 1) + 600,
      env,
      onResult: (r, run) => {
        if (r.event === "finding") {
          const f = r as unknown as FuzzFinding;
          st.findings.note(f.title, "", true, undefined, f.foundAfter);
          filing = filing
            .then(() => fileCampaignFinding(o, f, run.consoleFile, run.env, st.findings))
            .catch((e) => void (filingError ??= e));
        }
        if (vm.take(r)) {
          st.live.set(j, mergeStats(vm.current ? [...done, vm.current] : done, part.opNames));
          st.line.show(st.live, st.findings.list.length);
        }
      },
    });
    await filing;
    if (filingError) throw filingError;
    if (res.exitCode === KERNEL_DIED_EXIT) st.kernelDied = true;
    // Kernel reports on the console were filed by runGuest before we got here.
    const times = res.reportDirs.length ? consoleFoundAfter(res.run.console) : new Map();
    for (const dir of res.reportDirs) await st.findings.noteFolder(dir, times);
    if (vm.current) done.push(vm.current);
    if (vm.finished || res.run.outcome.kind === "interrupted") break;
    plan = afterBoot(
      plan,
      vm.ended,
      vm.running
        ? { suite: vm.running.suite, seconds: (Date.now() - vm.running.since) / 1000 }
        : null,
    );
    seed = vm.current && vm.current.seeds.length ? vm.current.seeds.at(-1)! + 1 : seed + 1;
    st.restarts++;
    console.error(
      `\nudiag-fuzz: VM ${j} ended early (${res.run.outcome.kind}); restarting from seed ${seed}`,
    );
  }
}

/** The security checks, once, in a VM of their own (`--suites …,security`). */
async function securityStep(o: FuzzOptions, st: RunState): Promise<FuzzSummary["security"]> {
  const outDir = `${ROOT}/out/security`;
  const r = await security({
    subject: o.subject,
    checkIds: [],
    outDir,
    reportsDir: o.reportsDir,
    echo: false,
  });
  st.kernelDied ||= r.exitCode === KERNEL_DIED_EXIT;
  for (const dir of [...r.findingDirs.values(), ...r.consoleDirs]) {
    await st.findings.noteFolder(dir);
  }
  return { tally: r.tally, summary: `${outDir}/summary.md`, complete: r.exitCode === 0 };
}

/** Runs the campaign on every job and returns its summary. */
export async function fuzz(o: FuzzOptions): Promise<FuzzSummary> {
  const part = fuzzPart(o.subject);
  await part.prepare?.();
  const st: RunState = {
    live: new Map(),
    findings: new Findings(),
    line: new ProgressLine(o),
    kernelDied: false,
    restarts: 0,
  };
  const sec = o.suites.includes("security") && o.subject.abi.security
    ? await securityStep(o, st)
    : undefined;
  if (o.suites.some((x) => x !== "security") && !interrupted.aborted) {
    const seeds = shardSeeds(o.seed, o.shard, o.jobs);
    await Promise.all(seeds.map((s, j) => job(o, j, s, st)));
  }
  st.line.end();
  const all = [...st.live.values()];
  const total = mergeStats(all, part.opNames);
  return {
    target: subjectLabel(o.subject),
    seeds: total.seeds,
    cases: total.cases,
    ops: total.ops,
    seconds: all.reduce((a, s) => Math.max(a, s.seconds), 0),
    byCommand: total.byCommand,
    ...(total.spent ? { spent: total.spent, campaignSeconds: total.seconds } : {}),
    findings: st.findings.list.filter((f) => f.dir),
    kernelDied: st.kernelDied,
    restarts: st.restarts,
    ...(sec ? { security: sec } : {}),
    ...(stopSignal() ? { stoppedBy: stopSignal()! } : {}),
  };
}

/**
 * The campaigns of `--suites` for `part` on kernel `profile`; throws a
 * TypeError naming an unknown one, or one that needs another profile.
 */
export function parseSuites(s: string, part: FuzzPart, profile = "base"): string[] {
  const known = [...Object.keys(part.weights), "security"];
  const list = s.split(",").map((x) => x.trim()).filter(Boolean);
  const bad = list.filter((x) => !known.includes(x));
  if (bad.length || !list.length) {
    throw new TypeError(`Invalid --suites "${s}": expected a list of ${known.join(", ")}`);
  }
  const wrong = list.find((x) => (part.profiles?.[x] ?? profile) !== profile);
  if (wrong) {
    throw new TypeError(
      `Invalid --suites "${s}": campaign ${wrong} needs --profile ${part.profiles![wrong]}`,
    );
  }
  return list;
}

/** The campaigns a run has when `--suites` is not given (pure). */
/**
 * One campaign of one job on a fixed seed, with the ABI's default suites
 * for the subject's profile: what `deno task review` and `deno task mutate`
 * run, so that two runs of one target differ only by the target.
 */
export async function fixedSeedCampaign(o: {
  readonly subject: Subject;
  readonly timeSeconds: number;
  readonly seed: number;
  readonly reportsDir: string;
  readonly outDir?: string;
  readonly progress: boolean;
}): Promise<FuzzSummary> {
  return await fuzz({
    ...o,
    runs: 0,
    jobs: 1,
    shard: { index: 1, count: 1 },
    maxCommands: 30,
    suites: defaultSuites(fuzzPart(o.subject), o.subject.profile, false),
  });
}

export function defaultSuites(part: FuzzPart, profile: string, security: boolean): string[] {
  return [
    ...Object.keys(part.weights).filter((x) => (part.profiles?.[x] ?? profile) === profile),
    ...(security ? ["security"] : []),
  ];
}

/** `1..5, 9, 11..12`: consecutive seeds as ranges (pure). */
export function seedRanges(seeds: readonly number[]): string {
  const sorted = [...new Set(seeds)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}..${sorted[j]}`);
    i = j + 1;
  }
  return out.join(", ");
}

/** The summary a run ends with (pure). */
export function summaryMarkdown(s: FuzzSummary): string {
  const lines = [
    `# Fuzz campaign: ${s.target}`,
    "",
    `- target: ${s.target}`,
    `- covered: ${s.cases} cases, ${s.ops} operations in ${s.seconds.toFixed(0)} s (${
      (s.ops / Math.max(s.seconds, 1)).toFixed(0)
    } ops/s)`,
    `- seeds: ${seedRanges(s.seeds) || "none"}`,
    `- commands: ${Object.entries(s.byCommand).map(([k, v]) => `${k} ${v}`).join(", ")}`,
    `- findings: ${
      s.findings.length
        ? s.findings.length
        : "none: the kernel agreed with the model and logged no report"
    }`,
  ];
  for (const f of s.findings) {
    lines.push(
      `  - ${f.isNew ? "new" : "known"}: ${f.title} (${f.dir}${
        f.reproduced === undefined
          ? ""
          : `, replayed: ${f.reproduced ? "reproduces" : "did not reproduce"}`
      }${
        f.foundAfter
          ? `, first failed after ${f.foundAfter.seconds} s and ${f.foundAfter.cases} cases${
            f.foundAfter.filedSeconds === undefined
              ? ""
              : `, filed after ${f.foundAfter.filedSeconds} s`
          }`
          : ""
      })`,
    );
  }
  // Jobs run side by side: the steps of all of them are a share of all their time.
  const where = perCase(s.spent ?? {}, (s.campaignSeconds ?? s.seconds) * 1000, s.cases);
  if (where.length) {
    lines.push(
      `- a case's time: ${showSplitPerCase(where)}`,
    );
  }
  if (s.stoppedBy) {
    lines.push(`- stopped early by ${s.stoppedBy}: the figures cover what ran until then`);
  }
  if (s.kernelDied) lines.push("- a kernel died during the campaign (see the reports)");
  if (s.restarts) lines.push(`- VMs restarted after ending early: ${s.restarts}`);
  if (s.security) {
    lines.push(
      `- security checks: ${s.security.tally} (${s.security.summary})${
        s.security.complete ? "" : ": NOT ALL RAN CLEAN, see the summary"
      }`,
    );
  }
  return lines.join("\n") + "\n";
}

/** Parses and checks the command line (nothing slow starts before it passes). */
export async function parseFuzzArgs(args: readonly string[]): Promise<FuzzOptions> {
  const { values: v } = parseFlags(args, {
    ...SUITE_OPTIONS,
    time: { type: "string", default: "120" },
    runs: { type: "string", default: "0" },
    seed: { type: "string" },
    jobs: { type: "string", default: "1" },
    shard: { type: "string", default: "1/1" },
    "max-commands": { type: "string", default: "30" },
    suites: { type: "string" },
  }, USAGE);
  const subject = await resolveSubject({ ...v, profile: profileFlag(v.profile) });
  if (subject.target.kind === "local") {
    throw new UsageError("--target local is not supported by fuzz: it runs in the VM only");
  }
  const part = fuzzPart(subject);
  const suites = v.suites === undefined
    ? defaultSuites(part, subject.profile, Boolean(subject.abi.security))
    : parseSuites(v.suites, part, subject.profile);
  return {
    subject,
    timeSeconds: intFlag("time", v.time, 1),
    runs: intFlag("runs", v.runs, 0),
    seed: v.seed === undefined
      ? Math.floor(Math.random() * 2 ** 31)
      : intFlag("seed", v.seed, -(2 ** 31)),
    jobs: intFlag("jobs", v.jobs, 1),
    shard: parseShard(v.shard),
    maxCommands: intFlag("max-commands", v["max-commands"], 1),
    suites,
    reportsDir: v.reports ?? `${ROOT}/reports`,
    outDir: v.out ?? `${ROOT}/out/fuzz`,
    progress: true,
  };
}

/**
 * The exit status of a run (pure): a kernel died, findings, or security
 * checks that did not all run (a run that checked less than it says is no
 * clean run).
 */
export function fuzzExit(s: FuzzSummary): number {
  if (s.kernelDied) return KERNEL_DIED_EXIT;
  return s.findings.length || (s.security && !s.security.complete) ? 1 : 0;
}

/** Runs the campaign and writes its summary; returns the exit status. */
async function main(o: FuzzOptions): Promise<number> {
  const s = await fuzz(o);
  const md = summaryMarkdown(s);
  const out = o.outDir ?? `${ROOT}/out/fuzz`;
  await Deno.mkdir(out, { recursive: true });
  await Deno.writeTextFile(`${out}/summary.md`, md);
  await Deno.writeTextFile(`${out}/summary.json`, JSON.stringify(s, null, 2) + "\n");
  console.log(md);
  return fuzzExit(s);
}

if (import.meta.main) {
  runMain(async () => main(await checkInput(() => parseFuzzArgs(Deno.args))));
}
