/**
 * Changes how a page of enable words is mapped: read-write, read-only,
 * PROT_NONE, or unmapped (and remapped zeroed when it comes back).
 *
 * @module
 */
import type fc from "fast-check";
import type { PageState, UserEventsModel } from "../model.ts";
import type { RealUserEvents } from "../real.ts";

/** mprotect(2)/munmap(2) of one enable-word page; not a kernel answer, only its effects are checked. */
export class ProtectCmd implements fc.Command<UserEventsModel, RealUserEvents> {
  constructor(readonly page: number, readonly to: PageState) {}
  check(m: Readonly<UserEventsModel>): boolean {
    return m.page(this.page) !== this.to;
  }
  run(m: UserEventsModel, r: RealUserEvents): void {
    r.protect(this.page, this.to);
    m.protect(this.page, this.to);
    r.finish(m, this.toString());
  }
  toString(): string {
    return `protect(page ${this.page}, ${this.to})`;
  }
}
