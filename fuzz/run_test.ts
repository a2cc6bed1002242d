import assert from "node:assert/strict";
import { consoleForCase, mergeStats, parseSuites, seedRanges, summaryMarkdown } from "./run.ts";
import { findingTitle, KernelReport, replayPathOf } from "./campaign.ts";
import { Mismatch, StateLeak } from "./real.ts";
import { parseShard, shardSeeds } from "./shard.ts";
import { checkReplay, foundAgain, sameReport } from "./repro.ts";

Deno.test("findingTitle() keeps titles stable across handles and indexes", () => {
  assert.equal(
    findingTitle(new Mismatch('delete("f0")', "ok 0", "EBUSY")).title,
    "fuzz: delete returned ok 0, expected EBUSY",
  );
  assert.equal(
    findingTitle(new Mismatch('register(h3, "f1")', "ok 7", "ok 1")).title,
    "fuzz: register returned ok N, expected ok 1",
  );
  assert.equal(
    findingTitle(new Mismatch('enable byte 12 after ftrace("f0", on)', "0", "1")).title,
    "fuzz: enable byte after ftrace returned 0, expected 1",
  );
  assert.equal(
    findingTitle(new Mismatch("enable byte 7 after setup", "83", "0")).title,
    "fuzz: enable byte after setup returned N, expected 0",
  );
  const k = findingTitle(new KernelReport("KASAN: slab-use-after-free Read in x", "KASAN", "r"));
  assert.deepEqual(k, {
    title: "KASAN: slab-use-after-free Read in x",
    type: "KASAN",
    report: "r",
  });
});

Deno.test("findingTitle() of a leak names what stayed, not the case's numbers", () => {
  const leak = new StateLeak("an event tracefs does not list holds an index", "index 2, expected 1")
    .alsoFailed(new Mismatch('register(h2, "")', "ok 1", "EINVAL"));
  assert.equal(
    findingTitle(leak).title,
    "fuzz: state left behind: an event tracefs does not list holds an index",
  );
  assert.match(leak.message, /also failed: register\(h2, ""\) returned ok 1, expected EINVAL/);
  assert.ok(leak.cause instanceof Mismatch);
});

Deno.test("parseSuites() takes the campaigns and the security checks, nothing else", () => {
  assert.deepEqual(parseSuites("model, security"), ["model", "security"]);
  assert.throws(() => parseSuites("model,fast"), /Invalid --suites "model,fast"/);
  assert.throws(() => parseSuites(""), /Invalid --suites/);
});

Deno.test("replayPathOf() reads fast-check's replayPath out of a command list", () => {
  assert.equal(replayPathOf('open(),delete("f0") /*replayPath="AAB:q"*/'), "AAB:q");
  assert.equal(replayPathOf("open()"), "");
});

Deno.test("consoleForCase() cuts the console between a case's marks", () => {
  const log = [
    "a",
    "[ 1.0] udiag-fuzz[9]: fuzz/model/1/1: start",
    "b",
    "[ 2.0] udiag-fuzz[9]: fuzz/model/1/1: end",
    "[ 3.0] udiag-fuzz[9]: fuzz/model/1/2: start",
  ].join("\n");
  assert.equal(consoleForCase(log, "model/1/1").split("\n").length, 4);
  assert.equal(consoleForCase(log, "model/9/9"), "");
});

Deno.test("seedRanges(), mergeStats() and summaryMarkdown() say what was covered", () => {
  assert.equal(seedRanges([5, 1, 2, 3, 9, 10]), "1..3, 5, 9..10");
  const s = mergeStats([
    { cases: 2, ops: 10, seconds: 1, byCommand: { open: 3 }, findings: 0, seeds: [1] },
    { cases: 3, ops: 5, seconds: 2, byCommand: { open: 1, drain: 2 }, findings: 1, seeds: [2] },
  ]);
  assert.equal(s.cases, 5);
  assert.equal(s.byCommand.open, 4);
  const md = summaryMarkdown({
    target: "kmod",
    seeds: s.seeds,
    cases: s.cases,
    ops: s.ops,
    seconds: 3,
    byCommand: s.byCommand,
    findings: [],
    kernelDied: false,
    restarts: 0,
  });
  assert.match(md, /covered: 5 cases, 15 operations/);
  assert.match(md, /findings: none/);
});

Deno.test("parseShard() and shardSeeds() give every job of every shard its own seeds", () => {
  assert.deepEqual(parseShard("2/3"), { index: 2, count: 3 });
  for (const bad of ["0/3", "4/3", "x", "1/0"]) assert.throws(() => parseShard(bad), TypeError);
  const seen = new Set<number>();
  for (let i = 1; i <= 3; i++) {
    for (const s of shardSeeds(5, { index: i, count: 3 }, 2)) seen.add(s);
  }
  assert.equal(seen.size, 6);
});

Deno.test("checkReplay() refuses replay.json it cannot replay, naming why", () => {
  assert.throws(() => checkReplay({ suite: "nope" }), /unknown suite "nope"/);
  assert.throws(() => checkReplay({ suite: "fuzz/model", seed: "1" }), /numeric seed/);
  assert.equal(checkReplay({ suite: "fuzz/race", seed: 3, path: "3x3000" }).path, "3x3000");
  assert.throws(
    () => checkReplay({ suite: "fuzz/model", seed: 1, path: "1", broken: "X" }),
    /broken/,
  );
  assert.equal(checkReplay({ suite: "conformance", rule: "UD-DEL-002" }).rule, "UD-DEL-002");
});

Deno.test("sameReport() accepts a leaked preempt count noticed in another frame, nothing else", () => {
  assert.ok(
    sameReport(
      "BUG: scheduling while atomic in do_task_dead",
      "BUG: scheduling while atomic in irqentry_exit_to_user_mode",
    ),
  );
  assert.ok(!sameReport("WARNING in foo", "WARNING in bar"));
  assert.ok(sameReport("WARNING in foo", "WARNING in foo"));
});

Deno.test("foundAgain(): a rule or check that fails again, or a kernel report by its title", () => {
  const found = [
    "conformance UD-MM-006: other text",
    "security SEC-NM-001: exposed: x",
    "WARNING in f",
  ];
  assert.equal(foundAgain(found, "conformance UD-MM-006: first text"), true);
  assert.equal(foundAgain(found, "conformance UD-MM-005: offset"), false);
  assert.equal(foundAgain(found, "security SEC-NM-001: kernel report: y"), true);
  assert.equal(foundAgain(found, "security SEC-NM-002: exposed: x"), false);
  assert.equal(foundAgain(found, "WARNING in f"), true);
  assert.equal(foundAgain(found, "WARNING in g"), false);
});
