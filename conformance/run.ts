/**
 * `deno task conformance [--abi NAME] [--target T] [--rule ID] [--out DIR]`:
 * runs every rule of the ABI against the target (in the KASAN VM, or on this
 * machine for `--target local`), then writes, under `out/conformance/`:
 * `junit.xml` (CI systems), `ktap.txt`, `matrix.md` (rule, verdict,
 * evidence) and `verdicts.json`; each failed rule and each kernel report
 * becomes a folder under `reports/`.
 *
 * Exit status: 0 when every rule passed and the kernel said nothing, 1 on a
 * violation or report, 2 on bad flags, 255 when the kernel died.
 *
 * @module
 */
import { misplacedRule, type Rule, rulesFor } from "./rule.ts";
import { CONFORMANCE_SUITE, type RuleOutcome } from "./rule_context.ts";
import {
  matrixMarkdown,
  ruleBreaks,
  tally,
  type Verdict,
  verdicts,
  verdictsKtap,
  violationReport,
  violationRepro,
  violationTitle,
} from "./verdicts.ts";
import {
  replayBase,
  resolveSubject,
  type Subject,
  subjectGuest,
  subjectLabel,
} from "../abi/mod.ts";
import {
  checkInput,
  parseFlags,
  profileFlag,
  runMain,
  SUITE_OPTIONS,
  suiteUsage,
  UsageError,
} from "../harness/cli.ts";
import { buildFailNth } from "../harness/faults/failnth.ts";
import { runGuest } from "../harness/vm/guest_run.ts";
import { KERNEL_DIED_EXIT } from "../harness/vm/runner.ts";
import { saveFinding } from "../harness/report/store.ts";
import { runTestFileSuite, testCommand } from "../harness/suite_boots.ts";
import type { HealthEvent } from "../harness/health/after_case.ts";
import { fileHealthFindings } from "../harness/health/file.ts";
import { ROOT } from "../harness/paths.ts";

const USAGE = [
  "Usage: deno task conformance [options]",
  ...suiteUsage({ out: "out/conformance" }),
  "  --rule ID         run one rule (repeatable)",
  "",
  "Exit status: 0 every rule passed, 1 a violation or kernel report, 2 bad flags, 255 the kernel died.",
].join("\n");

/** Options of {@linkcode conformance}. */
export interface ConformanceOptions {
  readonly subject: Subject;
  /** Rules to run; all when empty. */
  readonly ruleIds: readonly string[];
  readonly outDir: string;
  readonly reportsDir: string;
  /** Echo the guest's test output (default true; the VM tests keep their log quiet). */
  readonly echo?: boolean;
  /**
   * Stop at the first failing rule or kernel report (see
   * harness/suite_boots.ts and harness/vm/runner.ts's `stopOnReport`).
   */
  readonly failFast?: boolean;
  /** With `failFast`: kernel report titles that do not stop the run (harness/vm/runner.ts). */
  readonly knownReports?: readonly string[];
}

/** What the rules' runs produced, wherever they ran. */
interface SuiteRun {
  readonly outcomes: RuleOutcome[];
  readonly junit: string;
  readonly died: boolean;
  readonly reportDirs: string[];
  /** Rules that left a trace consumer broken (harness/health). */
  readonly health: readonly HealthEvent[];
  readonly log: string;
  readonly env: Record<string, unknown>;
}

/** The outcome of a rule whose test killed its process or the kernel. */
function crashedRule(id: string, how: string): RuleOutcome {
  return {
    event: "rule",
    id,
    verdict: "fail",
    evidence: [],
    error: `the test process or the kernel died during this rule (${how}); see the kernel reports`,
  };
}

/** Runs the rules on this machine (`--target local`): a host `deno test`. */
async function runLocal(o: ConformanceOptions, ids: readonly string[]): Promise<SuiteRun> {
  const dir = `${ROOT}/out/conformance`;
  const evidence = `${dir}/local-evidence.jsonl`;
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(evidence, "");
  const command = testCommand(o.subject.abi.conformance.files, ids, "local-junit.xml");
  const { code, stdout } = await new Deno.Command("sh", {
    args: ["-c", command],
    cwd: ROOT,
    env: { UDIAG_EVIDENCE: evidence, UDIAG_OUT: dir },
    stderr: "inherit",
  }).output();
  const outcomes = (await Deno.readTextFile(evidence)).split("\n").filter(Boolean)
    .map((l) => JSON.parse(l) as RuleOutcome);
  return {
    outcomes,
    junit: await Deno.readTextFile(`${dir}/local-junit.xml`).catch(() => ""),
    died: false,
    reportDirs: [],
    health: [],
    log: new TextDecoder().decode(stdout) + (code === 0 ? "" : `\ndeno test exited ${code}\n`),
    env: { target: "local", kernelRelease: Deno.osRelease() },
  };
}

/** Runs the rules in the VM, booting again after a rule that killed its process or the kernel. */
async function runInVm(o: ConformanceOptions, ids: readonly string[]): Promise<SuiteRun> {
  const s = o.subject;
  const boots = await runTestFileSuite<RuleOutcome>({
    suite: CONFORMANCE_SUITE,
    event: "rule",
    files: s.abi.conformance.files,
    ids,
    allIds: s.abi.conformance.rules.all.map((r) => r.id),
    ...(o.failFast ? { failFast: true } : {}),
    crashed: crashedRule,
    junitCase: (r) => ({
      name: `[${r.id}] ${s.abi.conformance.rules.get(r.id).statement}`,
      ...(r.verdict === "fail" ? { failure: r.error ?? "fail" } : {}),
    }),
  }, (command) =>
    runGuest({
      ...subjectGuest(s),
      command,
      reportsDir: o.reportsDir,
      echoGuest: o.echo ?? true,
      timeoutSeconds: 1200,
      // A kernel report is a failure too: it ends the boot as a failed rule ends the suite.
      ...(o.failFast ? { stopOnReport: true } : {}),
      ...(o.failFast && o.knownReports ? { knownReports: o.knownReports } : {}),
    }));
  const last = boots.runs.at(-1);
  return {
    outcomes: boots.outcomes,
    junit: boots.junit,
    died: boots.died,
    reportDirs: [...new Set(boots.runs.flatMap((r) => r.reportDirs))],
    health: boots.health,
    log: boots.runs.map((r) => r.run.guestLog).join("\n"),
    env: {
      ...pick(last?.env ?? {}, [
        "target",
        "kernelRelease",
        "profile",
        "kernelKey",
        "kernelPatch",
        "patchSubject",
        "patchSha256",
        "portLog",
        "portSteps",
      ]),
      console: boots.runs.map((r) => r.run.consoleFile).join(", "),
      outcome: last?.run.outcome.kind ?? "not run",
      boots: boots.runs.length,
    },
  };
}

function pick(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

/** Rules whose test the JUnit report lists as skipped (pure). */
export function skippedRules(junit: string): Set<string> {
  return new Set(
    [...junit.matchAll(/<testcase name="\[([A-Z0-9-]+)\][^"]*"[^>]*>\s*<skipped/g)]
      .map((m) => m[1]!),
  );
}

/** Writes junit.xml, ktap.txt, matrix.md and verdicts.json. */
async function writeOutputs(
  outDir: string,
  run: SuiteRun,
  rows: ReturnType<typeof verdicts>,
  header: Record<string, string>,
): Promise<void> {
  await Deno.mkdir(outDir, { recursive: true });
  await Deno.writeTextFile(`${outDir}/junit.xml`, run.junit);
  await Deno.writeTextFile(`${outDir}/ktap.txt`, verdictsKtap(rows));
  await Deno.writeTextFile(`${outDir}/matrix.md`, matrixMarkdown(rows, header));
  await Deno.writeTextFile(
    `${outDir}/verdicts.json`,
    JSON.stringify({ header, rows }, null, 2) + "\n",
  );
}

/** Files one finding per failed rule. */
async function fileViolations(
  o: ConformanceOptions,
  run: SuiteRun,
  rows: ReturnType<typeof verdicts>,
  label: string,
): Promise<void> {
  for (const r of rows.filter((r) => r.verdict === "fail")) {
    const saved = await saveFinding(o.reportsDir, {
      title: violationTitle(r),
      kind: "conformance",
      type: "CONFORMANCE",
      report: violationReport(r),
      log: run.log,
      case: `${CONFORMANCE_SUITE}/${r.rule.id}`,
      breaks: ruleBreaks(r.rule, o.subject.abi.conformance.source),
      repro: violationRepro(r),
      replay: { ...replayBase(o.subject, "conformance"), suite: "conformance", rule: r.rule.id },
      env: { ...run.env, abi: o.subject.abi.name, target: label },
    });
    console.error(`udiag-fuzz: violation ${r.rule.id} -> ${saved.dir}`);
  }
}

/** Throws a usage error naming each rule that needs another kernel profile or target. */
function refuseMisplaced(rules: readonly Rule[], profile: string, target: string): void {
  const why = rules.map((r) => misplacedRule(r, profile, target)).filter((w) => w !== null);
  if (why.length) throw new UsageError(why.join("; "));
}

/** Runs the suite and writes every output; returns the process exit status. */
export async function conformance(o: ConformanceOptions): Promise<number> {
  const rules = o.subject.abi.conformance.rules;
  const wanted: readonly Rule[] = o.ruleIds.length
    ? o.ruleIds.map((id) => rules.get(id))
    : rulesFor(rules.all, o.subject.profile, o.subject.target.kind);
  refuseMisplaced(wanted, o.subject.profile, o.subject.target.kind);
  const ids = wanted.map((r) => r.id);
  await o.subject.abi.conformance.prepare?.();
  if (wanted.some((r) => r.profile === "faults")) await buildFailNth();
  const run = o.subject.target.kind === "local" ? await runLocal(o, ids) : await runInVm(o, ids);
  const rows = verdicts(wanted, run.outcomes, skippedRules(run.junit));
  const label = subjectLabel(o.subject);
  const header = {
    target: label,
    date: new Date().toISOString(),
    ...Object.fromEntries(Object.entries(run.env).map(([k, v]) => [k, String(v)])),
    "kernel reports": run.reportDirs.length ? run.reportDirs.join(", ") : "none",
    "consumers left broken": run.health.length ? run.health.map((h) => h.title).join("; ") : "none",
  };
  await writeOutputs(o.outDir, run, rows, header);
  await fileViolations(o, run, rows, label);
  const healthDirs = await fileHealthFindings(run.health, {
    reportsDir: o.reportsDir,
    base: replayBase(o.subject, "health"),
    log: run.log,
    env: { ...run.env, abi: o.subject.abi.name, target: label },
  });
  const t: Record<Verdict, number> = tally(rows);
  console.error(
    `udiag-fuzz: conformance ${label}: ${t.pass} pass, ${t.fail} fail, ${t.skip} skip, ${
      t["not run"]
    } not run; kernel reports: ${run.reportDirs.length}; consumers left broken: ${healthDirs.length}; matrix: ${o.outDir}/matrix.md`,
  );
  if (run.died) return KERNEL_DIED_EXIT;
  return t.pass === rows.length && run.reportDirs.length + healthDirs.length === 0 ? 0 : 1;
}

/** Parses and checks the command line (nothing slow starts before it passes). */
export async function parseConformanceArgs(args: readonly string[]): Promise<ConformanceOptions> {
  const { values: v } = parseFlags(args, {
    ...SUITE_OPTIONS,
    rule: { type: "string", multiple: true },
  }, USAGE);
  const subject = await resolveSubject({ ...v, profile: profileFlag(v.profile) });
  const ruleIds = v.rule ?? [];
  const asked = ruleIds.map((id) => subject.abi.conformance.rules.get(id));
  refuseMisplaced(asked, subject.profile, subject.target.kind);
  return {
    subject,
    ruleIds,
    outDir: v.out ?? `${ROOT}/out/conformance`,
    reportsDir: v.reports ?? `${ROOT}/reports`,
  };
}

if (import.meta.main) {
  runMain(async () => conformance(await checkInput(() => parseConformanceArgs(Deno.args))));
}
