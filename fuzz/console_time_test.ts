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
