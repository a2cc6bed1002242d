/**
 * The syscall trace a finding's replay leaves behind, from which a standalone
 * C reproducer is written (`emit_c.ts`): one JSON line per event, one file per
 * process (`<dir>/<pid>.jsonl`), written by `record.ts` and read here.
 *
 * Integers travel as decimal strings (they are 64-bit) and bytes as hex, so a
 * line is plain JSON. Times are CLOCK_MONOTONIC nanoseconds from the process
 * that wrote them: processes of one VM share the clock, so merging every file
 * by time gives the order in which the calls ran (a security check's root and
 * its actors take turns; race workers interleave).
 *
 * Pure but for {@linkcode readTrace}.
 *
 * @module
 */

/** One argument of a recorded call. */
export type TraceArg =
  /** An integer (flags, lengths, file descriptors, requests). */
  | { readonly i: string }
  /**
   * Memory the kernel reads: our bytes at `addr`, as they were at the call;
   * `ptrs`: the 8-byte pointer fields in them (a struct's name or enable
   * address), each with what it points to, so a replay can point them at
   * its own memory.
   */
  | {
    readonly buf: string;
    readonly addr: string;
    readonly ptrs?: readonly { readonly off: number; readonly arg: TraceArg }[];
  }
  /** Memory the kernel writes (`read(2)`): `len` bytes at `addr`. */
  | { readonly out: number; readonly addr: string }
  /** A raw address passed as it is (bogus, kernel, or inside a mapping). */
  | { readonly p: string }
  /** A `struct iovec` array: per segment its base (a `buf` or a `p`) and length. */
  | { readonly iov: readonly { readonly base: TraceArg; readonly len: string }[] };

/** What a process is, and who it runs as. */
export interface ProcEvent {
  readonly ev: "proc";
  readonly t: string;
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
  /** `root` runs the rule, check or case; `actor` takes its turns; `worker` races. */
  readonly role: "root" | "actor" | "worker";
  /**
   * The pid of the traced process that forked this one (a C helper's child):
   * it starts at that process's recorded `fork`, on its fds and mappings.
   * Absent for a process started on its own (spawned and exec'd).
   */
  readonly parent?: number;
}

/** A system call and the kernel's answer (`ret`: the value, or -errno). */
export interface CallEvent {
  readonly ev: "call";
  readonly t: string;
  readonly name: string;
  readonly nr: number;
  readonly args: readonly TraceArg[];
  readonly ret: string;
}

/** A read of mapped memory (an enable byte): no syscall, but an answer of the kernel. */
export interface PeekEvent {
  readonly ev: "peek";
  readonly t: string;
  readonly addr: string;
  readonly bytes: string;
}

/** A store into mapped memory. */
export interface PokeEvent {
  readonly ev: "poke";
  readonly t: string;
  readonly addr: string;
  readonly bytes: string;
}

/**
 * What the kernel should have answered to the call or peek just before this
 * event (in time, in any process): the finding is that it did not.
 */
export type Expectation =
  /** The call fails with this errno. */
  | { readonly errno: string }
  /** The call succeeds (any value). */
  | { readonly ok: true }
  /** The call fails (any errno): a refusal. */
  | { readonly fails: true }
  /** The call returns this value, or the peeked bytes start with this byte. */
  | { readonly value: number }
  /** The peeked bytes are all zero (its answer: how many are not). */
  | { readonly zero: true }
  /** The peeked bytes are these (hex; its answer: how many differ). */
  | { readonly equals: string }
  /**
   * The records of `event` in the sink decode, with only the event's format
   * file, to exactly these payloads in order. Not one call's answer: the
   * reproducer reads the sink itself when it reaches this judge.
   */
  | { readonly payloads: PayloadsExpectation };

/** What a trace sink had to give back (see {@linkcode Expectation}). */
export interface PayloadsExpectation {
  /** `ftrace`: every CPU's trace_pipe_raw; `perf`: the mmap ring at `ring`. */
  readonly sink: "ftrace" | "perf";
  /** `<system>/<name>`, as under tracefs `events/`. */
  readonly event: string;
  /** The payloads written, in order (hex). */
  readonly sent: readonly string[];
  /** perf: the recorded address of the ring's mapping, which the emitter rebases. */
  readonly ring?: string;
}

/** The finding's oracle, pinned to the event before it. */
export interface JudgeEvent {
  readonly ev: "judge";
  readonly t: string;
  /** What the reproducer prints when the kernel answers wrong: rule ID, check ID or title. */
  readonly finding: string;
  /** The call as the report names it (`mmap(PROT_READ|PROT_WRITE)`). */
  readonly what: string;
  readonly expect: Expectation;
}

/** Any event. */
export type TraceEvent = ProcEvent | CallEvent | PeekEvent | PokeEvent | JudgeEvent;

/** One process's events, its `proc` event first. */
export interface ProcTrace {
  readonly proc: ProcEvent;
  readonly events: readonly Exclude<TraceEvent, ProcEvent>[];
}

/** Every process's trace of one replay. */
export type Trace = readonly ProcTrace[];

/** Parses one process's JSONL (pure); throws a TypeError naming the line. */
export function parseProcTrace(text: string, source = "trace"): ProcTrace {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const events: TraceEvent[] = lines.map((l, i) => {
    try {
      const e = JSON.parse(l) as TraceEvent;
      if (!e || typeof e !== "object" || typeof e.ev !== "string" || typeof e.t !== "string") {
        throw new TypeError("not an event");
      }
      return e;
    } catch (err) {
      throw new TypeError(`${source}:${i + 1}: ${(err as Error).message}`);
    }
  });
  const [proc, ...rest] = events;
  if (proc?.ev !== "proc") throw new TypeError(`${source}: does not start with a proc event`);
  return {
    proc,
    events: rest.filter((e): e is Exclude<TraceEvent, ProcEvent> => e.ev !== "proc"),
  };
}

/** Every event of every process, with its process, in time order (pure). */
export function merged(
  trace: Trace,
): { readonly pid: number; readonly event: Exclude<TraceEvent, ProcEvent> }[] {
  return trace
    .flatMap((p) => p.events.map((event, k) => ({ pid: p.proc.pid, event, k })))
    .sort((a, b) => {
      const d = BigInt(a.event.t) - BigInt(b.event.t);
      return d < 0n ? -1 : d > 0n ? 1 : a.pid - b.pid || a.k - b.k;
    })
    .map(({ pid, event }) => ({ pid, event }));
}

/** Reads every `<pid>.jsonl` of `dir`, root first (then by first event). */
export async function readTrace(dir: string): Promise<Trace> {
  const out: ProcTrace[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !e.name.endsWith(".jsonl")) continue;
    const path = `${dir}/${e.name}`;
    out.push(parseProcTrace(await Deno.readTextFile(path), path));
  }
  return out.sort((a, b) =>
    (a.proc.role === "root" ? 0 : 1) - (b.proc.role === "root" ? 0 : 1) ||
    (BigInt(a.proc.t) < BigInt(b.proc.t) ? -1 : 1)
  );
}
