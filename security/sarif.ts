/**
 * A security run as a SARIF 2.1.0 log (pure): every check of the ABI's
 * catalog is a rule (its statement, CWE tags, severity), every weakness a
 * result; `deno task security` writes it as `results.sarif` beside
 * `summary.md`.
 *
 * What is a result is what is filed under `reports/` ({@linkcode isWeakness}):
 * a check exposed, or one that could not run. A pass is not. Nor is a verdict
 * "by design": code scanning is a list of alerts to fix or dismiss, and a
 * property of the ABI as designed cannot be fixed in the implementation under
 * review; as an alert it would be dismissed on every run, and the project's
 * rule is that only what is wrong is a finding. Such checks stay visible in
 * the log as rules, and the run's `properties.byDesign` names each with the
 * conformance rule that allows it, as the markdown summary lists them. A
 * check that did not run is a tool notification and marks the run incomplete.
 *
 * @module
 */
import type { SecurityCheck } from "./check.ts";
import { isWeakness, rowClass, type SecurityRow, securityTally, securityTitle } from "./summary.ts";
import {
  cweTags,
  cweUri,
  type SarifLevel,
  type SarifLog,
  sarifLog,
  type SarifResultInput,
  type SarifRuleInput,
  type SarifSpot,
  securitySeverity,
  severityLevel,
} from "../harness/report/sarif.ts";

/** What a security run's log is made from, beside its rows. */
export interface SecuritySarifOptions {
  readonly abi: string;
  /** Every check of the ABI (each a rule), not only those run. */
  readonly checks: readonly SecurityCheck[];
  /** Where each check is registered (`readIdSpots` of the ABI's check files). */
  readonly spots: ReadonlyMap<string, SarifSpot>;
  /** Where a check's source is unknown: its first check file. */
  readonly fallback: SarifSpot;
  /** The patch under review (`patch:FILE`, `kernel:PATCH`), from the checkout; results point at it. */
  readonly patch?: string;
  /** Check ID → its finding's folder, from the checkout. */
  readonly findingDirs?: ReadonlyMap<string, string>;
  readonly informationUri?: string;
}

/**
 * A check as a SARIF rule (pure): its statement, the CWE's page, tags
 * "security" and the CWE's, its severity for code scanning, and, for a move
 * the ABI allows, the conformance rule that says so.
 *
 * @example
 * ```ts
 * import { checkRule } from "./sarif.ts";
 * import { UDIAG_CHECKS } from "../abi/udiag/security/catalog.ts";
 * const r = checkRule(UDIAG_CHECKS.get("SEC-XU-001"));
 * if (!r.tags.includes("CWE-416") || r.level !== "error") throw new Error();
 * ```
 */
export function checkRule(c: SecurityCheck): SarifRuleInput {
  const sev = securitySeverity(c.severity);
  return {
    id: c.id,
    short: c.statement,
    full: `${c.statement}. If not: ${c.cwe.id} ${c.cwe.name} (severity ${c.severity}).${
      c.byDesign ? ` Allowed by the ABI as designed (${c.byDesign.rule}): ${c.byDesign.why}.` : ""
    }`,
    helpUri: cweUri(c.cwe.id),
    tags: ["security", ...cweTags(c.cwe.id), `area:${c.area}`],
    level: severityLevel(c.severity),
    ...(sev !== undefined ? { securitySeverity: sev } : {}),
    properties: { severity: c.severity, ...(c.byDesign ? { byDesign: c.byDesign.rule } : {}) },
  };
}

/** What a weakness's result says: its title, then how it showed (pure). */
function rowMessage(r: SecurityRow): string {
  const o = r.outcome;
  const how = [
    ...(o?.exposures ?? []),
    ...(o?.kernel ?? []).map((k) => `kernel: ${k}`),
    ...(o?.error ? [`error: ${o.error.split("\n")[0]}`] : []),
  ];
  return `${securityTitle(r)}${how.length ? `. ${how.join("; ")}` : ""}`;
}

/** The result of one weakness (pure). */
function rowResult(r: SecurityRow, o: SecuritySarifOptions): SarifResultInput {
  const c = rowClass(r);
  const source = o.spots.get(r.check.id) ?? o.fallback;
  const dir = o.findingDirs?.get(r.check.id);
  const level: SarifLevel = severityLevel(c.severity);
  return {
    ruleId: r.check.id,
    level,
    message: rowMessage(r),
    location: o.patch !== undefined ? { path: o.patch } : source,
    ...(o.patch !== undefined
      ? { related: [{ ...source, message: `the check ${r.check.id}` }] }
      : {}),
    title: securityTitle(r),
    properties: {
      verdict: r.verdict,
      severity: c.severity,
      cwe: c.cwe,
      tags: ["security", ...cweTags(c.cwe.split(" ")[0]!)],
      ...(dir !== undefined ? { report: dir } : {}),
    },
  };
}

/**
 * The SARIF log of a security run (pure): a rule per check of the catalog,
 * a result per weakness, a notification per check not run.
 *
 * @example
 * ```ts
 * import { securitySarif } from "./sarif.ts";
 * import { UDIAG_CHECKS } from "../abi/udiag/security/catalog.ts";
 * const check = UDIAG_CHECKS.get("SEC-PG-001");
 * const log = securitySarif([{ check, verdict: "pass", outcome: null }], {
 *   abi: "udiag",
 *   checks: UDIAG_CHECKS.all,
 *   spots: new Map(),
 *   fallback: { path: "abi/udiag/security/page_checks.ts" },
 * });
 * if ((log.runs[0]!.results as unknown[]).length !== 0) throw new Error();
 * ```
 */
export function securitySarif(
  rows: readonly SecurityRow[],
  o: SecuritySarifOptions,
): SarifLog {
  const weak = rows.filter(isWeakness);
  const notRun = rows.filter((r) => r.verdict === "not run");
  return sarifLog({
    automationId: `udiag-fuzz/security/${o.abi}/`,
    ...(o.informationUri !== undefined ? { informationUri: o.informationUri } : {}),
    rules: o.checks.map(checkRule),
    results: weak.map((r) => rowResult(r, o)),
    notifications: notRun.map((r) => ({
      ruleId: r.check.id,
      level: "error",
      message: `check ${r.check.id} did not run: no boot reached it`,
    })),
    complete: notRun.length === 0,
    properties: {
      abi: o.abi,
      tally: securityTally(rows),
      byDesign: rows.filter((r) => r.verdict === "by design").map((r) => ({
        check: r.check.id,
        rule: r.check.byDesign?.rule ?? "",
      })),
    },
  });
}
