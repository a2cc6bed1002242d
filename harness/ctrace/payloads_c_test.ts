/**
 * The C reproducer's payload check (emit_c.ts payloadHelpers()) against the
 * TypeScript decoders, on the same bytes: the pages and perf rings captured
 * in the guest (harness/trace/testdata) under their own format, and the
 * RFC's records (its code, run on the host) under the RFC's format. The
 * program is emitted from a trace, built with a test tracefs root and its
 * dump switched on, and must list the very payloads and problems that
 * payloadsOfFtrace()/payloadsOfPerf() give, then judge them as the rule does.
 */
import assert from "node:assert/strict";
import { DONE_LINE, emitC, foundLines } from "./emit_c.ts";
import { hex } from "./record.ts";
import type { Expectation, Trace, TraceArg } from "./trace.ts";
import { collectRecords, parseRingLayout } from "../trace/ftrace_raw.ts";
import { decodePerfSnapshot } from "../trace/perf.ts";
import { payloadBytes, PAYLOADS } from "../trace/payloads.ts";
import { payloadsOfFtrace, payloadsOfPerf, type Recovered } from "../trace/recover.ts";
import { EVENT_ID, rfcFormat, runRfc } from "../trace/rfc_fixture.ts";

const DATA = new URL("../trace/testdata/", import.meta.url);
const text = (name: string) => Deno.readTextFileSync(new URL(name, DATA));
const bytes = (name: string) => Deno.readFileSync(new URL(name, DATA));
const EVENT = "udiag/trace_capture";
const SENT = PAYLOADS.map(payloadBytes);
const BASE = 0x7f00_0000_0000n;
const LAYOUT = parseRingLayout(text("ftrace/header_page"), text("ftrace/header_event"));

// ---------------------------------------------------------------- traces

function traceOf(events: Trace[number]["events"]): Trace {
  return [{ proc: { ev: "proc", t: "1", pid: 100, uid: 0, gid: 0, role: "root" }, events }];
}

const at = (k: number) => String(1000 + k);
const i = (n: number | bigint): TraceArg => ({ i: String(n) });

function judge(k: number, expect: Expectation) {
  return { ev: "judge" as const, t: at(k), finding: "UD-TR-X", what: "payloads", expect };
}

/** getpid, then the ftrace judge. */
function ftraceTrace(sent: readonly Uint8Array[]): Trace {
  return traceOf([
    { ev: "call", t: at(0), name: "getpid", nr: 39, args: [], ret: "100" },
    judge(1, { payloads: { sink: "ftrace", event: EVENT, sent: sent.map(hex) } }),
  ]);
}

/** The ring file mapped read-only where the replay had the perf ring, then the perf judge. */
function perfTrace(ring: string, length: number, sent: readonly Uint8Array[]): Trace {
  const path = new TextEncoder().encode(`${ring}\0`);
  return traceOf([
    {
      ev: "call",
      t: at(0),
      name: "open",
      nr: 2,
      args: [{ buf: hex(path), addr: "4096" }, i(0), i(0)],
      ret: "57",
    },
    {
      ev: "call",
      t: at(1),
      name: "mmap",
      nr: 9,
      args: [{ p: "0" }, i(length), i(1), i(2), i(57), i(0)],
      ret: String(BASE),
    },
    judge(2, {
      payloads: { sink: "perf", event: EVENT, sent: sent.map(hex), ring: `0x${BASE.toString(16)}` },
    }),
  ]);
}

// ---------------------------------------------------------------- running

async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}\n${stdout}`);
  }
  return stdout;
}

/** A tracefs root holding the format and, per CPU, what trace_pipe_raw is to give. */
async function tracefs(dir: string, format: string, cpus: Uint8Array[]): Promise<void> {
  await Deno.mkdir(`${dir}/events/${EVENT}`, { recursive: true });
  await Deno.writeTextFile(`${dir}/events/${EVENT}/format`, format);
  for (const [cpu, raw] of cpus.entries()) {
    await Deno.mkdir(`${dir}/per_cpu/cpu${cpu}`, { recursive: true });
    await Deno.writeFile(`${dir}/per_cpu/cpu${cpu}/trace_pipe_raw`, raw);
  }
}

/** Emits, builds with the test root and the dump, and runs the program; its stdout lines. */
async function runCheck(trace: Trace, dir: string): Promise<string[]> {
  const e = emitC(trace, { title: "t", kind: "conformance", command: "x" });
  if (!e.ok) throw new Error(e.reason);
  await Deno.writeTextFile(`${dir}/repro.c`, e.source);
  const defs = [`-DUDIAG_TRACEFS="${dir}/fs"`, "-DUDIAG_PAYLOADS_DUMP"];
  await run("gcc", ["-Wall", "-Werror", ...defs, "-o", `${dir}/repro`, `${dir}/repro.c`]);
  return (await run(`${dir}/repro`, [])).trimEnd().split("\n");
}

/** What the dump must list: the TypeScript decoder's payloads and problems, in order. */
function dumpOf(r: Recovered): string[] {
  return [
    ...r.payloads.map((p) => `udiag-repro: payload ${hex(p)}`),
    ...r.problems.map((p) => `udiag-repro: problem ${p}`),
  ];
}

const dumped = (lines: string[]) => lines.filter((l) => /^udiag-repro: (payload|problem) /.test(l));

async function inTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "payloads_c_test_" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function ftraceCheck(format: string, cpus: Uint8Array[], sent: readonly Uint8Array[]) {
  return await inTemp(async (dir) => {
    await tracefs(`${dir}/fs`, format, cpus);
    return await runCheck(ftraceTrace(sent), dir);
  });
}

async function perfCheck(format: string, ring: Uint8Array, sent: readonly Uint8Array[]) {
  return await inTemp(async (dir) => {
    await tracefs(`${dir}/fs`, format, []);
    await Deno.writeFile(`${dir}/ring.bin`, ring);
    return await runCheck(perfTrace(`${dir}/ring.bin`, ring.length, sent), dir);
  });
}

function ftraceTs(format: string, cpus: Uint8Array[]): Recovered {
  const raw = cpus.map((b, cpu) => ({ cpu, bytes: b }));
  return payloadsOfFtrace(
    format,
    collectRecords(LAYOUT, raw, Number(/ID: (\d+)/.exec(format)![1])),
  );
}

const perfTs = (format: string, ring: Uint8Array) =>
  payloadsOfPerf(format, decodePerfSnapshot(ring).records);

// ---------------------------------------------------------------- RFC bytes

/** One ring buffer page holding `records` as long (type_len 0) events, 4-byte padded. */
function ftracePage(records: readonly Uint8Array[]): Uint8Array {
  const page = new Uint8Array(4096);
  const v = new DataView(page.buffer);
  let at = 16;
  v.setBigUint64(0, 1000n, true);
  for (const r of records) {
    const len = (r.length + 3) & ~3;
    v.setUint32(at, 1 << 5, true); // time_delta 1, type_len 0
    v.setUint32(at + 4, len + 4, true);
    page.set(r, at + 8);
    at += 8 + len;
  }
  v.setBigUint64(8, BigInt(at - 16), true);
  return page;
}

/** A perf mapping (control page + 8 KiB of data) holding one PERF_SAMPLE_RAW sample per raw. */
function perfRing(raws: readonly Uint8Array[]): Uint8Array {
  const ring = new Uint8Array(4096 + 8192);
  const v = new DataView(ring.buffer);
  let pos = 0;
  for (const raw of raws) {
    const at = 4096 + pos;
    v.setUint32(at, 9, true); // PERF_RECORD_SAMPLE
    v.setUint16(at + 6, 12 + raw.length, true);
    v.setUint32(at + 8, raw.length, true);
    ring.set(raw, at + 12);
    pos += 12 + raw.length;
  }
  v.setBigUint64(1024, BigInt(pos), true); // data_head
  v.setBigUint64(1040, 4096n, true); // data_offset
  v.setBigUint64(1048, 8192n, true); // data_size
  return ring;
}

// ---------------------------------------------------------------- tests

const FORMAT = text("ftrace/format");
const CPUS = [new Uint8Array(), bytes("ftrace/cpu1.raw")];

Deno.test("C payload check: the captured ftrace page decodes as in TypeScript, and holds", async () => {
  const ts = ftraceTs(FORMAT, CPUS);
  assert.equal(ts.payloads.length, SENT.length);
  const lines = await ftraceCheck(FORMAT, CPUS, SENT);
  assert.deepEqual(dumped(lines), dumpOf(ts));
  assert.deepEqual(foundLines(lines.join("\n")), []);
  assert.equal(lines.at(-1), DONE_LINE);
});

Deno.test("C payload check: a count or a byte off is found, with what differs", async () => {
  const fewer = await ftraceCheck(FORMAT, CPUS, SENT.slice(0, 7));
  assert.deepEqual(foundLines(fewer.join("\n")), ["UD-TR-X"]);
  assert.ok(fewer.includes("udiag-repro: payloads: 8 recovered, expected 7"), fewer.join("\n"));
  const changed = SENT.map((s) => s.slice());
  changed[3]![0] = 0;
  const off = await ftraceCheck(FORMAT, CPUS, changed);
  assert.ok(off.includes("udiag-repro: payloads: #3 is fffefdfcfbfaf9, expected 00fefdfcfbfaf9"));
});

Deno.test("C payload check: both captured perf rings (one wraps) decode as in TypeScript", async () => {
  for (const name of ["perf/ring.bin", "perf/ring_wrap.bin"]) {
    const ring = bytes(name);
    const ts = perfTs(FORMAT, ring);
    assert.equal(ts.payloads.length, SENT.length, name);
    const lines = await perfCheck(FORMAT, ring, SENT);
    assert.deepEqual(dumped(lines), dumpOf(ts), name);
    assert.deepEqual(foundLines(lines.join("\n")), [], name);
  }
});

Deno.test("C payload check: the RFC's records under the RFC's format fail as in TypeScript", async () => {
  const rfc = await runRfc();
  const format = rfcFormat(rfc.fields);
  const cases: [string, Recovered, () => Promise<string[]>][] = [
    [
      "ftrace",
      ftraceTs(format, [ftracePage(rfc.ftrace)]),
      () => ftraceCheck(format, [ftracePage(rfc.ftrace)], SENT),
    ],
    ["perf", perfTs(format, perfRing(rfc.perf)), () => perfCheck(format, perfRing(rfc.perf), SENT)],
  ];
  for (const [sink, ts, check] of cases) {
    // The rule's own evidence: no payload back, a problem per record.
    assert.equal(ts.payloads.length, 0, sink);
    assert.equal(ts.problems.length, PAYLOADS.length, sink);
    const lines = await check();
    assert.deepEqual(dumped(lines), dumpOf(ts), sink);
    assert.deepEqual(foundLines(lines.join("\n")), ["UD-TR-X"], sink);
    const why = `udiag-repro: payloads: decode problems: ${ts.problems[0]} (and 7 more)`;
    assert.ok(lines.includes(why), `${sink}: ${lines.join("\n")}`);
  }
  assert.equal(EVENT_ID, Number(/ID: (\d+)/.exec(format)![1]));
});

Deno.test("C payload check: a page the layout does not explain is worded as in TypeScript", async () => {
  // The captured page with its commit size raised past the capacity, and one cut short.
  const over = CPUS[1]!.slice();
  new DataView(over.buffer).setUint32(8, 4090, true);
  const short = CPUS[1]!.slice(0, 400);
  for (const cpus of [[over], [short], [CPUS[1]!, over]]) {
    const ts = ftraceTs(FORMAT, cpus);
    assert.ok(ts.problems.length > 0);
    const lines = await ftraceCheck(FORMAT, cpus, SENT);
    assert.deepEqual(dumped(lines), dumpOf(ts));
    assert.deepEqual(foundLines(lines.join("\n")), ["UD-TR-X"]);
  }
});

/** The captured page with every payload byte flipped: other bytes, the same timestamps. */
function flipped(page: Uint8Array): Uint8Array {
  const out = page.slice();
  for (const r of collectRecords(LAYOUT, [{ cpu: 0, bytes: page }]).records) {
    const start = r.pageOffset + ((page[r.pageOffset]! & 31) === 0 ? 8 : 4);
    const loc = new DataView(out.buffer).getUint32(start + 12, true);
    for (let k = 0; k < loc >>> 16; k++) out[start + (loc & 0xffff) + k]! ^= 0x55;
  }
  return out;
}

Deno.test("C payload check: two CPUs merge by timestamp, then CPU, as in TypeScript", async () => {
  const cpus = [CPUS[1]!, flipped(CPUS[1]!)];
  const ts = ftraceTs(FORMAT, cpus);
  assert.equal(ts.payloads.length, 2 * SENT.length);
  assert.notDeepEqual(ts.payloads[0], ts.payloads[1]);
  const lines = await ftraceCheck(FORMAT, cpus, SENT);
  assert.deepEqual(dumped(lines), dumpOf(ts));
  assert.ok(lines.includes("udiag-repro: payloads: 16 recovered, expected 8"));
});
