/**
 * A client of tracefs for one trace system (`udiag`, `user_events`, …):
 * enable and disable an event, read its published `format` and id, clear and
 * read the buffer.
 * Writes go through the syscall layer so refusals come back as errno names.
 *
 * @module
 */
import type { SysResult } from "./errno.ts";
import { O_TRUNC, O_WRONLY } from "./libc.ts";
import { sysWriteText } from "./syscall.ts";

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

  /** Empties the trace buffer of every CPU. */
  clear(): SysResult<number> {
    return writeFile(`${this.root}/trace`, "");
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
