/**
 * `deno task mutate --target kmod|patch:FILE|kernel:PATCH [--abi NAME] [--suites LIST] [--time S] [--jobs J] [--only OP,…]`:
 * how many single-edit mutants of the target's C source the suites kill.
 *
 * Every mutant (operators.ts; patch_mutants.ts for a patch's added lines)
 * is built first, as the suites build the target, and its object code
 * compared with the target's and the other mutants' (tce.ts: one of the
 * target's code is equivalent, one of another's a duplicate that runs once).
 * The unmutated target runs next (the baseline); then each mutant runs
 * through the suites in order, conformance
 * first, each with the same seeds on the same kernel, until one files a
 * finding the baseline did not (killed) or all have run (survived); where the
 * baseline failed rules, conformance runs the rules it passed first, stopped
 * at their first failure (phases.ts), and `--baseline-runs` run side by side
 * as `--jobs` allows; a kill by a finding about a rule the baseline failed
 * stands only once that rule, rerun on the unmutated target, never filed it
 * (confirm.ts). A mutant that does not build is reported as such and not
 * counted. Results go to
 * `out/mutate/{summary.md,results.json}`, rewritten after every mutant, and
 * each mutant's result is cached under `out/mutate/cache/` by the hash of its
 * source and of the run's settings: a second run redoes only what changed.
 * `--from` gives each mutant the latest verdict of past runs instead
 * (combine.ts), for a target finished over several runs.
 *
 * Exit status: 0 the results were written, 2 bad flags.
 *
 * @module
 */
import { resolveSubject, type Subject, subjectGuest, subjectLabel } from "../abi/mod.ts";
import { kernelOf } from "../harness/vm/guest_run.ts";
import { conformance } from "../conformance/run.ts";
import { fixedSeedCampaign } from "../fuzz/run.ts";
import { security } from "../security/run.ts";
import {
  checkInput,
  intFlag,
  parseFlags,
  profileFlag,
  runMain,
  UsageError,
} from "../harness/cli.ts";
import { listFindings } from "../harness/report/store.ts";
import { sha256Hex } from "../harness/sha256.ts";
import { parseTarget, type Target, targetLabel } from "../harness/target.ts";
import { ROOT } from "../harness/paths.ts";
import { guestModules } from "../harness/vm/deno_dir.ts";
import { applyMutant, isOperatorName, mutants, type OperatorName } from "./operators.ts";
import { applyPatchMutant, patchMutants } from "./patch_mutants.ts";
import {
  byCause,
  findingKey,
  type FindingsBySuite,
  killingFinding,
  mergeRuns,
  type MutantResult,
  resultsJson,
  score,
  summaryMarkdown,
  type VoidedKill,
} from "./results.ts";
import type { Mutant } from "./operators.ts";
import {
  type Equivalence,
  judge,
  parseEquivalents,
  staleEquivalents,
  wrongJudgments,
} from "./equivalent.ts";
import { Interrupted, interrupted } from "../harness/interrupt.ts";
import { rulesFor } from "../conformance/rule.ts";
import { firstPhase, secondPhase } from "./phases.ts";
import { confirmationRule, rerunRules } from "./confirm.ts";
import { type CodeClasses, codeClasses, TCE_REASON } from "./tce.ts";
import { moduleCode } from "./tce_build.ts";
import { combineVerdicts, latestVerdicts, type PastRun } from "./combine.ts";

const SUITES = ["conformance", "security", "fuzz"] as const;
type Suite = typeof SUITES[number];

const USAGE = [
  "Usage: deno task mutate --target kmod|patch:FILE|kernel:PATCH [options]",
  "  --abi NAME        the ABI under test                                 [udiag]",
  "  --target T        kmod (the ABI's own module), patch:FILE or kernel:PATCH",
  "                    (a patch: the lines it adds are mutated)",
  "  --profile NAME    kernel debug profile                               [base]",
  "  --suites LIST     suites that may kill a mutant, run in this order",
  "                    (conformance, security, fuzz)              [conformance,fuzz]",
  "  --rules ID,…      only these conformance rules, for the baseline and every",
  "                    mutant alike (a survivor's rule under another profile) [all]",
  "  --time SEC        fuzz campaign time per mutant                      [60]",
  "  --seed S          fuzz campaign seed                                 [1]",
  "  --jobs J          mutants run side by side, a VM each                [1]",
  "  --only OP,…       only these operators (see mutate/operators.ts)",
  "  --limit N         only the first N mutants (in source order)",
  "  --mutants ID,…    only these mutants (ids as results.json names them)",
  "  --baseline-runs N the unmutated target's suites run N times, and a finding",
  "                    any of them filed kills no mutant (for a target whose",
  "                    findings vary from run to run, as the RFC's do)      [1]",
  "  --confirm-runs N  a kill by a finding about a rule the baseline failed",
  "                    stands once that rule, rerun N times on the unmutated",
  "                    target after the rules before it in the mutant's run,",
  "                    never filed it (0: no reruns)                        [3]",
  "  --equivalent FILE survivors judged equivalent, with reasons",
  "                    [mutate/equivalent/<abi>-<target>.json, if there]",
  "  --mutant-timeout S a mutant whose suites run longer than this without",
  "                    a new finding is timed-out         [3 × the baseline + 60]",
  "  --from R,…        take each mutant's verdict from these runs' results.json",
  "                    (its latest) instead of running the suites; the mutants",
  "                    are still built and their code compared: no VM",
  "  --compile-only    build the mutants and compare their object code with the",
  "                    target's and each other's (code.json), then stop: no VM",
  "  --out DIR         where summary.md, results.json and the cache go   [out/mutate]",
  "",
  "Exit status: 0 the results were written, 2 bad flags (before anything is built).",
].join("\n");

/** A checked command line. */
export interface MutateOptions {
  readonly subject: Subject;
  readonly suites: readonly Suite[];
  readonly timeSeconds: number;
  readonly seed: number;
  readonly jobs: number;
  readonly only: readonly OperatorName[] | undefined;
  readonly limit: number | undefined;
  /** Mutant ids to run; undefined: all. */
  readonly ids: readonly string[] | undefined;
  /** The conformance rules to run, in the suite's order; undefined: all. */
  readonly rules: readonly string[] | undefined;
  readonly baselineRuns: number;
  /** Reruns of a rule the baseline failed before a kill about it stands (confirm.ts). */
  readonly confirmRuns: number;
  readonly outDir: string;
  readonly command: string;
  /** The equivalents file read, or null when there is none. */
  readonly equivalentFile: string | null;
  readonly equivalents: readonly Equivalence[];
  /** Seconds; undefined: from the baseline's run time. */
  readonly mutantTimeout: number | undefined;
  /** Stop once the mutants are built and their code compared (tce.ts). */
  readonly compileOnly: boolean;
  /** Past runs whose verdicts are combined instead of running the suites (combine.ts). */
  readonly from: readonly PastRun[] | undefined;
}

/** The default equivalents file of a target: `mutate/equivalent/<abi>-<target>.json`. */
export function equivalentsPath(abi: string, target: Target): string {
  const base = (f: string) => f.split("/").at(-1)!.replace(/\.(txt|patch|diff)$/, "");
  const name = target.kind === "patch"
    ? `patch-${base(target.file)}`
    : target.kind === "kernel"
    ? `kernel-${base(target.patch ?? "none")}`
    : target.kind;
  return `${ROOT}/mutate/equivalent/${abi}-${name}.json`;
}

async function readEquivalents(
  file: string,
  required: boolean,
): Promise<{ file: string | null; list: Equivalence[] }> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound && !required) return { file: null, list: [] };
    throw new UsageError(`--equivalent ${file}: ${(e as Error).message}`);
  }
  try {
    return { file, list: parseEquivalents(text, file) };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Parses and checks the command line (nothing slow starts before it passes). */
export async function parseMutateArgs(args: readonly string[]): Promise<MutateOptions> {
  const { values: v } = parseFlags(args, {
    abi: { type: "string" },
    target: { type: "string" },
    profile: { type: "string" },
    suites: { type: "string", default: "conformance,fuzz" },
    time: { type: "string", default: "60" },
    seed: { type: "string", default: "1" },
    jobs: { type: "string", default: "1" },
    only: { type: "string" },
    limit: { type: "string" },
    mutants: { type: "string" },
    rules: { type: "string" },
    "baseline-runs": { type: "string", default: "1" },
    "confirm-runs": { type: "string", default: "3" },
    out: { type: "string", default: `${ROOT}/out/mutate` },
    equivalent: { type: "string" },
    "mutant-timeout": { type: "string" },
    "compile-only": { type: "boolean" },
    from: { type: "string" },
    help: { type: "boolean" },
  }, USAGE);
  if (v.target === undefined) throw new UsageError("No --target: kmod, patch:FILE or kernel:PATCH");
  const target = parseTarget(v.target);
  if (target.kind !== "kmod" && target.kind !== "patch" && target.kind !== "kernel") {
    throw new UsageError(`--target ${v.target} has no C source to mutate`);
  }
  if (target.kind === "kernel" && target.patch === null) {
    throw new UsageError("--target kernel has no patch to mutate: give kernel:PATCH");
  }
  const subject = await resolveSubject({ ...v, profile: profileFlag(v.profile) });
  if (target.kind === "kmod" && !subject.abi.module) {
    throw new UsageError(`ABI "${subject.abi.name}" has no module of its own to mutate`);
  }
  const suites = v.suites.split(",").map((s) => s.trim());
  for (const s of suites) {
    if (!(SUITES as readonly string[]).includes(s)) {
      throw new UsageError(`Unknown suite "${s}" in --suites: expected ${SUITES.join(", ")}`);
    }
  }
  const only = v.only?.split(",").map((s) => s.trim());
  for (const o of only ?? []) {
    if (!isOperatorName(o)) throw new UsageError(`Unknown mutation operator "${o}" in --only`);
  }
  const eq = await readEquivalents(
    v.equivalent ?? equivalentsPath(subject.abi.name, target),
    v.equivalent !== undefined,
  );
  const timeout = v["mutant-timeout"];
  const all = rulesFor(subject.abi.conformance.rules.all, subject.profile, target.kind)
    .map((r) => r.id);
  const asked = v.rules?.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const unknownRules = (asked ?? []).filter((id) => !all.includes(id));
  if (unknownRules.length) {
    throw new UsageError(
      `--rules: ${
        unknownRules.join(", ")
      }: no such rule of ${subject.abi.name} under profile ${subject.profile}`,
    );
  }
  // An empty list would reach the suite as "every rule".
  if (asked !== undefined && asked.length === 0) throw new UsageError("--rules: no rule given");
  if (asked !== undefined && !suites.includes("conformance")) {
    throw new UsageError("--rules needs the conformance suite in --suites");
  }
  const fromFiles = v.from?.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (fromFiles !== undefined && fromFiles.length === 0) {
    throw new UsageError("--from: no run given");
  }
  const from = fromFiles === undefined
    ? undefined
    : await Promise.all(fromFiles.map(async (path) => {
      try {
        return { path, doc: JSON.parse(await Deno.readTextFile(path)) as unknown };
      } catch (e) {
        throw new UsageError(`--from ${path}: ${(e as Error).message}`);
      }
    }));
  if (from !== undefined && v["compile-only"]) {
    throw new UsageError("--from and --compile-only: give one");
  }
  return {
    from,
    equivalentFile: eq.file,
    equivalents: eq.list,
    mutantTimeout: timeout === undefined ? undefined : intFlag("mutant-timeout", timeout, 1),
    subject,
    suites: suites as Suite[],
    timeSeconds: intFlag("time", v.time, 1),
    seed: intFlag("seed", v.seed, 0),
    jobs: intFlag("jobs", v.jobs, 1),
    only: only as OperatorName[] | undefined,
    limit: v.limit === undefined ? undefined : intFlag("limit", v.limit, 1),
    baselineRuns: intFlag("baseline-runs", v["baseline-runs"], 1),
    confirmRuns: intFlag("confirm-runs", v["confirm-runs"], 0),
    ids: v.mutants?.split(",").map((s) => s.trim()).filter((s) => s !== ""),
    rules: asked === undefined ? undefined : all.filter((id) => asked.includes(id)),
    outDir: v.out,
    compileOnly: v["compile-only"] === true,
    command: ["deno task mutate", ...args].join(" "),
  };
}

/** A mutant made concrete: the subject that builds it and the text that keys its cache entry. */
interface Materialized {
  readonly mutant: Mutant;
  readonly subject: Subject;
  /** The whole mutated input (module sources or patch). */
  readonly text: string;
}

/** The target's unmutated input, as a mutant's `text` holds its own. */
async function targetText(o: MutateOptions): Promise<string> {
  const s = o.subject;
  if (s.target.kind === "kmod") {
    const m = s.abi.module!;
    let all = "";
    for (const f of m.sources) all += `${f}\0${await Deno.readTextFile(new URL(f, m.dir))}\0`;
    return all;
  }
  const t = s.target;
  return await Deno.readTextFile(t.kind === "patch" ? t.file : t.kind === "kernel" ? t.patch! : "");
}

/** Every mutant of the target, written where its build reads it. */
async function materialize(o: MutateOptions): Promise<Materialized[]> {
  const s = o.subject;
  const srcRoot = `${o.outDir}/src`;
  if (s.target.kind === "kmod") {
    const m = s.abi.module!;
    const files = await Promise.all(
      m.sources.map(async (f) => ({ f, text: await Deno.readTextFile(new URL(f, m.dir)) })),
    );
    const out: Materialized[] = [];
    for (const { f, text } of files.filter((x) => x.f.endsWith(".c"))) {
      for (const mutant of mutants(`${s.abi.name}/kmod/${f}`, text, o.only)) {
        const dir = `${srcRoot}/${mutant.id}`;
        await Deno.mkdir(dir, { recursive: true });
        let all = "";
        for (const x of files) {
          const t = x.f === f ? applyMutant(text, mutant) : x.text;
          await Deno.writeTextFile(`${dir}/${x.f}`, t);
          all += `${x.f}\0${t}\0`;
        }
        out.push({ mutant, subject: { ...s, mutant: { id: mutant.id, dir } }, text: all });
      }
    }
    return out;
  }
  const file = s.target.kind === "patch"
    ? s.target.file
    : s.target.kind === "kernel"
    ? s.target.patch!
    : "";
  const patch = await Deno.readTextFile(file);
  const base = file.split("/").at(-1)!;
  const out: Materialized[] = [];
  for (const pm of patchMutants(patch, o.only)) {
    const dir = `${srcRoot}/${pm.mutant.id}`;
    await Deno.mkdir(dir, { recursive: true });
    const text = applyPatchMutant(patch, pm);
    const path = `${dir}/${base}`;
    await Deno.writeTextFile(path, text);
    const target = s.target.kind === "patch"
      ? { kind: "patch" as const, file: path }
      : { kind: "kernel" as const, patch: path };
    out.push({ mutant: pm.mutant, subject: { ...s, target }, text });
  }
  return out;
}

/** The findings one run of the suites filed, by suite, with when each was first seen. */
type SuiteFindings = FindingsBySuite;

/** How a suite runs for one mutant: stopped at its first failure, or in two phases. */
type SuitePlan =
  | { readonly kind: "whole"; readonly failFast: boolean }
  /** Conformance where the baseline failed rules (phases.ts). */
  | {
    readonly kind: "phased";
    /** Every rule the suite runs for this subject, and those of the first phase. */
    readonly all: readonly string[];
    readonly first: readonly string[];
    /** Kernel reports the baseline printed too: they do not stop the first phase. */
    readonly knownReports: readonly string[];
  };

const WHOLE: SuitePlan = { kind: "whole", failFast: false };

async function findingsIn(reportsDir: string): Promise<SuiteFindings[string]> {
  return (await listFindings(reportsDir)).map((m) => ({
    title: m.title,
    kind: m.kind,
    at: Date.parse(m.firstSeen),
  })).sort(byCause);
}

/**
 * What `stop` is told besides a suite's findings: the conformance rules of
 * the run that filed them, in their order (null: all of the suite's).
 */
type Ran = readonly string[] | null;

/**
 * Runs `o.suites` on `subject` in order; stops after the first suite (or a
 * phased suite's first phase) for which `stop` says so.
 */
async function runSuites(
  o: MutateOptions,
  subject: Subject,
  work: string,
  stop: (suite: Suite, found: SuiteFindings[string], ran: Ran) => Promise<boolean> | boolean,
  plan: (suite: Suite) => SuitePlan = () => WHOLE,
): Promise<SuiteFindings> {
  const found: SuiteFindings = {};
  for (const suite of o.suites) {
    const reportsDir = `${work}/${suite}/reports`;
    await Deno.remove(`${work}/${suite}`, { recursive: true }).catch(() => {});
    await Deno.mkdir(reportsDir, { recursive: true });
    const outDir = `${work}/${suite}/out`;
    const p = plan(suite);
    if (suite === "conformance" && p.kind === "phased") {
      const run = (ruleIds: readonly string[], dir: string, failFast: boolean) =>
        conformance({
          subject,
          ruleIds,
          outDir: dir,
          reportsDir,
          echo: false,
          failFast,
          knownReports: p.knownReports,
        });
      await run(p.first, `${outDir}/phase1`, true);
      found[suite] = await findingsIn(reportsDir);
      if (await stop(suite, found[suite]!, p.first)) break;
      const rows = JSON.parse(await Deno.readTextFile(`${outDir}/phase1/verdicts.json`)).rows;
      const second = secondPhase(p.all, rows);
      await run(second, `${outDir}/phase2`, false);
      found[suite] = await findingsIn(reportsDir);
      if (await stop(suite, found[suite]!, second)) break;
      continue;
    } else if (suite === "conformance") {
      await conformance({
        subject,
        ruleIds: o.rules ?? [],
        outDir,
        reportsDir,
        echo: false,
        failFast: p.kind === "whole" && p.failFast,
      });
    } else if (suite === "security") {
      if (!subject.abi.security) continue;
      await security({ subject, checkIds: [], outDir, reportsDir, echo: false });
    } else {
      if (!subject.abi.fuzz) continue;
      await fixedSeedCampaign({
        subject,
        timeSeconds: o.timeSeconds,
        seed: o.seed,
        reportsDir,
        outDir,
        progress: false,
      });
    }
    found[suite] = await findingsIn(reportsDir);
    if (await stop(suite, found[suite]!, null)) break;
  }
  return found;
}

/** Seconds from `t0` to the first finding of `titles` in `found`. */
function secondsTo(found: SuiteFindings[string], title: string, t0: number): number {
  const at = found.find((f) => f.title === title)?.at ?? Date.now();
  return Math.max(0, Math.round((at - t0) / 1000));
}

/** The first line of a build failure that says what failed. */
function buildError(e: unknown): string {
  // Paths relative to the checkout: the results are committed and read elsewhere.
  const text = (e instanceof Error ? e.message : String(e)).replaceAll(`${ROOT}/`, "");
  return text.split("\n").find((l) => /error:/.test(l))?.trim() ?? text.split("\n")[0]!;
}

/**
 * The titles each rerun of `rules` (a rule and the rules before it, see
 * confirm.ts) on the unmutated target filed.
 */
type Rerun = (rules: readonly string[], work: string) => Promise<readonly (readonly string[])[]>;

/**
 * What building a subject left: the hash of its object code (null when its
 * objects are not compared: a whole kernel's build), or the compiler's error.
 */
type Built = { readonly code: string | null } | { readonly buildError: string };

/**
 * Builds `s` as the suites would (they find it in the build cache) and
 * hashes its module's object code (tce_build.ts); a build failure is the
 * subject's, returned, not thrown.
 */
async function buildSubject(s: Subject): Promise<Built> {
  const kernel = await kernelOf(subjectGuest(s).kernel);
  let modules: readonly string[];
  try {
    ({ modules } = await s.abi.load({
      target: s.target,
      kernel,
      buildRoot: `${ROOT}/out/build`,
      broken: null,
      ...(s.mutant ? { mutant: s.mutant } : {}),
    }));
  } catch (e) {
    // A build the user's stop cut short says nothing of the mutant.
    if (e instanceof UsageError || e instanceof Interrupted || interrupted.aborted) throw e;
    return { buildError: buildError(e) };
  }
  // A kernel patch is built into the kernel: only a module's objects are compared.
  const ko = s.target.kind === "kernel" ? undefined : modules[0];
  return { code: ko === undefined ? null : await moduleCode(kernel, ko) };
}

/** Runs one built mutant through the suites; its result. */
async function runMutant(
  o: MutateOptions,
  m: Materialized,
  baseline: SuiteFindings,
  work: string,
  budgetSeconds: number,
  rerun: Rerun,
): Promise<MutantResult> {
  const t0 = Date.now();
  let killedBy: MutantResult["killedBy"] | undefined;
  let timedOut = false;
  const voided: VoidedKill[] = [];
  const s = m.subject;
  const ids = o.rules ??
    rulesFor(s.abi.conformance.rules.all, s.profile, s.target.kind).map((r) => r.id);
  // Where the baseline passed every case, the first failure kills the
  // mutant: the rest of the suite need not run. Where it failed some rules,
  // the rules it passed go first, stopped at their first failure.
  const plan = (suite: Suite): SuitePlan => {
    const known = (baseline[suite] ?? []).map((f) => f.title);
    if (known.length === 0) return { kind: "whole", failFast: true };
    if (suite !== "conformance") return WHOLE;
    const first = firstPhase(ids, known);
    const knownReports = (baseline[suite] ?? []).filter((f) => f.kind === "kernel")
      .map((f) => f.title);
    return first === null ? WHOLE : { kind: "phased", all: ids, first, knownReports };
  };
  await runSuites(o, m.subject, work, async (suite, found, ran) => {
    const known = (baseline[suite] ?? []).map((f) => f.title);
    const titles = found.map((f) => f.title);
    for (;;) {
      const title = killingFinding([...known, ...voided.map((v) => v.finding)], titles);
      if (title === null) break;
      const kill = { finding: title, suite, seconds: secondsTo(found, title, t0) };
      const rule = suite === "conformance" && o.confirmRuns > 0
        ? confirmationRule(title, known, ids)
        : null;
      if (rule === null) {
        killedBy = kill;
        return true;
      }
      const rules = rerunRules(rule, ran ?? ids);
      const runs = await rerun(rules, `${work}/confirm`);
      const seen = runs.filter((r) => r.some((t) => findingKey(t) === findingKey(title))).length;
      const before = rules.length - 1;
      if (seen === 0) {
        killedBy = { ...kill, confirmed: { rule, runs: runs.length, before } };
        return true;
      }
      voided.push({ finding: title, rule, seen, runs: runs.length, before });
    }
    // A suite is not cut short (its VM's own watchdogs file a hang as a
    // finding); a mutant that made the suites this slow without one is
    // not given the rest of them.
    timedOut = (Date.now() - t0) / 1000 > budgetSeconds;
    return timedOut;
  }, plan);
  const also = voided.length ? { voided } : {};
  if (killedBy) return { mutant: m.mutant, status: "killed", killedBy, ...also };
  return { mutant: m.mutant, status: timedOut ? "timed-out" : "survived", ...also };
}

/**
 * Folders of modules no suite run loads, on the host or in the guest (the
 * benchmark and the patch review are other tasks): a change there keeps the
 * cache.
 */
const NOT_SUITES = ["bench/", "review/"];

/**
 * The suites' own code: a cached verdict is stale once a rule, an oracle or
 * the harness changes (a rule added to kill a survivor must get its run).
 */
async function suitesHash(): Promise<string> {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const modules = (await guestModules()).filter((f) =>
    !NOT_SUITES.some((d) => f.startsWith(`${ROOT}/${d}`))
  );
  for (const f of modules) {
    parts.push(enc.encode(`${f.slice(ROOT.length)}\0`), await Deno.readFile(f));
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return (await sha256Hex(all)).slice(0, 16);
}

/** What a cached result depends on: the (mutated) input and everything that decides the run. */
async function cacheKey(
  o: MutateOptions,
  text: string,
  kernelKey: string,
  suites: string,
  baseline = false,
): Promise<string> {
  const settings = JSON.stringify({
    suitesHash: suites,
    abi: o.subject.abi.name,
    profile: o.subject.profile,
    kernelKey,
    suites: o.suites,
    time: o.timeSeconds,
    seed: o.seed,
    // Kept out when unset, so that the verdicts cached before the flag stay.
    ...(o.rules === undefined ? {} : { rules: o.rules }),
    // Kept out at 1, so that the verdicts cached before the flag stay.
    ...(o.baselineRuns === 1 ? {} : { baselineRuns: o.baselineRuns }),
    // The baseline's run does not depend on the budget it sets, nor on reruns.
    ...(baseline
      ? {}
      : { mutantTimeout: o.mutantTimeout ?? "from the baseline", confirmRuns: o.confirmRuns }),
  });
  return (await sha256Hex(new TextEncoder().encode(`${settings}\0${text}`))).slice(0, 16);
}

/** A cache entry, or null when there is none or a stop cut its writing short. */
async function readCached<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof SyntaxError) return null;
    throw e;
  }
}

/**
 * Reruns of a rule on the unmutated target, after the rules before it in
 * the mutant's run, `--confirm-runs` times, each in its own boot: made once
 * per list of rules and run (the first mutant that needs them waits for
 * them, in its job's VM slot; another that needs the same meanwhile waits
 * for the same reruns) and cached beside the baseline.
 */
function reruns(o: MutateOptions, kernelKey: string, suites: string, target: string): Rerun {
  const made = new Map<string, Promise<readonly (readonly string[])[]>>();
  const make = async (rules: readonly string[], work: string) => {
    const rule = rules.at(-1)!;
    const key = await cacheKey(
      o,
      `${target}\0rerun ${rules.join(",")} ×${o.confirmRuns}`,
      kernelKey,
      suites,
      true,
    );
    const path = `${o.outDir}/cache/rerun-${key}.json`;
    const cached = await readCached<{ runs: string[][] }>(path);
    if (cached) return cached.runs;
    const before = rules.length > 1 ? `, after the ${rules.length - 1} rule(s) before it,` : "";
    console.error(
      `udiag-fuzz: mutate: a kill is about ${rule}, which the baseline failed: ` +
        `rerunning it${before} ${o.confirmRuns} times on the unmutated target`,
    );
    const runs: string[][] = [];
    for (let i = 0; i < o.confirmRuns; i++) {
      const dir = `${work}/${rule}-${i + 1}`;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await Deno.mkdir(`${dir}/reports`, { recursive: true });
      await conformance({
        subject: o.subject,
        ruleIds: rules,
        outDir: `${dir}/out`,
        reportsDir: `${dir}/reports`,
        echo: false,
      });
      if (interrupted.aborted) throw new Interrupted(`the reruns of ${rule}`);
      runs.push((await findingsIn(`${dir}/reports`)).map((f) => f.title));
    }
    await Deno.writeTextFile(path, JSON.stringify({ rules, runs }, null, 2) + "\n");
    console.error(
      `udiag-fuzz: mutate: ${rule} rerun: ${runs.map((r) => r.length).join(", ")} finding(s)`,
    );
    return runs;
  };
  return (rules, work) => {
    const id = rules.join(",");
    let p = made.get(id);
    if (!p) {
      p = make(rules, work);
      // A failed rerun is not remembered: the next kill about the rule tries again.
      p.catch(() => made.delete(id));
      made.set(id, p);
    }
    return p;
  };
}

/** Every mutant's build, and what their object code says of them (tce.ts). */
interface BuiltAll extends CodeClasses {
  readonly byId: ReadonlyMap<string, Built>;
}

/**
 * Builds the target and every mutant of `todo` (one cached with its code is
 * not built again), compares their object code, and writes what it found to
 * `code.json`. Throws when the unmutated target does not build.
 */
async function buildAll(
  o: MutateOptions,
  todo: readonly Materialized[],
  cacheOf: (m: Materialized) => Promise<string>,
): Promise<BuiltAll> {
  console.error(
    `udiag-fuzz: mutate: building the target and ${todo.length} mutants to compare their object code`,
  );
  const base = await buildSubject(o.subject);
  if ("buildError" in base) {
    throw new Error(`the unmutated target does not build: ${base.buildError}`);
  }
  const byId = new Map<string, Built>();
  for (const m of todo) {
    if (interrupted.aborted) throw new Interrupted("the mutants' builds");
    const cached = await readCached<MutantResult>(await cacheOf(m));
    byId.set(
      m.mutant.id,
      cached?.code !== undefined
        ? { code: cached.code }
        : cached?.status === "did-not-build"
        ? { buildError: cached.buildError ?? "did not build" }
        : await buildSubject(m.subject),
    );
  }
  const codes = todo.map((m) => {
    const b = byId.get(m.mutant.id)!;
    return { id: m.mutant.id, code: "code" in b ? b.code : null };
  });
  const classes = codeClasses(base.code, codes);
  await Deno.writeTextFile(
    `${o.outDir}/code.json`,
    JSON.stringify(
      {
        target: base.code,
        mutants: Object.fromEntries(codes.map((c) => [c.id, c.code])),
        equivalent: [...classes.equivalent],
        duplicateOf: Object.fromEntries(classes.duplicateOf),
      },
      null,
      2,
    ) + "\n",
  );
  const failed = todo.length - codes.filter((c) => c.code !== null).length;
  const dups = [...classes.duplicateOf].map(([d, r]) => `${d} as ${r}`);
  console.error(
    base.code === null
      ? `udiag-fuzz: mutate: a kernel target's code is not compared; ${failed} did not build`
      : `udiag-fuzz: mutate: ${failed} did not build; ${classes.equivalent.size} compile to the ` +
        `target's code${
          classes.equivalent.size ? ` (${[...classes.equivalent].join(", ")})` : ""
        }` +
        `; ${dups.length} to an earlier mutant's${
          dups.length ? ` (${dups.join(", ")})` : ""
        }; ${o.outDir}/code.json`,
  );
  return { byId, ...classes };
}

/** The verdicts of `o.from`'s runs, one per mutant of `todo`, written as a run's; returns them. */
async function writeCombined(
  o: MutateOptions,
  todo: readonly Materialized[],
  built: BuiltAll,
): Promise<MutantResult[]> {
  let combined;
  try {
    combined = combineVerdicts(todo.map((m) => m.mutant), latestVerdicts(o.from!), built);
  } catch (e) {
    if (e instanceof TypeError) throw new UsageError(`--from: ${e.message}`);
    throw e;
  }
  const judged = new Map(combined.results.map((r) => {
    const b = built.byId.get(r.mutant.id)!;
    const j: MutantResult = "buildError" in b
      ? { mutant: r.mutant, status: "did-not-build", ...b }
      : judge(b.code === null ? r : { ...r, code: b.code }, o.equivalents);
    return [r.mutant.id, j];
  }));
  // A duplicate shows its class's verdict as judged.
  const results = [...judged.values()].map((r) =>
    r.duplicateOf
      ? { ...r, duplicateOf: { ...r.duplicateOf, status: judged.get(r.duplicateOf.id)!.status } }
      : r
  );
  // Each title once, with the runs whose baseline filed it.
  const filedBy = new Map<string, string[]>();
  for (const { path, doc } of o.from!) {
    for (const t of (doc as { baseline?: string[] }).baseline ?? []) {
      const title = t.replace(/ \(in \d+ of \d+ runs\)$/, "");
      filedBy.set(title, [...filedBy.get(title) ?? [], path]);
    }
  }
  const baseline = [...filedBy].map(([t, runs]) =>
    `${t} [${runs.length === o.from!.length ? "every run" : runs.join(", ")}]`
  );
  const run = {
    ...(o.equivalentFile ? { equivalentFile: o.equivalentFile.replace(`${ROOT}/`, "") } : {}),
    warnings: wrongJudgments(results, o.equivalents),
    disagreements: combined.warnings,
    target: targetLabel(o.subject.target),
    command: o.command,
    date: new Date().toISOString(),
    baseline,
    results,
  };
  await Deno.mkdir(o.outDir, { recursive: true });
  await Deno.writeTextFile(`${o.outDir}/summary.md`, summaryMarkdown(run));
  await Deno.writeTextFile(`${o.outDir}/results.json`, resultsJson(run));
  const sc = score(results);
  console.error(
    `udiag-fuzz: mutate ${subjectLabel(o.subject)}: the latest verdicts of ${
      o.from!.length
    } runs: ` +
      `score ${sc.score === null ? "none" : `${(sc.score * 100).toFixed(1)} %`} (${sc.killed} ` +
      `killed of ${sc.scored}; ${sc.equivalent} equivalent, ${sc.duplicate} duplicate, ` +
      `${sc.didNotBuild} did not build); ${o.outDir}/summary.md`,
  );
  for (const w of [...run.warnings, ...run.disagreements]) {
    console.error(`udiag-fuzz: mutate: ${w}`);
  }
  return results;
}

/** Runs the baseline and every mutant; writes the results after each; returns them. */
export async function mutate(o: MutateOptions): Promise<MutantResult[]> {
  const all = await materialize(o);
  const stale = staleEquivalents(o.equivalents, all.map((m) => m.mutant));
  if (stale.length) {
    throw new UsageError(`${o.equivalentFile}: stale judgments:\n  ${stale.join("\n  ")}`);
  }
  const unknown = (o.ids ?? []).filter((id) => !all.some((m) => m.mutant.id === id));
  if (unknown.length) {
    throw new UsageError(`--mutants: no mutant of this target has id ${unknown.join(", ")}`);
  }
  const chosen = o.ids === undefined ? all : all.filter((m) => o.ids!.includes(m.mutant.id));
  const todo = o.limit === undefined ? chosen : chosen.slice(0, o.limit);
  const label = subjectLabel(o.subject);
  const kernel = await kernelOf(subjectGuest(o.subject).kernel);
  console.error(
    `udiag-fuzz: mutate ${label}: ${todo.length} mutants of ${all.length}; baseline first`,
  );
  const suites = await suitesHash();
  await Deno.mkdir(`${o.outDir}/cache`, { recursive: true });
  const target = await targetText(o);
  const cacheOf = async (m: Materialized) =>
    `${o.outDir}/cache/${await cacheKey(o, m.text, kernel.key, suites)}.json`;
  const built = await buildAll(o, todo, cacheOf);
  if (o.compileOnly) return [];
  if (o.from) return await writeCombined(o, todo, built);
  const baseCache = `${o.outDir}/cache/baseline-${await cacheKey(
    o,
    target,
    kernel.key,
    suites,
    true,
  )}.json`;
  const cachedBase = await readCached<
    { findings: SuiteFindings; runs?: SuiteFindings[]; seconds: number }
  >(baseCache);
  const runs: SuiteFindings[] = cachedBase?.runs ?? (cachedBase ? [cachedBase.findings] : []);
  let baseSeconds = cachedBase?.seconds ?? 0;
  if (!cachedBase) {
    // Side by side, `--jobs` at a time, as the mutants run.
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < o.baselineRuns && !interrupted.aborted; i = next++) {
        const t0 = Date.now();
        runs.push(await runSuites(o, o.subject, `${o.outDir}/work/baseline${i + 1}`, () => false));
        // A mutant's budget is one run's time: the slowest baseline run's.
        baseSeconds = Math.max(baseSeconds, (Date.now() - t0) / 1000);
      }
    };
    await Promise.all(Array.from({ length: Math.min(o.jobs, o.baselineRuns) }, worker));
    if (interrupted.aborted) return [];
    await Deno.writeTextFile(
      baseCache,
      JSON.stringify({ findings: mergeRuns(runs), runs, seconds: baseSeconds }, null, 2) + "\n",
    );
  }
  const baseline = mergeRuns(runs);
  const budget = o.mutantTimeout ?? Math.round(3 * baseSeconds + 60);
  const baselineTitles = Object.entries(baseline).flatMap(([s, f]) =>
    f.map((x) => {
      const seen = runs.filter((r) => (r[s] ?? []).some((y) => y.title === x.title)).length;
      return `${s}: ${x.title}${seen < runs.length ? ` (in ${seen} of ${runs.length} runs)` : ""}`;
    })
  );
  console.error(
    `udiag-fuzz: mutate: the baseline filed ${baselineTitles.length} finding(s) in ${
      Math.round(baseSeconds)
    } s${cachedBase ? " (cached)" : ""}; a mutant gets ${budget} s`,
  );
  const rerun = reruns(o, kernel.key, suites, target);
  const results: (MutantResult | undefined)[] = new Array(todo.length);
  const write = async () => {
    const done = results.filter((r): r is MutantResult => r !== undefined);
    const run = {
      ...(o.equivalentFile ? { equivalentFile: o.equivalentFile.replace(`${ROOT}/`, "") } : {}),
      warnings: wrongJudgments(done, o.equivalents),
      target: targetLabel(o.subject.target),
      command: o.command,
      date: new Date().toISOString(),
      baseline: baselineTitles,
      results: done,
    };
    await Deno.writeTextFile(`${o.outDir}/summary.md`, summaryMarkdown(run));
    await Deno.writeTextFile(`${o.outDir}/results.json`, resultsJson(run));
  };
  // A duplicate waits for the verdict of the mutant with its code (tce.ts).
  const verdicts = new Map(
    todo.map((m) => [m.mutant.id, Promise.withResolvers<MutantResult | null>()]),
  );
  const verdictOf = async (
    m: Materialized,
    job: number,
  ): Promise<{ r: MutantResult; cached: boolean } | null> => {
    const b = built.byId.get(m.mutant.id)!;
    if ("buildError" in b) {
      return {
        r: { mutant: m.mutant, status: "did-not-build", buildError: b.buildError },
        cached: false,
      };
    }
    const code = b.code === null ? {} : { code: b.code };
    if (built.equivalent.has(m.mutant.id)) {
      return {
        r: { mutant: m.mutant, status: "equivalent", equivalentReason: TCE_REASON, ...code },
        cached: false,
      };
    }
    const rep = built.duplicateOf.get(m.mutant.id);
    if (rep !== undefined) {
      const theirs = await verdicts.get(rep)!.promise;
      if (theirs === null) return null;
      return {
        r: {
          mutant: m.mutant,
          status: "duplicate",
          duplicateOf: { id: rep, status: theirs.status },
          ...code,
        },
        cached: false,
      };
    }
    const cache = await cacheOf(m);
    const cached = await readCached<MutantResult>(cache);
    if (cached) return { r: cached, cached: true };
    const raw = await runMutant(o, m, baseline, `${o.outDir}/work/job${job}`, budget, rerun);
    // Suites a stop cut short did not finish: neither a verdict nor a cache entry.
    if (interrupted.aborted) return null;
    const r = { ...raw, ...code };
    await Deno.writeTextFile(cache, JSON.stringify(r, null, 2) + "\n");
    return { r, cached: false };
  };
  let next = 0;
  let done = 0;
  const worker = async (job: number) => {
    for (let i = next++; i < todo.length && !interrupted.aborted; i = next++) {
      const m = todo[i]!;
      const t0 = Date.now();
      let got: Awaited<ReturnType<typeof verdictOf>> = null;
      let r: MutantResult | null = null;
      try {
        got = await verdictOf(m, job);
        // Judged after the cache: the judgment is not a result of the run.
        if (got) r = judge(got.r, o.equivalents);
      } finally {
        verdicts.get(m.mutant.id)!.resolve(r);
      }
      if (got === null || r === null) break;
      const cached = got.cached;
      results[i] = r;
      done++;
      const why = r.killedBy
        ? ` by ${r.killedBy.suite}: ${r.killedBy.finding} (${r.killedBy.seconds} s)`
        : r.buildError
        ? `: ${r.buildError}`
        : "";
      console.error(
        `udiag-fuzz: mutate [${done}/${todo.length}] ${m.mutant.id} ${m.mutant.operator} ${m.mutant.file}:${m.mutant.line} ${r.status}${why}${
          cached ? " (cached)" : ` in ${Math.round((Date.now() - t0) / 1000)} s`
        }`,
      );
      await write();
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.jobs, todo.length) }, (_, j) => worker(j + 1)));
  await write();
  const sc = score(results.filter((r): r is MutantResult => r !== undefined));
  console.error(
    `udiag-fuzz: mutate ${label}: score ${
      sc.score === null ? "none" : `${(sc.score * 100).toFixed(0)} %`
    } (${sc.killed} killed of ${sc.scored}; ${sc.didNotBuild} did not build); ${o.outDir}/summary.md`,
  );
  return results.filter((r): r is MutantResult => r !== undefined);
}

if (import.meta.main) {
  runMain(async () => {
    await mutate(await checkInput(() => parseMutateArgs(Deno.args)));
    return 0;
  });
}
