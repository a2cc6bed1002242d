/**
 * Concurrency fuzzing: rounds of several worker processes (abi/udiag/fuzz/race_worker.ts)
 * racing register/delete/write/close/mmap/tracefs on a shared pool of names.
 * After each round, with every worker gone, the device must be back where it
 * started (every name deletable, the page all zero) and the kernel must have
 * logged no report. fast-check's scheduler only reorders promises in one
 * thread; real kernel races need processes, hence workers.
 *
 * @module
 */
import { UdiagFile } from "../device.ts";
import { CaseFailure, type RoundCampaign } from "../../../fuzz/campaign.ts";

import { Tracefs } from "../../../harness/tracefs.ts";
import { DIAG_SYSTEM } from "../abi.ts";
import { RACE_POOL, type RaceViolation } from "./race_worker.ts";
import { ctraceEnv, recordJudge } from "../../../harness/ctrace/record.ts";

const WORKER = new URL("./race_worker.ts", import.meta.url).pathname;

/** What one round left: worker violations, events still held, page bytes still set. */
export interface RoundState {
  readonly ops: number;
  readonly violations: (RaceViolation & { worker: number })[];
  /** Names whose delete still failed after every worker exited: "c0: EBUSY". */
  readonly leaked: string[];
  /** Page indexes still non-zero after tracing stopped. */
  readonly dirtyPage: number[];
}

/** Runs the workers of one round and looks at what they left. */
async function runWorkers(seed: number, workers: number, ms: number): Promise<RoundState> {
  const outs = await Promise.all(
    Array.from({ length: workers }, (_, i) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-check", WORKER, "--seed", String(seed + i), "--ms", String(ms)],
        env: ctraceEnv("worker"),
        stdout: "piped",
        stderr: "piped",
      }).output()),
  );
  let ops = 0;
  const violations: RoundState["violations"] = [];
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
  const tracefs = new Tracefs(DIAG_SYSTEM);
  for (const n of RACE_POOL) tracefs.setEnabled(n, false);
  const ctl = UdiagFile.openOrThrow();
  const leaked: string[] = [];
  for (const n of RACE_POOL) {
    const r = ctl.delete(n);
    if (!r.ok && r.errno !== "ENOENT") leaked.push(`${n}: ${r.errno}`);
  }
  const page = ctl.mapPage();
  const dirtyPage = page.ok ? [...page.value.bytes()].flatMap((b, i) => (b ? [i] : [])) : [];
  if (page.ok && dirtyPage.length) {
    // The page read again, judged: what a C reproducer of the round checks.
    page.value.bytes();
    recordJudge(DIRTY_PAGE_TITLE, "non-zero bytes of the enable page after the round", "all zero");
  }
  if (page.ok) page.value.unmap();
  ctl.close();
  return { ops, violations, leaked, dirtyPage };
}

const DIRTY_PAGE_TITLE = "fuzz race: enable byte left set after tracing stopped";

const RACE_INVARIANT =
  "invariant: after racing processes exit, every event is deletable and the page is zero";

/** The oracle of a round: what it left that the ABI forbids, or null (pure). */
export function roundFailure(r: RoundState): CaseFailure | null {
  if (r.leaked.length) {
    return new CaseFailure(
      `After all workers exited, DIAG_IOCSDEL failed: ${r.leaked.join(", ")}`,
      {
        title: "fuzz race: event still held after every process exited (delete: EBUSY)",
        breaks: RACE_INVARIANT,
      },
    );
  }
  if (r.dirtyPage.length) {
    return new CaseFailure(`Page indexes still non-zero: ${r.dirtyPage.join(", ")}`, {
      title: DIRTY_PAGE_TITLE,
      breaks: RACE_INVARIANT,
    });
  }
  const v = r.violations[0];
  if (v) {
    const kind = v.op.slice(0, v.op.indexOf("(") < 0 ? undefined : v.op.indexOf("("));
    return new CaseFailure(
      r.violations.map((x) => `worker ${x.worker}: ${x.op} -> ${x.got}`).join("\n"),
      {
        title: `fuzz race: ${kind} returned ${v.got.replace(/\d+/g, "N")} while racing`,
        breaks: RACE_INVARIANT,
      },
    );
  }
  return null;
}

/** The operation log of a round (pure). */
export function roundLog(seed: number, workers: number, ms: number, r: RoundState): string[] {
  return [
    `${workers} processes x ${ms} ms, worker seeds ${seed}..${
      seed + workers - 1
    } (abi/udiag/fuzz/race_worker.ts)`,
    ...r.violations.map((x) => `worker ${x.worker}: ${x.op}  # ${x.got}`),
    ...r.leaked.map((l) =>
      `after exit: delete(${l.split(":")[0]})  # ${l.split(": ")[1]}, expected ok 0 or ENOENT`
    ),
  ];
}

/** The race campaign: rounds of 3 worker processes racing for 3 s. */
export const raceCampaign: RoundCampaign = {
  kind: "rounds",
  name: "race",
  workers: 3,
  ms: 3000,
  async round(seed, workers, ms) {
    const r = await runWorkers(seed, workers, ms);
    return { ops: r.ops, log: roundLog(seed, workers, ms, r), failure: roundFailure(r) };
  },
};
