import assert from "node:assert/strict";
import fc from "fast-check";
import { RawCampaign as UdiagRaw } from "./campaigns.ts";
import { RawCampaign as UserEventsRaw } from "../../user_events/fuzz/campaigns.ts";

// Generator 1 (replays from before replay.json named one) made raw cases of
// fast-check's "small" size, 10 operations at most; generator 2 goes to
// maxCommands, so a case's fixed cost is spread over more operations.
const RAWS: [string, (generator: number) => fc.Arbitrary<unknown[]>][] = [
  ["udiag", (generator) => new UdiagRaw().arbitrary({ maxCommands: 30, generator })],
  ["user_events", (generator) => new UserEventsRaw().arbitrary({ maxCommands: 30, generator })],
];
for (const [abi, arbitrary] of RAWS) {
  Deno.test(`RawCampaign of ${abi}: generator 1 keeps its small cases, 2 grows to maxCommands`, () => {
    const lengths = (generator: number) =>
      fc.sample(arbitrary(generator), { numRuns: 500, seed: 1 }).map((ops) => ops.length);
    const old = lengths(1);
    const now = lengths(2);
    assert.ok(Math.max(...old) <= 10, `generator 1 made ${Math.max(...old)} operations`);
    assert.ok(Math.max(...now) > 10 && Math.max(...now) <= 30);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(mean(now) > 2 * mean(old), `means ${mean(old)} and ${mean(now)}`);
  });
}
