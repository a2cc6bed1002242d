/**
 * `deno task security [--abi NAME] [--target T] [--check ID] [--out DIR]`:
 * plays an attacker against the target in the KASAN VM (the ABI's checks, as
 * root and as ordinary users), then writes under `out/security/`:
 * `summary.md` (for a patch review), `junit.xml`, `results.json` and
 * `results.sarif` (SARIF 2.1.0 for code scanning: a rule per check, a result
 * per weakness; `sarif.ts`); each
 * weakness (exposed, or a check that could not run) becomes a folder under
 * `reports/` with its severity and CWE class. A property the ABI allows by
 * design is listed in the summary, not filed: only what is wrong is a finding.
 *
 * Exit status: 0 when nothing was exposed (properties of the ABI as designed
 * are listed, not failures), 1 on a weakness, a check that could not run or
 * a kernel report on the console (one no check claimed, such as a kmemleak
 * found after the last check), 2 on bad flags, 255 when the kernel died.
 *
 * @module
 */
import type { SecurityCheck } from "./check.ts";
import { type CheckOutcome, SECURITY_SUITE } from "./check_context.ts";
import {
  checkBreaks,
  isWeakness,
  rowClass,
  securityMarkdown,
  type SecurityRow,
  securityRows,
  securityTally,
  securityTitle,
} from "./summary.ts";
import type { SecurityPart } from "../abi/plugin.ts";
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
import { runGuest } from "../harness/vm/guest_run.ts";
import { KERNEL_DIED_EXIT } from "../harness/vm/runner.ts";
import { saveFinding } from "../harness/report/store.ts";
import { informationUri, patchPath, readIdSpots, writeSarif } from "../harness/report/sarif_io.ts";
import { securitySarif } from "./sarif.ts";
import { runTestFileSuite } from "../harness/suite_boots.ts";
import { fileHealthFindings } from "../harness/health/file.ts";
import { ROOT, rootRelative } from "../harness/paths.ts";

const USAGE = [
  "Usage: deno task security [options]",
  ...suiteUsage({ out: "out/security" }),
  "  --check ID        run one check (repeatable)",
  "",
  "Writes under --out: summary.md, junit.xml, results.json and results.sarif (SARIF 2.1.0:",
  "one result per weakness, for code scanning).",
  "",
  "Exit status: 0 nothing exposed, 1 a weakness or a check that could not run, 2 bad flags,",
  "255 the kernel died.",
].join("\n");

/** Options of {@linkcode security}. */
export interface SecurityOptions {
  readonly subject: Subject;
  readonly checkIds: readonly string[];
  readonly outDir: string;
  readonly reportsDir: string;
  readonly echo?: boolean;
}

/** What a run produced. */
export interface SecurityResult {
  readonly exitCode: number;
  readonly outcomes: CheckOutcome[];
  readonly summary: string;
  /** Check ID → its finding's folder. */
  readonly findingDirs: Map<string, string>;
  /** Folders of kernel reports filed from the console (by the engine, not by a check). */
  readonly consoleDirs: string[];
  /** "19 pass, 4 by design, 0 exposed, 0 error, 0 not run". */
  readonly tally: string;
}

/** The ABI's security part; throws a UsageError when it has none. */
export function securityPart(s: Subject): SecurityPart {
  if (!s.abi.security) throw new UsageError(`ABI "${s.abi.name}" has no security checks`);
  return s.abi.security;
}

/** The outcome of a check whose attacker or the kernel died. */
function crashedCheck(id: string, how: string): CheckOutcome {
  return {
    event: "check",
    id,
    verdict: "exposed",
    evidence: [],
    exposures: [
      `the attacker's process or the kernel died during this check (${how}); see the kernel reports`,
    ],
    kernel: [],
    measured: {},
  };
}

/** The report text of a row's finding (pure). */
function rowReport(r: SecurityRow): string {
  return [
    r.check.statement,
    "",
    ...(r.outcome?.exposures ?? []).map((e) => `exposed: ${e}`),
    ...(r.outcome?.kernel ?? []).map((k) => `kernel: ${k}`),
    ...(r.outcome?.error ? [`error: ${r.outcome.error}`] : []),
  ].join("\n") + "\n";
}

/**
 * The exit status of a run (pure): the kernel died, or anything wrong (a
 * weakness, a check not run, a kernel report filed from the console).
 */
export function securityExit(
  o: { died: boolean; tally: Readonly<Record<string, number>>; consoleReports: number },
): number {
  if (o.died) return KERNEL_DIED_EXIT;
  const t = o.tally;
  return (t.exposed ?? 0) + (t.error ?? 0) + (t["not run"] ?? 0) + o.consoleReports > 0 ? 1 : 0;
}

/** Files one finding per weakness; returns check ID → folder. */
async function fileWeaknesses(
  o: SecurityOptions,
  rows: readonly SecurityRow[],
  log: string,
  env: Record<string, unknown>,
): Promise<Map<string, string>> {
  const dirs = new Map<string, string>();
  for (const r of rows.filter(isWeakness)) {
    const saved = await saveFinding(o.reportsDir, {
      title: securityTitle(r),
      kind: "security",
      type: "SECURITY",
      report: rowReport(r),
      log,
      case: `${SECURITY_SUITE}/${r.check.id}`,
      breaks: checkBreaks(r),
      repro: (r.outcome?.evidence ?? []).join("\n"),
      replay: { ...replayBase(o.subject, "security"), suite: "security", check: r.check.id },
      env,
      security: rowClass(r),
    });
    dirs.set(r.check.id, saved.dir);
  }
  return dirs;
}

/** Writes results.sarif: a rule per check of the ABI, a result per weakness. */
async function writeSecuritySarif(
  o: SecurityOptions,
  part: SecurityPart,
  rows: readonly SecurityRow[],
  findingDirs: ReadonlyMap<string, string>,
): Promise<void> {
  const patch = patchPath(o.subject.target);
  const log = securitySarif(rows, {
    abi: o.subject.abi.name,
    checks: part.checks.all,
    spots: await readIdSpots(part.files, part.checks.all.map((c) => c.id)),
    fallback: { path: part.files[0] ?? "README.md" },
    ...(patch !== undefined ? { patch } : {}),
    findingDirs,
    ...informationUri(),
  });
  await writeSarif(`${o.outDir}/results.sarif`, log);
}

/** Writes summary.md, junit.xml and results.json. */
async function writeOutputs(
  outDir: string,
  rows: readonly SecurityRow[],
  summary: string,
  junit: string,
  header: Record<string, string>,
): Promise<void> {
  await Deno.mkdir(outDir, { recursive: true });
  await Deno.writeTextFile(`${outDir}/summary.md`, summary);
  await Deno.writeTextFile(`${outDir}/junit.xml`, junit);
  await Deno.writeTextFile(
    `${outDir}/results.json`,
    JSON.stringify(
      {
        header,
        rows: rows.map((r) => ({
          id: r.check.id,
          verdict: r.verdict,
          ...rowClass(r),
          outcome: r.outcome,
        })),
      },
      null,
      2,
    ) + "\n",
  );
}

/** Runs the checks in the VM and writes every output. */
export async function security(o: SecurityOptions): Promise<SecurityResult> {
  const s = o.subject;
  if (s.target.kind === "local") {
    throw new UsageError("--target local is not supported: the checks change users and modes");
  }
  const part = securityPart(s);
  await part.prepare?.();
  const wanted: readonly SecurityCheck[] = o.checkIds.length
    ? o.checkIds.map((id) => part.checks.get(id))
    : part.checks.all;
  const boots = await runTestFileSuite<CheckOutcome>({
    suite: SECURITY_SUITE,
    event: "check",
    files: part.files,
    ids: wanted.map((c) => c.id),
    allIds: part.checks.all.map((c) => c.id),
    crashed: crashedCheck,
    junitCase: (c) => ({
      name: `[${c.id}] ${part.checks.get(c.id).statement}`,
      ...(c.verdict === "exposed" || c.verdict === "error"
        ? { failure: c.error ?? c.exposures.join("; ") }
        : {}),
    }),
  }, (command) =>
    runGuest({
      ...subjectGuest(s),
      command,
      reportsDir: o.reportsDir,
      echoGuest: o.echo ?? true,
      timeoutSeconds: 1500,
    }));
  const env = boots.runs.at(-1)?.env ?? {};
  const rows = securityRows(wanted, boots.outcomes);
  const label = subjectLabel(s);
  const header = {
    target: label,
    date: new Date().toISOString(),
    ...Object.fromEntries(
      ["kernelRelease", "profile", "kernelPatch", "patchSubject", "patchSha256", "portSteps"]
        .filter((k) => env[k] !== undefined).map((k) => [k, String(env[k])]),
    ),
  };
  const log = boots.runs.map((r) => r.run.guestLog).join("\n");
  const findingDirs = await fileWeaknesses(o, rows, log, { ...env, target: label });
  const relDirs = new Map([...findingDirs].map(([id, d]) => [id, rootRelative(d)]));
  const summary = securityMarkdown(
    rows,
    header,
    { abi: s.abi.name, attackers: part.attackers },
    relDirs,
  );
  await writeOutputs(o.outDir, rows, summary, boots.junit, header);
  await writeSecuritySarif(o, part, rows, relDirs);
  const t = securityTally(rows);
  const tally = `${t.pass} pass, ${
    t["by design"]
  } by design, ${t.exposed} exposed, ${t.error} error, ${t["not run"]} not run`;
  console.error(`udiag-fuzz: security ${label}: ${tally}; summary: ${o.outDir}/summary.md`);
  const healthDirs = await fileHealthFindings(boots.health, {
    reportsDir: o.reportsDir,
    base: replayBase(s, "health"),
    log,
    env: { ...env, target: label },
  });
  const consoleDirs = boots.runs.flatMap((r) => r.reportDirs);
  const exitCode = securityExit({
    died: boots.died,
    tally: t,
    consoleReports: consoleDirs.length + healthDirs.length,
  });
  return { exitCode, outcomes: boots.outcomes, summary, findingDirs, consoleDirs, tally };
}

/** Parses and checks the command line (nothing slow starts before it passes). */
export async function parseSecurityArgs(args: readonly string[]): Promise<SecurityOptions> {
  const { values: v } = parseFlags(args, {
    ...SUITE_OPTIONS,
    check: { type: "string", multiple: true },
  }, USAGE);
  const subject = await resolveSubject({ ...v, profile: profileFlag(v.profile) });
  if (subject.target.kind === "local") {
    throw new UsageError("--target local is not supported: the checks change users and modes");
  }
  const part = securityPart(subject);
  const checkIds = v.check ?? [];
  for (const id of checkIds) part.checks.get(id);
  return {
    subject,
    checkIds,
    outDir: v.out ?? `${ROOT}/out/security`,
    reportsDir: v.reports ?? `${ROOT}/reports`,
  };
}

if (import.meta.main) {
  runMain(async () =>
    (await security(await checkInput(() => parseSecurityArgs(Deno.args)))).exitCode
  );
}
