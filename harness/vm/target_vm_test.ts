/**
 * End-to-end checks of the VM runner against the real kernel: the kernel is
 * built (or taken from the cache), the guest boots, and LKDTM-provoked
 * reports end up as report folders with the right titles and cases.
 */
import assert from "node:assert/strict";
import { runGuest } from "./guest_run.ts";
import { listFindings } from "../report/store.ts";
import { caseMark } from "../marks.ts";

Deno.test("VM target: LKDTM KASAN and WARNING reports become report folders with kernel titles", async () => {
  const reportsDir = await Deno.makeTempDir({ prefix: "udiag-reports-" });
  const provoke = (what: string) =>
    `echo '${
      caseMark("lkdtm", what, "start", 0)
    }' > /dev/kmsg; echo ${what} > /sys/kernel/debug/provoke-crash/DIRECT`;
  const { run } = await runGuest({
    command: `${provoke("READ_AFTER_FREE")}; ${provoke("WARNING")}; true`,
    kernel: { profile: "base", patch: null },
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
