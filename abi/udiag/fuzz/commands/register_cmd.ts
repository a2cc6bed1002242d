import type fc from "fast-check";
import type { UdiagModel } from "../model.ts";
import { agree, type RealUdiag } from "../real.ts";
import { type NameChoice, POOL, showName, toModelName, withRealName } from "./names.ts";

/** ioctl(DIAG_IOCSREG, name) on one open file. */
export class RegisterCmd implements fc.Command<UdiagModel, RealUdiag> {
  #h = 0;
  constructor(readonly pick: number, readonly name: NameChoice) {}
  check(m: Readonly<UdiagModel>): boolean {
    return m.handles().length > 0;
  }
  run(m: UdiagModel, r: RealUdiag): void {
    const hs = m.handles();
    this.#h = hs[this.pick % hs.length]!;
    const got = withRealName(this.name, (mem) => r.file(this.#h).register(mem));
    if (got.ok && this.name.kind === "bytes") r.created.push(this.name.bytes);
    const want = m.register(this.#h, toModelName(this.name));
    agree(this.toString(), got, want);
    if (got.ok && this.name.kind === "pool") r.learnFormat(POOL[this.name.i]!);
    r.checkPage(m, this.toString());
  }
  toString(): string {
    return `register(h${this.#h}, ${showName(this.name)})`;
  }
}
