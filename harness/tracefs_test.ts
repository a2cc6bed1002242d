import assert from "node:assert/strict";
import { eventTypeIds, parseBufferStats, Tracefs } from "./tracefs.ts";

/** A tracefs tree as the kernel lays it out: events/<system>/<event>/id, and a system's own enable. */
function tree(events: Record<string, Record<string, number>>): string {
  const root = Deno.makeTempDirSync({ prefix: "udiag-tracefs-" });
  for (const [sys, evs] of Object.entries(events)) {
    Deno.mkdirSync(`${root}/events/${sys}`, { recursive: true });
    Deno.writeTextFileSync(`${root}/events/${sys}/enable`, "0\n");
    for (const [ev, id] of Object.entries(evs)) {
      Deno.mkdirSync(`${root}/events/${sys}/${ev}`);
      Deno.writeTextFileSync(`${root}/events/${sys}/${ev}/id`, `${id}\n`);
    }
  }
  Deno.writeTextFileSync(`${root}/events/enable`, "0\n");
  return root;
}

Deno.test("eventTypeIds() reads every system's event ids, skipping files", () => {
  const root = tree({ ftrace: { function: 1, print: 5 }, sched: { sched_switch: 316 }, udiag: {} });
  assert.deepEqual([...eventTypeIds(root)].sort((a, b) => a - b), [1, 5, 316]);
});

Deno.test("Tracefs.eventId() and hasEvent() on one system", () => {
  const root = tree({ udiag: { t_1: 2101 } });
  const fs = new Tracefs("udiag", root);
  assert.equal(fs.eventId("t_1"), 2101);
  assert.equal(fs.hasEvent("t_1"), true);
  assert.equal(fs.hasEvent("t_2"), false);
  assert.deepEqual(fs.events(), ["t_1"]);
});

/** A `per_cpu/cpuN/stats` file captured in the guest (6.12), with one counter changed by `edit`. */
function stats(file: string, edit: (t: string) => string = (t) => t): string {
  return edit(Deno.readTextFileSync(new URL(`testdata/${file}`, import.meta.url)));
}

const STATS: [string, string, ReturnType<typeof parseBufferStats>][] = [
  [
    "a cleared buffer",
    stats("tracefs-stats-cleared.txt"),
    { entries: 0, overrun: 0, commitOverrun: 0, dropped: 0 },
  ],
  [
    "three records written",
    stats("tracefs-stats-3-entries.txt"),
    { entries: 3, overrun: 0, commitOverrun: 0, dropped: 0 },
  ],
  [
    "records overwritten",
    stats("tracefs-stats-cleared.txt", (t) => t.replace("overrun: 0", "overrun: 12")),
    { entries: 0, overrun: 12, commitOverrun: 0, dropped: 0 },
  ],
  [
    "a counter missing (another format): no answer, never an empty buffer",
    stats("tracefs-stats-cleared.txt", (t) => t.replace(/^dropped events.*$/m, "")),
    null,
  ],
  ["empty", "", null],
];
for (const [name, text, want] of STATS) {
  Deno.test(`parseBufferStats(): ${name}`, () => assert.deepEqual(parseBufferStats(text), want));
}

Deno.test("Tracefs.buffersAsCleared(): every CPU's stats must say so; unreadable stats say no", () => {
  const root = tree({ udiag: {} });
  const put = (cpu: number, text: string) => {
    Deno.mkdirSync(`${root}/per_cpu/cpu${cpu}`, { recursive: true });
    Deno.writeTextFileSync(`${root}/per_cpu/cpu${cpu}/stats`, text);
  };
  const fs = new Tracefs("udiag", root);
  put(0, stats("tracefs-stats-cleared.txt"));
  put(1, stats("tracefs-stats-cleared.txt"));
  assert.equal(fs.buffersAsCleared(), true);
  put(1, stats("tracefs-stats-3-entries.txt"));
  assert.equal(fs.buffersAsCleared(), false);
  put(
    1,
    stats("tracefs-stats-cleared.txt", (t) => t.replace("dropped events: 0", "dropped events: 1")),
  );
  assert.equal(fs.buffersAsCleared(), false);
  // The stats are read at offset 0 of a descriptor kept open: a rewrite is seen.
  put(1, stats("tracefs-stats-cleared.txt"));
  assert.equal(fs.buffersAsCleared(), true);
  const missing = tree({ udiag: {} });
  Deno.mkdirSync(`${missing}/per_cpu/cpu0`, { recursive: true });
  assert.equal(new Tracefs("udiag", missing).buffersAsCleared(), false);
  assert.equal(new Tracefs("udiag", Deno.makeTempDirSync()).buffersAsCleared(), false);
});
