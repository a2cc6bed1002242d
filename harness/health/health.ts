/**
 * The health oracle's judgement (pure): what a probe saw after a case, and
 * which consumer stopped working on which CPU. A call can return success and
 * still leave a sink broken (a CPU's ring buffer that takes no more records,
 * `tracing_on` turned off, a perf counter that stops counting); every later
 * case would then fail for a reason it did not cause, so the case that left
 * it is the finding and the suite goes on in a fresh VM.
 *
 * The probe (`probe.ts`) runs in the guest; this module only judges.
 *
 * @module
 */

/** A consumer the probe checks. */
export type Consumer =
  /** `tracing_on`: tracing as a whole. */
  | "tracing_on"
  /** The ABI's canary event could not be set up (registered, enabled, counted). */
  | "canary"
  /** The canary pinned to a CPU could not be written through the ABI. */
  | "write"
  /** ftrace recording the ABI's canary event in that CPU's buffer. */
  | "ftrace"
  /** That CPU's ring buffer taking and giving back a `trace_marker` record. */
  | "trace_marker"
  /** A perf counter on the canary event itself. */
  | "perf event counter"
  /** A perf software counter on the task (task-clock). */
  | "perf task-clock";

/** What the probe saw on one CPU, pinned there. */
export interface CpuObservation {
  readonly cpu: number;
  /** sched_setaffinity's errno when the probe could not pin itself there. */
  readonly pinErrno?: string;
  /** The canary write's result: bytes written, or its errno (null: a quick probe wrote none). */
  readonly write: number | string | null;
  /** The payload's length (what the write had to return). */
  readonly payloadLength: number;
  /** A record of the canary event carrying the payload came back from this CPU's buffer (null: no canary). */
  readonly ftrace: boolean | null;
  /** The `trace_marker` record came back from this CPU's buffer. */
  readonly marker: boolean;
  /** Reading this CPU's `trace_pipe_raw` failed with this errno. */
  readonly readErrno?: string;
  /** How much the perf counter on the canary event grew across the write (null: no counter). */
  readonly eventCount: number | null;
  /** How much task-clock grew (ns) while pinned here (null: no counter). */
  readonly taskClock: number | null;
}

/** Everything one probe saw. */
export interface HealthObservation {
  /** `tracing_on` as read. */
  readonly tracingOn: string;
  /** Set-up steps that failed, with the errno: `"register: EMFILE"`. */
  readonly setup: readonly string[];
  readonly cpus: readonly CpuObservation[];
  /** CPUs online (`/sys/devices/system/cpu/online`); each must appear in `cpus`. */
  readonly online: readonly number[];
}

/** One consumer that stopped working. */
export interface HealthProblem {
  readonly consumer: Consumer;
  /** Null for a problem of no one CPU (tracing_on, the canary's set-up). */
  readonly cpu: number | null;
  /** What was seen, in a sentence. */
  readonly detail: string;
}

/** The invariant the oracle guards, as findings quote it. */
export const HEALTH_INVARIANT =
  "after every call returns, each trace consumer still works on every CPU: ftrace records " +
  "the ABI's events and trace_marker writes in each CPU's buffer, perf counters on the " +
  "event and on the task keep counting, tracing_on stays on";

/**
 * The problems in an observation (pure), tracing as a whole first, then CPU
 * by CPU in the order the probe pinned itself.
 *
 * @example
 * ```ts
 * import { healthProblems } from "./health.ts";
 * const cpu = { write: 6, payloadLength: 6, ftrace: false, marker: true, eventCount: 1, taskClock: 5 };
 * const p = healthProblems({ tracingOn: "1", setup: [], online: [0, 1],
 *   cpus: [{ cpu: 0, ...cpu, ftrace: true }, { cpu: 1, ...cpu }] });
 * if (p.length !== 1 || p[0]!.consumer !== "ftrace" || p[0]!.cpu !== 1) throw new Error();
 * ```
 */
export function healthProblems(o: HealthObservation): HealthProblem[] {
  const out: HealthProblem[] = [];
  if (o.tracingOn !== "1") {
    out.push({
      consumer: "tracing_on",
      cpu: null,
      detail: `tracing_on reads "${o.tracingOn}", not "1"`,
    });
  }
  for (const s of o.setup) out.push({ consumer: "canary", cpu: null, detail: s });
  // A set-up that failed before any CPU explains itself; one CPU left out does not.
  for (const cpu of o.cpus.length ? o.online : []) {
    if (!o.cpus.some((c) => c.cpu === cpu)) {
      out.push({ consumer: "canary", cpu, detail: "the probe never ran there" });
    }
  }
  for (const c of o.cpus) out.push(...cpuProblems(c));
  return out;
}

function cpuProblems(c: CpuObservation): HealthProblem[] {
  const at = (consumer: Consumer, detail: string): HealthProblem => ({
    consumer,
    cpu: c.cpu,
    detail,
  });
  if (c.pinErrno !== undefined) {
    return [at("canary", `sched_setaffinity to CPU ${c.cpu} failed: ${c.pinErrno}`)];
  }
  const out: HealthProblem[] = [];
  if (c.write !== null && c.write !== c.payloadLength) {
    out.push(at("write", `the canary write returned ${c.write}, expected ${c.payloadLength}`));
  }
  if (c.readErrno !== undefined) {
    out.push(at("ftrace", `reading trace_pipe_raw failed: ${c.readErrno}`));
  } else {
    // A write that failed is its own problem; its record is not due.
    if (c.ftrace === false && typeof c.write === "number") {
      out.push(at("ftrace", "the canary event's record never came back from this CPU's buffer"));
    }
    if (!c.marker) {
      out.push(at("trace_marker", "a trace_marker record never came back from this CPU's buffer"));
    }
  }
  if (c.eventCount !== null && typeof c.write === "number" && c.eventCount !== 1) {
    out.push(at("perf event counter", `counted ${c.eventCount} for one canary write`));
  }
  if (c.taskClock !== null && c.taskClock <= 0) {
    out.push(at("perf task-clock", `did not advance (${c.taskClock} ns) while the probe ran`));
  }
  return out;
}

/**
 * The finding's title (pure): the first problem's consumer and CPU, and the
 * case that left it, stable across runs (`after` names a rule or a check; a
 * fuzz case's ID varies, so a campaign passes its suite name).
 *
 * @example
 * ```ts
 * import { healthTitle } from "./health.ts";
 * const t = healthTitle([{ consumer: "ftrace", cpu: 1, detail: "…" }], "conformance UD-WR-004");
 * if (t !== "health: ftrace stopped working on CPU 1 after conformance UD-WR-004") throw new Error();
 * ```
 */
export function healthTitle(problems: readonly HealthProblem[], after: string): string {
  const p = problems[0];
  if (!p) throw new RangeError("A health title needs a problem");
  const where = p.cpu === null ? "" : ` on CPU ${p.cpu}`;
  return `health: ${p.consumer} stopped working${where} after ${after}`;
}

/** The problems, a line each, as a report and an operation log show them. */
export function healthLines(problems: readonly HealthProblem[]): string[] {
  return problems.map((p) =>
    `health: ${p.consumer}${p.cpu === null ? "" : ` on CPU ${p.cpu}`}: ${p.detail}`
  );
}

/**
 * CPUs of a kernel CPU list (`0-1,3`, as `/sys/devices/system/cpu/online`
 * prints it); throws a RangeError on anything else.
 *
 * @example
 * ```ts
 * import { parseCpuList } from "./health.ts";
 * if (parseCpuList("0-2,5\n").join() !== "0,1,2,5") throw new Error();
 * ```
 */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new RangeError(`Invalid CPU list "${text.trim()}"`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new RangeError(`Invalid CPU list "${text.trim()}"`);
    for (let c = lo; c <= hi; c++) out.push(c);
  }
  return out;
}

/**
 * The order a probe visits `online` in: `here` (the CPU the prober runs on)
 * first, as pinning to the CPU a thread is on moves nothing, then the rest,
 * so the probe migrates once per other CPU and its last pin, back to every
 * CPU, moves nothing either. Under TCG a migration is milliseconds.
 *
 * @example
 * ```ts
 * import { probeOrder } from "./health.ts";
 * if (probeOrder([0, 1, 2], 1).join() !== "1,0,2") throw new Error();
 * ```
 */
export function probeOrder(online: readonly number[], here: number | null): number[] {
  if (here === null || !online.includes(here)) return [...online];
  return [here, ...online.filter((c) => c !== here)];
}
