import assert from "node:assert/strict";
import { afterBoot, parseShares, planShares, showShares } from "./shares.ts";

const W = { model: 6, raw: 2, race: 2 };

Deno.test("planShares: the budget split by weight, in the suites' order", () => {
  assert.deepEqual([...planShares(["model", "raw", "race"], 100, W)], [
    ["model", 60],
    ["raw", 20],
    ["race", 20],
  ]);
  assert.deepEqual([...planShares(["raw"], 30, W)], [["raw", 30]]);
});

Deno.test("showShares/parseShares round trip; bad parts are named", () => {
  const plan = planShares(["model", "race"], 80, W);
  assert.equal(showShares(plan), "model=60,race=20");
  assert.deepEqual(parseShares(showShares(plan)), { model: 60, race: 20 });
  assert.throws(() => parseShares("model=ten"), /"model=ten"/);
});

Deno.test("afterBoot: a VM that died mid-model costs only the model's time", () => {
  const plan = planShares(["model", "raw", "race"], 100, W);
  const next = afterBoot(plan, new Set(), { suite: "model", seconds: 25 });
  assert.deepEqual([...next], [["model", 35], ["raw", 20], ["race", 20]]);
  // model ended, raw died with 2 s left: both done, race keeps its share.
  const last = afterBoot(new Map([["model", 35], ["raw", 20], ["race", 20]]), new Set(["model"]), {
    suite: "raw",
    seconds: 18,
  });
  assert.deepEqual([...last], [["race", 20]]);
});
