import assert from "node:assert/strict";
import {
  decodeRecord,
  decodeRecordResult,
  describeProblem,
  dynamicField,
  fixedEnd,
  locBase,
  parseFieldLine,
  parseFormat,
  RecordDecodeError,
  recordType,
  splitDataLoc,
} from "./format.ts";

const COMMON = [
  "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;",
  "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;",
  "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;",
  "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;",
].join("\n");

function formatText(fields: string, id = 435): string {
  return `name: ev\nID: ${id}\nformat:\n${COMMON}\n\n${fields}\n\nprint fmt: "x=%d", REC->x\n`;
}

/** A record: 8 bytes of trace_entry (type, flags, preempt, pid) then `rest`. */
function record(type: number, pid: number, rest: number[]): Uint8Array {
  const b = new Uint8Array(8 + rest.length);
  const v = new DataView(b.buffer);
  v.setUint16(0, type, true);
  v.setInt32(4, pid, true);
  b.set(rest, 8);
  return b;
}

Deno.test("parseFormat() splits common and event fields at the blank line", () => {
  const f = parseFormat(formatText(
    "\tfield:u32 datalen;\toffset:8;\tsize:4;\tsigned:0;\n" +
      "\tfield:__data_loc char[] data;\toffset:12;\tsize:4;\tsigned:0;",
  ));
  assert.equal(f.name, "ev");
  assert.equal(f.id, 435);
  assert.deepEqual(f.commonFields.map((x) => x.name), [
    "common_type",
    "common_flags",
    "common_preempt_count",
    "common_pid",
  ]);
  assert.deepEqual(f.fields, [
    {
      name: "datalen",
      type: "u32",
      offset: 8,
      size: 4,
      signed: false,
      common: false,
      kind: "int",
    },
    {
      name: "data",
      type: "__data_loc char[]",
      offset: 12,
      size: 4,
      signed: false,
      common: false,
      kind: "data_loc",
    },
  ]);
  assert.equal(f.printFmt, '"x=%d", REC->x');
  assert.equal(fixedEnd(f), 16);
});

Deno.test("parseFormat() reads static arrays, [] arrays, pointers and odd sizes", () => {
  const f = parseFormat(formatText([
    "\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:1;",
    "\tfield:u8 tail[];\toffset:24;\tsize:0;\tsigned:0;",
    "\tfield:const char * fmt;\toffset:24;\tsize:8;\tsigned:0;",
    "\tfield:struct foo blob;\toffset:32;\tsize:12;\tsigned:0;",
    "\tfield:__rel_loc char[] r;\toffset:44;\tsize:4;\tsigned:0;",
  ].join("\n")));
  assert.deepEqual(
    f.fields.map((x) => [x.name, x.type, x.arrayLength, x.kind]),
    [
      ["comm", "char", 16, "array"],
      ["tail", "u8", 0, "array"],
      ["fmt", "const char *", undefined, "int"],
      ["blob", "struct foo", undefined, "bytes"],
      ["r", "__rel_loc char[]", undefined, "rel_loc"],
    ],
  );
});

Deno.test("parseFormat() names the line it cannot parse", () => {
  assert.throws(
    () => parseFormat("name: e\nID: 1\nformat:\n\tfield:int x;\toffset:zero;\n"),
    (e: unknown) => e instanceof SyntaxError && /line 4/.test(e.message),
  );
  assert.throws(() => parseFormat("name: e\nformat:\n"), SyntaxError);
  assert.throws(() => parseFormat("ID: 3\n"), SyntaxError);
  assert.throws(() => parseFormat("name: e\nID: x\n"), /Invalid event ID "x"/);
});

Deno.test("parseFieldLine() takes header_page's 'field: u64 timestamp' and old lines without signed", () => {
  assert.deepEqual(parseFieldLine("\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;"), {
    decl: "u64 timestamp",
    offset: 0,
    size: 8,
    signed: false,
  });
  assert.deepEqual(parseFieldLine("\tfield:int x;\toffset:4;\tsize:4;"), {
    decl: "int x",
    offset: 4,
    size: 4,
    signed: false,
  });
  assert.equal(parseFieldLine("print fmt: x"), null);
});

Deno.test("decodeRecord() reads every integer size with its signedness", () => {
  const f = parseFormat(formatText([
    "\tfield:s8 a;\toffset:8;\tsize:1;\tsigned:1;",
    "\tfield:u8 b;\toffset:9;\tsize:1;\tsigned:0;",
    "\tfield:s16 c;\toffset:10;\tsize:2;\tsigned:1;",
    "\tfield:u32 d;\toffset:12;\tsize:4;\tsigned:0;",
    "\tfield:s32 e;\toffset:16;\tsize:4;\tsigned:1;",
    "\tfield:s64 g;\toffset:24;\tsize:8;\tsigned:1;",
    "\tfield:u64 h;\toffset:32;\tsize:8;\tsigned:0;",
  ].join("\n")));
  const rest = new Uint8Array(32);
  const v = new DataView(rest.buffer);
  v.setInt8(0, -2);
  v.setUint8(1, 254);
  v.setInt16(2, -300, true);
  v.setUint32(4, 0xfffffffe, true);
  v.setInt32(8, -5, true);
  v.setBigInt64(16, -7n, true);
  v.setBigUint64(24, 0xffff_ffff_ffff_fff0n, true);
  const rec = decodeRecord(f, record(435, 99, [...rest]));
  assert.deepEqual(Object.fromEntries(rec), {
    common_type: 435,
    common_flags: 0,
    common_preempt_count: 0,
    common_pid: 99,
    a: -2,
    b: 254,
    c: -300,
    d: 0xfffffffe,
    e: -5,
    g: -7n,
    h: 0xffff_ffff_ffff_fff0n,
  });
});

Deno.test("decodeRecord() gives arrays, odd-sized fields, __data_loc and __rel_loc as bytes", () => {
  const f = parseFormat(formatText([
    "\tfield:char comm[4];\toffset:8;\tsize:4;\tsigned:1;",
    "\tfield:struct x blob;\toffset:12;\tsize:3;\tsigned:0;",
    "\tfield:__data_loc char[] d;\toffset:16;\tsize:4;\tsigned:0;",
    "\tfield:__rel_loc char[] r;\toffset:20;\tsize:4;\tsigned:0;",
  ].join("\n")));
  const rec = decodeRecord(
    f,
    record(1, 1, [
      ...[0x61, 0x62, 0x63, 0], // comm "abc"
      ...[1, 2, 3, 0], // blob and a pad byte
      ...[24, 0, 2, 0], // d: offset 24, length 2
      ...[2, 0, 3, 0], // r: 2 bytes after the field's end (24), length 3
      ...[0xd0, 0xd1, 0xe0, 0xe1, 0xe2],
    ]),
  );
  assert.deepEqual(rec.get("comm"), new Uint8Array([0x61, 0x62, 0x63, 0]));
  assert.deepEqual(rec.get("blob"), new Uint8Array([1, 2, 3]));
  assert.deepEqual(rec.get("d"), new Uint8Array([0xd0, 0xd1]));
  assert.deepEqual(rec.get("r"), new Uint8Array([0xe0, 0xe1, 0xe2]));
});

Deno.test("dynamicField() takes the first __data_loc/__rel_loc field; locBase() where it counts from", () => {
  const cases: { fields: string[]; want: string | undefined; base?: number }[] = [
    { fields: ["\tfield:u32 x;\toffset:8;\tsize:4;\tsigned:0;"], want: undefined },
    {
      fields: [
        "\tfield:u32 x;\toffset:8;\tsize:4;\tsigned:0;",
        "\tfield:__data_loc char[] d;\toffset:12;\tsize:4;\tsigned:0;",
        "\tfield:__rel_loc char[] r;\toffset:16;\tsize:4;\tsigned:0;",
      ],
      want: "d",
      base: 0,
    },
    {
      fields: ["\tfield:__rel_loc char[] r;\toffset:16;\tsize:4;\tsigned:0;"],
      want: "r",
      base: 20,
    },
  ];
  for (const c of cases) {
    const field = dynamicField(parseFormat(formatText(c.fields.join("\n"))));
    assert.equal(field?.name, c.want);
    if (field) assert.equal(locBase(field), c.base);
  }
});

Deno.test("decodeRecordResult() reports a __data_loc past the record as a value", () => {
  const f = parseFormat(
    formatText("\tfield:__data_loc char[] data;\toffset:8;\tsize:4;\tsigned:0;"),
  );
  const r = decodeRecordResult(f, record(1, 1, [12, 0, 9, 0, 0xaa, 0xbb]));
  assert.deepEqual(r, {
    ok: false,
    problems: [{ kind: "data-loc-outside", field: "data", offset: 12, length: 9, recordSize: 14 }],
    partial: new Map<string, number | bigint | Uint8Array>([
      ["common_type", 1],
      ["common_flags", 0],
      ["common_preempt_count", 0],
      ["common_pid", 1],
    ]),
  });
});

Deno.test("decodeRecordResult() flags a __data_loc that points into the fixed fields", () => {
  // The RFC's ftrace record: its data_loc word reads the zero high half of a u64.
  const f = parseFormat(formatText(
    "\tfield:int datalen;\toffset:8;\tsize:4;\tsigned:0;\n" +
      "\tfield:__data_loc char[] data;\toffset:12;\tsize:4;\tsigned:1;",
  ));
  const r = decodeRecordResult(f, record(1, 1, [3, 0, 0, 0, 0, 0, 0, 0, 24, 0, 0, 0, 0, 0, 0, 0]));
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  assert.deepEqual(r.problems, [
    { kind: "data-loc-in-fixed-fields", field: "data", offset: 0, length: 0, fixedEnd: 16 },
  ]);
  assert.equal(r.partial.get("datalen"), 3);
  assert.deepEqual(r.partial.get("data"), new Uint8Array());
});

Deno.test("decodeRecord() throws RecordDecodeError with the problems and what decoded", () => {
  const f = parseFormat(formatText("\tfield:u64 big;\toffset:8;\tsize:8;\tsigned:0;"));
  let e: unknown;
  try {
    decodeRecord(f, record(1, 1, [1, 2]));
  } catch (caught) {
    e = caught;
  }
  assert.ok(e instanceof RecordDecodeError);
  assert.equal(e.code, "ERECORD");
  assert.equal(
    e.message,
    'Cannot decode a record of "ev": field "big" at bytes 8..16 lies past the 10-byte record',
  );
  assert.deepEqual(e.problems.map((p) => p.kind), ["field-outside"]);
  assert.equal(e.partial.get("common_pid"), 1);
});

Deno.test("describeProblem() words each problem kind", () => {
  assert.equal(
    describeProblem({
      kind: "data-loc-in-fixed-fields",
      field: "data",
      offset: 0,
      length: 0,
      fixedEnd: 16,
    }),
    'field "data" points at bytes 0..0, inside the fixed fields that end at 16',
  );
});

Deno.test("splitDataLoc() and recordType() read the kernel's packing", () => {
  assert.deepEqual(splitDataLoc((1000 << 16) | 16), { offset: 16, length: 1000 });
  assert.deepEqual(splitDataLoc(0xffff_ffff), { offset: 0xffff, length: 0xffff });
  assert.equal(recordType(new Uint8Array([0xb3, 0x01, 0, 0])), 435);
  assert.throws(() => recordType(new Uint8Array([1])), RangeError);
});
