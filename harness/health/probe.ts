/**
 * The health probe (guest I/O): pins itself to each online CPU in turn,
 * writes a canary through the ABI and a line to `trace_marker`, and reads
 * that CPU's `trace_pipe_raw` back, with a perf counter on the canary event
 * and task-clock on the task counting across; `health.ts` judges what it saw.
 *
 * The canary is the ABI's (a plug-in's `health.canary()`): an event of its
 * own, registered for the probe and removed after it, so the ABI's state is
 * what the case left. The probe drains every CPU's buffer: it runs after a
 * case has read what it needed.
 *
 * @module
 */
import type { SysResult } from "../errno.ts";
import { sysSchedGetaffinity, sysSchedSetaffinity, sysWriteText } from "../syscall.ts";
import { O_TRUNC, O_WRONLY } from "../libc.ts";
import { TRACEFS } from "../tracefs.ts";
import { readCpuRaw, readRingLayout, readTracefsText } from "../trace/ftrace_reader.ts";
import { collectRecords } from "../trace/ftrace_raw.ts";
import {
  PERF_COUNT_SW_TASK_CLOCK,
  PERF_TYPE_SOFTWARE,
  PERF_TYPE_TRACEPOINT,
  PerfCounter,
} from "../trace/perf.ts";
import {
  type CpuObservation,
  type HealthObservation,
  type HealthProblem,
  healthProblems,
  parseCpuList,
} from "./health.ts";

/** The ABI's side of the probe: one event of its own, and a way to write it. */
export interface HealthCanary {
  /** The event under tracefs `events/`: `system/name`. */
  readonly event: string;
  /** Emits one record carrying `payload` through the ABI; the bytes written, or the errno. */
  write(payload: Uint8Array): SysResult<number>;
  /**
   * Closes what the canary holds and deletes its event (the probe has let
   * go of it); the errno when the event stays, which later cases would
   * take for state the case left.
   */
  remove(): SysResult<number>;
}

/** Registers the ABI's canary; its errno when it cannot. */
export type OpenCanary = () => SysResult<HealthCanary>;

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

function readNumber(path: string): SysResult<number> {
  const r = readTracefsText(path);
  return r.ok ? { ok: true, value: Number(r.value.trim()) } : r;
}

let probes = 0;

/**
 * Runs the probe once and returns what it saw; nothing it meets is thrown
 * (a missing counter or a refused write is an observation), only a tracefs
 * that cannot be read at all.
 */
export function observeHealth(open: OpenCanary, root: string = TRACEFS): HealthObservation {
  const tracingOn = readTracefsText(`${root}/tracing_on`);
  const online = parseCpuList(Deno.readTextFileSync("/sys/devices/system/cpu/online"));
  const base = { tracingOn: tracingOn.ok ? tracingOn.value.trim() : tracingOn.errno, online };
  const canary = open();
  if (!canary.ok) {
    return { ...base, setup: [`registering the canary failed: ${canary.errno}`], cpus: [] };
  }
  const c = canary.value;
  const setup: string[] = [];
  const dir = `${root}/events/${c.event}`;
  const cpus: CpuObservation[] = [];
  try {
    const id = readNumber(`${dir}/id`);
    const markerId = readNumber(`${root}/events/ftrace/print/id`);
    if (!id.ok || !markerId.ok) {
      setup.push("the canary's or trace_marker's event id cannot be read");
      return { ...base, setup, cpus };
    }
    const enable = sysWriteText(`${dir}/enable`, "1", O_WRONLY | O_TRUNC);
    if (!enable.ok) setup.push(`enabling the canary in ftrace failed: ${enable.errno}`);
    using events = counter(PERF_TYPE_TRACEPOINT, id.value, "the canary event", setup);
    using clock = counter(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, "task-clock", setup);
    const layout = readRingLayout(root);
    const pipe = (cpu: number) => `${root}/per_cpu/cpu${cpu}/trace_pipe_raw`;
    // What the case left in the buffers is not the probe's to judge.
    for (const cpu of online) readCpuRaw(pipe(cpu), layout.page.pageSize);
    const saved = sysSchedGetaffinity();
    const typed = (type: number) => (d: Uint8Array) => (d[0]! | (d[1]! << 8)) === type;
    const enc = new TextEncoder();
    try {
      for (const cpu of online) {
        const tag = `health ${cpu} ${++probes}`;
        const payload = enc.encode(tag);
        const pinned = sysSchedSetaffinity([cpu]);
        if (!pinned.ok) {
          cpus.push({ ...UNPINNED, cpu, pinErrno: pinned.errno, payloadLength: payload.length });
          continue;
        }
        const e0 = events.value?.count();
        const t0 = clock.value?.count();
        const w = c.write(payload);
        const marker = enc.encode(`udiag-fuzz ${tag}`);
        sysWriteText(`${root}/trace_marker`, `udiag-fuzz ${tag}`, O_WRONLY);
        const e1 = events.value?.count();
        const t1 = clock.value?.count();
        const raw = readCpuRaw(pipe(cpu), layout.page.pageSize);
        const mine = raw.ok
          ? collectRecords(layout, [{ cpu, bytes: raw.value }]).records.map((r) => r.data)
          : [];
        cpus.push({
          cpu,
          write: w.ok ? w.value : w.errno,
          payloadLength: payload.length,
          ftrace: mine.some((d) => typed(id.value)(d) && contains(d, payload)),
          marker: mine.some((d) => typed(markerId.value)(d) && contains(d, marker)),
          ...(raw.ok ? {} : { readErrno: raw.errno }),
          eventCount: e0?.ok && e1?.ok ? Number(e1.value - e0.value) : null,
          taskClock: t0?.ok && t1?.ok ? Number(t1.value - t0.value) : null,
        });
      }
    } finally {
      sysSchedSetaffinity(saved.ok ? saved.value : online);
      sysWriteText(`${dir}/enable`, "0", O_WRONLY | O_TRUNC);
    }
  } finally {
    const rm = c.remove();
    if (!rm.ok) setup.push(`removing the canary failed: ${rm.errno}`);
  }
  return { ...base, setup, cpus };
}

const UNPINNED = {
  write: 0,
  ftrace: false,
  marker: false,
  eventCount: null,
  taskClock: null,
} as const;

/** A counter, or an empty holder and a set-up line saying why not. */
function counter(
  type: number,
  config: number,
  what: string,
  setup: string[],
): Disposable & { value: PerfCounter | null } {
  const r = PerfCounter.open(type, config);
  if (!r.ok) setup.push(`a perf counter on ${what} cannot be opened: ${r.errno}`);
  const value = r.ok ? r.value : null;
  return { value, [Symbol.dispose]: () => value?.close() };
}

/** Runs the probe and judges it: the problems, none when every consumer works. */
export function checkHealth(open: OpenCanary, root: string = TRACEFS): HealthProblem[] {
  return healthProblems(observeHealth(open, root));
}
