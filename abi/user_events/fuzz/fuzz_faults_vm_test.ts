/**
 * The fault campaign on the `faults` kernel (6.12.117 as shipped): a
 * fixed-seed run injects faults into every kind of call and finds nothing.
 * Not in `deno task test` (the faults kernel is a second cold build): run by
 * `deno task test:faults`. That injection happens at all is proven by
 * harness/faults/failnth_faults_vm_test.ts.
 */
import assert from "node:assert/strict";
import { fuzz } from "../../../fuzz/run.ts";
import { resolveSubject } from "../../mod.ts";

Deno.test("deno task fuzz --abi user_events --profile faults: the fault campaign finds nothing", async () => {
  const reportsDir = await Deno.makeTempDir({ prefix: "udiag-reports-" });
  const subject = await resolveSubject({ abi: "user_events", target: "kernel", profile: "faults" });
  const s = await fuzz({
    subject,
    runs: 0,
    jobs: 1,
    shard: { index: 1, count: 1 },
    maxCommands: 8,
    suites: ["faults"],
    timeSeconds: 90,
    seed: 7,
    reportsDir,
  });
  assert.deepEqual(s.findings.map((f) => f.title), []);
  assert.equal(s.kernelDied, false);
  assert.ok(s.cases >= 50, `only ${s.cases} cases`);
  for (const c of ["register", "unregister", "delete", "write", "dyn_create", "dyn_delete"]) {
    assert.ok((s.byCommand[c] ?? 0) > 0, `command ${c} never ran`);
  }
});
