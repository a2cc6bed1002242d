/**
 * Payloads back from raw trace records, using only each event's published
 * `format` file: what a consumer of the ABI can do, and all we allow ourselves.
 *
 * @module
 */
import { decodeRecordResult, describeProblem, parseFormat } from "./format.ts";

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
