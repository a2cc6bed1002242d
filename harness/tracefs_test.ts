import assert from "node:assert/strict";
import { eventTypeIds, Tracefs } from "./tracefs.ts";

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
