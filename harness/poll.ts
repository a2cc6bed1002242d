/**
 * Waiting for an asynchronous kernel step from synchronous code (commands,
 * probes): a sleep that does not return to the event loop, and a bounded poll.
 *
 * @module
 */

/** Sleeps `ms` without returning to the event loop. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Polls `pred` every 10 ms for at most `ms`; whether it came to hold.
 *
 * @example
 * ```ts
 * import { pollSync } from "./poll.ts";
 * let n = 0;
 * if (!pollSync(() => ++n === 3, 1000) || n !== 3) throw new Error();
 * ```
 */
export function pollSync(pred: () => boolean, ms: number): boolean {
  const end = Date.now() + ms;
  for (;;) {
    if (pred()) return true;
    if (Date.now() > end) return false;
    sleepSync(10);
  }
}
