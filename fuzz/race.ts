/**
 * Concurrency fuzzing: rounds of several worker processes (fuzz/race_worker.ts)
 * racing register/delete/write/close/mmap/tracefs on a shared pool of names.
 * After each round, with every worker gone, the device must be back where it
 * started (every name deletable, the page all zero) and the kernel must have
 * logged no report. fast-check's scheduler only reorders promises in one
 * thread; real kernel races need processes, hence workers.
 *
 * @module
 */
import { UdiagFile } from "../harness/device.ts";
import { KmsgReader, markCase } from "../harness/kmsg.ts";

import { Tracefs } from "../harness/tracefs.ts";
import { RACE_POOL, type RaceViolation } from "./race_worker.ts";
import { fileTitle, type FuzzFinding, type FuzzStats, newReport } from "./campaign.ts";

const WORKER = new URL("./race_worker.ts", import.meta.url).pathname;

/** What one round showed. */
export interface RoundResult {
  readonly ops: number;
  readonly violations: (RaceViolation & { worker: number })[];
  /** Names whose delete still failed after every worker exited: "c0: EBUSY". */
  readonly leaked: string[];
  /** Page indexes still non-zero after tracing stopped. */
  readonly dirtyPage: number[];
  readonly crash: { title: string; type: string; report: string } | null;
}

/** Runs one round: `workers` processes for `ms` ms, seeds `seed`, `seed+1`, … */
export async function raceRound(
  seed: number,
  workers: number,
  ms: number,
  kmsg: KmsgReader | null,
): Promise<RoundResult> {
  kmsg?.drain();
  const outs = await Promise.all(
    Array.from({ length: workers }, (_, i) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-check", WORKER, "--seed", String(seed + i), "--ms", String(ms)],
        stdout: "piped",
        stderr: "piped",
      }).output()),
  );
  let ops = 0;
  const violations: RoundResult["violations"] = [];
  outs.forEach((o, worker) => {
    const text = new TextDecoder().decode(o.stdout).trim();
    try {
      const r = JSON.parse(text.split("\n").at(-1) ?? "");
      ops += r.ops;
      for (const v of r.violations) violations.push({ ...v, worker });
    } catch {
      violations.push({
        worker,
        op: "worker",
        got: `exit ${o.code}: ${new TextDecoder().decode(o.stderr).trim().split("\n").at(-1)}`,
      });
    }
  });
  const tracefs = new Tracefs();
  for (const n of RACE_POOL) tracefs.setEnabled(n, false);
  const ctl = UdiagFile.openOrThrow();
  const leaked: string[] = [];
  for (const n of RACE_POOL) {
    const r = ctl.delete(n);
    if (!r.ok && r.errno !== "ENOENT") leaked.push(`${n}: ${r.errno}`);
  }
  const page = ctl.mapPage();
  const dirtyPage = page.ok ? [...page.value.bytes()].flatMap((b, i) => (b ? [i] : [])) : [];
  if (page.ok) page.value.unmap();
  ctl.close();
  const crash = newReport(kmsg?.drain() ?? "");
  return {
    ops,
    violations,
    leaked,
    dirtyPage,
    crash: crash && { title: crash.title, type: crash.kind, report: crash.report },
  };
}

/** The finding of a round, or null when it was clean (pure). */
export function roundFinding(
  r: RoundResult,
): { title: string; type: string; report: string } | null {
  if (r.crash) return r.crash;
  if (r.leaked.length) {
    return {
      title: "fuzz race: event still held after every process exited (delete: EBUSY)",
      type: "MISMATCH",
      report: `After all workers exited, DIAG_IOCSDEL failed: ${r.leaked.join(", ")}`,
    };
  }
  if (r.dirtyPage.length) {
    return {
      title: "fuzz race: enable byte left set after tracing stopped",
      type: "MISMATCH",
      report: `Page indexes still non-zero: ${r.dirtyPage.join(", ")}`,
    };
  }
  const v = r.violations[0];
  if (v) {
    const kind = v.op.slice(0, v.op.indexOf("(") < 0 ? undefined : v.op.indexOf("("));
    return {
      title: `fuzz race: ${kind} returned ${v.got.replace(/\d+/g, "N")} while racing`,
      type: "MISMATCH",
      report: r.violations.map((x) => `worker ${x.worker}: ${x.op} -> ${x.got}`).join("\n"),
    };
  }
  return null;
}

/** Rounds until the time budget ends; findings and progress go to the callbacks. */
export async function runRaceCampaign(o: {
  seed: number;
  timeSeconds: number;
  stats: FuzzStats;
  workers?: number;
  roundMs?: number;
  onFinding?: (f: FuzzFinding) => void;
  onProgress?: (s: FuzzStats) => void;
}): Promise<void> {
  const workers = o.workers ?? 3;
  const ms = o.roundMs ?? 3000;
  const started = Date.now();
  const startSeconds = o.stats.seconds;
  using kmsg = KmsgReader.open() ?? undefined;
  for (let k = 0; Date.now() - started < o.timeSeconds * 1000; k++) {
    const seed = (o.seed + k * workers) | 0;
    const caseId = `race/${seed}/${workers}x${ms}`;
    markCase("fuzz", caseId, "start");
    const r = await raceRound(seed, workers, ms, kmsg ?? null);
    markCase("fuzz", caseId, "end");
    o.stats.cases++;
    o.stats.ops += r.ops;
    o.stats.byCommand.race = (o.stats.byCommand.race ?? 0) + r.ops;
    o.stats.seeds.push(seed);
    o.stats.seconds = startSeconds + (Date.now() - started) / 1000;
    const f = roundFinding(r);
    if (f) {
      o.stats.findings++;
      if (r.crash) fileTitle(r.crash.title);
      o.onFinding?.({
        event: "finding",
        ...f,
        seed,
        path: `${workers}x${ms}`,
        replayPath: "",
        caseId,
        ops: [
          `${workers} processes x ${ms} ms, worker seeds ${seed}..${
            seed + workers - 1
          } (fuzz/race_worker.ts)`,
          ...r.violations.map((x) => `worker ${x.worker}: ${x.op}  # ${x.got}`),
          ...r.leaked.map((l) =>
            `after exit: delete(${l.split(":")[0]})  # ${l.split(": ")[1]}, expected ok 0 or ENOENT`
          ),
        ],
        error: f.report,
        // A race is not deterministic: replay reruns the round (deno task repro).
        reproduced: false,
      });
    }
    o.onProgress?.(o.stats);
  }
}
