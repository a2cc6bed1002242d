/**
 * The RFC's records under the RFC's own format file. The RFC's C (its
 * structs, `diag_event_define_fields`, `diag_probe_trace`,
 * `diag_probe_perf`, taken from the patch text, not retyped) is compiled
 * with gcc against stubs of the kernel calls it makes; the stubs print the
 * format lines as `f_show()` does and the bytes the RFC hands to the ring
 * buffer and to perf. A decoder that reads only that format must fail on
 * those bytes: ftrace's data_loc reads the zero high half of a u64, perf's
 * reads the first payload bytes.
 */
import assert from "node:assert/strict";
import { decodeRecordResult, parseFormat } from "./format.ts";
import { payloadBytes, PAYLOADS } from "./payloads.ts";
import { rfcFormat, runRfc } from "./rfc_fixture.ts";

let ran: ReturnType<typeof runRfc> | undefined;
/** The RFC's output, compiled and run once for all tests. */
function rfcOutput(): ReturnType<typeof runRfc> {
  return ran ??= runRfc();
}

Deno.test("the RFC's diag_event_define_fields() publishes datalen at 8 and data_loc at 12", async () => {
  const rfc = await rfcOutput();
  assert.equal(
    rfc.fields,
    "\tfield:int datalen;\toffset:8;\tsize:4;\tsigned:0;\n" +
      "\tfield:__data_loc char[] data;\toffset:12;\tsize:4;\tsigned:1;",
  );
});

Deno.test("decodeRecordResult() with the RFC's format cannot recover an RFC ftrace payload", async () => {
  const rfc = await rfcOutput();
  const format = parseFormat(rfcFormat(rfc.fields));
  assert.equal(rfc.ftrace.length, PAYLOADS.length);
  for (const [i, spec] of PAYLOADS.entries()) {
    const r = decodeRecordResult(format, rfc.ftrace[i]!);
    // datalen is right (the low half of the u64), data_loc is the zero high half.
    assert.ok(!r.ok, spec.name);
    assert.equal(r.partial.get("datalen"), spec.length, spec.name);
    assert.deepEqual(r.problems, [
      { kind: "data-loc-in-fixed-fields", field: "data", offset: 0, length: 0, fixedEnd: 16 },
    ], spec.name);
    assert.notDeepEqual(r.partial.get("data"), payloadBytes(spec), spec.name);
  }
});

Deno.test("decodeRecordResult() with the RFC's format cannot recover an RFC perf payload", async () => {
  const rfc = await rfcOutput();
  const format = parseFormat(rfcFormat(rfc.fields));
  assert.equal(rfc.perf.length, PAYLOADS.length);
  // The perf record is trace_entry, int udatalen, payload: "data_loc" is the payload's first bytes.
  const kinds = PAYLOADS.map((spec, i) => {
    const r = decodeRecordResult(format, rfc.perf[i]!);
    assert.ok(!r.ok, spec.name);
    assert.notDeepEqual(r.partial.get("data"), payloadBytes(spec), spec.name);
    return `${spec.name}: ${r.problems.map((p) => p.kind).join(",")}`;
  });
  assert.deepEqual(kinds, [
    "up1: data-loc-in-fixed-fields", // [00 00 00 00]: offset 0, length 0
    "down1: data-loc-outside", // [ff 00 00 00]: offset 255
    "up7: data-loc-outside", // [00 01 02 03]: offset 256, length 770
    "down7: data-loc-outside",
    "up64: data-loc-outside",
    "down64: data-loc-outside",
    "up1000: data-loc-outside",
    "down1000: data-loc-outside",
  ]);
});
