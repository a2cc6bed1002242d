/**
 * Issue 17's table, row by row, from one benchmark run: what was measured
 * before the work began (2026-11-26), what this run measured, the goal, and
 * where the report shows the cost that remains. Pure: it reads a
 * {@linkcode BenchResults} and renders markdown.
 *
 * @module
 */
import type { BenchResults, FindMedian, MicroRow } from "./results.ts";
import { markdownTable } from "./stats.ts";

/** One row of the goals table. */
export interface GoalRow {
  readonly what: string;
  /** The figure issue 17 started from. */
  readonly before: string;
  /** This run's figure; null when the part that measures it did not run. */
  readonly now: string | null;
  readonly goal: string;
  /** Null: no goal, or not measured. */
  readonly met: boolean | null;
  /** Where the report shows what the remaining cost is made of. */
  readonly rest: string;
}

/** Goals the kernel builds are held to, in seconds. */
export const BUILD_GOALS = { cold: 360, patch: 90 } as const;
/** FFI/C at or above this meets the micro-benchmark goal. */
export const FFI_GOAL = 0.9;
/** Boot to the first case, host clock, seconds. */
export const BOOT_GOAL = 10;
/** The campaign's throughput on 2026-11-26, which the goal triples. */
export const CAMPAIGN_BEFORE = { modelCasesPerSecond: 7, opsPerSecond: 167 } as const;
export const CAMPAIGN_FACTOR = 3;

const LAYERS = "the layer table under the FFI/C table";

/** FFI/C of each mix (its median over the repeats), null for a mix that did not run. */
function ratios(rows: readonly MicroRow[], mixes: readonly string[]): (number | null)[] {
  return mixes.map((m) => rows.find((r) => r.mix === m)?.ratio?.median ?? null);
}

function ffiRow(
  rows: readonly MicroRow[],
  what: string,
  before: string,
  mixes: readonly string[],
  rest: string,
): GoalRow {
  const xs = ratios(rows, mixes);
  const measured = xs.filter((x): x is number => x !== null);
  return {
    what,
    before,
    now: measured.length ? xs.map((x) => x === null ? "–" : x.toFixed(2)).join(" / ") : null,
    goal: `≥ ${FFI_GOAL}`,
    met: measured.length === xs.length ? measured.every((x) => x >= FFI_GOAL) : null,
    rest,
  };
}

/**
 * The FFI call through the bare symbol against C with a second thread alive,
 * the two sides under the same kernel cost: the `write64_off_threads` mix,
 * which pairs them in each repeat (its median FFI/C), or null.
 */
export function likeForLike(rows: readonly MicroRow[]): number | null {
  return rows.find((r) => r.mix === "write64_off_threads")?.ratio?.median ?? null;
}

/**
 * The table's rows from a run (pure); `find` is the run's time-to-find
 * medians (`findMedians()`).
 *
 * @example
 * ```ts
 * import { goalRows } from "./goals.ts";
 * const r = { micro: { rows: [] }, fuzz: { rows: [] }, boot: { host: {} } };
 * // deno-lint-ignore no-explicit-any
 * const rows = goalRows(r as any, []);
 * if (rows.some((x) => x.now !== null)) throw new Error("nothing was measured");
 * ```
 */
export function goalRows(r: BenchResults, find: readonly FindMedian[]): GoalRow[] {
  const micro = r.micro.rows;
  const lfl = likeForLike(micro);
  const disabledRest = `${LAYERS}` + (lfl === null ? "" : `; the bare FFI call against C with ` +
    `a second thread (the kernel's cost every Deno process pays): ${lfl.toFixed(2)}`);
  const rows: GoalRow[] = [
    ffiRow(micro, "FFI/C, register/delete pair", "0.59", ["reg_del"], "the FFI/C table"),
    ffiRow(
      micro,
      "FFI/C, write 0/64/4096 B, event disabled",
      "0.27 / 0.16 / 0.20",
      ["write0_off", "write64_off", "write4096_off"],
      disabledRest,
    ),
    ffiRow(
      micro,
      "FFI/C, write 0/64/4048 B, event enabled",
      "0.21 / 0.70 / 0.64",
      ["write0_on", "write64_on", "write4048_on"],
      "the FFI/C table",
    ),
    ffiRow(micro, "FFI/C, enable-byte read", "0.019", ["enable_byte"], LAYERS),
  ];
  const boot = r.boot.host.after;
  const parts = ["kernelBoot", "guestSetup", "denoStartup"] as const;
  rows.push({
    what: "boot to first case (TCG, host clock)",
    before: "38 s",
    now: boot?.total
      ? `${boot.total.median.toFixed(1)} s (` +
        parts.map((k) => boot[k] ? boot[k]!.median.toFixed(1) : "–").join(" / ") + ")"
      : null,
    goal: `≤ ${BOOT_GOAL} s`,
    met: boot?.total ? boot.total.median <= BOOT_GOAL : null,
    rest: "the boot stages (kernel / set-up / Deno), the initcall table, Deno's start-up split",
  });
  const model = r.fuzz.rows.find((f) => f.suite === "model")?.total;
  const raw = r.fuzz.rows.find((f) => f.suite === "raw")?.total;
  const b = CAMPAIGN_BEFORE;
  const nowCampaign = [
    model
      ? `model ${model.casesPerSecond.toFixed(1)} cases/s ` +
        `(${(model.casesPerSecond / b.modelCasesPerSecond).toFixed(1)}×)`
      : null,
    raw
      ? `raw ${raw.opsPerSecond.toFixed(0)} ops/s ` +
        `(${(raw.opsPerSecond / b.opsPerSecond).toFixed(1)}×)`
      : null,
  ].filter((x) => x !== null);
  rows.push({
    what: "fuzz campaign, our module",
    before: `${b.modelCasesPerSecond} model cases/s, ${b.opsPerSecond} ops/s`,
    now: nowCampaign.length ? nowCampaign.join(", ") : null,
    goal: `${CAMPAIGN_FACTOR}×`,
    met: model ? model.casesPerSecond >= CAMPAIGN_FACTOR * b.modelCasesPerSecond : null,
    rest: "where a case's time goes, under the campaign table",
  });
  const cold = r.kernelBuild?.seconds ?? null;
  rows.push({
    what: "cold kernel build",
    before: "704 s",
    now: cold === null ? null : `${cold} s${r.kernelBuild?.inThisRun ? "" : " (recorded)"}`,
    goal: `≤ ${BUILD_GOALS.cold} s`,
    met: cold === null ? null : cold <= BUILD_GOALS.cold,
    rest: "what the cold build compiled, by directory",
  });
  rows.push({
    what: "kernel patch target from the cached tree",
    before: "–",
    now: r.kbuild ? `${r.kbuild.total.toFixed(1)} s` : null,
    goal: `≤ ${BUILD_GOALS.patch} s`,
    met: r.kbuild ? r.kbuild.total <= BUILD_GOALS.patch : null,
    rest: "the kernel build table",
  });
  rows.push({
    what: "time to find (median over seeds)",
    before: "–",
    now: find.length
      ? find.map((m) =>
        `${m.variant} ${
          m.medianSeconds === null ? `> ${m.timeSeconds} s` : `${m.medianSeconds.toFixed(1)} s`
        }`
      ).join(", ")
      : null,
    goal: "–",
    met: null,
    rest: "the time-to-find tables",
  });
  return rows;
}

/** The goals section (pure); empty when no row was measured. */
export function goalsSection(r: BenchResults, find: readonly FindMedian[]): string {
  const rows = goalRows(r, find).filter((x) => x.now !== null);
  if (rows.length === 0) return "";
  const met = (x: boolean | null) => x === null ? "–" : x ? "met" : "not met";
  return [
    "## Issue 17's goals, from this run",
    "",
    "Each row of the table the performance work began from (2026-11-26), as this run measured " +
    "it; a row is left out when its part did not run. Where a goal is not met, the last " +
    "column names the section below that shows what the remaining cost is made of.",
    "",
    markdownTable(
      ["what", "2026-11-26", "this run", "goal", "", "what the rest is"],
      rows.map((x) => [x.what, x.before, x.now!, x.goal, met(x.met), x.met ? "–" : x.rest]),
      ["left", "left", "left", "left", "left", "left"],
    ),
  ].join("\n");
}
