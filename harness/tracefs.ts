/**
 * A client of tracefs for one trace system (`udiag`, `user_events`, …):
 * enable and disable an event, read its published `format` and id, clear and
 * read the buffer.
 * Writes go through the syscall layer so refusals come back as errno names.
 *
 * @module
 */
import { ok, type SysResult } from "./errno.ts";
import { O_CLOEXEC, O_RDONLY, O_TRUNC, O_WRONLY } from "./libc.ts";
import { sysOpen, sysPread, sysWriteText } from "./syscall.ts";

/** Where the guest mounts tracefs. */
export const TRACEFS = "/sys/kernel/tracing";

function writeFile(path: string, text: string): SysResult<number> {
  return sysWriteText(path, text, O_WRONLY | O_TRUNC);
}

/** The events of one trace system, as seen from one tracefs mount point. */
export class Tracefs {
  readonly system: string;
  readonly root: string;

  constructor(system: string, root: string = TRACEFS) {
    this.system = system;
    this.root = root;
  }

  /** Directory of event `<system>/<name>`. */
  eventDir(name: string): string {
    return `${this.root}/events/${this.system}/${name}`;
  }

  /** `<system>/<name>`: how the event is named under `events/`. */
  event(name: string): string {
    return `${this.system}/${name}`;
  }

  /** Does tracefs list event `<system>/<name>`? */
  hasEvent(name: string): boolean {
    try {
      return Deno.statSync(this.eventDir(name)).isDirectory;
    } catch {
      return false;
    }
  }

  /** Names of the events tracefs lists under the system. */
  events(): string[] {
    try {
      return [...Deno.readDirSync(`${this.root}/events/${this.system}`)]
        .filter((e) => e.isDirectory)
        .map((e) => e.name)
        .sort();
    } catch {
      return [];
    }
  }

  /** Writes `1`/`0` to the event's `enable` file. */
  setEnabled(name: string, on: boolean): SysResult<number> {
    return writeFile(`${this.eventDir(name)}/enable`, on ? "1" : "0");
  }

  /** The event's `format` file, as published. */
  format(name: string): string {
    return Deno.readTextFileSync(`${this.eventDir(name)}/format`);
  }

  /** The event's type id (for perf_event_open's `config`). */
  eventId(name: string): number {
    return Number(Deno.readTextFileSync(`${this.eventDir(name)}/id`).trim());
  }

  /**
   * Empties the trace buffer of every CPU. The kernel waits for RCU grace
   * periods to do it: 33 ms under TCG, where reading the buffers' stats
   * ({@linkcode Tracefs.buffersAsCleared}) takes 2 ms a CPU.
   */
  clear(): SysResult<number> {
    return writeFile(`${this.root}/trace`, "");
  }

  /**
   * Whether every CPU's buffer is as {@linkcode Tracefs.clear} leaves it: no
   * record waiting, none overwritten or dropped since the last clear (a
   * reader would be told of those); false when a CPU's stats cannot be read.
   */
  buffersAsCleared(): boolean {
    try {
      return possibleCpus(this.root).every((cpu) => {
        const text = readHeld(`${this.root}/per_cpu/cpu${cpu}/stats`);
        const s = text.ok ? parseBufferStats(text.value) : null;
        return s !== null && s.entries === 0 && s.overrun === 0 && s.commitOverrun === 0 &&
          s.dropped === 0;
      });
    } catch {
      return false;
    }
  }

  /** The human-readable `trace` file. */
  readTrace(): string {
    return Deno.readTextFileSync(`${this.root}/trace`);
  }
}

/** The type id of every event tracefs lists, in any system. */
export function eventTypeIds(root: string = TRACEFS): Set<number> {
  const ids = new Set<number>();
  for (const sys of Deno.readDirSync(`${root}/events`)) {
    if (!sys.isDirectory) continue;
    const system = new Tracefs(sys.name, root);
    for (const ev of Deno.readDirSync(`${root}/events/${sys.name}`)) {
      if (!ev.isDirectory) continue;
      try {
        ids.add(system.eventId(ev.name));
      } catch (e) {
        // An event removed since the directory was read.
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    }
  }
  return ids;
}

/** Counters of one CPU's ring buffer, from `per_cpu/cpuN/stats`. */
export interface BufferStats {
  /** Records waiting to be read. */
  readonly entries: number;
  /** Records overwritten before they were read. */
  readonly overrun: number;
  readonly commitOverrun: number;
  /** Records dropped because the buffer was full (overwrite off). */
  readonly dropped: number;
}

/**
 * A `per_cpu/cpuN/stats` file's counters (pure); null when one is missing,
 * so a changed format is never taken for an empty buffer.
 *
 * @example
 * ```ts
 * import { parseBufferStats } from "./tracefs.ts";
 * const s = parseBufferStats("entries: 3\noverrun: 0\ncommit overrun: 0\ndropped events: 0\n");
 * if (s?.entries !== 3) throw new Error();
 * ```
 */
export function parseBufferStats(text: string): BufferStats | null {
  const field = (name: string): number | null => {
    const m = new RegExp(`^${name}: (\\d+)$`, "m").exec(text);
    return m ? Number(m[1]) : null;
  };
  const entries = field("entries");
  const overrun = field("overrun");
  const commitOverrun = field("commit overrun");
  const dropped = field("dropped events");
  if (entries === null || overrun === null || commitOverrun === null || dropped === null) {
    return null;
  }
  return { entries, overrun, commitOverrun, dropped };
}

/** Tracefs files read at every case, open for the rest of the process: path → fd. */
const held = new Map<string, number>();

/**
 * A tracefs file's text through a descriptor kept open for the rest of the
 * process and read at offset 0, for a file that makes its text anew at every
 * read (`per_cpu/cpuN/stats`, `tracing_on`): an open is milliseconds under
 * TCG. Up to 4 KiB.
 */
export function readHeld(path: string): SysResult<string> {
  let fd = held.get(path);
  if (fd === undefined) {
    const o = sysOpen(path, O_RDONLY | O_CLOEXEC);
    if (!o.ok) return o;
    fd = o.value;
    held.set(path, fd);
  }
  const buf = new Uint8Array(4096);
  const r = sysPread(fd, buf, 0);
  return r.ok ? ok(new TextDecoder().decode(buf.subarray(0, r.value))) : r;
}

const cpusOf = new Map<string, number[]>();

/** The CPUs tracefs keeps a buffer for (`per_cpu/cpuN`), listed once per mount: they are the possible CPUs, fixed for the boot. */
function possibleCpus(root: string): number[] {
  let cpus = cpusOf.get(root);
  if (!cpus) {
    cpus = [...Deno.readDirSync(`${root}/per_cpu`)]
      .map((e) => /^cpu(\d+)$/.exec(e.name)?.[1])
      .filter((n) => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    if (cpus.length === 0) throw new Error(`No CPU under ${root}/per_cpu`);
    cpusOf.set(root, cpus);
  }
  return cpus;
}
