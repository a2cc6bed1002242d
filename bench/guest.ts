/**
 * The benchmark's guest side, started by `bench/run.ts` in one boot:
 *
 *     deno run -A bench/guest.ts --baseline out/bench/baseline --repeats 5 --seconds 1
 *
 * First Deno's start-up, split (`startup`): the runtime alone (`deno eval 0`)
 * and what fuzz/guest.ts loads before its first case (`--load-only`), from
 * its sources and from its bundle, each `STARTUP_RUNS` times (startup.ts). Then the fuzz campaign's throughput
 * (`fuzz/guest.ts` per suite, watched by `fuzz_probe.ts`), then the micro-benchmark: every mix on both sides,
 * Deno FFI and the C baseline, one after the other in each repeat, the side
 * that goes first alternating between repeats. Every sample goes to the host
 * as a results record.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { Tracefs } from "../harness/tracefs.ts";
import { DIAG_SYSTEM } from "../abi/udiag/abi.ts";
import { type Mix, mixById, MIXES, type MixSample } from "./mixes.ts";
import { runFfiMix } from "./ffi_mixes.ts";
import { probeFuzz } from "./fuzz_probe.ts";
import { STARTUP_COMMANDS, STARTUP_RUNS } from "./startup.ts";
import { capture } from "../harness/proc.ts";

let port: Deno.FsFile | null | undefined;

/**
 * Sends one record over the results port. Not harness/channel.ts'
 * `sendResult()`: the guest's virtio console takes at most 32 KiB per
 * write(2) and `sendResult()` writes once, so a larger record (a fuzz run
 * with its CPU samples) would be torn.
 */
function emit(record: { event: string } & Record<string, unknown>): void {
  if (port === undefined) {
    const path = Deno.env.get("UDIAG_RESULTS");
    port = path ? Deno.openSync(path, { write: true }) : null;
  }
  if (!port) return;
  const bytes = new TextEncoder().encode(JSON.stringify(record) + "\n");
  for (let off = 0; off < bytes.length;) off += port.writeSync(bytes.subarray(off));
}

function uptime(): number {
  return Number(Deno.readTextFileSync("/proc/uptime").split(" ")[0]);
}

/**
 * kmemleak's thread scans all memory 60 s after boot and every 10 min after;
 * under KASAN on TCG a scan takes seconds of one vCPU and would land in one
 * sample. Switched off for the measurement (our runs scan after the command).
 */
function stopKmemleakThread(): boolean {
  try {
    Deno.writeTextFileSync("/sys/kernel/debug/kmemleak", "scan=off");
    return true;
  } catch {
    return false;
  }
}

async function runC(
  baseline: string,
  mix: Mix,
  seconds: number,
  warmup: number,
  repeat: number,
): Promise<MixSample> {
  const { code, stdout, stderr } = await new Deno.Command(baseline, {
    args: [mix.id, String(seconds), String(warmup), String(repeat), String(mix.batch)],
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  if (code !== 0) {
    throw new Error(
      `Baseline "${mix}" failed with exit code ${code}: ${dec.decode(stderr).trim()}`,
    );
  }
  return JSON.parse(dec.decode(stdout)) as MixSample;
}

/** Wall seconds of one `deno` command, which must succeed. */
async function timeDeno(args: readonly string[]): Promise<number> {
  const t0 = performance.now();
  await capture(Deno.execPath(), args);
  return (performance.now() - t0) / 1000;
}

function number(name: string, s: string): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0) {
    throw new TypeError(`Invalid --${name} "${s}": expected a non-negative number`);
  }
  return n;
}

if (import.meta.main) {
  const { values: v } = parseArgs({
    args: Deno.args,
    options: {
      baseline: { type: "string", default: "out/bench/baseline" },
      repeats: { type: "string", default: "5" },
      seconds: { type: "string", default: "1" },
      warmup: { type: "string", default: "0.5" },
      mixes: { type: "string", default: MIXES.map((m) => m.id).join(",") },
      "fuzz-seconds": { type: "string", default: "20" },
      seed: { type: "string", default: "1" },
      suites: { type: "string", default: "model,raw" },
      parts: { type: "string", default: "startup,fuzz,micro" },
    },
  });
  const repeats = number("repeats", v.repeats);
  const seconds = number("seconds", v.seconds);
  const warmup = number("warmup", v.warmup);
  const fuzzSeconds = number("fuzz-seconds", v["fuzz-seconds"]);
  const seed = number("seed", v.seed);
  const mixes = v.mixes.split(",").filter(Boolean).map(mixById);
  const parts = v.parts.split(",");
  emit({
    event: "bench-guest",
    release: Deno.osRelease(),
    uptime: uptime(),
    kmemleakThreadOff: stopKmemleakThread(),
    cpus: navigator.hardwareConcurrency,
  });

  if (parts.includes("startup")) {
    for (let run = 0; run < STARTUP_RUNS; run++) {
      for (const c of STARTUP_COMMANDS) {
        const seconds = await timeDeno(c.args);
        emit({ event: "bench-startup", uptime: uptime(), what: c.what, run, seconds });
        console.log(`bench: start-up ${c.what} run ${run}: ${seconds.toFixed(2)} s`);
      }
    }
  }

  if (parts.includes("fuzz")) {
    for (const suite of v.suites.split(",").filter(Boolean)) {
      console.log(`bench: fuzz/guest.ts --suites ${suite} --seed ${seed} --time ${fuzzSeconds}`);
      const run = await probeFuzz(suite, seed, fuzzSeconds);
      emit({ event: "bench-fuzz", uptime: uptime(), ...run });
      if (run.exitCode !== 0) {
        console.log(`bench: fuzz/guest.ts exited ${run.exitCode}`);
        Deno.exit(1);
      }
    }
  }

  if (parts.includes("micro")) {
    const tracefs = new Tracefs(DIAG_SYSTEM);
    for (let r = 0; r < repeats; r++) {
      for (const mix of mixes) {
        // The side that runs first alternates, so neither always gets the warmer kernel.
        const sides = r % 2 === 0 ? ["ffi", "c"] as const : ["c", "ffi"] as const;
        for (const side of sides) {
          // Enabled mixes start from an empty trace buffer on both sides.
          if (mix.enabled) tracefs.clear();
          const s = side === "ffi"
            ? runFfiMix(mix, seconds, warmup, r)
            : await runC(v.baseline, mix, seconds, warmup, r);
          emit({ event: "bench-sample", uptime: uptime(), ...s });
          console.log(
            `bench: repeat ${r} ${mix.id} ${side}: ${(s.ops / s.seconds).toFixed(0)} ops/s${
              s.errors ? `, ${s.errors} unexpected results: ${s.unexpected?.join("; ")}` : ""
            }`,
          );
        }
      }
    }
  }
  emit({ event: "bench-done", uptime: uptime() });
}
