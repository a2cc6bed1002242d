/**
 * Per-call fault injection works on the `faults` kernel: a user_events
 * register fails with ENOMEM when one of its first fault points fails, and
 * succeeds once N passes the number of fault points it reaches (the
 * read-back tells which). Without this, a clean fault campaign would prove
 * nothing.
 */
import assert from "node:assert/strict";
import { runGuest } from "../vm/guest_run.ts";
import { resolveSubject, subjectGuest } from "../../abi/mod.ts";

Deno.test("fail-nth on the faults kernel: register fails ENOMEM at its fault points, then succeeds", async () => {
  const reportsDir = await Deno.makeTempDir({ prefix: "udiag-reports-" });
  const subject = await resolveSubject({ abi: "user_events", target: "kernel", profile: "faults" });
  await subject.abi.fuzz!.prepare!();
  const { run, exitCode, reportDirs } = await runGuest({
    ...subjectGuest(subject),
    command: "deno run -A harness/faults/failnth_guest.ts",
    reportsDir,
    echoGuest: false,
    timeoutSeconds: 600,
  });
  assert.equal(exitCode, 0, run.guestLog);
  const r = run.results.find((x) => x.event === "failnth") as
    | { steps: { nth: number; result: string; injected: boolean; called: boolean }[] }
    | undefined;
  assert.ok(r, `no result; guest output:\n${run.guestLog}`);
  const injected = r.steps.filter((s) => s.injected);
  const last = r.steps.at(-1)!;
  const shown = r.steps.map((s) => `${s.nth}: ${s.result}${s.injected ? " (injected)" : ""}`);
  assert.ok(injected.length >= 2, `fewer than 2 fault points failed:\n${shown.join("\n")}`);
  assert.ok(injected.some((s) => s.result === "ENOMEM"), `no ENOMEM:\n${shown.join("\n")}`);
  assert.equal(last.injected, false);
  assert.equal(last.result, "ok 0", shown.join("\n"));
  assert.ok(r.steps.every((s) => s.called));
  assert.deepEqual(reportDirs, [], "the kernel logged a report");
});
