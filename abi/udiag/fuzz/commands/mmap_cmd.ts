import fc from "fast-check";
import type { MmapRequest, UdiagModel } from "../model.ts";
import { agree, type RealUdiag } from "../real.ts";
import {
  MAP_PRIVATE,
  MAP_SHARED,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
} from "../../../../harness/libc.ts";
import { sysMmap, sysMprotect, sysMunmap } from "../../../../harness/syscall.ts";

/** Generator: one-page read-only maps mostly, then sizes, offsets, protections. */
export const mmapArg: fc.Arbitrary<MmapRequest & { readonly reprotect: number | null }> = fc.record(
  {
    length: fc.oneof({ weight: 6, arbitrary: fc.constant(4096) }, {
      weight: 2,
      arbitrary: fc.integer({ min: 1, max: 5 * 4096 }),
    }, { weight: 1, arbitrary: fc.constant(0) }),
    prot: fc.constantFrom(PROT_READ, PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE, PROT_NONE),
    flags: fc.constantFrom(MAP_SHARED, MAP_SHARED, MAP_PRIVATE),
    offset: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, {
      weight: 1,
      arbitrary: fc.constant(4096),
    }),
    reprotect: fc.constantFrom(null, PROT_READ | PROT_WRITE, PROT_NONE, PROT_READ),
  },
);

/** mmap(2) of the device, then maybe mprotect(2), compared with the model. */
export class MmapCmd implements fc.Command<UdiagModel, RealUdiag> {
  constructor(readonly arg: MmapRequest & { readonly reprotect: number | null }) {}
  check(): boolean {
    return true;
  }
  run(m: UdiagModel, r: RealUdiag): void {
    const a = this.arg;
    const got = sysMmap(a.length, a.prot, a.flags, r.control().fd, a.offset ?? 0);
    agree(this.toString(), got.ok ? { ok: true, value: a.length } : got, m.mmapResult(a));
    if (got.ok) {
      if (a.reprotect !== null) {
        agree(
          `mprotect(${a.reprotect}) after ${this}`,
          sysMprotect(got.value.address, got.value.length, a.reprotect),
          m.mprotectResult(a.reprotect),
        );
      }
      sysMunmap(got.value.address, got.value.length);
    }
    r.checkPage(m, this.toString());
  }
  toString(): string {
    const a = this.arg;
    return `mmap(len=${a.length}, prot=${a.prot}, flags=${a.flags}, off=${a.offset ?? 0})`;
  }
}
