/**
 * The syscall recorder: while `$UDIAG_CTRACE` names a folder, every call made
 * through harness/syscall.ts, every read and store of mapped memory, and
 * every oracle's verdict on them is appended to `<folder>/<pid>.jsonl` (the
 * format is trace.ts's). A replay run with it on is what `deno task repro-c`
 * turns into a C program. Off (the default), each hook costs one test of a
 * module variable.
 *
 * `$UDIAG_CTRACE_ROLE` says what this process is (`root`, `actor`, `worker`);
 * processes that spawn others pass both variables on (the environment does).
 *
 * @module
 */
import type { Expectation, TraceArg, TraceEvent } from "./trace.ts";
import { rawSyscall } from "../rawsys.ts";

const CLOCK_MONOTONIC = 1;
const NR_CLOCK_GETTIME = 228;

let path: string | null | undefined;

function file(): string | null {
  if (path === undefined) {
    const dir = Deno.env.get("UDIAG_CTRACE");
    path = dir ? `${dir}/${Deno.pid}.jsonl` : null;
    if (path) {
      const role = Deno.env.get("UDIAG_CTRACE_ROLE") ?? "root";
      try {
        Deno.mkdirSync(dir!, { recursive: true });
        // Actors run as other users and write their own files beside root's.
        if (role === "root") Deno.chmodSync(dir!, 0o777);
      } catch { /* an actor finds it made; a failure shows at the first append */ }
      append({
        ev: "proc",
        t: now(),
        pid: Deno.pid,
        uid: Deno.uid() ?? 0,
        gid: Deno.gid() ?? 0,
        role: role === "actor" || role === "worker" ? role : "root",
      });
    }
  }
  return path;
}

let quiet = 0;

/** Whether this process records (cheap: the hooks test it before building anything). */
export function recording(): boolean {
  return quiet === 0 && file() !== null;
}

/**
 * Runs `fn` with recording off: for what the framework does to watch the
 * kernel (draining /dev/kmsg), which a reproducer has no need to repeat.
 */
export function unrecorded<T>(fn: () => T): T {
  quiet++;
  try {
    return fn();
  } finally {
    quiet--;
  }
}

/** CLOCK_MONOTONIC in ns: one clock for every process of the machine. */
function now(): string {
  const ts = new BigInt64Array(2);
  rawSyscall(
    NR_CLOCK_GETTIME,
    CLOCK_MONOTONIC,
    Deno.UnsafePointer.value(Deno.UnsafePointer.of(ts)),
  );
  return String(ts[0]! * 1_000_000_000n + ts[1]!);
}

let sink: Deno.FsFile | null = null;
const enc = new TextEncoder();

function append(e: TraceEvent): void {
  try {
    // One open file: a race worker records thousands of calls over 9p.
    sink ??= Deno.openSync(path!, { append: true, create: true });
    sink.writeSync(enc.encode(JSON.stringify(e) + "\n"));
  } catch (err) {
    // A recording must never change the run it records: stop, say so once.
    console.error(`udiag-fuzz: syscall recording stopped: ${err}`);
    path = null;
  }
}

/**
 * The environment a child process needs to record too (empty when this one
 * does not record): for children spawned with their own environment.
 */
export function ctraceEnv(role: "actor" | "worker"): Record<string, string> {
  const dir = Deno.env.get("UDIAG_CTRACE");
  return recording() && dir ? { UDIAG_CTRACE: dir, UDIAG_CTRACE_ROLE: role } : {};
}

/** Hex of bytes. */
export function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

const addr = (a: bigint) => `0x${BigInt.asUintN(64, a).toString(16)}`;

/** An integer argument. */
export const int = (v: number | bigint): TraceArg => ({ i: String(BigInt.asIntN(64, BigInt(v))) });
/** Memory the kernel reads, at `address`. */
export const buf = (b: Uint8Array, address: bigint): TraceArg => ({
  buf: hex(b),
  addr: addr(address),
});
/** Memory the kernel writes. */
export const out = (len: number, address: bigint): TraceArg => ({ out: len, addr: addr(address) });
/** A raw address. */
export const ptr = (a: bigint): TraceArg => ({ p: addr(a) });

/** Records a call and its raw answer (value or -errno). */
export function recordCall(name: string, nr: number, args: readonly TraceArg[], ret: bigint): void {
  if (!recording()) return;
  append({ ev: "call", t: now(), name, nr, args, ret: String(BigInt.asIntN(64, ret)) });
}

/** Records a read of mapped memory. */
export function recordPeek(address: bigint, bytes: Uint8Array): void {
  if (!recording()) return;
  append({ ev: "peek", t: now(), addr: addr(address), bytes: hex(bytes) });
}

/** Records a store into mapped memory. */
export function recordPoke(address: bigint, bytes: Uint8Array): void {
  if (!recording()) return;
  append({ ev: "poke", t: now(), addr: addr(address), bytes: hex(bytes) });
}

/**
 * What an oracle expected, from the way the suites print it (pure): an errno
 * name, `ok N`, `ok`/`mapped`, `refused` (any errno), a number; null for
 * evidence that is not one call's answer (a list, a sentence).
 */
export function expectationOf(want: string | number | boolean): Expectation | null {
  if (typeof want === "number") return Number.isInteger(want) ? { value: want } : null;
  if (typeof want !== "string") return null;
  const w = want.trim();
  if (/^E[A-Z0-9]+$|^E#\d+$/.test(w)) return { errno: w };
  const m = /^(?:ok )?(-?\d+)$/.exec(w);
  if (m) return { value: Number(m[1]) };
  if (w === "ok" || w === "mapped" || w === "ok mapped") return { ok: true };
  if (w === "refused" || w === "an errno") return { fails: true };
  if (w === "all zero") return { zero: true };
  return null;
}

/**
 * Records an oracle's verdict on the call or read just made (in any process
 * of the replay): `finding` is what the C program prints when the kernel
 * answers it wrong (a rule ID, a check ID, a fuzz title). `want` as bytes:
 * what a read of memory had to give back.
 */
export function recordJudge(
  finding: string,
  what: string,
  want: string | number | boolean | Uint8Array,
): void {
  if (!recording()) return;
  const expect = want instanceof Uint8Array ? { equals: hex(want) } : expectationOf(want);
  if (expect) recordExpectation(finding, what, expect);
}

/**
 * Records an oracle whose evidence is not one call's answer (what a trace
 * sink gave back), pinned to the last recorded event as {@linkcode recordJudge} is.
 */
export function recordExpectation(finding: string, what: string, expect: Expectation): void {
  if (!recording()) return;
  append({ ev: "judge", t: now(), finding, what, expect });
}
