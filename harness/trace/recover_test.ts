import assert from "node:assert/strict";
import { collectRecords, parseRingLayout } from "./ftrace_raw.ts";
import { payloadBytes, PAYLOADS } from "./payloads.ts";
import { payloadsOf } from "./recover.ts";

const DIR = new URL("./testdata/", import.meta.url);
const text = (name: string) => Deno.readTextFileSync(new URL(name, DIR));

Deno.test("payloadsOf() recovers the captured ftrace payloads and words a bad record", () => {
  const format = text("ftrace/format");
  const layout = parseRingLayout(text("ftrace/header_page"), text("ftrace/header_event"));
  const raw = [{ cpu: 1, bytes: Deno.readFileSync(new URL("ftrace/cpu1.raw", DIR)) }];
  const records = collectRecords(layout, raw).records.map((r) => r.data);
  assert.deepEqual(payloadsOf(format, records), {
    payloads: PAYLOADS.map(payloadBytes),
    problems: [],
  });
  // The first record (length 1) with its data_loc length raised to 0x1001.
  const bad = records[0]!.slice();
  bad[15] = 0x10;
  assert.deepEqual(payloadsOf(format, [bad]), {
    payloads: [],
    problems: ['field "data" points at bytes 16..4113, past the 20-byte record'],
  });
});
