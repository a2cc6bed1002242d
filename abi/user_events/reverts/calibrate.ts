/**
 * `deno task calibrate [--only 01,05] [--fuzz-time S] [--seed S] [--peer]`:
 * for each revert of `abi/user_events/reverts/` alone, and for the shipped
 * kernel as the baseline, builds the kernel (`kernel:PATCH`, incrementally
 * from the cached tree), runs our conformance rules, a fuzz campaign and,
 * with `--peer`, the kernel's own selftests (the peer run), and says whether each found the bug the fix closed: a rule, a
 * selftest case or a finding that the shipped kernel does not have, with the
 * time from the suite's start to it. Writes `docs/user_events-calibration.md`
 * and `out/calibrate/results.json`; each revert's findings stay under
 * `out/calibrate/<NN>/reports/`.
 *
 * A long evaluation (some ten minutes a revert), not a test: its results are
 * committed under docs/.
 *
 * Exit status: 0 when every run ran, 1 when one could not, 2 bad flags.
 *
 * @module
 */
import { conformance } from "../../../conformance/run.ts";
import { defaultSuites, fuzz } from "../../../fuzz/run.ts";
import { resolveSubject, type Subject } from "../../mod.ts";
import { checkInput, intFlag, parseFlags, runMain, UsageError } from "../../../harness/cli.ts";
import { kernelOf } from "../../../harness/vm/guest_run.ts";
import { listFindings } from "../../../harness/report/store.ts";
import { ROOT, rootRelative } from "../../../harness/paths.ts";
import { interrupted } from "../../../harness/interrupt.ts";

const USAGE = `Usage: deno task calibrate [options]
  --only LIST       reverts to run, by number (01,05)              [all]
  --fuzz-time SEC   fuzz campaign per kernel (0: none)             [300]
  --seed S          the campaigns' first seed                      [1]
  --peer            also run the kernel's own selftests on each kernel
  --out FILE        the document                                   [docs/user_events-calibration.md]
  --render          run nothing: write the document again from out/calibrate/results.json

Exit status: 0 every run ran, 1 one could not, 2 bad flags.`;

const REVERTS = new URL("./", import.meta.url);

/** What one suite found on one kernel. */
export interface SuiteResult {
  readonly ran: boolean;
  /** Rule IDs, selftest cases or finding titles that failed or were found. */
  readonly found: readonly string[];
  /** Seconds from the suite's start to each of `found` (the whole run where unknown). */
  readonly seconds: Readonly<Record<string, number>>;
  readonly note?: string;
}

/** One kernel's row. */
export interface KernelRow {
  readonly revert: string | null;
  readonly buildSeconds: number;
  readonly conformance: SuiteResult;
  readonly peer: SuiteResult | null;
  readonly fuzz: SuiteResult | null;
}

/**
 * Rules that fail on the shipped kernel some runs and not others (a timing
 * window: conformance_vm_test.ts SHIPPED_MAY_FAIL); never counted as found.
 */
export const TIMING_RULES: readonly string[] = ["UE-DEL-004"];

/** What a revert's suite found that the shipped kernel's did not (pure). */
export function newOver(row: SuiteResult | null, base: SuiteResult | null): string[] {
  if (!row) return [];
  const known = new Set([...(base?.found ?? []), ...TIMING_RULES]);
  return row.found.filter((f) => !known.has(f));
}

function revertFiles(only: readonly string[] | null): string[] {
  const all = [...Deno.readDirSync(REVERTS)].map((e) => e.name)
    .filter((n) => /^\d\d-.*\.patch$/.test(n)).sort();
  if (!only) return all;
  const bad = only.filter((n) => !all.some((f) => f.startsWith(`${n}-`)));
  if (bad.length) {
    throw new UsageError(
      `Unknown revert(s) ${bad.join(", ")}: expected ${all.map((f) => f.slice(0, 2)).join(", ")}`,
    );
  }
  return all.filter((f) => only.includes(f.slice(0, 2)));
}

async function runConformance(s: Subject, dir: string): Promise<SuiteResult> {
  const t0 = Date.now();
  const code = await conformance({
    subject: s,
    ruleIds: [],
    outDir: `${dir}/conformance`,
    reportsDir: `${dir}/reports`,
    echo: false,
  });
  const secs = Math.round((Date.now() - t0) / 1000);
  return conformanceResult(await readVerdicts(dir), code, secs);
}

type VerdictRow = { rule: { id: string }; verdict: string };

async function readVerdicts(dir: string): Promise<VerdictRow[]> {
  return (JSON.parse(await Deno.readTextFile(`${dir}/conformance/verdicts.json`)) as {
    rows: VerdictRow[];
  }).rows;
}

/**
 * One kernel's conformance result from its verdicts (pure). It ran to its end
 * when every rule has a verdict, even if a kernel report (the bug a revert
 * puts back) made the run exit 255 and reboot.
 */
export function conformanceResult(
  rows: readonly VerdictRow[],
  code: number,
  secs: number,
): SuiteResult {
  const failed = rows.filter((r) => r.verdict === "fail").map((r) => r.rule.id);
  const missing = rows.filter((r) => r.verdict !== "pass" && r.verdict !== "fail").length;
  return {
    ran: missing === 0,
    found: failed,
    ...(missing ? { note: `${missing} rule(s) without a verdict, exit ${code}` } : {}),
    seconds: Object.fromEntries(failed.map((id) => [id, secs])),
  };
}

async function runPeer(patch: string | null, dir: string): Promise<SuiteResult> {
  const t0 = Date.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "abi/user_events/peer/run.ts",
      "--target",
      patch ? `kernel:${patch}` : "kernel",
      "--out",
      `${dir}/peer.md`,
      "--json",
      `${dir}/peer.json`,
      "--reports",
      `${dir}/reports`,
      "--quiet",
    ],
    cwd: ROOT,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  const secs = Math.round((Date.now() - t0) / 1000);
  let r: { binaries: { name: string; cases: { name: string; verdict: string }[] }[] };
  try {
    r = JSON.parse(await Deno.readTextFile(`${dir}/peer.json`));
  } catch {
    return { ran: false, found: [], seconds: {}, note: `peer exited ${out.code}, no results` };
  }
  const failed = r.binaries.flatMap((b) =>
    b.cases.filter((c) => c.verdict === "fail").map((c) => `${b.name}/${c.name}`)
  );
  return {
    ran: out.code !== 255,
    found: failed,
    seconds: Object.fromEntries(failed.map((c) => [c, secs])),
  };
}

async function runFuzz(
  s: Subject,
  dir: string,
  seconds: number,
  seed: number,
): Promise<SuiteResult> {
  const part = s.abi.fuzz!;
  const started = Date.now();
  const reportsDir = `${dir}/fuzz-reports`;
  const r = await fuzz({
    subject: s,
    timeSeconds: seconds,
    runs: 0,
    seed,
    jobs: 1,
    shard: { index: 1, count: 1 },
    maxCommands: 30,
    reportsDir,
    outDir: `${dir}/fuzz`,
    suites: defaultSuites(part, s.profile, false),
  });
  const metas = await listFindings(reportsDir);
  return {
    ran: true,
    found: r.findings.map((f) => f.title),
    seconds: Object.fromEntries(metas.map((m) => [
      m.title,
      Math.round((Date.parse(m.firstSeen) - started) / 1000),
    ])),
    ...(r.restarts ? { note: `${r.restarts} VM restart(s)` } : {}),
  };
}

/** Runs every suite on one kernel (`patch` null: as shipped). */
async function calibrateOne(
  patch: string | null,
  o: { fuzzTime: number; seed: number; peer: boolean },
): Promise<KernelRow> {
  const name = patch ? patch.replace(/^.*\//, "").slice(0, 2) : "shipped";
  const dir = `${ROOT}/out/calibrate/${name}`;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  const s = await resolveSubject({
    abi: "user_events",
    target: patch ? `kernel:${patch}` : "kernel",
    profile: "base",
  });
  const t0 = Date.now();
  await kernelOf({ profile: "base", patch });
  const buildSeconds = Math.round((Date.now() - t0) / 1000);
  console.error(`calibrate ${name}: kernel ready in ${buildSeconds} s`);
  const conf = await runConformance(s, dir);
  console.error(`calibrate ${name}: conformance fails ${conf.found.join(", ") || "nothing"}`);
  const peer = o.peer && !interrupted.aborted ? await runPeer(patch, dir) : null;
  const fz = s.abi.fuzz && o.fuzzTime > 0 && !interrupted.aborted
    ? await runFuzz(s, dir, o.fuzzTime, o.seed)
    : null;
  return {
    revert: patch ? patch.replace(/^.*\//, "") : null,
    buildSeconds,
    conformance: conf,
    peer,
    fuzz: fz,
  };
}

function cellOf(r: SuiteResult | null, base: SuiteResult | null): string {
  if (!r) return "not run";
  const extra = newOver(r, base);
  const found = extra.length
    ? extra.map((f) => `${f} (${r.seconds[f] ?? "?"} s)`).join("; ")
    : "nothing new";
  return r.ran ? found : `${found}; did not run to its end${r.note ? ` (${r.note})` : ""}`;
}

/** The calibration document (pure). */
export function calibrationMarkdown(
  rows: readonly KernelRow[],
  date: string,
  command: string,
): string {
  const base = rows.find((r) => r.revert === null) ?? null;
  const lines = [
    "# user_events calibration: does the framework find each reverted fix?",
    "",
    `Generated by \`${command}\` on ${date}. Each revert of \`abi/user_events/reverts/\` alone on`,
    "6.12.117, built incrementally from the cached tree; a suite finds the bug when it reports",
    "something the shipped kernel's run of the same suite does not. Times are seconds from the",
    "suite's start (the conformance and selftest runs report at their end; a fuzz finding at its",
    `filing). ${
      TIMING_RULES.join(", ")
    } fails on the shipped kernel in some runs (a timing window)`,
    "and is never counted as found.",
    "",
    "| kernel | build s | conformance | kernel selftests | fuzz |",
    "|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const isBase = r.revert === null;
    const show = (x: SuiteResult | null, b: SuiteResult | null) =>
      isBase ? (x ? (x.found.join("; ") || "nothing") : "not run") : cellOf(x, b);
    lines.push(
      `| ${isBase ? "shipped (baseline)" : `\`${r.revert}\``} | ${r.buildSeconds} | ${
        show(r.conformance, base?.conformance ?? null)
      } | ${show(r.peer, base?.peer ?? null)} | ${show(r.fuzz, base?.fuzz ?? null)} |`,
    );
  }
  lines.push("");
  return lines.join("\n");
}

async function main(args: readonly string[]): Promise<number> {
  const o = await checkInput(() => {
    const { values: v } = parseFlags(args, {
      only: { type: "string" },
      "fuzz-time": { type: "string", default: "300" },
      seed: { type: "string", default: "1" },
      peer: { type: "boolean" },
      out: { type: "string" },
      render: { type: "boolean" },
      help: { type: "boolean" },
    }, USAGE);
    const only = v.only ? v.only.split(",").map((x) => x.trim().padStart(2, "0")) : null;
    return {
      reverts: revertFiles(only),
      fuzzTime: intFlag("fuzz-time", v["fuzz-time"], 0),
      seed: intFlag("seed", v.seed, -(2 ** 31)),
      peer: v.peer ?? false,
      out: v.out ?? `${ROOT}/docs/user_events-calibration.md`,
      render: v.render ?? false,
      command: `deno task calibrate${
        args.filter((a) => a !== "--render").map((a) => ` ${a}`).join("")
      }`,
    };
  });
  if (o.render) return await render(o.out, o.command);
  const rows: KernelRow[] = [];
  for (const patch of [null, ...o.reverts.map((f) => rootRelative(new URL(f, REVERTS).pathname))]) {
    if (interrupted.aborted) break;
    rows.push(await calibrateOne(patch, o));
    // Written after every kernel: a stop keeps what ran.
    await Deno.mkdir(`${ROOT}/out/calibrate`, { recursive: true });
    await Deno.writeTextFile(
      `${ROOT}/out/calibrate/results.json`,
      JSON.stringify(rows, null, 2) + "\n",
    );
    await Deno.writeTextFile(
      o.out,
      calibrationMarkdown(rows, new Date().toISOString().slice(0, 10), o.command),
    );
  }
  console.error(`calibrate: wrote ${rootRelative(o.out)}`);
  return rows.every((r) => r.conformance.ran && (r.peer?.ran ?? true)) ? 0 : 1;
}

/**
 * `--render`: writes the document again from out/calibrate/results.json,
 * each kernel's conformance result read again from its verdicts.json (so a
 * fix to how a result is read needs no new run). `command` is the run's.
 */
async function render(out: string, command: string): Promise<number> {
  const file = `${ROOT}/out/calibrate/results.json`;
  const rows = JSON.parse(await Deno.readTextFile(file)) as KernelRow[];
  const again: KernelRow[] = [];
  for (const r of rows) {
    const dir = `${ROOT}/out/calibrate/${r.revert ? r.revert.slice(0, 2) : "shipped"}`;
    const secs = Object.values(r.conformance.seconds)[0] ?? 0;
    again.push({ ...r, conformance: conformanceResult(await readVerdicts(dir), 0, secs) });
  }
  const date = (await Deno.stat(file)).mtime?.toISOString().slice(0, 10) ?? "?";
  await Deno.writeTextFile(out, calibrationMarkdown(again, date, command));
  console.error(`calibrate: rendered ${rootRelative(out)} from ${rootRelative(file)}`);
  return 0;
}

if (import.meta.main) runMain(() => main(Deno.args));
