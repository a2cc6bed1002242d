/**
 * One racing worker: a separate process that hammers a small shared pool of
 * event names with register/delete/write/close/mmap/tracefs toggles for a
 * while, checking each answer against what the ABI allows under concurrency,
 * and prints one JSON line: its op count and any violations.
 *
 *     deno run -A abi/udiag/fuzz/race_worker.ts --seed S --ms 3000
 *
 * @module
 */
import { parseArgs } from "node:util";
import { UdiagFile } from "../device.ts";
import { type Errno, showResult, type SysResult } from "../../../harness/errno.ts";
import { Tracefs } from "../../../harness/tracefs.ts";
import { DIAG_SYSTEM } from "../abi.ts";

/** The names every worker of a round fights over. */
export const RACE_POOL = ["c0", "c1"] as const;

/** What each racing operation may answer while other processes race it. */
export const RACE_ALLOWED: Record<string, readonly Errno[]> = {
  // EMFILE: this file already holds an event (or the page is full).
  register: ["EMFILE"],
  // EBUSY: someone holds it; ENOENT: someone deleted it first.
  delete: ["EBUSY", "ENOENT"],
  // ENOENT: the file holds no event; EFAULT: the buffer is unmapped while
  // another process traces the event (UD-WR-005).
  write: ["ENOENT", "EFAULT"],
  // The event may vanish between the path lookup and the write.
  trace: ["ENOENT", "ENODEV", "EBUSY"],
  mmap: [],
  close: [],
};

/** A small deterministic PRNG (mulberry32): a worker's choices follow its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** One violation a worker saw. */
export interface RaceViolation {
  readonly op: string;
  readonly got: string;
}

/** Runs the worker loop for `ms` milliseconds; returns its counts and violations. */
export function raceWorker(seed: number, ms: number): { ops: number; violations: RaceViolation[] } {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const tracefs = new Tracefs(DIAG_SYSTEM);
  const files: UdiagFile[] = [];
  const violations: RaceViolation[] = [];
  const check = (kind: string, op: string, r: SysResult<unknown>) => {
    if (!r.ok && !RACE_ALLOWED[kind]!.includes(r.errno)) violations.push({ op, got: r.errno });
    if (r.ok && kind === "register" && (r.value as number) < 1) {
      violations.push({ op, got: showResult(r) });
    }
  };
  let ops = 0;
  const end = Date.now() + ms;
  while (Date.now() < end && violations.length < 20) {
    ops++;
    const name = pick(RACE_POOL);
    const roll = rnd();
    if (files.length === 0 || roll < 0.15) {
      if (files.length < 8) files.push(UdiagFile.openOrThrow());
    } else if (roll < 0.35) {
      check("register", `register("${name}")`, pick(files).register(name));
    } else if (roll < 0.55) {
      check("delete", `delete("${name}")`, pick(files).delete(name));
    } else if (roll < 0.7) {
      const len = 1 + Math.floor(rnd() * 200);
      const buf = rnd() < 0.1 ? 0x1000n : new Uint8Array(len);
      const r = pick(files).write(buf, len);
      if (r.ok && r.value !== len) violations.push({ op: `write(${len})`, got: showResult(r) });
      check("write", `write(${len})`, r);
    } else if (roll < 0.8) {
      const i = Math.floor(rnd() * files.length);
      check("close", "close()", files[i]!.close());
      files.splice(i, 1);
    } else if (roll < 0.9) {
      const m = pick(files).mapPage();
      check("mmap", "mmap()", m);
      if (m.ok) {
        const bad = [...m.value.bytes()].findIndex((b) => b > 1);
        if (bad >= 0) {
          violations.push({ op: "read enable page", got: `byte ${bad} = ${m.value.byte(bad)}` });
        }
        m.value.unmap();
      }
    } else {
      check("trace", `ftrace("${name}")`, tracefs.setEnabled(name, rnd() < 0.5));
    }
  }
  for (const f of files) f.close();
  return { ops, violations };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { seed: { type: "string", default: "1" }, ms: { type: "string", default: "3000" } },
  });
  console.log(JSON.stringify(raceWorker(Number(values.seed), Number(values.ms))));
}
