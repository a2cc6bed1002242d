/**
 * Verdicts per rule (pure): joins the rule table with what the guest reported,
 * and renders them as the markdown matrix, KTAP, and conformance findings.
 *
 * @module
 */
import type { Rule } from "./rule.ts";
import type { Evidence, RuleOutcome } from "./rule_context.ts";
import { ktap } from "../harness/report/ktap.ts";
import { collapseRepeats } from "../harness/report/dedup.ts";

/** A rule's verdict. `not run` and `skip` are never a pass. */
export type Verdict = "pass" | "fail" | "skip" | "not run";

/** One row of the matrix. */
export interface RuleVerdict {
  readonly rule: Rule;
  readonly verdict: Verdict;
  readonly evidence: readonly Evidence[];
  readonly error?: string;
}

/** Joins rules with outcomes; a rule reported twice keeps its worst verdict. */
export function verdicts(
  rules: readonly Rule[],
  outcomes: readonly RuleOutcome[],
  skipped: ReadonlySet<string> = new Set(),
): RuleVerdict[] {
  return rules.map((rule) => {
    const mine = outcomes.filter((o) => o.id === rule.id);
    const failed = mine.find((o) => o.verdict === "fail");
    const o = failed ?? mine[0];
    if (o) {
      return {
        rule,
        verdict: o.verdict,
        evidence: o.evidence,
        ...(o.error ? { error: o.error } : {}),
      };
    }
    return { rule, verdict: skipped.has(rule.id) ? "skip" : "not run", evidence: [] };
  });
}

/**
 * What a violation breaks, in words: the rule, where `source` (the ABI's
 * source of truth: "RFC") says so, and our reading where it is ambiguous.
 */
export function ruleBreaks(r: Rule, source: string): string {
  return `rule ${r.id}: ${r.statement} (${source}: ${r.source})${
    r.interpretation ? `; our reading: ${r.interpretation}` : ""
  }`;
}

/** Counts of each verdict. */
export function tally(rows: readonly RuleVerdict[]): Record<Verdict, number> {
  const t: Record<Verdict, number> = { pass: 0, fail: 0, skip: 0, "not run": 0 };
  for (const r of rows) t[r.verdict]++;
  return t;
}

function cell(s: string): string {
  return s.replaceAll("|", "\\|").replaceAll("\n", " ");
}

/** The first comparison that failed, or null. */
export function firstMismatch(v: RuleVerdict): Evidence | null {
  return v.evidence.find((e) => !e.ok) ?? null;
}

/** The markdown matrix: rule, verdict, evidence (seen vs expected). */
export function matrixMarkdown(
  rows: readonly RuleVerdict[],
  header: Record<string, string>,
): string {
  const t = tally(rows);
  const lines = [
    "# udiag conformance",
    "",
    ...Object.entries(header).map(([k, v]) => `- ${k}: ${v}`),
    `- verdicts: ${t.pass} pass, ${t.fail} fail, ${t.skip} skip, ${
      t["not run"]
    } not run (of ${rows.length} rules)`,
    "",
    "| rule | verdict | statement | evidence (seen / expected) |",
    "| --- | --- | --- | --- |",
  ];
  for (const r of rows) {
    const bad = firstMismatch(r);
    const evidence = bad
      ? `**${bad.what}: ${bad.got} / ${bad.want}**`
      : r.error
      ? `**${r.error}**`
      : r.evidence.filter((e) => e.want !== "").map((e) => `${e.what}: ${e.got}`).join("; ");
    const mark = r.verdict === "pass" ? "pass" : `**${r.verdict.toUpperCase()}**`;
    lines.push(
      `| ${r.rule.id} | ${mark} | ${cell(r.rule.statement)}${
        r.rule.interpretation ? " (interpretation)" : ""
      } | ${cell(evidence)} |`,
    );
  }
  const interp = rows.filter((r) => r.rule.interpretation);
  if (interp.length) {
    lines.push("", "## Interpretations", "");
    for (const r of interp) lines.push(`- ${r.rule.id}: ${r.rule.interpretation}`);
  }
  const design = rows.filter((r) => r.rule.byDesign);
  if (design.length) {
    lines.push("", "## By design: what one user can do to another's events", "");
    for (const r of design) lines.push(`- ${r.rule.id}: ${r.rule.byDesign}`);
  }
  return lines.join("\n") + "\n";
}

/** KTAP of the verdicts; evidence of failures as diagnostics. */
export function verdictsKtap(rows: readonly RuleVerdict[]): string {
  return ktap(rows.map((r) => {
    const bad = firstMismatch(r);
    return {
      description: `[${r.rule.id}] ${r.rule.statement}`,
      result: r.verdict === "pass" || r.verdict === "skip" ? "ok" : "not ok",
      ...(r.verdict === "skip"
        ? { directive: "SKIP device absent" }
        : r.verdict === "not run"
        ? { directive: "not run" }
        : {}),
      ...(bad ? { diagnostics: [`${bad.what}: got ${bad.got}, expected ${bad.want}`] } : {}),
    };
  }));
}

/**
 * A seen value short and stable enough for a title: long values (lists of
 * indexes, decoder messages) lose their numbers and are cut (pure).
 */
export function titleValue(v: string): string {
  if (v.length <= 32) return v;
  const cut = collapseRepeats(v.replace(/\d+/g, "N"));
  return cut.length <= 48 ? cut : `${cut.slice(0, 48)}…`;
}

/** The finding title of a failed rule, in the design's words; stable across runs. */
export function violationTitle(r: RuleVerdict): string {
  const bad = firstMismatch(r);
  if (bad) {
    return `conformance ${r.rule.id}: ${bad.what} returned ${titleValue(bad.got)}, expected ${
      titleValue(bad.want)
    }`;
  }
  return `conformance ${r.rule.id}: ${r.error ?? r.verdict}`.slice(0, 200);
}

/** Operations of a failed rule, one per line with the expected result (repro.txt). */
export function violationRepro(r: RuleVerdict): string {
  return r.evidence.map((e) =>
    e.want === "" ? `# ${e.what}: ${e.got}` : `${e.what}  # got ${e.got}, expected ${e.want}`
  ).join("\n");
}

/** The violation as a reviewer reads it first: the rule, its source, the mismatch. */
export function violationReport(r: RuleVerdict): string {
  const bad = firstMismatch(r);
  return [
    `${r.rule.id}: ${r.rule.statement}`,
    `source: ${r.rule.source}`,
    ...(r.rule.interpretation ? [`interpretation: ${r.rule.interpretation}`] : []),
    bad
      ? `seen: ${bad.what} -> ${bad.got}; expected ${bad.want}`
      : `error: ${r.error ?? r.verdict}`,
  ].join("\n") + "\n";
}
