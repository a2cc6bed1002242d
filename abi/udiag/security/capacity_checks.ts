/** Security: can one user take the whole event capacity, and for how long? */
import { check, deviceMode } from "./fixture.ts";
import { Actor, ALICE, MALLORY } from "./users.ts";
import { Fixture } from "../conformance/fixture.ts";
import { pageSize } from "../../../harness/syscall.ts";
import { memInfoKiB } from "../../../security/meminfo.ts";

check("SEC-CAP-001", async (t) => {
  using fx = new Fixture();
  using _mode = deviceMode(0o666);
  const prefix = `cap${Deno.pid}`;
  const before = memInfoKiB();
  let flooded = 0;
  try {
    {
      await using mallory = await Actor.start(MALLORY);
      const r = await mallory.call({ op: "flood", prefix, max: pageSize() }) as {
        count: number;
        seconds: number;
        stop: string;
      };
      flooded = r.count;
      t.saw("mallory registers new names, one file each, closed at once", r);
      t.measure("events mallory registered", r.count);
      t.measure("seconds", Number(r.seconds.toFixed(2)));
      t.measure("events per second", Math.round(r.count / Math.max(r.seconds, 1e-3)));
    } // mallory's process exits here: what she made must not outlive her to matter
    const after = memInfoKiB();
    t.measure(
      "kernel memory per event (Slab delta, bytes)",
      Math.round((after.Slab - before.Slab) * 1024 / Math.max(flooded, 1)),
    );
    await using alice = await Actor.start(ALICE);
    const h = await alice.open();
    if (!h.ok) throw new Error(`alice cannot open: ${h.errno}`);
    const reg = await alice.register(h.value, `${prefix}_alice`);
    t.saw("after mallory exited, alice registers a new name", reg);
    if (reg.ok) fx.own(`${prefix}_alice`);
    else {
      t.exposed(
        `mallory took all ${flooded} indexes in ${t.measured["seconds"]} s; after she exited, ` +
          `alice's register fails with ${reg.errno}`,
      );
    }
  } finally {
    const ctl = fx.open();
    let deleted = 0;
    for (let i = 0; i < flooded; i++) deleted += ctl.delete(`${prefix}_${i}`).ok ? 1 : 0;
    t.saw("root deletes mallory's events", `${deleted} of ${flooded}`);
  }
});
