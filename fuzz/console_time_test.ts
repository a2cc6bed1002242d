import assert from "node:assert/strict";
import { consoleFoundAfter, printkSeconds } from "./console_time.ts";

const TABLE: [string, number | null][] = [
  ["[   12.345678] udiag-fuzz[201]: fuzz/model/1/1: start", 12.345678],
  ["<4>[    3.000001] WARNING: CPU: 0 PID: 1 at x", 3.000001],
  ["[   62.102480][ T5830] ------------[ cut here ]------------", 62.10248],
  ["udiag-vm: booted", null],
  ["  [   1.0] indented", null],
];
for (const [line, want] of TABLE) {
  Deno.test(`printkSeconds(${JSON.stringify(line.slice(0, 30))}) is ${want}`, () => {
    assert.equal(printkSeconds(line), want);
  });
}

// A fuzz run of our module built with SKIP_EBUSY, captured in the guest
// (testdata/README.md): 42 fuzz cases had started (the last is model/3/42,
// numbered by the guest's own count) when KASAN reported at 102.25 s, and
// the first had started at 73.39 s.
const SKIP_EBUSY = Deno.readTextFileSync(
  new URL("./testdata/skip_ebusy_kasan.console.log", import.meta.url),
);
// A console with a report and no fuzz case (the parser's own testdata).
const NO_CASES = Deno.readTextFileSync(
  new URL("../harness/console/testdata/kasan-double-free", import.meta.url),
);

const FOUND: [string, string, string, { seconds: number; cases: number } | null][] = [
  [
    "the report after the 42nd case's start",
    SKIP_EBUSY,
    "KASAN: slab-use-after-free Read in diag_dev_release",
    { seconds: 28.9, cases: 42 },
  ],
  ["a title the console does not hold", SKIP_EBUSY, "KASAN: use-after-free in elsewhere", null],
  ["a report with no fuzz case before it", NO_CASES, "KASAN: double-free in lkdtm_do_action", null],
];
for (const [name, log, title, want] of FOUND) {
  Deno.test(`consoleFoundAfter(): ${name}`, () => {
    assert.deepEqual(consoleFoundAfter(log).get(title) ?? null, want);
  });
}
