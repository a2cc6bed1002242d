import assert from "node:assert/strict";
import { judge, parseEquivalents, staleEquivalents, wrongJudgments } from "./equivalent.ts";
import { mutants } from "./operators.ts";
import { patchMutants } from "./patch_mutants.ts";
import type { MutantResult } from "./results.ts";

const SRC = "int f(int n)\n{\n\tif (n > 4)\n\t\treturn -EBUSY;\n\treturn 0;\n}\n";
const all = mutants("f.c", SRC);
const first = all[0]!;

Deno.test("parseEquivalents: a clear error for each bad file", async (t) => {
  const table: [string, string, RegExp][] = [
    ["not JSON", "[", /f\.json: not JSON/],
    ["not an array", "{}", /expected an array/],
    ["no reason", '[{"id":"0b63834f","mutated":""}]', /f\.json\[0\]: "reason"/],
    ["empty reason", '[{"id":"0b63834f","mutated":"","reason":" "}]', /empty reason/],
    ["bad id", '[{"id":"xyz","mutated":"","reason":"r"}]', /"xyz" is not 8 hex/],
    [
      "twice",
      '[{"id":"0b63834f","mutated":"","reason":"r"},{"id":"0b63834f","mutated":"","reason":"s"}]',
      /\[1\]: id 0b63834f listed twice/,
    ],
  ];
  for (const [name, text, want] of table) {
    await t.step(name, () => assert.throws(() => parseEquivalents(text, "f.json"), want));
  }
});

Deno.test("staleEquivalents: an entry must name a mutant of this source, as it mutates it", () => {
  const ok = { id: first.id, mutated: first.mutated, reason: "r" };
  assert.deepEqual(staleEquivalents([ok], all), []);
  assert.match(staleEquivalents([{ ...ok, id: "00000000" }], all)[0]!, /no such mutant/);
  assert.match(staleEquivalents([{ ...ok, mutated: "x" }], all)[0]!, /now reads/);
});

Deno.test("judge and wrongJudgments: only a survivor becomes equivalent; a killed one refutes", async (t) => {
  const list = [{ id: first.id, mutated: first.mutated, reason: "same behaviour" }];
  const killed: MutantResult = {
    mutant: first,
    status: "killed",
    killedBy: { finding: "conformance UD-X-001: …", suite: "conformance", seconds: 3 },
  };
  const table: [MutantResult, string, string[]][] = [
    [{ mutant: first, status: "survived" }, "equivalent", []],
    [{ mutant: first, status: "timed-out" }, "equivalent", []],
    [{ mutant: first, status: "did-not-build", buildError: "e" }, "did-not-build", []],
    [killed, "killed", [`${first.id}: listed as equivalent, but conformance UD-X-001: …`]],
    [{ mutant: all[1]!, status: "survived" }, "survived", []],
  ];
  for (const [r, status, wrong] of table) {
    await t.step(`${r.mutant.id} ${r.status}`, () => {
      assert.equal(judge(r, list).status, status);
      assert.deepEqual(wrongJudgments([r], list), wrong);
    });
  }
});

// A judgment names a mutant of today's source: one left stale by an edit of
// udiag.c would stop `deno task mutate` before it starts; CI says so first.
Deno.test("mutate/equivalent/udiag-kmod.json judges mutants udiag.c still has", async () => {
  const file = new URL("./equivalent/udiag-kmod.json", import.meta.url);
  const list = parseEquivalents(await Deno.readTextFile(file), file.pathname);
  const src = await Deno.readTextFile(new URL("../abi/udiag/kmod/udiag.c", import.meta.url));
  assert.deepEqual(staleEquivalents(list, mutants("udiag/kmod/udiag.c", src)), []);
});

Deno.test("mutate/equivalent/udiag-patch-000_aa391f59f6e4613c.json judges mutants the RFC still has", async () => {
  const file = new URL("./equivalent/udiag-patch-000_aa391f59f6e4613c.json", import.meta.url);
  const list = parseEquivalents(await Deno.readTextFile(file), file.pathname);
  const patch = await Deno.readTextFile(
    new URL("../abi/udiag/rfc/000_aa391f59f6e4613c.txt", import.meta.url),
  );
  // Not vacuous: the file judges some.
  assert.notEqual(list.length, 0);
  assert.deepEqual(staleEquivalents(list, patchMutants(patch).map((p) => p.mutant)), []);
});
