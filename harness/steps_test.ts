import assert from "node:assert/strict";
import { perCase, StepClock } from "./steps.ts";

/** A clock that moves only when told. */
function fakeClock(): { clock: StepClock; advance(ms: number): void } {
  let t = 0;
  return { clock: new StepClock(() => t), advance: (ms) => void (t += ms) };
}

Deno.test("StepClock: a step's time is its own; an inner step's is charged to it alone", () => {
  const { clock, advance } = fakeClock();
  clock.time("case", () => {
    advance(5);
    clock.time("commands", () => advance(30));
    advance(2);
    clock.time("leak check", () => advance(10));
  });
  advance(100); // outside any step: not charged
  clock.time("health probe", () => advance(7));
  assert.deepEqual(clock.snapshot(), {
    case: 7,
    commands: 30,
    "leak check": 10,
    "health probe": 7,
  });
});

Deno.test("StepClock: a step that throws is charged, and its exception passes through", () => {
  const { clock, advance } = fakeClock();
  assert.throws(() =>
    clock.time("case", () => {
      advance(4);
      throw new RangeError("boom");
    }), RangeError);
  clock.time("case", () => advance(1));
  assert.deepEqual(clock.snapshot(), { case: 5 });
});

Deno.test("StepClock: timeAsync charges the awaited time to its step", async () => {
  const { clock, advance } = fakeClock();
  const r = await clock.timeAsync("case", async () => {
    await Promise.resolve();
    advance(12);
    return 3;
  });
  assert.equal(r, 3);
  assert.deepEqual(clock.snapshot(), { case: 12 });
});

const PER_CASE: [string, Record<string, number>, number, number, string][] = [
  ["no cases", { commands: 10 }, 100, 0, ""],
  [
    "untimed is what no step covered",
    { commands: 50, marks: 10 },
    100,
    10,
    "commands=5,untimed=4,marks=1",
  ],
  [
    "steps covering more than the wall leave no negative rest",
    { commands: 120 },
    100,
    1,
    "commands=120,untimed=0",
  ],
];
for (const [name, spent, wall, cases, want] of PER_CASE) {
  Deno.test(`perCase(): ${name}`, () => {
    assert.equal(perCase(spent, wall, cases).map((r) => `${r.step}=${r.ms}`).join(), want);
  });
}
