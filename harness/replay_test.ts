import assert from "node:assert/strict";
import { parseReplay, type ReplayBase, replayForCase, showReplay, withCommand } from "./replay.ts";

const base: ReplayBase = { kind: "fuzz", abi: "udiag", target: "kmod" };

const GOOD: Record<string, unknown>[] = [
  { ...base, kind: "conformance", suite: "conformance", rule: "UD-DEL-002" },
  { ...base, kind: "security", suite: "security", check: "SEC-XU-001", broken: "SKIP_EBUSY" },
  {
    ...base,
    suite: "fuzz",
    campaign: "model",
    seed: 1,
    path: "3:0:1",
    replayPath: "AAB",
    maxCommands: 30,
    fastCheck: "4.10.2",
  },
  { ...base, kind: "kernel", suite: "race", campaign: "race", seed: -4, workers: 3, ms: 3000 },
];

for (const r of GOOD) {
  Deno.test(`parseReplay() takes a ${r.suite} replay and showReplay() round-trips it`, () => {
    const parsed = parseReplay(r);
    assert.deepEqual(parseReplay(JSON.parse(showReplay(parsed))), r);
  });
}

const BAD: { v: unknown; error: RegExp }[] = [
  { v: null, error: /not an object/ },
  { v: { ...base, suite: "fuzz/model" }, error: /unknown suite "fuzz\/model"/ },
  { v: { ...base, kind: "crash", suite: "security", check: "X" }, error: /unknown kind "crash"/ },
  { v: { ...base, suite: "conformance" }, error: /needs string "rule"/ },
  {
    v: { ...base, suite: "race", campaign: "race", seed: "1", workers: 3, ms: 1 },
    error: /number "seed"/,
  },
  {
    v: { ...GOOD[2], path: "1; rm -rf /" },
    error: /not a fast-check path/,
  },
  { v: { ...GOOD[0], broken: 3 }, error: /"broken" must be a string/ },
  { v: { suite: "conformance", kind: "conformance", rule: "X", target: "kmod" }, error: /"abi"/ },
];

for (const { v, error } of BAD) {
  Deno.test(`parseReplay() refuses ${JSON.stringify(v)?.slice(0, 60)}`, () => {
    assert.throws(() => parseReplay(v), error);
  });
}

Deno.test("withCommand() names the folder to replay", () => {
  const r = parseReplay(GOOD[0]);
  assert.equal(withCommand(r, "reports/x-1").command, "deno task repro reports/x-1");
});

Deno.test("replayForCase() replays a console report with the case it was seen in", () => {
  const k: ReplayBase = { kind: "kernel", abi: "udiag", target: "kmod" };
  assert.deepEqual(replayForCase(k, "conformance/UD-WR-005", "WARNING"), {
    ...k,
    suite: "conformance",
    rule: "UD-WR-005",
  });
  // A leak is reported at the end of the run: the whole suite replays it.
  assert.equal(
    (replayForCase(k, "conformance/UD-WR-005", "KMEMLEAK") as { rule: string }).rule,
    "all",
  );
  assert.equal(replayForCase(k, "security/SEC-XU-003", "BUG")?.suite, "security");
  assert.equal(replayForCase(k, "security/SEC-XU-003", "KMEMLEAK"), null);
  assert.equal(replayForCase(k, "fuzz/model/1/2", "WARNING"), null);
  assert.equal(replayForCase(k, "boot", "WARNING"), null);
  assert.equal(replayForCase(k, null, "WARNING"), null);
});
