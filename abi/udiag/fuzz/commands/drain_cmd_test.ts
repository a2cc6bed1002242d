/**
 * A drain judges a case on its own records: the real records captured in
 * the guest (harness/trace/testdata) stand for those a case wrote.
 */
import assert from "node:assert/strict";
import { ownRecords } from "./drain_cmd.ts";
import { Mismatch } from "../real.ts";
import { drainTitle } from "../titles.ts";
import { collectRecords, parseRingLayout } from "../../../../harness/trace/ftrace_raw.ts";

const DIR = new URL("../../../../harness/trace/testdata/", import.meta.url);
const text = (n: string) => Deno.readTextFileSync(new URL(n, DIR));
const MANIFEST = JSON.parse(text("manifest.json")) as { pid: number; eventId: number };
const CAPTURED = collectRecords(
  parseRingLayout(text("ftrace/header_page"), text("ftrace/header_event")),
  [{ cpu: 1, bytes: Deno.readFileSync(new URL("ftrace/cpu1.raw", DIR)) }],
).records.map((r) => r.data);

Deno.test("ownRecords() keeps the records of the case's event types written by its process", () => {
  assert.equal(CAPTURED.length, 8);
  const mine = new Set([MANIFEST.eventId]);
  assert.equal(ownRecords(CAPTURED, mine, MANIFEST.pid).length, 8);
  // Left by another process, or by an earlier event that had another type id.
  assert.equal(ownRecords(CAPTURED, mine, MANIFEST.pid + 1).length, 0);
  assert.equal(ownRecords(CAPTURED, new Set([MANIFEST.eventId + 1]), MANIFEST.pid).length, 0);
  // A record too short to carry a pid is nobody's.
  assert.equal(ownRecords([new Uint8Array([MANIFEST.eventId & 0xff, 1])], mine, 0).length, 0);
});

const rec = (name: string, ...data: number[]) => ({ name, data: new Uint8Array(data) });

// The two drain findings of the fresh-clone run of issue 18, and their kin.
const TITLES: readonly [string, ReturnType<typeof rec>[], ReturnType<typeof rec>[], string][] = [
  ["a stale record", [rec("f3", 74, 65, 19)], [], "a record that was not written"],
  [
    "another stale record",
    [rec("f3", 234, 137, 70, 158, 9, 34, 32, 250)],
    [],
    "a record that was not written",
  ],
  ["a lost record", [], [rec("f0", 1)], "fewer records than were written"],
  [
    "a truncated record",
    [rec("f0", 1)],
    [rec("f0", 1, 2)],
    "a record of another length than written",
  ],
  [
    "a corrupted record",
    [rec("f0", 1, 3)],
    [rec("f0", 1, 2)],
    "a record whose bytes differ from those written",
  ],
  ["swapped events", [rec("f1", 1)], [rec("f0", 1)], "records of another event, or out of order"],
];

for (const [what, got, want, words] of TITLES) {
  Deno.test(`drainTitle() of ${what} names the problem, not the bytes`, () => {
    const t = drainTitle("ftrace", got, want);
    assert.equal(t, `fuzz: drain(ftrace) returned ${words}`);
    assert.doesNotMatch(t, /\d/);
    const m = new Mismatch("drain(ftrace)", "x", "y", t);
    assert.equal(m.title, t);
    assert.match(m.message, /^drain\(ftrace\) returned x, expected y$/);
  });
}

Deno.test("the two fresh-clone drain findings share one title", () => {
  assert.equal(
    drainTitle("perf", TITLES[0]![1], TITLES[0]![2]),
    drainTitle("perf", TITLES[1]![1], TITLES[1]![2]),
  );
});
