import assert from "node:assert/strict";
import {
  matrixMarkdown,
  ruleBreaks,
  tally,
  titleValue,
  verdicts,
  verdictsKtap,
  violationTitle,
} from "./verdicts.ts";
import { ruleById } from "../abi/udiag/conformance/rules.ts";
import { skippedRules } from "./run.ts";
import type { RuleOutcome } from "./rule_context.ts";

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

Deno.test("titleValue() keeps short values and makes long ones stable", () => {
  assert.equal(titleValue("EBUSY"), "EBUSY");
  assert.equal(titleValue("2049=64,2050=228,2051=6,2052=128,2053=9"), "N=N,…");
  assert.equal(
    titleValue("2049=64,2050=228,2051=6,2052=128,2053=136,2054=255"),
    titleValue("17=3,2050=1,2051=6,2052=128,2053=136,2054=255"),
  );
  assert.ok(titleValue("x".repeat(300)).length <= 49);
});

Deno.test("ruleBreaks() names the rule, its source and our reading", () => {
  assert.match(
    ruleBreaks(ruleById("UD-MM-003"), "RFC"),
    /^rule UD-MM-003: mmap with PROT_WRITE fails with EPERM.* \(RFC: .*\); our reading:/,
  );
  assert.doesNotMatch(ruleBreaks(ruleById("UD-DEL-001"), "RFC"), /our reading/);
});

Deno.test("skippedRules() reads the rules deno test skipped from its JUnit", () => {
  const junit = '<testcase name="[UD-REG-001] x # SKIP /dev/udiag absent" classname="a">\n' +
    '<skipped/></testcase><testcase name="[UD-REG-002] y" classname="a"></testcase>';
  assert.deepEqual([...skippedRules(junit)], ["UD-REG-001"]);
});
