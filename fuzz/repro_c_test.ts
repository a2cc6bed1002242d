import assert from "node:assert/strict";
import { EXIT, showedItself, verdictOf, wanted, worse } from "./repro_c.ts";
import type { Trace } from "../harness/ctrace/trace.ts";
import type { Replay } from "../harness/replay.ts";

const base = { abi: "udiag", target: "patch:abi/udiag/rfc/000_aa391f59f6e4613c.txt" } as const;
const rule: Replay = { ...base, kind: "conformance", suite: "conformance", rule: "UD-MM-003" };
const check: Replay = { ...base, kind: "security", suite: "security", check: "SEC-ACC-002" };
const fuzz: Replay = {
  ...base,
  kind: "fuzz",
  suite: "fuzz",
  campaign: "model",
  seed: 1,
  path: "0",
  replayPath: "A",
  maxCommands: 30,
  fastCheck: "4.10.2",
};
const kernel: Replay = { ...fuzz, kind: "kernel" };

Deno.test("wanted() looks for the report, the rule, the check or the fuzz title", () => {
  const table: [string, Replay, unknown][] = [
    ["conformance UD-MM-003: mmap returned ok", rule, { report: null, printed: "UD-MM-003" }],
    [
      "security SEC-ACC-002: kernel report: WARNING in trace_add_event_call",
      check,
      { report: "WARNING in trace_add_event_call", printed: null },
    ],
    ["fuzz: register returned ok 1, expected EINVAL", fuzz, {
      report: null,
      printed: "fuzz: register returned ok 1, expected EINVAL",
    }],
    ["WARNING in trace_add_event_call", kernel, {
      report: "WARNING in trace_add_event_call",
      printed: null,
    }],
  ];
  for (const [title, replay, want] of table) assert.deepEqual(wanted(title, replay), want, title);
});

Deno.test("verdictOf() verifies only the same finding", () => {
  const done = "udiag-repro: done\n";
  const table: [ReturnType<typeof wanted>, string, string[], boolean][] = [
    [{ report: null, printed: "UD-MM-003" }, `udiag-repro: found: UD-MM-003\n${done}`, [], true],
    [{ report: null, printed: "UD-MM-003" }, `udiag-repro: found: UD-MM-004\n${done}`, [], false],
    [{ report: null, printed: "UD-MM-003" }, done, [], false],
    [{ report: "WARNING in f", printed: null }, done, ["WARNING in f"], true],
    [{ report: "WARNING in f", printed: null }, done, ["WARNING in g"], false],
    // A leaked preempt count shows wherever the task next schedules.
    [
      { report: "BUG: scheduling while atomic in a", printed: null },
      "",
      ["BUG: scheduling while atomic in b"],
      true,
    ],
  ];
  for (const [want, stdout, consoleTitles, verified] of table) {
    assert.equal(verdictOf(want, { stdout, consoleTitles }).verified, verified, stdout);
  }
});

Deno.test("worse() keeps the worst exit status", () => {
  assert.equal(worse(EXIT.verified, EXIT.unverified), EXIT.unverified);
  assert.equal(worse(EXIT.noC, EXIT.verified), EXIT.noC);
  assert.equal(worse(EXIT.cannotTell, EXIT.notReplayed), EXIT.notReplayed);
});

Deno.test("showedItself(): the same report, or the oracle's judged call, not the same ID failing otherwise", () => {
  const proc = { ev: "proc", t: "1", pid: 10, uid: 0, gid: 0, role: "root" } as const;
  const judged = (finding: string): Trace => [{
    proc,
    events: [{ ev: "judge", t: "2", finding, what: "x", expect: { fails: true } }],
  }];
  const check = { report: null, printed: "SEC-PG-005" };
  assert.ok(showedItself(check, ["security SEC-PG-005: kernel report: W"], judged("SEC-PG-005")));
  assert.ok(
    !showedItself(check, ["security SEC-PG-005: kernel report: W"], [{ proc, events: [] }]),
  );
  assert.ok(!showedItself(check, [], judged("SEC-PG-001")));
  assert.ok(!showedItself(check, [], null));
  const report = { report: "WARNING in f", printed: null };
  assert.ok(
    showedItself(
      report,
      ["security SEC-PG-005: kernel report: WARNING in f", "WARNING in f"],
      null,
    ),
  );
  assert.ok(!showedItself(report, ["WARNING in g"], judged("SEC-PG-005")));
});
