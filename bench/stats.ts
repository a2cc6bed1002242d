/**
 * The benchmark's arithmetic and table rendering (pure): medians with their
 * min–max range, ratios of paired samples, compact rates, markdown tables.
 *
 * @module
 */

/** Median, min and max of a set of samples. */
export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

function nonEmpty(xs: readonly number[], what: string): void {
  if (xs.length === 0) throw new RangeError(`Cannot take the ${what} of no samples`);
  if (xs.some((x) => !Number.isFinite(x))) {
    throw new RangeError(`Cannot take the ${what} of non-finite samples: ${xs.join(", ")}`);
  }
}

/**
 * The median: the middle sample, or the mean of the two middle ones.
 *
 * @example
 * ```ts
 * import { median } from "./stats.ts";
 * if (median([3, 1, 2]) !== 2 || median([4, 1, 2, 3]) !== 2.5) throw new Error();
 * ```
 */
export function median(xs: readonly number[]): number {
  nonEmpty(xs, "median");
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The smallest sample.
 *
 * @example
 * ```ts
 * import { min } from "./stats.ts";
 * if (min([3, 1, 2]) !== 1) throw new Error();
 * ```
 */
export function min(xs: readonly number[]): number {
  nonEmpty(xs, "minimum");
  return xs.reduce((a, b) => (b < a ? b : a));
}

/**
 * The largest sample.
 *
 * @example
 * ```ts
 * import { max } from "./stats.ts";
 * if (max([3, 1, 2]) !== 3) throw new Error();
 * ```
 */
export function max(xs: readonly number[]): number {
  nonEmpty(xs, "maximum");
  return xs.reduce((a, b) => (b > a ? b : a));
}

/**
 * Median, min and max in one record.
 *
 * @example
 * ```ts
 * import { summarize } from "./stats.ts";
 * const s = summarize([5, 1, 3]);
 * if (s.n !== 3 || s.median !== 3 || s.min !== 1 || s.max !== 5) throw new Error();
 * ```
 */
export function summarize(xs: readonly number[]): Summary {
  return { n: xs.length, median: median(xs), min: min(xs), max: max(xs) };
}

/**
 * `a / b`, or null when `b` is 0 (no rate to compare with).
 *
 * @example
 * ```ts
 * import { ratio } from "./stats.ts";
 * if (ratio(1, 4) !== 0.25 || ratio(1, 0) !== null) throw new Error();
 * ```
 */
export function ratio(a: number, b: number): number | null {
  return b === 0 ? null : a / b;
}

/**
 * Ratios of paired samples (`a[i] / b[i]`, pairs taken in the same repeat),
 * summarized; null when a pair has a zero denominator.
 *
 * @example
 * ```ts
 * import { pairedRatio } from "./stats.ts";
 * const r = pairedRatio([1, 2, 3], [2, 2, 2]);
 * if (r === null || r.median !== 1 || r.min !== 0.5 || r.max !== 1.5) throw new Error();
 * ```
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): Summary | null {
  if (a.length !== b.length) {
    throw new RangeError(`Cannot pair ${a.length} samples with ${b.length}`);
  }
  const rs = a.map((x, i) => ratio(x, b[i]!));
  if (rs.length === 0 || rs.some((r) => r === null)) return null;
  return summarize(rs as number[]);
}

/**
 * A number with three significant digits and an SI suffix: `12.3 k`, `4.56 M`.
 *
 * @example
 * ```ts
 * import { formatRate } from "./stats.ts";
 * if (formatRate(12345) !== "12.3 k" || formatRate(987) !== "987") throw new Error();
 * ```
 */
export function formatRate(x: number): string {
  const units: [number, string][] = [[1e9, " G"], [1e6, " M"], [1e3, " k"]];
  for (const [scale, suffix] of units) {
    if (Math.abs(x) >= scale) return `${toSignificant(x / scale)}${suffix}`;
  }
  return toSignificant(x);
}

function toSignificant(x: number): string {
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x === 0 ? "0" : x.toPrecision(3);
}

/**
 * `median (min–max)` of a summary, each value through `fmt`; one sample prints alone.
 *
 * @example
 * ```ts
 * import { formatSummary, summarize } from "./stats.ts";
 * const s = formatSummary(summarize([1, 2, 3]), (x) => x.toFixed(1));
 * if (s !== "2.0 (1.0–3.0)") throw new Error(s);
 * ```
 */
export function formatSummary(s: Summary | null, fmt: (x: number) => string): string {
  if (s === null) return "–";
  return s.n === 1 ? fmt(s.median) : `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

/** How a table column lines up. */
export type Align = "left" | "right";

/**
 * A markdown pipe table, cells padded so the text lines up as well;
 * `|` in a cell is escaped.
 *
 * @example
 * ```ts
 * import { markdownTable } from "./stats.ts";
 * const t = markdownTable(["mix", "ops/s"], [["w", "12"]], ["left", "right"]);
 * if (t !== "| mix | ops/s |\n| --- | ----: |\n| w   |    12 |") throw new Error(t);
 * ```
 */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[] = [],
): string {
  for (const r of rows) {
    if (r.length !== headers.length) {
      throw new RangeError(`Row has ${r.length} cells, the table ${headers.length} columns`);
    }
  }
  const esc = (s: string) => s.replaceAll("|", "\\|");
  const cells = [headers, ...rows].map((r) => r.map(esc));
  const widths = headers.map((_, i) => Math.max(3, ...cells.map((r) => r[i]!.length)));
  const pad = (s: string, i: number) =>
    align[i] === "right" ? s.padStart(widths[i]!) : s.padEnd(widths[i]!);
  const line = (r: readonly string[]) => `| ${r.map(pad).join(" | ")} |`;
  const rule = widths.map((w, i) => align[i] === "right" ? `${"-".repeat(w - 1)}:` : "-".repeat(w));
  return [line(cells[0]!), `| ${rule.join(" | ")} |`, ...cells.slice(1).map(line)].join("\n");
}
