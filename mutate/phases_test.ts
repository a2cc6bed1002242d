import assert from "node:assert/strict";
import { firstPhase, rulesNamed, secondPhase } from "./phases.ts";

const IDS = ["UD-WR-001", "UD-WR-007", "UD-WR-0070", "UD-DEL-001", "UD-FI-003"];

// Titles as the suites file them (conformance/verdicts.ts violationTitle,
// harness/health healthTitle, a console report's title).
const cases: { name: string; titles: string[]; named: string[] }[] = [
  { name: "no findings", titles: [], named: [] },
  {
    name: "a violation names its rule",
    titles: ["conformance UD-WR-007: write returned 0, expected EFAULT"],
    named: ["UD-WR-007"],
  },
  {
    name: "a crashed rule names itself",
    titles: [
      "conformance UD-DEL-001: the test process or the kernel died during this rule (exit 139); see the kernel reports",
    ],
    named: ["UD-DEL-001"],
  },
  {
    name: "a health finding names the case that left the consumer broken",
    titles: ["trace pipe stopped after conformance UD-FI-003"],
    named: ["UD-FI-003"],
  },
  {
    name: "a kernel report names no rule",
    titles: ["KASAN: use-after-free Read in diag_write", "WARNING in perf_trace_buf_alloc"],
    named: [],
  },
  {
    name: "an id that prefixes another is not matched inside it",
    titles: ["conformance UD-WR-0070: E2BIG"],
    named: ["UD-WR-0070"],
  },
];

for (const c of cases) {
  Deno.test(`rulesNamed(): ${c.name}`, () => {
    assert.deepEqual([...rulesNamed(c.titles, IDS)].sort(), [...c.named].sort());
  });
}

Deno.test("firstPhase(): the rules no baseline finding names, in order; null when that is all", () => {
  assert.deepEqual(firstPhase(IDS, ["conformance UD-WR-007: x", "KASAN: x in y"]), [
    "UD-WR-001",
    "UD-WR-0070",
    "UD-DEL-001",
    "UD-FI-003",
  ]);
  assert.equal(firstPhase(IDS, ["KASAN: x in y"]), null);
  // Every rule failed: an empty first phase would run them all (no IDs means all).
  assert.equal(firstPhase(IDS, IDS.map((id) => `conformance ${id}: x`)), null);
  assert.equal(firstPhase(IDS, []), null);
});

Deno.test("secondPhase(): every rule the first phase left without a verdict, the failed ones included", () => {
  const rows = [
    { rule: { id: "UD-WR-001" }, verdict: "pass" },
    { rule: { id: "UD-WR-0070" }, verdict: "fail" },
    { rule: { id: "UD-DEL-001" }, verdict: "not run" },
    { rule: { id: "UD-FI-003" }, verdict: "skip" },
  ];
  assert.deepEqual(secondPhase(IDS, rows), ["UD-WR-007", "UD-DEL-001"]);
});
