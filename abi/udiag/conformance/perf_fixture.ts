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
import { type PerfEvent, perfOpen, sampleRaw } from "../../../harness/trace/perf.ts";
import { readRecords } from "../../../harness/trace/ftrace_reader.ts";
import { payloadsOf, type Recovered } from "../../../harness/trace/recover.ts";

/** perf_event_open on `udiag:<name>` for this thread, closed when the fixture ends. */
export function openTracepointPerf(fx: Fixture, name: string): SysResult<PerfEvent> {
  const r = perfOpen(fx.tracefs.eventId(name));
  if (r.ok) fx.defer(() => r.value.close());
  return r;
}

/** Drains the ftrace buffer and returns the payloads of event `name`. */
export function recoverFtrace(fx: Fixture, name: string): Recovered {
  const r = readRecords(fx.tracefs.eventId(name));
  if (!r.ok) return { payloads: [], problems: [`trace_pipe_raw: ${r.errno}`] };
  const rec = payloadsOf(fx.tracefs.format(name), r.value.records.map((x) => x.data));
  const lost = r.value.lost.length ? [`${r.value.lost.length} page(s) report lost events`] : [];
  const pageProblems = r.value.problems.map((p) =>
    `cpu${p.cpu} page ${p.page}: ${JSON.stringify(p.problem)}`
  );
  return { payloads: rec.payloads, problems: [...rec.problems, ...pageProblems, ...lost] };
}

/** Reads a perf event's new samples and returns their payloads. */
export function recoverPerf(fx: Fixture, name: string, perf: PerfEvent): Recovered {
  const { records } = perf.read();
  const raws = records.map(sampleRaw).filter((r): r is Uint8Array => r !== null);
  return payloadsOf(fx.tracefs.format(name), raws);
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
