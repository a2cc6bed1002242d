import assert from "node:assert/strict";
import { collapseRepeats, hash8, reportDirName, slug, titleKey } from "./dedup.ts";
import { typeRank } from "./classes.ts";
import { type Finding, listFindings, MAX_LOGS, saveFinding } from "./store.ts";
import { countJunit, totalsLine } from "./junit.ts";
import type { Replay } from "../replay.ts";

Deno.test("reportDirName() depends on the title only and is filesystem-safe", () => {
  // FNV-1a 32-bit reference vectors (offset basis 811c9dc5, prime 01000193).
  assert.equal(hash8(""), "811c9dc5");
  assert.equal(hash8("a"), "e40c292c");
  assert.equal(hash8("foobar"), "bf9cf968");
  // Expected names worked out apart from dedup.ts: slug = lowercase, runs of
  // non-[a-z0-9] -> "-", trim "-", first 60 chars, trim a final "-"; then FNV-1a of the UTF-8 title.
  const t = "KASAN: slab-use-after-free Read in diag_dev_write";
  assert.equal(reportDirName(t), "kasan-slab-use-after-free-read-in-diag-dev-write-99078313");
  // Same slug, other title: the hash alone tells them apart.
  assert.equal(reportDirName(t + " "), "kasan-slab-use-after-free-read-in-diag-dev-write-19d38949");
  // Cut at 60 characters, where the 60th is a dash that is then dropped.
  assert.equal(
    reportDirName("INFO: task hung in diag_event_unregister (waiting for readers) for 120 seconds"),
    "info-task-hung-in-diag-event-unregister-waiting-for-readers-f11ed4ae",
  );
  // Path separators, dots and non-ASCII never reach the folder name; the hash is over UTF-8 bytes.
  assert.equal(
    reportDirName("../../etc/passwd: \u00c4\u00d6 \u00fcber"),
    "etc-passwd-ber-133b8de6",
  );
  assert.equal(slug("///"), "");
  assert.equal(reportDirName("///"), "untitled-1d37d324");
  assert.equal(reportDirName(""), "untitled-811c9dc5");
});

Deno.test("typeRank() orders memory safety before leaks and hangs", () => {
  assert.ok(typeRank("KASAN") < typeRank("WARNING"));
  assert.ok(typeRank("WARNING") < typeRank("KMEMLEAK"));
  assert.ok(typeRank("KMEMLEAK") < typeRank("nonsense"));
  // A kernel report of any class sorts before our own verdicts.
  assert.ok(typeRank("UBSAN") < typeRank("UNKNOWN"));
  assert.ok(typeRank("UNKNOWN") < typeRank("CONFORMANCE"));
});

function finding(n: number): Finding {
  return {
    title: "WARNING in diag_event_reg",
    kind: "kernel",
    type: "WARNING",
    report: `report ${n}`,
    log: `log ${n}`,
    case: `fuzz/case${n % 2}`,
    env: { kernelRelease: "6.12.117" },
  };
}

Deno.test("saveFinding() merges occurrences by title and keeps the last MAX_LOGS logs", async () => {
  const root = await Deno.makeTempDir();
  const first = await saveFinding(root, finding(0));
  assert.equal(first.isNew, true);
  for (let i = 1; i <= MAX_LOGS + 1; i++) {
    const s = await saveFinding(root, finding(i));
    assert.equal(s.isNew, false);
    assert.equal(s.dir, first.dir);
  }
  const metas = await listFindings(root);
  assert.equal(metas.length, 1);
  assert.equal(metas[0]!.count, MAX_LOGS + 2);
  assert.deepEqual(metas[0]!.cases, ["fuzz/case0", "fuzz/case1"]);
  // Occurrence 11 (0-based) overwrote log1; log0 holds occurrence 10.
  assert.equal(await Deno.readTextFile(`${first.dir}/log1`), `log ${MAX_LOGS + 1}`);
  assert.equal(await Deno.readTextFile(`${first.dir}/log0`), `log ${MAX_LOGS}`);
  assert.equal(await Deno.readTextFile(`${first.dir}/title`), "WARNING in diag_event_reg\n");
  assert.match(await Deno.readTextFile(`${first.dir}/README.md`), /^# WARNING in diag_event_reg\n/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("countJunit() counts passed, failed and skipped test cases", () => {
  const xml = `<testsuites><testsuite>
    <testcase name="a" classname="x" time="0"></testcase>
    <testcase name="b" classname="x"><failure message="m">boom</failure></testcase>
    <testcase name="c" classname="x"><skipped/></testcase>
    <testcase name="d" classname="x"/>
  </testsuite></testsuites>`;
  const t = countJunit(xml);
  assert.deepEqual(t, { passed: 2, failed: 1, skipped: 1 });
  assert.equal(totalsLine(t), "2 passed, 1 failed, 1 skipped");
});

Deno.test("saveFinding() keeps the shortest repro.txt and its replay.json", async () => {
  const root = await Deno.makeTempDir();
  const f = (ops: string[], seed: number): Finding => ({
    title: "fuzz: delete returned ok 0, expected EBUSY",
    kind: "fuzz",
    type: "MISMATCH",
    report: "r",
    log: "l",
    repro: ops.join("\n"),
    replay: {
      suite: "fuzz",
      kind: "fuzz",
      abi: "udiag",
      target: "kmod",
      campaign: "model",
      seed,
      path: "0:1",
      replayPath: "",
      maxCommands: 30,
      fastCheck: "4.10.2",
    },
    env: {},
  });
  const a = await saveFinding(root, f(["open()", "register()", "drain()", "delete()"], 1));
  await saveFinding(root, f(["open()", "register()", "delete()"], 2));
  await saveFinding(root, f(["open()", "mmap()", "register()", "drain()", "delete()"], 3));
  assert.equal(await Deno.readTextFile(`${a.dir}/repro.txt`), "open()\nregister()\ndelete()\n");
  assert.equal(JSON.parse(await Deno.readTextFile(`${a.dir}/replay.json`)).seed, 2);
  await Deno.remove(root, { recursive: true });
});

Deno.test("saveFinding() keeps a kernel report's surest replay: one rule over a race round", async () => {
  const root = await Deno.makeTempDir();
  const base = { kind: "kernel", abi: "udiag", target: "kmod" } as const;
  const seenUnder = (replay: Replay): Finding => ({
    title: "BUG: sleeping function called from invalid context in diag_probe_trace",
    kind: "kernel",
    type: "BUG",
    report: "r",
    log: "l",
    replay,
    env: {},
  });
  const race: Replay = { ...base, suite: "race", campaign: "race", seed: 1, workers: 3, ms: 3000 };
  const rule: Replay = { ...base, suite: "conformance", rule: "UD-WR-004" };
  const check: Replay = { ...base, suite: "security", check: "SEC-XU-003" };
  const suiteOf = async (dir: string) =>
    JSON.parse(await Deno.readTextFile(`${dir}/replay.json`)).suite;
  const hasRepro = (dir: string) => Deno.stat(`${dir}/repro.txt`).then(() => true, () => false);
  // A race round brings its operations; a rule has none.
  const round = { ...seenUnder(race), repro: "worker 1: write()" };
  const a = await saveFinding(root, round);
  assert.equal(await suiteOf(a.dir), "race");
  await saveFinding(root, seenUnder(rule));
  assert.equal(await suiteOf(a.dir), "conformance", "a rule replaces a race round");
  assert.equal(await hasRepro(a.dir), false, "and the round's operations go with it");
  await saveFinding(root, round);
  await saveFinding(root, seenUnder(check));
  assert.equal(await suiteOf(a.dir), "conformance", "nothing less sure, or as sure, replaces it");
  assert.equal(await hasRepro(a.dir), false);
  await Deno.remove(root, { recursive: true });
});

Deno.test("titleKey() matches a title collapsed earlier with its long form", () => {
  assert.equal(
    titleKey("x returned N=N,…, expected none"),
    titleKey("x returned N=N,N=N,N=N,N=N,N=N,N=N, expected none"),
  );
});

Deno.test("titleKey() makes titles that differ only in how often a list repeats equal", () => {
  assert.equal(
    collapseRepeats("returned N=N,N=N,N=N, expected none"),
    "returned N=N,…, expected none",
  );
  assert.equal(
    titleKey("x returned N=N,N=N, expected none"),
    titleKey("x returned N=N,N=N,N=N, expected none"),
  );
  assert.notEqual(
    titleKey("delete returned ok 0, expected EBUSY"),
    titleKey("delete returned EBUSY, expected ok 0"),
  );
});
