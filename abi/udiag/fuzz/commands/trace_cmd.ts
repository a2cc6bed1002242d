import type fc from "fast-check";
import type { UdiagModel } from "../model.ts";
import { agree, type RealUdiag } from "../real.ts";
import { POOL } from "./names.ts";
import type { SysResult } from "../../../../harness/errno.ts";

/** Writes 1 or 0 to tracefs events/udiag/<name>/enable. */
export class TraceCmd implements fc.Command<UdiagModel, RealUdiag> {
  constructor(readonly i: number, readonly on: boolean) {}
  check(): boolean {
    return true;
  }
  run(m: UdiagModel, r: RealUdiag): void {
    const name = POOL[this.i]!;
    if (this.on) r.learnFormat(name);
    const raw = r.tracefs.setEnabled(name, this.on);
    // tracefs answers the byte count written; the model says ok(0).
    const got: SysResult<number> = raw.ok ? { ok: true, value: 0 } : raw;
    agree(this.toString(), got, this.on ? m.ftraceEnable(name) : m.ftraceDisable(name));
    r.checkPage(m, this.toString());
  }
  toString(): string {
    return `ftrace(${JSON.stringify(POOL[this.i])}, ${this.on ? "on" : "off"})`;
  }
}
