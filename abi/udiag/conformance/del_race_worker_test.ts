import assert from "node:assert/strict";
import { delRaceLoop } from "./del_race_worker.ts";

Deno.test("delRaceLoop(): a device it cannot open is said, and it is not ready", () => {
  let ready = false;
  const start = { role: "delete", device: "/nonexistent/udiag", names: ["a"] } as const;
  assert.deepEqual(delRaceLoop(start, () => false, () => ready = true), {
    kind: "failed",
    open: "ENOENT",
  });
  assert.equal(ready, false);
});
