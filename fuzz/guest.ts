/**
 * The fuzz campaign's guest side:
 *
 *     deno run -A fuzz/guest.ts --abi NAME --seed S --time T [--suites a,b] [--shares a=60,b=20]
 *     deno run -A fuzz/guest.ts --abi NAME --replay FILE
 *     deno run -A fuzz/guest.ts --abi NAME --load-only
 *
 * runs the ABI's campaigns (fuzz/campaign.ts) against the target and sends
 * progress and findings over the results channel; `--replay` replays one
 * finding from a request file the host wrote (its replay.json and the title
 * it looks for), so nothing from replay.json passes through a shell.
 * `--load-only` loads what a run loads before its first case (the ABI, its
 * campaigns and canary) and exits 0: the benchmark times Deno's start-up
 * with it (bench/guest.ts).
 *
 * Exit status: 0 done, 1 a replay reproduced, 4 the target was left dirty
 * (the host goes on in a fresh VM).
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  type Campaign,
  Campaigner,
  DirtyTargetError,
  type FuzzFinding,
  type FuzzStats,
  type HealthProbe,
  newStats,
  type ReplayOutcome,
} from "./campaign.ts";
import { parseShares, type Weights } from "./shares.ts";
import { loadAbi } from "../abi/mod.ts";
import { sendResult } from "../harness/channel.ts";
import { HealthProber, type OpenCanary, probeProblems } from "../harness/health/probe.ts";
import { type FuzzCaseReplay, parseReplay, type RaceReplay } from "../harness/replay.ts";

/** The campaigns' health probe on `prober`. */
function probeWith(prober: HealthProber): HealthProbe {
  return (depth) => probeProblems(prober, depth);
}

/** Exit status when a case left the target dirty. */
export const DIRTY_EXIT = 4;

/** What the host asks a campaign run to do. */
export interface GuestCampaignOptions {
  readonly seed: number;
  readonly timeSeconds: number;
  /** Stop after this many cases in all (0 = time only). */
  readonly cases: number;
  readonly maxCommands: number;
  /** Campaign names, in the order they run. */
  readonly suites: readonly string[];
  /** Seconds per campaign (what is left of each after earlier VMs), or null: by weight. */
  readonly shares: Readonly<Record<string, number>> | null;
}

/** A replay the host asks for: the finding's replay.json and the title it must show. */
export interface ReplayRequest {
  readonly replay: FuzzCaseReplay | RaceReplay;
  readonly expect: string;
}

/** Each campaign's share (0..1) of the time and cases (pure). */
export function campaignShares(
  suites: readonly string[],
  weights: Weights,
  given: Readonly<Record<string, number>> | null,
): Map<string, number> {
  const weight = (su: string) => given ? given[su] ?? 0 : weights[su] ?? 1;
  const total = suites.reduce((a, x) => a + weight(x), 0);
  return new Map(suites.map((su) => [su, weight(su) / Math.max(total, 1e-9)]));
}

/** The campaigns named in `names`, in that order; throws a TypeError for an unknown one. */
export function pickCampaigns(all: readonly Campaign[], names: readonly string[]): Campaign[] {
  return names.map((n) => {
    const c = all.find((x) => x.name === n);
    if (!c) {
      throw new TypeError(
        `Unknown campaign "${n}": expected ${all.map((x) => x.name).join(", ")}`,
      );
    }
    return c;
  });
}

/**
 * Sends progress and findings to the host, and a line to the guest log;
 * each finding says how far the campaigns had come (`stats` since `t0`).
 */
function reporters(stats: FuzzStats, t0: number): {
  onProgress: (s: FuzzStats) => void;
  onFinding: (f: FuzzFinding) => void;
} {
  return {
    onProgress: (s) => {
      sendResult({ event: "progress", ...s });
      console.log(
        `progress: ${s.cases} cases, ${s.ops} ops, ${
          (s.ops / Math.max(s.seconds, 0.001)).toFixed(0)
        } ops/s, ${s.findings} findings`,
      );
    },
    onFinding: (f) => {
      const since = (t: number) => Math.round((t - t0) / 100) / 10;
      const now = Date.now();
      const foundAfter = {
        seconds: since(f.firstFailure?.at ?? now),
        cases: f.firstFailure?.cases ?? stats.cases,
        filedSeconds: since(now),
      };
      sendResult({ ...f, foundAfter });
      console.log(`finding: ${f.title} (${f.caseId}, reproduced: ${f.reproduced})`);
    },
  };
}

/**
 * Runs the campaigns one after the other, each for its share of the time;
 * returns the exit status ({@linkcode DIRTY_EXIT} when a case left the target dirty).
 */
export async function runCampaigns(
  o: GuestCampaignOptions,
  campaigns: readonly Campaign[],
  weights: Weights,
  opNames: readonly string[],
  canary: OpenCanary | null = null,
): Promise<number> {
  const shares = campaignShares(o.suites, weights, o.shares);
  const stats = newStats(opNames);
  const t0 = Date.now();
  using prober = new HealthProber(canary);
  using runner = new Campaigner({ health: probeWith(prober) });
  try {
    for (const c of pickCampaigns(campaigns, o.suites)) {
      const share = shares.get(c.name) ?? 0;
      const run = {
        seed: o.seed,
        timeSeconds: Math.max(1, Math.round(o.timeSeconds * share)),
        maxCases: Math.round(o.cases * share),
        maxCommands: o.maxCommands,
        stats,
        ...reporters(stats, t0),
      };
      sendResult({ event: "suite", suite: c.name, phase: "start" });
      if (c.kind === "rounds") await runner.runRounds(c, run);
      else runner.runCases(c, run);
      sendResult({ event: "suite", suite: c.name, phase: "end" });
    }
  } catch (e) {
    if (!(e instanceof DirtyTargetError)) throw e;
    sendResult({ event: "dirty", what: e.what });
    console.log(e.message);
    return DIRTY_EXIT;
  }
  sendResult({ event: "summary", ...stats });
  return 0;
}

/** Replays one finding; returns 1 when it reproduced, 0 when not. */
export async function replayFinding(
  req: ReplayRequest,
  campaigns: readonly Campaign[],
  canary: OpenCanary | null = null,
): Promise<number> {
  const [c] = pickCampaigns(campaigns, [req.replay.campaign]);
  using prober = new HealthProber(canary);
  using runner = new Campaigner({ expect: req.expect, health: probeWith(prober) });
  const r = req.replay;
  let out: ReplayOutcome;
  if (r.suite === "race") {
    if (c!.kind !== "rounds") throw new TypeError(`Campaign "${c!.name}" does not run rounds`);
    out = await runner.replayRound(c!, r);
  } else {
    if (c!.kind !== "cases") throw new TypeError(`Campaign "${c!.name}" does not run cases`);
    out = runner.replayCase(c!, r);
  }
  sendResult({ event: "replay", ...out });
  console.log(out.failed ? `reproduced: ${out.title}` : "did not reproduce");
  for (const op of out.ops) console.log(`  ${op}`);
  return out.failed ? 1 : 0;
}

/** Reads a replay request the host wrote; throws a TypeError naming what is wrong. */
export function parseReplayRequest(text: string): ReplayRequest {
  const v = JSON.parse(text) as { replay?: unknown; expect?: unknown };
  const replay = parseReplay(v.replay);
  if (replay.suite !== "fuzz" && replay.suite !== "race") {
    throw new TypeError(`A fuzz replay cannot replay suite "${replay.suite}"`);
  }
  if (typeof v.expect !== "string") throw new TypeError("A replay request needs a title to expect");
  return { replay, expect: v.expect };
}

function int(name: string, s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n)) throw new TypeError(`Invalid --${name} "${s}": expected an integer`);
  return n;
}

/** The guest's main: parses its flags (the host wrote them) and runs or replays. */
export async function main(args: readonly string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: [...args],
    options: {
      abi: { type: "string", default: "udiag" },
      seed: { type: "string", default: "42" },
      time: { type: "string", default: "60" },
      cases: { type: "string", default: "0" },
      "max-commands": { type: "string", default: "30" },
      suites: { type: "string" },
      shares: { type: "string" },
      replay: { type: "string" },
      "load-only": { type: "boolean" },
    },
    strict: true,
  });
  const abi = await loadAbi(v.abi);
  if (!abi.fuzz) throw new TypeError(`ABI "${abi.name}" has no fuzz campaigns`);
  const campaigns = await abi.fuzz.campaigns();
  const canary = (await abi.health?.canary()) ?? null;
  if (v["load-only"]) return 0;
  if (v.replay) {
    return await replayFinding(
      parseReplayRequest(await Deno.readTextFile(v.replay)),
      campaigns,
      canary,
    );
  }
  return await runCampaigns(
    {
      seed: int("seed", v.seed),
      timeSeconds: int("time", v.time),
      cases: int("cases", v.cases),
      maxCommands: int("max-commands", v["max-commands"]),
      suites: v.suites ? v.suites.split(",").filter(Boolean) : Object.keys(abi.fuzz.weights),
      shares: v.shares ? parseShares(v.shares) : null,
    },
    campaigns,
    abi.fuzz.weights,
    abi.fuzz.opNames,
    canary,
  );
}

if (import.meta.main) Deno.exit(await main(Deno.args));
