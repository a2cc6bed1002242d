/**
 * A model case is judged on its own records: records an earlier case left
 * in the ring buffer for an event of the same name and type id (the raw and
 * race campaigns never drain) must not fail its drain. This is how a fresh
 * clone's campaign on our module reported "drain returned f3:3:74.65.19,
 * expected (none)" twice (issue 18).
 */
import assert from "node:assert/strict";
import { runGuest } from "../../../harness/vm/guest_run.ts";
import { resolveSubject, subjectGuest } from "../../mod.ts";

Deno.test("udiag model case: records an earlier case left do not fail its drain", async () => {
  const reportsDir = await Deno.makeTempDir({ prefix: "udiag-reports-" });
  const subject = await resolveSubject({ abi: "udiag", target: "kmod", profile: "base" });
  const { run, exitCode } = await runGuest({
    ...subjectGuest(subject),
    command: "deno run -A abi/udiag/fuzz/stale_records_guest.ts",
    reportsDir,
    echoGuest: false,
    timeoutSeconds: 900,
  });
  const r = run.results.find((x) => x.event === "stale");
  assert.ok(r, `no result; guest output:\n${run.guestLog}`);
  assert.equal(exitCode, 0, run.guestLog);
  // The set-up must reproduce the condition: the new event reuses the type id.
  assert.equal(r.sameId, true, "the new event did not reuse the stale records' type id");
  assert.equal(r.error, null, `the case failed on records it did not write:\n${r.log}`);
});
