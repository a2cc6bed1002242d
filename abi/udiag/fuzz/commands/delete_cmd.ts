import type fc from "fast-check";
import type { UdiagModel } from "../model.ts";
import { agree, type RealUdiag } from "../real.ts";
import { type NameChoice, showName, toModelName, withRealName } from "./names.ts";

/** ioctl(DIAG_IOCSDEL, name), from a file of its own. */
export class DeleteCmd implements fc.Command<UdiagModel, RealUdiag> {
  constructor(readonly name: NameChoice) {}
  check(): boolean {
    return true;
  }
  run(m: UdiagModel, r: RealUdiag): void {
    const got = withRealName(this.name, (mem) => r.control().delete(mem));
    agree(this.toString(), got, m.delete(toModelName(this.name)));
    r.checkPage(m, this.toString());
  }
  toString(): string {
    return `delete(${showName(this.name)})`;
  }
}
