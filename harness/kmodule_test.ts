import assert from "node:assert/strict";
import { guestModulePath, listsModule } from "./kmodule.ts";

Deno.test("guestModulePath() finds <name>.ko among the guest's modules, and only it", () => {
  const env = "/run/modules/udiag_helper.ko /run/modules/udiag.ko";
  assert.equal(guestModulePath("udiag", env), "/run/modules/udiag.ko");
  assert.equal(guestModulePath("udiag_helper", env), "/run/modules/udiag_helper.ko");
  assert.equal(guestModulePath("diag", env), null);
  assert.equal(guestModulePath("udiag", ""), null);
  assert.equal(guestModulePath("udiag", undefined), null);
});

// In the format of kernel/module/procfs.c m_show(), addresses hidden as for root without kptr.
const PROC_MODULES = [
  "udiag 61440 0 - Live 0x0000000000000000 (O)",
  "udiag_helper 12288 1 udiag, Live 0x0000000000000000 (O)",
  "",
].join("\n");

Deno.test("listsModule() matches a module's whole name, not a prefix", () => {
  assert.equal(listsModule(PROC_MODULES, "udiag"), true);
  assert.equal(listsModule(PROC_MODULES, "udiag_helper"), true);
  assert.equal(listsModule(PROC_MODULES, "udia"), false);
  assert.equal(listsModule("", "udiag"), false);
});
