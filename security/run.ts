/**
 * `deno task security [--target kmod|patch:FILE] [--check ID] [--out DIR]`:
 * plays an attacker against the target in the KASAN VM (security/*_checks.ts,
 * as root and as ordinary users), then writes under `out/security/`:
 * `summary.md` (for a patch review), `junit.xml`, `results.json`; each
 * weakness (exposed, or allowed by design) becomes a folder under `reports/`
 * with its severity and CWE class.
 *
 * Exit status: 0 when nothing was exposed (properties of the ABI as designed
 * are listed, not failures), 1 on a weakness or a check that could not run,
 * 2 on bad flags, 255 when the kernel died.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { allChecks, checkById } from "./catalog.ts";
import type { CheckOutcome } from "./fixture.ts";
import {
  rowClass,
  securityMarkdown,
  securityRows,
  securityTally,
  securityTitle,
} from "./summary.ts";
import { crashedRule, mergeJunit } from "../conformance/run.ts";
import { parseTarget, type Target, targetLabel } from "../harness/target.ts";
import { runGuest } from "../harness/vm/vm_cli.ts";
import { saveFinding } from "../harness/report/store.ts";
import { KERNEL_DIED_EXIT } from "../harness/vm/runner.ts";
import { BROKEN_VARIANTS, type BrokenVariant } from "../harness/vm/module.ts";
import { capture } from "../harness/proc.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const CHECK_FILES = [
  "access_checks.ts",
  "cross_user_checks.ts",
  "page_checks.ts",
  "name_checks.ts",
  "handle_checks.ts",
  "write_checks.ts",
  "capacity_checks.ts",
].map((f) => `security/${f}`);

const USAGE = `Usage: deno task security [options]
  --target T        kmod (our module, default) | patch:FILE (a patch under review)
  --check ID        run one check (repeatable)
  --out DIR         where summary.md, junit.xml, results.json go  [out/security]
  --reports DIR     where findings go                             [reports]
  --profile NAME    kernel debug profile                          [base]
  --broken VARIANT  test-only: a module with a known bug (${BROKEN_VARIANTS.join(", ")})`;

/** Most VMs one run boots (each after a check killed its process or the kernel). */
const MAX_BOOTS = 6;

/** The fork helper (C: a Deno process cannot fork), built on the host. */
export async function buildForkHelper(): Promise<string> {
  const out = `${ROOT}/out/security/fork_page`;
  await Deno.mkdir(`${ROOT}/out/security`, { recursive: true });
  await capture("gcc", [
    "-O2",
    "-Wall",
    "-Werror",
    "-static",
    "-o",
    out,
    `${ROOT}/security/helpers/fork_page.c`,
  ]);
  return out;
}

/** Options of {@linkcode security}. */
export interface SecurityOptions {
  readonly target: Target;
  readonly checkIds: readonly string[];
  readonly outDir: string;
  readonly reportsDir: string;
  readonly profile?: string;
  readonly broken?: BrokenVariant;
  readonly echo?: boolean;
}

/** What a run produced. */
export interface SecurityResult {
  readonly exitCode: number;
  readonly outcomes: CheckOutcome[];
  readonly summary: string;
  /** Check ID → its finding's folder. */
  readonly findingDirs: Map<string, string>;
  /** "19 pass, 4 by design, 0 exposed, 0 error, 0 not run". */
  readonly tally: string;
}

/** Runs the checks in the VM and writes every output. */
export async function security(o: SecurityOptions): Promise<SecurityResult> {
  if (o.target.kind === "local") {
    throw new TypeError("--target local is not supported: the checks change users and modes");
  }
  await buildForkHelper();
  const wanted = o.checkIds.length ? o.checkIds.map(checkById) : allChecks();
  let remaining = wanted.map((c) => c.id);
  const outcomes: CheckOutcome[] = [];
  const junits: string[] = [];
  const logs: string[] = [];
  let env: Record<string, unknown> = {};
  let died = false;
  for (let boot = 0; boot < MAX_BOOTS && remaining.length; boot++) {
    const filter = remaining.length === allChecks().length
      ? ""
      : ` --filter '/^\\[(${remaining.join("|")})\\]/'`;
    const res = await runGuest({
      command: `deno test -A --no-check --junit-path="$UDIAG_OUT/security-junit.xml"${filter} ${
        CHECK_FILES.join(" ")
      }`,
      ...(o.profile ? { profile: o.profile } : {}),
      ...(o.broken ? { broken: o.broken } : {}),
      target: o.target,
      reportsDir: o.reportsDir,
      echoGuest: o.echo ?? true,
      timeoutSeconds: 1500,
    });
    env = res.env;
    died ||= res.run.outcome.kind !== "exited";
    const got = res.run.results.filter((r) => r.event === "check") as unknown as CheckOutcome[];
    outcomes.push(...got);
    junits.push(
      await Deno.readTextFile(`${res.run.outDir}/security-junit.xml`).catch(() => ""),
    );
    logs.push(res.run.guestLog);
    const reported = new Set(got.map((x) => x.id));
    const crashed = crashedRule(res.run.console, reported, "security");
    if (crashed) {
      outcomes.push({
        event: "check",
        id: crashed,
        verdict: "exposed",
        evidence: [],
        exposures: [
          `the attacker's process or the kernel died during this check (${
            res.run.outcome.kind === "exited" ? `exit ${res.exitCode}` : res.run.outcome.kind
          }); see the kernel reports`,
        ],
        kernel: [],
        measured: {},
      });
      reported.add(crashed);
    }
    const before = remaining.length;
    remaining = remaining.filter((id) => !reported.has(id));
    if (remaining.length === before) break;
  }
  const rows = securityRows(wanted, outcomes);
  const header = {
    target: targetLabel(o.target) + (o.broken ? ` (broken: ${o.broken})` : ""),
    date: new Date().toISOString(),
    ...Object.fromEntries(
      ["kernelRelease", "profile", "patchSubject", "patchSha256", "portSteps"]
        .filter((k) => env[k] !== undefined).map((k) => [k, String(env[k])]),
    ),
  };
  const findingDirs = new Map<string, string>();
  for (const r of rows.filter((r) => r.verdict !== "pass" && r.verdict !== "not run")) {
    const saved = await saveFinding(o.reportsDir, {
      title: securityTitle(r),
      type: "SECURITY",
      report: [
        r.check.statement,
        "",
        ...(r.outcome?.exposures ?? []).map((e) => `exposed: ${e}`),
        ...(r.outcome?.kernel ?? []).map((k) => `kernel: ${k}`),
        ...(r.outcome?.error ? [`error: ${r.outcome.error}`] : []),
        ...(r.verdict === "by design"
          ? [`by design (${r.check.byDesign!.rule}): ${r.check.byDesign!.why}`]
          : []),
      ].join("\n") + "\n",
      log: logs.join("\n"),
      case: `security/${r.check.id}`,
      repro: (r.outcome?.evidence ?? []).join("\n"),
      replay: {
        suite: "security",
        check: r.check.id,
        target: targetLabel(o.target),
        ...(o.broken ? { broken: o.broken } : {}),
        command: `deno task security --target ${targetLabel(o.target)} --check ${r.check.id}${
          o.broken ? ` --broken ${o.broken}` : ""
        }`,
      },
      env: { ...env, target: header.target },
      security: rowClass(r),
    });
    findingDirs.set(r.check.id, saved.dir);
  }
  const summary = securityMarkdown(
    rows,
    header,
    new Map([...findingDirs].map(([id, d]) => [id, d.replace(`${ROOT}/`, "")])),
  );
  await Deno.mkdir(o.outDir, { recursive: true });
  await Deno.writeTextFile(`${o.outDir}/summary.md`, summary);
  await Deno.writeTextFile(`${o.outDir}/junit.xml`, mergeJunit(junits));
  await Deno.writeTextFile(
    `${o.outDir}/results.json`,
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
  const t = securityTally(rows);
  const tally = `${t.pass} pass, ${
    t["by design"]
  } by design, ${t.exposed} exposed, ${t.error} error, ${t["not run"]} not run`;
  console.error(`udiag-fuzz: security ${header.target}: ${tally}; summary: ${o.outDir}/summary.md`);
  const exitCode = died ? KERNEL_DIED_EXIT : t.exposed + t.error + t["not run"] > 0 ? 1 : 0;
  return { exitCode, outcomes, summary, findingDirs, tally };
}

if (import.meta.main) {
  let v;
  let target: Target;
  try {
    v = parseArgs({
      args: Deno.args,
      options: {
        target: { type: "string" },
        check: { type: "string", multiple: true },
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
    for (const id of v.check ?? []) checkById(id);
    if (v.broken && !(BROKEN_VARIANTS as readonly string[]).includes(v.broken)) {
      throw new TypeError(`Unknown --broken "${v.broken}"`);
    }
    target = parseTarget(v.target);
    if (target.kind === "local") throw new TypeError("--target local is not supported");
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    Deno.exit(2);
  }
  const r = await security({
    target,
    checkIds: v.check ?? [],
    outDir: v.out ?? `${ROOT}/out/security`,
    reportsDir: v.reports ?? `${ROOT}/reports`,
    ...(v.profile ? { profile: v.profile } : {}),
    ...(v.broken ? { broken: v.broken as BrokenVariant } : {}),
  });
  Deno.exit(r.exitCode);
}
