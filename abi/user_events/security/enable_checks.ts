/**
 * Security: enable addresses the kernel must not write (NOTES.md §5 steps 8
 * and 13, §8), given by a process holding root's user_events_data.
 */
import { check, handTo, refused, setUp } from "./fixture.ts";
import { ActorError, MALLORY, UeActor } from "./users.ts";
import { Fixture, sleep } from "../conformance/fixture.ts";
import { PROT_READ, PROT_WRITE } from "../../../harness/libc.ts";

/** Where the x86-64 kernel text starts without KASLR: an address access_ok() refuses. */
export const KERNEL_ADDRESS = 0xffffffff81000000n;

check("UE-SEC-EN-001", async (t) => {
  using fx = new Fixture();
  const name = fx.name("sec");
  const args = `${name} u32 a`;
  // Enabled first, so a register that did write its enable_addr would set the bit there.
  setUp(
    "root registers the event",
    fx.register(fx.open(), { nameArgs: args, enableAddr: fx.word(), enableBit: 0 }),
  );
  const on = fx.trace(name);
  t.saw(`root enables ${name}`, on);
  setUp("root enables the event", on);
  await using mallory = await UeActor.start(MALLORY);
  const { h } = await handTo(t, fx, mallory);
  refused(
    t,
    `mallory registers ${name} at kernel address 0x${KERNEL_ADDRESS.toString(16)}`,
    await mallory.register(h, args, { at: { address: KERNEL_ADDRESS } }),
    ["EFAULT"],
  );
  refused(
    t,
    `mallory registers ${name} at NULL`,
    await mallory.register(h, args, { at: { address: 0n } }),
    ["ENOMEM"],
  );
  const ro = setUp("mallory maps a read-only page", await mallory.map(PROT_READ));
  refused(
    t,
    `mallory registers ${name} at her read-only page`,
    await mallory.register(h, args, { at: { mapping: ro } }),
    ["ENOMEM"],
  );
  const bytes = await mallory.peek(ro);
  t.saw("the read-only page's first 8 bytes afterwards", bytes);
  if (bytes.some((b) => b !== 0)) {
    t.judge("the read-only page's first 8 bytes", "all zero");
    t.exposed("the kernel wrote the enable bit into a read-only page");
  }
  // Control: a writable word gets the bit, so the refusals above were the address checks.
  const good = await mallory.register(h, args);
  t.saw(`mallory registers ${name} at a writable word`, good);
  setUp("mallory registers the event at a writable word", good);
  const set = await mallory.bit(good.w!, 0);
  t.saw("the writable word's bit 0", String(set));
  if (!set) throw new Error("Cannot set up: the enabled event's bit did not reach a writable word");
});

check("UE-SEC-EN-002", async (t) => {
  using fx = new Fixture();
  const name = fx.name("sec");
  const args = `${name} u32 a`;
  await using mallory = await UeActor.start(MALLORY);
  const { h } = await handTo(t, fx, mallory);
  const page = setUp("mallory maps a writable page", await mallory.map(PROT_READ | PROT_WRITE));
  const reg = await mallory.register(h, args, { at: { mapping: page } });
  t.saw(`mallory registers ${name} at her page, bit 0`, reg);
  setUp("mallory registers the event at her page", reg);
  const control = await mallory.register(h, args, { bit: 1 });
  t.saw(`mallory registers ${name} at a second word, bit 1`, control);
  setUp("mallory registers the event at a second word", control);
  const guard = await mallory.guard(page);
  t.saw("mallory unmaps the page and holds its address with a no-access page", guard);
  if (!guard.ok || guard.value !== 0) {
    throw new Error(`Cannot set up: the unmapped address was not held (${JSON.stringify(guard)})`);
  }
  const on = fx.trace(name);
  t.saw(`root enables ${name}`, on);
  setUp("root enables the event", on);
  // The fault-in of the unmapped enabler runs in a work item (U:518-548).
  await sleep(500);
  try {
    const reached = await mallory.bit(control.w!, 1);
    t.saw("the second word's bit 1", String(reached));
    if (!reached) throw new Error("Cannot set up: the enable did not reach mallory's other word");
    t.saw(`root disables ${name}`, fx.trace(name, false));
    await sleep(200);
    t.saw("mallory after the disable", await mallory.call({ op: "whoami" }));
    setUp("mallory makes the held page readable", await mallory.reveal(page));
    const bytes = await mallory.peek(page);
    t.saw("the held page's first word", bytes.join(","));
    if (bytes.some((b) => b !== 0)) {
      t.judge("the held page's first word", "all zero");
      t.exposed("the kernel wrote the enable bit into a page it may not write");
    }
  } catch (e) {
    if (!(e instanceof ActorError)) throw e;
    t.saw("mallory after the enable", e.message);
    t.exposed("mallory's process died when the event was enabled or disabled");
  }
});
