import assert from "node:assert/strict";
import { allChecks, checkById } from "./catalog.ts";
import { ruleById } from "../conformance/rules.ts";

Deno.test("catalog: IDs are unique and well formed", () => {
  const ids = allChecks().map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^SEC-[A-Z]+-\d{3}$/);
  assert.throws(() => checkById("SEC-NOPE-001"), /Unknown security check "SEC-NOPE-001"/);
});

Deno.test("catalog: every by-design check names a conformance rule that says so, and back", () => {
  for (const c of allChecks().filter((x) => x.byDesign)) {
    const rule = ruleById(c.byDesign!.rule);
    assert.ok(rule.byDesign?.includes(`(${c.id})`), `${rule.id} does not document ${c.id}`);
  }
});
