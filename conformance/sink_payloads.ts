/**
 * Payloads read back from a trace sink, for every ABI's rules: drain the
 * ftrace buffer or a perf ring and decode the event's records with only its
 * published `format`, then judge them against what was written (byte for
 * byte, as many as were sent), recording the oracle for a C reproducer
 * (harness/ctrace) when it fails.
 *
 * @module
 */
import { AssertionError } from "node:assert";
import type { SysResult } from "../harness/errno.ts";
import type { Tracefs } from "../harness/tracefs.ts";
import type { PerfEvent } from "../harness/trace/perf.ts";
import { readRecords } from "../harness/trace/ftrace_reader.ts";
import { payloadsOfFtrace, payloadsOfPerf, type Recovered } from "../harness/trace/recover.ts";
import { hex as hexAll, recordExpectation, unrecorded } from "../harness/ctrace/record.ts";
import type { PayloadsExpectation } from "../harness/ctrace/trace.ts";
import type { RuleContext } from "./rule_context.ts";

/** Where payloads were read back from. */
export type Sink =
  | { readonly sink: "ftrace" }
  | { readonly sink: "perf"; readonly perf: PerfEvent };

/**
 * Drains every CPU's ftrace buffer and returns the payloads of event `name`
 * of `tracefs`'s system. Unrecorded: a C reproducer that replayed the drain
 * would eat the records its own check reads (harness/ctrace).
 */
export function recoverFtrace(tracefs: Tracefs, name: string): Recovered {
  return unrecorded(() => {
    const r = readRecords(tracefs.eventId(name));
    if (!r.ok) return { payloads: [], problems: [`trace_pipe_raw: ${r.errno}`] };
    return payloadsOfFtrace(tracefs.format(name), r.value);
  });
}

/** Reads a perf event's new samples and returns their payloads (unrecorded, as above). */
export function recoverPerf(tracefs: Tracefs, name: string, perf: PerfEvent): Recovered {
  return unrecorded(() => payloadsOfPerf(tracefs.format(name), perf.read().records));
}

/** How {@linkcode expectRecovered} words its evidence. */
export interface RecoveredLabels {
  /** `records recovered`, `samples recovered`. */
  readonly count: string;
  /** `payload`, `sample`: each payload's evidence is `<label> #i …`. */
  readonly each: string;
}

/**
 * The rule's verdict on payloads read back from a sink for `event`
 * (`system/name`): no decode problems, as many as were sent, each byte for
 * byte. The comparisons run unrecorded, so they add no per-call judge pinned
 * to whatever call came last; the one that fails records the oracle as one
 * `payloads` judge instead (its evidence is no single call's answer), still
 * right after the last write.
 */
export function expectRecovered(
  t: RuleContext,
  from: Sink,
  event: string,
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
    if (e instanceof AssertionError) judgePayloads(t, from, event, sent);
    throw e;
  }
}

/**
 * Records the oracle "the records of `event` in the sink decode to exactly
 * `sent`" for a C reproducer, pinned to the last recorded call (the last
 * write): the reproducer reads the sink itself there.
 */
export function judgePayloads(
  t: RuleContext,
  from: Sink,
  event: string,
  sent: readonly Uint8Array[],
): void {
  const payloads = sent.map(hexAll);
  const expectation: PayloadsExpectation = from.sink === "ftrace"
    ? { sink: "ftrace", event, sent: payloads }
    : { sink: "perf", event, sent: payloads, ring: `0x${from.perf.mapping.address.toString(16)}` };
  recordExpectation(t.id, `payloads of ${event} via ${from.sink}`, { payloads: expectation });
}

/**
 * The rule's verdict when the sink must hold no record of `event`: the
 * comparison runs unrecorded and, when records came back, the oracle is
 * recorded as a `payloads` judge of none (as {@linkcode expectRecovered}).
 */
export function expectNoRecords(
  t: RuleContext,
  from: Sink,
  event: string,
  got: Recovered,
  what = "records",
): void {
  if (got.payloads.length) judgePayloads(t, from, event, []);
  unrecorded(() => t.expect(what, got.payloads.length, 0));
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

/**
 * A ramp of `n` bytes (7 apart, so no two neighbours repeat a page's
 * pattern): a record cut short or shifted shows.
 */
export function ramp(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + 1) & 0xff;
  return b;
}

/** One write of a payload-limit rule and what the sink held after it. */
export interface SizedWrite {
  /** How the evidence names the write: `a 4047-byte write`. */
  readonly what: string;
  /** The payload the sink must give back when the write returned `count`. */
  readonly sent: Uint8Array;
  readonly wrote: SysResult<number>;
  /** The count a write that took everything returns. */
  readonly count: number;
  readonly got: Recovered;
}

/**
 * The payload-limit verdict on one write: it returned its whole count and
 * exactly its record arrived whole, or it failed with an errno and left no
 * record; a write that returns its count while the record vanishes (or a
 * short count) is the violation.
 */
export function judgeSizedWrite(t: RuleContext, from: Sink, event: string, w: SizedWrite): void {
  if (w.wrote.ok && w.wrote.value === w.count) {
    expectRecovered(t, from, event, [w.sent], w.got, {
      count: `${from.sink} records of ${w.what} that returned ${w.count}`,
      each: `payload of ${w.what}`,
    });
  } else if (!w.wrote.ok) {
    t.note(w.what, w.wrote.errno);
    expectNoRecords(t, from, event, w.got, `${from.sink} records of ${w.what} that failed`);
  } else {
    t.expect(w.what, w.wrote, { ok: true, value: w.count });
  }
}
