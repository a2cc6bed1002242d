/**
 * What a conformance rule is, for every ABI: a stable ID, one statement, and
 * the line of the ABI's source of truth it comes from (the RFC for udiag, the
 * uapi header and documentation for user_events).
 *
 * IDs never change meaning; a retired rule keeps its ID out of use.
 *
 * @module
 */

/** One ABI rule. */
export interface Rule {
  readonly id: string;
  /** One line, in the present tense, as the KTAP description. */
  readonly statement: string;
  /** Where in the ABI's source of truth it comes from. */
  readonly source: string;
  /** Set where the source is ambiguous or unsafe: the reading tested, and why. */
  readonly interpretation?: string;
  /**
   * Set where the rule lets one user affect another's events: the security
   * check that measures it and why the ABI allows it.
   */
  readonly byDesign?: string;
  /**
   * The kernel profile the rule needs (`faults`: per-call fault injection);
   * under any other profile the suite does not run it.
   */
  readonly profile?: string;
}

/**
 * The rules a suite under kernel profile `profile` runs (pure): those that
 * need no profile, and those that need this one.
 *
 * ```ts
 * import { rulesFor } from "./rule.ts";
 * const r = { statement: "s", source: "src" };
 * const all = [{ ...r, id: "A" }, { ...r, id: "F", profile: "faults" }];
 * if (rulesFor(all, "base").map((x) => x.id).join() !== "A") throw new Error();
 * if (rulesFor(all, "faults").map((x) => x.id).join() !== "A,F") throw new Error();
 * ```
 */
export function rulesFor<R extends Rule>(rules: readonly R[], profile: string): R[] {
  return rules.filter((r) => r.profile === undefined || r.profile === profile);
}
