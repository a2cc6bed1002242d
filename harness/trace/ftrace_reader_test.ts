import assert from "node:assert/strict";
import {
  listCpus,
  RawReader,
  readAllRaw,
  readRecords,
  readRingLayout,
  readTracefsText,
  TRACEFS_TEXT_MAX,
} from "./ftrace_reader.ts";

/** A directory shaped like tracefs, with regular files in place of the kernel's. */
async function fakeTracefs(pages: Map<number, Uint8Array>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "udiag-tracefs-" });
  await Deno.mkdir(`${root}/events`);
  await Deno.writeTextFile(
    `${root}/events/header_page`,
    "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n" +
      "\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n" +
      "\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n" +
      "\tfield: char data;\toffset:16;\tsize:112;\tsigned:1;\n",
  );
  await Deno.writeTextFile(
    `${root}/events/header_event`,
    "\ttype_len    :    5 bits\n\ttime_delta  :   27 bits\n\tarray       :   32 bits\n" +
      "\tpadding     : type == 29\n\ttime_extend : type == 30\n\ttime_stamp : type == 31\n" +
      "\tdata max type_len  == 28\n",
  );
  for (const [cpu, bytes] of pages) {
    await Deno.mkdir(`${root}/per_cpu/cpu${cpu}`, { recursive: true });
    await Deno.writeFile(`${root}/per_cpu/cpu${cpu}/trace_pipe_raw`, bytes);
  }
  return root;
}

/** A 128-byte page holding one 8-byte record of `type` at `ts`. */
function page(ts: bigint, type: number, fill: number): Uint8Array {
  const b = new Uint8Array(128);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, ts, true);
  v.setBigUint64(8, 12n, true);
  v.setUint32(16, 2, true); // type_len 2, delta 0
  v.setUint16(20, type, true);
  b.fill(fill, 22, 28);
  return b;
}

Deno.test("readTracefsText() reads a file in one large read", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/f`, "x".repeat(5000));
  assert.deepEqual(readTracefsText(`${dir}/f`), { ok: true, value: "x".repeat(5000) });
  assert.deepEqual(readTracefsText(`${dir}/missing`), { ok: false, errno: "ENOENT" });
  assert.ok(TRACEFS_TEXT_MAX >= 4096);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("readRecords() drains every per_cpu file of a tracefs-shaped root", async () => {
  const cpu0 = new Uint8Array(256);
  cpu0.set(page(30n, 7, 0xa0), 0);
  cpu0.set(page(10n, 8, 0xee), 128);
  const root = await fakeTracefs(new Map([[0, cpu0], [1, page(20n, 7, 0xb1)]]));
  assert.deepEqual(listCpus(root), [0, 1]);
  assert.equal(readRingLayout(root).page.pageSize, 128);
  const r = readRecords(7, { root });
  assert.ok(r.ok);
  assert.deepEqual(r.value.records.map((x) => [x.cpu, x.timestamp, x.data[2]]), [
    [1, 20n, 0xb1],
    [0, 30n, 0xa0],
  ]);
  assert.deepEqual(r.value.problems, []);
  const raw = readAllRaw({ root, cpus: [0], maxPages: 1 });
  assert.ok(raw.ok);
  assert.equal(raw.value[0]!.bytes.length, 128);
  await Deno.remove(root, { recursive: true });
});

Deno.test("readAllRaw() and readRecords() return a refusal as its errno, and close what they opened", async () => {
  const fds = () => [...Deno.readDirSync("/proc/self/fd")].length;
  const root = await fakeTracefs(new Map([[0, page(1n, 7, 1)]]));
  const before = fds();
  assert.deepEqual(readAllRaw({ root, cpus: [0, 3] }), { ok: false, errno: "ENOENT" });
  assert.ok(readAllRaw({ root }).ok);
  assert.equal(fds(), before);
  // A directory where the file should be: read(2) says EISDIR.
  await Deno.mkdir(`${root}/per_cpu/cpu1/trace_pipe_raw`, { recursive: true });
  assert.deepEqual(readRecords(7, { root }), { ok: false, errno: "EISDIR" });
  await Deno.remove(root, { recursive: true });
});

Deno.test("RawReader reads every CPU through pipes it keeps open, and answers an open's refusal", async () => {
  const root = await fakeTracefs(new Map([[0, page(5n, 7, 0xc0)], [1, page(6n, 7, 0xc1)]]));
  const opened = RawReader.open({ root });
  assert.ok(opened.ok);
  using reader = opened.value;
  assert.equal(reader.layout.page.pageSize, 128);
  const first = reader.readAll();
  assert.ok(first.ok);
  assert.deepEqual(first.value.map((c) => [c.cpu, c.bytes.length, c.bytes[22]]), [
    [0, 128, 0xc0],
    [1, 128, 0xc1],
  ]);
  // The same descriptors, now at their end: a second drain reads nothing again.
  const second = reader.readAll();
  assert.ok(second.ok);
  assert.deepEqual(second.value.map((c) => c.bytes.length), [0, 0]);
  await Deno.mkdir(`${root}/per_cpu/cpu2`);
  assert.deepEqual(RawReader.open({ root }), { ok: false, errno: "ENOENT" });
  await Deno.remove(root, { recursive: true });
});
