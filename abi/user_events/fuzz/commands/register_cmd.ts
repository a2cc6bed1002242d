/**
 * DIAG_IOCSREG of a pool name and field list on one of the case's enable words.
 *
 * @module
 */
import fc from "fast-check";
import { nameArgs, type RegisterArgs, type UserEventsModel, WORDS } from "../model.ts";
import { agree, POOL, type RealUserEvents } from "../real.ts";
import { USER_EVENT_REG_PERSIST } from "../../abi.ts";
import { FIELD_POOL } from "../model.ts";

/** A register's arguments, the handle aside. */
export type RegisterArg = Omit<RegisterArgs, "fd" | "name"> & { readonly name: number };

/** Generator: valid sizes and bits mostly, offset 4 with size 8 now and then (misaligned). */
export const registerArg: fc.Arbitrary<RegisterArg> = fc.record({
  name: fc.nat(POOL.length - 1),
  fields: fc.nat(FIELD_POOL.length - 1),
  size: fc.constantFrom(4, 4, 8),
  bit: fc.nat(63),
  word: fc.nat(WORDS - 1),
  offset: fc.constantFrom(0, 0, 4),
  persist: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, {
    weight: 1,
    arbitrary: fc.constant(true),
  }),
}).map((a) => ({ ...a, bit: a.size === 4 ? a.bit % 32 : a.bit }));

/** ioctl(DIAG_IOCSREG) on one open file. */
export class RegisterCmd implements fc.Command<UserEventsModel, RealUserEvents> {
  #h = 0;
  constructor(readonly pick: number, readonly arg: RegisterArg) {}
  check(m: Readonly<UserEventsModel>): boolean {
    return m.fds().length > 0;
  }
  run(m: UserEventsModel, r: RealUserEvents): void {
    const hs = m.fds();
    this.#h = hs[this.pick % hs.length]!;
    const a = this.arg;
    const name = POOL[a.name]!;
    const got = r.file(this.#h).register({
      nameArgs: nameArgs(name, a.fields),
      enableAddr: r.address(a.word, a.offset),
      enableBit: a.bit,
      enableSize: a.size,
      flags: a.persist ? USER_EVENT_REG_PERSIST : 0,
    });
    // An unregistered faulting enabler stays on the mm list until its fault
    // worker frees it (U:2690-2698): EADDRINUSE there is one of the answers
    // NOTES.md §8 allows, and then nothing changed.
    if (!got.ok && got.errno === "EADDRINUSE" && m.lingers(a.word, a.offset, a.bit)) {
      r.finish(m, this.toString());
      return;
    }
    agree(this.toString(), got, m.register({ ...a, fd: this.#h, name }));
    r.finish(m, this.toString());
  }
  toString(): string {
    const a = this.arg;
    return `register(h${this.#h}, ${
      JSON.stringify(nameArgs(POOL[a.name]!, a.fields))
    }, w${a.word}+${a.offset}, size ${a.size}, bit ${a.bit}${a.persist ? ", PERSIST" : ""})`;
  }
}
