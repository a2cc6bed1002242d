/**
 * Consumers' side for the conformance rules: open perf on a udiag event, and
 * recover written payloads from the ftrace buffer and from perf samples with
 * only the published `format` file.
 *
 * @module
 */
import type { SysResult } from "../../../harness/errno.ts";
import type { Fixture } from "./fixture.ts";
import type { RuleContext } from "../../../conformance/rule_context.ts";
import { type PerfEvent, perfOpen } from "../../../harness/trace/perf.ts";
import { readRecords } from "../../../harness/trace/ftrace_reader.ts";
import {
  payloadsOfFtrace,
  payloadsOfPerf,
  type Recovered,
} from "../../../harness/trace/recover.ts";
import { DIAG_SYSTEM } from "../abi.ts";
import { AssertionError } from "node:assert";
import { hex as hexAll, recordExpectation, unrecorded } from "../../../harness/ctrace/record.ts";
import type { PayloadsExpectation } from "../../../harness/ctrace/trace.ts";

/** perf_event_open on `udiag:<name>` for this thread, closed when the fixture ends. */
export function openTracepointPerf(fx: Fixture, name: string): SysResult<PerfEvent> {
  const r = perfOpen(fx.tracefs.eventId(name));
  if (r.ok) fx.defer(() => r.value.close());
  return r;
}

/**
 * Drains the ftrace buffer and returns the payloads of event `name`.
 * Unrecorded: a C reproducer that replayed the drain would eat the records
 * its own check reads (harness/ctrace).
 */
export function recoverFtrace(fx: Fixture, name: string): Recovered {
  return unrecorded(() => drainFtrace(fx, name));
}

function drainFtrace(fx: Fixture, name: string): Recovered {
  const r = readRecords(fx.tracefs.eventId(name));
  if (!r.ok) return { payloads: [], problems: [`trace_pipe_raw: ${r.errno}`] };
  return payloadsOfFtrace(fx.tracefs.format(name), r.value);
}

/** Reads a perf event's new samples and returns their payloads (unrecorded, as above). */
export function recoverPerf(fx: Fixture, name: string, perf: PerfEvent): Recovered {
  return unrecorded(() => {
    const { records } = perf.read();
    return payloadsOfPerf(fx.tracefs.format(name), records);
  });
}

/** Where the payloads of {@linkcode expectRecovered} were read back from. */
export type Sink =
  | { readonly sink: "ftrace" }
  | { readonly sink: "perf"; readonly perf: PerfEvent };

/** How {@linkcode expectRecovered} words its evidence. */
export interface RecoveredLabels {
  /** `records recovered`, `samples recovered`. */
  readonly count: string;
  /** `payload`, `sample`: each payload's evidence is `<label> #i …`. */
  readonly each: string;
}

/**
 * The rule's verdict on payloads read back from a sink: no decode problems,
 * as many as were sent, each byte for byte. The comparisons run unrecorded,
 * so they add no per-call judge pinned to whatever call came last; the one
 * that fails records the oracle as one `payloads` judge instead (its
 * evidence is no single call's answer), still right after the last write.
 */
export function expectRecovered(
  t: RuleContext,
  from: Sink,
  name: string,
  sent: readonly Uint8Array[],
  got: Recovered,
  labels: RecoveredLabels,
): void {
  try {
    unrecorded(() => {
      t.expect("decode problems", got.problems.join("; ") || "none", "none");
      t.expect(labels.count, got.payloads.length, sent.length);
      expectPayloads(t, labels.each, sent, got.payloads);
    });
  } catch (e) {
    if (e instanceof AssertionError) judgePayloads(t, from, name, sent);
    throw e;
  }
}

/**
 * Records the oracle "the records of `name` in the sink decode to exactly
 * `sent`" for a C reproducer, pinned to the last recorded call (the last
 * write): the reproducer reads the sink itself there.
 */
export function judgePayloads(
  t: RuleContext,
  from: Sink,
  name: string,
  sent: readonly Uint8Array[],
): void {
  recordExpectation(t.id, `payloads of ${DIAG_SYSTEM}/${name} via ${from.sink}`, {
    payloads: payloadsExpectation(from, name, sent),
  });
}

function payloadsExpectation(
  from: Sink,
  name: string,
  sent: readonly Uint8Array[],
): PayloadsExpectation {
  const event = `${DIAG_SYSTEM}/${name}`;
  const payloads = sent.map(hexAll);
  if (from.sink === "ftrace") return { sink: "ftrace", event, sent: payloads };
  const ring = `0x${from.perf.mapping.address.toString(16)}`;
  return { sink: "perf", event, sent: payloads, ring };
}

/** Hex of a payload, for evidence. */
export function hex(b: Uint8Array): string {
  return b.length > 24
    ? `${b.length} bytes ${
      [...b.subarray(0, 12)].map((x) => x.toString(16).padStart(2, "0")).join("")
    }…`
    : [...b].map((x) => x.toString(16).padStart(2, "0")).join("") || "(empty)";
}

/** Compares recovered payloads with the sent ones, in order, byte for byte. */
export function expectPayloads(
  t: RuleContext,
  label: string,
  sent: readonly Uint8Array[],
  got: readonly Uint8Array[],
): void {
  sent.forEach((s, i) => {
    const back = got[i] ?? new Uint8Array();
    t.expect(`${label} #${i} (${s.length} bytes) byte for byte`, hex(back), hex(s));
    t.expect(
      `${label} #${i} equal`,
      back.length === s.length && back.every((b, j) => b === s[j]),
      true,
    );
  });
}
