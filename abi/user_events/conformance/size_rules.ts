/**
 * Conformance: payload sizes at every limit a sink has (harness/trace/limits.ts),
 * as abi/udiag/conformance/size_rules.ts does for udiag. Traced, a write
 * reaches the sink whole or fails with an errno: a write that returns its
 * count while its record vanishes is the finding (NOTES.md §7, "Silent
 * success without a record").
 *
 * The event has one field, `__data_loc u8[] data`: `__data_loc ` types are 4
 * bytes (U:1105-1106) and get a validator that only bounds-checks the data
 * (U:1148-1149, U:1616-1619); the NUL-termination check is added only when
 * the type contains `char` (U:1159-1160), so a `u8[]` payload may hold any
 * bytes and any length, 0 included. The bytes after the write index are the
 * loc word and the data (loc_payload.ts).
 */
import { Fixture, rule } from "./fixture.ts";
import { locPayload } from "./loc_payload.ts";
import type { UserEventsFile } from "../client.ts";
import type { RuleContext } from "../../../conformance/rule_context.ts";
import {
  judgeSizedWrite,
  ramp,
  recoverFtrace,
  recoverPerf,
  type Sink,
} from "../../../conformance/sink_payloads.ts";
import { limitSizes } from "../../../harness/trace/limits.ts";
import { readRingLayout } from "../../../harness/trace/ftrace_reader.ts";
import { fixedEnd, parseFormat } from "../../../harness/trace/format.ts";
import { perfOpen } from "../../../harness/trace/perf.ts";
import type { Recovered } from "../../../harness/trace/recover.ts";
import { pageSize } from "../../../harness/syscall.ts";
import { WRITE_INDEX_SIZE } from "../abi.ts";

/** The one field: a dynamic array of bytes with no NUL validator (see the module doc). */
const FIELDS = "__data_loc u8[] data";

/** Writes `n` data bytes at each limit size and judges what the sink gave back for it. */
function writeEachLimit(
  t: RuleContext,
  fx: Fixture,
  f: UserEventsFile,
  index: number,
  name: string,
  from: Sink,
  recover: () => Recovered,
): void {
  const format = parseFormat(fx.tracefs.format(name));
  const field = format.fields.find((x) => x.name === "data");
  t.expect("format's data field", field?.kind ?? "absent", "data_loc");
  if (field?.kind !== "data_loc") return;
  // The record's fixed part: common fields and the loc word (12 on 6.12).
  const overhead = fixedEnd(format);
  const sizes = limitSizes({
    pageSize: pageSize(),
    ringData: readRingLayout().page.data.size,
    overhead,
  });
  t.note("sizes (data bytes)", `${sizes.join(" ")}; record = ${overhead} + n`);
  for (const n of sizes) {
    recover(); // drain anything older
    const data = ramp(n);
    // Past 65535 bytes the loc word cannot state the length (its high 16
    // bits): it states 65535 and the rest rides along after the field, so
    // the write is still made and the kernel's answer to it still judged,
    // and what a consumer can recover of it with the format is those
    // 65535 bytes (loc_payload.ts).
    const { payload, length } = locPayload("data_loc", field.offset, data);
    if (length !== n) t.note(`${n} data bytes`, `loc word states ${length}`);
    judgeSizedWrite(t, from, fx.tracefs.event(name), {
      what: `a write of ${n} data bytes`,
      sent: data.subarray(0, length),
      wrote: f.write(index, payload),
      count: WRITE_INDEX_SIZE + payload.length,
      got: recover(),
    });
  }
}

/** Registers the rule's event on a new file: the file and its write index. */
function register(
  t: RuleContext,
  fx: Fixture,
  name: string,
): { f: UserEventsFile; index: number } | null {
  const f = fx.open();
  const reg = fx.register(f, {
    nameArgs: `${name} ${FIELDS}`,
    enableAddr: fx.word(),
    enableBit: 0,
  });
  t.expect("register", reg.ok, true);
  return reg.ok ? { f, index: reg.value } : null;
}

rule("UE-SZ-001", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const ev = register(t, fx, name);
  if (!ev) return;
  t.expect("enable", fx.trace(name).ok, true);
  writeEachLimit(
    t,
    fx,
    ev.f,
    ev.index,
    name,
    { sink: "ftrace" },
    () => recoverFtrace(fx.tracefs, name),
  );
});

rule("UE-SZ-002", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const ev = register(t, fx, name);
  if (!ev) return;
  // Its 8 data pages hold the largest sample perf makes (PERF_MAX_TRACE_SIZE);
  // closed by the fixture before the event is unregistered and deleted.
  const perf = perfOpen(fx.tracefs.eventId(name));
  t.expect("perf_event_open", perf.ok, true);
  if (!perf.ok) return;
  const p = perf.value;
  fx.defer(() => p.close());
  writeEachLimit(
    t,
    fx,
    ev.f,
    ev.index,
    name,
    { sink: "perf", perf: p },
    () => recoverPerf(fx.tracefs, name, p),
  );
});
