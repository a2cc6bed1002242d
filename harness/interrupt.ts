/**
 * SIGINT and SIGTERM for every task: the first one aborts
 * {@linkcode interrupted} (guests are killed, campaigns stop, what was found
 * is filed and the summary written), and the task exits with 128 + the
 * signal's number, as a shell reports a command a signal ended (130 for
 * SIGINT, 143 for SIGTERM). A second signal does not wait: it kills the child
 * processes and removes the temp paths registered here, then exits.
 *
 * @module
 */

/** The signals a task stops on, and the exit status each gives. */
export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

/** A signal a task stops on. */
export type StopSignal = keyof typeof SIGNAL_EXIT;

const controller = new AbortController();
let received: StopSignal | null = null;
let installed = false;
const temps = new Set<string>();
const children = new Set<Deno.ChildProcess>();

/** Aborted on the first SIGINT or SIGTERM once {@linkcode watchSignals} ran. */
export const interrupted: AbortSignal = controller.signal;

/** Work the task's stop cut short: not a failure of that work, and not a finding. */
export class Interrupted extends Error {
  constructor(what: string) {
    super(`Interrupted: ${what} was stopped`);
    this.name = "Interrupted";
  }
}

/** The signal that stopped the task, or null. */
export function stopSignal(): StopSignal | null {
  return received;
}

/** The exit status of an interrupted task, else `code`. */
export function exitStatus(code: number): number {
  return received ? SIGNAL_EXIT[received] : code;
}

/** Starts listening for SIGINT and SIGTERM (once per process; tasks call it first). */
export function watchSignals(): void {
  if (installed) return;
  installed = true;
  for (const sig of Object.keys(SIGNAL_EXIT) as StopSignal[]) {
    Deno.addSignalListener(sig, () => stop(sig));
  }
}

/** What a signal does: the first stops the task, the second quits at once. */
function stop(sig: StopSignal): void {
  if (received !== null) {
    // The second signal: the user does not want to wait.
    killChildren();
    removeTemps();
    Deno.exit(SIGNAL_EXIT[received]);
  }
  received = sig;
  console.error(`\nudiag-fuzz: ${sig}: stopping (filing what was found; again to quit at once)`);
  killChildren();
  controller.abort(new Error(sig));
}

/**
 * A path to remove if the task is stopped before it renames or removes it
 * itself; the returned function forgets it.
 */
export function tempPath(path: string): () => void {
  temps.add(path);
  return () => temps.delete(path);
}

/** Removes every registered temp path (after a stop, and at a second signal). */
export function removeTemps(): void {
  for (const p of temps) {
    try {
      Deno.removeSync(p, { recursive: true });
    } catch {
      // Already gone.
    }
  }
  temps.clear();
}

/**
 * A child process killed (its whole process group, when it leads one) when
 * the task is stopped; the returned function forgets it.
 */
export function trackChild(child: Deno.ChildProcess): () => void {
  if (controller.signal.aborted) killGroup(child);
  children.add(child);
  return () => children.delete(child);
}

function killChildren(): void {
  for (const c of children) killGroup(c);
}

function killGroup(c: Deno.ChildProcess): void {
  try {
    // A child started through `setsid` leads its own group: take make's
    // compilers with it. Deno.kill with a negative pid signals the group.
    Deno.kill(-c.pid, "SIGKILL");
  } catch {
    try {
      c.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }
}
