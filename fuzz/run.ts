/**
 * `deno task fuzz [--time S] [--runs N] [--seed S] [--jobs J] [--shard i/N]`:
 * the project's main job. Boots one KASAN VM per job with the target loaded,
 * runs the model-based campaign (fuzz/guest.ts) in each with its own seeds,
 * shows a live progress line, files every finding under reports/ (shrunk,
 * with its seed, path and operations, replayable with `deno task repro`),
 * and ends with a summary of what was covered, also when nothing was found.
 *
 * Exit status: 0 nothing found, 1 findings, 2 bad flags, 255 a kernel died.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { runGuest } from "../harness/vm/vm_cli.ts";
import { saveFinding } from "../harness/report/store.ts";
import { parseTarget, type Target, targetLabel } from "../harness/target.ts";
import { BROKEN_VARIANTS, type BrokenVariant } from "../harness/vm/module.ts";
import { KERNEL_DIED_EXIT, type ResultEvent } from "../harness/vm/runner.ts";
import { FAST_CHECK_VERSION, type FuzzFinding, type FuzzStats } from "./campaign.ts";
import { COMMAND_NAMES } from "./commands/mod.ts";
import { parseShard, type Shard, shardSeeds } from "./shard.ts";
import { afterBoot, planShares, showShares } from "./shares.ts";
import { security } from "../security/run.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

const USAGE = `Usage: deno task fuzz [options]
  --target T        kmod (our module) | patch:FILE (a patch under review) [kmod]
  --time SEC        campaign time per VM                                 [120]
  --runs N          stop each VM after N cases (0 = time only)           [0]
  --seed S          first seed (integer)                                 [random]
  --jobs J          VMs in parallel, one seed range each                 [1]
  --shard i/N       this machine runs shard i of N (seed ranges disjoint)[1/1]
  --max-commands N  longest command sequence of a case                   [30]
  --suites LIST     campaigns per VM, sharing its time: model,raw,race; and
                    security (the attacker checks of deno task security, once,
                    in a VM of their own)                 [model,raw,race,security]
  --reports DIR     where findings go                                    [reports]
  --profile NAME    kernel debug profile                                 [base]
  --broken VARIANT  test-only: a module with a known bug (${BROKEN_VARIANTS.join(", ")})`;

/** What the campaign found and covered, over all jobs. */
export interface FuzzSummary {
  readonly target: string;
  readonly seeds: number[];
  readonly cases: number;
  readonly ops: number;
  readonly seconds: number;
  readonly byCommand: Record<string, number>;
  readonly findings: { title: string; dir: string; isNew: boolean; reproduced?: boolean }[];
  readonly kernelDied: boolean;
  /** VMs restarted after ending early. */
  readonly restarts: number;
  /** The security checks' tally and summary, when the security suite ran. */
  readonly security?: { readonly tally: string; readonly summary: string };
}

/** Sums campaign stats of several VM runs (pure); seconds add up, as runs of one job are sequential. */
export function mergeStats(runs: readonly FuzzStats[]): FuzzStats {
  const byCommand: Record<string, number> = Object.fromEntries(COMMAND_NAMES.map((n) => [n, 0]));
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
  };
}

/** Options of {@linkcode fuzz}. */
export interface FuzzOptions {
  readonly target: Target;
  readonly timeSeconds: number;
  readonly runs: number;
  readonly seed: number;
  readonly jobs: number;
  readonly shard: Shard;
  readonly maxCommands: number;
  readonly reportsDir: string;
  readonly profile?: string;
  readonly broken?: BrokenVariant;
  readonly progress?: boolean;
  /** Campaigns each VM runs, sharing its time: model, raw, race. */
  readonly suites?: readonly string[];
}

/** The console lines of one case: from its start mark to its end mark (pure). */
export function consoleForCase(consoleText: string, caseId: string): string {
  const lines = consoleText.split("\n");
  const start = lines.findIndex((l) => l.includes(`: fuzz/${caseId}: start`));
  if (start < 0) return "";
  const end = lines.findIndex((l, i) => i > start && l.includes(`: fuzz/${caseId}: end`));
  return lines.slice(Math.max(0, start - 5), end < 0 ? undefined : end + 1).join("\n");
}

/** Runs the campaign on every job and returns its summary. */
export async function fuzz(o: FuzzOptions): Promise<FuzzSummary> {
  if (o.target.kind === "local") {
    throw new TypeError("--target local is not supported by fuzz: it runs in the VM only");
  }
  const seeds = shardSeeds(o.seed, o.shard, o.jobs);
  const campaigns = (o.suites ?? ["model", "raw", "race"]).filter((x) => x !== "security");
  const live = new Map<number, FuzzStats>();
  const findings: FuzzSummary["findings"] = [];
  let kernelDied = false;
  let restarts = 0;
  const started = Date.now();
  const enc = new TextEncoder();
  // A terminal gets one line rewritten in place; a log gets a line every 10 s.
  const tty = Deno.stderr.isTerminal();
  let lastLine = 0;
  const line = () => {
    if (!o.progress) return;
    if (!tty && Date.now() - lastLine < 10_000) return;
    lastLine = Date.now();
    const all = [...live.values()];
    const cases = all.reduce((a, s) => a + s.cases, 0);
    const ops = all.reduce((a, s) => a + s.ops, 0);
    const secs = Math.max(1, all.reduce((a, s) => Math.max(a, s.seconds), 0));
    const cov = COMMAND_NAMES.filter((n) => all.some((s) => (s.byCommand[n] ?? 0) > 0)).length;
    Deno.stderr.writeSync(enc.encode(
      `${tty ? "\r" : ""}[fuzz ${
        Math.round((Date.now() - started) / 1000)
      }s] VMs ${o.jobs}  cases ${cases}  ops ${ops} (${
        Math.round(ops / secs)
      }/s)  commands ${cov}/${COMMAND_NAMES.length}  findings ${findings.length}${
        tty ? "   " : "\n"
      }`,
    ));
  };

  /** Files the campaign's own findings of one VM run. */
  const fileFindings = async (
    pending: FuzzFinding[],
    consoleText: string,
    guestLog: string,
    env: Record<string, unknown>,
  ) => {
    for (const f of pending) {
      const saved = await saveFinding(o.reportsDir, {
        title: f.title,
        type: f.type,
        report: `${f.report}\n\n${f.error}\n`,
        log: consoleForCase(consoleText, f.caseId) || guestLog,
        case: `fuzz/${f.caseId}`,
        repro: f.ops.join("\n"),
        replay: {
          fastCheck: FAST_CHECK_VERSION,
          suite: `fuzz/${f.caseId.split("/")[0]}`,
          seed: f.seed,
          path: f.path,
          replayPath: f.replayPath,
          maxCommands: o.maxCommands,
          target: targetLabel(o.target),
          ...(o.broken ? { broken: o.broken } : {}),
          ...(o.profile ? { profile: o.profile } : {}),
          reproducedInCampaign: f.reproduced,
          command: "",
        },
        env,
      });
      // The command names the folder, known only now.
      const replayPath = `${saved.dir}/replay.json`;
      const replay = JSON.parse(await Deno.readTextFile(replayPath));
      replay.command = `deno task repro ${saved.dir.replace(`${ROOT}/`, "")}`;
      await Deno.writeTextFile(replayPath, JSON.stringify(replay, null, 2) + "\n");
      note(f.title, saved.dir, saved.isNew, f.reproduced);
    }
  };
  const note = (title: string, dir: string, isNew: boolean, reproduced?: boolean) => {
    const known = findings.find((x) => x.title === title);
    if (!known) {
      findings.push({ title, dir, isNew, ...(reproduced === undefined ? {} : { reproduced }) });
      return;
    }
    known.dir = dir;
    known.isNew ||= isNew;
    if (reproduced !== undefined) known.reproduced = reproduced;
  };

  /**
   * One job: a VM runs the campaign from `seed` on; when it ends early (the
   * kernel died, the device state leaked, the guest was lost) and time is
   * left, a fresh VM goes on with the next seed.
   */
  const job = async (j: number, firstSeed: number) => {
    const deadline = Date.now() + o.timeSeconds * 1000;
    const done: FuzzStats[] = [];
    let seed = firstSeed;
    let plan = planShares(campaigns, o.timeSeconds);
    for (let boot = 0;; boot++) {
      const left = Math.ceil((deadline - Date.now()) / 1000);
      const casesDone = done.reduce((a, s) => a + s.cases, 0);
      if (boot > 0 && (left < 10 || !plan.size || (o.runs > 0 && casesDone >= o.runs))) break;
      const pending: FuzzFinding[] = [];
      let current: FuzzStats | null = null;
      let finished = false;
      const ended = new Set<string>();
      let running: { suite: string; since: number } | null = null;
      const res = await runGuest({
        command: `deno run -A fuzz/guest.ts --seed ${seed} --time ${Math.max(left, 1)} --cases ${
          o.runs > 0 ? o.runs - casesDone : 0
        } --max-commands ${o.maxCommands} --suites ${[...plan.keys()].join(",")} --shares ${
          showShares(plan)
        }`,
        ...(o.profile ? { profile: o.profile } : {}),
        ...(o.broken ? { broken: o.broken } : {}),
        target: o.target,
        reportsDir: o.reportsDir,
        echoGuest: false,
        timeoutSeconds: Math.max(left, 1) + 600,
        env: { seed, job: j, boot, shard: `${o.shard.index}/${o.shard.count}` },
        onResult: (r: ResultEvent) => {
          if (r.event === "progress" || r.event === "summary") {
            current = r as unknown as FuzzStats;
            finished ||= r.event === "summary";
            live.set(j, mergeStats([...done, current]));
            line();
          } else if (r.event === "suite") {
            if (r.phase === "start") running = { suite: String(r.suite), since: Date.now() };
            else ended.add(String(r.suite));
          } else if (r.event === "finding") {
            pending.push(r as unknown as FuzzFinding);
            note(String(r.title), "", true);
            line();
          }
        },
      });
      if (res.exitCode === KERNEL_DIED_EXIT) kernelDied = true;
      // Kernel reports on the console were filed by runGuest before we got here.
      for (const dir of res.reportDirs) {
        const meta = JSON.parse(await Deno.readTextFile(`${dir}/meta.json`));
        note(meta.title, dir, meta.count === 1);
      }
      await fileFindings(pending, res.run.console, res.run.guestLog, res.env);
      if (current) done.push(current);
      if (finished) break;
      const was = running as { suite: string; since: number } | null;
      plan = afterBoot(
        plan,
        ended,
        was ? { suite: was.suite, seconds: (Date.now() - was.since) / 1000 } : null,
      );
      const cur = current as FuzzStats | null;
      seed = cur && cur.seeds.length ? cur.seeds.at(-1)! + 1 : seed + 1;
      restarts++;
      console.error(
        `\nudiag-fuzz: VM ${j} ended early (${res.run.outcome.kind}); restarting from seed ${seed}`,
      );
    }
  };
  let sec: FuzzSummary["security"];
  if (o.suites?.includes("security")) {
    // The attacker checks take a VM of their own, before the campaigns.
    const outDir = `${ROOT}/out/security`;
    const r = await security({
      target: o.target,
      checkIds: [],
      outDir,
      reportsDir: o.reportsDir,
      ...(o.profile ? { profile: o.profile } : {}),
      ...(o.broken ? { broken: o.broken } : {}),
      echo: false,
    });
    kernelDied ||= r.exitCode === KERNEL_DIED_EXIT;
    for (const dir of r.findingDirs.values()) {
      const meta = JSON.parse(await Deno.readTextFile(`${dir}/meta.json`));
      note(meta.title, dir, meta.count === 1);
    }
    sec = { tally: r.tally, summary: `${outDir}/summary.md` };
  }
  if (campaigns.length) await Promise.all(seeds.map((s, j) => job(j, s)));
  if (o.progress) Deno.stderr.writeSync(enc.encode("\n"));
  const all = [...live.values()];
  const total = mergeStats(all);
  const unique = new Map(findings.filter((f) => f.dir).map((f) => [f.title, f]));
  return {
    target: targetLabel(o.target) + (o.broken ? ` (broken: ${o.broken})` : ""),
    seeds: total.seeds,
    cases: total.cases,
    ops: total.ops,
    seconds: all.reduce((a, s) => Math.max(a, s.seconds), 0),
    byCommand: total.byCommand,
    findings: [...unique.values()],
    kernelDied,
    restarts,
    ...(sec ? { security: sec } : {}),
  };
}

/** The campaigns of `--suites`; throws a TypeError naming an unknown one. */
export function parseSuites(s: string): string[] {
  const list = s.split(",").map((x) => x.trim()).filter(Boolean);
  const bad = list.filter((x) => !["model", "raw", "race", "security"].includes(x));
  if (bad.length || !list.length) {
    throw new TypeError(`Invalid --suites "${s}": expected a list of model, raw, race, security`);
  }
  return list;
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
    "# udiag fuzz campaign",
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
      })`,
    );
  }
  if (s.kernelDied) lines.push("- a kernel died during the campaign (see the reports)");
  if (s.restarts) lines.push(`- VMs restarted after ending early: ${s.restarts}`);
  if (s.security) lines.push(`- security checks: ${s.security.tally} (${s.security.summary})`);
  return lines.join("\n") + "\n";
}

if (import.meta.main) {
  let o: FuzzOptions;
  try {
    const { values: v } = parseArgs({
      args: Deno.args,
      options: {
        target: { type: "string" },
        time: { type: "string", default: "120" },
        runs: { type: "string", default: "0" },
        seed: { type: "string" },
        jobs: { type: "string", default: "1" },
        shard: { type: "string", default: "1/1" },
        "max-commands": { type: "string", default: "30" },
        suites: { type: "string", default: "model,raw,race,security" },
        reports: { type: "string" },
        profile: { type: "string" },
        broken: { type: "string" },
        help: { type: "boolean" },
      },
    });
    if (v.help) {
      console.log(USAGE);
      Deno.exit(0);
    }
    const int = (name: string, s: string, min: number) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < min) {
        throw new TypeError(`Invalid --${name} "${s}": expected an integer >= ${min}`);
      }
      return n;
    };
    if (v.broken && !(BROKEN_VARIANTS as readonly string[]).includes(v.broken)) {
      throw new TypeError(`Unknown --broken "${v.broken}": expected ${BROKEN_VARIANTS.join(", ")}`);
    }
    o = {
      target: parseTarget(v.target),
      timeSeconds: int("time", v.time, 1),
      runs: int("runs", v.runs, 0),
      seed: v.seed === undefined
        ? Math.floor(Math.random() * 2 ** 31)
        : int("seed", v.seed, -(2 ** 31)),
      jobs: int("jobs", v.jobs, 1),
      shard: parseShard(v.shard),
      maxCommands: int("max-commands", v["max-commands"], 1),
      suites: parseSuites(v.suites),
      reportsDir: v.reports ?? `${ROOT}/reports`,
      ...(v.profile ? { profile: v.profile } : {}),
      ...(v.broken ? { broken: v.broken as BrokenVariant } : {}),
      progress: true,
    };
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    Deno.exit(2);
  }
  const s = await fuzz(o);
  const md = summaryMarkdown(s);
  await Deno.mkdir(`${ROOT}/out/fuzz`, { recursive: true });
  await Deno.writeTextFile(`${ROOT}/out/fuzz/summary.md`, md);
  await Deno.writeTextFile(`${ROOT}/out/fuzz/summary.json`, JSON.stringify(s, null, 2) + "\n");
  console.log(md);
  Deno.exit(s.kernelDied ? KERNEL_DIED_EXIT : s.findings.length ? 1 : 0);
}
