import assert from "node:assert/strict";
import { allChecks, checkById, kernelReportCwe } from "./catalog.ts";
import { ruleById } from "../conformance/rules.ts";

Deno.test("catalog: IDs are unique and well formed", () => {
  const ids = allChecks().map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^SEC-[A-Z]+-\d{3}$/);
  assert.throws(() => checkById("SEC-NOPE-001"), /Unknown security check "SEC-NOPE-001"/);
});

Deno.test("catalog: every by-design check names a conformance rule that says so, and back", () => {
  for (const c of allChecks().filter((x) => x.byDesign)) {
    const rule = ruleById(c.byDesign!.rule);
    assert.ok(rule.byDesign?.includes(`(${c.id})`), `${rule.id} does not document ${c.id}`);
  }
});

Deno.test("kernelReportCwe: report titles map to weakness classes", () => {
  assert.equal(kernelReportCwe("KASAN: slab-use-after-free Read in diag_dev_write").id, "CWE-416");
  assert.equal(kernelReportCwe("KASAN: slab-out-of-bounds Write in x").id, "CWE-119");
  assert.equal(kernelReportCwe("memory leak in diag_dev_ioctl").id, "CWE-401");
  assert.equal(kernelReportCwe("WARNING: suspicious RCU usage in f").id, "CWE-667");
  assert.equal(kernelReportCwe("WARNING in trace_add_event_call").id, "CWE-754");
});
