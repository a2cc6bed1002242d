import assert from "node:assert/strict";
import { kernelReportCwe } from "./check.ts";

Deno.test("kernelReportCwe: report titles map to weakness classes", () => {
  assert.equal(kernelReportCwe("KASAN: slab-use-after-free Read in diag_dev_write").id, "CWE-416");
  assert.equal(kernelReportCwe("KASAN: slab-out-of-bounds Write in x").id, "CWE-119");
  assert.equal(kernelReportCwe("memory leak in diag_dev_ioctl").id, "CWE-401");
  assert.equal(kernelReportCwe("WARNING: suspicious RCU usage in f").id, "CWE-667");
  assert.equal(kernelReportCwe("WARNING in trace_add_event_call").id, "CWE-754");
});
