/**
 * One verdict per mutant from several runs' `results.json` (pure), for
 * `deno task mutate --from`: a target whose mutants take hours each run (the
 * RFC's) is finished over several runs, each of the mutants the last left
 * open, and its score is that of the latest verdict of each mutant. The
 * judgments of equivalence are applied afresh (a judgment withdrawn since
 * makes its mutant a survivor again), and the object code decides
 * duplicates: two mutants with the same code share the verdict of the first,
 * and where their runs disagreed the run, not the code, made the difference.
 *
 * @module
 */
import type { Mutant } from "./operators.ts";
import type { KilledBy, MutantResult, MutantStatus, VoidedKill } from "./results.ts";
import { TCE_REASON } from "./tce.ts";

/** A mutant's verdict as one run's results.json has it, and which run. */
export interface PastVerdict {
  /** The run: its results.json's path, as given. */
  readonly run: string;
  readonly date: string;
  readonly status: MutantStatus;
  readonly killedBy?: KilledBy;
  readonly equivalentReason?: string;
  readonly buildError?: string;
  readonly voided?: readonly VoidedKill[];
}

/** One run's results.json, as read: its path and parsed text. */
export interface PastRun {
  readonly path: string;
  readonly doc: unknown;
}

/**
 * The latest verdict of each mutant over `runs` (by each run's date; a
 * later run's verdict replaces an earlier one's). Throws a TypeError naming
 * the file and field that is wrong.
 *
 * @example
 * ```ts
 * import { latestVerdicts } from "./combine.ts";
 * const run = (date: string, status: string) => ({
 *   path: date, doc: { date, results: [{ id: "0b63834f", status }] },
 * });
 * const v = latestVerdicts([run("2026-12-04", "killed"), run("2026-12-01", "survived")]);
 * if (v.get("0b63834f")?.status !== "killed") throw new Error();
 * ```
 */
export function latestVerdicts(runs: readonly PastRun[]): Map<string, PastVerdict> {
  const parsed = runs.map(({ path, doc }) => {
    const d = doc as { date?: unknown; results?: unknown };
    if (typeof d?.date !== "string" || Number.isNaN(Date.parse(d.date))) {
      throw new TypeError(`${path}: no date: not a results.json of deno task mutate`);
    }
    if (!Array.isArray(d.results)) throw new TypeError(`${path}: no "results" array`);
    return { path, date: d.date, results: d.results as Record<string, unknown>[] };
  }).sort((a, b) => Date.parse(a.date) - Date.parse(b.date));
  const out = new Map<string, PastVerdict>();
  for (const { path, date, results } of parsed) {
    results.forEach((r, i) => {
      if (typeof r?.id !== "string" || typeof r.status !== "string") {
        throw new TypeError(`${path}: results[${i}] has no id or status`);
      }
      const { killedBy, equivalentReason, buildError, voided } = r as Partial<PastVerdict>;
      out.set(r.id, {
        run: path,
        date,
        status: r.status as MutantStatus,
        ...(killedBy ? { killedBy } : {}),
        ...(equivalentReason ? { equivalentReason } : {}),
        ...(buildError ? { buildError } : {}),
        ...(voided ? { voided } : {}),
      });
    });
  }
  return out;
}

/**
 * A past verdict as a result before this run's judgments: a judgment of
 * equivalence a run applied is taken off (the current file judges again),
 * and one the compiler made is left to the compiler.
 */
function asRun(mutant: Mutant, v: PastVerdict): MutantResult {
  const run = { run: v.run };
  switch (v.status) {
    case "killed":
      return {
        mutant,
        status: "killed",
        ...(v.killedBy ? { killedBy: v.killedBy } : {}),
        ...(v.voided ? { voided: v.voided } : {}),
        ...run,
      };
    case "did-not-build":
      return { mutant, status: "did-not-build", buildError: v.buildError ?? "", ...run };
    case "timed-out":
      return { mutant, status: "timed-out", ...(v.voided ? { voided: v.voided } : {}), ...run };
    // Judged then (by a file or by the compiler); a survivor of its run either way.
    case "equivalent":
    case "survived":
      return { mutant, status: "survived", ...(v.voided ? { voided: v.voided } : {}), ...run };
    case "duplicate":
      throw new TypeError(`${v.run}: ${mutant.id} is a duplicate there: its run has no verdict`);
  }
}

/** The combined verdicts, and what a reader must not miss. */
export interface Combined {
  /** In `mutants`' order; not yet judged against an equivalents file. */
  readonly results: readonly MutantResult[];
  /** Runs that disagreed on mutants of the same code. */
  readonly warnings: readonly string[];
}

/**
 * Each of `mutants` with its latest past verdict, where its object code (see
 * tce.ts) does not decide: a mutant of the target's code is equivalent, a
 * duplicate takes the verdict of its class's first mutant. A mutant no run
 * has a verdict for is an error, named with the others missing.
 *
 * @example
 * ```ts
 * import { combineVerdicts } from "./combine.ts";
 * const m = (id: string) => ({ id }) as never;
 * const past = new Map([
 *   ["a", { run: "r1", date: "d", status: "survived" as const }],
 *   ["b", { run: "r2", date: "d", status: "killed" as const }],
 * ]);
 * const c = combineVerdicts([m("a"), m("b")], past, {
 *   equivalent: new Set(), duplicateOf: new Map([["b", "a"]]),
 * });
 * if (c.results[1]!.status !== "duplicate" || c.warnings.length !== 1) throw new Error();
 * if (c.results[0]!.status !== "survived") throw new Error();
 * ```
 */
export function combineVerdicts(
  mutants: readonly Mutant[],
  past: ReadonlyMap<string, PastVerdict>,
  code: {
    readonly equivalent: ReadonlySet<string>;
    readonly duplicateOf: ReadonlyMap<string, string>;
  },
): Combined {
  const missing = mutants.filter((m) =>
    !code.equivalent.has(m.id) && !code.duplicateOf.has(m.id) && !past.has(m.id)
  );
  if (missing.length) {
    throw new TypeError(
      `no run given has a verdict for ${missing.map((m) => m.id).join(", ")}: run them first`,
    );
  }
  // A class's verdict: its first mutant's, unless a run of the same code did
  // not kill it; a kill that the same code did not repeat is the run's noise.
  const members = new Map<string, Mutant[]>();
  for (const m of mutants) {
    const rep = code.duplicateOf.get(m.id);
    if (rep !== undefined) members.set(rep, [...members.get(rep) ?? [], m]);
  }
  const said = (id: string, v: PastVerdict) =>
    `${id} ${v.status}${v.killedBy ? ` by "${v.killedBy.finding}"` : ""} in ${v.run}`;
  const warnings: string[] = [];
  const byId = new Map<string, MutantResult>();
  for (const m of mutants) {
    if (code.equivalent.has(m.id)) {
      byId.set(m.id, { mutant: m, status: "equivalent", equivalentReason: TCE_REASON });
      continue;
    }
    if (code.duplicateOf.has(m.id)) continue;
    const own = past.get(m.id)!;
    const others = (members.get(m.id) ?? []).flatMap((d) => {
      const v = past.get(d.id);
      return v ? [{ id: d.id, v }] : [];
    });
    const unkilled = [{ id: m.id, v: own }, ...others].find((x) => x.v.status !== "killed");
    const disagree = others.some((x) => (x.v.status === "killed") !== (own.status === "killed"));
    if (disagree) {
      warnings.push(
        `${m.id} and ${others.map((x) => x.id).join(", ")} compile to the same code, yet the ` +
          `runs disagreed (${
            [{ id: m.id, v: own }, ...others].map((x) => said(x.id, x.v)).join("; ")
          }):` +
          ` the kill came from the run, and the class counts as ${unkilled!.v.status}`,
      );
    }
    byId.set(m.id, asRun(m, disagree ? unkilled!.v : own));
  }
  for (const m of mutants) {
    const rep = code.duplicateOf.get(m.id);
    if (rep === undefined) continue;
    byId.set(m.id, {
      mutant: m,
      status: "duplicate",
      duplicateOf: { id: rep, status: byId.get(rep)!.status },
    });
  }
  return { results: mutants.map((m) => byId.get(m.id)!), warnings };
}
