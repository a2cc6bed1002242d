import type fc from "fast-check";
import type { UdiagModel } from "../model.ts";
import { agree, type RealUdiag } from "../real.ts";
import { POOL } from "./names.ts";

/** Most perf events a case keeps open (each maps 3 pages). */
export const MAX_PERF = 3;

/**
 * perf_event_open on tracepoint udiag:<name> for this thread; with `bpf`,
 * an eBPF program attached to it at once (as bpf_attach_cmd.ts does), so
 * that the eBPF sink is in reach of short sequences.
 */
export class PerfOpenCmd implements fc.Command<UdiagModel, RealUdiag> {
  constructor(readonly i: number, readonly bpf = false) {}
  check(m: Readonly<UdiagModel>): boolean {
    return m.perfIds().length < MAX_PERF;
  }
  run(m: UdiagModel, r: RealUdiag): void {
    const name = POOL[this.i]!;
    const want = m.perfOpen(name);
    const got = r.perfOpen(want.ok ? want.value : -1, name);
    agree(this.toString(), got, want);
    if (this.bpf && want.ok) {
      agree(`bpf_attach(p${want.value})`, r.bpfAttach(want.value, name), m.bpfAttach(want.value));
    }
    r.checkPage(m, this.toString());
  }
  toString(): string {
    return `perf_open(${JSON.stringify(POOL[this.i])}${this.bpf ? ", bpf" : ""})`;
  }
}
