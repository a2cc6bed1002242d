/** Security: negative write indexes (CVE-2023-54139; NOTES.md §7; reverts/01). */
import { check, handTo, refused, setUp } from "./fixture.ts";
import { ActorError, MALLORY, UeActor } from "./users.ts";
import { Fixture } from "../conformance/fixture.ts";

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);

/** The indexes of the check: -1 reads `count` as a pointer, -4 and below read before the table. */
export const NEGATIVE_INDEXES = [-1, -2, -4, -0x80000000] as const;

check("UE-SEC-WR-001", async (t) => {
  using fx = new Fixture();
  await using mallory = await UeActor.start(MALLORY);
  const { h } = await handTo(t, fx, mallory);
  const name = fx.name("sec");
  const reg = await mallory.register(h, `${name} u32 a`);
  t.saw(`mallory registers ${name}`, reg);
  if (setUp("mallory registers one event", reg) !== 0) {
    throw new Error(`mallory's event got index ${reg.ok && reg.value}, not 0`);
  }
  const on = fx.trace(name);
  t.saw(`root enables ${name}`, on);
  setUp("root enables the event", on);
  const control = await mallory.writev(h, 0, u32(1));
  t.saw("mallory writes index 0", control);
  setUp("mallory writes index 0 of an enabled event", control);
  for (const idx of NEGATIVE_INDEXES) {
    for (const how of ["writev", "write"] as const) {
      try {
        const r = how === "writev"
          ? await mallory.writev(h, idx, u32(2))
          : await mallory.write(h, idx, u32(2));
        refused(t, `mallory ${how}s index ${idx}`, r, ["EINVAL"]);
      } catch (e) {
        if (!(e instanceof ActorError)) throw e;
        // An oops in user_events_write_core kills the writer (reverts/01).
        t.saw(`mallory ${how}s index ${idx}`, e.message);
        t.exposed(`mallory's process died writing index ${idx} with ${how}`);
        return;
      }
    }
  }
  t.saw("mallory writes index 0 again", await mallory.writev(h, 0, u32(3)));
});
