/**
 * Mutants judged equivalent to the original, with the reason (pure): a file
 * per target under `mutate/equivalent/`, read by `deno task mutate`. A
 * survivor listed there is reported as `equivalent` with its reason; a
 * listed mutant the suites kill stays killed, and the run says the judgment
 * was wrong. An entry names the mutant by id and by the line it mutates, so
 * an entry left behind by a changed source is reported as stale, not
 * silently matched.
 *
 * @module
 */
import type { Mutant } from "./operators.ts";
import type { MutantResult } from "./results.ts";

/** One judgment. */
export interface Equivalence {
  /** The mutant's id (operators.ts: stable while the source line is). */
  readonly id: string;
  /** The mutated line, as the mutant has it (checked: a stale entry is an error). */
  readonly mutated: string;
  /** Why the mutant behaves as the original, for a reviewer to check. */
  readonly reason: string;
}

/**
 * Parses an equivalents file: a JSON array of {@linkcode Equivalence}.
 * Throws a TypeError naming the entry and field that is wrong.
 *
 * @example
 * ```ts
 * import { parseEquivalents } from "./equivalent.ts";
 * const [e] = parseEquivalents('[{"id":"0b63834f","mutated":"","reason":"r"}]', "f.json");
 * if (e!.id !== "0b63834f") throw new Error();
 * ```
 */
export function parseEquivalents(text: string, file: string): Equivalence[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new TypeError(`${file}: not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(doc)) throw new TypeError(`${file}: expected an array of judgments`);
  const seen = new Set<string>();
  return doc.map((e: Record<string, unknown>, i) => {
    for (const k of ["id", "mutated", "reason"] as const) {
      if (typeof e?.[k] !== "string") throw new TypeError(`${file}[${i}]: "${k}" must be a string`);
    }
    const id = e.id as string;
    if (!/^[0-9a-f]{8}$/.test(id)) {
      throw new TypeError(`${file}[${i}]: id "${id}" is not 8 hex digits`);
    }
    if ((e.reason as string).trim() === "") throw new TypeError(`${file}[${i}]: empty reason`);
    if (seen.has(id)) throw new TypeError(`${file}[${i}]: id ${id} listed twice`);
    seen.add(id);
    return { id, mutated: e.mutated as string, reason: e.reason as string };
  });
}

/**
 * The judgments that name no mutant of `all` (the source changed under them),
 * as messages. Checked before anything runs.
 *
 * @example
 * ```ts
 * import { staleEquivalents } from "./equivalent.ts";
 * const m = { id: "0b63834f", mutated: "x" } as never;
 * const stale = staleEquivalents([{ id: "0b63834f", mutated: "y", reason: "r" }], [m]);
 * if (stale.length !== 1) throw new Error();
 * ```
 */
export function staleEquivalents(
  list: readonly Equivalence[],
  all: readonly Pick<Mutant, "id" | "mutated">[],
): string[] {
  const byId = new Map(all.map((m) => [m.id, m]));
  return list.flatMap((e) => {
    const m = byId.get(e.id);
    if (!m) return [`${e.id}: no such mutant of this source`];
    if (m.mutated !== e.mutated) {
      return [`${e.id}: the mutant now reads "${m.mutated.trim()}", not "${e.mutated.trim()}"`];
    }
    return [];
  });
}

/**
 * `r` with the judgment applied: a survivor (or timed-out mutant) listed as
 * equivalent becomes `equivalent`; anything else is left as it is.
 *
 * @example
 * ```ts
 * import { judge } from "./equivalent.ts";
 * const r = judge({ mutant: { id: "0b63834f" } as never, status: "survived" },
 *   [{ id: "0b63834f", mutated: "", reason: "same" }]);
 * if (r.status !== "equivalent" || r.equivalentReason !== "same") throw new Error();
 * ```
 */
export function judge(r: MutantResult, list: readonly Equivalence[]): MutantResult {
  const e = list.find((x) => x.id === r.mutant.id);
  if (!e || (r.status !== "survived" && r.status !== "timed-out")) return r;
  return { mutant: r.mutant, status: "equivalent", equivalentReason: e.reason };
}

/**
 * The listed mutants the suites killed: each such judgment was wrong.
 *
 * @example
 * ```ts
 * import { wrongJudgments } from "./equivalent.ts";
 * const wrong = wrongJudgments([{ mutant: { id: "0b63834f" } as never, status: "killed" }],
 *   [{ id: "0b63834f", mutated: "", reason: "same" }]);
 * if (wrong.length !== 1) throw new Error();
 * ```
 */
export function wrongJudgments(
  results: readonly MutantResult[],
  list: readonly Equivalence[],
): string[] {
  const ids = new Set(list.map((e) => e.id));
  return results.filter((r) => r.status === "killed" && ids.has(r.mutant.id))
    .map((r) => `${r.mutant.id}: listed as equivalent, but ${r.killedBy?.finding ?? "killed"}`);
}
