import type fc from "fast-check";
import type { UdiagModel } from "../model.ts";
import { agree, type RealUdiag } from "../real.ts";

/**
 * PERF_EVENT_IOC_SET_BPF of a tracepoint program on one open perf event: the
 * eBPF sink. The program reads each record at the offsets the format file
 * publishes; drain() compares what it read last with the last payload the
 * model sent to that perf event.
 */
export class BpfAttachCmd implements fc.Command<UdiagModel, RealUdiag> {
  #id = 0;
  constructor(readonly pick: number) {}
  check(m: Readonly<UdiagModel>): boolean {
    return m.perfIds().length > 0;
  }
  run(m: UdiagModel, r: RealUdiag): void {
    const ids = m.perfIds();
    this.#id = ids[this.pick % ids.length]!;
    const got = r.bpfAttach(this.#id, m.perfEvent(this.#id)!);
    agree(this.toString(), got, m.bpfAttach(this.#id));
    r.checkPage(m, this.toString());
  }
  toString(): string {
    return `bpf_attach(p${this.#id})`;
  }
}
