/**
 * Case marks in the kernel log: before each case the guest writes
 * `udiag-fuzz[pid]: <suite>/<case>: start` to /dev/kmsg, so a kernel report
 * that follows in the console names the case that was running.
 *
 * @module
 */

/** The mark line for a case (pure); the console parser's `lastMarkBefore` reads it back. */
export function caseMark(
  suite: string,
  caseId: string,
  phase: "start" | "end",
  pid = Deno.pid,
): string {
  return `udiag-fuzz[${pid}]: ${suite}/${caseId}: ${phase}`;
}

let kmsg: Deno.FsFile | null | undefined;

/** Writes a mark to /dev/kmsg; a no-op where /dev/kmsg cannot be written (a host run). */
export function markCase(suite: string, caseId: string, phase: "start" | "end"): void {
  if (kmsg === undefined) {
    try {
      kmsg = Deno.openSync("/dev/kmsg", { write: true });
    } catch {
      kmsg = null;
    }
  }
  kmsg?.writeSync(new TextEncoder().encode(caseMark(suite, caseId, phase) + "\n"));
}
