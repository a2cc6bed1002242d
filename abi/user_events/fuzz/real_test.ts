/**
 * RealUserEvents' own memory, on this machine (no user_events needed): the
 * enable-word pages it maps, protects, unmaps and maps again, and the word
 * check every command ends with.
 */
import assert from "node:assert/strict";
import { poke } from "../../../harness/syscall.ts";
import { UserEventsModel } from "./model.ts";
import { Mismatch, RealUserEvents } from "./real.ts";

const ALL = (1n << 64n) - 1n;

Deno.test("RealUserEvents.protect() keeps the words the model predicts through every mapping", () => {
  const initial = [1n, 2n, 3n, 4n, 5n, ALL];
  const m = new UserEventsModel({ initial });
  const r = new RealUserEvents(initial);
  r.checkWords(m, "setup");
  const steps = [
    [1, "ro"],
    [1, "none"],
    [1, "rw"],
    [0, "ro"],
    [0, "none"],
    [0, "unmapped"],
    [0, "rw"],
    [1, "unmapped"],
    [1, "ro"],
    [1, "rw"],
    [2, "none"],
    [2, "ro"],
    [2, "unmapped"],
    [2, "none"],
  ] as const;
  for (const [i, [p, to]] of steps.entries()) {
    r.protect(p, to);
    m.protect(p, to);
    r.checkWords(m, `protect(page ${p}, ${to})`);
    // Read-only, PROT_NONE, then writable again: the words are kept.
    if (i === 2) assert.equal(m.word(2), 3n);
  }
  assert.equal(m.word(0), 0n); // remapped: zero
  assert.equal(m.word(5), 0n);
});

Deno.test("RealUserEvents.checkWords() throws a Mismatch with a stable title on a flipped bit", () => {
  const m = new UserEventsModel({ initial: [0n] });
  const r = new RealUserEvents([0n]);
  poke(r.address(0), new Uint8Array([0, 0, 0, 0, 0, 1]));
  assert.throws(
    () => r.checkWords(m, 'trace("f0", on)'),
    (e: unknown) =>
      e instanceof Mismatch &&
      e.title === "fuzz: enable word after trace: other bit set, expected clear",
  );
});
