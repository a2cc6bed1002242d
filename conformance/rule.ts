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
  /**
   * The target kinds the rule applies to (`kmod`: the ABI's own loadable
   * module, which has an exit path to unload); unset: every target.
   */
  readonly targets?: readonly string[];
}

/**
 * The rules a suite under kernel profile `profile` runs on a target of kind
 * `target` (pure): those that need no profile or this one, and apply to
 * every target or this one.
 *
 * ```ts
 * import { rulesFor } from "./rule.ts";
 * const r = { statement: "s", source: "src" };
 * const all = [{ ...r, id: "A" }, { ...r, id: "F", profile: "faults" }, {
 *   ...r,
 *   id: "M",
 *   targets: ["kmod"],
 * }];
 * if (rulesFor(all, "base", "kmod").map((x) => x.id).join() !== "A,M") throw new Error();
 * if (rulesFor(all, "faults", "patch").map((x) => x.id).join() !== "A,F") throw new Error();
 * ```
 */
export function rulesFor<R extends Rule>(
  rules: readonly R[],
  profile: string,
  target: string,
): R[] {
  return rules.filter((r) =>
    (r.profile === undefined || r.profile === profile) &&
    (r.targets === undefined || r.targets.includes(target))
  );
}

/** Why `rule` does not run under `profile` on a `target`; null when it does. */
export function misplacedRule(rule: Rule, profile: string, target: string): string | null {
  if (rule.profile !== undefined && rule.profile !== profile) {
    return `${rule.id} needs --profile ${rule.profile}, not ${profile}`;
  }
  if (rule.targets !== undefined && !rule.targets.includes(target)) {
    return `${rule.id} needs --target ${rule.targets.join(" or ")}, not ${target}`;
  }
  return null;
}
