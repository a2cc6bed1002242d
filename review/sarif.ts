/**
 * A patch review as a SARIF 2.1.0 log (pure): the ABI's conformance rules
 * and security checks are rules, and so is each class of the other findings
 * (`kernel/KASAN`, `fuzz/MISMATCH`, `runner/LOST`); every finding the review
 * published is one result located in the patch under review, with the rule's
 * or check's test file as a related location. `deno task review` writes it
 * as `<out>.sarif` beside `<out>.json`.
 *
 * A review's findings are its `reports/` folders, so a verdict "by design",
 * never filed, is never a result here either (see `security/sarif.ts`).
 *
 * @module
 */
import type { Rule } from "../conformance/rule.ts";
import type { Cwe, SecurityCheck } from "../security/check.ts";
import { kernelReportCwe } from "../security/check.ts";
import { checkRule } from "../security/sarif.ts";
import { CLASSES } from "../harness/report/classes.ts";
import type { FindingMeta } from "../harness/report/store.ts";
import {
  cweTags,
  type SarifLevel,
  type SarifLog,
  sarifLog,
  type SarifResultInput,
  type SarifRuleInput,
  type SarifSpot,
  securitySeverity,
  severityLevel,
} from "../harness/report/sarif.ts";

/** One published finding of a review. */
export interface ReviewSarifFinding {
  readonly meta: FindingMeta;
  /** The command that replays it from a clean clone. */
  readonly reproduce: string;
  /** Its replay folder, from the checkout. */
  readonly folder: string;
}

/** What a review's log is made from, beside its findings. */
export interface ReviewSarifOptions {
  readonly abi: string;
  /** The ABI's conformance rules (each a rule of the log). */
  readonly rules: readonly Rule[];
  /** What the rules' `source` fields cite ("RFC"). */
  readonly ruleSource: string;
  /** The ABI's security checks, if it has any. */
  readonly checks: readonly SecurityCheck[];
  /** Where each rule and check is registered (`readIdSpots` of their test files). */
  readonly spots: ReadonlyMap<string, SarifSpot>;
  /** The patch under review, from the checkout (or absolute): every result points at it. */
  readonly patch: string;
  readonly informationUri?: string;
}

/** A conformance rule as a SARIF rule (pure). */
function conformanceRule(r: Rule, source: string): SarifRuleInput {
  return {
    id: r.id,
    short: r.statement,
    full: `${r.statement} (${source}: ${r.source}).${
      r.interpretation ? ` Our reading: ${r.interpretation}.` : ""
    }`,
    tags: ["conformance", "correctness"],
    level: "error",
  };
}

/**
 * The rule a finding breaks (pure): the conformance rule's or security
 * check's ID its case names (`conformance/UD-DEL-003`, `security/SEC-XU-001`),
 * else its kind and class (`kernel/KASAN`, `fuzz/MISMATCH`).
 *
 * @example
 * ```ts
 * import { findingRuleId } from "./sarif.ts";
 * const meta = {
 *   title: "conformance UD-DEL-003: delete returned 0, expected EBUSY",
 *   kind: "conformance" as const,
 *   type: "CONFORMANCE",
 *   firstSeen: "",
 *   lastSeen: "",
 *   count: 1,
 *   cases: ["conformance/UD-DEL-003"],
 *   corrupted: false,
 * };
 * if (findingRuleId(meta, new Set(["UD-DEL-003"])) !== "UD-DEL-003") throw new Error();
 * if (findingRuleId({ ...meta, kind: "kernel", type: "KASAN" }, new Set()) !== "kernel/KASAN") {
 *   throw new Error();
 * }
 * ```
 */
export function findingRuleId(meta: FindingMeta, catalogIds: ReadonlySet<string>): string {
  if (meta.kind === "conformance" || meta.kind === "security") {
    for (const c of meta.cases) {
      const id = c.slice(c.indexOf("/") + 1);
      if (c.startsWith(`${meta.kind}/`) && catalogIds.has(id)) return id;
    }
  }
  return `${meta.kind}/${meta.type}`;
}

/** The rule of a class of findings no catalog names (pure). */
function classRule(id: string, metas: readonly FindingMeta[]): SarifRuleInput {
  const [kind, type] = [id.slice(0, id.indexOf("/")), id.slice(id.indexOf("/") + 1)];
  const what = CLASSES.find((c) => c.type === type)?.what ?? "a finding of this class";
  if (kind === "kernel") {
    // A kernel report is a security finding as the security checks class it:
    // severity high, the weakness class its title says (one tag per class seen).
    const cwes = [...new Set(metas.map((m) => kernelReportCwe(m.title).id))].sort();
    return {
      id,
      short: `The kernel reports no ${type} while the patch runs: ${what}`,
      tags: ["security", "kernel-report", ...cwes.flatMap(cweTags)],
      level: "error",
      securitySeverity: securitySeverity("high")!,
    };
  }
  const runner = type === "LOST" || type === "HARNESS";
  return {
    id,
    short: kind === "fuzz" && !runner
      ? `The kernel agrees with the fuzzers' oracle (${type}: ${what})`
      : `The test machine runs to its end (${type}: ${what})`,
    tags: [kind, runner ? "reliability" : "correctness"],
    level: runner ? "warning" : "error",
  };
}

function cweName(c: Cwe): string {
  return `${c.id} ${c.name}`;
}

/** The level of a finding's result: its security severity, else its rule's (pure). */
function findingLevel(meta: FindingMeta, rule: SarifRuleInput): SarifLevel {
  return meta.security ? severityLevel(meta.security.severity) : rule.level;
}

/**
 * The SARIF log of a review (pure): a rule per conformance rule and security
 * check of the ABI and per class of other finding seen, a result per finding.
 */
export function reviewSarif(
  findings: readonly ReviewSarifFinding[],
  o: ReviewSarifOptions,
): SarifLog {
  const catalogRules = [
    ...o.rules.map((r) => conformanceRule(r, o.ruleSource)),
    ...o.checks.map(checkRule),
  ];
  const catalogIds = new Set(catalogRules.map((r) => r.id));
  const ruleOf = findings.map((f) => findingRuleId(f.meta, catalogIds));
  const classIds = [...new Set(ruleOf.filter((id) => !catalogIds.has(id)))].sort();
  const rules = [
    ...catalogRules,
    ...classIds.map((id) =>
      classRule(id, findings.filter((_, i) => ruleOf[i] === id).map((f) => f.meta))
    ),
  ];
  const byId = new Map(rules.map((r) => [r.id, r]));
  const results = findings.map((f, i): SarifResultInput => {
    const ruleId = ruleOf[i]!;
    const m = f.meta;
    const spot = o.spots.get(ruleId);
    return {
      ruleId,
      level: findingLevel(m, byId.get(ruleId)!),
      message: [
        m.title,
        ...(m.breaks ? [`Breaks ${m.breaks}`] : []),
        `Seen ${m.count} time(s); reproduce: ${f.reproduce}`,
      ].join(". "),
      location: { path: o.patch },
      ...(spot ? { related: [{ ...spot, message: `the test of ${ruleId}` }] } : {}),
      title: m.title,
      properties: {
        kind: m.kind,
        type: m.type,
        count: m.count,
        cases: m.cases,
        reproduce: f.reproduce,
        report: f.folder,
        ...(m.security ? { severity: m.security.severity, cwe: m.security.cwe } : {}),
        ...(m.kind === "kernel" ? { cwe: cweName(kernelReportCwe(m.title)) } : {}),
      },
    };
  });
  return sarifLog({
    automationId: `udiag-fuzz/review/${o.abi}/`,
    ...(o.informationUri !== undefined ? { informationUri: o.informationUri } : {}),
    rules,
    results,
    properties: { abi: o.abi, patch: o.patch },
  });
}
