/**
 * Running host commands whose output goes to a log file, with failures that
 * name the command and quote the end of its log.
 *
 * @module
 */

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
  const open = () => Deno.open(opts.logFile, { append: true, create: true, write: true });
  // One handle per stream: a WritableStream takes one writer at a time.
  const [out, err] = [await open(), await open()];
  await out.write(new TextEncoder().encode(`\n$ ${cmd} ${args.join(" ")}\n`));
  // In a process group of its own (setsid), so that a stopped task kills
  // make with every compiler it started (harness/interrupt.ts).
  const child = new Deno.Command("setsid", {
    args: [cmd, ...args],
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const forget = trackChild(child);
  await Promise.all([
    child.stdout.pipeTo(out.writable),
    child.stderr.pipeTo(err.writable),
  ]);
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
