/**
 * Runs `fuzz/guest.ts` as a child for one suite and watches it from outside:
 * its results records go to a private file this probe reads as they come,
 * and the child's `/proc/<pid>/stat` (the whole process, and its main JS
 * thread) is read every 100 ms, so CPU time splits into user (the harness)
 * and system (the kernel) for the campaign's steady state, after Deno's
 * start-up. Runs in the guest.
 *
 * @module
 */
import { parseProcStat, type ProcTimes } from "./proc_stat.ts";
import type { ResultEvent } from "../harness/vm/runner.ts";
import { bundlePath } from "../harness/vm/guest_bundle.ts";

/** One reading of the child's CPU times. */
export interface StatSample {
  /** Seconds since the child was spawned. */
  readonly t: number;
  /** Results records the probe had read by then. */
  readonly records: number;
  readonly process: ProcTimes;
  /** The main thread only (`/proc/<pid>/task/<pid>/stat`): where the JS and FFI calls run. */
  readonly mainThread: ProcTimes;
}

/** A record of the child, with when the probe read it. */
export interface TimedResult {
  readonly t: number;
  readonly record: ResultEvent;
}

/** What one suite's run left. */
export interface FuzzProbeRun {
  readonly suite: string;
  readonly seed: number;
  readonly timeSeconds: number;
  readonly command: string[];
  readonly exitCode: number;
  readonly wallSeconds: number;
  readonly records: TimedResult[];
  readonly samples: StatSample[];
  /** The child's whole life from this process's cutime/cstime (getrusage(RUSAGE_CHILDREN)). */
  readonly childTotal: { readonly utime: number; readonly stime: number };
}

function readStat(path: string): ProcTimes | null {
  try {
    return parseProcStat(Deno.readTextFileSync(path));
  } catch {
    return null; // the child is gone
  }
}

function parseLines(text: string): ResultEvent[] {
  const out: ResultEvent[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const v = JSON.parse(line);
    if (v && typeof v === "object" && typeof v.event === "string") out.push(v);
  }
  return out;
}

/** Runs `deno run -A fuzz/guest.ts --suites <suite> --seed <seed> --time <s>` and watches it. */
export async function probeFuzz(
  suite: string,
  seed: number,
  timeSeconds: number,
  pollMs = 100,
): Promise<FuzzProbeRun> {
  const resultsFile = `${await Deno.makeTempDir({ prefix: "udiag-bench-" })}/results.jsonl`;
  await Deno.writeTextFile(resultsFile, "");
  const args = [
    "run",
    "-A",
    bundlePath("fuzz/guest.ts"),
    "--suites",
    suite,
    "--seed",
    String(seed),
    "--time",
    String(timeSeconds),
  ];
  const self0 = parseProcStat(await Deno.readTextFile("/proc/self/stat"));
  const t0 = performance.now();
  const since = () => (performance.now() - t0) / 1000;
  const child = new Deno.Command(Deno.execPath(), {
    args,
    env: { UDIAG_RESULTS: resultsFile },
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  let done = false;
  const status = child.status.then((s) => {
    done = true;
    return s;
  });
  const records: TimedResult[] = [];
  const samples: StatSample[] = [];
  let consumed = 0;
  const readNew = () => {
    const text = Deno.readTextFileSync(resultsFile);
    const end = text.lastIndexOf("\n") + 1;
    if (end > consumed) {
      const t = since();
      for (const record of parseLines(text.slice(consumed, end))) records.push({ t, record });
      consumed = end;
    }
  };
  while (!done) {
    readNew();
    const p = readStat(`/proc/${child.pid}/stat`);
    const m = readStat(`/proc/${child.pid}/task/${child.pid}/stat`);
    if (p && m && !done) {
      samples.push({ t: since(), records: records.length, process: p, mainThread: m });
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const { code } = await status;
  const wallSeconds = since();
  readNew();
  const self1 = parseProcStat(await Deno.readTextFile("/proc/self/stat"));
  await Deno.remove(resultsFile.replace(/\/results\.jsonl$/, ""), { recursive: true });
  return {
    suite,
    seed,
    timeSeconds,
    command: ["deno", ...args],
    exitCode: code,
    wallSeconds,
    records,
    samples,
    childTotal: { utime: self1.cutime - self0.cutime, stime: self1.cstime - self0.cstime },
  };
}
