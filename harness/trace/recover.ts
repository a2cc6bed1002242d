/**
 * Payloads back from raw trace records, using only each event's published
 * `format` file: what a consumer of the ABI can do, and all we allow ourselves.
 *
 * @module
 */
import { decodeRecordResult, describeProblem, parseFormat } from "./format.ts";
import type { TraceCollection } from "./ftrace_raw.ts";
import { type PerfRecord, sampleRaw } from "./perf.ts";

/** Payloads recovered from records, and what did not decode. */
export interface Recovered {
  readonly payloads: Uint8Array[];
  readonly problems: string[];
}

/** Decodes each raw record with the published format and takes its `data` field. */
export function payloadsOf(formatText: string, records: readonly Uint8Array[]): Recovered {
  const format = parseFormat(formatText);
  const payloads: Uint8Array[] = [];
  const problems: string[] = [];
  for (const rec of records) {
    const d = decodeRecordResult(format, rec);
    if (!d.ok) {
      problems.push(d.problems.map(describeProblem).join("; "));
      continue;
    }
    const data = d.value.get("data");
    if (data instanceof Uint8Array) payloads.push(data);
    else problems.push("record has no data field");
  }
  return { payloads, problems };
}

/**
 * The payloads of an event's records drained from ftrace: record problems,
 * then page problems, then pages that report lost events, as one list (what
 * UD-TR-002 compares, and what the C reproducer's check mirrors).
 */
export function payloadsOfFtrace(formatText: string, c: TraceCollection): Recovered {
  const rec = payloadsOf(formatText, c.records.map((x) => x.data));
  const lost = c.lost.length ? [`${c.lost.length} page(s) report lost events`] : [];
  const pageProblems = c.problems.map((p) =>
    `cpu${p.cpu} page ${p.page}: ${JSON.stringify(p.problem)}`
  );
  return { payloads: rec.payloads, problems: [...rec.problems, ...pageProblems, ...lost] };
}

/** The payloads of the `PERF_SAMPLE_RAW` samples among perf records (ring problems are not words). */
export function payloadsOfPerf(formatText: string, records: readonly PerfRecord[]): Recovered {
  const raws = records.map(sampleRaw).filter((r): r is Uint8Array => r !== null);
  return payloadsOf(formatText, raws);
}
