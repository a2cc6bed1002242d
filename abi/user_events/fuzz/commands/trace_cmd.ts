/**
 * ftrace on/off through tracefs `events/user_events/<name>/enable`.
 *
 * @module
 */
import type fc from "fast-check";
import type { UserEventsModel } from "../model.ts";
import { agree, byteCountAsZero, POOL, type RealUserEvents } from "../real.ts";

/** Writes 1 or 0 to events/user_events/NAME/enable. */
export class TraceCmd implements fc.Command<UserEventsModel, RealUserEvents> {
  constructor(readonly name: number, readonly on: boolean) {}
  check(): boolean {
    return true;
  }
  run(m: UserEventsModel, r: RealUserEvents): void {
    const name = POOL[this.name]!;
    const got = byteCountAsZero(r.tracefs.setEnabled(name, this.on));
    agree(this.toString(), got, m.trace(name, this.on));
    r.finish(m, this.toString());
  }
  toString(): string {
    return `trace(${JSON.stringify(POOL[this.name])}, ${this.on ? "on" : "off"})`;
  }
}
