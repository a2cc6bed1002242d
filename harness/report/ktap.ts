/**
 * A KTAP writer (pure): Deno's `--reporter=tap` prints TAP 14, kselftest
 * consumers read KTAP (Documentation/dev-tools/ktap.rst).
 *
 * @module
 */

/** One test line of a KTAP document. */
export interface KtapCase {
  readonly description: string;
  readonly result: "ok" | "not ok";
  /** `SKIP reason` or `TIMEOUT 30 seconds` etc. */
  readonly directive?: string;
  /** Lines printed as `# …` diagnostics before the result line. */
  readonly diagnostics?: readonly string[];
}

/**
 * Renders a flat KTAP v1 document.
 *
 * @example
 * ```ts
 * import { ktap } from "./ktap.ts";
 * const out = ktap([{ description: "[UD-REG-001] x", result: "ok" }]);
 * if (out !== "KTAP version 1\n1..1\nok 1 [UD-REG-001] x\n") throw new Error(out);
 * ```
 */
export function ktap(cases: readonly KtapCase[]): string {
  const lines = ["KTAP version 1", `1..${cases.length}`];
  cases.forEach((c, i) => {
    for (const d of c.diagnostics ?? []) lines.push(`# ${d.replaceAll("\n", " ")}`);
    const directive = c.directive ? ` # ${c.directive}` : "";
    lines.push(`${c.result} ${i + 1} ${c.description.replaceAll("\n", " ")}${directive}`);
  });
  return lines.join("\n") + "\n";
}
