import assert from "node:assert/strict";
import { bootOutcome } from "./boot_probe.ts";
import { bootPlan } from "./run.ts";
import type { VmOutcome } from "../harness/vm/runner.ts";

const OUTCOMES: [VmOutcome, ReturnType<typeof bootOutcome>][] = [
  [{ kind: "stopped", reason: "first case done" }, "first-case"],
  [{ kind: "timeout", seconds: 180 }, "timeout"],
  [{ kind: "silent", seconds: 180 }, "timeout"],
  [{ kind: "panic" }, "panic"],
  [{ kind: "lost" }, "panic"],
  [{ kind: "exited", code: 0 }, "exited"],
];

for (const [vm, boot] of OUTCOMES) {
  Deno.test(`bootOutcome() names a runner outcome "${vm.kind}" as "${boot}"`, () => {
    assert.equal(bootOutcome(vm), boot);
  });
}

Deno.test("bootPlan() puts the one 'before' boot second, between 'after' boots", () => {
  assert.deepEqual(bootPlan(3, true), ["after", "before", "after", "after"]);
  assert.deepEqual(bootPlan(0, true), ["before"]);
  assert.deepEqual(bootPlan(2, false), ["after", "after"]);
});
