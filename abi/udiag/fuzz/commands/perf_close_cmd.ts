import type fc from "fast-check";
import type { UdiagModel } from "../model.ts";
import { agree, type RealUdiag } from "../real.ts";

/** close(2) of one open perf event. */
export class PerfCloseCmd implements fc.Command<UdiagModel, RealUdiag> {
  #id = 0;
  constructor(readonly pick: number) {}
  check(m: Readonly<UdiagModel>): boolean {
    return m.perfIds().length > 0;
  }
  run(m: UdiagModel, r: RealUdiag): void {
    const ids = m.perfIds();
    this.#id = ids[this.pick % ids.length]!;
    r.perfClose(this.#id);
    agree(this.toString(), { ok: true, value: 0 }, m.perfClose(this.#id));
    r.checkPage(m, this.toString());
  }
  toString(): string {
    return `perf_close(p${this.#id})`;
  }
}
