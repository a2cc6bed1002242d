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
}
