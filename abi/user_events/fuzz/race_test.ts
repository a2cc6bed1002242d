import assert from "node:assert/strict";
import { parseWorker, roundFailure, roundLog, type RoundState } from "./race.ts";

const clean: RoundState = { ops: 10, violations: [], leaked: [] };

Deno.test("parseWorker() reads ue_race's JSON line and tags each violation with its process", () => {
  const out = '{"ops":42,"violations":[{"op":"delete(race0)","got":"EINVAL"}]}\n';
  assert.deepEqual(parseWorker(2, 0, out, ""), {
    ops: 42,
    violations: [{ worker: 2, op: "delete(race0)", got: "EINVAL" }],
  });
});

Deno.test("parseWorker() turns a process that printed no result into a violation naming its exit", () => {
  const cases: [number, string, string, string][] = [
    [139, "", "", "exit 139: no output"],
    [
      2,
      "",
      "usage: ue_race SEED MS THREADS (1-8)\n",
      "exit 2: usage: ue_race SEED MS THREADS (1-8)",
    ],
    [0, '{"ops":"x"}', "", "exit 0: no output"],
  ];
  for (const [code, out, err, got] of cases) {
    assert.deepEqual(parseWorker(1, code, out, err), {
      ops: 0,
      violations: [{ worker: 1, op: "process", got }],
    });
  }
});

Deno.test("roundFailure(): a clean round passes; a leak outranks violations; titles hide numbers", () => {
  assert.equal(roundFailure(clean), null);
  const v = roundFailure({
    ...clean,
    violations: [{ worker: 0, op: "write(index 3)", got: "7 of 8 bytes" }],
  });
  assert.equal(v?.title, "fuzz race: write returned N of N bytes while racing");
  assert.equal(v?.leavesState, false);
  const leak = roundFailure({
    ...clean,
    violations: [{ worker: 0, op: "register(race0 u32 a, bit 1, size 4)", got: "EINVAL" }],
    leaked: ["race1: EBUSY"],
  });
  assert.equal(leak?.title, "fuzz race: event still held after every process exited");
  assert.equal(leak?.leavesState, true);
  assert.match(leak?.message ?? "", /race1: EBUSY/);
});

Deno.test("roundLog() names the seeds, each violation and each leak", () => {
  const log = roundLog(100, 3, 3000, {
    ops: 5,
    violations: [{ worker: 1, op: "dyn_delete(race0)", got: "EINVAL" }],
    leaked: ["race0: EBUSY"],
  });
  assert.deepEqual(log, [
    "3 processes x 2 threads x 3000 ms, seeds 100..102 (abi/user_events/helpers/ue_race.c)",
    "process 1: dyn_delete(race0)  # EINVAL",
    "after exit: delete(race0)  # EBUSY, expected ok or ENOENT",
  ]);
});
