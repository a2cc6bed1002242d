/**
 * Files what the health probe found after rules and checks (host side): one
 * finding per title, replayed by rerunning the rule or check that left the
 * consumer broken (the probe runs after it again).
 *
 * @module
 */
import { saveFinding } from "../report/store.ts";
import type { ReplayBase } from "../replay.ts";
import type { HealthEvent } from "./after_case.ts";
import { HEALTH_INVARIANT, healthLines } from "./health.ts";

/** What every health finding of one suite run shares. */
export interface HealthFiling {
  readonly reportsDir: string;
  /** The replay's common part, of kind "health" (`replayBase(subject, "health")`). */
  readonly base: ReplayBase;
  /** The guest's log of the run. */
  readonly log: string;
  readonly env: Record<string, unknown>;
}

/** The finding's report text (pure): the case, then each problem. */
export function healthReport(h: HealthEvent): string {
  return [
    `After ${h.suite} ${h.id} returned, a trace consumer no longer worked:`,
    ...healthLines(h.problems).map((l) => `  ${l}`),
    "",
    "The probe pins itself to each online CPU in turn, writes the ABI's canary event and a",
    "trace_marker line, and reads that CPU's trace_pipe_raw back, with perf counters on the",
    "event and on the task counting across (harness/health/probe.ts).",
  ].join("\n") + "\n";
}

/** Files each event; the folders, in order. */
export async function fileHealthFindings(
  events: readonly HealthEvent[],
  f: HealthFiling,
): Promise<string[]> {
  const dirs: string[] = [];
  for (const h of events) {
    const replay = h.suite === "security"
      ? { ...f.base, suite: "security" as const, check: h.id }
      : { ...f.base, suite: "conformance" as const, rule: h.id };
    const saved = await saveFinding(f.reportsDir, {
      title: h.title,
      kind: "health",
      type: "HEALTH",
      report: healthReport(h),
      log: f.log,
      case: `${h.suite}/${h.id}`,
      breaks: HEALTH_INVARIANT,
      repro: [`# run ${h.suite} ${h.id}, then the health probe`, ...healthLines(h.problems)]
        .join("\n"),
      replay,
      env: f.env,
    });
    console.error(`udiag-fuzz: ${h.title} -> ${saved.dir}`);
    dirs.push(saved.dir);
  }
  return dirs;
}
