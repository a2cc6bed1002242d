/**
 * End-to-end checks of the VM target against the real kernel: the kernel is
 * built (or taken from the cache), the guest boots with 2 CPUs, the module
 * loads and a Deno script in the guest drives /dev/udiag; LKDTM-provoked
 * reports end up as report folders with the right titles.
 */
import assert from "node:assert/strict";
import { runGuest } from "./vm_cli.ts";
import { listFindings } from "../report/store.ts";

Deno.test("VM target: guest boots with 2 CPUs, loads udiag.ko, smoke.ts drives /dev/udiag", async () => {
  const reportsDir = await Deno.makeTempDir({ prefix: "udiag-reports-" });
  const { run, exitCode, reportDirs } = await runGuest({
    command: "deno run -A harness/vm/guest/smoke.ts",
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

Deno.test("VM target: LKDTM KASAN and WARNING reports become report folders with kernel titles", async () => {
  const reportsDir = await Deno.makeTempDir({ prefix: "udiag-reports-" });
  const provoke = (what: string) =>
    `echo udiag-fuzz[0]: lkdtm/${what}: start > /dev/kmsg; echo ${what} > /sys/kernel/debug/provoke-crash/DIRECT`;
  const { run } = await runGuest({
    command: `${provoke("READ_AFTER_FREE")}; ${provoke("WARNING")}; true`,
    module: false,
    kmemleak: false,
    reportsDir,
    timeoutSeconds: 600,
  });
  assert.equal(run.outcome.kind, "exited");
  const found = (await listFindings(reportsDir)).map((m) => ({
    title: m.title,
    type: m.type,
    cases: m.cases,
  })).sort((a, b) => a.title.localeCompare(b.title));
  assert.deepEqual(found, [
    {
      title: "KASAN: slab-use-after-free Read in lkdtm_READ_AFTER_FREE",
      type: "KASAN",
      cases: ["lkdtm/READ_AFTER_FREE"],
    },
    { title: "WARNING in lkdtm_WARNING", type: "WARNING", cases: ["lkdtm/WARNING"] },
  ]);
});
