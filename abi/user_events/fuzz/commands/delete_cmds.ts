/**
 * Deleting events: DIAG_IOCSDEL from a given file, and dynamic_events
 * `u:` create and `!u:` delete.
 *
 * @module
 */
import type fc from "fast-check";
import { nameArgs, type UserEventsModel } from "../model.ts";
import { agree, POOL, type RealUserEvents, SETTLE_MS } from "../real.ts";
import { pollSync } from "../../../../harness/poll.ts";
import type { SysResult } from "../../../../harness/errno.ts";

/**
 * Runs a delete; where the model says it succeeds and the kernel says EBUSY
 * while an enabler's reference is still being put after a grace period
 * (`putPending`, the 6.12.117 `queue_rcu_work` put), retries it for a
 * bounded time as the conformance fixture does (NOTES.md §9, UE-DEL-004).
 */
function deleteSettled(
  pending: boolean,
  want: SysResult<number>,
  call: () => SysResult<number>,
): SysResult<number> {
  let got = call();
  if (want.ok && pending && !got.ok && got.errno === "EBUSY") {
    pollSync(() => {
      got = call();
      return got.ok || got.errno !== "EBUSY";
    }, SETTLE_MS);
  }
  return got;
}

/** ioctl(DIAG_IOCSDEL, name) from one open file. */
export class DeleteCmd implements fc.Command<UserEventsModel, RealUserEvents> {
  #h = 0;
  constructor(readonly pick: number, readonly name: number) {}
  check(m: Readonly<UserEventsModel>): boolean {
    return m.fds().length > 0;
  }
  run(m: UserEventsModel, r: RealUserEvents): void {
    const hs = m.fds();
    this.#h = hs[this.pick % hs.length]!;
    const name = POOL[this.name]!;
    const f = r.file(this.#h);
    const pending = m.events().get(name)?.putPending ?? false;
    const want = m.delete(name);
    agree(this.toString(), deleteSettled(pending, want, () => f.delete(name)), want);
    r.finish(m, this.toString());
  }
  toString(): string {
    return `delete(h${this.#h}, ${JSON.stringify(POOL[this.name])})`;
  }
}

/** `u:NAME FIELDS` into dynamic_events. */
export class DynCreateCmd implements fc.Command<UserEventsModel, RealUserEvents> {
  constructor(readonly name: number, readonly fields: number) {}
  check(): boolean {
    return true;
  }
  run(m: UserEventsModel, r: RealUserEvents): void {
    const name = POOL[this.name]!;
    const got = r.dynCreate(nameArgs(name, this.fields));
    agree(this.toString(), got, m.dynCreate(name, this.fields));
    r.finish(m, this.toString());
  }
  toString(): string {
    return `dyn_create(${JSON.stringify(`u:${nameArgs(POOL[this.name]!, this.fields)}`)})`;
  }
}

/** `!u:NAME FIELDS` into dynamic_events. */
export class DynDeleteCmd implements fc.Command<UserEventsModel, RealUserEvents> {
  constructor(readonly name: number, readonly fields: number) {}
  check(): boolean {
    return true;
  }
  run(m: UserEventsModel, r: RealUserEvents): void {
    const name = POOL[this.name]!;
    const pending = m.events().get(name)?.putPending ?? false;
    const want = m.dynDelete(name, this.fields);
    const got = deleteSettled(
      pending,
      want,
      () => r.dynDelete(nameArgs(name, this.fields)),
    );
    agree(this.toString(), got, want);
    r.finish(m, this.toString());
  }
  toString(): string {
    return `dyn_delete(${JSON.stringify(`!u:${nameArgs(POOL[this.name]!, this.fields)}`)})`;
  }
}
