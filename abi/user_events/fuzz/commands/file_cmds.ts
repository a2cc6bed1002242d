/**
 * Opening and closing `user_events_data` files.
 *
 * @module
 */
import type fc from "fast-check";
import type { UserEventsModel } from "../model.ts";
import { agree, type RealUserEvents } from "../real.ts";

/** open(user_events_data). */
export class OpenCmd implements fc.Command<UserEventsModel, RealUserEvents> {
  #h = 0;
  check(m: Readonly<UserEventsModel>): boolean {
    return m.fds().length < 4;
  }
  run(m: UserEventsModel, r: RealUserEvents): void {
    this.#h = m.open();
    agree(this.toString(), r.open(this.#h), { ok: true, value: this.#h });
    r.finish(m, this.toString());
  }
  toString(): string {
    return `open() = h${this.#h}`;
  }
}

/** close(2) of one open file: its events lose that reference (U:2753-2793). */
export class CloseCmd implements fc.Command<UserEventsModel, RealUserEvents> {
  #h = 0;
  constructor(readonly pick: number) {}
  check(m: Readonly<UserEventsModel>): boolean {
    return m.fds().length > 0;
  }
  run(m: UserEventsModel, r: RealUserEvents): void {
    const hs = m.fds();
    this.#h = hs[this.pick % hs.length]!;
    const got = r.file(this.#h).close();
    r.files.delete(this.#h);
    agree(this.toString(), got, m.close(this.#h));
    r.finish(m, this.toString());
  }
  toString(): string {
    return `close(h${this.#h})`;
  }
}
