import assert from "node:assert/strict";
import { applyPatchMutant, patchMutants } from "./patch_mutants.ts";
import { addedFile } from "./added_file.ts";
import { applyMutant, mutants } from "./operators.ts";

const RFC = Deno.readTextFileSync(
  new URL("../abi/udiag/rfc/000_aa391f59f6e4613c.txt", import.meta.url),
);
const RFC_FILE = "kernel/trace/trace_events_udiag.c";

Deno.test("patchMutants() of a patch that adds its file are the mutants of that file", () => {
  const ofPatch = patchMutants(RFC).map((p) => p.mutant);
  const ofFile = mutants(RFC_FILE, addedFile(RFC, RFC_FILE));
  assert.deepEqual(
    ofPatch.map((m) => [m.id, m.line, m.mutated]),
    ofFile.map((m) => [m.id, m.line, m.mutated]),
  );
});

Deno.test("applyPatchMutant() changes only the mutant's added lines, as applyMutant() changes the file", () => {
  for (const pm of patchMutants(RFC)) {
    const mutated = applyPatchMutant(RFC, pm);
    const before = RFC.split("\n");
    const after = mutated.split("\n");
    assert.equal(after.length, before.length);
    const changed = before.flatMap((l, i) => l === after[i] ? [] : [i]);
    assert.deepEqual(changed, pm.patchEdits.map((e) => e.index), pm.mutant.id);
    assert.equal(
      addedFile(mutated, RFC_FILE),
      applyMutant(addedFile(RFC, RFC_FILE), pm.mutant),
      pm.mutant.id,
    );
  }
});

Deno.test("patchMutants() leaves the context and removed lines of a modified file alone", () => {
  const patch = [
    "diff --git a/k.c b/k.c",
    "--- a/k.c",
    "+++ b/k.c",
    "@@ -20,3 +20,3 @@ int f(int n)",
    " \tif (n < 0)",
    "-\t\treturn -EINVAL;",
    "+\t\treturn -ERANGE;",
    " \treturn 0;",
    "diff --git a/k.h b/k.h",
    "--- a/k.h",
    "+++ b/k.h",
    "@@ -1 +1 @@",
    "-#define A 1",
    "+int g(void) { if (x > 1) return -EBUSY; }",
    "",
  ].join("\n");
  const got = patchMutants(patch).map((p) =>
    `${p.mutant.file}:${p.mutant.line}:${p.mutant.operator}`
  );
  // Line 20's comparison is context; a header's lines are not C source to mutate.
  assert.deepEqual(got, ["k.c:21:drop-errno-return", "k.c:21:swap-errno"]);
});

Deno.test("applyPatchMutant() refuses a patch that no longer holds the mutant's line", () => {
  const [pm] = patchMutants(RFC);
  assert.throws(
    () => applyPatchMutant(RFC.replace(pm!.patchEdits[0]!.original, "+changed"), pm!),
    /is not/,
  );
});
