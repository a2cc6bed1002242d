/**
 * user_events' race campaign: rounds of several `ue_race` processes (C,
 * helpers/ue_race.c), each with threads sharing its mm, racing register,
 * unregister, ioctl delete, `u:`/`!u:` in dynamic_events, tracefs enable,
 * writes, close and fork on two event names. Every answer outside what the
 * ABI allows under concurrency is a violation; after the round, with every
 * process gone, both names must be deletable and gone from tracefs, and the
 * kernel must have logged no report (the engine reads the console). This is
 * where lookups that race deletes (the dyn_event delete race fixed in
 * 7e348b325bc4) and enabler lists copied by fork while threads change them
 * show up.
 *
 * @module
 */
import { CaseFailure, type RoundCampaign } from "../../../fuzz/campaign.ts";
import { Tracefs } from "../../../harness/tracefs.ts";
import { TRACEFS_ROOT, USER_EVENTS_SYSTEM } from "../abi.ts";
import { UserEventsFile } from "../client.ts";
import { UE_RACE_PATH } from "../helpers/build.ts";
import { deleteSettled } from "./real.ts";

/** The names ue_race fights over (`names[]` in ue_race.c). */
export const RACE_NAMES = ["race0", "race1"] as const;

/** Threads per racing process: they share its mm (its enabler list). */
export const RACE_THREADS = 2;

/** One violation a racing process reported. */
export interface RaceViolation {
  readonly worker: number;
  readonly op: string;
  readonly got: string;
}

/** What one round left behind. */
export interface RoundState {
  readonly ops: number;
  readonly violations: readonly RaceViolation[];
  /** Names that could not be deleted, with the errno: "race0: EBUSY". */
  readonly leaked: readonly string[];
}

/** Parses one ue_race process's output (pure); a process that printed no result is a violation. */
export function parseWorker(
  worker: number,
  code: number,
  stdout: string,
  stderr: string,
): { ops: number; violations: RaceViolation[] } {
  const last = stdout.trim().split("\n").at(-1) ?? "";
  try {
    const r = JSON.parse(last) as { ops: number; violations: { op: string; got: string }[] };
    if (typeof r.ops !== "number" || !Array.isArray(r.violations)) throw new Error("shape");
    return { ops: r.ops, violations: r.violations.map((v) => ({ worker, ...v })) };
  } catch {
    const why = stderr.trim().split("\n").at(-1) || "no output";
    return { ops: 0, violations: [{ worker, op: "process", got: `exit ${code}: ${why}` }] };
  }
}

const RACE_INVARIANT = "invariant: while processes race, every call answers what the ABI allows; " +
  "after they exit, every event they made can be deleted";

/** The oracle of a round (pure): what it left that the ABI forbids, or null. */
export function roundFailure(r: RoundState): CaseFailure | null {
  if (r.leaked.length) {
    return new CaseFailure(
      `After every racing process exited, DIAG_IOCSDEL failed: ${r.leaked.join(", ")}`,
      {
        title: "fuzz race: event still held after every process exited",
        breaks: RACE_INVARIANT,
        leavesState: true,
      },
    );
  }
  const v = r.violations[0];
  if (!v) return null;
  const kind = v.op.includes("(") ? v.op.slice(0, v.op.indexOf("(")) : v.op;
  return new CaseFailure(
    r.violations.map((x) => `process ${x.worker}: ${x.op} -> ${x.got}`).join("\n"),
    {
      title: `fuzz race: ${kind} returned ${v.got.replace(/\d+/g, "N")} while racing`,
      breaks: RACE_INVARIANT,
    },
  );
}

/** The operation log of a round (pure). */
export function roundLog(seed: number, workers: number, ms: number, r: RoundState): string[] {
  return [
    `${workers} processes x ${RACE_THREADS} threads x ${ms} ms, seeds ${seed}..${
      seed + workers - 1
    } (abi/user_events/helpers/ue_race.c)`,
    ...r.violations.map((x) => `process ${x.worker}: ${x.op}  # ${x.got}`),
    ...r.leaked.map((l) =>
      `after exit: delete(${l.split(":")[0]})  # ${l.split(": ")[1]}, expected ok or ENOENT`
    ),
  ];
}

async function runRound(seed: number, workers: number, ms: number): Promise<RoundState> {
  const outs = await Promise.all(
    Array.from({ length: workers }, (_, i) =>
      new Deno.Command(UE_RACE_PATH, {
        args: [String(seed + i), String(ms), String(RACE_THREADS)],
        stdout: "piped",
        stderr: "piped",
      }).output()),
  );
  let ops = 0;
  const violations: RaceViolation[] = [];
  const dec = new TextDecoder();
  outs.forEach((o, i) => {
    const r = parseWorker(i, o.code, dec.decode(o.stdout), dec.decode(o.stderr));
    ops += r.ops;
    violations.push(...r.violations);
  });
  return { ops, violations, leaked: cleanUp() };
}

/**
 * Stops tracing the names and deletes them, EBUSY retried for a while (the
 * last put is RCU-deferred); returns what could not be deleted.
 */
function cleanUp(): string[] {
  const tracefs = new Tracefs(USER_EVENTS_SYSTEM, TRACEFS_ROOT);
  for (const n of RACE_NAMES) tracefs.setEnabled(n, false);
  using ctl = UserEventsFile.openOrThrow();
  const leaked: string[] = [];
  for (const n of RACE_NAMES) {
    const r = deleteSettled(ctl, n);
    if (!r.ok && r.errno !== "ENOENT") leaked.push(`${n}: ${r.errno}`);
  }
  return leaked;
}

/** The race campaign: rounds of 3 processes of 2 threads racing for 3 s. */
export const raceCampaign: RoundCampaign = {
  kind: "rounds",
  name: "race",
  workers: 3,
  ms: 3000,
  async round(seed, workers, ms) {
    const r = await runRound(seed, workers, ms);
    return { ops: r.ops, log: roundLog(seed, workers, ms, r), failure: roundFailure(r) };
  },
};
