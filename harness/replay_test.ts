import assert from "node:assert/strict";
import {
  parseReplay,
  readReplay,
  type ReplayBase,
  replayForCase,
  showReplay,
  withCommand,
} from "./replay.ts";

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
  // Every value is checked: nothing that could change a command line gets further.
  { v: { ...GOOD[2], campaign: "model; reboot" }, error: /field "campaign" .* name/ },
  { v: { ...GOOD[2], fastCheck: "4.10.2 $(reboot)" }, error: /field "fastCheck"/ },
  { v: { ...GOOD[0], abi: "udiag x" }, error: /field "abi"/ },
  { v: { ...GOOD[0], rule: "UD-DEL-002`id`" }, error: /field "rule"/ },
  { v: { ...GOOD[1], check: "" }, error: /field "check"/ },
  { v: { ...GOOD[0], profile: "base;ls" }, error: /field "profile"/ },
  { v: { ...GOOD[1], broken: "SKIP EBUSY" }, error: /field "broken"/ },
  { v: { ...GOOD[0], target: "bogus" }, error: /field "target" .*expected kmod/ },
  { v: { ...GOOD[0], target: "patch:a b.patch" }, error: /field "target" .*patch path/ },
  { v: { ...GOOD[0], target: "kernel:-rf" }, error: /field "target"/ },
  { v: { ...GOOD[2], seed: 1.5 }, error: /field "seed" 1\.5 .*integer/ },
  { v: { ...GOOD[2], seed: 2 ** 40 }, error: /field "seed"/ },
  { v: { ...GOOD[2], maxCommands: 0 }, error: /field "maxCommands" 0 .*from 1/ },
  { v: { ...GOOD[2], generator: 0 }, error: /field "generator" 0 .*from 1/ },
  { v: { ...GOOD[3], workers: -1 }, error: /field "workers"/ },
  { v: { ...GOOD[3], ms: 1e9 }, error: /field "ms"/ },
  { v: { ...GOOD[2], replayPath: "AB C" }, error: /not a fast-check replayPath/ },
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
  // A leak the security suite's run reported: that whole suite replays it.
  assert.deepEqual(replayForCase(k, "security/SEC-XU-003", "KMEMLEAK"), {
    ...k,
    suite: "security",
    check: "all",
  });
  assert.equal(replayForCase(k, "fuzz/model/1/2", "WARNING"), null);
  assert.equal(replayForCase(k, "boot", "WARNING"), null);
  // Made while the guest loaded the target: any run of the suite loads it again.
  assert.deepEqual(replayForCase(k, "load", "BUG"), { ...k, suite: "conformance", rule: "all" });
  assert.equal(replayForCase(k, null, "WARNING"), null);
  // A leak reported before any case ran was made loading the target (the
  // RFC's init under the strict profile): the conformance suite loads it again.
  assert.deepEqual(replayForCase(k, null, "KMEMLEAK"), { ...k, suite: "conformance", rule: "all" });
});

Deno.test("withCommand() quotes a folder the shell would split", () => {
  const r = parseReplay(GOOD[0]);
  assert.equal(
    withCommand(r, "reports/it's here").command,
    `deno task repro 'reports/it'\\''s here'`,
  );
});

Deno.test("readReplay() names the file and the field of a malformed replay.json", async () => {
  const dir = await Deno.makeTempDir({ prefix: "udiag-replay-test-" });
  try {
    await Deno.writeTextFile(`${dir}/replay.json`, "{ not json");
    await assert.rejects(() => readReplay(dir), TypeError, `Invalid ${dir}/replay.json`);
    await Deno.writeTextFile(`${dir}/replay.json`, JSON.stringify({ ...GOOD[2], seed: "1" }));
    await assert.rejects(() => readReplay(dir), TypeError, `needs number "seed"`);
    await Deno.writeTextFile(`${dir}/replay.json`, JSON.stringify(GOOD[2]));
    assert.deepEqual(await readReplay(dir), GOOD[2]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
