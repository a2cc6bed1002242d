import assert from "node:assert/strict";
import {
  collectRecords,
  decodePage,
  decodePages,
  MISSING_EVENTS,
  MISSING_STORED,
  parseHeaderEvent,
  parseHeaderPage,
  type RingLayout,
} from "./ftrace_raw.ts";

// What 6.12 prints on x86-64 (kernel/trace/ring_buffer.c), as captured in testdata/ftrace/.
const HEADER_PAGE = "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n" +
  "\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n" +
  "\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n" +
  "\tfield: char data;\toffset:16;\tsize:4080;\tsigned:1;\n";
const HEADER_EVENT = "# compressed entry header\n" +
  "\ttype_len    :    5 bits\n" +
  "\ttime_delta  :   27 bits\n" +
  "\tarray       :   32 bits\n\n" +
  "\tpadding     : type == 29\n" +
  "\ttime_extend : type == 30\n" +
  "\ttime_stamp : type == 31\n" +
  "\tdata max type_len  == 28\n";

const LAYOUT: RingLayout = {
  page: parseHeaderPage(HEADER_PAGE),
  event: parseHeaderEvent(HEADER_EVENT),
};

/** Builds a page the way the kernel's ring buffer writes one. */
class PageBuilder {
  readonly bytes = new Uint8Array(4096);
  readonly view = new DataView(this.bytes.buffer);
  at = 16;
  constructor(timestamp: bigint) {
    this.view.setBigUint64(0, timestamp, true);
  }
  header(typeLen: number, delta: number): this {
    this.view.setUint32(this.at, ((delta << 5) | typeLen) >>> 0, true);
    this.at += 4;
    return this;
  }
  word(v: number): this {
    this.view.setUint32(this.at, v >>> 0, true);
    this.at += 4;
    return this;
  }
  /** A data event: type_len = words when it fits 28 words and `long` is false, else 0 + length. */
  data(delta: number, record: Uint8Array, long = false): this {
    const padded = (record.length + 3) & ~3;
    if (!long && padded <= 28 * 4) {
      this.header(padded / 4, delta);
    } else {
      this.header(0, delta).word(padded + 4);
    }
    this.bytes.set(record, this.at);
    this.at += padded;
    return this;
  }
  commit(extraFlags = 0, size = this.at - 16): Uint8Array {
    this.view.setBigUint64(8, BigInt(size + extraFlags), true);
    return this.bytes;
  }
}

function rec(type: number, fill: number, len: number): Uint8Array {
  const b = new Uint8Array(len).fill(fill);
  b[0] = type & 0xff;
  b[1] = type >> 8;
  return b;
}

Deno.test("parseHeaderPage() and parseHeaderEvent() read 6.12's files", () => {
  assert.deepEqual(LAYOUT, {
    page: {
      timestamp: { offset: 0, size: 8 },
      commit: { offset: 8, size: 8 },
      data: { offset: 16, size: 4080 },
      pageSize: 4096,
    },
    event: {
      typeLenBits: 5,
      timeDeltaBits: 27,
      arrayBits: 32,
      padding: 29,
      timeExtend: 30,
      timeStamp: 31,
      dataMaxTypeLen: 28,
    },
  });
});

Deno.test("parseHeaderPage() and parseHeaderEvent() refuse what this decoder cannot read", () => {
  assert.throws(() => parseHeaderPage(HEADER_PAGE.replace("commit", "kommit")), /no "commit"/);
  assert.throws(
    () => parseHeaderPage(HEADER_PAGE.replace("size:8;\tsigned:1", "size:2;\tsigned:1")),
    /expected 4 or 8/,
  );
  // A cut-short file, as a 32-byte first read of header_page returns.
  assert.throws(() => parseHeaderPage(HEADER_PAGE.slice(0, 32)), /no "timestamp"/);
  assert.throws(
    () => parseHeaderEvent(HEADER_EVENT.replace("27 bits", "26 bits")),
    /32-bit header/,
  );
  assert.throws(() => parseHeaderEvent(HEADER_EVENT.replace("time_stamp", "ts")), /"time_stamp"/);
});

Deno.test("decodePage() reads short and long data events with accumulated deltas", () => {
  const a = rec(435, 0xaa, 17);
  const b = rec(435, 0xbb, 200);
  const c = rec(435, 0xcc, 8);
  const page = new PageBuilder(1_000n).data(3, a).data(10, b).data(0, c, true).commit();
  const d = decodePage(LAYOUT, page);
  assert.deepEqual(d.problems, []);
  assert.equal(d.timestamp, 1_000n);
  assert.equal(d.missedEvents, false);
  assert.deepEqual(d.records.map((r) => r.timestamp), [1_003n, 1_013n, 1_013n]);
  // Records keep the ring buffer's 4-byte padding; the format says what is real.
  assert.deepEqual(d.records.map((r) => r.data.length), [20, 200, 8]);
  assert.deepEqual(d.records[0]!.data.subarray(0, 17), a);
  assert.deepEqual(d.records[1]!.data, b);
  assert.deepEqual(d.records[2]!.data, c);
  assert.deepEqual(d.records.map((r) => r.pageOffset), [16, 16 + 24, 16 + 24 + 208]);
});

Deno.test("decodePage() adds time extends and sets absolute timestamps with the kernel's MSB fix", () => {
  const base = 0xf8n << 56n;
  const page = new PageBuilder(base)
    .header(30, 7).word(5) // time extend: 5 << 27 | 7
    .data(0, rec(1, 1, 8))
    .header(31, 9).word(9) // absolute: 9 << 27 | 9, the top 5 bits from the clock
    .data(4, rec(1, 2, 8))
    .commit();
  const d = decodePage(LAYOUT, page);
  assert.deepEqual(d.problems, []);
  assert.deepEqual(d.records.map((r) => r.timestamp), [
    base + (5n << 27n) + 7n,
    (base | ((9n << 27n) + 9n)) + 4n,
  ]);
});

Deno.test("decodePage() carries into the top bits when an absolute timestamp's low bits wrapped", () => {
  // rb_fix_abs_ts(): abs | (clock & TS_MSB) below the clock means the low 59 bits wrapped.
  const clock = (1n << 59n) + (100n << 27n);
  const page = new PageBuilder(clock).header(31, 0).word(50).data(0, rec(1, 1, 8)).commit();
  assert.deepEqual(decodePage(LAYOUT, page).records.map((r) => r.timestamp), [
    (2n << 59n) + (50n << 27n),
  ]);
});

Deno.test("decodePage() skips discarded events and stops at null padding", () => {
  const page = new PageBuilder(0n)
    .data(1, rec(1, 1, 8))
    .header(29, 1).word(16).word(0).word(0).word(0) // discarded: array[0] = 20 - 4
    .data(2, rec(1, 2, 8))
    .header(29, 0) // null padding: the rest is unused
    .data(5, rec(1, 3, 8)) // so never read, though inside the commit
    .commit();
  const d = decodePage(LAYOUT, page);
  assert.deepEqual(d.problems, []);
  // Padding does not move the clock (rb_update_read_stamp()).
  assert.deepEqual(d.records.map((r) => [r.data[2], r.timestamp]), [[1, 1n], [2, 3n]]);
});

Deno.test("decodePage() masks the commit flags and reads the stored lost count", () => {
  const b = new PageBuilder(0n).data(0, rec(1, 1, 8));
  const size = b.at - 16;
  b.view.setBigUint64(16 + size, 42n, true);
  const d = decodePage(LAYOUT, b.commit(MISSING_EVENTS + MISSING_STORED));
  assert.equal(d.size, 12);
  assert.equal(d.missedEvents, true);
  assert.equal(d.lostEvents, 42n);
  assert.equal(d.records.length, 1);
  const unknown = decodePage(
    LAYOUT,
    new PageBuilder(0n).data(0, rec(1, 1, 8)).commit(MISSING_EVENTS),
  );
  assert.equal(unknown.missedEvents, true);
  assert.equal(unknown.lostEvents, null);
});

Deno.test("decodePage() reports truncation and oversize as values", () => {
  const cut = new PageBuilder(0n).data(0, rec(1, 1, 100)).commit(0, 50);
  assert.deepEqual(decodePage(LAYOUT, cut).problems, [
    { kind: "event-truncated", pageOffset: 16, typeLen: 25, needs: 104, size: 50 },
  ]);
  const long = new PageBuilder(0n).header(0, 0).word(2).commit();
  assert.deepEqual(decodePage(LAYOUT, long).problems, [
    { kind: "event-length", pageOffset: 16, length: 2 },
  ]);
  const over = new PageBuilder(0n).data(0, rec(1, 1, 8)).commit(0, 5000);
  assert.deepEqual(decodePage(LAYOUT, over).problems, [
    { kind: "size-over-capacity", size: 5000, capacity: 4080 },
  ]);
  assert.deepEqual(decodePage(LAYOUT, over).records, []);
  assert.deepEqual(decodePage(LAYOUT, new Uint8Array(10)).problems, [
    { kind: "page-short", length: 10, pageSize: 4096 },
  ]);
});

Deno.test("decodePages() and collectRecords() merge CPUs by timestamp and filter by type", () => {
  const cpu0 = new Uint8Array(8192);
  cpu0.set(new PageBuilder(10n).data(0, rec(7, 1, 8)).data(20, rec(8, 9, 8)).commit(), 0);
  cpu0.set(new PageBuilder(40n).data(0, rec(7, 3, 8)).commit(), 4096);
  const cpu1 = new PageBuilder(25n).data(0, rec(7, 2, 8)).commit(MISSING_EVENTS);
  assert.equal(decodePages(LAYOUT, cpu0).length, 2);
  const c = collectRecords(LAYOUT, [{ cpu: 0, bytes: cpu0 }, { cpu: 1, bytes: cpu1 }], 7);
  assert.deepEqual(c.records.map((r) => [r.cpu, r.timestamp, r.data[2]]), [
    [0, 10n, 1],
    [1, 25n, 2],
    [0, 40n, 3],
  ]);
  assert.deepEqual(c.problems, []);
  assert.deepEqual(c.lost, [{ cpu: 1, page: 0, count: null }]);
});
