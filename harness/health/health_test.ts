import assert from "node:assert/strict";
import {
  type CpuObservation,
  type HealthObservation,
  healthProblems,
  healthTitle,
  parseCpuList,
  probeOrder,
} from "./health.ts";
import { HealthProber, probeProblems } from "./probe.ts";

const OK_CPU: Omit<CpuObservation, "cpu"> = {
  write: 11,
  payloadLength: 11,
  ftrace: true,
  marker: true,
  eventCount: 1,
  taskClock: 20_000,
};

function seen(
  cpu1: Partial<CpuObservation>,
  o: Partial<HealthObservation> = {},
): HealthObservation {
  return {
    tracingOn: "1",
    setup: [],
    online: [0, 1],
    cpus: [{ cpu: 0, ...OK_CPU }, { cpu: 1, ...OK_CPU, ...cpu1 }],
    ...o,
  };
}

/** What each broken consumer must be named as: [case, observation, consumer@cpu of each problem]. */
const TABLE: [string, HealthObservation, string[]][] = [
  ["every consumer works", seen({}), []],
  ["tracing_on turned off", seen({}, { tracingOn: "0" }), ["tracing_on@-"]],
  ["the canary cannot be registered", {
    tracingOn: "1",
    setup: ["registering the canary failed: EMFILE"],
    online: [0, 1],
    cpus: [],
  }, ["canary@-"]],
  ["CPU 1's buffer takes nothing", seen({ ftrace: false, marker: false }), [
    "ftrace@1",
    "trace_marker@1",
  ]],
  ["only the ABI's records vanish on CPU 1", seen({ ftrace: false }), ["ftrace@1"]],
  ["the write fails: its record is not also blamed", seen({ write: "EFAULT", ftrace: false }), [
    "write@1",
  ]],
  ["a short write", seen({ write: 3 }), ["write@1"]],
  ["the event counter stopped", seen({ eventCount: 0 }), ["perf event counter@1"]],
  ["the event counter counts twice", seen({ eventCount: 2 }), ["perf event counter@1"]],
  ["no counter could be opened: not judged", seen({ eventCount: null, taskClock: null }), []],
  ["task-clock stopped", seen({ taskClock: 0 }), ["perf task-clock@1"]],
  ["trace_pipe_raw refuses reads", seen({ readErrno: "EIO", ftrace: false, marker: false }), [
    "ftrace@1",
  ]],
  ["the probe could not pin itself", seen({ pinErrno: "EINVAL" }), ["canary@1"]],
  [
    "a quick probe (no canary) of healthy CPUs",
    seen({ write: null, ftrace: null, eventCount: null }),
    [],
  ],
  [
    "a quick probe sees CPU 1's buffer take nothing",
    seen({
      write: null,
      ftrace: null,
      eventCount: null,
      marker: false,
    }),
    ["trace_marker@1"],
  ],
  ["an online CPU the probe never visited", seen({}, { online: [0, 1, 2] }), ["canary@2"]],
];

for (const [name, obs, want] of TABLE) {
  Deno.test(`healthProblems(): ${name}`, () => {
    const got = healthProblems(obs).map((p) => `${p.consumer}@${p.cpu ?? "-"}`);
    assert.deepEqual(got, want);
  });
}

Deno.test("healthTitle() names the first problem's consumer, its CPU and the case", () => {
  const problems = healthProblems(seen({ ftrace: false }, { tracingOn: "0" }));
  assert.equal(
    healthTitle(problems, "security SEC-WR-001"),
    "health: tracing_on stopped working after security SEC-WR-001",
  );
  assert.equal(
    healthTitle(problems.slice(1), "a model case"),
    "health: ftrace stopped working on CPU 1 after a model case",
  );
  assert.throws(() => healthTitle([], "x"), RangeError);
});

Deno.test("parseCpuList() reads the kernel's CPU lists and refuses anything else", () => {
  assert.deepEqual(parseCpuList("0\n"), [0]);
  assert.deepEqual(parseCpuList("0-1"), [0, 1]);
  assert.deepEqual(parseCpuList("0,2-3"), [0, 2, 3]);
  for (const bad of ["", "a", "3-1", "0,,1", "-1"]) {
    assert.throws(() => parseCpuList(bad), RangeError, bad);
  }
});

Deno.test("probeOrder(): the CPU the prober is on first, the rest in order", () => {
  const cases: [number[], number | null, number[]][] = [
    [[0, 1], 0, [0, 1]],
    [[0, 1], 1, [1, 0]],
    [[0, 1, 2, 3], 2, [2, 0, 1, 3]],
    [[0, 1], null, [0, 1]], // getcpu failed
    [[0, 1], 5, [0, 1]], // a CPU not in the list (went offline)
  ];
  for (const [online, here, want] of cases) {
    assert.deepEqual(probeOrder(online, here), want, `${online} from ${here}`);
  }
});

Deno.test("probeProblems(): a probe that cannot run at all is a problem, not an exception", () => {
  using p = new HealthProber(null, "/nonexistent/tracing");
  const got = probeProblems(p, "quick");
  assert.equal(got.length, 1);
  assert.equal(got[0]!.consumer, "canary");
  assert.match(got[0]!.detail, /the probe itself failed: .*trace_marker/);
});
