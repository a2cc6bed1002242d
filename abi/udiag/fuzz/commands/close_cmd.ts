import type fc from "fast-check";
import type { UdiagModel } from "../model.ts";
import { agree, type RealUdiag } from "../real.ts";

/** close(2) of one open file. */
export class CloseCmd implements fc.Command<UdiagModel, RealUdiag> {
  #h = 0;
  constructor(readonly pick: number) {}
  check(m: Readonly<UdiagModel>): boolean {
    return m.handles().length > 0;
  }
  run(m: UdiagModel, r: RealUdiag): void {
    const hs = m.handles();
    this.#h = hs[this.pick % hs.length]!;
    const got = r.file(this.#h).close();
    r.files.delete(this.#h);
    agree(this.toString(), got, m.close(this.#h));
    r.checkPage(m, this.toString());
  }
  toString(): string {
    return `close(h${this.#h})`;
  }
}
