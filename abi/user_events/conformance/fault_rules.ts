/**
 * Conformance under the `faults` kernel profile: a traced write whose fault
 * points fail one at a time (conformance/fault_writes.ts), as
 * abi/udiag/conformance/fault_rules.ts does for udiag: one sink per rule,
 * since each probe copies the payload on its own (U:1653, U:1694) and a
 * fault in one sink's copy cannot take back the other's record.
 */
import { Fixture, rule } from "./fixture.ts";
import { type DataEvent, perfDataEvent, registerDataEvent } from "./data_event.ts";
import { locPayload } from "./loc_payload.ts";
import { judgeFaultedWrites } from "../../../conformance/fault_writes.ts";
import { ramp, recoverFtrace, recoverPerf, type Sink } from "../../../conformance/sink_payloads.ts";
import type { RuleContext } from "../../../conformance/rule_context.ts";
import type { Recovered } from "../../../harness/trace/recover.ts";
import { WRITE_INDEX_SIZE } from "../abi.ts";

/** 64 data bytes, short of every size limit: a failure here is the fault's. */
const DATA = ramp(64);

function judge(
  t: RuleContext,
  fx: Fixture,
  name: string,
  ev: DataEvent,
  from: Sink,
  recover: () => Recovered,
): void {
  const { payload } = locPayload("data_loc", ev.field.offset, DATA);
  judgeFaultedWrites(t, {
    event: fx.tracefs.event(name),
    sinks: [{ from, recover }],
    sent: DATA,
    count: WRITE_INDEX_SIZE + payload.length,
    write: () => ev.f.write(ev.index, payload),
  });
}

rule("UE-FI-001", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const ev = registerDataEvent(t, fx, name);
  if (!ev) return;
  t.expect("enable", fx.trace(name).ok, true);
  judge(t, fx, name, ev, { sink: "ftrace" }, () => recoverFtrace(fx.tracefs, name));
});

rule("UE-FI-002", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const ev = perfDataEvent(t, fx, name);
  if (!ev) return;
  const p = ev.perf;
  judge(t, fx, name, ev, { sink: "perf", perf: p }, () => recoverPerf(fx.tracefs, name, p));
});
