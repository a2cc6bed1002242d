/**
 * Per-call fault injection, as syzkaller does it: the N-th fault point one
 * system call reaches (a slab or page allocation, a user copy) fails, through
 * `/proc/thread-self/fail-nth`. The arming, the call and the read-back happen
 * in one native call of a small C library (failnth.c), built on the host and
 * loaded in the guest; a campaign wraps one operation in
 * {@linkcode withFault} and the operation's syscall of the chosen number
 * goes through it (harness/syscall.ts's hook).
 *
 * Needs a kernel with `CONFIG_FAULT_INJECTION` and the `faults` profile's
 * attributes set ({@linkcode prepareFaultAttrs}): by default failslab and
 * fail_page_alloc ignore allocations that may sleep, which are most of them.
 *
 * @module
 */
import { buildCached } from "../cc.ts";
import { errnoName, fail, ok, type SysResult } from "../errno.ts";
import { ROOT } from "../paths.ts";
import { setSyscallHook } from "../syscall.ts";

/** Where the library is built, and where the guest loads it from (over 9p). */
export const FAILNTH_LIB = `${ROOT}/out/build/faults/libfailnth.so`;

/** This thread's fail-nth file. */
export const FAIL_NTH_PATH = "/proc/thread-self/fail-nth";

const SOURCE = new URL("./failnth.c", import.meta.url).pathname;

/** Builds the library on the host (cached by source and flags); returns its path. */
export function buildFailNth(out: string = FAILNTH_LIB): Promise<string> {
  return buildCached(SOURCE, out, ["-shared", "-fPIC", "-O2", "-Wall", "-Werror"]);
}

const SYMBOLS = {
  failnth_open: { parameters: ["buffer"], result: "i64" },
  failnth_call: {
    parameters: ["i64", "i64", "i64", "i64", "i64", "i64", "i64", "buffer"],
    result: "i64",
  },
} as const;

/** One armed call's outcome: the kernel's answer and whether the fault was injected in it. */
export interface FaultedCall {
  /** The result, or -errno. */
  readonly ret: bigint;
  readonly injected: boolean;
  /** The count left when the call returned: `nth` less the fault points it reached (0: injected). */
  readonly left: number;
}

/** The loaded library, with this thread's fail-nth file open. */
export class FailNth {
  readonly #lib: Deno.DynamicLibrary<typeof SYMBOLS>;
  readonly #out = new BigInt64Array(2);

  private constructor(lib: Deno.DynamicLibrary<typeof SYMBOLS>) {
    this.#lib = lib;
  }

  /**
   * Loads `lib` and opens `path` for the calling thread. Fails with the errno
   * of the open: ENOENT on a kernel without fault injection.
   */
  static open(lib: string = FAILNTH_LIB, path: string = FAIL_NTH_PATH): SysResult<FailNth> {
    const l = Deno.dlopen(lib, SYMBOLS);
    const r = Number(l.symbols.failnth_open(new TextEncoder().encode(`${path}\0`)));
    if (r < 0) {
      l.close();
      return fail(errnoName(-r));
    }
    return ok(new FailNth(l));
  }

  /** Makes system call `nr` with its `nth` fault point failing. */
  call(nth: number, nr: number, args: readonly bigint[]): FaultedCall {
    if (!Number.isInteger(nth) || nth < 1) throw new RangeError(`nth must be ≥ 1, not ${nth}`);
    if (args.length > 5) throw new RangeError("An armed call takes at most 5 arguments");
    const a = [...args, 0n, 0n, 0n, 0n, 0n];
    const ret = this.#lib.symbols.failnth_call(
      BigInt(nth),
      BigInt(nr),
      a[0]!,
      a[1]!,
      a[2]!,
      a[3]!,
      a[4]!,
      this.#out,
    ) as bigint;
    const inj = this.#out[0]!;
    if (inj < 0n) throw new Error(`Cannot arm fail-nth: ${errnoName(Number(-inj))}`);
    return { ret, injected: inj === 1n, left: Number(this.#out[1]!) };
  }

  close(): void {
    this.#lib.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * This thread's fail-nth, with {@linkcode FAULT_ATTRS} set: what a rule
   * that injects faults starts with. Throws, naming the profile, on a kernel
   * without fault injection.
   */
  static forRule(): FailNth {
    const f = FailNth.open();
    if (!f.ok) {
      throw new Error(
        `fail-nth: ${f.errno}: this rule needs the faults kernel profile (--profile faults)`,
      );
    }
    try {
      prepareFaultAttrs();
    } catch (e) {
      f.value.close();
      throw e;
    }
    return f.value;
  }
}

/**
 * An armed count no call reaches: what is left of it after the call
 * ({@linkcode FaultedCall.left}) counts the fault points the call reached.
 */
export const COUNT_FAULT_POINTS = 1 << 30;

/** What {@linkcode withFault} saw of the armed call. */
export interface FaultOutcome<T> {
  readonly value: T;
  /** Whether the call of `nr` was made inside `fn` (only the first one is armed). */
  readonly called: boolean;
  readonly injected: boolean;
  /** `nth` less the fault points the call reached (0 when injected; `nth` when not called). */
  readonly left: number;
}

/**
 * Runs `fn` with the first system call `nr` it makes failing at its `nth`
 * fault point; the other calls `fn` makes run as usual.
 */
export function withFault<T>(f: FailNth, nr: number, nth: number, fn: () => T): FaultOutcome<T> {
  let called = false;
  let injected = false;
  let left = nth;
  const was = setSyscallHook((n, args) => {
    if (called || n !== nr) return null;
    called = true;
    const r = f.call(nth, n, args);
    injected = r.injected;
    left = r.left;
    return r.ret;
  });
  try {
    const value = fn();
    return { value, called, injected, left };
  } finally {
    setSyscallHook(was);
  }
}

/**
 * The debugfs attributes per-call injection needs (fault-injection.rst):
 * allocations that may sleep (GFP_KERNEL) are candidates too, any order of
 * page allocation, and no console message per injected fault (the console
 * is the report oracle's; the campaign logs where it injected).
 */
export const FAULT_ATTRS: readonly (readonly [string, string])[] = [
  ["failslab/ignore-gfp-wait", "N"],
  ["failslab/verbose", "0"],
  ["fail_page_alloc/ignore-gfp-wait", "N"],
  ["fail_page_alloc/ignore-gfp-highmem", "N"],
  ["fail_page_alloc/min-order", "0"],
  ["fail_page_alloc/verbose", "0"],
  ["fail_usercopy/verbose", "0"],
];

/** Writes {@linkcode FAULT_ATTRS} under `debugfs`; throws naming an attribute it cannot set. */
export function prepareFaultAttrs(debugfs = "/sys/kernel/debug"): void {
  for (const [file, value] of FAULT_ATTRS) {
    try {
      Deno.writeTextFileSync(`${debugfs}/${file}`, value);
    } catch (e) {
      throw new Error(
        `Cannot set ${debugfs}/${file} (is this the faults kernel profile?): ${
          e instanceof Error ? e.message : e
        }`,
      );
    }
  }
}
