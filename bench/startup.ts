/**
 * Deno's start-up in the guest, split (pure): the runtime alone
 * (`deno eval 0`) and what fuzz/guest.ts loads before its first case
 * (`--load-only`: the ABI plugin, its campaigns, fast-check, the canary),
 * from its source modules and from the one-file bundle the guest runs
 * (harness/vm/guest_bundle.ts). The difference to the runtime is the
 * modules' cost. bench/guest.ts runs the commands; results.ts renders the
 * summary.
 *
 * @module
 */
import { summarize, type Summary } from "./stats.ts";
import { bundlePath } from "../harness/vm/guest_bundle.ts";

/** Runs of each command: the first may still read Deno's code over 9p. */
export const STARTUP_RUNS = 3;

/** The commands, runtime first, as arguments to the guest's `deno`. */
export const STARTUP_COMMANDS = [
  { what: "runtime", args: ["eval", "0"] },
  { what: "fuzz-guest", args: ["run", "-A", "fuzz/guest.ts", "--abi", "udiag", "--load-only"] },
  {
    what: "fuzz-bundle",
    args: ["run", "-A", bundlePath("fuzz/guest.ts"), "--abi", "udiag", "--load-only"],
  },
] as const;

/** Samples one guest run sends: each command `STARTUP_RUNS` times. */
export const STARTUP_SAMPLES = STARTUP_COMMANDS.length * STARTUP_RUNS;

/** One timed command (a `bench-startup` results record). */
export interface StartupSample {
  readonly what: (typeof STARTUP_COMMANDS)[number]["what"];
  readonly run: number;
  /** Wall seconds from spawn to exit. */
  readonly seconds: number;
}

/** The commands summarized, and the modules' share as the difference of medians. */
export interface StartupSummary {
  readonly runtime: Summary;
  readonly fuzzGuest: Summary;
  /** Median of fuzz-guest less median of runtime, seconds. */
  readonly modules: number;
  /** The bundle's run; null in results from before it was measured. */
  readonly fuzzBundle: Summary | null;
  /** Median of fuzz-bundle less median of runtime, seconds; null with no bundle samples. */
  readonly bundleModules: number | null;
}

/**
 * The summary of `samples`; null when either command has none (pure).
 *
 * @example
 * ```ts
 * import { startupSummary } from "./startup.ts";
 * const s = startupSummary([
 *   { what: "runtime", run: 0, seconds: 3 },
 *   { what: "fuzz-guest", run: 0, seconds: 8 },
 * ]);
 * if (s?.modules !== 5) throw new Error();
 * ```
 */
export function startupSummary(samples: readonly StartupSample[]): StartupSummary | null {
  const of = (what: StartupSample["what"]) =>
    samples.filter((s) => s.what === what).map((s) => s.seconds);
  const runtime = of("runtime");
  const fuzzGuest = of("fuzz-guest");
  if (runtime.length === 0 || fuzzGuest.length === 0) return null;
  const r = summarize(runtime);
  const f = summarize(fuzzGuest);
  const bundle = of("fuzz-bundle");
  const b = bundle.length > 0 ? summarize(bundle) : null;
  return {
    runtime: r,
    fuzzGuest: f,
    modules: f.median - r.median,
    fuzzBundle: b,
    bundleModules: b ? b.median - r.median : null,
  };
}
