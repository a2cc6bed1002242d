import assert from "node:assert/strict";
import { allRules } from "./rules.ts";

Deno.test("rules have unique IDs, statements and sources", () => {
  const ids = allRules().map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const r of allRules()) {
    assert.match(r.id, /^UD-[A-Z]+-\d{3}$/);
    assert.ok(r.statement && r.source, r.id);
  }
});
