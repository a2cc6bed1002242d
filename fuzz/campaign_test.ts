/**
 * The engine's case loop on a campaign that needs no kernel: a slow case
 * that fails must still reach the host, shrunk as far as time allowed.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  Campaigner,
  type CaseCampaign,
  CaseFailure,
  type FuzzFinding,
  newStats,
} from "./campaign.ts";

/** Every case takes `ms`; a case of 3 or more operations fails. */
function slowCampaign(ms: number): CaseCampaign<number[]> {
  return {
    kind: "cases",
    name: "slow",
    arbitrary: () => fc.array(fc.nat(), { minLength: 25, maxLength: 30 }),
    run(ops, log) {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        // A case against a slow kernel.
      }
      log.push(...ops.map((n) => `op(${n})`));
      if (ops.length >= 3) {
        throw new CaseFailure("too long", { title: "slow: too long", breaks: "b" });
      }
    },
    opName: () => "op",
  };
}

Deno.test("runCases() stops shrinking past the budget plus the grace, and still files the finding", () => {
  using c = new Campaigner({ kmsg: null });
  const found: FuzzFinding[] = [];
  const t0 = Date.now();
  c.runCases(slowCampaign(100) as CaseCampaign<unknown>, {
    seed: 7,
    timeSeconds: 0.1,
    stats: newStats(),
    shrinkGraceMs: 300,
    onFinding: (f) => found.push(f),
  });
  const ms = Date.now() - t0;
  assert.equal(found.length, 1);
  assert.equal(found[0]!.title, "slow: too long");
  // Full shrinking takes some 25 cases of 100 ms; the grace cut it short.
  assert.ok(ms < 1500, `took ${ms} ms`);
  assert.ok(found[0]!.ops.length >= 3);
  assert.ok(found[0]!.replay.suite === "fuzz" && found[0]!.replay.path.length > 0);
});
