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
import { fail, type SysResult } from "../errno.ts";
import {
  sysClose,
  sysGetcpu,
  sysOpen,
  sysSchedGetaffinity,
  sysSchedSetaffinity,
  sysWrite,
  sysWriteText,
} from "../syscall.ts";
import { O_CLOEXEC, O_NONBLOCK, O_RDONLY, O_TRUNC, O_WRONLY } from "../libc.ts";
import { readHeld, TRACEFS } from "../tracefs.ts";
import { steps } from "../steps.ts";
import { readRawFd, readRingLayout, readTracefsText } from "../trace/ftrace_reader.ts";
import { collectRecords, type RingLayout } from "../trace/ftrace_raw.ts";
import { recordType } from "../trace/format.ts";
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
  probeOrder,
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

/** What a boot does not change, and the descriptors a prober keeps open. */
interface BootFacts {
  readonly layout: RingLayout;
  readonly online: number[];
  readonly markerId: number;
  readonly markerFd: number | null;
  /** CPU → its trace_pipe_raw, open O_NONBLOCK. */
  readonly pipes: ReadonlyMap<number, number>;
}

/**
 * The probe of one guest process. It keeps what does not change within a
 * boot (the ring layout, the CPUs, trace_marker's event id) and a task-clock
 * counter. Two depths: {@linkcode HealthProber.quick} needs no ABI call
 * (tracing_on, and every CPU's buffer taking and giving back a trace_marker
 * record); {@linkcode HealthProber.full} adds the ABI's canary through ftrace
 * and a perf counter on it, which registers an event and enables it twice
 * over: some hundreds of milliseconds under TCG, so a fuzz campaign runs it
 * every few cases (fuzz/campaign.ts).
 */
export class HealthProber implements Disposable {
  readonly #open: OpenCanary | null;
  readonly #root: string;
  #boot: BootFacts | null = null;
  #clock: PerfCounter | null | undefined;

  constructor(open: OpenCanary | null, root: string = TRACEFS) {
    this.#open = open;
    this.#root = root;
  }

  /** tracing_on, and each CPU's buffer and task-clock, pinned there. */
  quick(): HealthObservation {
    return this.#observe(null);
  }

  /** {@linkcode HealthProber.quick}, and the ABI's canary (when the ABI has one) through ftrace and perf. */
  full(): HealthObservation {
    if (this.#open === null) return this.quick();
    const boot = this.#bootFacts();
    const canary = this.#open();
    if (!canary.ok) {
      return {
        ...this.#base(boot),
        setup: [`registering the canary failed: ${canary.errno}`],
        cpus: [],
      };
    }
    const c = canary.value;
    const setup: string[] = [];
    const dir = `${this.#root}/events/${c.event}`;
    let seen: HealthObservation = { ...this.#base(boot), setup: [], cpus: [] };
    try {
      const id = readNumber(`${dir}/id`);
      if (!id.ok) setup.push(`the canary's event id cannot be read: ${id.errno}`);
      else {
        const enable = sysWriteText(`${dir}/enable`, "1", O_WRONLY | O_TRUNC);
        if (!enable.ok) setup.push(`enabling the canary in ftrace failed: ${enable.errno}`);
        using events = counter(PERF_TYPE_TRACEPOINT, id.value, "the canary event", setup);
        try {
          seen = this.#observe({ canary: c, id: id.value, counter: events.value });
        } finally {
          sysWriteText(`${dir}/enable`, "0", O_WRONLY | O_TRUNC);
        }
      }
    } finally {
      // After the counter and ftrace let go: a delete while they hold it is EBUSY.
      const rm = c.remove();
      if (!rm.ok) setup.push(`removing the canary failed: ${rm.errno}`);
    }
    return { ...seen, setup: [...setup, ...seen.setup] };
  }

  /** What a boot does not change, and descriptors kept open: each open costs under TCG. */
  #bootFacts(): BootFacts {
    if (this.#boot === null) {
      const markerId = readNumber(`${this.#root}/events/ftrace/print/id`);
      if (!markerId.ok) throw new Error(`Cannot read trace_marker's event id: ${markerId.errno}`);
      const online = parseCpuList(Deno.readTextFileSync("/sys/devices/system/cpu/online"));
      const marker = sysOpen(`${this.#root}/trace_marker`, O_WRONLY | O_CLOEXEC);
      const pipes = new Map<number, number>();
      for (const cpu of online) {
        const fd = sysOpen(
          `${this.#root}/per_cpu/cpu${cpu}/trace_pipe_raw`,
          O_RDONLY | O_NONBLOCK | O_CLOEXEC,
        );
        if (fd.ok) pipes.set(cpu, fd.value);
      }
      this.#boot = {
        layout: readRingLayout(this.#root),
        online,
        markerId: markerId.value,
        markerFd: marker.ok ? marker.value : null,
        pipes,
      };
    }
    return this.#boot;
  }

  #base(boot: { online: number[] }): Pick<HealthObservation, "tracingOn" | "online"> {
    const on = readHeld(`${this.#root}/tracing_on`);
    return { tracingOn: on.ok ? on.value.trim() : on.errno, online: boot.online };
  }

  #observe(
    abi: { canary: HealthCanary; id: number; counter: PerfCounter | null } | null,
  ): HealthObservation {
    const boot = this.#bootFacts();
    const setup: string[] = [];
    if (this.#clock === undefined) {
      const r = PerfCounter.open(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK);
      this.#clock = r.ok ? r.value : null;
    }
    const clock = this.#clock;
    if (clock === null) setup.push("a perf counter on task-clock cannot be opened");
    const { layout, online, markerId } = boot;
    const read = (cpu: number): SysResult<Uint8Array> => {
      const fd = boot.pipes.get(cpu);
      return fd === undefined ? fail("ENOENT") : readRawFd(fd, layout.page.pageSize);
    };
    if (boot.markerFd === null) setup.push("trace_marker cannot be opened");
    // What the case left in the buffers is not the probe's to judge.
    steps.time("health probe: drain", () => online.forEach(read));
    const saved = sysSchedGetaffinity();
    const enc = new TextEncoder();
    const cpus: CpuObservation[] = [];
    const here = sysGetcpu();
    try {
      for (const cpu of probeOrder(online, here.ok ? here.value : null)) {
        const tag = `health ${cpu} ${++probes}`;
        const payload = enc.encode(tag);
        const pinned = steps.time("health probe: pin", () => sysSchedSetaffinity([cpu]));
        if (!pinned.ok) {
          cpus.push({ ...UNPINNED, cpu, pinErrno: pinned.errno, payloadLength: payload.length });
          continue;
        }
        const e0 = abi?.counter?.count();
        const t0 = clock?.count();
        const w = abi?.canary.write(payload) ?? null;
        const marker = enc.encode(`udiag-fuzz ${tag}`);
        if (boot.markerFd !== null) sysWrite(boot.markerFd, marker);
        const e1 = abi?.counter?.count();
        const t1 = clock?.count();
        const raw = steps.time("health probe: read", () => read(cpu));
        const mine = raw.ok
          ? steps.time(
            "health probe: parse",
            () => collectRecords(layout, [{ cpu, bytes: raw.value }]).records.map((r) => r.data),
          )
          : [];
        cpus.push({
          cpu,
          write: w === null ? null : w.ok ? w.value : w.errno,
          payloadLength: payload.length,
          ftrace: abi ? mine.some((d) => recordType(d) === abi.id && contains(d, payload)) : null,
          marker: mine.some((d) => recordType(d) === markerId && contains(d, marker)),
          ...(raw.ok ? {} : { readErrno: raw.errno }),
          eventCount: e0?.ok && e1?.ok ? Number(e1.value - e0.value) : null,
          taskClock: t0?.ok && t1?.ok ? Number(t1.value - t0.value) : null,
        });
      }
    } finally {
      steps.time("health probe: pin", () => sysSchedSetaffinity(saved.ok ? saved.value : online));
    }
    cpus.sort((a, b) => a.cpu - b.cpu);
    return { ...steps.time("health probe: tracing_on", () => this.#base(boot)), setup, cpus };
  }

  [Symbol.dispose](): void {
    this.#clock?.close();
    if (this.#boot?.markerFd != null) sysClose(this.#boot.markerFd);
    for (const fd of this.#boot?.pipes.values() ?? []) sysClose(fd);
  }
}

const UNPINNED = {
  write: null,
  ftrace: null,
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

/**
 * A probe at `depth`, judged: the problems, none when every consumer works.
 * A probe that cannot run at all (tracefs gone, trace_marker's id
 * unreadable) is a problem too: no consumer can be trusted after it.
 */
export function probeProblems(p: HealthProber, depth: "quick" | "full"): HealthProblem[] {
  try {
    return healthProblems(depth === "full" ? p.full() : p.quick());
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return [{ consumer: "canary", cpu: null, detail: `the probe itself failed: ${why}` }];
  }
}
