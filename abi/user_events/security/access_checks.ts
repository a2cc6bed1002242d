/**
 * Security: what an ordinary user with no descriptor can reach through file
 * modes: user_events_data, dynamic_events, the user_events_max sysctl and an
 * event's tracefs enable file (NOTES.md §1).
 */
import { check, modeOf, refused, setUp, tracefsTraversable } from "./fixture.ts";
import { MALLORY, UeActor } from "./users.ts";
import { Fixture } from "../conformance/fixture.ts";
import { DATA_PATH, DYNAMIC_EVENTS_PATH, TRACEFS_ROOT, USER_EVENTS_MAX_PATH } from "../abi.ts";
import { dynCreate, readUserEventsMax, writeUserEventsMax } from "../client.ts";
import { O_APPEND, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY } from "../../../harness/libc.ts";

const DENIED = ["EACCES", "EPERM"] as const;

check("UE-SEC-ACC-001", async (t) => {
  using _root = tracefsTraversable(t);
  t.saw("user_events_data", modeOf(DATA_PATH));
  await using mallory = await UeActor.start(MALLORY);
  const modes = [[O_RDWR, "O_RDWR"], [O_WRONLY, "O_WRONLY"], [O_RDONLY, "O_RDONLY"]] as const;
  for (const [flags, label] of modes) {
    // Read-only counts too: the ioctls do not check FMODE_WRITE (U:2720-2748).
    const r = await mallory.openPath(DATA_PATH, flags);
    refused(t, `mallory opens user_events_data ${label}`, r, DENIED);
  }
});

check("UE-SEC-ACC-002", async (t) => {
  using fx = new Fixture();
  using _root = tracefsTraversable(t);
  t.saw("dynamic_events", modeOf(DYNAMIC_EVENTS_PATH));
  // Root's persistent event: what an O_TRUNC open would delete (DE:250-254).
  const rootEvent = fx.name("sec");
  setUp("root creates a persistent event in dynamic_events", dynCreate(`${rootEvent} u32 a`));
  await using mallory = await UeActor.start(MALLORY);
  const hers = fx.name("sec");
  refused(
    t,
    `mallory appends "u:${hers} u32 a" to dynamic_events`,
    await mallory.writePath(DYNAMIC_EVENTS_PATH, `u:${hers} u32 a\n`, O_WRONLY | O_APPEND),
    DENIED,
  );
  if (fx.tracefs.hasEvent(hers)) t.exposed(`mallory created ${hers} through dynamic_events`);
  refused(
    t,
    `mallory appends "!u:${rootEvent} u32 a" to dynamic_events`,
    await mallory.writePath(DYNAMIC_EVENTS_PATH, `!u:${rootEvent} u32 a\n`, O_WRONLY | O_APPEND),
    DENIED,
  );
  refused(
    t,
    "mallory opens dynamic_events O_WRONLY|O_TRUNC",
    await mallory.openPath(DYNAMIC_EVENTS_PATH, O_WRONLY | O_TRUNC),
    DENIED,
  );
  const kept = fx.tracefs.hasEvent(rootEvent);
  t.saw(`root's ${rootEvent} still in tracefs`, String(kept));
  if (!kept) t.exposed(`mallory deleted root's persistent event ${rootEvent}`);
});

check("UE-SEC-ACC-003", async (t) => {
  t.saw("user_events_max", modeOf(USER_EVENTS_MAX_PATH));
  const before = setUp("root reads user_events_max", readUserEventsMax());
  try {
    await using mallory = await UeActor.start(MALLORY);
    for (const flags of [O_WRONLY, O_WRONLY | O_TRUNC]) {
      refused(
        t,
        `mallory writes "1" to user_events_max (flags 0o${flags.toString(8)})`,
        await mallory.writePath(USER_EVENTS_MAX_PATH, "1\n", flags),
        DENIED,
      );
    }
    const after = setUp("root reads user_events_max again", readUserEventsMax());
    t.saw("user_events_max before and after", `${before} -> ${after}`);
    if (after !== before) t.exposed(`user_events_max changed from ${before} to ${after}`);
  } finally {
    const now = readUserEventsMax();
    if (now.ok && now.value !== before) writeUserEventsMax(before);
  }
});

check("UE-SEC-ACC-004", async (t) => {
  using fx = new Fixture();
  using _root = tracefsTraversable(t);
  const name = fx.name("sec");
  const w = fx.word();
  setUp(
    "root registers an event",
    fx.register(fx.open(), { nameArgs: `${name} u32 a`, enableAddr: w, enableBit: 0 }),
  );
  const enable = `${fx.tracefs.eventDir(name)}/enable`;
  t.saw(enable, modeOf(enable));
  await using mallory = await UeActor.start(MALLORY);
  for (const path of [enable, `${TRACEFS_ROOT}/events/user_events/enable`]) {
    refused(
      t,
      `mallory writes "1" to ${path}`,
      await mallory.writePath(path, "1", O_WRONLY | O_TRUNC),
      DENIED,
    );
  }
  const on = w.bit(0);
  t.saw("root's enable bit of the event afterwards", String(on));
  if (on) t.exposed(`${name} was enabled: its enable bit is set`);
  // Turn it off again if mallory's write went through (the fixture only disables its own).
  if (on) fx.trace(name, false);
});
