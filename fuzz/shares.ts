/**
 * How a fuzz run's time is shared among its suites across VM boots: each
 * suite gets its share of the budget up front; a VM that ends early (a leak,
 * a dead kernel) costs only the suite that was running, so the next VM goes
 * on with what is left of it and the suites after it still get their time.
 *
 * @module
 */

/** Relative weights of campaigns (an ABI's `fuzz.weights`); a campaign not listed weighs 1. */
export type Weights = Readonly<Record<string, number>>;

/** Seconds per suite for a budget of `seconds` (pure). */
export function planShares(
  suites: readonly string[],
  seconds: number,
  weights: Weights,
): Map<string, number> {
  const total = suites.reduce((a, s) => a + (weights[s] ?? 1), 0);
  return new Map(suites.map((s) => [s, (seconds * (weights[s] ?? 1)) / total]));
}

/** `model=54,raw=18` for the guest's --shares (pure). */
export function showShares(plan: ReadonlyMap<string, number>): string {
  return [...plan].map(([s, t]) => `${s}=${Math.max(1, Math.round(t))}`).join(",");
}

/** Parses --shares; throws a TypeError naming the bad part. */
export function parseShares(s: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of s.split(",").filter(Boolean)) {
    const m = /^(\w+)=(\d+(?:\.\d+)?)$/.exec(part);
    if (!m) throw new TypeError(`Invalid --shares part "${part}": expected SUITE=SECONDS`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

/**
 * What is left after one VM (pure): suites that ended are done; the one that
 * was running when the VM ended lost the seconds it ran, and is done too when
 * less than `minSeconds` remains.
 */
export function afterBoot(
  plan: ReadonlyMap<string, number>,
  ended: ReadonlySet<string>,
  running: { suite: string; seconds: number } | null,
  minSeconds = 5,
): Map<string, number> {
  const next = new Map<string, number>();
  for (const [s, t] of plan) {
    if (ended.has(s)) continue;
    const left = running?.suite === s ? t - running.seconds : t;
    if (left >= minSeconds) next.set(s, left);
  }
  return next;
}
