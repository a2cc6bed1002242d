/**
 * Counts a JUnit XML report (pure): what `.ci/run` prints as its closing
 * `N passed, N failed` line, from the tests that really ran.
 *
 * @module
 */

/** Totals of one or more JUnit reports. */
export interface JunitTotals {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Counts `<testcase>` elements: one with a `<failure>` or `<error>` failed,
 * one with `<skipped>` was skipped, the rest passed.
 *
 * @example
 * ```ts
 * import { countJunit } from "./junit.ts";
 * const t = countJunit('<testcase name="a"></testcase><testcase name="b"><failure/></testcase>');
 * if (t.passed !== 1 || t.failed !== 1) throw new Error();
 * ```
 */
export function countJunit(xml: string): JunitTotals {
  const totals: JunitTotals = { passed: 0, failed: 0, skipped: 0 };
  const cases = xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g);
  for (const m of cases) {
    const body = m[2] ?? "";
    if (/<(failure|error)\b/.test(body)) totals.failed++;
    else if (/<skipped\b/.test(body)) totals.skipped++;
    else totals.passed++;
  }
  return totals;
}

/** `N passed, N failed[, N skipped]`: the closing line CI reads. */
export function totalsLine(t: JunitTotals): string {
  return `${t.passed} passed, ${t.failed} failed` + (t.skipped ? `, ${t.skipped} skipped` : "");
}

/**
 * One JUnit document from several runs' (each boot of a suite writes its own).
 *
 * @example
 * ```ts
 * import { countJunit, mergeJunit } from "./junit.ts";
 * const one = '<testsuites><testsuite name="a"><testcase name="x"/></testsuite></testsuites>';
 * if (countJunit(mergeJunit([one, one], "conformance")).passed !== 2) throw new Error();
 * ```
 */
export function mergeJunit(docs: readonly string[], name: string): string {
  const suites = docs.flatMap((d) =>
    [...d.matchAll(/<testsuite\b[\s\S]*?<\/testsuite>/g)].map((m) => m[0])
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${name}">\n${
    suites.join("\n")
  }\n</testsuites>\n`;
}

/** One test case of {@linkcode casesJunit}: its name, and why it failed if it did. */
export interface JunitCase {
  readonly name: string;
  readonly failure?: string;
}

function xmlText(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/**
 * A JUnit document of cases whose outcomes are known another way (pure):
 * for a run whose test process ended before it wrote its own report (the
 * kernel died, or a case left the machine unhealthy), so the cases that ran
 * still count.
 *
 * @example
 * ```ts
 * import { casesJunit, countJunit } from "./junit.ts";
 * const t = countJunit(casesJunit([{ name: "[A] a" }, { name: "[B] <b>", failure: "x" }], "s"));
 * if (t.passed !== 1 || t.failed !== 1) throw new Error();
 * ```
 */
export function casesJunit(cases: readonly JunitCase[], suite: string): string {
  const lines = cases.map((c) =>
    c.failure === undefined
      ? `<testcase name="${xmlText(c.name)}" classname="${xmlText(suite)}"/>`
      : `<testcase name="${xmlText(c.name)}" classname="${xmlText(suite)}">` +
        `<failure message="${xmlText(c.failure)}"/></testcase>`
  );
  const failures = cases.filter((c) => c.failure !== undefined).length;
  return `<testsuites><testsuite name="${xmlText(suite)}" tests="${cases.length}" ` +
    `failures="${failures}">\n${lines.join("\n")}\n</testsuite></testsuites>\n`;
}

if (import.meta.main) {
  const totals: JunitTotals = { passed: 0, failed: 0, skipped: 0 };
  let files = 0;
  for (const path of Deno.args) {
    let xml: string;
    try {
      xml = Deno.readTextFileSync(path);
    } catch {
      continue; // a suite that did not run at all leaves no file; its absence is reported by its exit code
    }
    files++;
    const t = countJunit(xml);
    totals.passed += t.passed;
    totals.failed += t.failed;
    totals.skipped += t.skipped;
  }
  if (files === 0) totals.failed++;
  console.log(totalsLine(totals));
}
