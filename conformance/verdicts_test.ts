import assert from "node:assert/strict";
import {
  matrixMarkdown,
  tally,
  titleValue,
  verdicts,
  verdictsKtap,
  violationTitle,
} from "./verdicts.ts";
import { allRules, ruleById } from "./rules.ts";
import { crashedRule, mergeJunit } from "./run.ts";
import type { RuleOutcome } from "./fixture.ts";

const fail: RuleOutcome = {
  event: "rule",
  id: "UD-DEL-002",
  verdict: "fail",
  evidence: [
    { what: "register", got: "true", want: "true", ok: true },
    { what: "delete while held", got: "ok 0", want: "EBUSY", ok: false },
  ],
};

Deno.test("verdicts() never counts an unreported or skipped rule as a pass", () => {
  const rules = [ruleById("UD-DEL-002"), ruleById("UD-DEL-001"), ruleById("UD-REG-001")];
  const rows = verdicts(rules, [fail], new Set(["UD-REG-001"]));
  assert.deepEqual(rows.map((r) => r.verdict), ["fail", "not run", "skip"]);
  assert.deepEqual(tally(rows), { pass: 0, fail: 1, skip: 1, "not run": 1 });
  assert.match(verdictsKtap(rows), /^not ok 1 \[UD-DEL-002\]/m);
  assert.match(verdictsKtap(rows), /^ok 3 \[UD-REG-001\] .* # SKIP/m);
  assert.match(
    matrixMarkdown(rows, {}),
    /\| UD-DEL-002 \| \*\*FAIL\*\* \|.*delete while held: ok 0 \/ EBUSY/,
  );
});

Deno.test("violationTitle() names the rule and the first mismatch", () => {
  const [row] = verdicts([ruleById("UD-DEL-002")], [fail]);
  assert.equal(
    violationTitle(row!),
    "conformance UD-DEL-002: delete while held returned ok 0, expected EBUSY",
  );
});

Deno.test("rules have unique IDs, statements and sources", () => {
  const ids = allRules().map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const r of allRules()) {
    assert.match(r.id, /^UD-[A-Z]+-\d{3}$/);
    assert.ok(r.statement && r.source, r.id);
  }
});

Deno.test("titleValue() keeps short values and makes long ones stable", () => {
  assert.equal(titleValue("EBUSY"), "EBUSY");
  assert.equal(titleValue("2049=64,2050=228,2051=6,2052=128,2053=9"), "N=N,…");
  assert.equal(
    titleValue("2049=64,2050=228,2051=6,2052=128,2053=136,2054=255"),
    titleValue("17=3,2050=1,2051=6,2052=128,2053=136,2054=255"),
  );
  assert.ok(titleValue("x".repeat(300)).length <= 49);
});

Deno.test("crashedRule() names the rule that started and never reported", () => {
  const log = "x: conformance/UD-WR-004: start\nx: conformance/UD-WR-004: end\n" +
    "x: conformance/UD-WR-005: start\nSegfault\n";
  assert.equal(crashedRule(log, new Set(["UD-WR-004"])), "UD-WR-005");
  assert.equal(crashedRule(log, new Set(["UD-WR-004", "UD-WR-005"])), null);
  const sec = "x: security/SEC-HD-001: start\nx: conformance/UD-WR-005: start\n";
  assert.equal(crashedRule(sec, new Set(), "security"), "SEC-HD-001");
});

Deno.test("mergeJunit() keeps every testsuite of every run", () => {
  const a = '<testsuites><testsuite name="a"><testcase name="1"/></testsuite></testsuites>';
  const b = '<testsuites><testsuite name="b"><testcase name="2"/></testsuite></testsuites>';
  const m = mergeJunit([a, b, ""]);
  assert.equal([...m.matchAll(/<testsuite\b/g)].length, 2);
});
