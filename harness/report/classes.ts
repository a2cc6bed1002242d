/**
 * The finding classes, in one table, most severe first: the order findings
 * are listed and triaged in (syzkaller orders memory safety before leaks and
 * hangs), whether the kernel itself reported it, and what it means. The
 * console parser's rows (`console/oopses.ts`), the report store and the
 * findings documents all read it from here.
 *
 * @module
 */

/** One class of finding. */
export interface FindingClass {
  readonly type: string;
  /** A report the kernel printed (KASAN, lockdep, …), not a verdict of ours. */
  readonly kernel: boolean;
  /** What it means, for summaries. */
  readonly what: string;
}

/** Every class, most severe first. */
export const CLASSES = [
  {
    type: "KASAN",
    kernel: true,
    what: "memory safety: out-of-bounds, use-after-free, double free",
  },
  {
    type: "UBSAN",
    kernel: true,
    what: "undefined behaviour: overflow, bad shift, out-of-bounds index",
  },
  { type: "BUG", kernel: true, what: "a BUG, oops, or sleeping in atomic context" },
  { type: "PANIC", kernel: true, what: "the kernel panicked" },
  { type: "LOCKDEP", kernel: true, what: "a locking rule broken: deadlock, bad RCU usage" },
  { type: "WARNING", kernel: true, what: "a kernel WARN: an assertion of the kernel's own failed" },
  { type: "HANG", kernel: true, what: "a hung task, soft lockup or RCU stall" },
  { type: "KMEMLEAK", kernel: true, what: "kernel memory leaked" },
  { type: "UNKNOWN", kernel: true, what: "a kernel report no console signature names" },
  {
    type: "HEALTH",
    kernel: false,
    what: "a call left a trace consumer broken: ftrace, perf or tracing_on on some CPU",
  },
  { type: "CONFORMANCE", kernel: false, what: "an ABI rule broken" },
  { type: "SECURITY", kernel: false, what: "an attacker's move that worked" },
  { type: "MISMATCH", kernel: false, what: "the kernel disagreed with the fuzzers' oracle" },
  { type: "LOST", kernel: false, what: "the test machine went away without a report" },
  {
    type: "LOAD",
    kernel: false,
    what: "the target failed to load, with no kernel report to say why",
  },
  { type: "HARNESS", kernel: false, what: "the harness itself failed" },
] as const satisfies readonly FindingClass[];

/** A class name. */
export type FindingType = typeof CLASSES[number]["type"];

/** Classes the kernel reports (the console parser's `Crash.type`). */
export type CrashType = Extract<typeof CLASSES[number], { kernel: true }>["type"];

/**
 * Sort key of a class: its place in {@linkcode CLASSES}; a name not in the
 * table sorts last.
 *
 * @example
 * ```ts
 * import { typeRank } from "./classes.ts";
 * if (!(typeRank("KASAN") < typeRank("UBSAN") && typeRank("UBSAN") < typeRank("UNKNOWN"))) {
 *   throw new Error();
 * }
 * ```
 */
export function typeRank(type: string): number {
  const i = CLASSES.findIndex((c) => c.type === type);
  return i < 0 ? CLASSES.length : i;
}

/** Whether a class is a report the kernel printed. */
export function isKernelType(type: string): boolean {
  return CLASSES.some((c) => c.type === type && c.kernel);
}
