import assert from "node:assert/strict";
import { STARTUP_SAMPLES, type StartupSample, startupSummary } from "./startup.ts";
import { startupSection } from "./results.ts";

const sample = (what: StartupSample["what"], run: number, seconds: number): StartupSample => ({
  what,
  run,
  seconds,
});

Deno.test("startupSummary(): medians per command, and the modules as their difference", () => {
  const s = startupSummary([
    sample("runtime", 0, 4.1),
    sample("fuzz-guest", 0, 9.9),
    sample("runtime", 1, 3.2),
    sample("fuzz-guest", 1, 8.0),
    sample("runtime", 2, 3.3),
    sample("fuzz-guest", 2, 8.4),
  ]);
  assert.deepEqual(s?.runtime, { n: 3, median: 3.3, min: 3.2, max: 4.1 });
  assert.deepEqual(s?.fuzzGuest, { n: 3, median: 8.4, min: 8.0, max: 9.9 });
  assert.ok(Math.abs(s!.modules - 5.1) < 1e-9);
  assert.equal(s?.fuzzBundle, null);
  assert.equal(s?.bundleModules, null);
});

Deno.test("startupSummary(): the bundle's run beside the sources'", () => {
  const s = startupSummary([
    sample("runtime", 0, 2.0),
    sample("fuzz-guest", 0, 6.0),
    sample("fuzz-bundle", 0, 3.5),
  ]);
  assert.deepEqual(s?.fuzzBundle, { n: 1, median: 3.5, min: 3.5, max: 3.5 });
  assert.ok(Math.abs(s!.bundleModules! - 1.5) < 1e-9);
});

Deno.test("startupSummary(): null when a command sent nothing", () => {
  assert.equal(startupSummary([]), null);
  assert.equal(startupSummary([sample("runtime", 0, 3)]), null);
});

Deno.test("a guest run sends each command three times: runtime, sources, bundle", () => {
  assert.equal(STARTUP_SAMPLES, 9);
});

Deno.test("startupSection(): the table, or nothing without samples", () => {
  const md = startupSection([
    sample("runtime", 0, 3.25),
    sample("runtime", 1, 3.75),
    sample("fuzz-guest", 0, 8.75),
  ]);
  assert.match(md, /^## Deno's start-up in the guest/);
  assert.match(md, /\| `deno eval 0` +\| +3\.50 s \(3\.25 s–3\.75 s\) \|/);
  assert.match(md, /\| difference of medians +\| +5\.25 s \|/);
  assert.doesNotMatch(md, /guest-bundle/);
  assert.equal(startupSection([]), "");
});

Deno.test("startupSection(): the bundle's row and what it saves, when it ran", () => {
  const md = startupSection([
    sample("runtime", 0, 2.0),
    sample("fuzz-guest", 0, 6.0),
    sample("fuzz-bundle", 0, 3.5),
  ]);
  assert.match(
    md,
    /\| `deno run -A out\/guest-bundle\/fuzz\/guest\.js --abi udiag --load-only` +\| +3\.50 s/,
  );
  assert.match(md, /\| difference of medians +\| +1\.50 s \| .*bundle saves is 2\.50 s/);
});
