/**
 * The catalog's order is the order the suite runs its rules: the rule()
 * calls of the conformance files, in the order the plugin lists the files.
 * mutate/phases.ts and mutate/confirm.ts take "the rules before this one"
 * from the catalog, so a catalog out of step would rerun the wrong rules.
 */
import assert from "node:assert/strict";
import type { AbiPlugin } from "../abi/plugin.ts";
import udiag from "../abi/udiag/plugin.ts";
import userEvents from "../abi/user_events/plugin.ts";
import { ROOT } from "../harness/paths.ts";

/** The IDs of `rule("ID", …)` calls in `files`, in order. */
async function ruleCalls(files: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const f of files) {
    const text = await Deno.readTextFile(`${ROOT}/${f}`);
    for (const m of text.matchAll(/\brule\(\s*"([A-Z]+-[A-Z]+-\d+)"/g)) ids.push(m[1]!);
  }
  return ids;
}

for (const abi of [udiag, userEvents] as AbiPlugin[]) {
  Deno.test(`${abi.name}: the rule catalog is in the order the conformance files run the rules`, async () => {
    assert.deepEqual(
      abi.conformance.rules.all.map((r) => r.id),
      await ruleCalls(abi.conformance.files),
    );
  });
}
