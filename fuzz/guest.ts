/**
 * The fuzz campaign's guest side: `deno run -A fuzz/guest.ts --seed S --time T`
 * runs {@linkcode runCampaign} against /dev/udiag and sends progress and
 * findings over the results channel; `--replay SEED:PATH` replays one case.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { replayCase, runCampaign } from "./campaign.ts";
import { DirtyDeviceError } from "./real.ts";
import { sendResult } from "../harness/channel.ts";

if (import.meta.main) {
  const { values: v } = parseArgs({
    args: Deno.args,
    options: {
      seed: { type: "string", default: "42" },
      time: { type: "string", default: "60" },
      cases: { type: "string", default: "0" },
      "max-commands": { type: "string", default: "30" },
      replay: { type: "string" },
      "replay-path": { type: "string", default: "" },
    },
  });
  const int = (name: string, s: string) => {
    const n = Number(s);
    if (!Number.isInteger(n)) throw new TypeError(`Invalid --${name} "${s}": expected an integer`);
    return n;
  };
  const maxCommands = int("max-commands", v["max-commands"]);
  if (v.replay) {
    const m = /^(-?\d+):([\d:]+)$/.exec(v.replay);
    if (!m) throw new TypeError(`Invalid --replay "${v.replay}": expected SEED:PATH`);
    const r = replayCase(Number(m[1]), m[2]!, v["replay-path"], maxCommands);
    sendResult({ event: "replay", ...r });
    console.log(r.failed ? `reproduced: ${r.title}` : "did not reproduce");
    for (const op of r.ops) console.log(`  ${op}`);
    Deno.exit(r.failed ? 1 : 0);
  }
  let stats;
  try {
    stats = runCampaign({
      seed: int("seed", v.seed),
      timeSeconds: int("time", v.time),
      maxCases: int("cases", v.cases),
      maxCommands,
      onProgress: (s) => {
        sendResult({ event: "progress", ...s });
        console.log(
          `progress: ${s.cases} cases, ${s.ops} ops, ${
            (s.ops / Math.max(s.seconds, 0.001)).toFixed(0)
          } ops/s, ${s.findings} findings`,
        );
      },
      onFinding: (f) => {
        sendResult({ ...f });
        console.log(
          `finding: ${f.title} (seed ${f.seed}, path ${f.path}, reproduced: ${f.reproduced})`,
        );
      },
    });
  } catch (e) {
    if (!(e instanceof DirtyDeviceError)) throw e;
    // The host restarts the VM and goes on with the next seed.
    sendResult({ event: "dirty", events: e.events });
    console.log(e.message);
    Deno.exit(4);
  }
  sendResult({ event: "summary", ...stats });
}
