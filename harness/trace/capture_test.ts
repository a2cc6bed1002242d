/**
 * The decoders on bytes captured in the guest (testdata/README.md says how):
 * every known payload must come back byte for byte, through the published
 * format file only, from the ftrace pages and from both perf ring snapshots.
 */
import assert from "node:assert/strict";
import {
  type DecodedRecord,
  decodeRecord,
  type EventFormat,
  parseFormat,
  recordPid,
} from "./format.ts";
import { collectRecords, type CpuRaw, parseRingLayout, type RingLayout } from "./ftrace_raw.ts";
import { readRecords } from "./ftrace_reader.ts";
import { decodePerfSnapshot, PERF_RECORD_SAMPLE, sampleRaw } from "./perf.ts";
import { payloadByName, payloadBytes, PAYLOADS } from "./payloads.ts";

const DIR = new URL("./testdata/", import.meta.url);
const read = (name: string) => Deno.readFileSync(new URL(name, DIR));
const readText = (name: string) => Deno.readTextFileSync(new URL(name, DIR));

const FORMAT: EventFormat = parseFormat(readText("ftrace/format"));
const LAYOUT: RingLayout = parseRingLayout(
  readText("ftrace/header_page"),
  readText("ftrace/header_event"),
);
const MANIFEST = JSON.parse(readText("manifest.json")) as { pid: number; eventId: number };

function cpuRaws(): CpuRaw[] {
  return [...Deno.readDirSync(new URL("ftrace/", DIR))]
    .map((e) => /^cpu(\d+)\.raw$/.exec(e.name))
    .filter((m) => m !== null)
    .map((m) => ({ cpu: Number(m[1]), bytes: read(`ftrace/${m[0]}`) }));
}

/** Where the records of one row come from. */
interface Row {
  readonly source: string;
  readonly records: () => Uint8Array[];
  /** Payload names, in write order. */
  readonly want: readonly string[];
}

const ROUND = PAYLOADS.map((p) => p.name);

const ROWS: readonly Row[] = [
  {
    source: "ftrace/cpu*.raw",
    records: () => {
      const c = collectRecords(LAYOUT, cpuRaws(), FORMAT.id);
      assert.deepEqual(c.problems, []);
      assert.deepEqual(c.lost, []);
      return c.records.map((r) => r.data);
    },
    want: ROUND,
  },
  ...["perf/ring.bin", "perf/ring_wrap.bin"].map((source) => ({
    source,
    records: () => {
      const s = decodePerfSnapshot(read(source));
      assert.deepEqual(s.problems, []);
      assert.equal(s.end, s.meta.dataHead);
      assert.ok(s.records.every((r) => r.type === PERF_RECORD_SAMPLE));
      return s.records.map((r) => sampleRaw(r)!);
    },
    want: ROUND,
  })),
];

function decodeAll(records: readonly Uint8Array[]): DecodedRecord[] {
  return records.map((r) => decodeRecord(FORMAT, r));
}

for (const row of ROWS) {
  Deno.test(`decodeRecord() recovers every payload of testdata/${row.source}`, () => {
    const recs = decodeAll(row.records());
    assert.deepEqual(
      recs.map((r) => r.get("data")),
      row.want.map((n) => payloadBytes(payloadByName(n))),
    );
    assert.deepEqual(
      recs.map((r) => r.get("datalen")),
      row.want.map((n) => payloadByName(n).length),
    );
    for (const r of recs) {
      assert.equal(r.get("common_type"), FORMAT.id);
      assert.equal(r.get("common_pid"), MANIFEST.pid);
    }
  });
}

Deno.test("testdata/ftrace/format is what our module defines", () => {
  assert.equal(FORMAT.id, MANIFEST.eventId);
  assert.deepEqual(
    FORMAT.fields.map((f) => [f.type, f.name, f.offset, f.size, f.signed]),
    [["u32", "datalen", 8, 4, false], ["__data_loc char[]", "data", 12, 4, false]],
  );
  assert.equal(FORMAT.printFmt, '"datalen=%d", REC->datalen');
});

Deno.test("testdata header_page and header_event describe 4 KiB pages with 8-byte commits", () => {
  assert.equal(LAYOUT.page.pageSize, 4096);
  assert.deepEqual(LAYOUT.page.commit, { offset: 8, size: 8 });
  assert.equal(LAYOUT.page.data.offset, 16);
  assert.equal(LAYOUT.event.dataMaxTypeLen, 28);
});

Deno.test("testdata/perf/ring_wrap.bin holds a record that wraps the data area", () => {
  const s = decodePerfSnapshot(read("perf/ring_wrap.bin"));
  const size = s.meta.dataSize;
  assert.ok(s.records.some((r) => (r.position % size) + BigInt(r.size) > size));
  assert.ok(s.meta.dataTail > 0n);
});

Deno.test("ftrace and perf records of testdata carry the same event fields", () => {
  const ftrace = collectRecords(LAYOUT, cpuRaws(), FORMAT.id).records.map((r) => r.data);
  const perf = decodePerfSnapshot(read("perf/ring.bin")).records.map((r) => sampleRaw(r)!);
  for (const [i, spec] of PAYLOADS.entries()) {
    // After the 8-byte trace_entry: datalen, data_loc, payload.
    const end = 16 + spec.length;
    assert.deepEqual(ftrace[i]!.subarray(8, end), perf[i]!.subarray(8, end), spec.name);
  }
});

Deno.test("readRecords() decodes the captured pages through a tracefs-shaped directory", async () => {
  const root = await Deno.makeTempDir({ prefix: "udiag-tracefs-" });
  await Deno.mkdir(`${root}/events`);
  for (const f of ["header_page", "header_event"]) {
    await Deno.copyFile(new URL(`ftrace/${f}`, DIR), `${root}/events/${f}`);
  }
  for (const { cpu, bytes } of cpuRaws()) {
    await Deno.mkdir(`${root}/per_cpu/cpu${cpu}`, { recursive: true });
    await Deno.writeFile(`${root}/per_cpu/cpu${cpu}/trace_pipe_raw`, bytes);
  }
  const r = readRecords(FORMAT.id, { root });
  assert.ok(r.ok);
  assert.deepEqual(
    decodeAll(r.value.records.map((x) => x.data)).map((x) => x.get("data")),
    PAYLOADS.map(payloadBytes),
  );
  await Deno.remove(root, { recursive: true });
});

Deno.test("recordPid() reads common_pid of every captured record, ftrace and perf alike", () => {
  const ftrace = collectRecords(LAYOUT, cpuRaws(), FORMAT.id).records.map((r) => r.data);
  const perf = decodePerfSnapshot(read("perf/ring.bin")).records.map((r) => sampleRaw(r)!);
  assert.ok(ftrace.length > 0 && perf.length > 0);
  for (const r of [...ftrace, ...perf]) assert.equal(recordPid(r), MANIFEST.pid);
  assert.throws(() => recordPid(new Uint8Array(7)), RangeError);
});
