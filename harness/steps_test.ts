import assert from "node:assert/strict";
import { perCase, showSplitPerCase, StepClock, timedRun } from "./steps.ts";

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

Deno.test("timedRun: each run is charged to the command's step, and the original is untouched", () => {
  const { clock, advance } = fakeClock();
  // Private fields, as the ABIs' command classes have: only the original holds them.
  class Write {
    runs = 0;
    readonly #ms: number;
    constructor(ms: number) {
      this.#ms = ms;
    }
    check(): boolean {
      return this.#ms > 0;
    }
    run(m: { calls: number }, _r: unknown): void {
      m.calls++;
      this.runs++;
      advance(this.#ms);
    }
    toString(): string {
      return `write(${this.#ms})`;
    }
  }
  const plain = new Write(3);
  const timed = timedRun(plain, "command: write", clock);
  const model = { calls: 0 };
  clock.time("commands", () => {
    advance(1);
    timed.run(model, null);
    timed.run(model, null);
  });
  plain.run(model, null); // the original is not timed
  assert.deepEqual(clock.snapshot(), { commands: 1, "command: write": 6 });
  assert.equal(model.calls, 3);
  assert.equal(plain.runs, 3, "the run went to the original");
  assert.ok(timed instanceof Write);
  assert.equal(String(timed), "write(3)");
  assert.equal(timed.check(), true);
  assert.equal(timed.runs, 3);
  assert.equal(Object.hasOwn(plain, "run"), false);
});

Deno.test("showSplitPerCase(): a case's own operations apart from the harness around them", () => {
  const rows = perCase(
    {
      commands: 20,
      "command: drain": 300,
      "raw: write": 100,
      "health probe": 400,
      "leak check": 100,
    },
    1000,
    10,
  );
  assert.equal(
    showSplitPerCase(rows),
    "the case's operations 42.0 ms (42 %): command: drain 30.0 ms (30 %), raw: write 10.0 ms (10 %), " +
      "commands 2.0 ms (2 %); the harness around them 58.0 ms (58 %): health probe 40.0 ms (40 %), " +
      "leak check 10.0 ms (10 %), untimed 8.0 ms (8 %)",
  );
  assert.equal(showSplitPerCase([]), "");
});
