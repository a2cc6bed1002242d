/**
 * Traced writes whose fault points fail one at a time, for every ABI's rules
 * under the `faults` kernel profile: the N-th fault point the write reaches
 * (the user copy of its payload under `fail_usercopy`, or an allocation) is
 * made to fail through fail-nth (harness/faults/failnth.ts), N = 1, 2, … until
 * the write reaches fewer than N. After each write every sink is read back
 * and judged as the payload-limit rules judge a write: its record arrived
 * whole and the write returned its count, or the write failed with an errno
 * and left no record. A write whose copy failed yet returned its count is
 * the finding; the health probe after the rule sees what it left broken.
 *
 * @module
 */
import { showResult, type SysResult } from "../harness/errno.ts";
import { FailNth, type FaultOutcome, withFault } from "../harness/faults/failnth.ts";
import { NR } from "../harness/rawsys.ts";
import type { Recovered } from "../harness/trace/recover.ts";
import type { RuleContext } from "./rule_context.ts";
import { judgeSizedWrite, type Sink } from "./sink_payloads.ts";

/** More fault points than any write of these ABIs reaches: a loop that gets here is a bug. */
const MAX_FAULT_POINTS = 32;

/** One sink traced while the faulted writes run. */
export interface FaultedSink {
  readonly from: Sink;
  /** Drains the sink and returns the event's payloads. */
  recover(): Recovered;
}

/** What {@linkcode judgeFaultedWrites} writes and where it reads it back. */
export interface FaultedWrites {
  /** `system/name`, for the evidence and the C reproducer's oracle. */
  readonly event: string;
  readonly sinks: readonly FaultedSink[];
  /** The payload a sink must give back from a write that returned `count`. */
  readonly sent: Uint8Array;
  readonly count: number;
  /** Makes the write (one write(2) call, which is the one armed). */
  write(): SysResult<number>;
}

/**
 * Makes `call` (whose first system call `nr` is the one armed) with its 1st,
 * 2nd, … fault point failing until a call reaches none, handing each outcome
 * to `judge`; then requires that at least one fault point was reached (else
 * the rule tested nothing). Returns how many were. Throws, naming the
 * profile, on a kernel without fail-nth.
 */
export function eachFaultPoint<T>(
  t: RuleContext,
  nr: number,
  call: () => T,
  judge: (what: string, out: FaultOutcome<T>) => void,
): number {
  using f = FailNth.forRule();
  let reached = 0;
  for (let nth = 1; nth <= MAX_FAULT_POINTS; nth++) {
    const out = withFault(f, nr, nth, call);
    t.expect(`call ${nth} made its system call`, out.called, true);
    judge(
      out.injected
        ? `a call whose fault point ${nth} failed`
        : `a call past its last fault point (${nth - 1})`,
      out,
    );
    if (!out.injected) break;
    reached = nth;
  }
  t.expect("fault points the call reached (at least 1)", reached >= 1, true);
  t.expect(`fewer than ${MAX_FAULT_POINTS} fault points`, reached < MAX_FAULT_POINTS, true);
  return reached;
}

/**
 * Writes `w` with its 1st, 2nd, … fault point failing until a write reaches
 * none, judging every sink after each; the write past the last one must
 * return its count (see {@linkcode eachFaultPoint}).
 */
export function judgeFaultedWrites(t: RuleContext, w: FaultedWrites): void {
  const drain = () => {
    for (const s of w.sinks) s.recover(); // anything older than the write
  };
  drain();
  eachFaultPoint(t, NR.write, () => w.write(), (what, out) => {
    for (const s of w.sinks) {
      judgeSizedWrite(t, s.from, w.event, {
        what: what.replace("a call", "a write"),
        sent: w.sent,
        wrote: out.value,
        count: w.count,
        got: s.recover(),
      });
    }
    if (!out.injected) {
      t.expect(what.replace("a call", "a write"), showResult(out.value), `ok ${w.count}`);
    }
  });
}
