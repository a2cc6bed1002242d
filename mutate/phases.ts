/**
 * How a mutant's conformance run is split when the unmutated target already
 * fails rules (the RFC fails 15 and crashes its kernel six times, so one run
 * takes twelve minutes): the rules every baseline run passed go first, in one
 * boot that stops at the first failure, since any failure there is new; the
 * rules the baseline failed, and whatever the first phase left unrun, go
 * second, in full. A mutant killed in the first phase costs a boot and the
 * rules up to its kill; a survivor costs what one whole run costs.
 *
 * Splitting is sound because rules do not depend on their order: the suite
 * already runs what remains in a fresh VM after a rule kills its kernel
 * (harness/suite_boots.ts).
 *
 * @module
 */

/** The rule IDs a finding's title names (a violation's or a health finding's). */
export function rulesNamed(titles: readonly string[], ids: readonly string[]): Set<string> {
  const named = new Set<string>();
  for (const id of ids) {
    const word = new RegExp(`(?<![\\w-])${id.replace(/[-]/g, "\\-")}(?![\\w-])`);
    if (titles.some((t) => word.test(t))) named.add(id);
  }
  return named;
}

/**
 * The first phase: the rules of `ids` (in their order) that no baseline
 * finding names; null when that is every rule (a clean baseline needs no
 * split: its single fail-fast run is already the fast path) or none (there
 * is nothing to stop early on).
 *
 * @example
 * ```ts
 * import { firstPhase } from "./phases.ts";
 * const ids = ["UD-WR-001", "UD-WR-007", "UD-DEL-001"];
 * const first = firstPhase(ids, ["conformance UD-WR-007: write returned 0, expected EFAULT"]);
 * if (first?.join() !== "UD-WR-001,UD-DEL-001" || firstPhase(ids, []) !== null) {
 *   throw new Error();
 * }
 * ```
 */
export function firstPhase(
  ids: readonly string[],
  baselineTitles: readonly string[],
): string[] | null {
  const named = rulesNamed(baselineTitles, ids);
  const first = ids.filter((id) => !named.has(id));
  return named.size === 0 || first.length === 0 ? null : first;
}

/**
 * The second phase: every rule of `ids` the first phase did not run to a
 * verdict (its `verdicts.json` rows: a rule cut short by its fail-fast stop
 * is "not run").
 */
export function secondPhase(
  ids: readonly string[],
  firstRows: readonly { readonly rule: { readonly id: string }; readonly verdict: string }[],
): string[] {
  const done = new Set(firstRows.filter((r) => r.verdict !== "not run").map((r) => r.rule.id));
  return ids.filter((id) => !done.has(id));
}
