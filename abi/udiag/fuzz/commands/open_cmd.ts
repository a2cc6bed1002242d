import type fc from "fast-check";
import type { UdiagModel } from "../model.ts";
import { agree, type RealUdiag } from "../real.ts";

/** Most files a case keeps open at once. */
export const MAX_FILES = 6;

/** open(2) of /dev/udiag. */
export class OpenCmd implements fc.Command<UdiagModel, RealUdiag> {
  check(m: Readonly<UdiagModel>): boolean {
    return m.handles().length < MAX_FILES;
  }
  run(m: UdiagModel, r: RealUdiag): void {
    const h = m.open();
    agree(this.toString(), r.open(h), { ok: true, value: h });
    r.checkPage(m, this.toString());
  }
  toString(): string {
    return "open()";
  }
}
