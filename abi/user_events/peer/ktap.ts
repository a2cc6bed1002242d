/**
 * A parser for the KTAP / TAP13 that kselftest binaries print (pure): the
 * version line, the plan, `ok`/`not ok` result lines with their `# SKIP` and
 * other directives, `Bail out!`, and the `#` diagnostics the harness prints
 * between results (`#  RUN …`, assertion failures, `# Totals: …`).
 *
 * Only the top level is read: the kselftest harness does not nest, and an
 * indented line is kept as a diagnostic. Output that cannot be trusted to
 * be complete (no version, no plan, fewer results than planned, a bail-out,
 * numbers out of order, totals that disagree) is an error, never a pass:
 * see {@linkcode KtapDoc.errors} and {@linkcode ktapVerdict}.
 *
 * @module
 */

/** What one test case came to. */
export type Verdict = "pass" | "fail" | "skip";

/** One `ok`/`not ok` line and the diagnostics printed before it. */
export interface KtapResult {
  readonly number: number;
  readonly name: string;
  readonly verdict: Verdict;
  /** `SKIP`, `TODO`, `XFAIL`, `XPASS`, … upper-cased; null when none. */
  readonly directive: string | null;
  /** The text after the directive (a skip's reason); null when none. */
  readonly reason: string | null;
  /** Diagnostic lines since the previous result, `#` and one blank stripped. */
  readonly diagnostics: readonly string[];
  /** 1-based line of the result in the input. */
  readonly line: number;
}

/** The plan line `1..N`. */
export interface KtapPlan {
  readonly count: number;
  /** A directive on the plan (`1..0 # SKIP no tracefs`), or null. */
  readonly directive: string | null;
  readonly reason: string | null;
}

/** The harness's own `# Totals:` line, when it printed one. */
export interface KtapTotals {
  readonly pass: number;
  readonly fail: number;
  readonly xfail: number;
  readonly xpass: number;
  readonly skip: number;
  readonly error: number;
}

/** A parsed KTAP / TAP13 document. */
export interface KtapDoc {
  /** 13 for `TAP version 13`, 1 for `KTAP version 1`; null when missing. */
  readonly version: number | null;
  readonly plan: KtapPlan | null;
  readonly results: readonly KtapResult[];
  /** Counts of the results. */
  readonly counts: Readonly<Record<Verdict, number>>;
  readonly totals: KtapTotals | null;
  readonly bailOut: string | null;
  /** Diagnostics after the last result. */
  readonly trailing: readonly string[];
  /** Why the output cannot be trusted as complete; empty when it can. */
  readonly errors: readonly string[];
}

const VERSION = /^(TAP|KTAP) version (\d+)\s*$/;
const PLAN = /^1\.\.(\d+)\s*(?:#\s*(.*))?$/;
const RESULT = /^(not ok|ok)\b\s*(\d+)?\s*(?:-\s*)?(.*)$/;
const DIRECTIVE = /^([A-Za-z]+)\b\s*(.*)$/;
const TOTALS =
  /^Totals:\s*pass:(\d+)\s+fail:(\d+)\s+xfail:(\d+)\s+xpass:(\d+)\s+skip:(\d+)\s+error:(\d+)/;

/** Splits `text # DIRECTIVE reason` at the first unescaped `#`. */
function splitDirective(
  rest: string,
): { name: string; directive: string | null; reason: string | null } {
  let i = -1;
  for (let k = 0; k < rest.length; k++) {
    if (rest[k] === "\\") {
      k++;
      continue;
    }
    if (rest[k] === "#") {
      i = k;
      break;
    }
  }
  if (i < 0) return { name: rest.trim(), directive: null, reason: null };
  const name = rest.slice(0, i).trim();
  const m = DIRECTIVE.exec(rest.slice(i + 1).trim());
  if (!m) return { name, directive: null, reason: rest.slice(i + 1).trim() || null };
  return { name, directive: m[1]!.toUpperCase(), reason: m[2]!.trim() || null };
}

/** The verdict of a result line: `not ok` fails unless TODO; SKIP skips. */
function verdictOf(ok: boolean, directive: string | null): Verdict {
  if (directive === "SKIP") return "skip";
  if (directive === "TODO" || directive === "XFAIL") return "pass";
  return ok ? "pass" : "fail";
}

function diagnosticText(line: string): string {
  return line.replace(/^#\s?/, "");
}

/**
 * Parses KTAP / TAP13 output.
 *
 * @example
 * ```ts
 * import { parseKtap } from "./ktap.ts";
 * const d = parseKtap("TAP version 13\n1..2\n# RUN a\nok 1 a\nok 2 b # SKIP no perf\n");
 * if (d.errors.length !== 0 || d.counts.pass !== 1 || d.counts.skip !== 1) throw new Error();
 * if (d.results[1]!.reason !== "no perf" || d.results[0]!.diagnostics[0] !== "RUN a") {
 *   throw new Error();
 * }
 * ```
 */
export function parseKtap(text: string): KtapDoc {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  let version: number | null = null;
  let plan: KtapPlan | null = null;
  let planLine = -1;
  let totals: KtapTotals | null = null;
  let bailOut: string | null = null;
  const results: KtapResult[] = [];
  const errors: string[] = [];
  let pending: string[] = [];
  let firstSignificant = true;

  lines.forEach((raw, idx) => {
    const lineNo = idx + 1;
    // Top level only: an indented line (a subtest, a stray message) is a diagnostic.
    const line = raw.replace(/\s+$/, "");
    const v = VERSION.exec(line);
    if (v) {
      if (version !== null) errors.push(`line ${lineNo}: second version line`);
      else if (!firstSignificant) errors.push(`line ${lineNo}: version line is not the first`);
      version = Number(v[2]);
      firstSignificant = false;
      return;
    }
    const p = PLAN.exec(line);
    if (p) {
      if (plan !== null) errors.push(`line ${lineNo}: second plan`);
      else {
        const d = p[2] ? splitDirective(`#${p[2]}`) : null;
        plan = { count: Number(p[1]), directive: d?.directive ?? null, reason: d?.reason ?? null };
        planLine = lineNo;
      }
      firstSignificant = false;
      return;
    }
    const r = RESULT.exec(line);
    if (r) {
      firstSignificant = false;
      const ok = r[1] === "ok";
      const { name, directive, reason } = splitDirective(r[3] ?? "");
      const expected = results.length + 1;
      const number = r[2] === undefined ? expected : Number(r[2]);
      if (number !== expected) {
        errors.push(`line ${lineNo}: result number ${number}, expected ${expected}`);
      }
      results.push({
        number,
        name,
        verdict: verdictOf(ok, directive),
        directive,
        reason,
        diagnostics: pending,
        line: lineNo,
      });
      pending = [];
      return;
    }
    const b = /^Bail out!\s*(.*)$/.exec(line);
    if (b) {
      firstSignificant = false;
      bailOut = b[1] ?? "";
      errors.push(`line ${lineNo}: bail out${bailOut ? `: ${bailOut}` : ""}`);
      return;
    }
    if (line.trim() === "") return;
    const d = diagnosticText(line);
    const t = TOTALS.exec(d);
    if (t) {
      const n = t.slice(1).map(Number);
      totals = {
        pass: n[0]!,
        fail: n[1]!,
        xfail: n[2]!,
        xpass: n[3]!,
        skip: n[4]!,
        error: n[5]!,
      };
    }
    pending.push(d);
  });

  if (lines.length === 0 || lines.every((l) => l.trim() === "")) {
    errors.push("no output");
  } else {
    if (version === null) errors.push("no version line (TAP version 13 / KTAP version 1)");
    if (plan === null) {
      errors.push(
        `no plan: truncated output or the binary died before it started (${results.length} results)`,
      );
    }
  }
  const p = plan as KtapPlan | null;
  if (p !== null && p.count !== results.length) {
    errors.push(
      `plan says ${p.count} tests (line ${planLine}), ${results.length} results: ` +
        (results.length < p.count ? "truncated output" : "more results than planned"),
    );
  }
  const counts = { pass: 0, fail: 0, skip: 0 };
  for (const r of results) counts[r.verdict]++;
  const tt = totals as KtapTotals | null;
  if (tt !== null) {
    const skip = tt.skip;
    const fail = tt.fail + tt.error;
    if (skip !== counts.skip || fail !== counts.fail) {
      errors.push(
        `totals line says fail:${fail} skip:${skip}, results say fail:${counts.fail} skip:${counts.skip}`,
      );
    }
  }
  return { version, plan, results, counts, totals, bailOut, trailing: pending, errors };
}

/**
 * The verdict of a whole document: an error (untrusted output) beats any
 * failure, a failure beats skips, and a document of only skips (or a
 * `1..0 # SKIP` plan) is a skip.
 */
export function ktapVerdict(doc: KtapDoc): Verdict | "error" {
  if (doc.errors.length > 0) return "error";
  if (doc.counts.fail > 0) return "fail";
  if (doc.results.length === 0) return doc.plan?.directive === "SKIP" ? "skip" : "pass";
  if (doc.counts.pass === 0) return "skip";
  return "pass";
}

/** A result with the stderr lines that name its test. */
export interface KtapResultWithStderr extends KtapResult {
  /** The binary's stderr lines about this case (assertion failures, TH_LOG). */
  readonly stderr: readonly string[];
}

/**
 * Attaches a kselftest binary's stderr to its results. The harness writes
 * assertion failures and `TH_LOG` to stderr as `# file.c:LINE:TEST:…` and
 * `# TEST: Test terminated …`, so stdout and stderr captured apart still meet
 * by the test's name (the part of `fixture.test` after the last dot).
 * Returns the results with their lines, and the stderr lines no test claims.
 *
 * @example
 * ```ts
 * import { attachStderr, parseKtap } from "./ktap.ts";
 * const d = parseKtap("TAP version 13\n1..1\nnot ok 1 user.flags\n");
 * const a = attachStderr(d, "# abi_test.c:265:flags:Expected 0 (0) == f() (-1)\n");
 * if (a.results[0]!.stderr.length !== 1 || a.unclaimed.length !== 0) throw new Error();
 * ```
 */
export function attachStderr(
  doc: KtapDoc,
  stderr: string,
): { results: KtapResultWithStderr[]; unclaimed: string[] } {
  const byTest = new Map<string, string[]>();
  const unclaimed: string[] = [];
  const short = (name: string) => name.slice(name.lastIndexOf(".") + 1);
  const known = new Set(doc.results.map((r) => short(r.name)));
  for (const raw of stderr.split(/\r?\n/)) {
    if (raw.trim() === "") continue;
    const line = diagnosticText(raw.trimEnd());
    const m = /^[^\s:]+\.[ch]:\d+:([^:\s]+):/.exec(line) ?? /^([^:\s]+): /.exec(line);
    const test = m?.[1];
    if (test !== undefined && known.has(test)) {
      const list = byTest.get(test) ?? [];
      list.push(line);
      byTest.set(test, list);
    } else {
      unclaimed.push(line);
    }
  }
  return {
    results: doc.results.map((r) => ({ ...r, stderr: byTest.get(short(r.name)) ?? [] })),
    unclaimed,
  };
}
