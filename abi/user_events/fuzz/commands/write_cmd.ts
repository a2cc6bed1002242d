/**
 * write(2)/writev(2) of a write index and a small payload, the index chosen
 * by kind: one of this file's, another file's, negative, past the table.
 *
 * @module
 */
import fc from "fast-check";
import type { UserEventsModel } from "../model.ts";
import { agree, type RealUserEvents } from "../real.ts";

/** How the index is chosen; `len` payload bytes; `vector` uses writev; `short` writes < 4 bytes. */
export interface WriteArg {
  readonly index: "own" | "other" | "negative" | "out";
  readonly k: number;
  readonly len: number;
  readonly vector: boolean;
  readonly short: boolean;
}

/** Generator: this file's indexes mostly. */
export const writeArg: fc.Arbitrary<WriteArg> = fc.record({
  index: fc.constantFrom("own", "own", "own", "other", "negative", "out"),
  k: fc.nat(7),
  len: fc.nat(12),
  vector: fc.boolean(),
  short: fc.oneof({ weight: 15, arbitrary: fc.constant(false) }, {
    weight: 1,
    arbitrary: fc.constant(true),
  }),
});

/** The write index `a` names on handle `h` (the model's tables decide). */
export function indexOf(m: Readonly<UserEventsModel>, h: number, a: WriteArg): number {
  const own = m.table(h).length;
  switch (a.index) {
    case "own":
      return own ? a.k % own : 0;
    case "other": {
      const others = m.fds().filter((x) => x !== h).map((x) => m.table(x).length).filter((n) =>
        n > 0
      );
      return others.length ? a.k % others[a.k % others.length]! : a.k;
    }
    case "negative":
      return a.k % 2 ? -1 : -0x80000000;
    case "out":
      return own + (a.k % 3);
  }
}

/** Writes one frame on one open file. */
export class WriteCmd implements fc.Command<UserEventsModel, RealUserEvents> {
  #h = 0;
  #index = 0;
  constructor(readonly pick: number, readonly arg: WriteArg) {}
  check(m: Readonly<UserEventsModel>): boolean {
    return m.fds().length > 0;
  }
  run(m: UserEventsModel, r: RealUserEvents): void {
    const hs = m.fds();
    this.#h = hs[this.pick % hs.length]!;
    const a = this.arg;
    const f = r.file(this.#h);
    if (a.short) {
      // Fewer than 4 bytes: EFAULT (U:2293-2294); write(fd, p, 0) reaches the driver too.
      agree(this.toString(), f.writeRaw(new Uint8Array(a.len % 4)), m.shortWrite(this.#h));
    } else {
      this.#index = indexOf(m, this.#h, a);
      const payload = new Uint8Array(a.len).map((_, i) => i + 1);
      const got = a.vector ? f.writev(this.#index, payload) : f.write(this.#index, payload);
      agree(this.toString(), got, m.write(this.#h, this.#index, a.len));
    }
    r.finish(m, this.toString());
  }
  toString(): string {
    const a = this.arg;
    if (a.short) return `short_write(h${this.#h}, ${a.len % 4} bytes)`;
    const idx = a.index === "own" || a.index === "other" ? `${a.index} ${this.#index}` : a.index;
    return `${a.vector ? "writev" : "write"}(h${this.#h}, index ${idx}, ${a.len} bytes)`;
  }
}
