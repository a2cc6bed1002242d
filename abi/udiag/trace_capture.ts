/**
 * Guest script: captures what consumers of udiag events read, for the
 * decoders' testdata, and checks the round trip on the spot.
 *
 *   deno task vm --quiet -- deno run -A harness/trace/guest/capture.ts
 *
 * Registers `udiag/trace_capture`, then
 *  1. ftrace: enables it in tracefs, writes the known payloads, drains every
 *     `per_cpu/cpuN/trace_pipe_raw`;
 *  2. perf: opens it with perf_event_open (1 data page, so the second round
 *     wraps), writes a round, snapshots the mapping, consumes, writes a
 *     second round, snapshots again; then checks PERF_EVENT_IOC_DISABLE/ENABLE;
 *  3. both at once: the same payloads through ftrace and perf.
 * Files go to `$UDIAG_OUT/trace-capture/`; one `ok`/`not ok` line per check
 * on stdout; exit 1 if any check failed.
 *
 * @module
 */
import { UdiagFile } from "./device.ts";
import { showResult, type SysResult } from "../../harness/errno.ts";
import { markCase } from "../../harness/marks.ts";
import { sendResult } from "../../harness/channel.ts";
import { TRACEFS, Tracefs } from "../../harness/tracefs.ts";
import { DIAG_SYSTEM } from "./abi.ts";
import {
  decodeRecordResult,
  describeProblem,
  type EventFormat,
  parseFormat,
} from "../../harness/trace/format.ts";
import { collectRecords, type RingLayout } from "../../harness/trace/ftrace_raw.ts";
import { readAllRaw, readRingLayout, readTracefsText } from "../../harness/trace/ftrace_reader.ts";
import {
  decodePerfSnapshot,
  type PerfEvent,
  perfOpen,
  type PerfRecords,
  sampleRaw,
} from "../../harness/trace/perf.ts";
import { payloadBytes, PAYLOADS } from "../../harness/trace/payloads.ts";

const EVENT = "trace_capture";
const outRoot = Deno.env.get("UDIAG_OUT");
if (!outRoot) throw new Error('Cannot capture: "UDIAG_OUT" is not set (run me in the guest)');
const OUT = `${outRoot}/trace-capture`;
Deno.mkdirSync(`${OUT}/ftrace`, { recursive: true });
Deno.mkdirSync(`${OUT}/perf`, { recursive: true });

let failed = 0;
function check(what: string, good: boolean, detail = ""): boolean {
  if (!good) failed++;
  console.log(`${good ? "ok" : "not ok"} - ${what}${detail ? `: ${detail}` : ""}`);
  return good;
}
function checkResult(what: string, r: SysResult<unknown>, want: string): boolean {
  return check(what, showResult(r) === want, `${showResult(r)} (want ${want})`);
}
function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}
function hexHead(b: Uint8Array | undefined): string {
  return b === undefined
    ? "(none)"
    : `${b.length} bytes ${
      [...b.subarray(0, 8)].map((x) => x.toString(16).padStart(2, "0")).join(" ")
    }…`;
}

/** Checks decoded records against the round's payloads, in order. */
function checkRecords(what: string, format: EventFormat, records: readonly Uint8Array[]): void {
  check(
    `${what}: ${PAYLOADS.length} records`,
    records.length === PAYLOADS.length,
    String(records.length),
  );
  for (const [i, spec] of PAYLOADS.entries()) {
    const rec = records[i];
    if (!rec) continue;
    const r = decodeRecordResult(format, rec);
    if (!r.ok) {
      check(`${what}: ${spec.name} decodes`, false, r.problems.map(describeProblem).join("; "));
      continue;
    }
    const want = payloadBytes(spec);
    check(
      `${what}: ${spec.name} common_type is the event id`,
      r.value.get("common_type") === format.id,
    );
    check(`${what}: ${spec.name} common_pid is ours`, r.value.get("common_pid") === Deno.pid);
    check(
      `${what}: ${spec.name} datalen`,
      r.value.get("datalen") === spec.length,
      String(r.value.get("datalen")),
    );
    const data = r.value.get("data");
    check(
      `${what}: ${spec.name} payload byte for byte`,
      data instanceof Uint8Array && sameBytes(data, want),
      data instanceof Uint8Array ? hexHead(data) : String(data),
    );
  }
}

function writeRound(f: UdiagFile, what: string): void {
  for (const spec of PAYLOADS) {
    checkResult(`${what}: write ${spec.name}`, f.write(payloadBytes(spec)), `ok ${spec.length}`);
  }
}

function samplesOf(r: PerfRecords): Uint8Array[] {
  return r.records.map(sampleRaw).filter((s): s is Uint8Array => s !== null);
}

function drainFtrace(layout: RingLayout, id: number, save?: string): Uint8Array[] {
  const raw = readAllRaw({ layout });
  if (!checkResult("read every trace_pipe_raw", raw.ok ? { ok: true, value: 0 } : raw, "ok 0")) {
    return [];
  }
  if (!raw.ok) return [];
  if (save) {
    for (const { cpu, bytes } of raw.value) {
      if (bytes.length) Deno.writeFileSync(`${save}/cpu${cpu}.raw`, bytes);
    }
    manifest.ftraceCpus = raw.value.map(({ cpu, bytes }) => ({ cpu, bytes: bytes.length }));
  }
  const c = collectRecords(layout, raw.value, id);
  check("raw pages decode without problems", c.problems.length === 0, JSON.stringify(c.problems));
  check(
    "no page says events were lost",
    c.lost.length === 0,
    JSON.stringify(c.lost, (_, v) => typeof v === "bigint" ? String(v) : v),
  );
  return c.records.map((r) => r.data);
}

const manifest: Record<string, unknown> = {
  kernelRelease: Deno.osRelease(),
  date: new Date().toISOString(),
  event: `udiag/${EVENT}`,
  payloads: PAYLOADS.map((p) => p.name),
  pid: Deno.pid,
};

markCase("trace", "capture", "start");
const t = new Tracefs(DIAG_SYSTEM);
using f = UdiagFile.openOrThrow();
const index = f.register(EVENT);
check("register udiag/trace_capture", index.ok && index.value >= 1, showResult(index));
using page = (() => {
  const p = f.mapPage();
  if (!p.ok) throw new Error(`Cannot map the enable page: ${p.errno}`);
  return p.value;
})();
const idx = index.ok ? index.value : 0;

// Published files: copied as they are, and parsed from the copies' text.
const formatText = t.format(EVENT);
const headerPage = readText(`${TRACEFS}/events/header_page`);
const headerEvent = readText(`${TRACEFS}/events/header_event`);
// What a plain reader gets: the kernel answers only the first read().
const plain = Deno.readTextFileSync(`${TRACEFS}/events/header_page`);
console.log(
  `# note - Deno.readTextFileSync() of header_page: ${plain.length} of ${headerPage.length} bytes`,
);
Deno.writeTextFileSync(`${OUT}/ftrace/format`, formatText);
Deno.writeTextFileSync(`${OUT}/ftrace/header_page`, headerPage);
Deno.writeTextFileSync(`${OUT}/ftrace/header_event`, headerEvent);
const format = parseFormat(formatText);
const layout = readRingLayout();
check("format id equals the id file", format.id === t.eventId(EVENT), `${format.id}`);
manifest.eventId = format.id;
manifest.pageSize = layout.page.pageSize;
manifest.headerPagePlainRead = { bytes: plain.length, of: headerPage.length };

// 1. ftrace.
checkResult("clear the trace buffer", t.clear(), "ok 0");
drainFtrace(layout, format.id);
checkResult("enable in tracefs", t.setEnabled(EVENT, true), "ok 1");
check("enable byte is 1 while ftrace traces", page.byte(idx) === 1);
writeRound(f, "ftrace");
checkResult("disable in tracefs", t.setEnabled(EVENT, false), "ok 1");
checkRecords("ftrace", format, drainFtrace(layout, format.id, `${OUT}/ftrace`));
check("a drained buffer reads empty (EAGAIN)", drainFtrace(layout, format.id).length === 0);

// 2. perf, one data page: 2400 bytes of samples per round, so round 2 wraps.
{
  const ev = perfOpen(format.id, { dataPages: 1 });
  checkResult(
    "perf_event_open of the tracepoint",
    ev.ok ? { ok: true, value: "open" } : ev,
    "ok open",
  );
  if (ev.ok) {
    using p: PerfEvent = ev.value;
    check("enable byte is 1 while perf traces", page.byte(idx) === 1);
    writeRound(f, "perf round 1");
    const snap1 = p.snapshot();
    Deno.writeFileSync(`${OUT}/perf/ring.bin`, snap1);
    const d1 = decodePerfSnapshot(snap1);
    check("perf round 1 parses", d1.problems.length === 0, JSON.stringify(d1.problems, big));
    checkRecords("perf round 1", format, samplesOf(d1));
    const consumed = p.read();
    check(
      "read() consumes up to data_head",
      p.meta().dataTail === p.meta().dataHead,
      `${consumed.end}`,
    );
    writeRound(f, "perf round 2");
    const snap2 = p.snapshot();
    Deno.writeFileSync(`${OUT}/perf/ring_wrap.bin`, snap2);
    const d2 = decodePerfSnapshot(snap2);
    const size = d2.meta.dataSize;
    check(
      "perf round 2 wraps around the data area",
      d2.records.some((r) => (r.position % size) + BigInt(r.size) > size),
      `tail ${d2.meta.dataTail} head ${d2.meta.dataHead} size ${size}`,
    );
    check("perf round 2 parses", d2.problems.length === 0, JSON.stringify(d2.problems, big));
    checkRecords("perf round 2", format, samplesOf(d2));
    manifest.perf = {
      dataPages: 1,
      round1: { tail: String(d1.meta.dataTail), head: String(d1.meta.dataHead) },
      round2: { tail: String(d2.meta.dataTail), head: String(d2.meta.dataHead) },
    };
    p.read();
    checkResult("PERF_EVENT_IOC_DISABLE", p.disable(), "ok 0");
    checkResult("write while perf is disabled", f.write(payloadBytes(PAYLOADS[0]!)), "ok 1");
    check("no sample while disabled", samplesOf(p.read()).length === 0);
    checkResult("PERF_EVENT_IOC_ENABLE", p.enable(), "ok 0");
    checkResult("write after enable", f.write(payloadBytes(PAYLOADS[0]!)), "ok 1");
    check("one sample after enable", samplesOf(p.read()).length === 1);
  }
  check("enable byte is 0 after perf closed", page.byte(idx) === 0);
}

// 3. Both tracers at once: each write reaches both.
{
  checkResult("enable in tracefs (with perf)", t.setEnabled(EVENT, true), "ok 1");
  const ev = perfOpen(format.id, { dataPages: 8 });
  if (ev.ok) {
    using p: PerfEvent = ev.value;
    writeRound(f, "both");
    checkRecords("both: perf", format, samplesOf(p.read()));
  } else {
    check("perf_event_open with ftrace on", false, ev.errno);
  }
  checkResult("disable in tracefs (with perf)", t.setEnabled(EVENT, false), "ok 1");
  checkRecords("both: ftrace", format, drainFtrace(layout, format.id));
}

page.unmap();
f.close();
using other = UdiagFile.openOrThrow();
checkResult("delete udiag/trace_capture", other.delete(EVENT), "ok 0");
markCase("trace", "capture", "end");

manifest.failed = failed;
Deno.writeTextFileSync(`${OUT}/manifest.json`, JSON.stringify(manifest, null, 2) + "\n");
sendResult({ event: "trace-capture", failed, out: OUT });
console.log(`trace-capture: ${failed} failed; files in ${OUT}`);
Deno.exit(failed === 0 ? 0 : 1);

function readText(path: string): string {
  const r = readTracefsText(path);
  if (!r.ok) throw new Error(`Cannot read "${path}": ${r.errno}`);
  return r.value;
}

function big(_: string, v: unknown): unknown {
  return typeof v === "bigint" ? String(v) : v;
}
