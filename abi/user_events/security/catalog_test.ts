import assert from "node:assert/strict";
import { allChecks, USER_EVENTS_CHECKS } from "./catalog.ts";
import { CWE } from "../../../security/check.ts";

const AREAS: Record<string, string> = {
  ACC: "access",
  FD: "handles",
  WR: "writes",
  EN: "enable address",
  CAP: "capacity",
};

Deno.test("catalog: IDs are unique and well formed, areas match them", () => {
  const ids = allChecks().map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const c of allChecks()) {
    const m = /^UE-SEC-([A-Z]+)-\d{3}$/.exec(c.id);
    assert.ok(m, c.id);
    assert.equal(c.area, AREAS[m[1]!], c.id);
  }
  assert.throws(() => USER_EVENTS_CHECKS.get("UE-SEC-NOPE-001"), /Unknown security check/);
});

Deno.test("catalog: every check names its attacker, an errno it expects, a known CWE and a source line", () => {
  const cwes = new Set<string>(Object.values(CWE).map((c) => c.id));
  for (const c of allChecks()) {
    assert.ok(cwes.has(c.cwe.id), `${c.id}: ${c.cwe.id}`);
    assert.match(c.expected, /\bE[A-Z0-9]+\b/, `${c.id}: expected names no errno`);
    assert.match(c.source, /\b(U|T|DE|D|H|TE|TI):\d+/, `${c.id}: source cites no line`);
    assert.ok(c.statement.length > 20 && !c.statement.endsWith("."), c.id);
    assert.ok(!c.byDesign, `${c.id}: by-design checks need a conformance rule`);
  }
});
