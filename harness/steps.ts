/**
 * Where a campaign's time goes: each step of a case (the engine's marks,
 * kernel-log reads and health probe; a campaign's own set-up, commands and
 * leak check) is timed with `performance.now()`, and a step's time is its
 * own, not its inner steps' (a stack, as a profiler's self time). What no
 * step covers is fast-check's: generating, shrinking and the model's
 * bookkeeping between commands.
 *
 * One clock per guest process ({@linkcode steps}): the campaigns and the
 * engine share it without passing it through every call.
 *
 * @module
 */

/** Milliseconds of self time per step name. */
export type Spent = Record<string, number>;

/** Self time per step; nested steps charge their own time, not their parent's. */
export class StepClock {
  readonly #spent: Spent = {};
  readonly #stack: string[] = [];
  #since = 0;
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Charges the time since the last switch to the step on top of the stack. */
  #charge(): void {
    const t = this.#now();
    const top = this.#stack.at(-1);
    if (top !== undefined) this.#spent[top] = (this.#spent[top] ?? 0) + (t - this.#since);
    this.#since = t;
  }

  /** Runs `f` as step `name`; its result (or its exception) passes through. */
  time<T>(name: string, f: () => T): T {
    this.#charge();
    this.#stack.push(name);
    try {
      return f();
    } finally {
      this.#charge();
      this.#stack.pop();
    }
  }

  /** As {@linkcode time}, for a step that awaits. */
  async timeAsync<T>(name: string, f: () => Promise<T>): Promise<T> {
    this.#charge();
    this.#stack.push(name);
    try {
      return await f();
    } finally {
      this.#charge();
      this.#stack.pop();
    }
  }

  /** The self times so far, rounded to 0.1 ms (a copy). */
  snapshot(): Spent {
    return Object.fromEntries(
      Object.entries(this.#spent).map(([k, v]) => [k, Math.round(v * 10) / 10]),
    );
  }
}

/**
 * `c` seen through a proxy whose `run` is charged to step `name` on `clock`:
 * a model command, run by fast-check's `modelRun`, then gets a line of its
 * own in a case's profile. Every other method is `c`'s, called on `c` itself,
 * as a class's private fields (`this.#h` in a `toString`) exist only there;
 * `instanceof` still sees `c`'s class, and `c` is left as it was.
 */
export function timedRun<M, R, C extends { run(m: M, r: R): void }>(
  c: C,
  name: string,
  clock: StepClock = steps,
): C {
  const run = (m: M, r: R) => clock.time(name, () => c.run(m, r));
  return new Proxy(c, {
    get(target, key) {
      if (key === "run") return run;
      const v = Reflect.get(target, key, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/** One step's milliseconds per case and share of the campaigns' time. */
export interface StepShare {
  readonly step: string;
  readonly ms: number;
  readonly share: number;
}

/** `commands 60.0 ms (60 %), …` (pure): how summaries print {@linkcode perCase}. */
export function showPerCase(rows: readonly StepShare[]): string {
  return rows.map((w) => `${w.step} ${w.ms.toFixed(1)} ms (${(w.share * 100).toFixed(0)} %)`)
    .join(", ");
}

/** The guest process's clock. */
export const steps: StepClock = new StepClock();

/**
 * Per-case milliseconds of each step, largest first, with what no step
 * covered as `untimed` (pure): `wallMs` is the campaigns' whole time.
 *
 * @example
 * ```ts
 * import { perCase } from "./steps.ts";
 * const rows = perCase({ commands: 600, health: 300 }, 1000, 10);
 * if (rows.map((r) => `${r.step}=${r.ms}`).join() !== "commands=60,health=30,untimed=10") {
 *   throw new Error();
 * }
 * ```
 */
export function perCase(
  spent: Readonly<Spent>,
  wallMs: number,
  cases: number,
): StepShare[] {
  if (cases <= 0 || wallMs <= 0) return [];
  const timed = Object.values(spent).reduce((a, b) => a + b, 0);
  const all = { ...spent, untimed: Math.max(0, wallMs - timed) };
  return Object.entries(all)
    .map(([step, ms]) => ({ step, ms: ms / cases, share: ms / wallMs }))
    .sort((a, b) => b.ms - a.ms);
}

/** The steps that are a case's own operations: `commands` and its `command: …`/`raw: …` parts. */
export function isCommandStep(step: string): boolean {
  return step === "commands" || step.startsWith("command: ") || step.startsWith("raw: ");
}

/**
 * {@linkcode perCase}'s rows as two lines (pure): what the case's own
 * operations took, in all and by operation, and what the harness around
 * them took (set-up, the oracles, untimed); empty when no step was timed.
 *
 * @example
 * ```ts
 * import { showSplitPerCase } from "./steps.ts";
 * const s = showSplitPerCase([
 *   { step: "command: write", ms: 30, share: 0.3 },
 *   { step: "health probe", ms: 60, share: 0.6 },
 *   { step: "commands", ms: 10, share: 0.1 },
 * ]);
 * if (!s.startsWith("the case's operations 40.0 ms (40 %): command: write 30.0 ms")) throw new Error(s);
 * ```
 */
export function showSplitPerCase(rows: readonly StepShare[]): string {
  if (rows.length === 0) return "";
  const own = rows.filter((r) => isCommandStep(r.step));
  const rest = rows.filter((r) => !isCommandStep(r.step));
  const sum = (rs: readonly StepShare[]) =>
    rs.reduce((a, r) => ({ ms: a.ms + r.ms, share: a.share + r.share }), { ms: 0, share: 0 });
  const head = (what: string, rs: readonly StepShare[]) => {
    const t = sum(rs);
    return `${what} ${t.ms.toFixed(1)} ms (${(t.share * 100).toFixed(0)} %)`;
  };
  return [
    `${head("the case's operations", own)}: ${showPerCase(own)}`,
    `${head("the harness around them", rest)}: ${showPerCase(rest)}`,
  ].join("; ");
}
