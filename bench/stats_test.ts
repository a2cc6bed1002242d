import assert from "node:assert/strict";
import {
  formatRate,
  formatSummary,
  markdownTable,
  max,
  median,
  min,
  pairedRatio,
  ratio,
  summarize,
} from "./stats.ts";

Deno.test("median() takes the middle sample of an odd count and the mean of the two middle ones of an even count", () => {
  assert.equal(median([5]), 5);
  assert.equal(median([9, 1, 5]), 5);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([-1, -3, -2]), -2);
});

Deno.test("median() does not reorder its input", () => {
  const xs = [3, 1, 2];
  median(xs);
  assert.deepEqual(xs, [3, 1, 2]);
});

Deno.test("median(), min() and max() refuse no samples and non-finite ones", () => {
  assert.throws(() => median([]), RangeError);
  assert.throws(() => min([]), RangeError);
  assert.throws(() => max([]), RangeError);
  assert.throws(() => median([1, NaN]), RangeError);
  assert.throws(() => max([Infinity]), RangeError);
});

Deno.test("summarize() gives n, median, min and max", () => {
  assert.deepEqual(summarize([10, 30, 20, 40]), { n: 4, median: 25, min: 10, max: 40 });
});

Deno.test("ratio() is null for a zero denominator", () => {
  assert.equal(ratio(3, 4), 0.75);
  assert.equal(ratio(0, 4), 0);
  assert.equal(ratio(3, 0), null);
});

Deno.test("pairedRatio() divides sample i by sample i and summarizes the ratios", () => {
  assert.deepEqual(pairedRatio([10, 20, 30], [20, 20, 20]), {
    n: 3,
    median: 1,
    min: 0.5,
    max: 1.5,
  });
});

Deno.test("pairedRatio() is null when a pair has a zero denominator, and refuses unequal lengths", () => {
  assert.equal(pairedRatio([1, 2], [1, 0]), null);
  assert.equal(pairedRatio([], []), null);
  assert.throws(() => pairedRatio([1], [1, 2]), RangeError);
});

Deno.test("formatRate() keeps three significant digits and an SI suffix", () => {
  assert.equal(formatRate(0), "0");
  assert.equal(formatRate(0.1234), "0.123");
  assert.equal(formatRate(5), "5.00");
  assert.equal(formatRate(42.42), "42.4");
  assert.equal(formatRate(999), "999");
  assert.equal(formatRate(1000), "1.00 k");
  assert.equal(formatRate(123_456), "123 k");
  assert.equal(formatRate(4_560_000), "4.56 M");
  assert.equal(formatRate(2e9), "2.00 G");
});

Deno.test("formatSummary() prints median (min–max), one sample alone, and a dash for none", () => {
  const f = (x: number) => x.toFixed(0);
  assert.equal(formatSummary(summarize([1, 2, 3]), f), "2 (1–3)");
  assert.equal(formatSummary(summarize([7]), f), "7");
  assert.equal(formatSummary(null, f), "–");
});

Deno.test("markdownTable() pads cells, right-aligns numeric columns and escapes pipes", () => {
  const t = markdownTable(
    ["mix", "ops/s"],
    [["a|b", "1"], ["longer name", "12345"]],
    ["left", "right"],
  );
  assert.equal(
    t,
    [
      "| mix         | ops/s |",
      "| ----------- | ----: |",
      "| a\\|b        |     1 |",
      "| longer name | 12345 |",
    ].join("\n"),
  );
});

Deno.test("markdownTable() refuses a row with the wrong number of cells", () => {
  assert.throws(() => markdownTable(["a", "b"], [["1"]]), RangeError);
});
