/**
 * Command-line parsing every task shares: `--help` prints the usage and
 * starts nothing; a bad flag is one line on stderr and exit status 2, before
 * anything slow (apt, a kernel build, a VM) starts.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { PROFILES } from "./vm/kernel.ts";
import { exitStatus, removeTemps, stopSignal, watchSignals } from "./interrupt.ts";

/** Exit status of a bad command line. */
export const USAGE_EXIT = 2;

/** A bad flag or file named on the command line. */
export class UsageError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The flags of every suite task: which ABI, on what, where results go. */
export const SUITE_OPTIONS = {
  abi: { type: "string" },
  target: { type: "string" },
  profile: { type: "string" },
  broken: { type: "string" },
  reports: { type: "string" },
  out: { type: "string" },
  help: { type: "boolean" },
} as const;

/** Usage lines of {@linkcode SUITE_OPTIONS}. */
export function suiteUsage(defaults: { out: string }): string[] {
  return [
    "  --abi NAME        the ABI under test (abi/<NAME>/): udiag, user_events   [udiag]",
    "  --target T        what implements it: kmod | patch:FILE | kernel | kernel:PATCH | local",
    "                    (which ones depends on the ABI; default: the ABI's first)",
    `  --profile NAME    kernel debug profile: ${
      Object.keys(PROFILES).join(", ")
    }            [base]`,
    "  --broken VARIANT  test-only: the ABI's own module built with a known bug",
    "  --reports DIR     where findings go                                       [reports]",
    `  --out DIR         where the run's outputs go                              [${defaults.out}]`,
  ];
}

/**
 * Parses `args` against `options`; `--help` prints `usage` and exits 0, a
 * parse error throws {@linkcode UsageError}.
 */
export function parseFlags<O extends NonNullable<ParseArgsConfig["options"]>>(
  args: readonly string[],
  options: O,
  usage: string,
  allowPositionals = false,
): ReturnType<typeof parseArgs<{ options: O; allowPositionals: boolean; strict: true }>> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError(oneLine((e as Error).message));
  }
  if ((parsed.values as Record<string, unknown>).help) {
    console.log(usage);
    Deno.exit(0);
  }
  return parsed;
}

/** `text` on one line: its lines joined by spaces (parseArgs explains on three). */
export function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, " ");
}

/**
 * An input file named by flag `name` (a `--target` patch, `--patch`): it must
 * be a readable file; throws {@linkcode UsageError} naming the flag otherwise.
 */
export function fileFlag(name: string, path: string): string {
  let ok = false;
  try {
    ok = Deno.statSync(path).isFile;
  } catch {
    ok = false;
  }
  if (!ok) throw new UsageError(`Cannot read --${name} file "${path}": no such file`);
  return path;
}

/**
 * An integer flag, at least `min`; throws {@linkcode UsageError} otherwise.
 *
 * @example
 * ```ts
 * import { intFlag } from "./cli.ts";
 * if (intFlag("time", "120", 1) !== 120) throw new Error();
 * ```
 */
export function intFlag(name: string, value: string, min: number): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < min) {
    throw new UsageError(`Invalid --${name} "${value}": expected an integer >= ${min}`);
  }
  return n;
}

/** A kernel profile flag; throws {@linkcode UsageError} naming the profiles. */
export function profileFlag(value: string | undefined, flag = "--profile"): string {
  const p = value ?? "base";
  if (!(p in PROFILES)) {
    throw new UsageError(
      `Unknown ${flag} "${p}": expected one of ${Object.keys(PROFILES).join(", ")}`,
    );
  }
  return p;
}

/**
 * Checks a task's input: a TypeError raised while parsing and validating it
 * (a bad flag, an unknown ID, a missing file) becomes a {@linkcode UsageError}.
 */
export async function checkInput<T>(parse: () => T | Promise<T>): Promise<T> {
  try {
    return await parse();
  } catch (e) {
    if (e instanceof TypeError && !(e instanceof UsageError)) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * Runs a task's main: a {@linkcode UsageError} becomes one line on stderr and
 * exit 2; otherwise the exit status is what `main` returns, or 130/143 when
 * SIGINT/SIGTERM stopped it (harness/interrupt.ts), after its temp paths are
 * removed.
 */
export async function runMain(main: () => Promise<number>): Promise<never> {
  watchSignals();
  let code: number;
  try {
    code = await main();
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${oneLine(e.message)} (see --help)`);
      Deno.exit(USAGE_EXIT);
    }
    if (!stopSignal()) throw e;
    // Work the stop cut short fails as it may: the stop is what happened.
    console.error(`udiag-fuzz: stopped: ${oneLine(e instanceof Error ? e.message : String(e))}`);
    code = 1;
  }
  removeTemps();
  Deno.exit(exitStatus(code));
}
