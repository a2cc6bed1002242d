import assert from "node:assert/strict";
import {
  caseMark,
  consoleForCase,
  crashedCase,
  lastMarkBefore,
  parseMark,
  splitCaseRef,
  startedCases,
} from "./marks.ts";

/** Marks as they show on the console, with printk prefixes. */
function log(...lines: string[]): string {
  return lines.map((l, i) => l.startsWith("udiag-fuzz[") ? `[   ${i}.000000] ${l}` : l).join("\n");
}

const MARK_TABLE: { line: string; want: ReturnType<typeof parseMark> }[] = [
  {
    line: "[   17.100000] udiag-fuzz[412]: conformance/UD-REG-001: start",
    want: { pid: 412, suite: "conformance", caseId: "UD-REG-001", phase: "start" },
  },
  {
    line: "[   62.102480][ T5830] udiag-fuzz[9]: fuzz/model/1/2: end",
    want: { pid: 9, suite: "fuzz", caseId: "model/1/2", phase: "end" },
  },
  {
    line: "udiag-fuzz[0]: capture/clean-boot-smoke: start",
    want: { pid: 0, suite: "capture", caseId: "clean-boot-smoke", phase: "start" },
  },
  // A mark quoted inside another line is not a mark.
  { line: "[ 1.0] sh: udiag-fuzz[1]: fuzz/x: start not found", want: null },
  { line: "[ 1.0] udiag-vm: booted 6.12.117 cpus=2", want: null },
  { line: "[ 1.0] udiag-fuzz[1]: nosuite: start", want: null },
];

for (const { line, want } of MARK_TABLE) {
  Deno.test(`parseMark() reads ${JSON.stringify(line)}`, () => {
    assert.deepEqual(parseMark(line), want);
  });
}

Deno.test("caseMark() writes what parseMark() reads, and refuses a suite with a slash", () => {
  const m = parseMark(`[ 3.0] ${caseMark("security", "SEC-HD-001", "end", 77)}`);
  assert.deepEqual(m, { pid: 77, suite: "security", caseId: "SEC-HD-001", phase: "end" });
  assert.throws(() => caseMark("a/b", "c", "start"), RangeError);
});

Deno.test("splitCaseRef() splits at the first slash only", () => {
  assert.deepEqual(splitCaseRef("fuzz/race/5/3x3000"), { suite: "fuzz", caseId: "race/5/3x3000" });
  assert.equal(splitCaseRef("boot"), null);
});

Deno.test("crashedCase() names the case that started last and never reported", () => {
  const text = log(
    "udiag-fuzz[5]: conformance/UD-WR-004: start",
    "udiag-fuzz[5]: conformance/UD-WR-004: end",
    "udiag-fuzz[5]: conformance/UD-WR-005: start",
    "Segfault",
  );
  assert.equal(crashedCase(text, "conformance", new Set(["UD-WR-004"])), "UD-WR-005");
  assert.equal(crashedCase(text, "conformance", new Set(["UD-WR-004", "UD-WR-005"])), null);
  const mixed = log(
    "udiag-fuzz[5]: security/SEC-HD-001: start",
    "udiag-fuzz[5]: conformance/UD-WR-005: start",
  );
  assert.equal(crashedCase(mixed, "security", new Set()), "SEC-HD-001");
  assert.deepEqual(startedCases(mixed), ["SEC-HD-001", "UD-WR-005"]);
});

Deno.test("consoleForCase() cuts the console between a case's marks", () => {
  const text = [
    "a",
    "[ 1.0] udiag-fuzz[9]: fuzz/model/1/1: start",
    "b",
    "[ 2.0] udiag-fuzz[9]: fuzz/model/1/1: end",
    "[ 3.0] udiag-fuzz[9]: fuzz/model/1/2: start",
  ].join("\n");
  assert.equal(consoleForCase(text, "fuzz", "model/1/1").split("\n").length, 4);
  assert.equal(consoleForCase(text, "fuzz", "model/9/9"), "");
  assert.equal(consoleForCase(text, "security", "model/1/1"), "");
});

Deno.test("lastMarkBefore() skips end marks", () => {
  const text = log(
    "udiag-fuzz[5]: fuzz/model/1/1: start",
    "udiag-fuzz[5]: fuzz/model/1/1: end",
    "BUG: x",
  );
  assert.equal(lastMarkBefore(text, 2), "fuzz/model/1/1");
});
