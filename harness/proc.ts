/**
 * Running host commands whose output goes to a log file, with failures that
 * name the command and quote the end of its log.
 *
 * @module
 */

import { resolve } from "node:path";
import { Interrupted, interrupted, trackChild } from "./interrupt.ts";

/** Options for {@linkcode runLogged}. */
export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string>;
  /** File that receives stdout and stderr (appended). */
  readonly logFile: string;
}

/** Thrown when a host command exits non-zero; `logTail` holds its last lines. */
export class CommandError extends Error {
  readonly code: number;
  readonly logTail: string;
  constructor(command: string, code: number, logTail: string) {
    super(`Command "${command}" failed with exit code ${code}:\n${logTail}`);
    this.name = "CommandError";
    this.code = code;
    this.logTail = logTail;
  }
}

/** Last `n` lines of a text file ("" if absent). */
export function tailFile(path: string, n = 30): string {
  try {
    return Deno.readTextFileSync(path).trimEnd().split("\n").slice(-n).join(
      "\n",
    );
  } catch {
    return "";
  }
}

/** Runs `cmd args…`, appending its output to `opts.logFile`; throws {@linkcode CommandError}. */
export async function runLogged(
  cmd: string,
  args: readonly string[],
  opts: RunOptions,
): Promise<void> {
  await Deno.writeTextFile(opts.logFile, `\n$ ${cmd} ${args.join(" ")}\n`, { append: true });
  // The command writes the log itself (sh redirects both streams): piped
  // through Deno, a build's output reached the file only when make ended, so
  // its progress (build_progress.ts) read nothing for the whole build. In a
  // process group of its own (setsid), so that a stopped task kills make
  // with every compiler it started (harness/interrupt.ts).
  const child = new Deno.Command("setsid", {
    args: ["sh", "-c", 'exec "$@" >>"$UDIAG_LOG" 2>&1', "sh", cmd, ...args],
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    // Absolute: the shell starts in `cwd`, the caller named it from its own.
    env: { ...opts.env, UDIAG_LOG: resolve(opts.logFile) },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const forget = trackChild(child);
  const { code } = await child.status;
  forget();
  if (interrupted.aborted) throw new Interrupted(`"${cmd} ${args.join(" ")}"`);
  if (code !== 0) {
    throw new CommandError(
      `${cmd} ${args.join(" ")}`,
      code,
      tailFile(opts.logFile),
    );
  }
}

/** Runs a command and returns its trimmed stdout; throws on failure. */
export async function capture(
  cmd: string,
  args: readonly string[],
  cwd?: string,
): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(cmd, {
    args: [...args],
    ...(cwd ? { cwd } : {}),
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  if (code !== 0) {
    throw new CommandError(
      `${cmd} ${args.join(" ")}`,
      code,
      dec.decode(stderr).trim(),
    );
  }
  return dec.decode(stdout).trim();
}
