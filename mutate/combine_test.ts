import assert from "node:assert/strict";
import { combineVerdicts, latestVerdicts, type PastRun } from "./combine.ts";
import { mutants } from "./operators.ts";

const SRC = "int f(int x)\n{\n\tif (x > MAX_X)\n\t\treturn -EBUSY;\n\treturn 0;\n}\n";
const [a, b, c] = mutants("kmod/f.c", SRC);
const run = (path: string, date: string, results: unknown[]): PastRun => ({
  path,
  doc: { date, results },
});
const NO_CODE = { equivalent: new Set<string>(), duplicateOf: new Map<string, string>() };

Deno.test("latestVerdicts(): a later run's verdict replaces an earlier one's, whatever the order given", () => {
  const v = latestVerdicts([
    run("r2", "2026-12-04T10:00:00Z", [{
      id: a!.id,
      status: "killed",
      killedBy: { finding: "F" },
    }]),
    run("r1", "2026-12-01T10:00:00Z", [
      { id: a!.id, status: "survived" },
      { id: b!.id, status: "survived" },
    ]),
  ]);
  assert.equal(v.get(a!.id)?.status, "killed");
  assert.equal(v.get(a!.id)?.run, "r2");
  assert.equal(v.get(b!.id)?.run, "r1");
});

const BAD: readonly { name: string; doc: unknown; error: RegExp }[] = [
  { name: "not a run", doc: [], error: /bad\.json: no date/ },
  { name: "a date that is not one", doc: { date: "soon", results: [] }, error: /no date/ },
  { name: "no results", doc: { date: "2026-12-01" }, error: /no "results" array/ },
  {
    name: "a result without a status",
    doc: { date: "2026-12-01", results: [{ id: "x" }] },
    error: /results\[0\] has no id or status/,
  },
];
for (const t of BAD) {
  Deno.test(`latestVerdicts(): ${t.name} is a clear error`, () => {
    assert.throws(() => latestVerdicts([{ path: "bad.json", doc: t.doc }]), t.error);
  });
}

Deno.test("combineVerdicts(): a judgment a run applied is taken off (the current file judges)", () => {
  const past = latestVerdicts([
    run("r1", "2026-12-01", [{ id: a!.id, status: "equivalent", equivalentReason: "old" }]),
  ]);
  const got = combineVerdicts([a!], past, NO_CODE).results[0]!;
  assert.equal(got.status, "survived");
  assert.equal(got.equivalentReason, undefined);
  assert.equal(got.run, "r1");
});

Deno.test("combineVerdicts(): a mutant no run has a verdict for is named", () => {
  const past = latestVerdicts([run("r1", "2026-12-01", [{ id: a!.id, status: "killed" }])]);
  assert.throws(
    () => combineVerdicts([a!, b!, c!], past, NO_CODE),
    new RegExp(`no run given has a verdict for ${b!.id}, ${c!.id}`),
  );
});

Deno.test("combineVerdicts(): the target's code is equivalent without a verdict of its own", () => {
  const got = combineVerdicts([a!], new Map(), {
    equivalent: new Set([a!.id]),
    duplicateOf: new Map(),
  });
  assert.equal(got.results[0]!.status, "equivalent");
  assert.match(got.results[0]!.equivalentReason!, /trivial compiler equivalence/);
});

Deno.test("combineVerdicts(): same code, runs that agree: the class's verdict, no warning", () => {
  const past = latestVerdicts([
    run("r1", "2026-12-01", [{ id: a!.id, status: "killed" }, { id: b!.id, status: "killed" }]),
  ]);
  const got = combineVerdicts([a!, b!], past, {
    equivalent: new Set(),
    duplicateOf: new Map([[b!.id, a!.id]]),
  });
  assert.deepEqual(got.results.map((r) => r.status), ["killed", "duplicate"]);
  assert.deepEqual(got.results[1]!.duplicateOf, { id: a!.id, status: "killed" });
  assert.deepEqual(got.warnings, []);
});

Deno.test("combineVerdicts(): same code, a kill the other run did not repeat: not killed, and said", () => {
  const past = latestVerdicts([
    run("r1", "2026-12-01", [{ id: a!.id, status: "killed", killedBy: { finding: "noise" } }]),
    run("r2", "2026-12-02", [{ id: b!.id, status: "survived" }]),
  ]);
  const got = combineVerdicts([a!, b!], past, {
    equivalent: new Set(),
    duplicateOf: new Map([[b!.id, a!.id]]),
  });
  assert.equal(got.results[0]!.status, "survived");
  assert.equal(got.results[0]!.run, "r2");
  assert.deepEqual(got.results[1]!.duplicateOf, { id: a!.id, status: "survived" });
  assert.equal(got.warnings.length, 1);
  assert.match(got.warnings[0]!, /killed by "noise" in r1/);
  assert.match(got.warnings[0]!, /the class counts as survived/);
});
