/**
 * Which conformance rules must run to show again what a findings document
 * lists: the rules its base-profile conformance replays name. A rule the
 * target passes cannot show a listed finding, so running it only costs time.
 *
 * @module
 */

/** What the selection needs of one listed finding's replay. */
export interface ListedReplay {
  readonly suite: string | undefined;
  /** The kernel profile the replay needs; undefined is `base`. */
  readonly profile: string | undefined;
  /** The conformance rule, or `"all"` for a report only the whole suite shows. */
  readonly rule: string | undefined;
}

/**
 * The rule IDs to run under the base profile; `[]` means the whole suite,
 * as `conformance({ ruleIds: [] })` reads it. A whole-suite replay (a
 * kmemleak report no single rule is known to cause) names no rule: what it
 * replays needs the whole suite, which a caller running this subset does not
 * check.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { baseRuleIds } from "./replay_rules.ts";
 * assert.deepEqual(baseRuleIds([
 *   { suite: "conformance", profile: undefined, rule: "UD-REG-001" },
 *   { suite: "conformance", profile: undefined, rule: "all" },
 *   { suite: "conformance", profile: "faults", rule: "UD-FI-001" },
 * ]), ["UD-REG-001"]);
 * ```
 */
export function baseRuleIds(replays: readonly ListedReplay[]): string[] {
  const named = replays
    .filter((r) => r.suite === "conformance" && r.profile === undefined)
    .map((r) => r.rule)
    .filter((id): id is string => id !== undefined && id !== "all");
  return [...new Set(named)].sort();
}
