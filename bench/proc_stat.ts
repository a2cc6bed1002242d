/**
 * CPU time of a process from `/proc/<pid>/stat` (pure): user time is the
 * harness (Deno, V8, fast-check, the FFI glue), system time is the kernel
 * working for it (syscalls, page faults, the module under test).
 *
 * @module
 */

/**
 * `USER_HZ`: the unit of the stat file's times. It is 100 on every Linux ABI
 * (the kernel converts from its own HZ), whatever `CONFIG_HZ` says.
 */
export const USER_HZ = 100;

/** The CPU-time fields of one stat line, in clock ticks of {@linkcode USER_HZ}. */
export interface ProcTimes {
  readonly utime: number;
  readonly stime: number;
  /** Children the process waited for (what getrusage(RUSAGE_CHILDREN) reports). */
  readonly cutime: number;
  readonly cstime: number;
}

/**
 * Parses a `/proc/<pid>/stat` line: fields 14–17 (utime, stime, cutime,
 * cstime), counted after the `comm` field, which may hold spaces and `)`.
 *
 * @example
 * ```ts
 * import { parseProcStat } from "./proc_stat.ts";
 * const t = parseProcStat("42 (a b) c) S 1 1 1 0 -1 0 0 0 0 0 7 3 2 1 20 0 1 0");
 * if (t.utime !== 7 || t.stime !== 3 || t.cutime !== 2 || t.cstime !== 1) throw new Error();
 * ```
 */
export function parseProcStat(line: string): ProcTimes {
  const close = line.lastIndexOf(")");
  if (close < 0) throw new SyntaxError(`Cannot parse a stat line without "(comm)": "${line}"`);
  // After "pid (comm)" the fields start at number 3 (state).
  const f = line.slice(close + 2).trim().split(/\s+/);
  const field = (n: number) => {
    const v = Number(f[n - 3]);
    if (!Number.isInteger(v)) {
      throw new SyntaxError(`Cannot parse field ${n} of stat line "${line}"`);
    }
    return v;
  };
  return { utime: field(14), stime: field(15), cutime: field(16), cstime: field(17) };
}

/** User and kernel CPU seconds between two readings, and the kernel's share. */
export interface CpuSplit {
  readonly userSeconds: number;
  readonly kernelSeconds: number;
  /** kernel / (user + kernel); null when no tick fell in the window. */
  readonly kernelShare: number | null;
}

/**
 * The split of CPU time between two readings of the same process.
 *
 * @example
 * ```ts
 * import { cpuSplit } from "./proc_stat.ts";
 * const s = cpuSplit({ utime: 100, stime: 50 }, { utime: 400, stime: 150 });
 * if (s.userSeconds !== 3 || s.kernelSeconds !== 1 || s.kernelShare !== 0.25) throw new Error();
 * ```
 */
export function cpuSplit(
  from: Pick<ProcTimes, "utime" | "stime">,
  to: Pick<ProcTimes, "utime" | "stime">,
): CpuSplit {
  const u = to.utime - from.utime;
  const s = to.stime - from.stime;
  if (u < 0 || s < 0) {
    throw new RangeError(`CPU times went backwards: ${JSON.stringify({ from, to })}`);
  }
  return {
    userSeconds: u / USER_HZ,
    kernelSeconds: s / USER_HZ,
    kernelShare: u + s === 0 ? null : s / (u + s),
  };
}
