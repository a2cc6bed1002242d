import fc from "fast-check";
import type { Payload, UdiagModel } from "../model.ts";
import { agree, type RealUdiag } from "../real.ts";

/** A write(2)/pwrite(2) argument: payload bytes (or an unmapped buffer) and an offset. */
export interface WriteArg {
  readonly payload: Payload;
  readonly offset: number;
}

/** Generator: small payloads mostly, then empty, large, at the size limit, unmapped, and offsets. */
export const writeArg: fc.Arbitrary<WriteArg> = fc.record({
  payload: fc.oneof(
    { weight: 10, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }) },
    { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
    // size "max": fast-check's default size keeps arrays within a few bytes of minLength.
    { weight: 2, arbitrary: fc.uint8Array({ minLength: 65, maxLength: 3000, size: "max" }) },
    // Around the largest traced record (abi.ts maxTracedPayload), and far past it.
    {
      weight: 1,
      arbitrary: fc.constantFrom(4047, 4048, 4049, 4057, 8192, 65536).map((n) => new Uint8Array(n)),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1, max: 256 }).map((length) => ({
        fault: true as const,
        length,
      })),
    },
  ),
  offset: fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, {
    weight: 1,
    arbitrary: fc.nat(8192),
  }),
});

/** Address of an unmapped user buffer: below mmap_min_addr, never mapped. */
const UNMAPPED = 0x1000n;

/** write(2) (or pwrite(2) at an offset) on one open file. */
export class WriteCmd implements fc.Command<UdiagModel, RealUdiag> {
  #h = 0;
  constructor(readonly pick: number, readonly arg: WriteArg) {}
  check(m: Readonly<UdiagModel>): boolean {
    return m.handles().length > 0;
  }
  run(m: UdiagModel, r: RealUdiag): void {
    // Half the picks go to a file with an event, when there is one: a write
    // that reaches the sinks is what the oracles need, ENOENT the rest.
    const all = m.handles();
    const registered = all.filter((h) => m.handleEvent(h) !== undefined);
    const hs = this.pick % 2 === 0 && registered.length ? registered : all;
    this.#h = hs[(this.pick >> 1) % hs.length]!;
    const { payload, offset } = this.arg;
    const mem = payload instanceof Uint8Array ? payload : UNMAPPED;
    const f = r.file(this.#h);
    const got = offset === 0 ? f.write(mem, payload.length) : f.pwrite(mem, offset, payload.length);
    agree(this.toString(), got, m.write(this.#h, payload, offset));
    r.checkPage(m, this.toString());
  }
  toString(): string {
    const p = this.arg.payload;
    const what = p instanceof Uint8Array ? `${p.length} bytes` : `unmapped ${p.length} bytes`;
    return this.arg.offset === 0
      ? `write(h${this.#h}, ${what})`
      : `pwrite(h${this.#h}, ${what}, ${this.arg.offset})`;
  }
}
