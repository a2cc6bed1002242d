/**
 * user_events' fuzz campaigns against the kernel we build (6.12.117 as
 * shipped): a short fixed-seed run of the model, raw and race campaigns finds
 * nothing, runs every campaign, and covers the calls the model knows.
 */
import assert from "node:assert/strict";
import { fuzz } from "../../../fuzz/run.ts";
import { resolveSubject } from "../../mod.ts";

Deno.test("deno task fuzz --abi user_events: model, raw and race on the shipped kernel find nothing", async () => {
  const reportsDir = await Deno.makeTempDir({ prefix: "udiag-reports-" });
  const subject = await resolveSubject({ abi: "user_events", target: "kernel", profile: "base" });
  const s = await fuzz({
    subject,
    runs: 0,
    jobs: 1,
    shard: { index: 1, count: 1 },
    maxCommands: 30,
    suites: ["model", "raw", "race"],
    timeSeconds: 75,
    seed: 42,
    reportsDir,
  });
  assert.deepEqual(s.findings.map((f) => f.title), []);
  assert.equal(s.kernelDied, false);
  assert.ok(s.cases >= 20, `only ${s.cases} cases`);
  for (const c of ["register", "unregister", "delete", "write", "dyn_create", "trace", "race"]) {
    assert.ok((s.byCommand[c] ?? 0) > 0, `command ${c} never ran`);
  }
});
