/**
 * user_events' security checks against the kernel we build (6.12.117 as
 * shipped): every check passes and nothing is filed. That each can fail is
 * shown by verdict_test.ts (made-up answers through the real runner) and, for
 * UE-SEC-WR-001, by the calibration revert of the negative write index
 * (docs/user_events-calibration.md).
 */
import assert from "node:assert/strict";
import { security } from "../../../security/run.ts";
import { listFindings } from "../../../harness/report/store.ts";
import { resolveSubject } from "../../mod.ts";
import { allChecks } from "./catalog.ts";

Deno.test("deno task security --abi user_events: the shipped kernel passes every check", async () => {
  const reportsDir = await Deno.makeTempDir({ prefix: "udiag-sec-" });
  const r = await security({
    subject: await resolveSubject({ abi: "user_events", target: "kernel", profile: "base" }),
    checkIds: [],
    outDir: `${reportsDir}/out`,
    reportsDir,
    echo: false,
  });
  const ids = allChecks().map((c) => c.id);
  assert.ok(ids.length >= 10);
  for (const id of ids) {
    const o = r.outcomes.findLast((x) => x.id === id);
    assert.equal(o?.verdict, "pass", `${id}: ${JSON.stringify(o)}`);
  }
  assert.equal(r.exitCode, 0);
  assert.deepEqual((await listFindings(reportsDir)).map((f) => f.title), []);
});
