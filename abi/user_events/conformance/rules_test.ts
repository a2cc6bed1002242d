import assert from "node:assert/strict";
import { allRules } from "./rules.ts";

Deno.test("user_events rules have unique IDs and cite NOTES.md-style sources", () => {
  const ids = allRules().map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const r of allRules()) {
    assert.match(r.id, /^UE-[A-Z]+-\d{3}$/);
    assert.ok(r.statement, r.id);
    assert.match(r.source, /\b(U|H|D|L|T|DE|RW|IO|MU):\d+/, r.id);
  }
});

Deno.test("every rule is tested by one of the conformance files", async () => {
  const dir = new URL("./", import.meta.url);
  let text = "";
  for (const e of Deno.readDirSync(dir)) {
    if (e.name.endsWith("_rules.ts")) text += await Deno.readTextFile(new URL(e.name, dir));
  }
  for (const r of allRules()) assert.ok(text.includes(`rule("${r.id}"`), r.id);
});
