/**
 * What a security run concluded, per check, and the markdown summary a
 * reviewer attaches to a patch review (pure: no I/O).
 *
 * @module
 */
import type { SecurityCheck } from "./check.ts";
import type { CheckOutcome } from "./check_context.ts";
import { kernelReportCwe } from "./check.ts";

/** A check's verdict, or "not run" when no boot reached it. */
export type Verdict = CheckOutcome["verdict"] | "not run";

/** One check and what came of it. */
export interface SecurityRow {
  readonly check: SecurityCheck;
  readonly verdict: Verdict;
  readonly outcome: CheckOutcome | null;
}

/** Rows for `wanted`, the last outcome of each winning (pure). */
export function securityRows(
  wanted: readonly SecurityCheck[],
  outcomes: readonly CheckOutcome[],
): SecurityRow[] {
  return wanted.map((check) => {
    const outcome = outcomes.findLast((o) => o.id === check.id) ?? null;
    return { check, outcome, verdict: outcome?.verdict ?? "not run" };
  });
}

/** Whether a row is a finding: exposed, or could not run (pure). A verdict "by design" is not. */
export function isWeakness(r: SecurityRow): boolean {
  return r.verdict === "exposed" || r.verdict === "error";
}

/** Whether a row's own move worked where the ABI does not allow it (pure). */
function ownExposure(row: SecurityRow): boolean {
  return Boolean(row.outcome?.exposures.length) && !row.check.byDesign;
}

/**
 * Title of a check's finding in reports/ (pure; stable across runs): the
 * check's own weakness first, else the kernel report it made, else the
 * property the ABI allows.
 */
export function securityTitle(row: SecurityRow): string {
  const o = row.outcome;
  const what = row.check.statement.replace(/^an? /, "").slice(0, 70).trimEnd();
  if (ownExposure(row)) return `security ${row.check.id}: exposed: ${what}`;
  if (o?.kernel.length) return `security ${row.check.id}: kernel report: ${o.kernel[0]}`;
  if (row.verdict === "error") return `security ${row.check.id}: the check could not run`;
  if (row.verdict === "by design") return `security ${row.check.id}: allowed by design: ${what}`;
  return `security ${row.check.id}: exposed: ${what}`;
}

/** What a row's finding breaks, in words (pure). */
export function checkBreaks(row: SecurityRow): string {
  const c = row.check;
  return `security check ${c.id}: ${c.statement} (${c.cwe.id} ${c.cwe.name}, severity ${c.severity})${
    row.verdict === "by design" && c.byDesign
      ? `; allowed by the ABI as designed (${c.byDesign.rule}): ${c.byDesign.why}`
      : ""
  }`;
}

/** Severity and class of a row's finding, as its title says (pure). */
export function rowClass(row: SecurityRow): { severity: string; cwe: string; byDesign?: string } {
  const kernel = row.outcome?.kernel[0];
  const fromKernel = kernel !== undefined && !ownExposure(row);
  const cwe = fromKernel ? kernelReportCwe(kernel) : row.check.cwe;
  return {
    severity: fromKernel ? "high" : row.verdict === "error" ? "info" : row.check.severity,
    cwe: `${cwe.id} ${cwe.name}`,
    ...(row.verdict === "by design" && row.check.byDesign
      ? { byDesign: row.check.byDesign.rule }
      : {}),
  };
}

/** The tally of verdicts (pure). */
export function securityTally(rows: readonly SecurityRow[]): Record<Verdict, number> {
  const t: Record<Verdict, number> = {
    pass: 0,
    "by design": 0,
    exposed: 0,
    error: 0,
    "not run": 0,
  };
  for (const r of rows) t[r.verdict]++;
  return t;
}

const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");

function measured(o: CheckOutcome | null): string {
  if (!o) return "";
  return Object.entries(o.measured).map(([k, v]) => `${k}: ${v}`).join("; ");
}

/** The security summary in markdown (pure). */
export function securityMarkdown(
  rows: readonly SecurityRow[],
  header: Readonly<Record<string, string>>,
  about: { readonly abi: string; readonly attackers: string },
  findingDirs: ReadonlyMap<string, string> = new Map(),
): string {
  const t = securityTally(rows);
  const exposed = rows.filter((r) => r.verdict === "exposed" || r.verdict === "error");
  const design = rows.filter((r) => r.verdict === "by design");
  const lines = [
    `# ${about.abi} security summary`,
    "",
    ...Object.entries(header).map(([k, v]) => `- ${k}: ${v}`),
    `- checks: ${rows.length}: ${t.pass} pass, ${
      t["by design"]
    } by design, ${t.exposed} exposed, ` +
    `${t.error} error, ${t["not run"]} not run`,
    "",
    `Each check plays an attacker in the VM: ${about.attackers} ` +
    "`deno task security --check ID` reruns one check.",
    "",
    "## Weaknesses found",
    "",
  ];
  if (!exposed.length) lines.push("None.", "");
  else {
    lines.push("| check | severity | class | what happened | report |", "|---|---|---|---|---|");
    for (const r of exposed) {
      const c = rowClass(r);
      const what = r.outcome
        ? [...r.outcome.exposures, ...r.outcome.kernel.map((k) => `kernel: ${k}`)].join("; ") ||
          (r.outcome.error ?? "").split("\n")[0]!
        : "";
      lines.push(
        `| ${r.check.id} | ${c.severity} | ${c.cwe} | ${cell(what)} | ${
          findingDirs.get(r.check.id) ?? ""
        } |`,
      );
    }
    lines.push("");
  }
  lines.push(
    "## Properties of the ABI as designed",
    "",
    "The move works, and the ABI allows it on purpose; the conformance rule named says so. " +
      "A deployment that cannot accept one restricts who may open the device.",
    "",
  );
  if (!design.length) lines.push("None observed.", "");
  else {
    lines.push(
      "| check | class | severity if abused | rule | why | measured |",
      "|---|---|---|---|---|---|",
    );
    for (const r of design) {
      lines.push(
        `| ${r.check.id} | ${r.check.cwe.id} ${r.check.cwe.name} | ${r.check.severity} | ${
          r.check.byDesign!.rule
        } | ${cell(r.check.byDesign!.why)} | ${cell(measured(r.outcome))} |`,
      );
    }
    lines.push("");
  }
  // A catalog that names attacker, expected answer and source per check shows them.
  const detailed = rows.some((r) => r.check.attacker || r.check.expected || r.check.source);
  lines.push(
    "## Every check",
    "",
    detailed
      ? "| check | verdict | statement | attacker | expected | source |"
      : "| check | verdict | statement |",
    detailed ? "|---|---|---|---|---|---|" : "|---|---|---|",
  );
  for (const r of rows) {
    const c = r.check;
    const more = detailed
      ? ` ${cell(c.attacker ?? "")} | ${cell(c.expected ?? "")} | ${cell(c.source ?? "")} |`
      : "";
    lines.push(`| ${c.id} | ${r.verdict} | ${cell(c.statement)} |${more}`);
  }
  lines.push("", "## Evidence", "");
  for (const r of rows) {
    lines.push(`### ${r.check.id}: ${r.verdict}`, "", r.check.statement, "");
    if (!r.outcome) {
      lines.push("Not run.", "");
      continue;
    }
    lines.push("```", ...r.outcome.evidence.map((e) => e.slice(0, 300)));
    if (r.outcome.kernel.length) lines.push(...r.outcome.kernel.map((k) => `kernel: ${k}`));
    if (r.outcome.error) lines.push(`error: ${r.outcome.error.split("\n")[0]}`);
    lines.push("```", "");
    const m = measured(r.outcome);
    if (m) lines.push(`Measured: ${m}`, "");
  }
  return lines.join("\n");
}
