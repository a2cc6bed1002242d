/**
 * `deno task conformance [--target kmod|local] [--rule ID] [--out DIR]`:
 * runs every ABI rule against the target (in the KASAN VM for `kmod`), then
 * writes, under `out/conformance/`: `junit.xml` (CI systems), `ktap.txt`,
 * `matrix.md` (rule, verdict, evidence) and `verdicts.json`; each failed rule
 * and each kernel report becomes a folder under `reports/`.
 *
 * Exit status: 0 when every rule passed and the kernel said nothing, 1 on a
 * violation or report, 2 on bad flags, 255 when the kernel died.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { allRules, ruleById } from "./rules.ts";
import type { RuleOutcome } from "./fixture.ts";
import {
  matrixMarkdown,
  tally,
  verdicts,
  verdictsKtap,
  violationReport,
  violationRepro,
  violationTitle,
} from "./verdicts.ts";
import { parseTarget, type Target, targetLabel } from "../harness/target.ts";
import { runGuest } from "../harness/vm/vm_cli.ts";
import { saveFinding } from "../harness/report/store.ts";
import { KERNEL_DIED_EXIT } from "../harness/vm/runner.ts";
import { BROKEN_VARIANTS, type BrokenVariant } from "../harness/vm/module.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const RULE_FILES = [
  "reg_rules.ts",
  "del_rules.ts",
  "write_rules.ts",
  "page_rules.ts",
  "trace_rules.ts",
  "capacity_rules.ts",
].map((f) => `conformance/${f}`);

const USAGE = `Usage: deno task conformance [options]
  --target T        kmod (default: our module in the KASAN VM) | local (this machine's /dev/udiag)
                    | patch:FILE (a kernel patch under review, ported and built beside our kernel)
  --rule ID         run one rule (repeatable)
  --out DIR         where junit.xml, ktap.txt, matrix.md go   [out/conformance]
  --reports DIR     where findings go                          [reports]
  --profile NAME    kernel debug profile                       [base]
  --broken VARIANT  test-only: a module with a known bug (${BROKEN_VARIANTS.join(", ")})`;

/** Arguments after `deno test … --junit-path=…` that select the rules. */
export function ruleArgs(ruleIds: readonly string[]): string[] {
  const filter = ruleIds.length ? ["--filter", `/^\\[(${ruleIds.join("|")})\\]/`] : [];
  return [...filter, ...RULE_FILES];
}

// Type checking is the host's job (deno check in CI); under TCG it costs a minute.
const DENO_TEST = ["test", "-A", "--no-check"];

function shellJoin(argv: readonly string[]): string {
  return argv.map((a) => /^[\w./=:-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
}

/** What a conformance run produced. */
export interface ConformanceResult {
  readonly outcomes: RuleOutcome[];
  readonly junitXml: string;
  readonly exitCode: number;
  readonly kernelReports: string[];
  readonly guestLog: string;
  readonly env: Record<string, unknown>;
}

async function runOnKernel(
  target: Target,
  ids: readonly string[],
  profile: string | undefined,
  broken: BrokenVariant | undefined,
  reportsDir: string,
  echo: boolean,
): Promise<ConformanceResult> {
  if (target.kind === "local") {
    const junit = `${ROOT}/out/conformance/local-junit.xml`;
    const evidence = `${ROOT}/out/conformance/local-evidence.jsonl`;
    await Deno.mkdir(`${ROOT}/out/conformance`, { recursive: true });
    await Deno.writeTextFile(evidence, "");
    const { code, stdout } = await new Deno.Command(Deno.execPath(), {
      args: [...DENO_TEST, `--junit-path=${junit}`, ...ruleArgs(ids)],
      cwd: ROOT,
      env: { UDIAG_EVIDENCE: evidence },
      stderr: "inherit",
    }).output();
    const outcomes = (await Deno.readTextFile(evidence)).split("\n").filter(Boolean)
      .map((l) => JSON.parse(l) as RuleOutcome);
    return {
      outcomes,
      junitXml: await Deno.readTextFile(junit).catch(() => ""),
      exitCode: code,
      kernelReports: [],
      guestLog: new TextDecoder().decode(stdout),
      env: { target: "local", kernelRelease: Deno.osRelease() },
    };
  }
  const junitName = "conformance-junit.xml";
  // A rule whose test kills the process (or the kernel) would leave every
  // later rule unrun: the rest go on in a fresh VM, as kselftest runners do.
  let remaining = ids.length ? [...ids] : allRules().map((r) => r.id);
  const outcomes: RuleOutcome[] = [];
  const junits: string[] = [];
  const reportDirs: string[] = [];
  const guestLogs: string[] = [];
  const consoles: string[] = [];
  let env: Record<string, unknown> = {};
  let lastOutcome = "exited";
  let died = false;
  for (let boot = 0; boot < MAX_BOOTS && remaining.length; boot++) {
    const res = await runGuest({
      command: `deno ${DENO_TEST.join(" ")} --junit-path="$UDIAG_OUT/${junitName}" ${
        shellJoin(ruleArgs(remaining))
      }`,
      ...(profile ? { profile } : {}),
      ...(broken ? { broken } : {}),
      target,
      reportsDir,
      echoGuest: echo,
      timeoutSeconds: 1200,
    });
    const { run } = res;
    env = res.env;
    lastOutcome = run.outcome.kind;
    died ||= run.outcome.kind !== "exited";
    const got = run.results.filter((r) => r.event === "rule") as unknown as RuleOutcome[];
    outcomes.push(...got);
    junits.push(await Deno.readTextFile(`${run.outDir}/${junitName}`).catch(() => ""));
    for (const d of res.reportDirs) if (!reportDirs.includes(d)) reportDirs.push(d);
    guestLogs.push(run.guestLog);
    consoles.push(run.consoleFile);
    const reported = new Set(got.map((o) => o.id));
    const crashed = crashedRule(run.console, reported);
    if (crashed) {
      outcomes.push({
        event: "rule",
        id: crashed,
        verdict: "fail",
        evidence: [],
        error: `the test process or the kernel died during this rule (${
          run.outcome.kind === "exited" ? `exit ${res.exitCode}` : run.outcome.kind
        }); see the kernel reports`,
      });
      reported.add(crashed);
    }
    const before = remaining.length;
    remaining = remaining.filter((id) => !reported.has(id));
    if (remaining.length === before) break; // no progress: do not loop
  }
  return {
    outcomes,
    junitXml: mergeJunit(junits),
    exitCode: died ? KERNEL_DIED_EXIT : outcomes.some((o) => o.verdict === "fail") ? 1 : 0,
    kernelReports: reportDirs,
    guestLog: guestLogs.join("\n"),
    env: {
      ...(broken ? { target: `kmod (broken: ${broken})` } : {}),
      ...Object.fromEntries(
        [
          "target",
          "kernelRelease",
          "profile",
          "patchSubject",
          "patchSha256",
          "portLog",
          "portSteps",
        ]
          .filter((k) => env[k] !== undefined).map((k) => [k, env[k]]),
      ),
      console: consoles.join(", "),
      outcome: lastOutcome,
      boots: consoles.length,
    },
  };
}

/** Most VMs one conformance run boots (each after a rule killed its process or kernel). */
const MAX_BOOTS = 6;

/**
 * The rule (or check, for `suite` "security") whose start mark has no
 * reported outcome: the one running when things died (pure).
 */
export function crashedRule(
  consoleText: string,
  reported: ReadonlySet<string>,
  suite = "conformance",
): string | null {
  const mark = new RegExp(`: ${suite}/([A-Z]+-[A-Z]+-\\d+): start`, "g");
  const started = [...consoleText.matchAll(mark)].map((m) => m[1]!);
  const last = started.at(-1);
  return last && !reported.has(last) ? last : null;
}

/** One JUnit document from several runs' (pure). */
export function mergeJunit(docs: readonly string[]): string {
  const suites = docs.flatMap((d) =>
    [...d.matchAll(/<testsuite\b[\s\S]*?<\/testsuite>/g)].map((m) => m[0])
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="udiag conformance">\n${
    suites.join("\n")
  }\n</testsuites>\n`;
}

/** Runs the suite and writes every output; returns the process exit status. */
export async function conformance(opts: {
  target: Target;
  ruleIds: readonly string[];
  outDir: string;
  reportsDir: string;
  profile?: string;
  broken?: BrokenVariant;
  /** Echo the guest's test output (default true; the VM tests keep their log quiet). */
  echo?: boolean;
}): Promise<number> {
  const res = await runOnKernel(
    opts.target,
    opts.ruleIds,
    opts.profile,
    opts.broken,
    opts.reportsDir,
    opts.echo ?? true,
  );
  const wanted = opts.ruleIds.length ? opts.ruleIds.map(ruleById) : allRules();
  const skipped = new Set(
    [...res.junitXml.matchAll(/<testcase name="\[([A-Z0-9-]+)\][^"]*"[^>]*>\s*<skipped/g)]
      .map((m) => m[1]!),
  );
  const rows = verdicts(wanted, res.outcomes, skipped);
  const header = {
    target: targetLabel(opts.target) + (opts.broken ? ` (broken: ${opts.broken})` : ""),
    date: new Date().toISOString(),
    ...Object.fromEntries(Object.entries(res.env).map(([k, v]) => [k, String(v)])),
    "kernel reports": res.kernelReports.length ? res.kernelReports.join(", ") : "none",
  };
  await Deno.mkdir(opts.outDir, { recursive: true });
  await Deno.writeTextFile(`${opts.outDir}/junit.xml`, res.junitXml);
  await Deno.writeTextFile(`${opts.outDir}/ktap.txt`, verdictsKtap(rows));
  await Deno.writeTextFile(`${opts.outDir}/matrix.md`, matrixMarkdown(rows, header));
  await Deno.writeTextFile(
    `${opts.outDir}/verdicts.json`,
    JSON.stringify({ header, rows }, null, 2) + "\n",
  );
  for (const r of rows.filter((r) => r.verdict === "fail")) {
    const saved = await saveFinding(opts.reportsDir, {
      title: violationTitle(r),
      type: "CONFORMANCE",
      report: violationReport(r),
      log: res.guestLog,
      case: `conformance/${r.rule.id}`,
      repro: violationRepro(r),
      replay: {
        suite: "conformance",
        rule: r.rule.id,
        target: targetLabel(opts.target),
        ...(opts.broken ? { broken: opts.broken } : {}),
        command: `deno task conformance --target ${targetLabel(opts.target)} --rule ${r.rule.id}${
          opts.broken ? ` --broken ${opts.broken}` : ""
        }`,
      },
      env: { ...res.env, target: header.target },
    });
    console.error(`udiag-fuzz: violation ${r.rule.id} -> ${saved.dir}`);
  }
  const t = tally(rows);
  console.error(
    `udiag-fuzz: conformance ${header.target}: ${t.pass} pass, ${t.fail} fail, ${t.skip} skip, ${
      t["not run"]
    } not run; kernel reports: ${res.kernelReports.length}; matrix: ${opts.outDir}/matrix.md`,
  );
  if (res.exitCode === KERNEL_DIED_EXIT) return KERNEL_DIED_EXIT;
  return t.pass === rows.length && res.kernelReports.length === 0 ? 0 : 1;
}

if (import.meta.main) {
  let v;
  try {
    v = parseArgs({
      args: Deno.args,
      options: {
        target: { type: "string" },
        rule: { type: "string", multiple: true },
        out: { type: "string" },
        reports: { type: "string" },
        profile: { type: "string" },
        broken: { type: "string" },
        help: { type: "boolean" },
      },
    }).values;
    if (v.help) {
      console.log(USAGE);
      Deno.exit(0);
    }
    for (const id of v.rule ?? []) ruleById(id);
    if (v.broken && !(BROKEN_VARIANTS as readonly string[]).includes(v.broken)) {
      throw new TypeError(`Unknown --broken "${v.broken}"`);
    }
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    Deno.exit(2);
  }
  let target: Target;
  try {
    target = parseTarget(v.target);
  } catch (e) {
    console.error((e as Error).message);
    Deno.exit(2);
  }
  Deno.exit(
    await conformance({
      target,
      ruleIds: v.rule ?? [],
      outDir: v.out ?? `${ROOT}/out/conformance`,
      reportsDir: v.reports ?? `${ROOT}/reports`,
      ...(v.profile ? { profile: v.profile } : {}),
      ...(v.broken ? { broken: v.broken as BrokenVariant } : {}),
    }),
  );
}
