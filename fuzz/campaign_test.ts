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
  DirtyTargetError,
  FULL_PROBE_EVERY,
  type FuzzFinding,
  GENERATOR,
  newStats,
  type RoundCampaign,
  shrinkUntil,
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
  // Time to trigger is the first failing case's, before shrinking ran on.
  const first = found[0]!.firstFailure!;
  assert.equal(first.cases, 1);
  assert.ok(first.at - t0 < 300, `first failure after ${first.at - t0} ms`);
});

for (
  const [name, stopAfterFailure, shrunk] of [
    ["shrinks as fast-check does while stop() is false", false, true],
    ["files the case as it failed once stop() holds", true, false],
  ] as const
) {
  Deno.test(`shrinkUntil() ${name}`, () => {
    let stop = false;
    const p = fc.property(fc.array(fc.nat(), { minLength: 20, maxLength: 30 }), (xs) => {
      if (xs.length >= 3) {
        stop = stopAfterFailure;
        throw new Error("too long");
      }
    });
    const out = fc.check(shrinkUntil(p, () => stop), { seed: 1, numRuns: 1 });
    assert.ok(out.failed);
    assert.equal(out.numShrinks > 0, shrunk);
    // Shrunk, every element went to 0; as it failed, they are random.
    assert.equal(out.counterexample![0].every((x) => x === 0), shrunk);
  });
}

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

/** A campaign whose cases pass: what breaks is left to the health probe. */
const passing: CaseCampaign<number> = {
  kind: "cases",
  name: "model",
  arbitrary: () => fc.nat(),
  run: (n, log) => void log.push(`op(${n})`),
  opName: () => "op",
};

const BROKEN_CPU1 = [{ consumer: "ftrace" as const, cpu: 1, detail: "no record came back" }];

Deno.test("runCases(): a case that leaves a consumer broken is filed, and the rest goes to a fresh VM", () => {
  let probes = 0;
  using c = new Campaigner({ kmsg: null, health: () => ++probes === 3 ? BROKEN_CPU1 : [] });
  const found: FuzzFinding[] = [];
  assert.throws(
    () =>
      c.runCases(passing as CaseCampaign<unknown>, {
        seed: 1,
        timeSeconds: 30,
        stats: newStats(),
        onFinding: (f) => found.push(f),
      }),
    DirtyTargetError,
  );
  assert.equal(probes, 3, "no case runs (nor is probed) on the broken machine");
  assert.equal(found.length, 1);
  assert.equal(found[0]!.title, "health: ftrace stopped working on CPU 1 after a model case");
  assert.equal(found[0]!.type, "HEALTH");
  assert.equal(found[0]!.caseId, "model/1/3");
  assert.deepEqual(found[0]!.ops.slice(-1), [
    "(health probe)  # health: ftrace on CPU 1: no record came back",
  ]);
});

Deno.test("runCases(): a failing case that also broke a consumer is filed as itself, then a fresh VM", () => {
  const failing: CaseCampaign<number> = {
    ...passing,
    run() {
      throw new CaseFailure("bad", { title: "model: bad", breaks: "b" });
    },
  };
  using c = new Campaigner({ kmsg: null, health: () => BROKEN_CPU1 });
  const found: FuzzFinding[] = [];
  assert.throws(
    () =>
      c.runCases(failing as CaseCampaign<unknown>, {
        seed: 1,
        timeSeconds: 30,
        stats: newStats(),
        onFinding: (f) => found.push(f),
      }),
    DirtyTargetError,
  );
  assert.deepEqual(found.map((f) => f.title), ["model: bad"]);
});

Deno.test("runRounds(): a round that leaves a consumer broken is filed, then a fresh VM", async () => {
  using c = new Campaigner({ kmsg: null, health: () => BROKEN_CPU1 });
  const found: FuzzFinding[] = [];
  await assert.rejects(
    c.runRounds(scriptedRounds([null, null]), {
      seed: 1,
      timeSeconds: 30,
      stats: newStats(),
      onFinding: (f) => found.push(f),
    }),
    DirtyTargetError,
  );
  assert.deepEqual(found.map((f) => f.title), [
    "health: ftrace stopped working on CPU 1 after a race round",
  ]);
});

/** What `runCases()` of `campaign` filed, with fresh stats. */
function filedBy(
  c: Campaigner,
  campaign: CaseCampaign<number>,
  o: { seed: number; maxCases: number; timeSeconds?: number },
): FuzzFinding[] {
  const found: FuzzFinding[] = [];
  c.runCases(campaign as CaseCampaign<unknown>, {
    timeSeconds: 30,
    ...o,
    stats: newStats(),
    onFinding: (f) => found.push(f),
  });
  return found;
}

Deno.test("runCases(): a healthy machine files nothing", () => {
  let probes = 0;
  using c = new Campaigner({ kmsg: null, health: () => (probes++, []) });
  const found = filedBy(c, passing, { seed: 1, maxCases: 5 });
  assert.equal(found.length, 0);
  assert.equal(probes, 5);
});

Deno.test("runCases(): a quick probe after each case, a full one every FULL_PROBE_EVERY cases and after a failure", () => {
  const depths: string[] = [];
  let n = 0;
  const failsTwelfth: CaseCampaign<number> = {
    ...passing,
    run() {
      if (++n === 12) throw new CaseFailure("bad", { title: "model: bad", breaks: "b" });
    },
  };
  using c = new Campaigner({ kmsg: null, health: (d) => (depths.push(d), []) });
  c.runCases(failsTwelfth as CaseCampaign<unknown>, {
    seed: 1,
    timeSeconds: 30,
    maxCases: 12,
    runsPerSeed: 12,
    shrinkGraceMs: 0,
    stats: newStats(),
  });
  const firstTwelve = depths.slice(0, 12).map((d) => d[0]).join("");
  assert.equal(firstTwelve, "qqqqqqqfqqqf");
  assert.equal(FULL_PROBE_EVERY, 8);
});

Deno.test("a filed case names the generator that made it, and a replay asks for that one (1 when absent)", () => {
  const asked: number[] = [];
  const failing: CaseCampaign<number> = {
    kind: "cases",
    name: "gen",
    arbitrary: (o) => {
      asked.push(o.generator);
      return fc.nat();
    },
    run: () => {
      throw new CaseFailure("fails", { title: "gen: fails", breaks: "b" });
    },
    opName: () => "op",
  };
  using c = new Campaigner({ kmsg: null });
  const found = filedBy(c, failing, { seed: 3, maxCases: 1 });
  const r = found[0]!.replay;
  assert.ok(r.suite === "fuzz");
  assert.equal(r.generator, GENERATOR);
  asked.length = 0;
  c.replayCase(failing as CaseCampaign<unknown>, r);
  const { generator: _, ...old } = r;
  c.replayCase(failing as CaseCampaign<unknown>, old);
  assert.deepEqual(asked, [GENERATOR, 1]);
});

Deno.test("runCases(): maxCases counts this campaign's cases, not those of campaigns before it in the guest", () => {
  using c = new Campaigner({ kmsg: null });
  const stats = newStats();
  c.runCases(passing as CaseCampaign<unknown>, { seed: 1, timeSeconds: 5, maxCases: 30, stats });
  assert.equal(stats.cases, 30);
  // A second campaign of the same guest, sharing its stats, gets its own 10.
  c.runCases(passing as CaseCampaign<unknown>, { seed: 9, timeSeconds: 5, maxCases: 10, stats });
  assert.equal(stats.cases, 40);
});
