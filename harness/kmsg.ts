/**
 * Reading the kernel log from the guest: /dev/kmsg records as console lines,
 * what the kernel said since the last read (case marks: `marks.ts`).
 *
 * @module
 */
import { O_CLOEXEC, O_NONBLOCK, O_RDONLY } from "./libc.ts";
import { sysClose, sysOpen, sysRead } from "./syscall.ts";
import { unrecorded } from "./ctrace/record.ts";

/**
 * Formats one /dev/kmsg record (`pri,seq,usec,flags;text\n continuation…`)
 * the way the console prints it, `[   12.345678] text`, so the console parser
 * reads both alike (pure).
 */
export function kmsgRecordToConsole(record: string): string {
  const semi = record.indexOf(";");
  if (semi < 0) return record.trimEnd();
  const [, , usec] = record.slice(0, semi).split(",");
  const us = Number(usec ?? 0);
  const stamp = `[${(Math.floor(us / 1e6)).toString().padStart(5)}.${
    (us % 1e6).toString().padStart(6, "0")
  }] `;
  // Continuation lines (dictionary) start with a space: not console text.
  const text = record.slice(semi + 1).split("\n")[0] ?? "";
  return stamp + text;
}

/**
 * Reads new kernel log records from /dev/kmsg without blocking: what the
 * kernel said since the last call, as console lines.
 */
export class KmsgReader implements Disposable {
  readonly #fd: number;
  readonly #buf = new Uint8Array(8192);

  constructor(fd: number) {
    this.#fd = fd;
    this.drain(); // everything before now belongs to earlier cases
  }

  /** Opens /dev/kmsg; null where it cannot be read (a host run as non-root). */
  static open(): KmsgReader | null {
    const r = unrecorded(() => sysOpen("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    return r.ok ? new KmsgReader(r.value) : null;
  }

  /** Console lines of the records logged since the previous call (not recorded: it watches). */
  drain(): string {
    return unrecorded(() => this.#drain());
  }

  #drain(): string {
    const lines: string[] = [];
    const dec = new TextDecoder();
    for (;;) {
      const r = sysRead(this.#fd, this.#buf);
      if (r.ok) {
        lines.push(kmsgRecordToConsole(dec.decode(this.#buf.subarray(0, r.value))));
        continue;
      }
      // EPIPE: records were overwritten before we read them; go on from the oldest kept.
      if (r.errno === "EPIPE") continue;
      break; // EAGAIN: nothing more
    }
    return lines.length ? lines.join("\n") + "\n" : "";
  }

  [Symbol.dispose](): void {
    unrecorded(() => sysClose(this.#fd));
  }
}
