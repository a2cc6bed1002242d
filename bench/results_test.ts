import { parseInitcalls } from "./initcalls.ts";
import assert from "node:assert/strict";
import {
  type BenchResults,
  compiledByDir,
  findMedians,
  type FindRun,
  findSection,
  fuzzRow,
  type KbuildRun,
  kbuildSection,
  kernelBuildLine,
  layerCosts,
  microRows,
  renderMarkdown,
  stageSummary,
} from "./results.ts";
import { MIXES, type MixSample } from "./mixes.ts";
import type { FuzzProbeRun } from "./fuzz_probe.ts";
import { bootMarks, guestStages, hostStages } from "./stages.ts";

// A model-suite run of fuzz/guest.ts captured in our guest (testdata/README.md).
const RUN: FuzzProbeRun = JSON.parse(
  Deno.readTextFileSync(new URL("./testdata/fuzz_model_run.json", import.meta.url)),
);

/** The guest of every rendered run here, less its command line and kmemleak. */
const GUEST = { release: "6.12.117", cpus: 2, profile: "base", kernelKey: "k" } as const;

/** The host every rendered run here ran on. */
const MACHINE: BenchResults["machine"] = {
  nproc: 2,
  cpuModel: "Test CPU",
  memTotalKiB: 1,
  hostKernel: "6.1.0",
  qemu: "QEMU emulator version 7.2",
  deno: "2.9.6",
  v8: "15",
  gcc: "gcc 12",
};

function sample(mix: string, side: "ffi" | "c", repeat: number, ops: number): MixSample {
  return { mix, side, repeat, ops, seconds: 2, errors: 0 };
}

Deno.test("microRows() pairs FFI and C samples by repeat, not by order", () => {
  const rows = microRows([
    sample("reg_del", "c", 1, 400),
    sample("reg_del", "ffi", 0, 100),
    sample("reg_del", "ffi", 1, 100),
    sample("reg_del", "c", 0, 100),
  ], MIXES);
  assert.equal(rows.length, 1);
  const r = rows[0]!;
  assert.deepEqual(r.ffi, { n: 2, median: 50, min: 50, max: 50 });
  assert.deepEqual(r.c, { n: 2, median: 125, min: 50, max: 200 });
  assert.deepEqual(r.ratio, { n: 2, median: 0.625, min: 0.25, max: 1 });
  assert.equal(r.ratioOfMedians, 0.4);
});

Deno.test("microRows() leaves out a mix with samples on one side only and sums bad results", () => {
  const rows = microRows([
    sample("write64_on", "ffi", 0, 10),
    { ...sample("enable_byte", "ffi", 0, 10), errors: 2 },
    { ...sample("enable_byte", "c", 0, 10), errors: 1 },
  ], MIXES);
  assert.deepEqual(rows.map((r) => [r.mix, r.errors]), [["enable_byte", { ffi: 2, c: 1 }]]);
});

Deno.test("fuzzRow() takes totals from the summary record and the steady state from the first progress record on", () => {
  const f = fuzzRow(RUN);
  const summary = RUN.records.find((r) => r.record.event === "summary")!.record;
  const first = RUN.records.find((r) => r.record.event === "progress")!.record;
  assert.equal(f.total?.cases, summary.cases);
  assert.equal(f.total?.ops, summary.ops);
  assert.equal(f.steady?.cases, Number(summary.cases) - Number(first.cases));
  assert.ok(f.steady!.seconds < f.total!.seconds);
  assert.ok(f.intervalOpsPerSecond !== null && f.intervalOpsPerSecond.n >= 1);
  assert.ok(f.spawnToFirstCaseSeconds! > 0);
  assert.equal(f.findings, 0);
});

Deno.test("fuzzRow() splits CPU time into shares between 0 and 1, the steady window inside the whole life", () => {
  const f = fuzzRow(RUN);
  for (const c of [f.cpuSteady!, f.cpuSteadyMainThread!, f.cpuTotal]) {
    assert.ok(c.kernelShare !== null && c.kernelShare >= 0 && c.kernelShare <= 1);
  }
  assert.ok(f.cpuSteady!.wallSeconds < f.cpuTotal.wallSeconds);
  assert.ok(
    f.cpuSteady!.userSeconds + f.cpuSteady!.kernelSeconds <=
      f.cpuTotal.userSeconds + f.cpuTotal.kernelSeconds,
  );
});

Deno.test("fuzzRow() of a run that never finished a case has no rates", () => {
  const f = fuzzRow({ ...RUN, records: [], samples: [] });
  assert.equal(f.total, null);
  assert.equal(f.steady, null);
  assert.equal(f.cpuSteady, null);
  assert.equal(f.spawnToFirstCaseSeconds, null);
});

Deno.test("renderMarkdown() has a table per part, the machine, and says whether other VMs ran", () => {
  const lines = [
    { t: 10, line: "[ 9.0] udiag-vm: booted 6.12 cpus=2" },
    { t: 12, line: "[ 11.0] udiag-vm: running: x" },
    { t: 30, line: "[ 29.0] udiag-fuzz[7]: fuzz/model/1/1: start" },
  ];
  const marks = bootMarks(lines, []);
  const boot = {
    variant: "after" as const,
    cmdline: "acpi=noirq",
    command: "deno run -A fuzz/guest.ts",
    outcome: "first-case",
    wallSeconds: 31,
    otherVms: 0,
    marks,
    host: hostStages(marks),
    guest: guestStages(marks),
    records: [],
    consoleFile: "/x",
  };
  const r: BenchResults = {
    schema: "udiag-fuzz-bench/1",
    command: "deno task bench",
    startedAt: "2026-01-01T00:00:00Z",
    finishedAt: "2026-01-01T00:10:00Z",
    machine: MACHINE,
    guest: { ...GUEST, cmdline: "acpi=noirq", kmemleakThreadOff: true },
    concurrency: {
      waitedSeconds: 0,
      otherVmsAtStart: 0,
      otherVmsAtEnd: 1,
      otherVmsMax: 0,
      byPhase: { "FFI/C and fuzz boot": { checks: 3, busy: 0, max: 0 } },
      loadAverageAtStart: 0.5,
      loadAverageAtEnd: 1,
    },
    config: { repeats: 1, seconds: 2, warmup: 0.5 },
    micro: {
      samples: [],
      rows: microRows([sample("reg_del", "ffi", 0, 1), sample("reg_del", "c", 0, 2)], MIXES),
    },
    fuzz: { runs: [RUN], rows: [fuzzRow(RUN)] },
    boot: { runs: [boot], host: { after: stageSummary([boot], "host") }, guest: {} },
    initcalls: {
      cmdline: "acpi=noirq initcall_debug",
      outcome: "exited",
      consoleFile: "/y",
      profile: parseInitcalls([
        "[    2.000000] calling  slow_init+0x0/0x10 @ 1",
        "[    5.000000] initcall slow_init+0x0/0x10 returned 0 after 3000000 usecs",
        "[    6.000000] Run /init as init process",
        "[    7.000000] udiag-vm: booted",
      ]),
    },
    kbuild: KBUILD,
    problems: ["something"],
  };
  const md = renderMarkdown(r);
  assert.match(md, /^# udiag-fuzz benchmark results/);
  assert.match(md, /- host: 2 × Test CPU, Linux 6\.1\.0/);
  assert.match(md, /\| register\/delete pair .*\| +0\.500 \| +2\.00× \|/);
  assert.match(md, /\| model \(seed 1, --time 8\)/);
  assert.match(md, /\| boot to first case .*\| +30\.0 s \|/);
  assert.match(md, /yes, other engineers' QEMU guests ran/);
  assert.match(md, /## Problems\n\n- something/);
  assert.match(md, /\| `slow_init` \| 3000 ms \| 100 % \| 0 \|/);
  assert.match(md, /\| last built-in initcall to `Run \/init` \| 1\.00 s \|/);
  assert.match(md, /\| FFI\/C and fuzz boot \| +3 \| +0 \| +0 \|/);
  assert.match(md, /## Kernel builds[^#]*kernel patch from the cached tree/);
  assert.match(md, /a kernel patch built from a copy of the cached tree/);
});

Deno.test("renderMarkdown(): a find-only run's Method says only what it did", () => {
  const r: BenchResults = {
    schema: "udiag-fuzz-bench/1",
    command: "deno task bench --parts find",
    startedAt: "2026-01-01T00:00:00Z",
    finishedAt: "2026-01-01T00:10:00Z",
    machine: MACHINE,
    guest: { ...GUEST, cmdline: "", kmemleakThreadOff: null },
    concurrency: {
      waitedSeconds: 0,
      otherVmsAtStart: 0,
      otherVmsAtEnd: 0,
      otherVmsMax: 0,
      byPhase: {},
      loadAverageAtStart: 0.5,
      loadAverageAtEnd: 1,
    },
    config: { repeats: 1, seconds: 2, warmup: 0.5 },
    micro: { samples: [], rows: [] },
    fuzz: { runs: [], rows: [] },
    boot: { runs: [], host: {}, guest: {} },
    initcalls: null,
    find: [{
      variant: "SKIP_EBUSY",
      timeSeconds: 120,
      seed: 1,
      cases: 9,
      first: null,
      console: [],
    }],
    problems: [],
  };
  const md = renderMarkdown(r);
  assert.match(md, /- guest: Linux 6\.12\.117, 2 vCPUs/);
  assert.match(
    md,
    /- One `deno task bench` run: one VM per broken variant and seed \(time to find\)\./,
  );
  for (
    const absent of [
      /Micro-benchmark:/,
      /kmemleak's periodic/,
      /Kernel vs harness/,
      /Boot stages/,
      /baseline\.c/,
    ]
  ) {
    assert.doesNotMatch(md, absent);
  }
});

Deno.test("findSection(): each variant's first finding with when, or none in the time", () => {
  const md = findSection([
    {
      variant: "SKIP_EBUSY",
      timeSeconds: 120,
      seed: 1,
      cases: 300,
      first: {
        title: "fuzz: DIAG_IOCSDEL returned ok, model says EBUSY",
        seconds: 14.2,
        cases: 31,
        filedSeconds: 40.5,
      },
      console: [],
    },
    {
      variant: "BPF_CONTEXT",
      timeSeconds: 120,
      seed: 1,
      cases: 410,
      first: null,
      console: ["KASAN: slab-out-of-bounds Read in bpf_prog_run"],
    },
  ]);
  assert.match(
    md,
    /\| `SKIP_EBUSY` +\| 1 +\| fuzz: DIAG_IOCSDEL returned ok, model says EBUSY +\| 14\.2 s +\| 40\.5 s +\| 31 +\| 300 +\| – +\|/,
  );
  assert.match(
    md,
    /\| `BPF_CONTEXT` +\| 1 +\| none in 120 s +\| – +\| – +\| – +\| 410 +\| KASAN: slab-out-of-bounds/,
  );
  assert.match(md, /\| `SKIP_EBUSY` +\| +1 of 1 \| +14\.2 s \| +31 \|/);
  assert.match(md, /\| `BPF_CONTEXT` +\| +0 of 1 \| +> 120 s \| +– \|/);
  assert.match(md, /to the case that first failed \(time to trigger/);
  // A run from before the trigger time was sent says it was timed to the filing.
  const old = findSection([{
    variant: "DROP_LARGE",
    timeSeconds: 120,
    seed: 1,
    cases: 9,
    first: { title: "t", seconds: 9, cases: 3 },
    console: [],
  }]);
  assert.match(old, /to the finding filed \(shrinking and replay included/);
});

const findRun = (variant: string, seed: number, seconds: number | null): FindRun => ({
  variant,
  timeSeconds: 120,
  seed,
  cases: 600,
  first: seconds === null ? null : { title: "t", seconds, cases: seconds * 5 },
  console: [],
});

// [runs' times to find, median seconds] per variant; null: not found in time.
const MEDIANS: [(number | null)[], number | null, number][] = [
  [[12, 30, 20], 20, 3],
  [[90, null, 30], 90, 2],
  [[null, 40, null], null, 1],
  [[10, 30], 20, 2],
  [[10, null], null, 1],
  [[null], null, 0],
];
for (const [times, median, found] of MEDIANS) {
  Deno.test(`findMedians(): ${JSON.stringify(times)} has median ${median} (${found} found)`, () => {
    const [m, ...rest] = findMedians(times.map((t, i) => findRun("DROP_LARGE", i + 1, t)));
    assert.equal(rest.length, 0);
    assert.equal(m!.medianSeconds, median);
    assert.equal(m!.medianCases, median === null ? null : median * 5);
    assert.equal(m!.found, found);
    assert.equal(m!.seeds, times.length);
  });
}

Deno.test("findMedians(): one row per variant, in the order of the runs", () => {
  const ms = findMedians([
    findRun("SKIP_EBUSY", 1, 10),
    findRun("DROP_LARGE", 1, 50),
    findRun("SKIP_EBUSY", 2, 14),
  ]);
  assert.deepEqual(ms.map((m) => [m.variant, m.seeds, m.medianSeconds]), [
    ["SKIP_EBUSY", 2, 12],
    ["DROP_LARGE", 1, 50],
  ]);
});

const BUILD_LINES: [string, Parameters<typeof kernelBuildLine>[0], RegExp][] = [
  [
    "built in this run",
    { seconds: 776, inThisRun: true, at: "2026-12-03T18:58:00Z" },
    /^cold, in this run: took 776 s$/,
  ],
  [
    "cached",
    { seconds: 704, inThisRun: false, at: "2026-11-26T10:00:00Z" },
    /^cached; its cold build took 704 s \(2026-11-26T10:00:00Z; an empty `UDIAG_CACHE`/,
  ],
  [
    "a record without seconds",
    { seconds: null, inThisRun: false, at: "x" },
    /took an unrecorded time/,
  ],
  ["no record", null, /^no record/],
];
for (const [name, b, want] of BUILD_LINES) {
  Deno.test(`kernelBuildLine(): ${name}`, () => {
    assert.match(kernelBuildLine(b), want);
  });
}

const KBUILD: KbuildRun = {
  patchFile: "/x/abi/user_events/reverts/01-write-index-negative.patch",
  jobs: 2,
  copy: 21.4,
  apply: 0.1,
  make: 63.2,
  compiled: 4,
  total: 84.7,
  logFile: "out/bench/kbuild/build.log",
};

const KBUILD_ROWS: [string, KbuildRun, Parameters<typeof kbuildSection>[1], RegExp[]][] = [
  [
    "both goals met",
    KBUILD,
    { seconds: 350, inThisRun: true, at: "t" },
    [
      /\| cold, the profile's kernel +\| +350 \| built in this run +\| met \(≤ 360 s\)/,
      /`01-write-index-negative\.patch`\) \| +84\.7 \| copy 21\.4 s, make 63\.2 s \(4 objects compiled\) \| met \(≤ 90 s\)/,
      /make -j2 bzImage modules/,
    ],
  ],
  [
    "both goals missed",
    { ...KBUILD, total: 90.1 },
    { seconds: 756, inThisRun: false, at: "2026-12-04T21:27:00Z" },
    [
      /\| +756 \| recorded 2026-12-04T21:27:00Z +\| not met \(≤ 360 s\)/,
      /90\.1 .*not met \(≤ 90 s\)/,
    ],
  ],
  ["no record of the cold build", KBUILD, null, [/\| no record \| –/]],
];
for (const [name, k, cold, want] of KBUILD_ROWS) {
  Deno.test(`kbuildSection(): ${name}`, () => {
    const md = kbuildSection(k, cold);
    for (const re of want) assert.match(md, re);
  });
}

/** A row of ops/s medians, for layerCosts(). */
function rates(mix: string, ffi: number, c: number) {
  const sum = (median: number) => ({ n: 1, median, min: median, max: median });
  return { mix, ffi: sum(ffi), c: sum(c) };
}

Deno.test("layerCosts(): each layer's cost per operation and what it adds to the one below", () => {
  const stacks = layerCosts([
    rates("write64_off", 250_000, 500_000), // client 4 µs, C 2 µs
    rates("write64_off_symbol", 400_000, 1), // 2.5 µs
    rates("write64_off_rawsys", 320_000, 1), // 3.125 µs
    rates("write64_off_syscall", 312_500, 1), // 3.2 µs
    rates("write64_off_threads", 1, 454_545), // C with a second thread: 2.2 µs
  ]);
  assert.equal(stacks.length, 1, "the enable-byte stack's mixes did not run");
  assert.equal(stacks[0]?.title, "write 64 B, event disabled");
  assert.deepEqual(
    stacks[0]?.layers.map((l) => [Math.round(l.ns), Math.round(l.addedNs)]),
    [[2000, 2000], [2200, 200], [2500, 300], [3125, 625], [3200, 75], [4000, 800]],
  );
});

Deno.test("layerCosts(): results from before the threads mix leave that layer out, not the stack", () => {
  const [s] = layerCosts([
    rates("write64_off", 250_000, 500_000),
    rates("write64_off_symbol", 400_000, 1),
    rates("write64_off_rawsys", 320_000, 1),
    rates("write64_off_syscall", 312_500, 1),
  ]);
  assert.deepEqual(s?.layers.map((l) => Math.round(l.addedNs)), [2000, 500, 625, 75, 800]);
  assert.ok(!s?.layers.some((l) => l.layer.includes("second thread")));
});

Deno.test("layerCosts(): a stack with a mix that measured nothing is left out", () => {
  assert.deepEqual(
    layerCosts([rates("enable_byte_array", 10e6, 0), rates("enable_byte", 5e6, 1)]),
    [],
  );
  const [s] = layerCosts([rates("enable_byte_array", 10e6, 50e6), rates("enable_byte", 5e6, 1)]);
  assert.deepEqual(s?.layers.map((l) => Math.round(l.addedNs)), [20, 80, 100]);
});

Deno.test("compiledByDir(): a real cold build's objects, by directory (its log as the build wrote it)", () => {
  const log = Deno.readTextFileSync(new URL("testdata/cold_build.log", import.meta.url));
  const c = compiledByDir(log, 3);
  assert.equal(c.total, 1443);
  assert.deepEqual(c.byDir.slice(0, 3), [
    { dir: "arch/x86", objects: 258 },
    { dir: "drivers/acpi", objects: 214 },
    { dir: "lib/*.o", objects: 96 },
  ]);
  assert.deepEqual(c.byDir.at(-1), { dir: "other", objects: 1443 - 258 - 214 - 96 });
  // objtool's own objects are built inside the tree under a temporary name.
  assert.ok(compiledByDir(log, 100).byDir.some((d) => d.dir === "tools/objtool"));
  assert.deepEqual(compiledByDir("no objects here\n"), { total: 0, byDir: [] });
});
