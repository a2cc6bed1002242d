/** Security: what one admitted user can do to the events of another. */
import { check, deviceMode } from "./fixture.ts";
import { Actor, ALICE, MALLORY } from "./users.ts";
import { Fixture } from "../conformance/fixture.ts";
import { recoverFtrace } from "../../../conformance/sink_payloads.ts";
import { setUp } from "./setup.ts";

/** Alice registers `name` and keeps the file open; returns her handle. */
async function aliceHolds(alice: Actor, name: string): Promise<number> {
  const h = await alice.open();
  if (!h.ok) throw new Error(`alice cannot open: ${h.errno}`);
  const r = await alice.register(h.value, name);
  if (!r.ok) throw new Error(`alice cannot register ${name}: ${r.errno}`);
  return h.value;
}

async function malloryFile(mallory: Actor): Promise<number> {
  const h = await mallory.open();
  if (!h.ok) throw new Error(`mallory cannot open: ${h.errno}`);
  return h.value;
}

check("SEC-XU-001", async (t) => {
  using fx = new Fixture();
  using _mode = deviceMode(0o666);
  const name = fx.name("sec");
  await using alice = await Actor.start(ALICE);
  await using mallory = await Actor.start(MALLORY);
  const h = await aliceHolds(alice, name);
  const m = await malloryFile(mallory);
  const del = await mallory.delete(m, name);
  t.saw(`mallory deletes ${name} while alice's file holds it`, del);
  if (del.ok) t.exposed("mallory deleted an event alice's open file holds");
  // If the delete went through, alice's file now points at a freed event:
  // her write and close are where KASAN would see it.
  t.saw("alice writes through her file afterwards", await alice.write(h, "after"));
  t.saw("alice closes", await alice.close(h));
});

check("SEC-XU-002", async (t) => {
  using fx = new Fixture();
  using _mode = deviceMode(0o666);
  const name = fx.name("sec");
  await using alice = await Actor.start(ALICE);
  await using mallory = await Actor.start(MALLORY);
  const h = await aliceHolds(alice, name);
  await alice.close(h);
  const m = await malloryFile(mallory);
  const del = await mallory.delete(m, name);
  t.saw(`mallory deletes ${name} after alice closed it`, del);
  if (del.ok) t.judge(`mallory deletes ${name}`, "refused");
  if (del.ok) t.exposed("mallory deleted an event alice registered (unused)");
});

check("SEC-XU-003", async (t) => {
  using fx = new Fixture();
  using _mode = deviceMode(0o666);
  const name = fx.name("sec");
  await using alice = await Actor.start(ALICE);
  await using mallory = await Actor.start(MALLORY);
  const h = await aliceHolds(alice, name);
  t.saw("root enables tracing of the event", fx.trace(name));
  recoverFtrace(fx.tracefs, name); // drain older records
  const m = await malloryFile(mallory);
  const joined = await mallory.register(m, name);
  t.saw(`mallory registers alice's name ${name}`, joined);
  if (!joined.ok) return;
  const forged = "forged by mallory";
  const w = await mallory.write(m, forged);
  t.saw("mallory writes while root traces the event", w);
  t.saw("alice writes", await alice.write(h, "from alice"));
  const got = recoverFtrace(fx.tracefs, name);
  const texts = got.payloads.map((p) => new TextDecoder().decode(p));
  t.saw("payloads root's trace shows under the event", texts.length ? texts : got.problems);
  if (texts.includes(forged)) {
    t.exposed("mallory's record appears in alice's event, indistinguishable by event");
  } else if (w.ok && w.value === forged.length) {
    t.exposed("mallory joined alice's event and her write was accepted while it was traced");
  }
  await mallory.close(m);
  await alice.close(h);
});

check("SEC-XU-004", async (t) => {
  using fx = new Fixture();
  using _mode = deviceMode(0o666);
  const name = fx.name("sec");
  await using alice = await Actor.start(ALICE);
  await using mallory = await Actor.start(MALLORY);
  const h = await aliceHolds(alice, name);
  // Mallory learns the index without touching alice's event: the index of a
  // name is the same for everyone, and a fresh name's index is the next one.
  const m = await malloryFile(mallory);
  const map = await mallory.sys({ op: "map", h: m });
  t.saw("mallory maps the page", map);
  // Set-up, not the attack: an unmapped page or an untraced event shows no change.
  const page = setUp("mallory maps the page", map);
  const peek = async () =>
    ((await mallory.call({ op: "peek", m: page })) as { value: number[] }).value;
  const before = await peek();
  const on = fx.trace(name);
  t.saw("root enables tracing of alice's event", on);
  setUp("root enables tracing of alice's event", on);
  const during = await peek();
  if (during.some((b, i) => b !== before[i])) {
    t.judge("the page mallory reads while alice's event is traced", Uint8Array.from(before));
  }
  fx.trace(name, false);
  const changed = during.flatMap((b, i) => b !== before[i] ? [i] : []);
  t.saw("page indexes mallory saw change when root enabled alice's event", changed);
  if (changed.length) {
    t.exposed(`mallory saw index ${changed.join(", ")} turn on when alice's event was traced`);
  }
  await alice.close(h);
});
