import assert from "node:assert/strict";
import fc from "fast-check";
import {
  armedCall,
  faultAllowed,
  FaultCampaign,
  faultedAnswer,
  type FaultOp,
  showFaultOp,
} from "./faults.ts";
import { NR } from "../../../harness/rawsys.ts";
import { commandName } from "./titles.ts";

const reg: FaultOp = { op: "register", h: 1, name: 0, fields: 2, word: 1, bit: 3, size: 8 };

Deno.test("armedCall(): the syscall each call makes through FFI; tracefs writes arm none", () => {
  const table: [FaultOp, number | null][] = [
    [reg, NR.ioctl],
    [{ op: "unregister", h: 0, word: 0, bit: 0 }, NR.ioctl],
    [{ op: "delete", h: 0, name: 1 }, NR.ioctl],
    [{ op: "write", h: 0 }, NR.writev],
    [{ op: "dyn_create", name: 0, fields: 0 }, NR.write],
    [{ op: "dyn_delete", name: 0 }, NR.write],
    [{ op: "open", h: 0 }, NR.open],
    [{ op: "close", h: 0 }, NR.close],
    [{ op: "trace", name: 0, on: true }, null],
  ];
  for (const [o, nr] of table) assert.equal(armedCall(o), nr, o.op);
});

Deno.test("faultedAnswer(): ENOMEM, EFAULT and the call's usual errnos pass; others are findings", () => {
  assert.equal(faultedAnswer(reg, { ok: true, value: 0 }, 2), null);
  for (const e of ["ENOMEM", "EFAULT", "EADDRINUSE"] as const) {
    assert.equal(faultedAnswer(reg, { ok: false, errno: e }, 2), null, e);
  }
  const bad = faultedAnswer(reg, { ok: false, errno: "EINVAL" }, 3);
  assert.equal(
    bad?.title,
    "fuzz faults: register returned EINVAL when an allocation or copy failed",
  );
  assert.match(bad?.message ?? "", /fault point 3 failing returned EINVAL; allowed: ok, /);
  assert.ok(faultAllowed("write").includes("EBADF"));
  assert.ok(!faultAllowed("open").includes("EBUSY"));
});

Deno.test("showFaultOp() prints each call so that its command name is counted", () => {
  assert.equal(
    showFaultOp(reg),
    'register(h1, "fi0 char[20] s; u64 b", w1, size 8, bit 3)',
  );
  assert.equal(showFaultOp({ op: "dyn_create", name: 1, fields: 1 }), 'dyn_create("fi1")');
  assert.equal(commandName(showFaultOp({ op: "trace", name: 0, on: false })), "trace");
});

Deno.test("FaultCampaign.arbitrary(): the faulted call is one of the case's, N ≥ 1", () => {
  const arb = new FaultCampaign().arbitrary({ maxCommands: 30 });
  fc.assert(
    fc.property(arb, (c) => {
      assert.ok(c.ops.length >= 1 && c.ops.length <= 8);
      assert.ok(c.at >= 0 && c.at < c.ops.length);
      assert.ok(c.nth >= 1 && c.nth <= 64);
    }),
    { numRuns: 200 },
  );
});
