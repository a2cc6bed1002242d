import assert from "node:assert/strict";
import { LOC_MAX_LENGTH, locPayload } from "./loc_payload.ts";
import { decodeRecord, parseFormat } from "../../../harness/trace/format.ts";

const FORMAT = (decl: string) =>
  parseFormat(
    "name: e\nID: 7\nformat:\n" +
      "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" +
      "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n" +
      "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" +
      "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n" +
      `\tfield:${decl};\toffset:8;\tsize:4;\tsigned:1;\n\nprint fmt: "x"\n`,
  );

/** The record the kernel makes of a payload: an 8-byte trace_entry, then the payload. */
const record = (payload: Uint8Array) => {
  const r = new Uint8Array(8 + payload.length);
  r.set(payload, 8);
  return r;
};

const ramp = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 1) & 0xff);

Deno.test("a framed payload decodes back to its data with only the format", () => {
  for (
    const [kind, decl] of [["data_loc", "__data_loc u8[] data"], [
      "rel_loc",
      "__rel_loc u8[] data",
    ]] as const
  ) {
    for (const n of [0, 1, 4061, LOC_MAX_LENGTH]) {
      const data = ramp(n);
      const p = locPayload(kind, 8, data);
      assert.equal(p.length, n);
      assert.equal(p.payload.length, 4 + n);
      assert.deepEqual(
        decodeRecord(FORMAT(decl), record(p.payload)).get("data"),
        data,
        `${kind} ${n}`,
      );
    }
  }
});

Deno.test("data longer than a loc word can state saturates the length and still rides along", () => {
  const data = ramp(LOC_MAX_LENGTH + 2);
  const p = locPayload("data_loc", 8, data);
  assert.equal(p.length, LOC_MAX_LENGTH);
  assert.equal(p.payload.length, 4 + data.length);
  assert.deepEqual(p.payload.subarray(0, 4), new Uint8Array([12, 0, 0xff, 0xff]));
  assert.deepEqual(
    decodeRecord(FORMAT("__data_loc u8[] data"), record(p.payload)).get("data"),
    data.subarray(0, LOC_MAX_LENGTH),
  );
});

Deno.test("an offset a loc word cannot state is refused", () => {
  assert.throws(() => locPayload("data_loc", 0xfffc, new Uint8Array(1)), RangeError);
  assert.equal(locPayload("rel_loc", 0xfffc, new Uint8Array(1)).payload[0], 0);
});
