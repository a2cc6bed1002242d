import assert from "node:assert/strict";
import { goalRows, goalsSection, likeForLike } from "./goals.ts";
import { type BenchResults, findMedians, type FindRun, fuzzRow, microRows } from "./results.ts";
import { MIXES, type MixSample } from "./mixes.ts";
import type { FuzzProbeRun } from "./fuzz_probe.ts";
import type { Summary } from "./stats.ts";

// A model-suite run of fuzz/guest.ts captured in our guest (testdata/README.md).
const RUN: FuzzProbeRun = JSON.parse(
  Deno.readTextFileSync(new URL("./testdata/fuzz_model_run.json", import.meta.url)),
);

/** One repeat of `mix` on both sides: `ffi` and `c` ops in one second. */
function pair(mix: string, ffi: number, c: number): MixSample[] {
  return [
    { mix, side: "ffi", repeat: 0, ops: ffi, seconds: 1, errors: 0 },
    { mix, side: "c", repeat: 0, ops: c, seconds: 1, errors: 0 },
  ];
}

const one = (x: number): Summary => ({ n: 1, median: x, min: x, max: x });

/** A run with nothing measured; each case adds its parts. */
const EMPTY = {
  micro: { samples: [], rows: [] },
  fuzz: { runs: [], rows: [] },
  boot: { runs: [], host: {}, guest: {} },
} as unknown as BenchResults;

function findRun(variant: string, seed: number, seconds: number | null): FindRun {
  return {
    variant,
    timeSeconds: 120,
    seed,
    cases: 500,
    console: [],
    first: seconds === null ? null : { title: "t", seconds, cases: 10 },
  };
}

Deno.test("goalsSection() of a run that measured nothing is empty; every row says not measured", () => {
  assert.equal(goalsSection(EMPTY, []), "");
  for (const row of goalRows(EMPTY, [])) {
    assert.equal(row.now, null, row.what);
    assert.equal(row.met, null, row.what);
  }
});

const CASES: {
  name: string;
  samples: MixSample[];
  what: string;
  now: string;
  met: boolean | null;
}[] = [
  {
    name: "a ratio at the goal meets it",
    samples: pair("reg_del", 90, 100),
    what: "FFI/C, register/delete pair",
    now: "0.90",
    met: true,
  },
  {
    name: "one write size under the goal misses it",
    samples: [
      ...pair("write0_off", 95, 100),
      ...pair("write64_off", 50, 100),
      ...pair("write4096_off", 100, 100),
    ],
    what: "FFI/C, write 0/64/4096 B, event disabled",
    now: "0.95 / 0.50 / 1.00",
    met: false,
  },
  {
    name: "a size that did not run leaves the verdict open",
    samples: [...pair("write64_on", 95, 100), ...pair("write4048_on", 99, 100)],
    what: "FFI/C, write 0/64/4048 B, event enabled",
    now: "– / 0.95 / 0.99",
    met: null,
  },
  {
    name: "the enable byte",
    samples: pair("enable_byte", 15, 100),
    what: "FFI/C, enable-byte read",
    now: "0.15",
    met: false,
  },
];

for (const c of CASES) {
  Deno.test(`goalRows(): ${c.name}`, () => {
    const r = { ...EMPTY, micro: { samples: c.samples, rows: microRows(c.samples, MIXES) } };
    const row = goalRows(r, []).find((x) => x.what === c.what)!;
    assert.equal(row.now, c.now);
    assert.equal(row.met, c.met);
  });
}

Deno.test("likeForLike() is the bare FFI call against C with a second thread; the row quotes it", () => {
  // The threads mix pairs the two; the other mixes' own C sides do not count.
  const samples = [
    ...pair("write64_off", 40, 100),
    ...pair("write64_off_symbol", 70, 60),
    ...pair("write64_off_threads", 45, 50),
  ];
  const rows = microRows(samples, MIXES);
  assert.equal(likeForLike(rows), 0.9);
  assert.equal(likeForLike(microRows(pair("write64_off", 1, 2), MIXES)), null);
  const row = goalRows({ ...EMPTY, micro: { samples, rows } }, [])
    .find((x) => x.what.includes("disabled"))!;
  assert.match(row.rest, /a second thread .*: 0\.90$/);
});

Deno.test("goalRows(): boot, campaign, builds and time to find against their goals", () => {
  const r: BenchResults = {
    ...EMPTY,
    fuzz: { runs: [RUN], rows: [fuzzRow(RUN)] },
    boot: {
      runs: [],
      host: {
        after: {
          kernelBoot: one(5),
          guestSetup: one(1),
          denoStartup: one(3.5),
          total: one(9.5),
        },
      },
      guest: {},
    },
    kernelBuild: { seconds: 756, inThisRun: false, at: "t" },
    kbuild: {
      patchFile: "p",
      jobs: 2,
      copy: 10,
      apply: 0,
      make: 39,
      compiled: 26,
      total: 49.3,
      logFile: "l",
    },
  };
  const find = findMedians([
    findRun("SKIP_EBUSY", 1, 4),
    findRun("SKIP_EBUSY", 2, 6),
    findRun("SKIP_EBUSY", 3, null),
    findRun("CPU_BUFFER", 1, null),
    findRun("CPU_BUFFER", 2, null),
    findRun("CPU_BUFFER", 3, 50),
  ]);
  const rows = new Map(goalRows(r, find).map((x) => [x.what, x]));
  const boot = rows.get("boot to first case (TCG, host clock)")!;
  assert.equal(boot.now, "9.5 s (5.0 / 1.0 / 3.5)");
  assert.equal(boot.met, true);
  const model = fuzzRow(RUN).total!.casesPerSecond;
  const campaign = rows.get("fuzz campaign, our module")!;
  assert.match(campaign.now!, new RegExp(`^model ${model.toFixed(1)} cases/s`));
  assert.equal(campaign.met, model >= 21);
  assert.deepEqual(
    [rows.get("cold kernel build")!.now, rows.get("cold kernel build")!.met],
    ["756 s (recorded)", false],
  );
  const patch = rows.get("kernel patch target from the cached tree")!;
  assert.deepEqual([patch.now, patch.met], ["49.3 s", true]);
  assert.equal(
    rows.get("time to find (median over seeds)")!.now,
    "SKIP_EBUSY 6.0 s, CPU_BUFFER > 120 s",
  );
  const md = goalsSection(r, find);
  assert.match(md, /^## Issue 17's goals, from this run/);
  assert.match(
    md,
    /\| cold kernel build +\| 704 s +\| 756 s \(recorded\) +\| ≤ 360 s +\| not met \|/,
  );
  // The micro rows were not measured here, so they are left out.
  assert.doesNotMatch(md, /FFI\/C/);
});
