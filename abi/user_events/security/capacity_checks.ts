/** Security: user_events_max as the one limit on events (NOTES.md §1, §5 step 11). */
import { check, handTo, refused, setUp } from "./fixture.ts";
import { MALLORY, UeActor } from "./users.ts";
import { Fixture, sleep } from "../conformance/fixture.ts";
import { activeEvents, readUserEventsMax, writeUserEventsMax } from "../client.ts";
import type { SysResult } from "../../../harness/errno.ts";

/** How many new events the lowered limit leaves room for. */
export const ROOM = 3;

/** `Active:` once it has not changed for 500 ms (earlier auto-deletes done), within 5 s. */
async function settledActive(): Promise<number> {
  let last = activeEvents();
  let since = Date.now();
  const end = Date.now() + 5000;
  while (Date.now() - since < 500 && Date.now() < end) {
    await sleep(50);
    const now = activeEvents();
    if (now !== last) [last, since] = [now, Date.now()];
  }
  return last;
}

check("UE-SEC-CAP-001", async (t) => {
  using fx = new Fixture();
  const before = setUp("root reads user_events_max", readUserEventsMax());
  await using mallory = await UeActor.start(MALLORY);
  const { h } = await handTo(t, fx, mallory);
  const active = await settledActive();
  const limit = active + ROOM;
  t.measure("user_events_max before", before);
  t.measure("Active before", active);
  t.measure("limit", limit);
  try {
    setUp(`root sets user_events_max to ${limit}`, writeUserEventsMax(limit));
    let made = 0;
    let stop: SysResult<number> | null = null;
    for (let i = 0; i < ROOM + 5 && stop === null; i++) {
      const r = await mallory.register(h, `${fx.name("sec")} u32 a`);
      if (r.ok) made++;
      else stop = r;
    }
    const after = activeEvents();
    t.measure("events mallory created", made);
    t.measure("Active after", after);
    if (stop === null) {
      t.exposed(
        `mallory created ${made} events where user_events_max ${limit} left room for ${ROOM}`,
      );
    } else {
      refused(t, `mallory registers new event ${made + 1}`, stop, ["EMFILE"]);
      if (made < ROOM) {
        throw new Error(
          `Cannot set up: the count moved under the check (${made} of ${ROOM} created)`,
        );
      }
    }
    if (after > limit) t.exposed(`Active ${after} is past user_events_max ${limit}`);
  } finally {
    const restored = writeUserEventsMax(before);
    t.saw(`root restores user_events_max ${before}`, restored);
    setUp("root restores user_events_max", restored);
  }
});
