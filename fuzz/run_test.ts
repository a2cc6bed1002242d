import assert from "node:assert/strict";
import {
  defaultSuites,
  fuzzExit,
  type FuzzSummary,
  guestCommand,
  mergeStats,
  parseSuites,
  seedRanges,
  summaryMarkdown,
} from "./run.ts";
import { CaseFailure, failureOf, KernelReport, replayPathOf } from "./campaign.ts";
import { Mismatch, StateLeak } from "../abi/udiag/fuzz/real.ts";
import { parseShard, shardSeeds } from "./shard.ts";
import { foundAgain } from "./repro.ts";
import { sameReport } from "../harness/report/dedup.ts";
import udiag from "../abi/udiag/plugin.ts";

Deno.test("failureOf() of udiag mismatches keeps titles stable across handles and indexes", () => {
  assert.equal(
    failureOf(new Mismatch('delete("f0")', "ok 0", "EBUSY")).title,
    "fuzz: delete returned ok 0, expected EBUSY",
  );
  assert.equal(
    failureOf(new Mismatch('register(h3, "f1")', "ok 7", "ok 1")).title,
    "fuzz: register returned ok N, expected ok 1",
  );
  assert.equal(
    failureOf(new Mismatch('enable byte 12 after ftrace("f0", on)', "0", "1")).title,
    "fuzz: enable byte after ftrace returned 0, expected 1",
  );
  assert.equal(
    failureOf(new Mismatch("enable byte 7 after setup", "83", "0")).title,
    "fuzz: enable byte after setup returned N, expected 0",
  );
  const k = failureOf(new KernelReport("KASAN: slab-use-after-free Read in x", "KASAN", "r"));
  assert.equal(k.title, "KASAN: slab-use-after-free Read in x");
  assert.equal(k.type, "KASAN");
  assert.equal(k.report, "r");
  assert.match(k.breaks, /no kernel report/);
  // Anything else a case throws is the harness's own failure, not the kernel's.
  assert.equal(failureOf(new Error("boom")).type, "HARNESS");
  const own = failureOf(new CaseFailure("m", { title: "t", breaks: "b" }));
  assert.deepEqual(own, { title: "t", type: "MISMATCH", report: "m", breaks: "b" });
});

Deno.test("failureOf() of a leak names what stayed, not the case's numbers", () => {
  const leak = new StateLeak("an event tracefs does not list holds an index", "index 2, expected 1")
    .alsoFailed(new Mismatch('register(h2, "")', "ok 1", "EINVAL"));
  assert.equal(
    failureOf(leak).title,
    "fuzz: state left behind: an event tracefs does not list holds an index",
  );
  assert.match(leak.message, /also failed: register\(h2, ""\) returned ok 1, expected EINVAL/);
  assert.ok(leak.cause instanceof Mismatch);
  assert.equal(leak.leavesState, true);
  assert.deepEqual(leak.failingOps.slice(0, 1), ['register(h2, "")  # ok 1, expected EINVAL']);
});

Deno.test("parseSuites() takes the ABI's campaigns and the security checks, nothing else", () => {
  assert.deepEqual(parseSuites("model, security", udiag.fuzz!), ["model", "security"]);
  assert.throws(() => parseSuites("model,fast", udiag.fuzz!), /Invalid --suites "model,fast"/);
  assert.throws(() => parseSuites("", udiag.fuzz!), /Invalid --suites/);
});

Deno.test("a campaign that needs a kernel profile runs by default only there; --suites elsewhere is refused", () => {
  const part = { ...udiag.fuzz!, weights: { model: 2, faults: 1 }, profiles: { faults: "faults" } };
  assert.deepEqual(defaultSuites(part, "base", true), ["model", "security"]);
  assert.deepEqual(defaultSuites(part, "faults", false), ["model", "faults"]);
  assert.deepEqual(parseSuites("faults", part, "faults"), ["faults"]);
  assert.throws(
    () => parseSuites("model,faults", part, "base"),
    /Invalid --suites "model,faults": campaign faults needs --profile faults/,
  );
});

Deno.test("guestCommand() names the ABI and each campaign's seconds", () => {
  assert.equal(
    guestCommand({
      abi: "udiag",
      seed: 5,
      seconds: 80,
      cases: 0,
      maxCommands: 30,
      plan: new Map([["model", 60], ["race", 20]]),
    }),
    "deno run -A out/guest-bundle/fuzz/guest.js --abi udiag --seed 5 --time 80 --cases 0 --max-commands 30 --suites model,race --shares model=60,race=20",
  );
});

Deno.test("replayPathOf() reads fast-check's replayPath out of a command list", () => {
  assert.equal(replayPathOf('open(),delete("f0") /*replayPath="AAB:q"*/'), "AAB:q");
  assert.equal(replayPathOf("open()"), "");
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

Deno.test("summaryMarkdown() says when each finding was first filed, where a guest said so", () => {
  const md = summaryMarkdown({
    target: "kmod (broken: SKIP_EBUSY)",
    seeds: [1],
    cases: 40,
    ops: 400,
    seconds: 60,
    byCommand: {},
    findings: [
      {
        title: "fuzz: delete while a file holds the event",
        dir: "reports/x",
        isNew: true,
        foundAfter: { seconds: 12.5, cases: 9, filedSeconds: 30 },
      },
      { title: "KASAN: use-after-free in diag_dev_write", dir: "reports/y", isNew: true },
    ],
    kernelDied: false,
    restarts: 0,
  });
  assert.match(
    md,
    /delete while a file holds the event \(reports\/x, first failed after 12\.5 s and 9 cases, filed after 30 s\)/,
  );
  assert.match(md, /use-after-free in diag_dev_write \(reports\/y\)/);
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

Deno.test("sameReport() accepts a leaked preempt count noticed in another frame, nothing else", () => {
  assert.ok(
    sameReport(
      "BUG: scheduling while atomic in do_task_dead",
      "BUG: scheduling while atomic in irqentry_exit_to_user_mode",
    ),
  );
  assert.ok(
    sameReport(
      "BUG: scheduling while atomic in do_task_dead",
      "BUG: scheduling while atomic on return to user mode",
    ),
  );
  assert.ok(!sameReport("WARNING in foo", "WARNING in bar"));
  assert.ok(sameReport("WARNING in foo", "WARNING in foo"));
});

Deno.test("foundAgain(): a rule or check that fails again, or a report by its title", () => {
  const found = [
    "conformance UD-MM-006: other text",
    "security SEC-NM-001: exposed: x",
    "WARNING in f",
  ];
  assert.equal(foundAgain(found, "conformance UD-MM-006: first text", "conformance"), true);
  assert.equal(foundAgain(found, "conformance UD-MM-005: offset", "conformance"), false);
  assert.equal(foundAgain(found, "security SEC-NM-001: kernel report: y", "security"), true);
  assert.equal(foundAgain(found, "security SEC-NM-002: exposed: x", "security"), false);
  assert.equal(foundAgain(found, "WARNING in f", "kernel"), true);
  assert.equal(foundAgain(found, "WARNING in g", "kernel"), false);
  // The kind decides, not the title: a fuzz finding is matched by its whole title.
  assert.equal(foundAgain(found, "conformance UD-MM-006: first text", "fuzz"), false);
});

// Soak B of issue 18: the security VM read a file half-written by an editor,
// ran no check ("24 not run"), and the campaign still exited 0.
Deno.test("fuzzExit(): security checks that could not run fail a run that found nothing", () => {
  const s: FuzzSummary = {
    target: "udiag kmod",
    seeds: [1],
    cases: 10,
    ops: 100,
    seconds: 60,
    byCommand: {},
    findings: [],
    kernelDied: false,
    restarts: 0,
  };
  assert.equal(fuzzExit(s), 0);
  const notRun = { tally: "0 pass, 24 not run", summary: "s.md", complete: false };
  assert.equal(fuzzExit({ ...s, security: notRun }), 1);
  assert.match(summaryMarkdown({ ...s, security: notRun }), /NOT ALL RAN CLEAN/);
  assert.equal(fuzzExit({ ...s, security: { ...notRun, complete: true } }), 0);
  assert.equal(fuzzExit({ ...s, kernelDied: true }), 255);
});

Deno.test("mergeStats() sums step times, and summaryMarkdown() shares them over every job's time", () => {
  const s = mergeStats([
    {
      cases: 10,
      ops: 50,
      seconds: 10,
      byCommand: {},
      findings: 0,
      seeds: [1],
      spent: { commands: 6000 },
    },
    {
      cases: 10,
      ops: 50,
      seconds: 10,
      byCommand: {},
      findings: 0,
      seeds: [2],
      spent: { commands: 4000, "health probe": 2000 },
    },
  ]);
  assert.deepEqual(s.spent, { commands: 10000, "health probe": 2000 });
  const md = summaryMarkdown({
    target: "kmod",
    seeds: s.seeds,
    cases: s.cases,
    ops: s.ops,
    // Two jobs side by side: 10 s of wall clock, 20 s of campaigns.
    seconds: 10,
    campaignSeconds: s.seconds,
    byCommand: {},
    spent: s.spent!,
    findings: [],
    kernelDied: false,
    restarts: 0,
  });
  assert.match(
    md,
    /a case's time: the case's operations 500\.0 ms \(50 %\): commands 500\.0 ms \(50 %\); the harness around them 500\.0 ms \(50 %\): untimed 400\.0 ms \(40 %\), health probe 100\.0 ms \(10 %\)/,
  );
});
