/**
 * What a security check is, for every ABI: an attacker's move with a stable
 * ID (`SEC-<AREA>-NNN`), the weakness class (CWE) and severity if it works,
 * and, for moves the ABI allows on purpose, the conformance rule that says
 * so. Each ABI lists its own checks (`abi/<name>/security/catalog.ts`).
 *
 * @module
 */

/** How bad a weakness is when found (CVSS-like qualitative scale). */
export type Severity = "critical" | "high" | "medium" | "low" | "info";

/** A weakness class. */
export interface Cwe {
  readonly id: `CWE-${number}`;
  readonly name: string;
}

/** One check. */
export interface SecurityCheck {
  readonly id: string;
  /** The area of the attack surface, the `<AREA>` of `SEC-<AREA>-NNN`. */
  readonly area: string;
  /** What must hold, in the present tense, as the test's name. */
  readonly statement: string;
  /** The weakness if the statement does not hold. */
  readonly cwe: Cwe;
  readonly severity: Severity;
  /** Set when the ABI allows the move on purpose: the rule that says so. */
  readonly byDesign?: { readonly rule: string; readonly why: string };
  /** Who plays the attacker, where an ABI's catalog says it per check. */
  readonly attacker?: string;
  /** What the kernel answers when the move fails as it must. */
  readonly expected?: string;
  /** The source lines the expectation comes from. */
  readonly source?: string;
}

/** The weakness classes the checks name. */
export const CWE = {
  accessControl: { id: "CWE-284", name: "Improper Access Control" },
  permissions: { id: "CWE-732", name: "Incorrect Permission Assignment for Critical Resource" },
  exposure: { id: "CWE-200", name: "Exposure of Sensitive Information to an Unauthorized Actor" },
  exhaustion: { id: "CWE-400", name: "Uncontrolled Resource Consumption" },
  uaf: { id: "CWE-416", name: "Use After Free" },
  authenticity: { id: "CWE-345", name: "Insufficient Verification of Data Authenticity" },
  pathTraversal: {
    id: "CWE-22",
    name: "Improper Limitation of a Pathname to a Restricted Directory",
  },
  logNeutralization: { id: "CWE-117", name: "Improper Output Neutralization for Logs" },
  formatString: { id: "CWE-134", name: "Use of Externally-Controlled Format String" },
  inputValidation: { id: "CWE-20", name: "Improper Input Validation" },
  encoding: { id: "CWE-176", name: "Improper Handling of Unicode Encoding" },
  race: {
    id: "CWE-362",
    name: "Concurrent Execution using Shared Resource with Improper Synchronization",
  },
} as const satisfies Record<string, Cwe>;

/** The weakness class of a kernel report seen during a check (pure). */
export function kernelReportCwe(title: string): Cwe {
  if (/use-after-free|double-free|invalid-free/.test(title)) return CWE.uaf;
  if (/out-of-bounds|wild-memory-access|null-ptr-deref|NULL pointer/i.test(title)) {
    return { id: "CWE-119", name: "Improper Restriction of Operations within Memory Bounds" };
  }
  if (/^memory leak/.test(title)) {
    return { id: "CWE-401", name: "Missing Release of Memory after Effective Lifetime" };
  }
  if (/lock|atomic|RCU|sleeping function/.test(title)) {
    return { id: "CWE-667", name: "Improper Locking" };
  }
  return { id: "CWE-754", name: "Improper Check for Unusual or Exceptional Conditions" };
}
