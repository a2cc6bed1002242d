/**
 * DIAG_IOCSUNREG of an (address, bit): mostly a live enabler's, sometimes any.
 *
 * @module
 */
import fc from "fast-check";
import { type UserEventsModel, WORDS } from "../model.ts";
import { agree, type RealUserEvents } from "../real.ts";

/** Which (address, bit): the k-th live enabler, or one picked blindly. */
export type UnregisterArg =
  | { readonly kind: "live"; readonly k: number }
  | { readonly kind: "any"; readonly word: number; readonly offset: number; readonly bit: number };

/** Generator: live enablers three times in four. */
export const unregisterArg: fc.Arbitrary<UnregisterArg> = fc.oneof(
  { weight: 3, arbitrary: fc.nat(15).map((k) => ({ kind: "live" as const, k })) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("any" as const),
      word: fc.nat(WORDS - 1),
      offset: fc.constantFrom(0, 4),
      bit: fc.nat(63),
    }),
  },
);

/** ioctl(DIAG_IOCSUNREG) through one open file (the fd does not matter, NOTES.md §8). */
export class UnregisterCmd implements fc.Command<UserEventsModel, RealUserEvents> {
  #h = 0;
  #at = { word: 0, offset: 0, bit: 0 };
  constructor(readonly pick: number, readonly arg: UnregisterArg) {}
  check(m: Readonly<UserEventsModel>): boolean {
    return m.fds().length > 0;
  }
  run(m: UserEventsModel, r: RealUserEvents): void {
    const hs = m.fds();
    this.#h = hs[this.pick % hs.length]!;
    const live = m.enablers();
    const a = this.arg;
    const e = a.kind === "live" && live.length ? live[a.k % live.length]! : null;
    this.#at = e
      ? { word: e.word, offset: e.offset, bit: e.bit }
      : a.kind === "any"
      ? { word: a.word, offset: a.offset, bit: a.bit }
      : { word: 0, offset: 0, bit: 0 };
    const { word, offset, bit } = this.#at;
    const got = r.file(this.#h).unregister(r.address(word, offset), bit);
    const want = m.unregister(word, offset, bit);
    // A faulting enabler unregistered before stays on the mm list until its
    // worker frees it (U:2690-2698): it may match again (0, or EFAULT from
    // the clear) where the model says ENOENT.
    const lingering = !want.ok && want.errno === "ENOENT" && m.lingers(word, offset, bit) &&
      (got.ok || got.errno === "EFAULT");
    if (!lingering) agree(this.toString(), got, want);
    r.finish(m, this.toString());
  }
  toString(): string {
    const { word, offset, bit } = this.#at;
    return `unregister(h${this.#h}, w${word}+${offset}, bit ${bit})`;
  }
}
