/**
 * The fuzz campaign's guest side: `deno run -A fuzz/guest.ts --seed S --time T`
 * runs {@linkcode runCampaign} against /dev/udiag and sends progress and
 * findings over the results channel; `--replay SEED:PATH` replays one case.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  expectOnly,
  type FuzzFinding,
  type FuzzStats,
  lenientPage,
  newStats,
  replayCase,
  runCampaign,
  type Suite,
} from "./campaign.ts";
import { raceRound, roundFinding, runRaceCampaign } from "./race.ts";
import { KmsgReader } from "../harness/kmsg.ts";

import { DirtyDeviceError } from "./real.ts";
import { sendResult } from "../harness/channel.ts";
import { parseShares, SUITE_WEIGHT as WEIGHT } from "./shares.ts";

if (import.meta.main) {
  const { values: v } = parseArgs({
    args: Deno.args,
    options: {
      seed: { type: "string", default: "42" },
      time: { type: "string", default: "60" },
      cases: { type: "string", default: "0" },
      "max-commands": { type: "string", default: "30" },
      replay: { type: "string" },
      suites: { type: "string", default: "model,raw,race" },
      "replay-path": { type: "string", default: "" },
      "lenient-page": { type: "boolean", default: false },
      expect: { type: "string" },
      shares: { type: "string" },
    },
  });
  const int = (name: string, s: string) => {
    const n = Number(s);
    if (!Number.isInteger(n)) throw new TypeError(`Invalid --${name} "${s}": expected an integer`);
    return n;
  };
  const maxCommands = int("max-commands", v["max-commands"]);
  if (v.expect) expectOnly(v.expect);
  if (v.replay && v.suites === "race") {
    // A race is not deterministic: rerun its round up to 5 times.
    const m = /^(-?\d+):(\d+)x(\d+)$/.exec(v.replay);
    if (!m) throw new TypeError(`Invalid --replay "${v.replay}": expected SEED:WORKERSxMS`);
    using kmsg = KmsgReader.open() ?? undefined;
    for (let i = 1; i <= 5; i++) {
      const f = roundFinding(
        await raceRound(Number(m[1]), Number(m[2]), Number(m[3]), kmsg ?? null),
      );
      if (f) {
        sendResult({ event: "replay", failed: true, title: f.title, ops: [`try ${i}`] });
        console.log(`reproduced on try ${i}: ${f.title}`);
        Deno.exit(1);
      }
    }
    sendResult({ event: "replay", failed: false, title: null, ops: [] });
    console.log("did not reproduce in 5 tries");
    Deno.exit(0);
  }
  if (v.replay) {
    const m = /^(-?\d+):([\d:]+)$/.exec(v.replay);
    if (!m) throw new TypeError(`Invalid --replay "${v.replay}": expected SEED:PATH`);
    const suite = v.suites === "raw" ? "raw" : "model";
    if (v["lenient-page"]) lenientPage();
    const r = replayCase(Number(m[1]), m[2]!, v["replay-path"], maxCommands, suite);
    sendResult({ event: "replay", ...r });
    console.log(r.failed ? `reproduced: ${r.title}` : "did not reproduce");
    for (const op of r.ops) console.log(`  ${op}`);
    Deno.exit(r.failed ? 1 : 0);
  }
  const suites = v.suites.split(",").filter(Boolean);
  for (const su of suites) {
    if (!(su in WEIGHT)) {
      throw new TypeError(`Unknown suite "${su}": expected ${Object.keys(WEIGHT).join(", ")}`);
    }
  }
  // Time and cases are shared by weight, or by the host's --shares (seconds
  // per suite: what is left of each after earlier VMs of the run).
  const given = v.shares ? parseShares(v.shares) : null;
  const weight = (su: string) => given ? given[su] ?? 0 : WEIGHT[su]!;
  const total = suites.reduce((a, x) => a + weight(x), 0);
  const share = (su: string) => weight(su) / Math.max(total, 1e-9);
  const stats = newStats();
  const onProgress = (s: FuzzStats) => {
    sendResult({ event: "progress", ...s });
    console.log(
      `progress: ${s.cases} cases, ${s.ops} ops, ${
        (s.ops / Math.max(s.seconds, 0.001)).toFixed(0)
      } ops/s, ${s.findings} findings`,
    );
  };
  const onFinding = (f: FuzzFinding) => {
    sendResult({ ...f });
    console.log(
      `finding: ${f.title} (seed ${f.seed}, path ${f.path}, reproduced: ${f.reproduced})`,
    );
  };
  try {
    for (const su of suites) {
      sendResult({ event: "suite", suite: su, phase: "start" });
      if (su === "race") {
        await runRaceCampaign({
          seed: int("seed", v.seed),
          timeSeconds: Math.max(1, Math.round(int("time", v.time) * share(su))),
          stats,
          onProgress,
          onFinding,
        });
        sendResult({ event: "suite", suite: su, phase: "end" });
        continue;
      }
      runCampaign({
        suite: su as Suite,
        stats,
        seed: int("seed", v.seed),
        timeSeconds: Math.max(1, Math.round(int("time", v.time) * share(su))),
        maxCases: Math.round(int("cases", v.cases) * share(su)),
        maxCommands,
        onProgress,
        onFinding,
      });
      sendResult({ event: "suite", suite: su, phase: "end" });
    }
  } catch (e) {
    if (!(e instanceof DirtyDeviceError)) throw e;
    // The host restarts the VM and goes on with the next seed.
    sendResult({ event: "dirty", what: e.what });
    console.log(e.message);
    Deno.exit(4);
  }
  sendResult({ event: "summary", ...stats });
}
