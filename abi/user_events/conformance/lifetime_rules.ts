/** Conformance: delete, auto-delete, persist, dynamic_events, status and user_events_max (NOTES.md §1, §9, §10). */
import { Fixture, rule, sleep } from "./fixture.ts";
import { USER_EVENT_REG_PERSIST } from "../abi.ts";
import {
  activeEvents,
  dynCreate,
  dynDelete,
  readStatus,
  readUserEventsMax,
  UserEventsFile,
  writeUserEventsMax,
} from "../client.ts";

const ok = (value: unknown) => ({ ok: true as const, value });
const isOk = (r: { ok: boolean }) => r.ok;

rule("UE-DEL-001", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const w = fx.word();
  const f = fx.open();
  t.expect("register", isOk(fx.register(f, { nameArgs: name, enableAddr: w, enableBit: 0 })), true);
  t.expect("delete from the registering fd", f.delete(name), "EBUSY");
  t.expect("delete from another fd", fx.open().delete(name), "EBUSY");
  t.expect("unregister", f.unregister(w, 0), ok(0));
  fx.forget(w, 0);
  t.expect("delete while the fd still holds it", fx.open().delete(name), "EBUSY");
  t.expect("event still in tracefs", fx.tracefs.hasEvent(name), true);
});

rule("UE-DEL-002", (t) => {
  using fx = new Fixture();
  t.expect("delete unknown name", fx.open().delete(fx.name()), "ENOENT");
  t.expect("delete empty name", fx.open().delete(""), "ENOENT");
});

rule("UE-DEL-003", async (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const w = fx.word();
  const f = UserEventsFile.openOrThrow();
  t.expect(
    "register",
    isOk(f.register({ nameArgs: `${name} u32 a`, enableAddr: w, enableBit: 0 })),
    true,
  );
  t.expect("event in tracefs", fx.tracefs.hasEvent(name), true);
  t.expect("unregister", f.unregister(w, 0), ok(0));
  t.expect("close", f.close(), ok(0));
  t.expect("event goes within 5 s", await Fixture.waitFor(() => !fx.tracefs.hasEvent(name)), true);
  t.expect("delete after auto-delete", fx.open().delete(name), "ENOENT");
});

rule("UE-PERSIST-001", async (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const args = `${name} u32 a`;
  const w = fx.word();
  const f = UserEventsFile.openOrThrow();
  t.expect(
    "register PERSIST",
    isOk(
      f.register({ nameArgs: args, enableAddr: w, enableBit: 0, flags: USER_EVENT_REG_PERSIST }),
    ),
    true,
  );
  t.expect("unregister", f.unregister(w, 0), ok(0));
  t.expect("close", f.close(), ok(0));
  await sleep(300);
  t.expect("event still in tracefs after 300 ms", fx.tracefs.hasEvent(name), true);
  const g = UserEventsFile.openOrThrow();
  t.expect(
    "re-register joins it",
    g.register({ nameArgs: args, enableAddr: w, enableBit: 1 }),
    ok(0),
  );
  t.expect("delete while registered", fx.open().delete(name), "EBUSY");
  t.expect("unregister", g.unregister(w, 1), ok(0));
  t.expect("close", g.close(), ok(0));
  await sleep(300);
  t.expect("event still in tracefs after the second close", fx.tracefs.hasEvent(name), true);
  const d = fx.open();
  t.expect("delete from a fresh fd", d.delete(name), ok(0));
  t.expect("event gone at once", fx.tracefs.hasEvent(name), false);
  t.expect("delete again", d.delete(name), "ENOENT");
});

// The kernel's own abi_test (TEST_F(user, flags)) does this with no pause:
// register PERSIST on one fd, unregister on another, delete on a third. A
// kernel that puts the enabler's event reference only after an RCU grace
// period answers EBUSY here; how long it stays busy is noted.
rule("UE-DEL-004", async (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const w = fx.word();
  const a = UserEventsFile.openOrThrow();
  t.expect(
    "register PERSIST",
    isOk(
      a.register({ nameArgs: name, enableAddr: w, enableBit: 0, flags: USER_EVENT_REG_PERSIST }),
    ),
    true,
  );
  t.expect("close the registering fd", a.close(), ok(0));
  const b = UserEventsFile.openOrThrow();
  t.expect("unregister from another fd", b.unregister(w, 0), ok(0));
  t.expect("close it", b.close(), ok(0));
  const c = fx.open();
  const t0 = performance.now();
  const first = c.delete(name);
  if (!first.ok && first.errno === "EBUSY") {
    // Measured before the verdict, which ends the rule.
    const gone = await Fixture.waitFor(() => {
      const r = c.delete(name);
      return r.ok || r.errno !== "EBUSY";
    });
    t.note(
      "DIAG_IOCSDEL answered EBUSY for (ms)",
      gone ? Math.round(performance.now() - t0) : "more than 5000",
    );
  }
  t.expect("delete at once from a third fd", first, ok(0));
});

rule("UE-DYN-001", async (t) => {
  using fx = new Fixture();
  const name = fx.name();
  t.expect("u:NAME u32 a", isOk(dynCreate(`${name} u32 a`)), true);
  t.expect("event in tracefs", fx.tracefs.hasEvent(name), true);
  t.expect("u:NAME u32 a again", isOk(dynCreate(`${name} u32 a`)), true);
  t.expect("u:NAME u64 a", dynCreate(`${name} u64 a`), "EADDRINUSE");
  const w = fx.word();
  const f = UserEventsFile.openOrThrow();
  t.expect(
    "ioctl same fields",
    f.register({ nameArgs: `${name} u32 a`, enableAddr: w, enableBit: 0 }),
    ok(0),
  );
  t.expect(
    "ioctl other fields",
    f.register({ nameArgs: `${name} u32 b`, enableAddr: w, enableBit: 1 }),
    "EADDRINUSE",
  );
  t.expect("!u:NAME u32 a while registered", dynDelete(`${name} u32 a`), "EBUSY");
  f.unregister(w, 0);
  f.close();
  await sleep(300);
  t.expect("persistent after unregister+close", fx.tracefs.hasEvent(name), true);
  t.note("!u:NAME (no fields)", JSON.stringify(dynDelete(name)));
  t.expect("event kept by !u:NAME without fields", fx.tracefs.hasEvent(name), true);
  t.expect("!u:NAME u32 a", isOk(dynDelete(`${name} u32 a`)), true);
  t.expect("event gone", fx.tracefs.hasEvent(name), false);
});

rule("UE-STATUS-001", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  t.expect(
    "register",
    isOk(fx.register(fx.open(), { nameArgs: name, enableAddr: fx.word(), enableBit: 0 })),
    true,
  );
  const lines = () => readStatus().split("\n");
  t.expect("listed, unused", lines().includes(name), true);
  t.expect("enable", isOk(fx.trace(name)), true);
  t.expect("listed, used by ftrace", lines().includes(`${name} # Used by ftrace`), true);
  t.expect("Busy: line", /^Busy: [1-9]\d*$/m.test(readStatus()), true);
});

rule("UE-MAX-001", (t) => {
  using fx = new Fixture();
  const max = readUserEventsMax();
  t.expect("user_events_max", max, ok(32768));
  if (!max.ok) return;
  const f = fx.open();
  const old = fx.name();
  t.expect(
    "register an event",
    isOk(fx.register(f, { nameArgs: old, enableAddr: fx.word(), enableBit: 0 })),
    true,
  );
  const active = activeEvents();
  t.note("Active", active);
  t.expect("set user_events_max to Active", isOk(writeUserEventsMax(active)), true);
  fx.defer(() => writeUserEventsMax(max.value));
  try {
    const fresh = fx.name();
    t.expect(
      "new event at the limit",
      fx.open().register({ nameArgs: fresh, enableAddr: fx.word(), enableBit: 0 }),
      "EMFILE",
    );
    t.expect("no event was created", fx.tracefs.hasEvent(fresh), false);
    t.expect(
      "existing event on another fd",
      fx.register(fx.open(), { nameArgs: old, enableAddr: fx.word(), enableBit: 0 }),
      ok(0),
    );
    t.expect("raise the limit by 1", isOk(writeUserEventsMax(active + 1)), true);
    t.expect(
      "new event below the limit",
      isOk(fx.register(fx.open(), { nameArgs: fresh, enableAddr: fx.word(), enableBit: 0 })),
      true,
    );
  } finally {
    writeUserEventsMax(max.value);
  }
  t.expect("restored", readUserEventsMax(), max);
});
