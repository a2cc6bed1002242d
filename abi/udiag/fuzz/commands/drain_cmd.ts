import type fc from "fast-check";
import type { Sink, TraceRecord, UdiagModel } from "../model.ts";
import { BPF_COPY, Mismatch, type RealUdiag } from "../real.ts";
import { RawReader } from "../../../../harness/trace/ftrace_reader.ts";
import { collectRecords } from "../../../../harness/trace/ftrace_raw.ts";
import type { SysResult } from "../../../../harness/errno.ts";
import type { TraceCollection } from "../../../../harness/trace/ftrace_raw.ts";
import { sampleRaw } from "../../../../harness/trace/perf.ts";
import { recordPid, recordType } from "../../../../harness/trace/format.ts";
import { payloadsOf } from "../../../../harness/trace/recover.ts";
import { bpfTitle, drainTitle } from "../titles.ts";

/** The pipes drains read, open for the rest of the process (see RawReader). */
let reader: RawReader | null = null;

/** Every record of every event, drained from all CPUs. */
function readAllRecords(): SysResult<TraceCollection> {
  if (reader === null) {
    const r = RawReader.open();
    if (!r.ok) return r;
    reader = r.value;
  }
  const raw = reader.readAll();
  return raw.ok ? { ok: true, value: collectRecords(reader.layout, raw.value) } : raw;
}

function show(rs: readonly { name: string; data: Uint8Array }[]): string {
  return rs.map((r) => `${r.name}:${r.data.length}:${r.data.slice(0, 8).join(".")}`).join(" ") ||
    "(none)";
}

/** Decodes raw records with the format each event published while it lived. */
function decode(r: RealUdiag, raws: readonly Uint8Array[]): { name: string; data: Uint8Array }[] {
  return raws.map((raw) => {
    const known = r.formats.get(recordType(raw));
    if (!known) return { name: `type${recordType(raw)}`, data: raw };
    const got = payloadsOf(known.format, [raw]);
    return { name: known.name, data: got.payloads[0] ?? new Uint8Array() };
  });
}

/**
 * The records of a case's own (pure): of an event type the case registered,
 * written by the case's process. A record another process wrote, or one an
 * earlier case left of an event that had the same type id, is not this
 * case's to judge.
 */
export function ownRecords(
  raws: readonly Uint8Array[],
  types: ReadonlySet<number>,
  pid: number,
): Uint8Array[] {
  return raws.filter((d) => d.length >= 8 && types.has(recordType(d)) && recordPid(d) === pid);
}

/**
 * An eBPF program attached to perf event `id` ran on each record the event
 * got, the last one last: what it copied (`seen`) must be `last`'s payload,
 * its length and first BPF_COPY bytes. Throws a {@linkcode Mismatch} when not.
 */
export function checkBpfSeen(
  id: number,
  seen: SysResult<{ readonly length: number; readonly bytes: Uint8Array }>,
  last: TraceRecord,
): void {
  if (!seen.ok) {
    throw new Mismatch(
      `drain(bpf p${id})`,
      seen.errno,
      "the map entry",
      "fuzz: drain(bpf) could not read the program's map",
    );
  }
  const got = `${seen.value.length}:${seen.value.bytes.join(".")}`;
  const want = `${last.data.length}:${last.data.subarray(0, BPF_COPY).join(".")}`;
  if (got !== want) {
    throw new Mismatch(
      `drain(bpf p${id})`,
      got,
      want,
      bpfTitle(seen.value.length, last.data.length),
    );
  }
}

/**
 * Drains the ftrace buffer and every perf ring buffer and compares the
 * payloads, in order, with what the model says each sink received.
 */
export class DrainCmd implements fc.Command<UdiagModel, RealUdiag> {
  check(): boolean {
    return true;
  }
  run(m: UdiagModel, r: RealUdiag): void {
    const ft = readAllRecords();
    if (!ft.ok) throw new Mismatch("drain ftrace", ft.errno, "records");
    const real = decode(
      r,
      ownRecords(ft.value.records.map((x) => x.data), new Set(r.formats.keys()), Deno.pid),
    );
    this.#compare("ftrace", m.takeRecords("ftrace"), real);
    for (const [id, perf] of r.perfs) {
      const raws = ownRecords(
        perf.read().records.map(sampleRaw).filter((x): x is Uint8Array => x !== null),
        new Set(r.formats.keys()),
        Deno.pid,
      );
      this.#compare(id, m.takeRecords(id), decode(r, raws));
      // Nothing to judge before a record the model can promise reached the program.
      const last = r.bpfMaps.has(id) ? m.bpfLast(id) : undefined;
      if (last) checkBpfSeen(id, r.bpfSeen(id), last);
    }
    r.checkPage(m, this.toString());
  }
  #compare(
    sink: Sink,
    want: readonly TraceRecord[] | null,
    got: readonly { name: string; data: Uint8Array }[],
  ): void {
    // null: a payload too large for the model to promise went there; drained now.
    if (want === null) return;
    const w = show(want);
    const g = show(got);
    const same = got.length === want.length &&
      got.every((x, i) =>
        x.name === want[i]!.name && x.data.length === want[i]!.data.length &&
        x.data.every((b, j) => b === want[i]!.data[j])
      );
    if (!same || g !== w) {
      throw new Mismatch(
        `drain(${sink === "ftrace" ? "ftrace" : `p${sink}`})`,
        g,
        w,
        drainTitle(sink === "ftrace" ? "ftrace" : "perf", got, want),
      );
    }
  }
  toString(): string {
    return "drain()";
  }
}
