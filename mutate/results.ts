/**
 * What a mutation run found, and how it is written down (pure):
 * `out/mutate/summary.md` for people, `out/mutate/results.json` for tools.
 * I/O is left to the CLI.
 *
 * @module
 */

import { type Mutant, OPERATORS } from "./operators.ts";
import { reportClass, titleKey } from "../harness/report/dedup.ts";

/**
 * What happened to one mutant. `timed-out`: the suites ran out of time
 * without a new finding (counted as not killed); `equivalent`: judged to
 * behave as the original, with a reason; `duplicate`: compiled to the code
 * of an earlier mutant (tce.ts), whose verdict it shares without counting
 * twice.
 */
export type MutantStatus =
  | "killed"
  | "survived"
  | "did-not-build"
  | "timed-out"
  | "equivalent"
  | "duplicate";

/** The first finding that told the mutant from the original. */
export interface KilledBy {
  /** Its title, as the report store files it. */
  readonly finding: string;
  /** The suite that filed it: "conformance", "fuzz", "security". */
  readonly suite: string;
  /** Seconds from the start of the mutant's run to the finding. */
  readonly seconds: number;
  /**
   * Set when the finding is about a rule the baseline failed too: the
   * rule, how many times it was rerun on the unmutated target without
   * filing this finding, and how many rules ran before it in each rerun
   * (mutate/confirm.ts; absent in verdicts from before those rules ran).
   */
  readonly confirmed?: { readonly rule: string; readonly runs: number; readonly before?: number };
}

/** A finding that would have killed the mutant, but the unmutated target filed it too on a rerun. */
export interface VoidedKill {
  readonly finding: string;
  readonly rule: string;
  /** Reruns of `rule` on the unmutated target that filed it, of `runs`. */
  readonly seen: number;
  readonly runs: number;
  /** Rules run before `rule` in each rerun. */
  readonly before?: number;
}

/** One mutant and what happened to it. */
export interface MutantResult {
  readonly mutant: Mutant;
  readonly status: MutantStatus;
  /** Set when `status` is "killed". */
  readonly killedBy?: KilledBy;
  /** Set when `status` is "equivalent". */
  readonly equivalentReason?: string;
  /** The compiler's first error, when `status` is "did-not-build". */
  readonly buildError?: string;
  /** Findings not counted as kills: the unmutated target filed them too, rerun. */
  readonly voided?: readonly VoidedKill[];
  /** The hash of its object code (tce_build.ts), when the target's objects are compared. */
  readonly code?: string;
  /** Set when `status` is "duplicate": the mutant with the same code, and its status. */
  readonly duplicateOf?: { readonly id: string; readonly status: MutantStatus };
  /** The results.json of the run that gave this verdict, when runs were combined (combine.ts). */
  readonly run?: string;
}

/** The counts and the mutation score. */
export interface Score {
  readonly total: number;
  readonly killed: number;
  readonly survived: number;
  readonly timedOut: number;
  readonly didNotBuild: number;
  readonly equivalent: number;
  readonly duplicate: number;
  /** The mutants that count: total less did-not-build, equivalent and duplicate ones. */
  readonly scored: number;
  /** killed / scored, from 0 to 1; null when no mutant counts. */
  readonly score: number | null;
}

/** A run, as the writers take it. */
export interface MutateRun {
  /** The target as the CLI names it: "kmod", "patch:FILE", "kernel:PATCH". */
  readonly target: string;
  /** The command line that made the run. */
  readonly command: string;
  /** When it ran, ISO 8601. */
  readonly date: string;
  /** Finding titles of the unmutated target's run. */
  readonly baseline: readonly string[];
  readonly results: readonly MutantResult[];
  /** The equivalents file the run read (see equivalent.ts). */
  readonly equivalentFile?: string;
  /** What a reader must not miss: a judgment of equivalence the suites refuted. */
  readonly warnings?: readonly string[];
  /** Combined runs (combine.ts) that disagreed on mutants of the same object code. */
  readonly disagreements?: readonly string[];
}

/**
 * The score of `results`: killed / (total - did-not-build - equivalent -
 * duplicate). A timed-out mutant counts as not killed.
 *
 * @example
 * ```ts
 * import { score } from "./results.ts";
 * const r = (status: "killed" | "survived" | "did-not-build" | "timed-out") =>
 *   ({ mutant: {} as never, status });
 * const s = score([r("killed"), r("survived"), r("did-not-build"), r("timed-out")]);
 * if (s.scored !== 3 || s.killed !== 1 || s.score !== 1 / 3) throw new Error();
 * ```
 */
export function score(results: readonly MutantResult[]): Score {
  const count = (status: MutantStatus) => results.filter((r) => r.status === status).length;
  const total = results.length;
  const killed = count("killed");
  const didNotBuild = count("did-not-build");
  const equivalent = count("equivalent");
  const duplicate = count("duplicate");
  const scored = total - didNotBuild - equivalent - duplicate;
  return {
    total,
    killed,
    survived: count("survived"),
    timedOut: count("timed-out"),
    didNotBuild,
    equivalent,
    duplicate,
    scored,
    score: scored > 0 ? killed / scored : null,
  };
}

/** The findings one run of the suites filed, by suite, with when each was first seen. */
export type FindingsBySuite = Record<string, { title: string; kind?: string; at: number }[]>;

/**
 * The findings of several runs of the suites (pure): each suite's, every
 * title once, as first seen.
 *
 * ```ts
 * import { mergeRuns } from "./results.ts";
 * const a = { conformance: [{ title: "x", at: 1 }] };
 * const b = { conformance: [{ title: "y", at: 2 }, { title: "x", at: 3 }] };
 * const m = mergeRuns([a, b]);
 * if (m.conformance!.map((f) => f.title).join() !== "x,y") throw new Error();
 * ```
 */
export function mergeRuns(runs: readonly FindingsBySuite[]): FindingsBySuite {
  const out: FindingsBySuite = {};
  for (const run of runs) {
    for (const [suite, found] of Object.entries(run)) {
      const list = out[suite] ??= [];
      for (const f of found) if (!list.some((x) => x.title === f.title)) list.push(f);
    }
  }
  return out;
}

/**
 * The order a mutant's findings are offered as its killer (pure): kernel
 * reports first, then by when each was first seen. A rule whose process
 * "died" while the kernel reported (or whose boot was stopped at the report)
 * is the report's consequence, and the report says what the mutant broke.
 *
 * @example
 * ```ts
 * import { byCause } from "./results.ts";
 * const f = [{ title: "rule died", kind: "rule", at: 1 }, { title: "KASAN", kind: "kernel", at: 2 }];
 * if ([...f].sort(byCause)[0]!.title !== "KASAN") throw new Error();
 * ```
 */
export function byCause(
  a: { readonly kind: string; readonly at: number },
  b: { readonly kind: string; readonly at: number },
): number {
  return Number(a.kind !== "kernel") - Number(b.kind !== "kernel") || a.at - b.at;
}

/**
 * What two titles must share to be one finding when two runs are compared
 * (pure): their {@linkcode titleKey}, with what the scheduler decides left
 * out: a broken consumer's CPU (the one a health probe first noticed) and
 * where a leaked preempt count was noticed ("BUG: scheduling while atomic"
 * in whichever frame next scheduled, as harness/report/dedup.ts sameReport()
 * has it).
 *
 * @example
 * ```ts
 * import { findingKey } from "./results.ts";
 * const a = findingKey("health: ftrace stopped working on CPU 0 after conformance UD-WR-007");
 * if (a !== findingKey("health: ftrace stopped working on CPU 1 after conformance UD-WR-007")) {
 *   throw new Error(a);
 * }
 * const b = findingKey("BUG: scheduling while atomic in rwsem_down_read_slowpath");
 * if (b !== findingKey("BUG: scheduling while atomic on return to user mode")) throw new Error(b);
 * ```
 */
export function findingKey(title: string): string {
  const key = titleKey(title);
  const atomic = "BUG: scheduling while atomic";
  if (reportClass(key) === atomic) return atomic;
  return key.replace(/^(health: .+? stopped working) on CPU \d+ after /, "$1 after ");
}

/**
 * The finding that kills a mutant: the first title of its run that the
 * unmutated run does not have (compared by {@linkcode findingKey}), or null.
 *
 * @example
 * ```ts
 * import { killingFinding } from "./results.ts";
 * const base = ["WARNING in diag_probe_perf"];
 * const got = killingFinding(base, ["WARNING in diag_probe_perf", "[UD-DEL-003] delete while traced"]);
 * if (got !== "[UD-DEL-003] delete while traced" || killingFinding(base, base) !== null) {
 *   throw new Error();
 * }
 * ```
 */
export function killingFinding(
  baseline: readonly string[],
  mutantFindings: readonly string[],
): string | null {
  const known = new Set(baseline.map(findingKey));
  return mutantFindings.find((t) => !known.has(findingKey(t))) ?? null;
}

function percent(s: Score): string {
  return s.score === null ? "n/a" : `${(s.score * 100).toFixed(1)}%`;
}

/** A table cell: one line, no column break, code spans kept closed. */
function cell(text: string): string {
  return text.replace(/\s+/g, " ").trim().replace(/\|/g, "\\|");
}

/** Why the mutant ended as it did: the killing finding or the reason (and the run's, if combined). */
function outcome(r: MutantResult): string {
  return ownOutcome(r) + (r.run ? ` [${r.run}]` : "");
}

function ownOutcome(r: MutantResult): string {
  switch (r.status) {
    case "killed": {
      const k = r.killedBy;
      if (!k) return "";
      const c = k.confirmed;
      return `${k.finding} (${k.suite}, ${k.seconds.toFixed(0)} s)` +
        (c
          ? `; not filed by ${c.runs} reruns of ${c.rule}${after(c.before)} on the unmutated target`
          : "") +
        voidedText(r);
    }
    case "equivalent":
      return r.equivalentReason ?? "";
    case "duplicate":
      return r.duplicateOf
        ? `the same object code as ${r.duplicateOf.id} (${r.duplicateOf.status}); not run again`
        : "";
    case "did-not-build":
      return (r.buildError ?? "").split("\n")[0]!;
    default:
      return voidedText(r).replace(/^; /, "");
  }
}

function voidedText(r: MutantResult): string {
  return (r.voided ?? []).map((v) =>
    `; not counted: ${v.finding} (the unmutated target filed it in ${v.seen} of ${v.runs} reruns of ${v.rule}${
      after(v.before)
    })`
  ).join("");
}

function after(before: number | undefined): string {
  return before ? ` after the ${before} rule(s) before it` : "";
}

/**
 * The summary for people: the score, a row per operator, a row per mutant
 * and the diff of each mutant the suites did not kill.
 *
 * @example
 * ```ts
 * import { summaryMarkdown } from "./results.ts";
 * import { mutants } from "./operators.ts";
 * const [m] = mutants("f.c", "int f(void)\n{\n\treturn -EBUSY;\n}\n", ["swap-errno"]);
 * const md = summaryMarkdown({
 *   target: "kmod", command: "deno task mutate --target kmod", date: "2025-01-01",
 *   baseline: [], results: [{ mutant: m!, status: "survived" }],
 * });
 * if (!md.includes("Score: 0.0% (0 of 1 killed)") || !md.includes("+\treturn -EINVAL;")) {
 *   throw new Error(md);
 * }
 * ```
 */
export function summaryMarkdown(o: MutateRun): string {
  const s = score(o.results);
  const out = [
    `# Mutation analysis: ${o.target}`,
    "",
    `- Command: \`${o.command}\``,
    `- Date: ${o.date}`,
    `- Baseline findings: ${o.baseline.length === 0 ? "none" : o.baseline.length}`,
    ...o.baseline.map((t) => `  - ${t}`),
    "",
    `**Score: ${percent(s)} (${s.killed} of ${s.scored} killed)**; ${s.total} mutants: ` +
    `${s.survived} survived, ${s.timedOut} timed out, ${s.didNotBuild} did not build, ` +
    `${s.equivalent} equivalent, ${s.duplicate} duplicate. A timed-out mutant counts as not ` +
    "killed; one that did not build, is equivalent or duplicates another's code does not count.",
    ...(o.equivalentFile
      ? ["", `Equivalent mutants are judged, with reasons, in \`${o.equivalentFile}\`.`]
      : []),
    ...(o.warnings?.length
      ? [
        "",
        "**Judged equivalent but killed (the judgment is wrong):**",
        ...o.warnings.map((w) => `- ${w}`),
      ]
      : []),
    ...(o.disagreements?.length
      ? [
        "",
        "**Runs that disagreed on the same object code (the class counts as not killed, or as " +
        "judged when a judgment covers it):**",
        ...o.disagreements.map((w) => `- ${w}`),
      ]
      : []),
    "",
    "## By operator",
    "",
    "| Operator | Killed | Scored | Total | Score |",
    "| --- | ---: | ---: | ---: | ---: |",
  ];
  for (const { name } of OPERATORS) {
    const of = o.results.filter((r) => r.mutant.operator === name);
    if (of.length === 0) continue;
    const t = score(of);
    out.push(`| ${name} | ${t.killed} | ${t.scored} | ${t.total} | ${percent(t)} |`);
  }
  out.push(
    "",
    "## Mutants",
    "",
    "| Id | Operator | Location | Status | Killed by / reason | Mutation |",
    "| --- | --- | --- | --- | --- | --- |",
  );
  for (const r of o.results) {
    const m = r.mutant;
    out.push(
      `| ${m.id} | ${m.operator} | ${m.file}:${m.line} | ${r.status} | ${cell(outcome(r))} | ` +
        `${cell(m.description)} |`,
    );
  }
  const alive = o.results.filter((r) => r.status === "survived" || r.status === "timed-out");
  if (alive.length > 0) {
    out.push("", "## Not killed", "");
    for (const r of alive) {
      const m = r.mutant;
      out.push(
        `### ${m.id}: ${m.operator} at ${m.file}:${m.line} (${r.status})`,
        "",
        "```diff",
        m.diff.replace(/\n$/, ""),
        "```",
        "",
      );
    }
  }
  return out.join("\n").replace(/\n*$/, "\n");
}

/**
 * The results for tools, as JSON: the run, its score and per mutant its id,
 * operator, place, description, diff, edits and outcome.
 *
 * @example
 * ```ts
 * import { resultsJson } from "./results.ts";
 * const j = JSON.parse(resultsJson({
 *   target: "kmod", command: "deno task mutate", date: "2025-01-01", baseline: [], results: [],
 * }));
 * if (j.version !== 1 || j.score.total !== 0 || j.score.score !== null) throw new Error();
 * ```
 */
export function resultsJson(o: MutateRun): string {
  const doc = {
    version: 1,
    target: o.target,
    command: o.command,
    date: o.date,
    baseline: o.baseline,
    ...(o.equivalentFile ? { equivalentFile: o.equivalentFile } : {}),
    warnings: o.warnings ?? [],
    ...(o.disagreements?.length ? { disagreements: o.disagreements } : {}),
    score: score(o.results),
    results: o.results.map(({ mutant: m, status, ...why }) => ({
      id: m.id,
      operator: m.operator,
      status,
      file: m.file,
      line: m.line,
      column: m.column,
      description: m.description,
      ...why,
      diff: m.diff,
      edits: m.edits,
    })),
  };
  return JSON.stringify(doc, null, 2) + "\n";
}
