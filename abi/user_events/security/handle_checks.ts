/**
 * Security: what a process of an ordinary user can do with a descriptor of
 * user_events_data root handed it (SCM_RIGHTS): ordinary events are its to
 * register (documented, not a finding); persistent ones need CAP_PERFMON
 * (NOTES.md §4, §9).
 */
import { check, handTo, refused, setUp } from "./fixture.ts";
import { MALLORY, UeActor } from "./users.ts";
import { Fixture } from "../conformance/fixture.ts";
import { USER_EVENT_REG_PERSIST } from "../abi.ts";
import { dynCreate } from "../client.ts";

check("UE-SEC-FD-001", async (t) => {
  using fx = new Fixture();
  await using mallory = await UeActor.start(MALLORY);
  const { h } = await handTo(t, fx, mallory);
  const plain = fx.name("sec");
  const reg = await mallory.register(h, `${plain} u32 a`);
  t.saw(`mallory registers ${plain} (no flags) through the passed fd`, reg);
  // What the fd is for: if it does not work the EPERM below shows nothing.
  setUp("mallory registers an ordinary event through the passed fd", reg);
  const persist = fx.name("sec");
  refused(
    t,
    `mallory registers ${persist} with USER_EVENT_REG_PERSIST`,
    await mallory.register(h, `${persist} u32 a`, { flags: USER_EVENT_REG_PERSIST, bit: 1 }),
    ["EPERM"],
  );
  const made = fx.tracefs.hasEvent(persist);
  t.saw(`${persist} in tracefs`, String(made));
  if (made) t.exposed(`the PERSIST registration created ${persist}`);
});

check("UE-SEC-FD-002", async (t) => {
  using fx = new Fixture();
  const name = fx.name("sec");
  setUp("root creates a persistent event in dynamic_events", dynCreate(`${name} u32 a`));
  await using mallory = await UeActor.start(MALLORY);
  const { h } = await handTo(t, fx, mallory);
  refused(t, `mallory deletes root's persistent ${name}`, await mallory.delete(h, name), ["EPERM"]);
  const kept = fx.tracefs.hasEvent(name);
  t.saw(`${name} still in tracefs`, String(kept));
  if (!kept) t.exposed(`mallory deleted root's persistent event ${name}`);
});
