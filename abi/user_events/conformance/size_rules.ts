/**
 * Conformance: payload sizes at every limit a sink has (harness/trace/limits.ts),
 * as abi/udiag/conformance/size_rules.ts does for udiag. Traced, a write
 * reaches the sink whole or fails with an errno: a write that returns its
 * count while its record vanishes is the finding (NOTES.md §7, "Silent
 * success without a record"). The event is data_event.ts's.
 */
import { Fixture, rule } from "./fixture.ts";
import { type DataEvent, perfDataEvent, registerDataEvent } from "./data_event.ts";
import { locPayload } from "./loc_payload.ts";
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
import { fixedEnd } from "../../../harness/trace/format.ts";
import type { Recovered } from "../../../harness/trace/recover.ts";
import { pageSize } from "../../../harness/syscall.ts";
import { WRITE_INDEX_SIZE } from "../abi.ts";

/** Writes `n` data bytes at each limit size and judges what the sink gave back for it. */
function writeEachLimit(
  t: RuleContext,
  fx: Fixture,
  ev: DataEvent,
  name: string,
  from: Sink,
  recover: () => Recovered,
): void {
  // The record's fixed part: common fields and the loc word (12 on 6.12).
  const overhead = fixedEnd(ev.format);
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
    const { payload, length } = locPayload("data_loc", ev.field.offset, data);
    if (length !== n) t.note(`${n} data bytes`, `loc word states ${length}`);
    judgeSizedWrite(t, from, fx.tracefs.event(name), {
      what: `a write of ${n} data bytes`,
      sent: data.subarray(0, length),
      wrote: ev.f.write(ev.index, payload),
      count: WRITE_INDEX_SIZE + payload.length,
      got: recover(),
    });
  }
}

rule("UE-SZ-001", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const ev = registerDataEvent(t, fx, name);
  if (!ev) return;
  t.expect("enable", fx.trace(name).ok, true);
  writeEachLimit(
    t,
    fx,
    ev,
    name,
    { sink: "ftrace" },
    () => recoverFtrace(fx.tracefs, name),
  );
});

rule("UE-SZ-002", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  // Its 8 data pages hold the largest sample perf makes (PERF_MAX_TRACE_SIZE).
  const ev = perfDataEvent(t, fx, name);
  if (!ev) return;
  const p = ev.perf;
  writeEachLimit(
    t,
    fx,
    ev,
    name,
    { sink: "perf", perf: p },
    () => recoverPerf(fx.tracefs, name, p),
  );
});
