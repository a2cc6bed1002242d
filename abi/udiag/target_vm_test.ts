/**
 * The udiag target end to end: the guest boots with 2 CPUs, the module
 * loads, and a Deno script in the guest drives /dev/udiag.
 */
import assert from "node:assert/strict";
import { runGuest } from "../../harness/vm/guest_run.ts";
import { listFindings } from "../../harness/report/store.ts";
import { resolveSubject, subjectGuest } from "../mod.ts";

Deno.test("VM target: guest boots with 2 CPUs, loads udiag.ko, smoke.ts drives /dev/udiag", async () => {
  const reportsDir = await Deno.makeTempDir({ prefix: "udiag-reports-" });
  const subject = await resolveSubject({ abi: "udiag", target: "kmod", profile: "base" });
  const { run, exitCode, reportDirs } = await runGuest({
    ...subjectGuest(subject),
    command: "deno run -A abi/udiag/smoke.ts",
    reportsDir,
    echoGuest: true,
    timeoutSeconds: 900,
  });
  assert.match(run.console, /smp: Brought up 1 node, 2 CPUs/);
  const mod = run.results.find((r) => r.event === "module" && r.name === "udiag.ko");
  assert.equal(mod?.ok, true, "udiag.ko should load");
  const smoke = run.results.find((r) => r.event === "smoke");
  assert.ok(smoke, `the smoke script sent no result; guest output:\n${run.guestLog}`);
  assert.equal(smoke.failed, 0, JSON.stringify(smoke.steps, null, 2));
  assert.equal(exitCode, 0, run.guestLog);
  // A clean module leaves no kernel report, kmemleak included. Reports from
  // before init ran (case "boot") are the emulated machine's, filed but not ours.
  const ours = (await listFindings(reportsDir)).filter((m) => m.cases.join() !== "boot");
  assert.deepEqual(ours.map((m) => m.title), [], `unexpected findings: ${reportDirs.join(", ")}`);
});
