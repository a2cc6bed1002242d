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
  type RoundCampaign,
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

/** A race campaign whose rounds fail as `script` says, in turn (null: the round passes). */
function scriptedRounds(script: readonly (string | null)[]): RoundCampaign {
  let n = 0;
  return {
    kind: "rounds",
    name: "race",
    workers: 2,
    ms: 1,
    round() {
      const title = script[n++] ?? null;
      const failure = title === null ? null : new CaseFailure(title, { title, breaks: "b" });
      return Promise.resolve({ ops: 1, log: [`round ${n}`], failure });
    },
  };
}

const ROUND = { seed: 1, workers: 2, ms: 1 };

Deno.test("replayRound() keeps rerunning until the round fails the expected way", async () => {
  using c = new Campaigner({ kmsg: null, expect: "fuzz race: X" });
  const out = await c.replayRound(scriptedRounds(["fuzz race: Y", null, "fuzz race: X"]), ROUND);
  assert.deepEqual(out, { failed: true, title: "fuzz race: X", ops: ["try 3", "round 3"] });
});

Deno.test("replayRound() tells the first other failure when the expected one never came", async () => {
  using c = new Campaigner({ kmsg: null, expect: "fuzz race: X" });
  const out = await c.replayRound(scriptedRounds(["fuzz race: Y", null, "fuzz race: Z"]), ROUND, 3);
  assert.deepEqual(out, { failed: true, title: "fuzz race: Y", ops: ["try 1", "round 1"] });
});

Deno.test("replayRound() without an expected title stops at the first failure", async () => {
  using c = new Campaigner({ kmsg: null });
  const out = await c.replayRound(scriptedRounds([null, "fuzz race: Y", "fuzz race: X"]), ROUND);
  assert.equal(out.title, "fuzz race: Y");
});
